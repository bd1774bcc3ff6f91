package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"handover"
	"handover/csvio"
	"handover/engine"
	"handover/sample"
	"handover/validate"
)

// fuzzMaxPairs bounds the pairs of a fuzzed upload, and so the memory and
// the queries one input costs.
const fuzzMaxPairs = 50

// fuzzMaxMessage bounds an issue message: messages quote cells cut short and
// list a few rows, so no input can make one grow with the file.
const fuzzMaxMessage = 1000

// fuzzDirectory is the small real database FuzzReadValidate validates
// against: the seeded sample tenant plus the people of the spreadsheet
// corpus, and a second tenant whose names must never show.
type fuzzDirectory struct {
	db    *engine.DB
	ops   []handover.User  // the tenant admin, and an admin with a partial view
	main  map[int64]string // users of the operators' tenant, by ID
	other map[int64]string // users of the second tenant, by ID
	// otherOnly are names of the second tenant that no user of the main
	// tenant has: they may appear in output only when the upload holds them.
	otherOnly []string
	info      sample.Info
}

// fuzzNewDirectory builds the directory in an SQLite file: sample.Build with
// few users, then the corpus people in the main tenant's first team.
func fuzzNewDirectory(tb testing.TB) *fuzzDirectory {
	tb.Helper()
	ctx := context.Background()
	db := hostileOpen(tb, filepath.Join(tb.TempDir(), "fuzz.db"))
	info, err := sample.Build(ctx, db, sample.Options{Users: 50, Seed: 3, RowsPerUser: 2})
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	x := db.SQL()
	var team int64
	if err := x.Get(&team, x.Rebind(`SELECT min(id) FROM teams WHERE tenant_id = ?`), info.Tenant); err != nil {
		tb.Fatal(err)
	}
	corpusAddPeople(tb, db, info.Tenant, corpusPeople(tb), func(string) int64 { return team })
	d := &fuzzDirectory{db: db, main: map[int64]string{}, other: map[int64]string{}, info: info}
	var users []struct {
		ID     int64  `db:"id"`
		Tenant int64  `db:"tenant_id"`
		Name   string `db:"name"`
	}
	if err := x.Select(&users, `SELECT id, tenant_id, name FROM users`); err != nil {
		tb.Fatal(err)
	}
	mainNames := map[string]bool{}
	for _, u := range users {
		if u.Tenant == info.Tenant {
			d.main[u.ID] = u.Name
			mainNames[u.Name] = true
		} else {
			d.other[u.ID] = u.Name
		}
	}
	for _, name := range d.other {
		if !mainNames[name] && !slices.Contains(d.otherOnly, name) {
			d.otherOnly = append(d.otherOnly, name)
		}
	}
	if len(d.otherOnly) == 0 {
		tb.Fatal("every name of the second tenant is also in the first: nothing to check leaks with")
	}
	for _, id := range []int64{info.TenantAdmin, fuzzViewAdmin(tb, info)} {
		op, err := db.Operator(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		d.ops = append(d.ops, op)
	}
	return d
}

// fuzzViewAdmin returns an admin whose view leaves some agents out.
func fuzzViewAdmin(tb testing.TB, info sample.Info) int64 {
	for _, a := range info.Admins {
		if len(a.InView) > 0 && len(a.OutOfView) > 0 {
			return a.ID
		}
	}
	tb.Fatalf("no admin with agents in and out of view: %+v", info.Admins)
	return 0
}

// fuzzSeeds are uploads that reach every validation rule on the fuzz
// directory, as starting points besides the corpus.
func fuzzSeeds(d *fuzzDirectory) []string {
	in, a := d.info, d.info.ActiveAgents
	out := d.info.Admins[0].OutOfView
	row := func(from, to any) string { return fmt.Sprintf("%v,%v,%s\n", from, to, d.main[toID(from)]) }
	const header = "From User ID,To User ID,Name\n"
	seeds := []string{
		header + row(a[0], a[1]) + row(a[2], in.OtherTenantUsers[0]) + row(in.OtherTenantUsers[1], a[3]),
		header + row(a[4], a[4]) + row(in.TenantAdmin, a[5]) + row(a[6], a[7]) + row(a[6], a[8]),
		header + row(a[9], a[10]) + row(a[11], a[10]) + row(a[10], a[12]) + row(a[9], a[10]),
		header + row("1.23457E+17", a[13]) + row("-5", "99999999999999999999") + row(" ", a[14]) + row("1 001", "１９"),
		header + fmt.Sprintf("%d,%d,Somebody Else\n", a[15], a[16]) + row(a[17], "1001.0") + row(1001, 1002),
		"\uFEFFFrom User ID;To User ID;Name\r\n" + strings.ReplaceAll(row(a[18], a[19]), ",", ";"),
	}
	if len(in.InactiveAgents) > 0 {
		seeds = append(seeds, header+row(a[20], in.InactiveAgents[0])+row(in.InactiveAgents[0], a[21]))
	}
	if len(out) > 1 {
		seeds = append(seeds, header+row(out[0], out[1]))
	}
	return seeds
}

func toID(v any) int64 {
	if id, ok := v.(int64); ok {
		return id
	}
	return 0
}

// FuzzReadValidate feeds arbitrary bytes to csvio.Read and whatever it
// returns to validation (and prediction) against a small real SQLite
// directory, as two operators: a tenant admin and an admin with a partial
// view. Nothing may panic; a file is either rejected with a file-level code
// or every pair row gets a status that agrees with its issues; names shown
// are only ever the main tenant's, never the second tenant's.
func FuzzReadValidate(f *testing.F) {
	if testing.Short() {
		f.Skip("builds a database; skipped under -short")
	}
	d := fuzzNewDirectory(f)
	for _, c := range corpusFiles(f) {
		b, err := os.ReadFile(c.path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range fuzzSeeds(d) {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		up, err := csvio.Read(bytes.NewReader(data), "fuzz.csv", csvio.Options{MaxPairs: fuzzMaxPairs})
		if err != nil {
			fuzzFileError(t, err)
			return
		}
		for _, op := range d.ops {
			plan, err := (&validate.Validator{Dir: d.db, MaxPairs: fuzzMaxPairs}).Validate(ctx, op, up)
			if err != nil {
				t.Fatalf("Validate as %d: %v", op.ID, err)
			}
			if err := d.db.Predict(ctx, plan); err != nil {
				t.Fatalf("Predict as %d: %v", op.ID, err)
			}
			d.check(t, up, plan)
		}
	})
}

// fuzzFileError checks a rejected file's error: a *handover.Error with a
// file-level code and a message.
func fuzzFileError(t *testing.T, err error) {
	t.Helper()
	var he *handover.Error
	if !errors.As(err, &he) {
		t.Fatalf("Read: %v is not a *handover.Error", err)
	}
	switch he.Code {
	case handover.BadHeader, handover.LimitExceeded, handover.Unreadable:
	default:
		t.Fatalf("Read: file error with code %s: %s", he.Code, he.Message)
	}
	if strings.TrimSpace(he.Message) == "" || len(he.Message) > fuzzMaxMessage {
		t.Fatalf("Read: %s error with a message of %d bytes: %q", he.Code, len(he.Message), he.Message)
	}
}

// fuzzRowCodes are the codes a pair row may have.
var fuzzRowCodes = []handover.Code{
	handover.BadID, handover.MissingFrom, handover.UnknownUser, handover.OutOfView, handover.SelfTransfer,
	handover.FanOut, handover.FanIn, handover.Chain, handover.TenantAdmin, handover.NameMismatch,
	handover.DuplicateRow, handover.InactiveTarget, handover.AlreadyTransferred, handover.BadType,
}

// check checks a plan against its upload and the directory.
func (d *fuzzDirectory) check(t *testing.T, up *handover.Upload, plan *handover.Plan) {
	t.Helper()
	if len(plan.Rows) != len(up.Rows) || plan.Pairs != len(up.Rows) || plan.OK+plan.Warnings+plan.Errors != plan.Pairs {
		t.Fatalf("%d upload rows gave %d plan rows (pairs %d: %d ok, %d warnings, %d errors)",
			len(up.Rows), len(plan.Rows), plan.Pairs, plan.OK, plan.Warnings, plan.Errors)
	}
	text := strings.Join(up.Header, "\x00")
	for _, r := range up.Rows {
		text += "\x00" + strings.Join(r.Record, "\x00")
	}
	for i, r := range plan.Rows {
		if r.Row != up.Rows[i].Line {
			t.Errorf("plan row %d is spreadsheet row %d, the upload's is %d", i, r.Row, up.Rows[i].Line)
		}
		d.checkStatus(t, r)
		d.checkUser(t, r, "From", r.From, r.FromName)
		d.checkUser(t, r, "To", r.To, r.ToName)
		for _, is := range r.Issues {
			for _, name := range d.otherOnly {
				if strings.Contains(is.Message, name) && !strings.Contains(text, name) {
					t.Errorf("row %d: the message %q names %q, a user of another tenant", r.Row, is.Message, name)
				}
			}
		}
	}
}

// checkStatus checks that a row's status agrees with its issues.
func (d *fuzzDirectory) checkStatus(t *testing.T, r handover.PlanRow) {
	t.Helper()
	errs := 0
	for _, is := range r.Issues {
		if !slices.Contains(fuzzRowCodes, is.Code) {
			t.Errorf("row %d: unknown code %q", r.Row, is.Code)
		}
		if strings.TrimSpace(is.Message) == "" || len(is.Message) > fuzzMaxMessage {
			t.Errorf("row %d: %s with a message of %d bytes: %q", r.Row, is.Code, len(is.Message), is.Message)
		}
		if !is.Code.IsWarning() {
			errs++
		}
	}
	switch r.Status {
	case handover.StatusError:
		if errs == 0 {
			t.Errorf("row %d is an error without an error issue: %v", r.Row, r.Issues)
		}
		if len(r.Moves) > 0 {
			t.Errorf("row %d is an error but predicts moves %v", r.Row, r.Moves)
		}
	case handover.StatusWarning:
		if errs > 0 || len(r.Issues) == 0 {
			t.Errorf("row %d is a warning with issues %v", r.Row, r.Issues)
		}
	case handover.StatusOK:
		if len(r.Issues) > 0 {
			t.Errorf("row %d is ok with issues %v", r.Row, r.Issues)
		}
	default:
		t.Errorf("row %d has no status (%q)", r.Row, r.Status)
	}
	if r.Status != handover.StatusError {
		if _, ok := r.Pair(); !ok {
			t.Errorf("row %d is %s without two IDs", r.Row, r.Status)
		}
	}
}

// checkUser checks one side of a row: a name shown is the main tenant
// user's own; a user of the second tenant is unknown_user, without a name.
func (d *fuzzDirectory) checkUser(t *testing.T, r handover.PlanRow, side string, id *int64, name string) {
	t.Helper()
	switch {
	case id == nil:
		if name != "" {
			t.Errorf("row %d: %s name %q without an ID", r.Row, side, name)
		}
	case d.other[*id] != "":
		if name != "" {
			t.Errorf("row %d: %s %d of another tenant is shown as %q", r.Row, side, *id, name)
		}
		if !slices.ContainsFunc(r.Issues, func(is handover.Issue) bool { return is.Code == handover.UnknownUser }) {
			t.Errorf("row %d: %s %d of another tenant is not unknown_user: %v", r.Row, side, *id, r.Issues)
		}
	case name != "" && name != d.main[*id]:
		t.Errorf("row %d: %s %d is shown as %q, not as %q", r.Row, side, *id, name, d.main[*id])
	}
}
