package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"handover/engine"
)

// benchUsers is the size of the export and preview benchmarks: 1,000,000
// unless HANDOVER_BENCH_USERS says otherwise.
func benchUsers() int {
	if n, err := strconv.Atoi(os.Getenv("HANDOVER_BENCH_USERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchDirectory fills a fresh database with n users of tenant 1 (user 1
// the tenant admin) by one set-based statement, without data rows.
func benchDirectory(b *testing.B, dsn string, n int) {
	b.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(ctx); err != nil {
		b.Fatal(err)
	}
	series := fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)`, n)
	from := `g`
	if db.Dialect() == "postgres" {
		series, from = "", fmt.Sprintf(`generate_series(1, %d) AS g(x)`, n)
	}
	stmts := []string{
		`INSERT INTO tenants (id, name) VALUES (1, 'Bench')`,
		`INSERT INTO teams (id, tenant_id, name) VALUES (1, 1, 'One'), (2, 1, 'Two')`,
		series + ` INSERT INTO users (id, tenant_id, team_id, name, email, role, active)
 SELECT x, 1, 1 + x % 2, 'Person ' || x || ', Jr.', 'p' || x || '@example.com',
   CASE WHEN x = 1 THEN 'tenant_admin' ELSE 'agent' END, x % 10 <> 0 FROM ` + from,
	}
	for _, s := range stmts {
		if _, err := db.SQL().ExecContext(ctx, s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
}

// BenchmarkExport measures `handover export` of 1,000,000 users against
// PostgreSQL's own COPY of the same columns (through psql), and reports the
// ratio of speeds (COPY time / export time: at least 0.5 is the target).
//
//	HANDOVER_TEST_PG=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./cmd/handover -run '^$' -bench Export -benchtime 1x
func BenchmarkExport(b *testing.B) {
	admin := os.Getenv("HANDOVER_TEST_PG")
	if admin == "" {
		b.Skip("HANDOVER_TEST_PG is not set")
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql is not installed")
	}
	dsn := benchPostgres(b, admin)
	benchDirectory(b, dsn, benchUsers())
	out := filepath.Join(b.TempDir(), "people.csv")
	copySQL := `COPY (SELECT u.id, '', u.name, u.email, u.role, CASE WHEN u.active THEN 'Active' ELSE 'Inactive' END, COALESCE(t.name, '')
 FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE u.tenant_id = 1 ORDER BY u.id) TO STDOUT WITH CSV HEADER`
	var ours, theirs time.Duration
	for b.Loop() {
		start := time.Now()
		if err := Run(context.Background(), []string{"export", "--db", dsn, "--as", "1", "-o", out}, nil, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		start = time.Now()
		cmd := exec.Command(psql, dsn, "-X", "-q", "-c", copySQL)
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("psql COPY: %v: %s", err, stderr.String())
		}
		theirs += time.Since(start)
	}
	b.ReportMetric(ours.Seconds()/float64(b.N), "export-s")
	b.ReportMetric(theirs.Seconds()/float64(b.N), "copy-s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "speed-vs-copy")
}

// BenchmarkPreviewBigPeopleFile previews a 1,000,000-row people CSV with
// 2,000 pairs filled through the built binary, and reports the process's
// peak resident memory (the target is under 100 MB).
//
//	go test ./cmd/handover -run '^$' -bench PreviewBigPeopleFile -benchtime 1x
func BenchmarkPreviewBigPeopleFile(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "handover")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v: %s", err, out)
	}
	n := benchUsers()
	dsn := filepath.Join(dir, "bench.db")
	if admin := os.Getenv("HANDOVER_TEST_PG"); admin != "" {
		dsn = benchPostgres(b, admin)
	}
	benchDirectory(b, dsn, n)
	file := filepath.Join(dir, "people.csv")
	writeBigPeople(b, file, n, 2000)
	var peak int64
	for b.Loop() {
		cmd := exec.Command(bin, "preview", file, "--db", dsn, "--as", "1", "--format", "json")
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatalf("preview: %v", err)
		}
		peak = max(peak, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	b.ReportMetric(float64(peak)/1024, "peak-MB")
}

// writeBigPeople writes a people CSV of n users where the first pairs*2
// agents are paired off: 2,3 → 4,5 → … (sources even, targets odd).
func writeBigPeople(b *testing.B, path string, n, pairs int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "\uFEFFFrom User ID,To User ID,Name,Email,Role,Status,Team\r\n")
	for id := 1; id <= n; id++ {
		to := ""
		if id >= 2 && id < 2+2*pairs && id%2 == 0 && (id+1)%10 != 0 && id%10 != 0 {
			to = strconv.Itoa(id + 1)
		}
		fmt.Fprintf(w, "%d,%s,\"Person %d, Jr.\",p%d@example.com,agent,Active,One\r\n", id, to, id, id)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// benchPostgres creates a throwaway database for a benchmark.
func benchPostgres(b *testing.B, admin string) string {
	b.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("handover_bench_%d", time.Now().UnixNano())
	if _, err := db.SQL().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.SQL().ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	})
	return replaceDBName(admin, name)
}

// replaceDBName points a postgres:// URL at another database.
func replaceDBName(dsn, name string) string {
	q := ""
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn, q = dsn[:i], dsn[i:]
	}
	if i := strings.LastIndexByte(dsn, '/'); i > len("postgres://") {
		dsn = dsn[:i]
	}
	return dsn + "/" + name + q
}
