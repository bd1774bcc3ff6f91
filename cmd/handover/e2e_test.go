package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/audit"
)

// End-to-end tests of the command: every test drives Run in-process with
// real files on a real database (SQLite always, PostgreSQL with
// HANDOVER_TEST_PG), and one drives the built binary.

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// rowSummary is a preview row reduced to what a test can predict exactly:
// issue messages are checked elsewhere, codes here.
type rowSummary struct {
	Row              int
	From, To         *int64
	FromName, ToName string
	Status           string
	Codes            []string
	Moves            []handover.Move
}

func summarize(rows []previewRow) []rowSummary {
	out := make([]rowSummary, len(rows))
	for i, r := range rows {
		out[i] = rowSummary{r.Row, r.From, r.To, r.FromName, r.ToName, r.Status, r.codes(), r.Moves}
	}
	return out
}

func ptr(n int64) *int64 { return &n }

// badRow is a row typed wrong on purpose, and the successor that fixes it.
type badRow struct {
	from int64
	to   string
	code string
	fix  int64
}

// exportHeader is the people CSV's header row.
var exportHeader = []string{"From User ID", "To User ID", "Name", "Email", "Role", "Status", "Team", "Data Types"}

// TestFlow walks export → edit → preview → run → audit → fix → re-run and
// checks the end state against the README: sources own nothing, targets hold
// what combine and overwrite promise, combine totals are unchanged, and the
// preview predicted exactly what moved.
func TestFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		fl := newFlow(t, newFixture(t, backend, 300, 3))
		fl.exportAndEdit(t)
		predicted := fl.preview(t)
		job, auditPath := fl.runSkippingInvalid(t, predicted)
		fixed := fl.fixAndRerun(t, job, auditPath)
		fl.checkEndState(t, append(slices.Clone(fl.valid), fixed...))
	})
}

// flow is what TestFlow carries from step to step.
type flow struct {
	f      *fixture
	people string
	before ownership           // who owned what after seeding
	dump   map[string][]string // every table after seeding
	valid  []handover.Pair
	bad    []badRow
	want   []rowSummary // the preview's rows, in row order
}

// newFlow picks the pairs an admin types: valid ones, including an
// inactive leaver and an inactive successor (a warning), and one row for
// each of several mistakes.
func newFlow(t *testing.T, f *fixture) *flow {
	in, a := f.info, f.info.ActiveAgents
	return &flow{f: f, people: f.path("people.csv"), before: f.owners(t), dump: f.dump(t),
		valid: []handover.Pair{{From: a[0], To: a[1]}, {From: a[2], To: a[3]}, {From: a[4], To: a[5]}, {From: a[6], To: a[7]},
			{From: a[8], To: a[9]}, {From: in.Supervisors[0], To: a[10]},
			{From: in.InactiveAgents[0], To: a[11]}, // a leaver already deactivated
			{From: a[12], To: in.InactiveAgents[1]}, // inactive_target: a warning, still runs
		},
		bad: []badRow{
			{a[13], itoa(a[13]), "self_transfer", a[18]},
			{a[14], "99999999", "unknown_user", a[19]},
			{a[15], "1.23457E+17", "bad_id", a[20]},
			{a[16], itoa(in.TenantAdmin), "tenant_admin", a[21]},
			{a[17], itoa(in.OtherTenantUsers[0]), "unknown_user", a[22]},
		}}
}

// exportAndEdit exports the people CSV, types the successors into it and
// works out the preview rows it must give.
func (fl *flow) exportAndEdit(t *testing.T) {
	f := fl.f
	f.mustCLI(t, 0, "export", "-o", fl.people)
	if m := fileMode(t, fl.people); m != 0o600 {
		t.Errorf("people.csv mode %v, want 0600", m)
	}
	s := readSheet(t, fl.people)
	if d := cmp.Diff(exportHeader, s.header); d != "" {
		t.Fatalf("export header (-want +got):\n%s", d)
	}
	if len(s.rows) != 300 {
		t.Errorf("export has %d people, want all 300 of the tenant", len(s.rows))
	}
	for _, p := range fl.valid {
		r := rowSummary{Row: s.setTo(t, p.From, itoa(p.To)), From: ptr(p.From), To: ptr(p.To), FromName: f.name(t, p.From),
			ToName: f.name(t, p.To), Status: "ok", Codes: []string{}, Moves: fl.before.predict(p.From, p.To)}
		if _, active := f.user(t, p.To); !active {
			r.Status, r.Codes = "warning", []string{"inactive_target"}
		}
		fl.want = append(fl.want, r)
	}
	for _, b := range fl.bad {
		r := rowSummary{Row: s.setTo(t, b.from, b.to), From: ptr(b.from), FromName: f.name(t, b.from),
			Status: "error", Codes: []string{b.code}, Moves: []handover.Move{}}
		if id, err := strconv.ParseInt(b.to, 10, 64); err == nil {
			r.To = ptr(id)
		}
		if b.code == "self_transfer" || b.code == "tenant_admin" {
			r.ToName = f.name(t, *r.To) // other targets are not the operator's to name
		}
		fl.want = append(fl.want, r)
	}
	sort.Slice(fl.want, func(i, j int) bool { return fl.want[i].Row < fl.want[j].Row })
	s.write(t, fl.people)
}

// preview checks the text and JSON previews (exit 2: some rows have
// errors) and that they changed nothing; it returns the predicted moves by
// row.
func (fl *flow) preview(t *testing.T) map[int][]handover.Move {
	f := fl.f
	r := f.mustCLI(t, 2, "preview", fl.people)
	for _, line := range []string{"13 pairs: 7 ok, 1 warning, 5 errors", "Page 1 of 1"} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("text preview lacks %q:\n%s", line, r.stdout)
		}
	}
	for _, w := range fl.want {
		if w.Status == "error" {
			continue
		}
		line := fmt.Sprintf("Row %d  %s (%d) → %s (%d)  %s\n", w.Row, w.FromName, *w.From, w.ToName, *w.To, w.Status)
		if !strings.Contains(r.stdout, line) {
			t.Errorf("text preview lacks %q", line)
		}
	}

	r = f.mustCLI(t, 2, "preview", fl.people, "--format", "json")
	doc := decodePreview(t, r.stdout)
	if got := [4]int{doc.Pairs, doc.OK, doc.Warnings, doc.Errors}; got != [4]int{13, 7, 1, 5} {
		t.Errorf("pairs, ok, warnings, errors = %v, want [13 7 1 5]", got)
	}
	if len(doc.FileErrors) != 0 {
		t.Errorf("file_errors: %v", doc.FileErrors)
	}
	if d := cmp.Diff(fl.want, summarize(doc.Rows)); d != "" {
		t.Errorf("preview rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff(fl.dump, f.dump(t)); d != "" {
		t.Fatalf("export and preview changed the database (-before +after):\n%s", d)
	}
	predicted := map[int][]handover.Move{}
	for _, row := range doc.Rows {
		predicted[row.Row] = row.Moves
	}
	return predicted
}

// runSkippingInvalid runs the valid pairs (exit 1: the invalid ones fail
// into the audit file) and checks the summary, the audit file and the
// ledger. It returns the job and the audit file.
func (fl *flow) runSkippingInvalid(t *testing.T, predicted map[int][]handover.Move) (int64, string) {
	f := fl.f
	auditPath := f.path("a.csv")
	r := f.mustCLI(t, 1, "run", fl.people, "--skip-invalid", "--yes", "--audit", auditPath)
	if !strings.Contains(r.stdout, audit.NotRun) || strings.Contains(r.stdout, audit.Failure) || !strings.Contains(r.stdout, "Audit file: "+auditPath) {
		t.Errorf("run summary lacks the not-run sentence or the audit path, or says the transfer failed:\n%s", r)
	}
	for _, w := range fl.want {
		if w.Status != "error" {
			continue
		}
		line := fmt.Sprintf("Row %d  %s → %s  %s: ", w.Row, handover.Label(w.FromName, w.From), handover.Label(w.ToName, w.To), w.Codes[0])
		if !strings.Contains(r.stdout, line) {
			t.Errorf("run summary lacks the failed pair %q:\n%s", line, r.stdout)
		}
	}
	if m := fileMode(t, auditPath); m != 0o600 {
		t.Errorf("audit file mode %v, want 0600", m)
	}
	as := readSheet(t, auditPath)
	if d := cmp.Diff(append(slices.Clone(exportHeader), "Error"), as.header); d != "" {
		t.Errorf("audit header (-want +got):\n%s", d)
	}
	if len(as.rows) != len(fl.bad) {
		t.Fatalf("audit file has %d rows, want the %d failed pairs:\n%v", len(as.rows), len(fl.bad), as.rows)
	}
	for _, b := range fl.bad {
		_, row := as.row(t, b.from)
		if row[1] != b.to || !strings.HasPrefix(row[len(row)-1], b.code+": ") {
			t.Errorf("audit row of %d: To %q, Error %q; want To %q and a %s error", b.from, row[1], row[len(row)-1], b.to, b.code)
		}
	}
	job := f.checkJobs(t, 1, 13, 8, 5, "failed")
	moved, status := f.showMoves(t, job)
	for _, w := range fl.want {
		wantStatus := "done"
		if w.Status == "error" {
			wantStatus = "failed"
		}
		if status[w.Row] != wantStatus {
			t.Errorf("job %d row %d: status %q, want %q", job, w.Row, status[w.Row], wantStatus)
		}
		if d := cmp.Diff(predicted[w.Row], moved[w.Row]); wantStatus == "done" && d != "" {
			t.Errorf("row %d: preview predicted (-) and show reports (+) different moves:\n%s", w.Row, d)
		}
	}
	return job, auditPath
}

// fixAndRerun types valid successors into the audit file's rows and runs
// it again: exactly the failed pairs run, as the preview predicted. It
// returns the fixed pairs.
func (fl *flow) fixAndRerun(t *testing.T, job1 int64, auditPath string) []handover.Pair {
	f, as := fl.f, readSheet(t, auditPath)
	var fixed []handover.Pair
	for _, b := range fl.bad {
		as.setTo(t, b.from, itoa(b.fix))
		fixed = append(fixed, handover.Pair{From: b.from, To: b.fix})
	}
	as.write(t, auditPath)
	r := f.mustCLI(t, 0, "preview", auditPath, "--format", "json")
	doc := decodePreview(t, r.stdout)
	if doc.Pairs != len(fixed) || doc.OK != len(fixed) {
		t.Fatalf("fixed audit file: %d pairs, %d ok; want %d of each:\n%s", doc.Pairs, doc.OK, len(fixed), r.stdout)
	}
	predicted := map[int][]handover.Move{}
	for i, row := range doc.Rows {
		predicted[row.Row] = row.Moves
		if d := cmp.Diff(fl.before.predict(fixed[i].From, fixed[i].To), row.Moves); d != "" {
			t.Errorf("fixed row %d moves (-want +got):\n%s", row.Row, d)
		}
	}
	r = f.mustCLI(t, 0, "run", auditPath, "--yes", "--format", "json", "--audit", f.path("a2.csv"))
	checkKeys(t, "run --format json", []byte(r.stdout), "job", "pairs", "done", "failed", "audit")
	var res resultDoc
	mustDecode(t, r.stdout, &res)
	if d := cmp.Diff(resultDoc{Job: job1 + 1, Pairs: len(fixed), Done: len(fixed)}, res); d != "" {
		t.Errorf("re-run result (-want +got):\n%s", d)
	}
	if _, err := os.Stat(f.path("a2.csv")); !os.IsNotExist(err) {
		t.Errorf("a run without failures wrote an audit file (%v)", err)
	}
	f.checkJobs(t, 2, len(fixed), len(fixed), 0, "done")
	moved, _ := f.showMoves(t, res.Job)
	if d := cmp.Diff(predicted, moved); d != "" {
		t.Errorf("re-run: preview predicted (-) and show reports (+) different moves:\n%s", d)
	}
	return fixed
}

// checkEndState compares the database after all pairs ran with what
// the README promises.
func (fl *flow) checkEndState(t *testing.T, all []handover.Pair) {
	after, dumpAfter := fl.f.owners(t), fl.f.dump(t)
	for _, p := range all {
		for k, m := range after {
			if n := len(m[p.From]); n > 0 {
				t.Errorf("source %d still owns %d rows of %s", p.From, n, k)
			}
		}
	}
	if d := cmp.Diff(fl.before.apply(all), after); d != "" {
		t.Errorf("ownership after both runs (-want +got):\n%s", d)
	}
	for _, dt := range handover.Catalog {
		want := fl.before.total(dt.Table)
		for _, p := range all {
			for _, m := range fl.before.predict(p.From, p.To) {
				if m.Type == dt.Table {
					want -= int(m.Overwritten) // 0 for combine types: their totals stay
				}
			}
		}
		if got := after.total(dt.Table); got != want {
			t.Errorf("%s (%s): %d rows after, want %d", dt.Table, dt.Mode, got, want)
		}
	}
	for _, table := range []string{"tenants", "teams", "users", "admin_views"} {
		if d := cmp.Diff(fl.dump[table], dumpAfter[table]); d != "" {
			t.Errorf("%s changed without --deactivate-source (-before +after):\n%s", table, d)
		}
	}
}

// checkJobs checks `jobs --format json`: n jobs, the newest with these
// totals and status, every field of the README. It returns the newest job.
func (f *fixture) checkJobs(t *testing.T, n, pairs, done, failed int, status string) int64 {
	t.Helper()
	r := f.mustCLI(t, 0, "jobs", "--format", "json")
	var jobs []struct {
		Job      int64  `json:"job"`
		Kind     string `json:"kind"`
		Status   string `json:"status"`
		Operator int64  `json:"operator"`
		Started  string `json:"started"`
		Pairs    int    `json:"pairs"`
		Done     int    `json:"done"`
		Failed   int    `json:"failed"`
	}
	mustDecode(t, r.stdout, &jobs)
	if len(jobs) != n {
		t.Fatalf("jobs: %d, want %d:\n%s", len(jobs), n, r.stdout)
	}
	var raw []map[string]any
	mustDecode(t, r.stdout, &raw)
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range raw[0] {
			if !yield(k) {
				return
			}
		}
	})
	if d := cmp.Diff([]string{"done", "failed", "job", "kind", "operator", "pairs", "started", "status"}, got); d != "" {
		t.Errorf("jobs[0] keys (-want +got):\n%s", d)
	}
	j := jobs[0]
	if _, err := time.Parse(time.RFC3339, j.Started); err != nil {
		t.Errorf("started %q is not RFC 3339: %v", j.Started, err)
	}
	if j.Kind != "run" || j.Status != status || j.Operator != f.info.TenantAdmin || j.Pairs != pairs || j.Done != done || j.Failed != failed {
		t.Errorf("newest job %+v; want a run, %s, operator %d, %d pairs, %d done, %d failed", j, status, f.info.TenantAdmin, pairs, done, failed)
	}
	for i := 1; i < len(jobs); i++ {
		if jobs[i].Job >= jobs[i-1].Job {
			t.Errorf("jobs are not newest first: %d before %d", jobs[i-1].Job, jobs[i].Job)
		}
	}
	return j.Job
}
