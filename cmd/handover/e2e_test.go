package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
var exportHeader = []string{"From User ID", "To User ID", "Name", "Email", "Role", "Status", "Team"}

// TestFlow walks export → edit → preview → run → audit → fix → re-run and
// checks the end state against PRODUCT.md: sources own nothing, targets hold
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
// PRODUCT.md promises.
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
// totals and status, every field of PRODUCT.md. It returns the newest job.
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

// codeCase is a file made to trigger one validation code.
type codeCase struct {
	name string
	code string
	exit int                                     // of preview: 2 for errors, 0 for warnings only
	as   func(f *fixture) int64                  // the operator; the tenant admin when nil
	file func(f *fixture) string                 // the CSV
	args []string                                // more flags
	prep func(t *testing.T, f *fixture)          // runs before the file is previewed
	hide func(t *testing.T, f *fixture) []string // text that must appear in no output
}

// pairs renders a minimal upload of ID pairs.
func pairs(cells ...any) string {
	var b strings.Builder
	b.WriteString("From User ID,To User ID\n")
	for i := 0; i+1 < len(cells); i += 2 {
		fmt.Fprintf(&b, "%v,%v\n", cells[i], cells[i+1])
	}
	return b.String()
}

func codeCases() []codeCase {
	a := func(f *fixture, i int) int64 { return f.info.ActiveAgents[i] }
	admin := func(f *fixture) int64 { return f.viewAdmin(nil).ID }
	return []codeCase{
		{name: "bad_header", code: "bad_header", exit: 2,
			file: func(f *fixture) string { return "Employee,Successor\n" + itoa(a(f, 0)) + "," + itoa(a(f, 1)) + "\n" }},
		{name: "limit_exceeded", code: "limit_exceeded", exit: 2, args: []string{"--max-pairs", "3"},
			file: func(f *fixture) string {
				return pairs(a(f, 0), a(f, 1), a(f, 2), a(f, 3), a(f, 4), a(f, 5), a(f, 6), a(f, 7))
			}},
		{name: "unreadable/binary", code: "unreadable", exit: 2,
			file: func(*fixture) string { return "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" }},
		{name: "unreadable/empty", code: "unreadable", exit: 2, file: func(*fixture) string { return "" }},
		{name: "bad_id/letters", code: "bad_id", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), "abc") }},
		{name: "bad_id/scientific", code: "bad_id", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), "1.23457E+17") }},
		{name: "missing_from", code: "missing_from", exit: 2, file: func(f *fixture) string { return pairs("", a(f, 1)) }},
		{name: "unknown_user/nonexistent", code: "unknown_user", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), 99999999) }},
		{name: "unknown_user/other_tenant", code: "unknown_user", exit: 2,
			file: func(f *fixture) string { return pairs(a(f, 0), f.info.OtherTenantUsers[0]) },
			hide: func(t *testing.T, f *fixture) []string {
				other := f.name(t, f.info.OtherTenantUsers[0])
				if strings.Contains(f.name(t, a(f, 0)), other) {
					t.Fatalf("pick another source: %q shares the other tenant's user's name", other)
				}
				return []string{other, "Globex", "globex"}
			}},
		{name: "out_of_view", code: "out_of_view", exit: 2, as: admin,
			file: func(f *fixture) string {
				ad := f.viewAdmin(nil)
				return pairs(ad.InView[0], ad.OutOfView[0])
			},
			hide: func(t *testing.T, f *fixture) []string {
				ad := f.viewAdmin(t)
				hidden := f.name(t, ad.OutOfView[0])
				if strings.Contains(f.name(t, ad.InView[0]), hidden) {
					t.Fatalf("pick another source: %q shares the hidden user's name", hidden)
				}
				return []string{hidden}
			}},
		{name: "self_transfer", code: "self_transfer", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 0)) }},
		{name: "fan_out", code: "fan_out", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 1), a(f, 0), a(f, 2)) }},
		{name: "fan_in", code: "fan_in", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 2), a(f, 1), a(f, 2)) }},
		{name: "chain", code: "chain", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 1), a(f, 1), a(f, 2)) }},
		{name: "tenant_admin/target", code: "tenant_admin", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), f.info.TenantAdmin) }},
		{name: "tenant_admin/source", code: "tenant_admin", exit: 2, file: func(f *fixture) string { return pairs(f.info.TenantAdmin, a(f, 0)) }},
		{name: "name_mismatch", code: "name_mismatch", exit: 2,
			file: func(f *fixture) string {
				return fmt.Sprintf("From User ID,To User ID,Name\n%d,%d,Somebody Else Entirely\n", a(f, 0), a(f, 1))
			}},
		{name: "duplicate_row", code: "duplicate_row", exit: 0, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 1), a(f, 0), a(f, 1)) }},
		{name: "inactive_target", code: "inactive_target", exit: 0, file: func(f *fixture) string { return pairs(a(f, 0), f.info.InactiveAgents[0]) }},
		{name: "already_transferred", code: "already_transferred", exit: 0,
			prep: func(t *testing.T, f *fixture) {
				f.mustCLI(t, 0, "run", "--from", itoa(a(f, 40)), "--to", itoa(a(f, 41)), "--yes")
			},
			file: func(f *fixture) string { return pairs(a(f, 40), a(f, 41)) }},
	}
}

// TestValidationCodes feeds the command one file per validation code: the
// preview reports the code (exit 2 for errors, 0 for warnings only), and
// running a rejected file exits 2 leaving every table exactly as it was.
func TestValidationCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 120, 5)
		for _, c := range codeCases() {
			t.Run(c.name, func(t *testing.T) { checkCode(t, f, c) })
		}
	})
}

func checkCode(t *testing.T, f *fixture, c codeCase) {
	if c.prep != nil {
		c.prep(t, f)
	}
	op := f.info.TenantAdmin
	if c.as != nil {
		op = c.as(f)
	}
	base := strings.ReplaceAll(c.name, "/", "-")
	file := writeFile(t, f.path(base+".csv"), c.file(f))
	errs := f.path(base + "-errors.csv")
	r := f.mustCLI(t, c.exit, append([]string{"preview", file, "--format", "json", "--errors", errs, "--as", itoa(op)}, c.args...)...)
	doc := decodePreview(t, r.stdout)
	seen := r.stdout + r.stderr
	var found []previewRow
	for _, fe := range doc.FileErrors {
		if fe.Code == c.code {
			found = append(found, previewRow{Status: "error", Issues: []issueDoc{fe}})
		}
	}
	for _, row := range doc.Rows {
		if slices.Contains(row.codes(), c.code) {
			found = append(found, row)
		}
	}
	if len(found) == 0 {
		t.Fatalf("no %s in the preview:\n%s", c.code, r.stdout)
	}
	wantStatus := "error"
	if c.exit == 0 {
		wantStatus = "warning"
		if doc.Errors != 0 || doc.Warnings == 0 {
			t.Errorf("a warnings-only file has %d errors and %d warnings", doc.Errors, doc.Warnings)
		}
	}
	for _, row := range found {
		if row.Status != wantStatus {
			t.Errorf("row %d with %s has status %q, want %q", row.Row, c.code, row.Status, wantStatus)
		}
	}
	if c.code == "bad_id" && strings.Contains(c.name, "scientific") && !strings.Contains(r.stdout, "as Text") {
		t.Errorf("bad_id for scientific notation does not explain the fix (format the column as Text):\n%s", r.stdout)
	}
	if body, err := os.ReadFile(errs); err == nil {
		seen += string(body)
		if c.exit == 2 && len(doc.FileErrors) == 0 && !strings.Contains(string(body), c.code+": ") {
			t.Errorf("--errors file lacks %s:\n%s", c.code, body)
		}
	}
	if c.exit == 2 {
		before := f.dump(t)
		rr := f.cli(t, nil, append([]string{"run", file, "--yes", "--as", itoa(op)}, c.args...)...)
		if rr.code != 2 {
			t.Errorf("run of a rejected file: want exit 2, got:\n%s", rr)
		}
		if d := cmp.Diff(before, f.dump(t)); d != "" {
			t.Errorf("run of a rejected file changed the database (-before +after):\n%s", d)
		}
		seen += rr.stdout + rr.stderr
	}
	if c.hide != nil {
		for _, s := range c.hide(t, f) {
			if strings.Contains(seen, s) {
				t.Errorf("the output shows %q, which belongs to another tenant:\n%s", s, seen)
			}
		}
	}
	if c.code == "already_transferred" {
		// Running a completed file again changes no data.
		before := f.owners(t)
		f.mustCLI(t, 0, "run", file, "--yes")
		if d := cmp.Diff(before, f.owners(t)); d != "" {
			t.Errorf("re-running a completed pair moved data (-before +after):\n%s", d)
		}
	}
}

// TestOperatorChecks: only an active admin or tenant admin may act (exit 3
// otherwise, nothing changed); a missing or malformed --as is a usage error.
func TestOperatorChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 100, 2)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1]))
		for _, c := range []struct {
			name, as string
			exit     int
		}{
			{"supervisor", itoa(f.info.Supervisors[0]), 3},
			{"agent", itoa(a[2]), 3},
			{"inactive_admin", itoa(f.info.InactiveAdmin), 3},
			{"not_a_user", "99999999", 3},
			{"other_tenants_agent", itoa(f.info.OtherTenantUsers[0]), 3},
			{"not_a_number", "abc", 2},
			{"missing", "", 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				as := []string{"--as", c.as}
				if c.as == "" && os.Getenv("HANDOVER_AS") == "" {
					as = nil // really missing, not empty
				}
				with := func(args ...string) []string { return append(append(args, "--db", f.dsn), as...) }
				before := f.dump(t)
				for _, args := range [][]string{
					with("preview", file),
					with("run", file, "--yes"),
					with("run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes"),
					with("export", "-o", f.path(c.name+".csv")),
				} {
					if r := cli(t, nil, args...); r.code != c.exit {
						t.Errorf("want exit %d, got:\n%s", c.exit, r)
					}
				}
				if d := cmp.Diff(before, f.dump(t)); d != "" {
					t.Errorf("a refused operator changed the database (-before +after):\n%s", d)
				}
				if _, err := os.Stat(f.path(c.name + ".csv")); !os.IsNotExist(err) {
					t.Errorf("a refused operator got an export (%v)", err)
				}
			})
		}
	})
}

// TestUnreachableDatabase: a database that cannot be reached is exit 3, for
// PostgreSQL and for a missing SQLite file alike, without hanging.
func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	file := writeFile(t, filepath.Join(t.TempDir(), "pairs.csv"), pairs(10, 11))
	for _, dsn := range []string{
		"postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		filepath.Join(t.TempDir(), "missing", "handover.db"),
	} {
		for _, args := range [][]string{
			{"preview", file}, {"run", file, "--yes"}, {"run", "--from", "10", "--to", "11", "--yes"},
			{"export", "-o", filepath.Join(t.TempDir(), "p.csv")}, {"jobs"},
		} {
			r := cli(t, nil, append(args, "--db", dsn, "--as", "1")...)
			if r.code != 3 || !strings.Contains(r.stderr, "handover: ") {
				t.Errorf("want exit 3 and a message, got:\n%s", r)
			}
		}
	}
}

// TestRunSinglePair covers run --from/--to, --deactivate-source, --format
// json and the refusal to run unconfirmed without a terminal.
func TestRunSinglePair(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 100, 2)
		a := f.info.ActiveAgents
		before := f.owners(t)

		r := f.mustCLI(t, 0, "run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes")
		if !strings.Contains(r.stdout, audit.Success) {
			t.Errorf("run summary lacks %q:\n%s", audit.Success, r)
		}
		if d := cmp.Diff(before.apply([]handover.Pair{{From: a[0], To: a[1]}}), f.owners(t)); d != "" {
			t.Errorf("ownership after one pair (-want +got):\n%s", d)
		}
		if _, active := f.user(t, a[0]); !active {
			t.Errorf("source %d deactivated without --deactivate-source", a[0])
		}

		r = f.mustCLI(t, 0, "run", "--from", itoa(a[2]), "--to", itoa(a[3]), "--yes", "--deactivate-source", "--format", "json")
		checkKeys(t, "run --format json", []byte(r.stdout), "job", "pairs", "done", "failed", "audit")
		var res resultDoc
		mustDecode(t, r.stdout, &res)
		if d := cmp.Diff(resultDoc{Job: 2, Pairs: 1, Done: 1}, res); d != "" {
			t.Errorf("run --format json (-want +got):\n%s", d)
		}
		if _, active := f.user(t, a[2]); active {
			t.Errorf("source %d is still active after --deactivate-source", a[2])
		}
		if _, active := f.user(t, a[3]); !active {
			t.Errorf("target %d was deactivated", a[3])
		}
		moved := f.owners(t)
		for k, m := range moved {
			if len(m[a[2]]) > 0 {
				t.Errorf("source %d still owns rows of %s", a[2], k)
			}
		}

		// Refusals: nothing changes.
		file := writeFile(t, f.path("pairs.csv"), pairs(a[4], a[5]))
		dump := f.dump(t)
		for _, c := range []struct {
			args []string
			exit int
			says string
		}{
			{[]string{"run", "--from", itoa(a[4]), "--to", itoa(a[5])}, 2, "--yes"}, // no terminal to confirm on
			{[]string{"run", file}, 2, "--yes"},
			{[]string{"run", "--from", itoa(a[4])}, 2, "--from and --to"},
			{[]string{"run", file, "--from", itoa(a[4]), "--to", itoa(a[5]), "--yes"}, 2, "either a FILE"},
			{[]string{"run", "--from", itoa(a[4]), "--to", itoa(a[4]), "--yes"}, 2, "self_transfer"},
			{[]string{"run", "--from", itoa(a[4]), "--to", itoa(a[5]), "--yes", "--format", "xml"}, 2, "--format"},
		} {
			r := f.cli(t, strings.NewReader("yes\n"), c.args...)
			if r.code != c.exit || !strings.Contains(r.stdout+r.stderr, c.says) {
				t.Errorf("want exit %d mentioning %q, got:\n%s", c.exit, c.says, r)
			}
		}
		if d := cmp.Diff(dump, f.dump(t)); d != "" {
			t.Errorf("a refused run changed the database (-before +after):\n%s", d)
		}

		// An invalid single pair with --skip-invalid fails into an audit file.
		auditPath := f.path("single.csv")
		r = f.mustCLI(t, 1, "run", "--from", itoa(a[4]), "--to", "99999999", "--yes", "--skip-invalid", "--audit", auditPath)
		as := readSheet(t, auditPath)
		if len(as.rows) != 1 || !strings.HasPrefix(as.rows[0][as.col(t, "Error")], "unknown_user: ") {
			t.Errorf("audit of a failed single pair: %q %q", as.header, as.rows)
		}
		if m := fileMode(t, auditPath); m != 0o600 {
			t.Errorf("audit file mode %v, want 0600", m)
		}
	})
}

// TestPreviewGolden pins the text and JSON previews of one edited export on
// the deterministic demo tenant. Both backends must print the same bytes.
// Regenerate with `go test ./cmd/handover -run TestPreviewGolden -update`.
func TestPreviewGolden(t *testing.T) {
	t.Parallel()
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend, 60, 7)
			in, a := f.info, f.info.ActiveAgents
			if len(in.InactiveAgents) < 2 {
				t.Fatalf("seed 7 has %d inactive agents, want 2", len(in.InactiveAgents))
			}
			people := f.path("people.csv")
			f.mustCLI(t, 0, "export", "-o", people)
			s := readSheet(t, people)
			for from, to := range map[int64]string{
				a[0]: itoa(a[1]), a[2]: itoa(a[3]), a[6]: itoa(a[7]), // a[6] is "=Eve Formula"
				in.InactiveAgents[0]: itoa(a[8]),                      // an inactive leaver: ok
				a[9]:                 itoa(in.InactiveAgents[1]),      // inactive_target
				a[10]:                itoa(a[10]),                     // self_transfer
				a[11]:                "1.23457E+17",                   // bad_id
				a[12]:                "99999999",                      // unknown_user
				a[13]:                itoa(a[15]), a[14]: itoa(a[15]), // fan_in
			} {
				s.setTo(t, from, to)
			}
			s.write(t, people)
			for _, g := range []struct{ golden, format string }{
				{"preview_text.golden", "text"}, {"preview_json.golden", "json"},
			} {
				r := f.mustCLI(t, 2, "preview", people, "--format", g.format)
				if strings.Contains(r.stdout, f.dir) || strings.Contains(r.stdout, time.Now().Format("2006-01-02")) {
					t.Errorf("%s preview shows a path or today's date:\n%s", g.format, r.stdout)
				}
				path := filepath.Join("testdata", g.golden)
				if *update && backend == "sqlite" {
					if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (create it with -update)", err)
				}
				if d := cmp.Diff(string(want), r.stdout); d != "" {
					t.Errorf("%s preview differs from %s (-want +got):\n%s", g.format, path, d)
				}
			}
		})
	}
}

// TestBuiltBinary builds the command and runs the demo as a newcomer would,
// checking what main adds to Run: exit codes and messages on stderr.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "handover")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, "HANDOVER_DB=") || strings.HasPrefix(kv, "HANDOVER_AS=")
		})
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if code != want {
			t.Errorf("handover %s: exit %d (%v), want %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), code, err, want, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}

	out, _ := run(0, "demo", "--users", "100", "--seed", "2")
	for _, step := range []string{"1. Built", "2. Exported", "3. Typed", "4. Preview", "5. Running", "6. The errors-only audit file"} {
		if !strings.Contains(out, step) {
			t.Errorf("demo output lacks step %q", step)
		}
	}
	if !strings.Contains(out, audit.NotRun) || strings.Contains(out, audit.Failure) {
		t.Errorf("demo output: want %q for the rows validation refused, and not %q:\n%s", audit.NotRun, audit.Failure, out)
	}
	audits, _ := filepath.Glob(filepath.Join(dir, "handover-demo", "handover-*-job-*-errors.csv"))
	if len(audits) != 1 {
		t.Fatalf("demo audit files: %v, want one", audits)
	}
	for _, p := range append(audits, filepath.Join(dir, "handover-demo", "people.csv")) {
		if m := fileMode(t, p); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, m)
		}
	}
	db := filepath.Join("handover-demo", "handover.db")
	if out, _ := run(0, "preview", "-h"); !strings.Contains(out, "usage: handover preview") {
		t.Errorf("preview -h: no usage on stdout:\n%s", out)
	}
	if _, errOut := run(2, "jobs", "--db", db); !strings.HasPrefix(errOut, "handover: ") || !strings.Contains(errOut, "--as") {
		t.Errorf("jobs without --as: stderr %q, want a message naming --as", errOut)
	}
	run(3, "jobs", "--db", db, "--as", itoa(seedInfo(t, 100, 2).ActiveAgents[0]))
	run(0, "jobs", "--db", db, "--as", "1")
	run(2)
}

// TestFlagsAndHelp: flags may follow the file argument, and -h on any
// subcommand prints its usage and exits 0.
func TestFlagsAndHelp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 7)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1]))
		after := mustCLI(t, 0, nil, "preview", file, "--format", "json", "--db", f.dsn, "--as", itoa(f.info.TenantAdmin))
		before := mustCLI(t, 0, nil, "preview", "--format", "json", "--db", f.dsn, "--as", itoa(f.info.TenantAdmin), file)
		if doc := decodePreview(t, after.stdout); doc.Pairs != 1 || doc.OK != 1 {
			t.Errorf("preview FILE --format json: %+v", doc)
		}
		if after.stdout != before.stdout {
			t.Errorf("flags after the file give other output than flags before it")
		}
	})
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		for _, name := range commandNames() {
			for _, h := range []string{"-h", "--help"} {
				r := cli(t, nil, name, h)
				if r.code != 0 || !strings.Contains(r.stdout, "usage: handover "+name) {
					t.Errorf("want exit 0 and usage, got:\n%s", r)
				}
			}
		}
		if r := cli(t, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "commands:") {
			t.Errorf("help: %s", r)
		}
		if r := cli(t, nil, "preview", "--no-such-flag"); r.code != 2 {
			t.Errorf("unknown flag: %s", r)
		}
	})
}
