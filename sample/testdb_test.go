package sample

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"handover"
	"handover/engine"
)

// The tests build the sample in real databases: an SQLite file in
// t.TempDir() always, and a throwaway PostgreSQL database when
// HANDOVER_TEST_PG names a server (e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
const pgEnv = "HANDOVER_TEST_PG"

// eachBackend runs fn as a parallel subtest named after each available
// backend: "sqlite", and "postgres" when HANDOVER_TEST_PG is set.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	backends := []string{"sqlite"}
	if os.Getenv(pgEnv) != "" {
		backends = append(backends, "postgres")
	}
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// mustOpenDB opens a fresh, empty database on backend, closed and removed
// when the test ends.
func mustOpenDB(tb testing.TB, backend string) *engine.DB {
	tb.Helper()
	dsn := filepath.Join(tb.TempDir(), "handover.db")
	if backend == "postgres" {
		dsn = mustCreatePostgres(tb)
	}
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", backend, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustCreatePostgres creates a database with a random name on the server
// named by HANDOVER_TEST_PG, dropped when the test ends, and returns its DSN.
func mustCreatePostgres(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv(pgEnv)
	if admin == "" {
		tb.Skip(pgEnv + " is not set")
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	name := "handover_sample_" + hex.EncodeToString(b)
	mustAdminExec(tb, admin, "CREATE DATABASE "+name)
	tb.Cleanup(func() { mustAdminExec(tb, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	if !strings.Contains(admin, "://") {
		return admin + " dbname=" + name // lib/pq: the last setting wins
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("parse %s: %v", pgEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// mustAdminExec runs one statement on the HANDOVER_TEST_PG database.
func mustAdminExec(tb testing.TB, admin, q string) {
	tb.Helper()
	db, err := sqlx.Open("postgres", admin)
	if err != nil {
		tb.Fatalf("open %s: %v", pgEnv, err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

// mustCount runs a count query.
func mustCount(tb testing.TB, db *engine.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.SQL().Get(&n, db.SQL().Rebind(q), args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// mustChecksums returns a SHA-256 of every directory and data table, each
// over all columns of all rows in key order, so that two databases of one
// backend can be compared.
func mustChecksums(tb testing.TB, db *engine.DB) map[string]string {
	tb.Helper()
	keys := map[string]string{"tenants": "id", "teams": "id", "users": "id", "admin_views": "admin_id, team_id"}
	for _, t := range handover.Catalog {
		keys[t.Table] = t.Key()
	}
	out := map[string]string{}
	for table, key := range keys {
		out[table] = mustChecksum(tb, db, table, key)
	}
	return out
}

// mustChecksum hashes table's rows in key order, each value with its Go
// type as the driver returns it.
func mustChecksum(tb testing.TB, db *engine.DB, table, key string) string {
	tb.Helper()
	rows, err := db.SQL().Queryx(`SELECT * FROM ` + table + ` ORDER BY ` + key)
	if err != nil {
		tb.Fatalf("checksum %s: %v", table, err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			tb.Fatalf("checksum %s: %v", table, err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(h, "%T %q|", v, fmt.Sprint(v))
		}
		h.Write([]byte{'\n'})
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("checksum %s: %v", table, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
