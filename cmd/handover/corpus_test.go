package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/csvio"
	"handover/engine"
	"handover/validate"
)

// The spreadsheet corpus (csvio/testdata/corpus, made by
// scripts/make-corpus.sh) was made from one fixed people export,
// people-export.csv. csvio's TestCorpus checks that reading each file gives
// the pairs of its .want.json; the tests here take the next step and
// validate those pairs against a directory holding exactly the people of
// that export, as the admin who made the edits would.

const corpusDir = "../../csvio/testdata/corpus"

// corpusOperator is the tenant admin who validates the corpus; corpusTenant
// is the tenant of the export's people, corpusOther a second tenant.
const (
	corpusOperator int64 = 1
	corpusTenant   int64 = 1
	corpusOther    int64 = 2
)

// corpusPerson is one user of the people export the corpus was made from.
type corpusPerson struct {
	ID     int64
	Name   string
	Email  string
	Role   string
	Active bool
	Team   string
}

// corpusPeople reads people-export.csv: the directory every corpus file
// was edited from.
func corpusPeople(tb testing.TB) []corpusPerson {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join(corpusDir, "people-export.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(recs) < 2 {
		tb.Fatalf("people-export.csv: %d records, %v", len(recs), err)
	}
	want := []string{"From User ID", "To User ID", "Name", "Email", "Role", "Status", "Team", "Data Types"}
	if diff := cmp.Diff(want, recs[0]); diff != "" {
		tb.Fatalf("people-export.csv header (-want +got):\n%s", diff)
	}
	var out []corpusPerson
	for _, r := range recs[1:] {
		id, err := strconv.ParseInt(r[0], 10, 64)
		if err != nil {
			tb.Fatalf("people-export.csv: ID %q: %v", r[0], err)
		}
		out = append(out, corpusPerson{ID: id, Name: handover.Unneutralize(r[2]), Email: r[3], Role: r[4], Active: r[5] == "Active", Team: r[6]})
	}
	return out
}

// corpusAddPeople inserts the export's people into tenant, each in the team
// teamOf gives for its team name.
func corpusAddPeople(tb testing.TB, db *engine.DB, tenant int64, people []corpusPerson, teamOf func(string) int64) {
	tb.Helper()
	x := db.SQL()
	for _, p := range people {
		if _, err := x.Exec(x.Rebind(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			p.ID, tenant, teamOf(p.Team), p.Name, p.Email, p.Role, p.Active); err != nil {
			tb.Fatalf("insert user %d: %v", p.ID, err)
		}
	}
}

// corpusOtherNames are the users of the second tenant of the corpus
// directory, by ID.
var corpusOtherNames = map[int64]string{2001: "Olga Othertenant", 2002: "Oskar Elsewhere"}

// corpusDirectory fills a fresh database with the directory the corpus was
// made from: the export's people in one tenant (their teams by name) with a
// tenant admin to operate, and a second tenant.
func corpusDirectory(tb testing.TB, dsn string) []corpusPerson {
	tb.Helper()
	db, exec := initDirectory(tb, dsn)
	exec(`INSERT INTO tenants (id, name) VALUES (?, ?), (?, ?)`, corpusTenant, "Corpus tenant", corpusOther, "Other tenant")
	people := corpusPeople(tb)
	teams := map[string]int64{}
	for _, p := range people {
		if _, ok := teams[p.Team]; !ok {
			teams[p.Team] = int64(len(teams) + 1)
			exec(`INSERT INTO teams (id, tenant_id, name) VALUES (?, ?, ?)`, teams[p.Team], corpusTenant, p.Team)
		}
	}
	exec(`INSERT INTO teams (id, tenant_id, name) VALUES (?, ?, ?)`, 100, corpusOther, "Elsewhere")
	exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, ?, NULL, ?, ?, ?, ?)`,
		corpusOperator, corpusTenant, "Corpus Admin", "admin@example.com", "tenant_admin", true)
	corpusAddPeople(tb, db, corpusTenant, people, func(team string) int64 { return teams[team] })
	for id, name := range corpusOtherNames {
		exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, corpusOther, 100, name, "other@example.com", "agent", true)
	}
	return people
}

// initDirectory creates the schema in the fresh database at dsn and returns
// it with a function that runs one statement (written with ?) on it.
func initDirectory(tb testing.TB, dsn string) (*engine.DB, func(q string, args ...any)) {
	tb.Helper()
	db := hostileOpen(tb, dsn)
	if err := db.Init(context.Background()); err != nil {
		tb.Fatalf("init: %v", err)
	}
	x := db.SQL()
	return db, func(q string, args ...any) {
		tb.Helper()
		if _, err := x.Exec(x.Rebind(q), args...); err != nil {
			tb.Fatalf("%s %v: %v", q, args, err)
		}
	}
}

// corpusWant is a corpus file's .want.json (see csvio/testdata/corpus).
type corpusWant struct {
	Error  handover.Code `json:"error"`
	Format *struct {
		Encoding handover.Encoding `json:"encoding"`
	} `json:"format"`
	Pairs []struct {
		Line int    `json:"line"`
		From string `json:"from"`
		To   string `json:"to"`
		Name string `json:"name"`
	} `json:"pairs"`
	Validation string `json:"validation"`
}

// corpusFile is one corpus file with what it must give.
type corpusFile struct {
	name string // base name
	path string
	want corpusWant
}

func corpusFiles(tb testing.TB) []corpusFile {
	tb.Helper()
	wants, err := filepath.Glob(filepath.Join(corpusDir, "*.want.json"))
	if err != nil || len(wants) < 10 {
		tb.Fatalf("corpus in %s: %d files, %v", corpusDir, len(wants), err)
	}
	var out []corpusFile
	for _, w := range wants {
		b, err := os.ReadFile(w)
		if err != nil {
			tb.Fatal(err)
		}
		f := corpusFile{path: strings.TrimSuffix(w, ".want.json")}
		f.name = filepath.Base(f.path)
		if err := json.Unmarshal(b, &f.want); err != nil {
			tb.Fatalf("%s: %v", w, err)
		}
		out = append(out, f)
	}
	return out
}

// corpusIssues are the issues validation must report on corpus rows, by
// file and spreadsheet row; every other pair row must be ok, without any
// issue. Where the .want.json's validation note names codes and rows,
// TestCorpusValidates checks that this table agrees with it.
var corpusIssues = map[string]map[int][]handover.Code{
	// 1.23456789012346E+017 has lost the long IDs' last digits: both cells.
	"lo-scientific.csv": {18: {handover.BadID, handover.BadID}},
	// The Name column was sorted on its own: no pair row's name still
	// matches its ID.
	"lo-sorted-name.csv": {
		2: {handover.NameMismatch}, 4: {handover.NameMismatch}, 6: {handover.NameMismatch},
		9: {handover.NameMismatch}, 13: {handover.NameMismatch}, 15: {handover.NameMismatch},
		18: {handover.NameMismatch}, 20: {handover.NameMismatch}, 23: {handover.NameMismatch},
	},
}

// corpusRow is what the tests compare of a validated row.
type corpusRow struct {
	Row              int
	From, To         *int64
	FromName, ToName string
	Status           handover.Status
	Codes            []handover.Code
}

var corpusDecimalID = regexp.MustCompile(`^([0-9]+)(?:\.0+)?$`)

// corpusID is the ID a cell of the corpus stands for: digits, or digits
// with a trailing ".0" as a spreadsheet formats them; nil for anything else.
func corpusID(cell string) *int64 {
	m := corpusDecimalID.FindStringSubmatch(cell)
	if m == nil {
		return nil
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return nil
	}
	return &id
}

// corpusExpected is what validating f must give, row by row.
func corpusExpected(f corpusFile, people []corpusPerson) []corpusRow {
	names := map[int64]string{}
	for _, p := range people {
		names[p.ID] = p.Name
	}
	name := func(id *int64) string {
		if id == nil {
			return ""
		}
		return names[*id]
	}
	out := []corpusRow{}
	for _, p := range f.want.Pairs {
		r := corpusRow{Row: p.Line, From: corpusID(p.From), To: corpusID(p.To), Status: handover.StatusOK, Codes: []handover.Code{}}
		r.FromName, r.ToName = name(r.From), name(r.To)
		if codes := corpusIssues[f.name][p.Line]; len(codes) > 0 {
			r.Codes = codes
			r.Status = handover.StatusOf(issuesOf(codes))
		}
		out = append(out, r)
	}
	return out
}

func issuesOf(codes []handover.Code) []handover.Issue {
	out := make([]handover.Issue, len(codes))
	for i, c := range codes {
		out[i] = handover.Issue{Code: c}
	}
	return out
}

func corpusRows(plan *handover.Plan) []corpusRow {
	out := []corpusRow{}
	for _, r := range plan.Rows {
		cr := corpusRow{Row: r.Row, From: r.From, To: r.To, FromName: r.FromName, ToName: r.ToName, Status: r.Status, Codes: []handover.Code{}}
		for _, is := range r.Issues {
			cr.Codes = append(cr.Codes, is.Code)
		}
		out = append(out, cr)
	}
	return out
}

var corpusNoteRows = regexp.MustCompile(`name_mismatch on rows? ([0-9, ]+)`)

// TestCorpusNotesAgree checks corpusIssues against the validation notes the
// corpus generator wrote into the .want.json files, so that the two cannot
// drift apart.
func TestCorpusNotesAgree(t *testing.T) {
	for _, f := range corpusFiles(t) {
		note, issues := f.want.Validation, corpusIssues[f.name]
		var mismatch []int
		hasBadID := false
		for row, codes := range issues {
			if slices.Contains(codes, handover.NameMismatch) {
				mismatch = append(mismatch, row)
			}
			hasBadID = hasBadID || slices.Contains(codes, handover.BadID)
		}
		slices.Sort(mismatch)
		if m := corpusNoteRows.FindStringSubmatch(note); m != nil {
			var rows []int
			for _, s := range strings.Split(m[1], ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil {
					t.Fatalf("%s: note %q: %v", f.name, note, err)
				}
				rows = append(rows, n)
			}
			if diff := cmp.Diff(rows, mismatch); diff != "" {
				t.Errorf("%s: name_mismatch rows of the note %q and of corpusIssues differ (-note +table):\n%s", f.name, note, diff)
			}
		} else if len(mismatch) > 0 {
			t.Errorf("%s: corpusIssues expects name_mismatch on rows %v, but the .want.json's note %q does not say so", f.name, mismatch, note)
		}
		if strings.Contains(note, "bad_id") != hasBadID {
			t.Errorf("%s: the note %q and corpusIssues disagree about bad_id", f.name, note)
		}
	}
}

// TestCorpusValidates reads every corpus file and validates it against the
// directory it was made from, both directly (csvio.Read, then validate with
// the engine as directory) and through `preview --format json`: the pairs,
// names, statuses and issue codes must be exactly those expected.
func TestCorpusValidates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn := freshDSN(t, backend)
		people := corpusDirectory(t, dsn)
		db := hostileOpen(t, dsn)
		op, err := db.Operator(context.Background(), corpusOperator)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range corpusFiles(t) {
			t.Run(f.name, func(t *testing.T) {
				corpusDirect(t, db, op, f, people)
				corpusPreview(t, dsn, f, people)
			})
		}
	})
}

// corpusDirect reads f with csvio.Read and validates it with the engine as
// the directory.
func corpusDirect(t *testing.T, db *engine.DB, op handover.User, f corpusFile, people []corpusPerson) {
	file, err := os.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	up, err := csvio.Read(file, f.name, csvio.Options{})
	if f.want.Error != "" {
		if got := handover.ErrorCode(err); got != f.want.Error {
			t.Fatalf("Read: want error %s, got %v", f.want.Error, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	plan, err := (&validate.Validator{Dir: db}).Validate(context.Background(), op, up)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if diff := cmp.Diff(corpusExpected(f, people), corpusRows(plan)); diff != "" {
		t.Errorf("validation (-want +got):\n%s", diff)
	}
	// A file whose bytes leave the code page open is settled by the names.
	if w := f.want.Format; w != nil && plan.Upload.Format.Encoding != w.Encoding {
		t.Errorf("validated as %s, want %s", plan.Upload.Format.Encoding, w.Encoding)
	}
	if diff := cmp.Diff(corpusExpectedTypes(f), corpusTypes(plan)); diff != "" {
		t.Errorf("data types by row (-want +got):\n%s", diff)
	}
	for _, r := range plan.Rows {
		for _, is := range r.Issues {
			// The Windows-1252 and -1250 files and the mis-decoded one
			// must read the names right: a name_mismatch here would be
			// the encoding's fault, not the sheet's.
			if is.Code == handover.NameMismatch && corpusIssues[f.name] == nil {
				t.Errorf("row %d: %s", r.Row, is)
			}
		}
	}
}

// corpusTypeRows are the data types the admin chose on corpus rows (the
// corpus generator's Data Types cells), by spreadsheet row: every dialect
// must read them the same. Row 24 is the split row of 1014 (row 15).
var corpusTypeRows = map[int]handover.TypeSet{
	2:  handover.TypesOf("contacts", "evaluations"),
	4:  handover.TypesOf("schedules", "work_shifts"),
	6:  handover.TypesOf("productivity").Complement(),
	15: handover.TypesOf("contacts", "evaluations"),
	24: handover.TypesOf("schedules", "work_shifts", "productivity"),
}

// corpusExpectedTypes is the data types of f's pair rows, by row: those
// the admin chose, every type for the others.
func corpusExpectedTypes(f corpusFile) map[int]string {
	out := map[int]string{}
	for _, p := range f.want.Pairs {
		out[p.Line] = corpusTypeRows[p.Line].Names()
	}
	return out
}

// corpusTypes is the data types of a plan's rows, by row.
func corpusTypes(plan *handover.Plan) map[int]string {
	out := map[int]string{}
	for _, r := range plan.Rows {
		out[r.Row] = r.Types.Names()
	}
	return out
}

// corpusDoc is `preview --format json` as the corpus test reads it.
type corpusDoc struct {
	Pairs      int `json:"pairs"`
	FileErrors []struct {
		Code handover.Code `json:"code"`
	} `json:"file_errors"`
	Rows []struct {
		Row      int             `json:"row"`
		From     *int64          `json:"from"`
		FromName string          `json:"from_name"`
		To       *int64          `json:"to"`
		ToName   string          `json:"to_name"`
		Status   handover.Status `json:"status"`
		Issues   []struct {
			Code handover.Code `json:"code"`
		} `json:"issues"`
	} `json:"rows"`
}

// corpusPreview previews f through the command: exit 0 when every pair is
// fine, 2 when the file is rejected, has row errors or has no pairs.
func corpusPreview(t *testing.T, dsn string, f corpusFile, people []corpusPerson) {
	want := corpusExpected(f, people)
	code := handover.ExitOK
	if f.want.Error != "" || len(want) == 0 || slices.ContainsFunc(want, func(r corpusRow) bool { return r.Status == handover.StatusError }) {
		code = handover.ExitRejected
	}
	r := hostileMust(t, code, nil, "preview", f.path, "--format", "json", "--db", dsn, "--as", strconv.FormatInt(corpusOperator, 10))
	var doc corpusDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("preview JSON: %v\n%s", err, r)
	}
	if f.want.Error != "" {
		if len(doc.FileErrors) != 1 || doc.FileErrors[0].Code != f.want.Error || doc.Pairs != 0 {
			t.Errorf("want the one file error %s, got:\n%s", f.want.Error, r)
		}
		return
	}
	got := []corpusRow{}
	for _, row := range doc.Rows {
		cr := corpusRow{Row: row.Row, From: row.From, To: row.To, FromName: row.FromName, ToName: row.ToName, Status: row.Status, Codes: []handover.Code{}}
		for _, is := range row.Issues {
			cr.Codes = append(cr.Codes, is.Code)
		}
		got = append(got, cr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("preview --format json (-want +got):\n%s", diff)
	}
	if len(want) == 0 && !strings.Contains(r.stderr, "no pairs") {
		t.Errorf("a file without pairs must say so:\n%s", r)
	}
}
