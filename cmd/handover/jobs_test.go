package main

// Helpers shared by the job tests (jobs_test.go, crash_test.go,
// proxy_test.go): fresh databases seeded through the built binary, running
// the binary against them, full dumps of every data table and the end state
// a set of pairs must leave behind, computed independently of the engine.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
	d.writeFile(name, pairsCSV(pairs))
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
