package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"handover"
)

// pgEnv names the variable holding an admin DSN of a PostgreSQL server for
// tests, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
// Tests needing PostgreSQL skip when it is unset.
const pgEnv = "HANDOVER_TEST_PG"

// backends lists the backends tests can run on: "sqlite" always,
// "postgres" when HANDOVER_TEST_PG is set.
func backends(tb testing.TB) []string {
	tb.Helper()
	if os.Getenv(pgEnv) == "" {
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// eachBackend runs fn as a parallel subtest named after each available
// backend.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// MustOpenDB opens a fresh, empty database on backend ("sqlite" or
// "postgres") with the schema created, and closes and removes it when the
// test ends. It skips the test for "postgres" when HANDOVER_TEST_PG is unset.
func MustOpenDB(tb testing.TB, backend string) *DB {
	tb.Helper()
	db := MustOpenEmptyDB(tb, backend)
	if err := db.Init(context.Background()); err != nil {
		tb.Fatalf("init %s: %v", backend, err)
	}
	return db
}

// MustOpenEmptyDB is MustOpenDB without the schema.
func MustOpenEmptyDB(tb testing.TB, backend string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), MustCreateDSN(tb, backend))
	if err != nil {
		tb.Fatalf("open %s: %v", backend, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustCreateDSN creates a fresh, empty database on backend and returns its
// DSN; the database is removed when the test ends (after any Close
// registered later). SQLite databases are files in tb.TempDir().
func MustCreateDSN(tb testing.TB, backend string) string {
	tb.Helper()
	switch backend {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "handover.db")
	case "postgres":
		return mustCreatePostgres(tb, "")
	}
	tb.Fatalf("unknown backend %q", backend)
	return ""
}

// mustCreatePostgres creates database handover_t_<random> on the server
// named by HANDOVER_TEST_PG, as a copy of template when template is not
// empty, and drops it (forcing connections closed) in tb.Cleanup.
func mustCreatePostgres(tb testing.TB, template string) string {
	tb.Helper()
	admin := os.Getenv(pgEnv)
	if admin == "" {
		tb.Skip(pgEnv + " is not set")
	}
	name := "handover_t_" + randomHex(tb, 8)
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template
	}
	mustAdminExec(tb, admin, q)
	tb.Cleanup(func() { mustAdminExec(tb, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDBName(tb, admin, name)
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

// withDBName returns the PostgreSQL DSN dsn pointing at database name; it
// accepts URLs and key=value strings.
func withDBName(tb testing.TB, dsn, name string) string {
	tb.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " dbname=" + name // lib/pq: the last setting wins
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("parse %s: %v", pgEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// randomHex returns n random bytes in hex.
func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestMustOpenDB checks the helpers themselves: a fresh database with the
// schema on every available backend.
func TestMustOpenDB(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		if db.Dialect() != backend {
			t.Fatalf("dialect %q, want %q", db.Dialect(), backend)
		}
		v, err := db.SchemaVersion(context.Background())
		if err != nil || v == 0 {
			t.Fatalf("schema version %d, %v; want > 0", v, err)
		}
		var n int
		if err := db.SQL().Get(&n, `SELECT count(*) FROM users`); err != nil || n != 0 {
			t.Fatalf("users: %d, %v; want an empty table", n, err)
		}
	})
}

// mustCount runs a count query.
func mustCount(tb testing.TB, db *DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.SQL().Get(&n, db.rebind(q), args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// directoryKeys are the directory tables and the columns ordering them.
var directoryKeys = []struct{ table, key string }{
	{"tenants", "id"}, {"teams", "id"}, {"users", "id"}, {"admin_views", "admin_id, team_id"},
}

// mustChecksums returns a SHA-256 of every directory and data table, each
// over all columns of all rows in key order, so that two databases of one
// backend can be compared. Ledger tables are left out.
func mustChecksums(tb testing.TB, db *DB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, d := range directoryKeys {
		out[d.table] = mustChecksum(tb, db, d.table, d.key)
	}
	for _, t := range handover.Catalog {
		out[t.Table] = mustChecksum(tb, db, t.Table, t.Key())
	}
	return out
}

// mustChecksum hashes table's rows in key order: PostgreSQL renders each
// row as its text form, SQLite as the quoted values of its columns.
func mustChecksum(tb testing.TB, db *DB, table, key string) string {
	tb.Helper()
	expr := "t::text"
	if db.Dialect() == "sqlite" {
		var cols []string
		if err := db.SQL().Select(&cols, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table); err != nil {
			tb.Fatalf("columns of %s: %v", table, err)
		}
		expr = "quote(" + strings.Join(cols, ") || ',' || quote(") + ")"
	}
	rows, err := db.SQL().Query(`SELECT ` + expr + ` FROM ` + table + ` t ORDER BY ` + key)
	if err != nil {
		tb.Fatalf("checksum %s: %v", table, err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var line sql.RawBytes
		if err := rows.Scan(&line); err != nil {
			tb.Fatalf("checksum %s: %v", table, err)
		}
		h.Write(line)
		h.Write([]byte{'\n'})
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("checksum %s: %v", table, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// mustCopyDB makes an identical copy of the closed database dsn on backend
// and returns the copy's DSN; the copy is removed when the test ends.
// PostgreSQL copies with CREATE DATABASE … TEMPLATE (no connection to dsn
// may be open); SQLite copies the file, which Close has checkpointed.
func mustCopyDB(tb testing.TB, backend, dsn string) string {
	tb.Helper()
	if backend == "postgres" {
		return mustCreatePostgres(tb, pgDBName(tb, dsn))
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dsn + suffix); err == nil {
			tb.Fatalf("copy %s: %s%s still exists; close every connection first", dsn, dsn, suffix)
		}
	}
	dst := filepath.Join(tb.TempDir(), "copy.db")
	if err := copyFile(dst, dsn); err != nil {
		tb.Fatalf("copy %s: %v", dsn, err)
	}
	return dst
}

// copyFile copies src to a new file dst.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// pgDBName returns the database a PostgreSQL DSN names.
func pgDBName(tb testing.TB, dsn string) string {
	tb.Helper()
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return strings.TrimPrefix(u.Path, "/")
	}
	fields := strings.Fields(dsn)
	for i := len(fields) - 1; i >= 0; i-- {
		if name, ok := strings.CutPrefix(fields[i], "dbname="); ok {
			return name
		}
	}
	tb.Fatalf("no database name in %s", dsn)
	return ""
}

// mustCountingDB returns a DB on the same database as db whose every
// statement is counted in the returned counter, to check that work is
// batched (a constant number of queries, not one per row).
func mustCountingDB(tb testing.TB, db *DB) (*DB, *atomic.Int64) {
	tb.Helper()
	counted, c := mustStatementCounter(tb, db)
	return counted, &c.Statements
}

// StatementCounts counts the statements a DB sent, and how many of them had
// parameters (lib/pq makes two round trips for those, one for the rest).
type StatementCounts struct{ Statements, WithArgs atomic.Int64 }

// mustStatementCounter is mustCountingDB with parameters counted too.
func mustStatementCounter(tb testing.TB, db *DB) (*DB, *StatementCounts) {
	tb.Helper()
	probe, err := sql.Open(db.dialect.driver(), "")
	if err != nil {
		tb.Fatal(err)
	}
	drv := probe.Driver()
	probe.Close()
	n := new(StatementCounts)
	raw := sql.OpenDB(countingConnector{dsn: db.dialect.connString(db.DSN), drv: drv, n: n})
	counted := *db
	counted.db = sqlx.NewDb(raw, db.dialect.driver())
	tb.Cleanup(func() { raw.Close() })
	return &counted, n
}

// countingConnector opens connections that count statements: those the
// driver runs directly and those database/sql prepares.
type countingConnector struct {
	dsn string
	drv driver.Driver
	n   *StatementCounts
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: conn, n: c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.drv }

type countingConn struct {
	driver.Conn
	n *StatementCounts
}

func (c countingConn) Prepare(q string) (driver.Stmt, error) {
	st, err := c.Conn.Prepare(q)
	if err == nil {
		c.n.add(st.NumInput())
	}
	return st, err
}

func (n *StatementCounts) add(args int) {
	n.Statements.Add(1)
	if args > 0 {
		n.WithArgs.Add(1)
	}
}

// ExecContext counts a statement the driver runs without preparing it.
func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares it: Prepare counts it
	}
	c.n.add(len(args))
	return e.ExecContext(ctx, q, args)
}

// QueryContext counts a query the driver runs without preparing it.
func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.n.add(len(args))
	return qc.QueryContext(ctx, q, args)
}

// BeginTx passes the isolation level on (PostgreSQL runs REPEATABLE READ).
func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
}
