package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
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

// hostileCLI runs the command in-process as main does (cliContext), with
// output clipped in failure messages. The timeout is generous: it only
// keeps a hung command from hanging the test run.
func hostileCLI(t testing.TB, stdin io.Reader, args ...string) hostileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := cliContext(ctx, stdin, args...)
	return hostileResult{args: args, code: r.code, stdout: r.stdout, stderr: r.stderr}
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
