package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"handover"
	"handover/audit"
	"handover/engine"
)

// The demo is a newcomer's first contact with the tool: every number and
// file name it prints must be what just happened, checked here against the
// database and the files it wrote.

// demoRun is one demo (default size) run in-process on a fresh database.
type demoRun struct {
	dsn, dir, out string
	db            *engine.DB
}

// newDemoRun runs `handover demo` on a fresh database of backend.
func newDemoRun(t *testing.T, backend string) *demoRun {
	t.Helper()
	d := &demoRun{dsn: freshDSN(t, backend), dir: filepath.Join(t.TempDir(), "demo")}
	d.out = mustCLI(t, 0, nil, "demo", "--db", d.dsn, "--dir", d.dir).stdout
	db, err := engine.Open(context.Background(), d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d.db = db
	return d
}

// line returns the submatches of the output line that matches re whole.
func (d *demoRun) line(t *testing.T, re string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + re + `$`).FindStringSubmatch(d.out)
	if m == nil {
		t.Fatalf("no line matching %s in the demo's output:\n%s", re, d.out)
	}
	return m
}

// count runs a count query on the demo's database.
func (d *demoRun) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.db.SQL().Get(&n, d.db.SQL().Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// job1 returns the demo's job: its pairs done and failed (and of those,
// failed while transferring), the rows it moved and overwrote.
func (d *demoRun) job1(t *testing.T) (done, failed, broke int, moved, overwritten int64) {
	t.Helper()
	pairs, err := d.db.JobPairs(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, jp := range pairs {
		switch jp.Status {
		case handover.PairDone:
			done++
		case handover.PairFailed:
			failed++
			if jp.Error == nil || jp.Error.Code == handover.TransferFailed {
				broke++
			}
		}
		for _, m := range jp.Moves {
			moved, overwritten = moved+m.Rows, overwritten+m.Overwritten
		}
	}
	return done, failed, broke, moved, overwritten
}

func num(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

// TestDemoCounts: the users of each tenant (the second tenant's users, not
// only its agents), the data rows built, the people exported, the
// successors typed and the preview's totals are what the database and the
// files hold.
func TestDemoCounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := newDemoRun(t, backend)
		built := d.line(t, `1\. Built tenant (\d+) in (.+) with (\d+) users, and a second tenant with (\d+) users; (\d+) data rows in all; tenant admin (\d+)\.`)
		tenant, admin := num(built[1]), num(built[6])
		if built[2] != engine.Redact(d.dsn) {
			t.Errorf("built in %q, want %q", built[2], engine.Redact(d.dsn))
		}
		users := d.count(t, `SELECT count(*) FROM users WHERE tenant_id = ?`, tenant)
		if int64(users) != num(built[3]) {
			t.Errorf("the demo says tenant %d has %s users; the database holds %d", tenant, built[3], users)
		}
		if n := d.count(t, `SELECT count(*) FROM users WHERE tenant_id <> ?`, tenant); int64(n) != num(built[4]) {
			t.Errorf("the demo says the second tenant has %s users; the database holds %d", built[4], n)
		}
		if n := d.count(t, `SELECT count(DISTINCT tenant_id) FROM users`); n != 2 {
			t.Errorf("%d tenants, want 2", n)
		}
		done, _, _, moved, overwritten := d.job1(t)
		rows := int64(0)
		for _, dt := range handover.Catalog {
			rows += int64(d.count(t, `SELECT count(*) FROM `+dt.Table))
		}
		if rows+overwritten != num(built[5]) { // the run deleted the target rows it overwrote
			t.Errorf("the demo says it built %s data rows; the database holds %d, and job 1 overwrote %d since", built[5], rows, overwritten)
		}
		if n := d.count(t, `SELECT count(*) FROM users WHERE id = ? AND tenant_id = ? AND role = 'tenant_admin' AND active`, admin, tenant); n != 1 {
			t.Errorf("user %d is not the active tenant admin of tenant %d", admin, tenant)
		}

		exported := d.line(t, `2\. Exported (\d+) people to (.+) \(as (.+), the tenant admin\)\.`)
		if people := readSheet(t, exported[2]); int64(len(people.rows)) != num(exported[1]) || len(people.rows) != users {
			t.Errorf("the demo says it exported %s people; %s has %d rows, the tenant %d users", exported[1], exported[2], len(people.rows), users)
		}
		var name string
		if err := d.db.SQL().Get(&name, d.db.SQL().Rebind(`SELECT name FROM users WHERE id = ?`), admin); err != nil || name != exported[3] {
			t.Errorf("exported as %q; user %d is %q (%v)", exported[3], admin, name, err)
		}

		typed := d.line(t, `3\. Typed (\d+) successors into To User ID and saved (.+) \(some rows are wrong on purpose\)\.`)
		transfers, filled := readSheet(t, typed[2]), int64(0)
		for _, r := range transfers.rows {
			if r[transfers.col(t, "To User ID")] != "" {
				filled++
			}
		}
		if filled != num(typed[1]) || !strings.Contains(d.out, "\n"+typed[1]+" pairs: ") {
			t.Errorf("the demo says it typed %s successors; %s has %d, and the preview counts another number of pairs", typed[1], typed[2], filled)
		}

		would := d.line(t, `Run would transfer (\d+) pairs: (\d+) rows would move, (\d+) target rows would be overwritten\. \d+ pairs with errors would not run\.`)
		if int64(done) != num(would[1]) || moved != num(would[2]) || overwritten != num(would[3]) {
			t.Errorf("the preview says %s pairs, %s rows to move, %s to overwrite; job 1 did %d pairs, moved %d rows, overwrote %d", would[1], would[2], would[3], done, moved, overwritten)
		}
	})
}

// TestDemoNotRunRows: the demo's narration of its run says that the rows
// refused by validation were not run because of errors in the file — never
// that they are transfer errors — with as many rows as the audit file and
// the job hold, and running the audit file runs just those rows again.
func TestDemoNotRunRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := newDemoRun(t, backend)
		m := d.line(t, `6\. The errors-only audit file (.+) lists the (\d+) rows that were not run because of errors in the file: fix them and run it to re-run just those pairs\.`)
		path, n := m[1], int(num(m[2]))
		rows := readSheet(t, path).rows
		if _, failed, broke, _, _ := d.job1(t); len(rows) != n || failed != n || broke != 0 {
			t.Errorf("the demo says %d rows were not run; the audit file has %d, job 1 %d failed pairs (%d while transferring)", n, len(rows), failed, broke)
		}
		if strings.Contains(d.out, audit.Failure) || strings.Contains(strings.ToLower(d.out), "transfer error") {
			t.Errorf("the demo calls rows refused by validation transfer errors:\n%s", d.out)
		}
		admin := d.line(t, `1\. Built .* tenant admin (\d+)\.`)[1]
		r := mustCLI(t, 1, nil, "run", path, "--skip-invalid", "--yes", "--db", d.dsn, "--as", admin, "--audit", filepath.Join(d.dir, "again.csv"))
		if want := "Job 2: " + countOf(n, "pair", "pairs") + ", 0 done, " + strconv.Itoa(n) + " failed"; !strings.Contains(r.stdout, want) {
			t.Errorf("running the audit file: want %q\n%s", want, r)
		}
	})
}
