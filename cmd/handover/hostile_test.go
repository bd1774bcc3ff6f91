package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/engine"
	"handover/sample"
)

// This file drives the command with hostile uploads (TestHostileUploads) and
// checks what it must never do whatever it is given: show another tenant's
// names (TestOtherTenantStaysHidden), write personal data readable by others
// (TestWrittenFilesOwnerOnly), make a preview page that loads anything from
// elsewhere (TestPreviewHTMLSelfContained), or build SQL from what the
// database holds (TestTamperedJournalRefused). The helpers are prefixed
// "hostile" so that they do not clash with the other test files of the
// package; corpus_test.go and fuzz_test.go use them too.

// hostileOpen opens dsn for the test and closes it when the test ends.
func hostileOpen(t testing.TB, dsn string) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// hostileSeed builds the deterministic sample tenant (and the second
// tenant) in a fresh database on backend.
func hostileSeed(t testing.TB, backend string) (string, sample.Info) {
	t.Helper()
	dsn := freshDSN(t, backend)
	db := hostileOpen(t, dsn)
	info, err := sample.Build(context.Background(), db, sample.Options{Users: 60, Seed: 5, RowsPerUser: 4})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return dsn, info
}

// hostileResult is what one in-process invocation of the command did.
type hostileResult struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r hostileResult) String() string {
	return fmt.Sprintf("handover %s\nexit %d\n--- stdout\n%s\n--- stderr\n%s", strings.Join(r.args, " "), r.code, hostileClip(r.stdout), hostileClip(r.stderr))
}

// hostileClip shortens output for failure messages.
func hostileClip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// hostileCLI runs the command in-process as main does: the error's message
// goes to stderr and decides the exit code. The timeout is generous: it only
// keeps a hung command from hanging the test run.
func hostileCLI(t testing.TB, stdin io.Reader, args ...string) hostileResult {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := Run(ctx, args, stdin, &stdout, &stderr)
	code := exitCode(err, &stderr)
	return hostileResult{args: args, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// hostileMust runs the command and fails the test unless it exits with want.
func hostileMust(t testing.TB, want int, stdin io.Reader, args ...string) hostileResult {
	t.Helper()
	r := hostileCLI(t, stdin, args...)
	if r.code != want {
		t.Fatalf("want exit %d, got:\n%s", want, r)
	}
	return r
}

// hostileDump renders every table of the database (directory, data, ledger,
// journal, archive, guard and schema tables alike) as its rows in text,
// sorted, plus PostgreSQL's sequences: two dumps are equal exactly when
// nothing was written.
func hostileDump(t testing.TB, dsn string) map[string][]string {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	defer db.Close()
	x := db.SQL()
	pg := db.Dialect() == "postgres"
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if pg {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
	}
	var tables []string
	if err := x.Select(&tables, q); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(tables) < 20 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	out := make(map[string][]string, len(tables)+1)
	for _, table := range tables {
		expr := "t::text"
		if !pg {
			var cols []string
			if err := x.Select(&cols, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table); err != nil {
				t.Fatalf("columns of %s: %v", table, err)
			}
			expr = "quote(" + strings.Join(cols, ") || ',' || quote(") + ")"
		}
		rows := []string{}
		if err := x.Select(&rows, `SELECT `+expr+` FROM "`+table+`" t`); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		sort.Strings(rows)
		out[table] = rows
	}
	if pg {
		var seqs []string
		if err := x.Select(&seqs, `SELECT sequencename || '=' || COALESCE(last_value::text, 'unused') FROM pg_sequences ORDER BY 1`); err != nil {
			t.Fatalf("dump sequences: %v", err)
		}
		out["(sequences)"] = seqs
	}
	return out
}

// hostileStream is an upload made up while it is read, so that a test can
// pipe a file of any size through stdin without holding or writing it:
// head, then rows of row until size bytes, then tail.
type hostileStream struct {
	head, row, tail []byte
	size            int64
	produced        int64
	stage           int
	cur             []byte
}

func (s *hostileStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.cur) == 0 {
			switch {
			case s.stage == 0:
				s.cur, s.stage = s.head, 1
			case s.stage == 1 && s.produced < s.size:
				s.cur = s.row
				s.produced += int64(len(s.row))
			case s.stage <= 1:
				s.cur, s.stage = s.tail, 2
			default:
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
		}
		c := copy(p[n:], s.cur)
		s.cur, n = s.cur[c:], n+c
	}
	return n, nil
}

// hostileZip returns a ZIP archive holding the named files.
func hostileZip(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, f := range files {
		w, err := z.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hostileXLSX is a minimal real Excel workbook holding the people header and
// one pair, as an admin who picked "Excel Workbook" instead of CSV uploads.
func hostileXLSX(t testing.TB, from, to int64) []byte {
	const ct = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	const wb = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>`
	const wbRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheet := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>From User ID</t></is></c><c r="B1" t="inlineStr"><is><t>To User ID</t></is></c></row><row r="2"><c r="A2"><v>%d</v></c><c r="B2"><v>%d</v></c></row></sheetData></worksheet>`, from, to)
	return hostileZip(t, [2]string{"[Content_Types].xml", ct}, [2]string{"_rels/.rels", rels},
		[2]string{"xl/workbook.xml", wb}, [2]string{"xl/_rels/workbook.xml.rels", wbRels},
		[2]string{"xl/worksheets/sheet1.xml", sheet})
}

// hostileCase is one hostile upload: what is piped to the command, and the
// words its message must hold.
type hostileCase struct {
	name  string
	big   bool // skipped under -short
	input func(t *testing.T, info sample.Info) io.Reader
	words []string
}

const hostileHeader = "From User ID,To User ID,Name,Email,Role,Status,Team\n"

func hostileCases() []hostileCase {
	text := func(s string) func(*testing.T, sample.Info) io.Reader {
		return func(*testing.T, sample.Info) io.Reader { return strings.NewReader(s) }
	}
	corpus := func(name string) func(*testing.T, sample.Info) io.Reader {
		return func(t *testing.T, _ sample.Info) io.Reader {
			b, err := os.ReadFile(filepath.Join(corpusDir, name))
			if err != nil {
				t.Fatal(err)
			}
			return bytes.NewReader(b)
		}
	}
	return []hostileCase{
		{name: "1 GB file", big: true, words: []string{"unknown_user", "is not a user in your tenant"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				// 1 KB rows that are not pairs (To is empty), then one pair
				// naming another tenant's user: all of it must be read, in
				// bounded memory, to find the one pair.
				row := fmt.Sprintf("%d,,Jo Smith,jo@example.com,agent,Active,%s\n", in.ActiveAgents[0], strings.Repeat("Team ", 190))
				last := fmt.Sprintf("%d,%d,,,,,\n", in.ActiveAgents[1], in.OtherTenantUsers[0])
				return &hostileStream{head: []byte(hostileHeader), row: []byte(row), size: 1 << 30, tail: []byte(last)}
			}},
		{name: "10 MB single line", words: []string{"row 2", "longer than 1 MiB"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				return strings.NewReader(hostileHeader + fmt.Sprintf("%d,%d,", in.ActiveAgents[0], in.ActiveAgents[1]) + strings.Repeat("x", 10<<20) + "\n")
			}},
		{name: "10 MB without a line end", words: []string{"header", "more than 200 columns"},
			input: text(strings.Repeat("ab,", 10<<20/3))},
		{name: "NUL bytes", words: []string{"NUL bytes", "not CSV"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				return strings.NewReader(hostileHeader + fmt.Sprintf("%d,%d,Jo\x00hn\n", in.ActiveAgents[0], in.ActiveAgents[1]))
			}},
		{name: "NUL bytes after many rows", words: []string{"row 3002 contains NUL bytes"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				row := fmt.Sprintf("%d,,Jo Smith,jo@example.com,agent,Active,Support\n", in.ActiveAgents[0])
				return strings.NewReader(hostileHeader + strings.Repeat(row, 3000) + fmt.Sprintf("%d,%d,Jo\x00hn\n", in.ActiveAgents[1], in.ActiveAgents[2]))
			}},
		{name: "binary data", words: []string{"binary data", "not CSV"},
			input: func(*testing.T, sample.Info) io.Reader {
				r := mrand.New(mrand.NewPCG(5, 5))
				b := make([]byte, 1<<20)
				for i := range b {
					b[i] = byte(r.Uint32())
				}
				return bytes.NewReader(b)
			}},
		{name: "header only", words: []string{"no pairs", "To User ID"}, input: text(hostileHeader)},
		{name: "100,000 columns", words: []string{"header", "more than 200 columns"},
			input: text("From User ID,To User ID" + strings.Repeat(",c", 100000-2) + "\n1,2\n")},
		{name: "100,000 cells in a row", words: []string{"row 2", "more than 200 cells"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				return strings.NewReader(hostileHeader + fmt.Sprintf("%d,%d", in.ActiveAgents[0], in.ActiveAgents[1]) + strings.Repeat(",", 100000) + "\n")
			}},
		{name: "duplicate header columns", words: []string{`2 "To User ID" columns (B and D)`, "delete all but one"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				return strings.NewReader(fmt.Sprintf("From User ID,To User ID,Name,To User ID\n%d,%d,,%d\n", in.ActiveAgents[0], in.ActiveAgents[1], in.ActiveAgents[2]))
			}},
		{name: "IDs overflowing 64 bits", words: []string{"bad_id", "99999999999999999999", "too large"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				return strings.NewReader(hostileHeader + fmt.Sprintf("99999999999999999999,%d,,,,,\n%d,18446744073709551617,,,,,\n", in.ActiveAgents[0], in.ActiveAgents[1]))
			}},
		{name: "negative IDs", words: []string{"bad_id", `"-5"`, "negative"},
			input: func(_ *testing.T, in sample.Info) io.Reader {
				return strings.NewReader(hostileHeader + fmt.Sprintf("-5,%d,,,,,\n%d,-%d,,,,,\n", in.ActiveAgents[0], in.ActiveAgents[1], in.ActiveAgents[2]))
			}},
		{name: "xlsx", words: []string{"Excel .xlsx workbook", "not CSV", "CSV UTF-8"},
			input: func(t *testing.T, in sample.Info) io.Reader {
				return bytes.NewReader(hostileXLSX(t, in.ActiveAgents[0], in.ActiveAgents[1]))
			}},
		{name: "zip", words: []string{"ZIP archive", "not CSV"},
			input: func(t *testing.T, in sample.Info) io.Reader {
				return bytes.NewReader(hostileZip(t, [2]string{"people.csv", hostileHeader + fmt.Sprintf("%d,%d\n", in.ActiveAgents[0], in.ActiveAgents[1])}))
			}},
		{name: "xlsx saved by LibreOffice", words: []string{"Excel .xlsx workbook"}, input: corpus("lo-people.xlsx")},
		{name: "ods saved by LibreOffice", words: []string{"LibreOffice .ods spreadsheet"}, input: corpus("lo-people.ods")},
	}
}

// TestHostileUploads pipes each hostile upload through stdin to `preview`
// and to `run --yes`: each must exit 2 with a message naming the problem,
// and leave every table of the database as it was.
func TestHostileUploads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		before := hostileDump(t, dsn)
		as := strconv.FormatInt(info.TenantAdmin, 10)
		for _, tc := range hostileCases() {
			t.Run(tc.name, func(t *testing.T) {
				if tc.big && testing.Short() {
					t.Skip("pipes 1 GB twice; skipped under -short")
				}
				for _, args := range [][]string{{"preview", "-"}, {"run", "-", "--yes"}} {
					r := hostileCLI(t, tc.input(t, info), append(args, "--db", dsn, "--as", as)...)
					if r.code != handover.ExitRejected {
						t.Errorf("want exit 2, got:\n%s", r)
					}
					all := r.stdout + r.stderr
					for _, w := range tc.words {
						if !strings.Contains(all, w) {
							t.Errorf("the output does not say %q:\n%s", w, r)
						}
					}
					if diff := cmp.Diff(before, hostileDump(t, dsn)); diff != "" {
						t.Fatalf("%s changed the database (-before +after):\n%s", args[0], diff)
					}
				}
			})
		}
	})
}

// hostileSheet is a people CSV the command exported, as a spreadsheet
// holds it.
type hostileSheet struct {
	header []string
	rows   [][]string
}

// hostileExport exports the people of the operator's view to path and
// reads the file back.
func hostileExport(t *testing.T, dsn, as, path string) *hostileSheet {
	t.Helper()
	hostileMust(t, 0, nil, "export", "-o", path, "--db", dsn, "--as", as)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("read %s: %d records, %v", path, len(recs), err)
	}
	return &hostileSheet{header: recs[0], rows: recs[1:]}
}

// edit types successors into To User ID (keyed by From User ID), appends
// rows, and saves the sheet as UTF-8 with BOM.
func (s *hostileSheet) edit(t *testing.T, path string, to map[int64]int64, extra ...[]string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.Write(s.header)
	for _, r := range s.rows {
		r = slices.Clone(r)
		if id, err := strconv.ParseInt(r[0], 10, 64); err == nil && to[id] != 0 {
			r[1] = strconv.FormatInt(to[id], 10)
		}
		w.Write(r)
	}
	w.WriteAll(extra)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// hostileStrangers picks n users of the second tenant whose names are not
// part of any name in the operator's tenant, so that finding one of those
// names in the output can only be a leak.
func hostileStrangers(t *testing.T, dsn string, info sample.Info, n int) (ids []int64, names []string) {
	t.Helper()
	x := hostileOpen(t, dsn).SQL()
	var mine []string
	if err := x.Select(&mine, x.Rebind(`SELECT name FROM users WHERE tenant_id = ?`), info.Tenant); err != nil {
		t.Fatal(err)
	}
	for _, id := range info.OtherTenantUsers {
		var name string
		if err := x.Get(&name, x.Rebind(`SELECT name FROM users WHERE id = ?`), id); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(mine, func(m string) bool { return strings.Contains(m, name) }) || slices.Contains(names, name) {
			continue
		}
		ids, names = append(ids, id), append(names, name)
		if len(ids) == n {
			return ids, names
		}
	}
	t.Fatalf("fewer than %d users of the second tenant have names of their own", n)
	return nil, nil
}

// TestOtherTenantStaysHidden names users of another tenant in an upload and
// on the command line: they are unknown_user, and no output of any command
// — previews in every format, the errors CSV, the audit CSV, run summaries,
// JSON logs, job listings, show, verify, undo — holds their names.
func TestOtherTenantStaysHidden(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		strangers, names := hostileStrangers(t, dsn, info, 2)
		path := func(name string) string { return filepath.Join(dir, name) }
		db := func(args ...string) []string { return append(args, "--db", dsn, "--as", as, "--log-format", "json") }
		var outputs []hostileResult
		run := func(code int, args ...string) hostileResult {
			t.Helper()
			r := hostileMust(t, code, nil, db(args...)...)
			outputs = append(outputs, r)
			return r
		}

		sheet := hostileExport(t, dsn, as, path("people.csv"))
		// Row of a[0]: a successor from another tenant; an appended row:
		// a leaver from another tenant; row of a[1]: a valid pair.
		sheet.edit(t, path("edited.csv"), map[int64]int64{a[0]: strangers[0], a[1]: a[2]},
			[]string{strconv.FormatInt(strangers[1], 10), strconv.FormatInt(a[3], 10), "", "", "", "", ""})

		run(2, "preview", path("edited.csv"))
		doc := run(2, "preview", path("edited.csv"), "--format", "json")
		hostileCheckUnknown(t, doc.stdout, strangers)
		run(2, "preview", path("edited.csv"), "--format", "html", "-o", path("preview.html"))
		run(2, "preview", path("edited.csv"), "--errors", path("errors.csv"))
		run(2, "run", path("edited.csv"), "--yes")
		if r := run(1, "run", path("edited.csv"), "--yes", "--skip-invalid", "--audit", path("audit.csv")); !strings.Contains(r.stderr, `"event":"pair"`) {
			t.Errorf("the run logged no pair events to check:\n%s", r)
		}
		run(2, "run", "--from", strconv.FormatInt(a[4], 10), "--to", strconv.FormatInt(strangers[0], 10), "--yes")
		run(2, "run", "--from", strconv.FormatInt(strangers[1], 10), "--to", strconv.FormatInt(a[4], 10), "--yes", "--format", "json")
		job := hostileNewestJob(t, run(0, "jobs", "--format", "json").stdout)
		run(0, "jobs")
		run(0, "show", job)
		run(0, "show", job, "--format", "json")
		run(0, "verify", job)
		run(0, "undo", job, "--yes", "--audit", path("undo.csv"))
		undo := hostileNewestJob(t, run(0, "jobs", "--format", "json").stdout)
		run(0, "show", undo, "--format", "json")
		for _, f := range []string{"preview.html", "errors.csv", "audit.csv"} {
			body, err := os.ReadFile(path(f))
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, hostileResult{args: []string{"(file " + f + ")"}, stdout: string(body)})
		}
		for _, r := range outputs {
			for _, name := range names {
				if strings.Contains(r.stdout+r.stderr, name) {
					t.Errorf("the output shows %q, a user of another tenant:\n%s", name, r)
				}
			}
		}
	})
}

// hostileCheckUnknown checks that every row naming one of ids says
// unknown_user for it and shows no name for it.
func hostileCheckUnknown(t *testing.T, out string, ids []int64) {
	t.Helper()
	var doc struct {
		Rows []struct {
			Row      int    `json:"row"`
			From     *int64 `json:"from"`
			FromName string `json:"from_name"`
			To       *int64 `json:"to"`
			ToName   string `json:"to_name"`
			Issues   []struct {
				Code    handover.Code `json:"code"`
				Message string        `json:"message"`
			} `json:"issues"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("preview JSON: %v\n%s", err, out)
	}
	seen := 0
	for _, r := range doc.Rows {
		for _, side := range []struct {
			id   *int64
			name string
		}{{r.From, r.FromName}, {r.To, r.ToName}} {
			if side.id == nil || !slices.Contains(ids, *side.id) {
				continue
			}
			seen++
			if side.name != "" {
				t.Errorf("row %d: user %d of another tenant is shown as %q", r.Row, *side.id, side.name)
			}
			want := fmt.Sprintf("%d is not a user in your tenant", *side.id)
			if !slices.ContainsFunc(r.Issues, func(is struct {
				Code    handover.Code `json:"code"`
				Message string        `json:"message"`
			}) bool {
				return is.Code == handover.UnknownUser && strings.Contains(is.Message, want)
			}) {
				t.Errorf("row %d: user %d of another tenant is not unknown_user: %+v", r.Row, *side.id, r.Issues)
			}
		}
	}
	if seen != len(ids) {
		t.Errorf("found %d of the %d other tenant's users in the preview:\n%s", seen, len(ids), out)
	}
}

// hostileNewestJob returns the newest job's number from `jobs --format json`.
func hostileNewestJob(t *testing.T, out string) string {
	t.Helper()
	var jobs []struct {
		Job int64 `json:"job"`
	}
	if err := json.Unmarshal([]byte(out), &jobs); err != nil || len(jobs) == 0 {
		t.Fatalf("jobs JSON: %v\n%s", err, out)
	}
	return strconv.FormatInt(jobs[0].Job, 10)
}

// TestWrittenFilesOwnerOnly runs the built binary under umask 000 and checks
// that every file it writes with personal data — the export, previews in
// each format, the errors CSV, the audit CSV (replacing a world-readable
// one) — is readable by its owner only, and that no temporary file is left.
func TestWrittenFilesOwnerOnly(t *testing.T) {
	bin := jobBinary(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		path := func(name string) string { return filepath.Join(dir, name) }
		umask0 := func(want int, args ...string) {
			t.Helper()
			cmd := exec.Command("sh", append([]string{"-c", `umask 000 && exec "$0" "$@"`, bin}, append(args, "--db", dsn, "--as", as)...)...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != want {
				t.Fatalf("handover %s: want exit %d, got %d:\n%s", strings.Join(args, " "), want, code, out)
			}
		}
		umask0(0, "export", "-o", path("people.csv"))
		sheet := hostileExport(t, dsn, as, path("check.csv"))
		os.Remove(path("check.csv"))
		sheet.edit(t, path("edited.csv"), map[int64]int64{a[0]: a[1], a[2]: a[2]})
		// An old audit file (the run may replace only one of its own), world-writable.
		if err := os.WriteFile(path("audit.csv"), []byte("\uFEFFFrom User ID,To User ID,Error\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path("audit.csv"), 0o666) // whatever the test process's umask
		umask0(2, "preview", "edited.csv", "-o", path("preview.txt"), "--errors", path("errors.csv"))
		umask0(2, "preview", "edited.csv", "--format", "json", "-o", path("preview.json"))
		umask0(2, "preview", "edited.csv", "--format", "html", "-o", path("preview.html"))
		umask0(1, "run", "edited.csv", "--yes", "--skip-invalid", "--audit", path("audit.csv"))
		want := []string{"audit.csv", "edited.csv", "errors.csv", "people.csv", "preview.html", "preview.json", "preview.txt"}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != "edited.csv" && info.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v under umask 000, want -rw-------", e.Name(), info.Mode().Perm())
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("files in the folder (-want +got):\n%s", diff)
		}
		if body, _ := os.ReadFile(path("audit.csv")); !strings.Contains(string(body), "self_transfer") {
			t.Errorf("audit.csv was not replaced by the run's audit:\n%s", body)
		}
	})
}

// hostileExternal finds what would make a page load something from
// elsewhere (or leave it): URLs, src and href attributes, style imports.
var hostileExternal = regexp.MustCompile(`(?i)https?:|\bsrc\s*=|\bhref\s*=|<link\b|@import|url\(|<iframe|<object|<embed|\bftp:|//[a-z0-9.-]+\.[a-z]{2,}/`)

// TestPreviewHTMLSelfContained writes the HTML preview through the command
// and checks that it is one self-contained page — no URL, no src or href, no
// stylesheet or frame from elsewhere, a policy forbidding any — whose plan
// holds exactly the file's pairs.
func TestPreviewHTMLSelfContained(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		path := func(name string) string { return filepath.Join(dir, name) }
		sheet := hostileExport(t, dsn, as, path("people.csv"))
		for _, tc := range []struct {
			name                  string
			to                    map[int64]int64
			code                  int
			pairs, errors, movers int
		}{
			{"valid", map[int64]int64{a[7]: a[8], a[9]: a[10], a[11]: a[12], info.Formula: a[13]}, 0, 4, 0, 4},
			{"with errors", map[int64]int64{a[0]: a[1], a[2]: a[2], a[4]: info.OtherTenantUsers[0]}, 2, 3, 2, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				file, out := path(tc.name+".csv"), path(tc.name+".html")
				sheet.edit(t, file, tc.to)
				r := hostileMust(t, tc.code, nil, "preview", file, "--format", "html", "-o", out, "--db", dsn, "--as", as)
				if r.stdout != "" {
					t.Errorf("with -o, nothing goes to stdout:\n%s", r)
				}
				body, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				page := string(body)
				if !strings.HasPrefix(strings.ToLower(page), "<!doctype html>") {
					t.Errorf("the page does not start with <!DOCTYPE html>: %.80q", page)
				}
				if m := hostileExternal.FindAllString(page, 5); m != nil {
					t.Errorf("the page refers to something outside itself: %q", m)
				}
				if !strings.Contains(page, `content="default-src 'none'`) {
					t.Errorf("the page has no policy forbidding outside resources")
				}
				hostileCheckPagePlan(t, page, tc.pairs, tc.errors, tc.movers)
			})
		}
	})
}

// hostileCheckPagePlan decodes the plan a preview page embeds and checks
// its totals and rows.
func hostileCheckPagePlan(t *testing.T, page string, pairs, errs, movers int) {
	t.Helper()
	const open = `<script type="application/json" id="plan-data">`
	_, rest, ok := strings.Cut(page, open)
	island, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatalf("no plan in the page")
	}
	var data struct {
		Plan struct {
			Pairs  int `json:"pairs"`
			Errors int `json:"errors"`
			Rows   []struct {
				FromName string            `json:"from_name"`
				Moves    []json.RawMessage `json:"moves"`
			} `json:"rows"`
		} `json:"plan"`
		WouldRun string `json:"would_run"`
	}
	if err := json.Unmarshal([]byte(island), &data); err != nil {
		t.Fatalf("the page's plan: %v\n%.500s", err, island)
	}
	p := data.Plan
	if p.Pairs != pairs || len(p.Rows) != pairs || p.Errors != errs {
		t.Errorf("the page holds %d pairs (%d rows, %d errors), want %d pairs, %d errors", p.Pairs, len(p.Rows), p.Errors, pairs, errs)
	}
	n := 0
	for _, r := range p.Rows {
		if len(r.Moves) > 0 {
			n++
		}
	}
	if n != movers {
		t.Errorf("%d rows of the page have moves, want %d", n, movers)
	}
	if !strings.Contains(data.WouldRun, strconv.Itoa(pairs-errs)+" pair") {
		t.Errorf("the page's summary %q does not say %d pairs would run", data.WouldRun, pairs-errs)
	}
}

// TestTamperedJournalRefused changes the owner column a job's journal
// records into SQL: verify and undo must name the problem and change no
// data, because identifiers reach SQL from the catalog only, never from the
// database.
func TestTamperedJournalRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		db := func(args ...string) []string { return append(args, "--db", dsn, "--as", as) }
		hostileMust(t, 0, nil, db("run", "--from", strconv.FormatInt(a[0], 10), "--to", strconv.FormatInt(a[1], 10), "--yes")...)
		job := hostileNewestJob(t, hostileMust(t, 0, nil, db("jobs", "--format", "json")...).stdout)
		x := hostileOpen(t, dsn).SQL()
		var entry struct {
			Type   string `db:"data_type"`
			Column string `db:"owner_column"`
		}
		if err := x.Get(&entry, x.Rebind(`SELECT data_type, owner_column FROM handover_moves
WHERE job_id = ? AND owner_column NOT IN ('', 'active') AND moved > 0 ORDER BY data_type, owner_column LIMIT 1`), job); err != nil {
			t.Fatalf("journal of job %s: %v", job, err)
		}
		evil := entry.Column + " = " + entry.Column + " OR 1 = 1 OR " + entry.Column
		if _, err := x.Exec(x.Rebind(`UPDATE handover_moves SET owner_column = ? WHERE job_id = ? AND data_type = ? AND owner_column = ?`),
			evil, job, entry.Type, entry.Column); err != nil {
			t.Fatal(err)
		}
		data := func() map[string][]string {
			all := hostileDump(t, dsn)
			out := map[string][]string{"users": all["users"]}
			for _, dt := range handover.Catalog {
				out[dt.Table] = all[dt.Table]
			}
			return out
		}
		before := data()
		want := fmt.Sprintf("%s column %q, which is not an owner column", entry.Type, evil)
		for _, args := range [][]string{{"verify", job}, {"undo", job, "--yes", "--audit", filepath.Join(dir, "undo.csv")}} {
			r := hostileMust(t, handover.ExitPartial, nil, db(args...)...)
			if !strings.Contains(r.stdout+r.stderr, want) {
				t.Errorf("the output does not say %q:\n%s", want, r)
			}
			if diff := cmp.Diff(before, data()); diff != "" {
				t.Errorf("%s changed data (-before +after):\n%s", args[0], diff)
			}
		}
	})
}
