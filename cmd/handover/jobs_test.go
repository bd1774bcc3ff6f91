package main

// Helpers shared by the job tests (jobs_test.go, crash_test.go,
// proxy_test.go): fresh databases seeded through the built binary, running
// the binary against them, full dumps of every data table and the end state
// a set of pairs must leave behind, computed independently of the engine.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
	"handover/engine"
)

// jobTenant is a seeded database with a work folder, driven through the
// built binary as one operator.
type jobTenant struct {
	tb      testing.TB
	backend string
	dsn     string   // what the tool is given with --db
	direct  string   // what the test itself connects to (dsn, unless proxied)
	dir     string   // the tool's working folder: pair files, audit files
	as      int64    // --as
	env     []string // extra environment, e.g. HANDOVER_CHUNK_SIZE=10
	conn    *engine.DB
}

// The seed's tenants: tenant 1's tenant admin is user 1; tenant 2's users
// start at 1,000,000,001, its tenant admin.
const (
	jobAdmin1 int64 = 1
	jobAdmin2 int64 = 1_000_000_001
)

// jobSeed builds the demo's sample tenants (`demo --data-only`) with users
// users in a fresh database on backend. The same users give identical
// databases.
func jobSeed(tb testing.TB, backend string, users int) *jobTenant {
	tb.Helper()
	d := &jobTenant{tb: tb, backend: backend, dsn: freshDSN(tb, backend), dir: tb.TempDir(), as: jobAdmin1}
	d.direct = d.dsn
	d.mustRun("demo", "--data-only", "--users", strconv.Itoa(users), "--dir", d.dir)
	return d
}

// operator returns a view of the same database acting as another operator.
func (d *jobTenant) operator(id int64) *jobTenant {
	c := *d
	c.as, c.conn = id, nil
	return &c
}

// jobOut is what one command printed and its exit code.
type jobOut struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (o jobOut) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", o.code, o.stdout, o.stderr)
}

// command returns the binary ready to run args on the tenant's database.
func (d *jobTenant) command(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	full := append(slices.Clone(args), "--db", d.dsn, "--as", strconv.FormatInt(d.as, 10))
	cmd := exec.Command(jobBinary(d.tb), full...)
	cmd.Dir = d.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HANDOVER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, d.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs the binary to the end.
func (d *jobTenant) run(args ...string) jobOut {
	d.tb.Helper()
	cmd, stdout, stderr := d.command(args...)
	start := time.Now()
	err := cmd.Run()
	out := jobOut{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		out.code = exit.ExitCode()
	case err != nil:
		d.tb.Fatalf("handover %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// want runs the binary and fails the test unless it exits with code.
func (d *jobTenant) want(code int, args ...string) jobOut {
	d.tb.Helper()
	out := d.run(args...)
	if out.code != code {
		d.tb.Fatalf("handover %s: want exit %d, got %s", strings.Join(args, " "), code, out)
	}
	return out
}

func (d *jobTenant) mustRun(args ...string) jobOut {
	d.tb.Helper()
	return d.want(0, args...)
}

// sql returns the test's own connection to the database (never proxied).
func (d *jobTenant) sql() *sqlx.DB {
	d.tb.Helper()
	if d.conn == nil {
		db, err := engine.Open(context.Background(), d.direct)
		if err != nil {
			d.tb.Fatalf("open %s: %v", d.direct, err)
		}
		d.tb.Cleanup(func() { db.Close() })
		d.conn = db
	}
	return d.conn.SQL()
}

// exec runs one statement with ? placeholders on the test's connection.
func (d *jobTenant) exec(q string, args ...any) {
	d.tb.Helper()
	if _, err := d.sql().Exec(d.sql().Rebind(q), args...); err != nil {
		d.tb.Fatalf("%s: %v", q, err)
	}
}

// count runs a count query.
func (d *jobTenant) count(q string, args ...any) int64 {
	d.tb.Helper()
	var n int64
	if err := d.sql().Get(&n, d.sql().Rebind(q), args...); err != nil {
		d.tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// people returns the agents and supervisors of a tenant, active or not:
// users that may be sources and targets.
func (d *jobTenant) people(tenant int64) []int64 {
	d.tb.Helper()
	var ids []int64
	err := d.sql().Select(&ids, d.sql().Rebind(`SELECT id FROM users WHERE tenant_id = ? AND role IN ('agent', 'supervisor') ORDER BY id`), tenant)
	if err != nil {
		d.tb.Fatal(err)
	}
	return ids
}

// activePeople returns the active agents and supervisors of a tenant: the
// users that may be targets of a run with --deactivate-source, where an
// inactive target is the error both_inactive.
func (d *jobTenant) activePeople(tenant int64) []int64 {
	d.tb.Helper()
	var ids []int64
	err := d.sql().Select(&ids, d.sql().Rebind(`SELECT id FROM users WHERE tenant_id = ? AND role IN ('agent', 'supervisor') AND active ORDER BY id`), tenant)
	if err != nil {
		d.tb.Fatal(err)
	}
	return ids
}

// jobPairing pairs off users two by two from ids[from:]: n pairs whose
// sources and targets are all different users.
func jobPairing(ids []int64, from, n int) []handover.Pair {
	pairs := make([]handover.Pair, n)
	for k := range pairs {
		pairs[k] = handover.Pair{From: ids[from+2*k], To: ids[from+2*k+1]}
	}
	return pairs
}

// writePairs writes a minimal upload of pairs into the work folder and
// returns its name (relative to the folder, where the tool runs).
func (d *jobTenant) writePairs(name string, pairs []handover.Pair) string {
	d.tb.Helper()
	var b strings.Builder
	b.WriteString("From User ID,To User ID\n")
	for _, p := range pairs {
		fmt.Fprintf(&b, "%d,%d\n", p.From, p.To)
	}
	d.writeFile(name, b.String())
	return name
}

func (d *jobTenant) writeFile(name, body string) {
	d.tb.Helper()
	if err := os.WriteFile(filepath.Join(d.dir, name), []byte(body), 0o600); err != nil {
		d.tb.Fatal(err)
	}
}

func (d *jobTenant) readFile(name string) string {
	d.tb.Helper()
	b, err := os.ReadFile(filepath.Join(d.dir, name))
	if err != nil {
		d.tb.Fatal(err)
	}
	return string(b)
}

// jobJSON is one element of `jobs --format json`.
type jobJSON struct {
	Job      int64  `json:"job"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Operator int64  `json:"operator"`
	Started  string `json:"started"`
	Pairs    int    `json:"pairs"`
	Done     int    `json:"done"`
	Failed   int    `json:"failed"`
}

// jobs lists the operator's tenant's jobs, newest first.
func (d *jobTenant) jobs() []jobJSON {
	d.tb.Helper()
	out := d.mustRun("jobs", "--format", "json")
	var jobs []jobJSON
	if err := json.Unmarshal([]byte(out.stdout), &jobs); err != nil {
		d.tb.Fatalf("jobs --format json: %v\n%s", err, out.stdout)
	}
	return jobs
}

// newestJob returns the newest job, or a zero jobJSON when there is none.
func (d *jobTenant) newestJob() jobJSON {
	d.tb.Helper()
	if jobs := d.jobs(); len(jobs) > 0 {
		return jobs[0]
	}
	return jobJSON{}
}

// jobShowJSON is `show JOB --format json`.
type jobShowJSON struct {
	Job   jobJSON         `json:"job"`
	Pairs []jobPairRecord `json:"pairs"`
}

type jobPairRecord struct {
	Row      int              `json:"row"`
	From     int64            `json:"from"`
	FromName string           `json:"from_name"`
	To       int64            `json:"to"`
	ToName   string           `json:"to_name"`
	Status   string           `json:"status"`
	Issues   []handover.Issue `json:"issues"`
	Moves    []handover.Move  `json:"moves"`
	At       string           `json:"at"`
}

func (d *jobTenant) show(job int64) jobShowJSON {
	d.tb.Helper()
	out := d.mustRun("show", strconv.FormatInt(job, 10), "--format", "json")
	var s jobShowJSON
	if err := json.Unmarshal([]byte(out.stdout), &s); err != nil {
		d.tb.Fatalf("show --format json: %v\n%s", err, out.stdout)
	}
	return s
}

// jobResultJSON is what run, resume and undo print with --format json.
type jobResultJSON struct {
	Job    int64  `json:"job"`
	Pairs  int    `json:"pairs"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
	Audit  string `json:"audit"`
}

func jobResult(tb testing.TB, out jobOut) jobResultJSON {
	tb.Helper()
	var r jobResultJSON
	if err := json.Unmarshal([]byte(out.stdout), &r); err != nil {
		tb.Fatalf("result JSON: %v\n%s", err, out)
	}
	return r
}

// jobTables are the tables a dump holds: the directory and every data type.
func jobTables() []string {
	tables := []string{"tenants", "teams", "users", "admin_views"}
	for _, t := range handover.Catalog {
		tables = append(tables, t.Table)
	}
	return tables
}

// jobTable is one table's contents: its columns, and every row as its
// values rendered as text, sorted by the first column, then the whole row.
type jobTable struct {
	cols []string
	rows [][]string
}

// jobDump is the contents of every directory and data table.
type jobDump map[string]jobTable

// dump reads every row of every directory and data table.
func (d *jobTenant) dump() jobDump {
	d.tb.Helper()
	out := jobDump{}
	for _, table := range jobTables() {
		rows, err := d.sql().Queryx(`SELECT * FROM ` + table)
		if err != nil {
			d.tb.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		tab := jobTable{cols: cols}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				d.tb.Fatalf("dump %s: %v", table, err)
			}
			row := make([]string, len(vals))
			for i, v := range vals {
				row[i] = jobRender(cols[i], v)
			}
			tab.rows = append(tab.rows, row)
		}
		if err := rows.Err(); err != nil {
			d.tb.Fatalf("dump %s: %v", table, err)
		}
		rows.Close()
		tab.sort()
		out[table] = tab
	}
	return out
}

// jobRender renders a value the same way whichever backend read it, as far
// as the comparisons need: booleans (SQLite stores 1 and 0) as true/false.
func jobRender(col string, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		s = strconv.FormatInt(x, 10)
	case string:
		s = x
	case []byte:
		s = string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	default:
		s = fmt.Sprint(v)
	}
	if col == "active" {
		switch s {
		case "1", "true", "t":
			return "true"
		}
		return "false"
	}
	return s
}

func (t jobTable) sort() {
	slices.SortFunc(t.rows, func(a, b []string) int {
		x, errX := strconv.ParseInt(a[0], 10, 64)
		y, errY := strconv.ParseInt(b[0], 10, 64)
		if errX == nil && errY == nil && x != y {
			if x < y {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00"))
	})
}

func (t jobTable) col(name string) int { return slices.Index(t.cols, name) }

// sums returns a SHA-256 per table.
func (d jobDump) sums() map[string]string {
	out := map[string]string{}
	for name, t := range d {
		h := sha256.New()
		for _, r := range t.rows {
			h.Write([]byte(strings.Join(r, "\x00") + "\n"))
		}
		out[name] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// jobDiff describes how got differs from want, table by table, with a few
// of the differing rows; "" when they are equal.
func jobDiff(want, got jobDump) string {
	var b strings.Builder
	for _, table := range jobTables() {
		w, g := want[table], got[table]
		missing, extra := jobMinus(w.rows, g.rows), jobMinus(g.rows, w.rows)
		if len(missing) == 0 && len(extra) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s: %d rows expected, %d found; %d missing, %d unexpected\n", table, len(w.rows), len(g.rows), len(missing), len(extra))
		for i, r := range missing {
			if i == 5 {
				break
			}
			fmt.Fprintf(&b, "  - %s\n", strings.Join(r, "|"))
		}
		for i, r := range extra {
			if i == 5 {
				break
			}
			fmt.Fprintf(&b, "  + %s\n", strings.Join(r, "|"))
		}
	}
	return b.String()
}

// jobMinus returns the rows of a not in b, counting duplicates.
func jobMinus(a, b [][]string) [][]string {
	have := map[string]int{}
	for _, r := range b {
		have[strings.Join(r, "\x00")]++
	}
	var out [][]string
	for _, r := range a {
		k := strings.Join(r, "\x00")
		if have[k] > 0 {
			have[k]--
			continue
		}
		out = append(out, r)
	}
	return out
}

// jobApply computes, without the engine, the state that running each of
// pairs once leaves behind from before: combine types change owner,
// overwrite types first lose the target's rows when the source has any, and
// with deactivate every source becomes inactive. Pairs must not share users.
func jobApply(before jobDump, pairs []handover.Pair, deactivate bool) jobDump {
	to := map[string]string{}
	for _, p := range pairs {
		to[jobID(p.From)] = jobID(p.To)
	}
	after := jobDump{}
	for name, t := range before {
		after[name] = jobTable{cols: t.cols, rows: t.rows}
	}
	for _, dt := range handover.Catalog {
		t := before[dt.Table]
		owners := make([]int, len(dt.Owners))
		for i, c := range dt.Owners {
			owners[i] = t.col(c)
		}
		replaced := map[string]bool{} // targets whose rows of an overwrite type go
		if dt.Mode == handover.Overwrite {
			for _, r := range t.rows {
				if dst, ok := to[r[owners[0]]]; ok {
					replaced[dst] = true
				}
			}
		}
		var rows [][]string
		for _, r := range t.rows {
			if replaced[r[owners[0]]] {
				continue
			}
			r = slices.Clone(r)
			for _, i := range owners {
				if dst, ok := to[r[i]]; ok {
					r[i] = dst
				}
			}
			rows = append(rows, r)
		}
		nt := jobTable{cols: t.cols, rows: rows}
		nt.sort()
		after[dt.Table] = nt
	}
	if deactivate {
		users := before["users"]
		id, active := users.col("id"), users.col("active")
		rows := make([][]string, len(users.rows))
		for i, r := range users.rows {
			rows[i] = r
			if _, ok := to[r[id]]; ok {
				rows[i] = slices.Clone(r)
				rows[i][active] = "false"
			}
		}
		after["users"] = jobTable{cols: users.cols, rows: rows}
	}
	return after
}

func jobID(id int64) string { return strconv.FormatInt(id, 10) }

// jobMoves computes, without the engine, what one pair moves and
// overwrites from before, per data type, as the ledger reports it (types
// with nothing to move or overwrite left out, catalog order).
func jobMoves(before jobDump, p handover.Pair) []handover.Move {
	src, dst := jobID(p.From), jobID(p.To)
	out := []handover.Move{}
	for _, dt := range handover.Catalog {
		t := before[dt.Table]
		var rows, atDst int64
		for _, c := range dt.Owners {
			i := t.col(c)
			for _, r := range t.rows {
				if r[i] == src {
					rows++
				}
				if r[i] == dst {
					atDst++
				}
			}
		}
		m := handover.Move{Type: dt.Table, Mode: dt.Mode, Rows: rows}
		if dt.Mode == handover.Overwrite && rows > 0 {
			m.Overwritten = atDst
		}
		if m.Rows > 0 || m.Overwritten > 0 {
			out = append(out, m)
		}
	}
	return out
}

// jobCheckLedger checks a finished run job's ledger against the state
// before it: every pair of pairs done with exactly the counts computed
// from before, so that per-pair counts add up to the rows that moved.
func jobCheckLedger(t *testing.T, s jobShowJSON, before jobDump, pairs []handover.Pair) {
	t.Helper()
	if len(s.Pairs) != len(pairs) {
		t.Fatalf("job %d has %d pairs, want %d", s.Job.Job, len(s.Pairs), len(pairs))
	}
	var moved, want int64
	for i, rec := range s.Pairs {
		p := pairs[i]
		if rec.From != p.From || rec.To != p.To || rec.Status != "done" {
			t.Errorf("job %d pair %d: %d → %d %s, want %d → %d done", s.Job.Job, i, rec.From, rec.To, rec.Status, p.From, p.To)
			continue
		}
		exp := jobMoves(before, p)
		if !slices.Equal(rec.Moves, exp) {
			t.Errorf("job %d pair %d → %d: ledger counts %v, want %v", s.Job.Job, p.From, p.To, rec.Moves, exp)
		}
		for _, m := range rec.Moves {
			moved += m.Rows + m.Overwritten
		}
		for _, m := range exp {
			want += m.Rows + m.Overwritten
		}
	}
	if moved != want {
		t.Errorf("job %d: the ledger counts %d rows moved or overwritten, the data %d", s.Job.Job, moved, want)
	}
	if s.Job.Status != "done" || s.Job.Done != len(pairs) || s.Job.Failed != 0 {
		t.Errorf("job %d: %+v, want done with %d pairs done", s.Job.Job, s.Job, len(pairs))
	}
}

// jobStartTogether starts every command at the same moment and waits for
// all of them.
func jobStartTogether(t *testing.T, cmds ...func() *crashProc) []jobOut {
	t.Helper()
	procs := make([]*crashProc, len(cmds))
	for i, start := range cmds {
		procs[i] = start()
	}
	outs := make([]jobOut, len(procs))
	for i, p := range procs {
		outs[i] = p.wait()
	}
	return outs
}

// jobStartedText renders a job's start time as the guard's refusal shows it.
func jobStartedText(t *testing.T, j jobJSON) string {
	t.Helper()
	at, err := time.Parse(time.RFC3339, j.Started)
	if err != nil {
		t.Fatalf("job %d started %q: %v", j.Job, j.Started, err)
	}
	return at.UTC().Format("2006-01-02 15:04:05")
}

// TestTwoRunsAtOnce starts two runs of different files on the same tenant
// at the same moment, as two separate processes: exactly one proceeds, the
// other exits 3 naming the running job, its operator and its start time.
func TestTwoRunsAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=5"}
		people := d.people(1)
		files := []string{d.writePairs("a.csv", jobPairing(people, 0, 150)), d.writePairs("b.csv", jobPairing(people, 300, 150))}
		outs := jobStartTogether(t,
			func() *crashProc { return crashStart(t, d, "run", files[0], "--yes") },
			func() *crashProc { return crashStart(t, d, "run", files[1], "--yes") })
		if (outs[0].code == 0) == (outs[1].code == 0) {
			t.Fatalf("two runs at once: want exactly one to proceed, got\n%s\n---\n%s", outs[0], outs[1])
		}
		loser := outs[0]
		if loser.code == 0 {
			loser = outs[1]
		}
		if loser.code != handover.ExitBlocked {
			t.Fatalf("the run that did not proceed: want exit 3, got %s", loser)
		}
		jobs := d.jobs()
		if len(jobs) != 1 {
			t.Fatalf("want one job recorded, got %+v", jobs)
		}
		var name string
		if err := d.sql().Get(&name, `SELECT name FROM users WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{fmt.Sprintf("job %d", jobs[0].Job), name, "(1)", jobStartedText(t, jobs[0])} {
			if !strings.Contains(loser.stderr, want) {
				t.Errorf("the refusal does not name %q:\n%s", want, loser.stderr)
			}
		}
	})
}

// TestRunsOnTwoTenantsAtOnce starts a run on each tenant at the same moment:
// the guard is per tenant, so both proceed.
func TestRunsOnTwoTenantsAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=5"}
		other := d.operator(jobAdmin2)
		one, two := jobPairing(d.people(1), 0, 150), jobPairing(other.people(2), 0, 40)
		before := d.dump()
		outs := jobStartTogether(t,
			func() *crashProc { return crashStart(t, d, "run", d.writePairs("one.csv", one), "--yes") },
			func() *crashProc { return crashStart(t, other, "run", other.writePairs("two.csv", two), "--yes") })
		for i, out := range outs {
			if out.code != 0 {
				t.Errorf("run %d on its own tenant: %s", i+1, out)
			}
		}
		if diff := jobDiff(jobApply(before, append(one, two...), false), d.dump()); diff != "" {
			t.Fatalf("after runs on two tenants (-expected +found):\n%s", diff)
		}
		if j1, j2 := d.jobs(), other.jobs(); len(j1) != 1 || len(j2) != 1 || j1[0].Job == j2[0].Job {
			t.Errorf("each tenant must list its own job: tenant 1 %+v, tenant 2 %+v", j1, j2)
		}
	})
}

// TestGuardRefusesResumeAndUndo runs undo and resume while a run holds the
// tenant's guard: both exit 3 naming the running job.
func TestGuardRefusesResumeAndUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		people := d.people(1)
		d.mustRun("run", d.writePairs("small.csv", jobPairing(people, 0, 5)), "--yes")
		d.env = []string{"HANDOVER_CHUNK_SIZE=2"}
		p, job := crashStartJob(t, d, "run", d.writePairs("big.csv", jobPairing(people, 10, 200)), "--yes")
		for _, args := range [][]string{{"undo", "1", "--yes"}, {"resume", strconv.FormatInt(job, 10)}, {"run", "--from", jobID(people[500]), "--to", jobID(people[501]), "--yes"}} {
			out := d.run(args...)
			if out.code != handover.ExitBlocked || !strings.Contains(out.stderr, fmt.Sprintf("job %d", job)) {
				t.Errorf("%s while job %d runs: want exit 3 naming it, got %s", strings.Join(args, " "), job, out)
			}
		}
		if out := p.wait(); out.code != 0 {
			t.Fatalf("the run holding the guard: %s", out)
		}
		d.mustRun("undo", "1", "--yes")
	})
}

// jobPreviewRow is one row of `preview --format json`.
type jobPreviewRow struct {
	Row    int              `json:"row"`
	From   *int64           `json:"from"`
	To     *int64           `json:"to"`
	Status string           `json:"status"`
	Issues []handover.Issue `json:"issues"`
	Moves  []handover.Move  `json:"moves"`
}

// preview returns the rows of `preview FILE --format json` (whatever its
// exit code).
func (d *jobTenant) preview(file string) []jobPreviewRow {
	d.tb.Helper()
	out := d.run("preview", file, "--format", "json")
	var doc struct {
		Rows []jobPreviewRow `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &doc); err != nil {
		d.tb.Fatalf("preview --format json: %v\n%s", err, out)
	}
	return doc.Rows
}

// jobTransferredBy returns, per row of a preview, the message of its
// already_transferred warning ("" when it has none).
func jobTransferredBy(rows []jobPreviewRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		for _, is := range r.Issues {
			if is.Code == handover.AlreadyTransferred {
				out[i] = is.Message
			}
		}
	}
	return out
}

// jobWantTransferredBy checks that every row of file is warned as already
// transferred by job on the day it started.
func jobWantTransferredBy(t *testing.T, d *jobTenant, file string, job jobJSON) {
	t.Helper()
	want := fmt.Sprintf("by job %d on %s", job.Job, job.Started[:10])
	for i, msg := range jobTransferredBy(d.preview(file)) {
		if !strings.Contains(msg, want) {
			t.Errorf("%s row %d: already_transferred warning %q, want it to say %q", file, i+2, msg, want)
		}
	}
}

// TestRerunChangesNothing runs a file, then runs it twice more: the reruns
// change no row, move nothing, and warn on every pair that the first job
// transferred it, naming the job and its date.
func TestRerunChangesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		pairs := jobPairing(d.people(1), 0, 30)
		file := d.writePairs("leavers.csv", pairs)
		before := d.dump()
		if msgs := jobTransferredBy(d.preview(file)); slices.ContainsFunc(msgs, func(m string) bool { return m != "" }) {
			t.Fatalf("already_transferred before any run: %q", msgs)
		}
		d.mustRun("run", file, "--yes")
		first := d.newestJob()
		after := d.dump()
		if diff := jobDiff(jobApply(before, pairs, false), after); diff != "" {
			t.Fatalf("first run (-expected +found):\n%s", diff)
		}
		for rerun := 1; rerun <= 2; rerun++ {
			jobWantTransferredBy(t, d, file, first)
			res := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			if res.Done != len(pairs) || res.Failed != 0 {
				t.Errorf("rerun %d: %+v, want every pair done", rerun, res)
			}
			if sums, want := d.dump().sums(), after.sums(); !maps.Equal(sums, want) {
				t.Fatalf("rerun %d changed rows:\n%s", rerun, jobDiff(after, d.dump()))
			}
			for _, p := range d.show(res.Job).Pairs {
				if p.Status != "done" || len(p.Moves) != 0 {
					t.Errorf("rerun %d: pair %d → %d %s moved %v, want done with nothing moved", rerun, p.From, p.To, p.Status, p.Moves)
				}
			}
		}
	})
}

// jobFailOnContacts makes any update giving user's contacts away fail, as
// an application trigger might; the returned func removes it.
func jobFailOnContacts(t *testing.T, d *jobTenant, user int64) func() {
	t.Helper()
	if d.backend == "postgres" {
		d.exec(fmt.Sprintf(`CREATE FUNCTION refuse_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF OLD.agent_id = %d THEN RAISE EXCEPTION 'contacts of %d are on legal hold'; END IF; RETURN NEW; END $$`, user, user))
		d.exec(`CREATE TRIGGER refuse_contacts BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION refuse_contacts()`)
		return func() { d.exec(`DROP TRIGGER refuse_contacts ON contacts`) }
	}
	d.exec(fmt.Sprintf(`CREATE TRIGGER refuse_contacts BEFORE UPDATE ON contacts
FOR EACH ROW WHEN OLD.agent_id = %d BEGIN SELECT RAISE(ABORT, 'contacts of %d are on legal hold'); END`, user, user))
	return func() { d.exec(`DROP TRIGGER refuse_contacts`) }
}

// jobReadAudit reads an errors-only audit file: its header and rows.
func jobReadAudit(t *testing.T, d *jobTenant, name string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(d.readFile(name), "\uFEFF"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit %s: %v", name, err)
	}
	return recs[0], recs[1:]
}

// TestRerunSequence runs a sequence an admin might: a file with invalid
// rows and a pair the application refuses (--skip-invalid), the same file
// again, an overlapping file, then the audit file of the first run with its
// rows fixed. Reruns move nothing twice, the audit file runs exactly the
// failed pairs, and the end state equals running each pair once.
func TestRerunSequence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		people := d.people(1)
		valid, refused := jobPairing(people, 0, 10), jobPairing(people, 20, 1)[0]
		self, unknown, fixes := people[30], people[31], jobPairing(people, 32, 2)
		fixes[0].From, fixes[1].From = self, unknown // the successors typed when fixing the audit file
		body := "From User ID,To User ID\n"
		for _, p := range append(slices.Clone(valid[:5]), refused) {
			body += fmt.Sprintf("%d,%d\n", p.From, p.To)
		}
		body += fmt.Sprintf("%d,%d\n%d,99999999\n", self, self, unknown)
		for _, p := range valid[5:] {
			body += fmt.Sprintf("%d,%d\n", p.From, p.To)
		}
		d.writeFile("monday.csv", body)
		before := d.dump()
		allow := jobFailOnContacts(t, d, refused.From)

		out := d.want(handover.ExitPartial, "run", "monday.csv", "--skip-invalid", "--audit", "monday-errors.csv", "--yes", "--format", "json")
		monday := jobResult(t, out)
		if monday.Done != 10 || monday.Failed != 3 || monday.Audit != "monday-errors.csv" {
			t.Fatalf("first run: %+v, want 10 done, 3 failed, audit monday-errors.csv", monday)
		}
		afterMonday := d.dump()
		header, rows := jobReadAudit(t, d, "monday-errors.csv")
		if !slices.Equal(header, []string{"From User ID", "To User ID", "Error"}) || len(rows) != 3 {
			t.Fatalf("audit file: header %q, %d rows; want the upload's columns plus Error and 3 rows", header, len(rows))
		}
		for i, code := range []string{"transfer_failed", "self_transfer", "unknown_user"} {
			if !strings.HasPrefix(rows[i][2], code+":") {
				t.Errorf("audit row %d: Error %q, want %s", i+2, rows[i][2], code)
			}
		}

		d.want(handover.ExitPartial, "run", "monday.csv", "--skip-invalid", "--audit", "again-errors.csv", "--yes")
		if diff := jobDiff(afterMonday, d.dump()); diff != "" {
			t.Fatalf("running the same file again changed rows:\n%s", diff)
		}

		overlap := append(slices.Clone(valid[5:]), jobPairing(people, 40, 5)...) // 5 pairs again, 5 new
		for i, msg := range jobTransferredBy(d.preview(d.writePairs("tuesday.csv", overlap))) {
			if want := fmt.Sprintf("by job %d", monday.Job); (i < 5) != strings.Contains(msg, want) {
				t.Errorf("tuesday row %d: %q; want only the 5 pairs done on monday warned as transferred %s", i+2, msg, want)
			}
		}
		d.mustRun("run", "tuesday.csv", "--yes")

		allow()
		rows[1][1], rows[2][1] = jobID(fixes[0].To), jobID(fixes[1].To)
		var fixed strings.Builder
		w := csv.NewWriter(&fixed)
		_ = w.WriteAll(append([][]string{header}, rows...))
		d.writeFile("monday-errors.csv", fixed.String())
		res := jobResult(t, d.mustRun("run", "monday-errors.csv", "--yes", "--format", "json"))
		s := d.show(res.Job)
		var ran []handover.Pair
		for _, p := range s.Pairs {
			ran = append(ran, handover.Pair{From: p.From, To: p.To})
		}
		if want := []handover.Pair{refused, fixes[0], fixes[1]}; !slices.Equal(ran, want) {
			t.Errorf("the fixed audit file ran %v, want exactly the failed pairs %v", ran, want)
		}

		once := append(append(slices.Clone(valid), overlap[5:]...), refused, fixes[0], fixes[1])
		if diff := jobDiff(jobApply(before, once, false), d.dump()); diff != "" {
			t.Fatalf("after the rerun sequence, the tables differ from running each pair once (-once +found):\n%s", diff)
		}
	})
}

// jobWantSums fails unless every directory and data table has the same
// checksum in got as in want.
func jobWantSums(t *testing.T, what string, want, got jobDump) {
	t.Helper()
	ws, gs := want.sums(), got.sums()
	for _, table := range jobTables() {
		if ws[table] != gs[table] {
			t.Errorf("%s: %s checksum %.12s, want %.12s", what, table, gs[table], ws[table])
		}
	}
	if t.Failed() {
		t.Fatalf("%s (-want +got):\n%s", what, jobDiff(want, got))
	}
}

// TestRunThenUndo runs a file with --deactivate-source and undoes it
// through the command line: every table has its checksum from before the
// run, the undo is a job of kind undo in `jobs`, the run is "undone", and
// the file's pairs are no longer warned as transferred.
func TestRunThenUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		pairs := jobPairing(d.activePeople(1), 0, 50)
		before := d.dump()
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--deactivate-source", "--format", "json"))
		if diff := jobDiff(jobApply(before, pairs, true), d.dump()); diff != "" {
			t.Fatalf("run (-expected +found):\n%s", diff)
		}
		undo := jobResult(t, d.mustRun("undo", jobID(run.Job), "--yes", "--format", "json"))
		if undo.Pairs != len(pairs) || undo.Done != len(pairs) || undo.Failed != 0 || undo.Job == run.Job {
			t.Errorf("undo result %+v, want a new job with %d pairs done", undo, len(pairs))
		}
		jobWantSums(t, "run → undo", before, d.dump())

		out := d.mustRun("jobs", "--format", "json")
		var raw []map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out.stdout), &raw); err != nil || len(raw) != 2 {
			t.Fatalf("jobs --format json: %v, %d jobs\n%s", err, len(raw), out.stdout)
		}
		for _, j := range raw {
			if keys := slices.Sorted(maps.Keys(j)); !slices.Equal(keys, []string{"done", "failed", "job", "kind", "operator", "pairs", "started", "status"}) {
				t.Errorf("jobs --format json fields %v, want exactly job, kind, status, operator, started, pairs, done, failed", keys)
			}
		}
		jobs := d.jobs()
		want := []jobJSON{
			{Job: undo.Job, Kind: "undo", Status: "done", Operator: 1, Pairs: len(pairs), Done: len(pairs)},
			{Job: run.Job, Kind: "run", Status: "undone", Operator: 1, Pairs: len(pairs), Done: len(pairs)},
		}
		for i := range jobs {
			if _, err := time.Parse(time.RFC3339, jobs[i].Started); err != nil {
				t.Errorf("job %d started %q: not RFC 3339", jobs[i].Job, jobs[i].Started)
			}
			jobs[i].Started = ""
		}
		if !slices.Equal(jobs, want) {
			t.Errorf("jobs after run → undo:\n got %+v\nwant %+v", jobs, want)
		}
		s := d.show(undo.Job)
		if s.Job.Kind != "undo" || len(s.Pairs) != len(pairs) {
			t.Fatalf("show %d: %+v", undo.Job, s.Job)
		}
		runPairs := d.show(run.Job).Pairs
		for i, p := range s.Pairs {
			if p.Status != "done" || p.From != pairs[i].From || !slices.Equal(p.Moves, runPairs[i].Moves) || runPairs[i].Status != "undone" {
				t.Errorf("undo pair %d: %+v (run's: %+v); want done with the run's counts, the run's pair undone", i, p, runPairs[i])
			}
		}
		if msgs := jobTransferredBy(d.preview("leavers.csv")); slices.ContainsFunc(msgs, func(m string) bool { return m != "" }) {
			t.Errorf("after undo, pairs are still warned as transferred: %q", msgs[0])
		}
	})
}

// jobPeopleWithSchedule returns agents and supervisors of tenant 1 who own
// a schedule, so that pairs of them overwrite.
func jobPeopleWithSchedule(t *testing.T, d *jobTenant) []int64 {
	t.Helper()
	var ids []int64
	err := d.sql().Select(&ids, `SELECT u.id FROM users u JOIN schedules s ON s.user_id = u.id
WHERE u.tenant_id = 1 AND u.role IN ('agent', 'supervisor') ORDER BY u.id`)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestRerunThenUndoFirst documents what undoing a run does when the same
// file ran again after it.
//
// When nothing changed between the two runs, the second moved nothing:
// undoing the first restores everything, and the second can be undone too
// (a no-op).
//
// When sources gained rows between the runs, the second run moved them:
// undoing the first restores exactly what the first moved, and the rows
// gained stay with the target, as the second run left them. A pair whose
// overwrite-type rows the second run replaced is left alone and reported
// (exit 1, audit file): its rows changed since. Undoing the second run
// hands the gained rows back; undoing the first again retries only the
// pairs left, but a source that now owns a gained row of an overwrite type
// (a schedule: one per user) cannot also get its old one back, so that pair
// is reported again until someone resolves it; then undo completes and
// every table is as before, the gained rows with their sources.
func TestRerunThenUndoFirst(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		t.Run("nothing changed between", func(t *testing.T) {
			d := jobSeed(t, backend, 500)
			file := d.writePairs("leavers.csv", jobPairing(d.people(1), 0, 20))
			before := d.dump()
			first := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			second := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			d.mustRun("undo", jobID(first.Job), "--yes")
			jobWantSums(t, "run → run → undo of the first", before, d.dump())
			if msgs := jobTransferredBy(d.preview(file)); slices.ContainsFunc(msgs, func(m string) bool { return m != "" }) {
				t.Errorf("after undoing the first run, pairs are still warned as transferred: %q", msgs[0])
			}
			d.mustRun("undo", jobID(second.Job), "--yes")
			jobWantSums(t, "… → undo of the second", before, d.dump())
		})
		t.Run("sources gained rows between", func(t *testing.T) {
			d := jobSeed(t, backend, 500)
			pairs := jobPairing(jobPeopleWithSchedule(t, d), 0, 20)
			file := d.writePairs("leavers.csv", pairs)
			before := d.dump()
			first := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			// The application gives pair 0's source a new contact and
			// pair 1's source a new schedule after the first run.
			d.exec(`INSERT INTO contacts (id, tenant_id, agent_id, channel, started_at, duration_seconds, recording_uri) VALUES (900000001, 1, ?, 'voice', '2026-03-01T09:00:00Z', 60, NULL)`, pairs[0].From)
			d.exec(`INSERT INTO schedules (id, tenant_id, user_id, name, timezone, pattern) VALUES (900000002, 1, ?, 'Late', 'UTC', 'MON-FRI 14-22')`, pairs[1].From)
			second := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))

			out := d.want(handover.ExitPartial, "undo", jobID(first.Job), "--yes", "--audit", "undo-errors.csv")
			if !strings.Contains(out.stdout, "not_undone") || !strings.Contains(out.stdout, "schedules") || !strings.Contains(out.stdout, jobID(pairs[1].From)) {
				t.Errorf("undo of the first run must report pair %d → %d's schedules as not undone:\n%s", pairs[1].From, pairs[1].To, out)
			}
			_, rows := jobReadAudit(t, d, "undo-errors.csv")
			if len(rows) != 1 || rows[0][0] != jobID(pairs[1].From) || !strings.HasPrefix(rows[0][2], "not_undone:") {
				t.Errorf("undo audit rows %q, want only pair %d → %d, not_undone", rows, pairs[1].From, pairs[1].To)
			}
			if n := d.count(`SELECT count(*) FROM contacts WHERE id = 900000001 AND agent_id = ?`, pairs[0].To); n != 1 {
				t.Errorf("the contact gained after the first run must stay with the target, as the second run left it")
			}
			d.mustRun("undo", jobID(second.Job), "--yes")
			if n := d.count(`SELECT count(*) FROM contacts WHERE id = 900000001 AND agent_id = ?`, pairs[0].From) +
				d.count(`SELECT count(*) FROM schedules WHERE id = 900000002 AND user_id = ?`, pairs[1].From); n != 2 {
				t.Fatalf("after undoing the second run, the gained rows must be back with their sources")
			}
			out = d.want(handover.ExitPartial, "undo", jobID(first.Job), "--yes", "--format", "json")
			if res := jobResult(t, out); res.Pairs != 1 || res.Failed != 1 {
				t.Errorf("undoing the first run again: %+v, want only the pair left, reported again", res)
			}
			if !strings.Contains(out.stderr, "undo "+jobID(first.Job)) {
				t.Errorf("a partial undo must say to undo job %d again once resolved, not to run the audit file:\n%s", first.Job, out.stderr)
			}
			d.exec(`DELETE FROM schedules WHERE id = 900000002`) // resolved by hand
			d.mustRun("undo", jobID(first.Job), "--yes")
			d.exec(`DELETE FROM contacts WHERE id = 900000001`)
			jobWantSums(t, "run → gains → run → undo first → undo second → undo first (twice)", before, d.dump())
			if jobs := d.jobs(); jobs[len(jobs)-1].Status != "undone" || jobs[len(jobs)-2].Status != "undone" {
				t.Errorf("both runs must end undone: %+v", jobs)
			}
		})
	})
}

// jobPeopleOwning returns agents and supervisors of tenant 1 who own at
// least one contact and one storage file.
func jobPeopleOwning(t *testing.T, d *jobTenant) []int64 {
	t.Helper()
	var ids []int64
	err := d.sql().Select(&ids, `SELECT u.id FROM users u WHERE u.tenant_id = 1 AND u.role IN ('agent', 'supervisor')
AND EXISTS (SELECT 1 FROM contacts c WHERE c.agent_id = u.id) AND EXISTS (SELECT 1 FROM storage_files f WHERE f.user_id = u.id) ORDER BY u.id`)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// jobFirstOwned returns the key of the first row of table whose owner
// column was user in dump.
func jobFirstOwned(t *testing.T, dump jobDump, table, col string, user int64) string {
	t.Helper()
	tab := dump[table]
	i := tab.col(col)
	for _, r := range tab.rows {
		if r[i] == jobID(user) {
			return r[0]
		}
	}
	t.Fatalf("user %d owns no %s", user, table)
	return ""
}

// TestUndoLeavesChangedPairs changes the rows of three pairs after a run
// (one contact moved on to someone else, one storage file deleted, one
// contact's recording edited) and undoes the run: those three pairs are
// left as they are and reported with the table and what changed (exit 1,
// audit file); every other pair is restored, so the tables equal a
// reference where only the three pairs ran and the same changes were made.
func TestUndoLeavesChangedPairs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d, ref := jobSeed(t, backend, 500), jobSeed(t, backend, 500)
		people := jobPeopleOwning(t, d)
		pairs := jobPairing(people, 0, 10)
		moved, deleted, edited := pairs[2], pairs[5], pairs[7]
		before := d.dump()
		contact := jobFirstOwned(t, before, "contacts", "agent_id", moved.From)
		file := jobFirstOwned(t, before, "storage_files", "user_id", deleted.From)
		recording := jobFirstOwned(t, before, "contacts", "agent_id", edited.From)
		elsewhere := people[len(people)-1]
		change := func(d *jobTenant) {
			d.exec(`UPDATE contacts SET agent_id = ? WHERE id = ?`, elsewhere, contact)
			d.exec(`DELETE FROM storage_files WHERE id = ?`, file)
			d.exec(`UPDATE contacts SET recording_uri = 'redacted' WHERE id = ?`, recording)
		}
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--format", "json"))
		change(d)
		out := d.want(handover.ExitPartial, "undo", jobID(run.Job), "--yes", "--audit", "not-undone.csv")
		for _, want := range []string{jobID(moved.From), "contacts", jobID(deleted.From), "storage_files", jobID(edited.From), "edited", "not_undone"} {
			if !strings.Contains(out.stdout, want) {
				t.Errorf("undo output does not mention %q:\n%s", want, out.stdout)
			}
		}
		_, rows := jobReadAudit(t, d, "not-undone.csv")
		if len(rows) != 3 || rows[0][0] != jobID(moved.From) || rows[1][0] != jobID(deleted.From) || rows[2][0] != jobID(edited.From) {
			t.Errorf("audit rows %q, want the three changed pairs", rows)
		}
		ref.mustRun("run", ref.writePairs("three.csv", []handover.Pair{moved, deleted, edited}), "--yes")
		change(ref)
		if diff := jobDiff(ref.dump(), d.dump()); diff != "" {
			t.Fatalf("after the undo, the tables differ from only the three changed pairs having run (-reference +undone):\n%s", diff)
		}
		if j := d.jobs(); j[0].Kind != "undo" || j[0].Status != "failed" || j[0].Done != 7 || j[0].Failed != 3 || j[1].Status != "done" {
			t.Errorf("jobs after a partial undo: %+v; want the undo failed (7 done, 3 failed), the run still done", j)
		}
	})
}

// TestVerifyReportsDrift verifies a run, then moves one of the rows it
// handed over back to its source: verify reports it.
func TestVerifyReportsDrift(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		pairs := jobPairing(jobPeopleOwning(t, d), 0, 5)
		before := d.dump()
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--format", "json"))
		if out := d.mustRun("verify", jobID(run.Job)); !strings.Contains(out.stdout, "verified") {
			t.Errorf("verify of an untouched run: %s", out)
		}
		d.exec(`UPDATE contacts SET agent_id = ? WHERE id = ?`, pairs[3].From, jobFirstOwned(t, before, "contacts", "agent_id", pairs[3].From))
		out := d.want(handover.ExitPartial, "verify", jobID(run.Job))
		for _, want := range []string{jobID(pairs[3].From), "contacts"} {
			if !strings.Contains(out.stdout, want) {
				t.Errorf("verify after a row moved back does not mention %q:\n%s", want, out)
			}
		}
	})
}

// TestPruneThenUndoRefuses prunes the journal of a finished run: the job
// stays listed with its counts, and undo refuses clearly.
func TestPruneThenUndoRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		pairs := jobPairing(d.people(1), 0, 5)
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--format", "json"))
		if out := d.mustRun("prune", "--older-than", "30", "--yes"); !strings.Contains(out.stdout, "nothing to prune") {
			t.Errorf("prune of a fresh job with 30 days' retention: %s", out)
		}
		d.exec(`UPDATE handover_jobs SET finished_at = ? WHERE id = ?`, "2000-01-01T00:00:00.000000000Z", run.Job) // long past retention
		if out := d.mustRun("prune", "--older-than", "30", "--yes"); !strings.Contains(out.stdout, "of 1 job ") {
			t.Errorf("prune of a job finished in 2000: %s", out)
		}
		if n := d.count(`SELECT count(*) FROM handover_moves WHERE ids IS NOT NULL`); n != 0 {
			t.Errorf("%d journal entries still hold moved keys after prune", n)
		}
		after := d.dump()
		out := d.want(handover.ExitRejected, "undo", jobID(run.Job), "--yes")
		if !strings.Contains(out.stderr, "pruned") || !strings.Contains(out.stderr, jobID(run.Job)) {
			t.Errorf("undo of a pruned job must say its journal was pruned: %s", out)
		}
		jobWantSums(t, "refused undo", after, d.dump())
		if s := d.show(run.Job); s.Job.Status != "done" || len(s.Pairs) != len(pairs) || len(s.Pairs[0].Moves) == 0 {
			t.Errorf("a pruned job keeps its ledger: %+v", s)
		}
	})
}

// jobLogLine is one zerolog JSON line of --log-format json.
type jobLogLine struct {
	Level       string `json:"level"`
	Event       string `json:"event"`
	Job         int64  `json:"job"`
	Kind        string `json:"kind"`
	Pairs       int    `json:"pairs"`
	Row         int    `json:"row"`
	From        int64  `json:"from"`
	To          int64  `json:"to"`
	Status      string `json:"status"`
	Rows        int64  `json:"rows"`
	Overwritten int64  `json:"overwritten"`
	Error       string `json:"error"`
	Done        int    `json:"done"`
	Failed      int    `json:"failed"`
	Audit       string `json:"audit"`
	Time        string `json:"time"`
	Message     string `json:"message"`
}

// jobLogs parses stderr as zerolog JSON lines, failing on any other line.
func jobLogs(t *testing.T, stderr string) []jobLogLine {
	t.Helper()
	var lines []jobLogLine
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var line jobLogLine
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Level == "" || line.Time == "" {
			t.Fatalf("stderr line is not a zerolog JSON line (%v): %q", err, l)
		}
		lines = append(lines, line)
	}
	return lines
}

// TestJSONLogs runs a file with an invalid row and a pair the application
// refuses with --log-format json: stderr holds only JSON lines — job_start,
// one event per pair with its status and counts, job_end — and stdout the
// result, human or JSON.
func TestJSONLogs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		people := d.people(1)
		pairs := jobPairing(people, 0, 8)
		refused := pairs[3]
		jobFailOnContacts(t, d, refused.From)
		body := "From User ID,To User ID\n"
		for _, p := range pairs {
			body += fmt.Sprintf("%d,%d\n", p.From, p.To)
		}
		body += fmt.Sprintf("%d,%d\n", people[20], people[20]) // self_transfer
		d.writeFile("leavers.csv", body)
		for _, format := range []string{"json", "text"} {
			out := d.want(handover.ExitPartial, "run", "leavers.csv", "--skip-invalid", "--yes", "--log-format", "json", "--format", format,
				"--audit", "errors-"+format+".csv")
			var job int64
			if format == "json" {
				res := jobResult(t, out)
				if res.Pairs != 9 || res.Done != 7 || res.Failed != 2 {
					t.Errorf("result %+v, want 9 pairs, 7 done, 2 failed", res)
				}
				job = res.Job
			} else {
				if !strings.HasPrefix(out.stdout, "Job ") || !strings.Contains(out.stdout, "9 pairs, 7 done, 2 failed") {
					t.Errorf("human result on stdout:\n%s", out.stdout)
				}
				job = d.newestJob().Job
			}
			logs := jobLogs(t, out.stderr)
			// The second run of the file first lists the pairs the first
			// one transferred.
			already := len(logs)
			logs = slices.DeleteFunc(logs, func(l jobLogLine) bool { return l.Event == "already_transferred" })
			if already -= len(logs); already != map[string]int{"json": 0, "text": 7}[format] {
				t.Errorf("%s: %d already_transferred events, want one per pair the run before did", format, already)
			}
			var events []string
			for _, l := range logs {
				if l.Event != "" {
					events = append(events, l.Event)
				}
			}
			want := append(append([]string{"job_start"}, slices.Repeat([]string{"pair"}, 9)...), "job_end", "error")
			if !slices.Equal(events, want) {
				t.Fatalf("%s: events %v, want job_start, 9 pair, job_end, error (exit 1)\n%s", format, events, out.stderr)
			}
			start, end := logs[0], logs[len(logs)-2]
			if last := logs[len(logs)-1]; last.Level != "error" || !strings.Contains(last.Message, "1 of 9 pairs failed and were not transferred, and 1 row was not run") {
				t.Errorf("last line %+v, want the error that sets exit 1", last)
			}
			if start.Job != job || start.Kind != "run" || start.Pairs != 9 {
				t.Errorf("job_start %+v, want job %d, kind run, 9 pairs", start, job)
			}
			if end.Job != job || end.Done != 7 || end.Failed != 2 || end.Audit != "errors-"+format+".csv" {
				t.Errorf("job_end %+v, want job %d, 7 done, 2 failed, its audit file", end, job)
			}
			recs := map[int64]jobPairRecord{}
			for _, p := range d.show(job).Pairs {
				recs[p.From] = p
			}
			for _, l := range logs[1 : len(logs)-2] {
				rec := recs[l.From]
				var rows, over int64
				for _, m := range rec.Moves {
					rows, over = rows+m.Rows, over+m.Overwritten
				}
				if l.Job != job || l.To != rec.To || l.Status != rec.Status || l.Rows != rows || l.Overwritten != over || l.Row != rec.Row {
					t.Errorf("pair event %+v, want the ledger's %+v (%d rows, %d overwritten)", l, rec, rows, over)
				}
				if failed := l.Status == "failed"; failed != (l.Error != "") || failed != (l.Level == "warn") {
					t.Errorf("pair event %+v: a failed pair is a warning with its error code, a done one neither", l)
				}
			}
		}
	})
}
