package csvio

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"handover"
)

// pair is what a test expects of a pair row.
type pair struct {
	Line           int
	From, To, Name string
}

func pairsOf(up *handover.Upload) []pair {
	out := []pair{}
	for _, r := range up.Rows {
		out = append(out, pair{r.Line, r.From, r.To, r.Name})
	}
	return out
}

func mustRead(t *testing.T, data []byte, opts Options) *handover.Upload {
	t.Helper()
	up, err := Read(bytes.NewReader(data), "test.csv", opts)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return up
}

// wantError checks that err is a *handover.Error with code, and that its
// message mentions each of the given fragments.
func wantError(t *testing.T, err error, code handover.Code, fragments ...string) {
	t.Helper()
	var he *handover.Error
	if !errors.As(err, &he) {
		t.Fatalf("got error %v (%T), want *handover.Error %s", err, err, code)
	}
	if he.Code != code {
		t.Fatalf("got code %s (%s), want %s", he.Code, he.Message, code)
	}
	for _, f := range fragments {
		if !strings.Contains(he.Message, f) {
			t.Errorf("message %q does not mention %q", he.Message, f)
		}
	}
}

// sample is a small edited people CSV, as UTF-8 text with LF line ends.
const sample = "From User ID,To User ID,Name,Email,Role,Status,Team\n" +
	"19,11,Zoë O'Brien,zoe@example.com,agent,Active,Support\n" +
	"20,,Ann Lee,ann@example.com,agent,Active,Support\n" +
	"21,12,\"Smith, Jo\",jo@example.com,agent,Inactive,Sales\n"

var samplePairs = []pair{{2, "19", "11", "Zoë O'Brien"}, {4, "21", "12", "Smith, Jo"}}

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadFormats(t *testing.T) {
	semi := strings.NewReplacer(",", ";").Replace(strings.Replace(sample, `"Smith, Jo"`, `"Smith; Jo"`, 1))
	tab := strings.NewReplacer(",", "\t").Replace(strings.Replace(sample, `"Smith, Jo"`, "\"Smith\t Jo\"", 1))
	crlf := strings.ReplaceAll(sample, "\n", "\r\n")
	tests := []struct {
		name  string
		data  []byte
		want  handover.Format
		names []string // names when they differ from samplePairs
	}{
		{"utf-8", []byte(sample), handover.Format{Delimiter: ',', Encoding: handover.UTF8}, nil},
		{"utf-8 BOM", []byte("\uFEFF" + sample), handover.Format{Delimiter: ',', Encoding: handover.UTF8BOM}, nil},
		{"utf-16le BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), tab), handover.Format{Delimiter: '\t', Encoding: handover.UTF16LE}, []string{"Zoë O'Brien", "Smith\t Jo"}},
		{"utf-16be BOM", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), crlf), handover.Format{Delimiter: ',', Encoding: handover.UTF16BE, CRLF: true}, nil},
		{"windows-1252", encode(t, charmap.Windows1252, crlf), handover.Format{Delimiter: ',', Encoding: handover.Windows1252, CRLF: true}, nil},
		{"semicolon", []byte(semi), handover.Format{Delimiter: ';', Encoding: handover.UTF8}, []string{"Zoë O'Brien", "Smith; Jo"}},
		{"tab", []byte(tab), handover.Format{Delimiter: '\t', Encoding: handover.UTF8}, []string{"Zoë O'Brien", "Smith\t Jo"}},
		{"crlf", []byte(crlf), handover.Format{Delimiter: ',', Encoding: handover.UTF8, CRLF: true}, nil},
		{"cr only", []byte(strings.ReplaceAll(sample, "\n", "\r")), handover.Format{Delimiter: ',', Encoding: handover.UTF8}, nil},
		{"ascii", []byte(strings.ReplaceAll(sample, "ë", "e")), handover.Format{Delimiter: ',', Encoding: handover.UTF8}, []string{"Zoe O'Brien", "Smith, Jo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := mustRead(t, tt.data, Options{})
			if diff := cmp.Diff(tt.want, up.Format); diff != "" {
				t.Errorf("format (-want +got):\n%s", diff)
			}
			want := append([]pair(nil), samplePairs...)
			for i, n := range tt.names {
				want[i].Name = n
			}
			if diff := cmp.Diff(want, pairsOf(up)); diff != "" {
				t.Errorf("pairs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(strings.Split("From User ID,To User ID,Name,Email,Role,Status,Team", ","), up.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		header         string
		from, to, name int
		code           handover.Code // "" when the header is fine
		fragments      []string
	}{
		{header: "From User ID,To User ID,Name", from: 0, to: 1, name: 2},
		{header: "from user id,to user id,name", from: 0, to: 1, name: 2},
		{header: "FromUserID,ToUserID", from: 0, to: 1, name: -1},
		{header: " From User ID , To_User_ID ,NAME", from: 0, to: 1, name: 2},
		{header: "Email,Name,To User ID,From User ID", from: 3, to: 2, name: 1},
		{header: "ï»¿From User ID,To User ID,Name", from: 0, to: 1, name: 2},
		{header: "\uFEFFFrom User ID,To User ID,Name", from: 0, to: 1, name: 2},
		{header: "\"From User ID\",\"To User ID\",\"Name\"", from: 0, to: 1, name: 2},
		{header: "From User ID;To User ID;Name, Email", from: 0, to: 1, name: -1},
		{header: "From User ID,Name,Email", code: handover.BadHeader, fragments: []string{`no "To User ID" column`, `"Name"`, `"Email"`}},
		{header: "Source,Target", code: handover.BadHeader, fragments: []string{`no "From User ID" or "To User ID" column`, `"Source"`, "expected"}},
		{header: "From User ID,To User ID,To User ID", code: handover.BadHeader, fragments: []string{"2 \"To User ID\" columns (B and C)", "ambiguous"}},
		{header: "From User ID,to userid,FROM USER ID", code: handover.BadHeader, fragments: []string{"(A and C)"}},
		{header: "From User ID,To User ID,Name,name", code: handover.BadHeader, fragments: []string{`"Name" columns`}},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			up, err := Read(strings.NewReader(tt.header+"\n"), "h.csv", Options{})
			if tt.code != "" {
				wantError(t, err, tt.code, tt.fragments...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []int{up.FromCol, up.ToCol, up.NameCol}
			if diff := cmp.Diff([]int{tt.from, tt.to, tt.name}, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if len(up.Rows) != 0 {
				t.Errorf("header only: got %d rows", len(up.Rows))
			}
			if strings.HasPrefix(up.Header[0], "\uFEFF") || strings.HasPrefix(up.Header[0], "ï»¿") {
				t.Errorf("header keeps its BOM: %q", up.Header[0])
			}
		})
	}
}

func TestReadRows(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []pair
	}{
		{"blank lines count as rows", "From User ID,To User ID,Name\n\n19,11,A\n\r\n\n20,12,B\n", []pair{{3, "19", "11", "A"}, {6, "20", "12", "B"}}},
		{"embedded newline is one row", "From User ID,To User ID,Name\n19,11,\"A\nB\r\nC\"\n20,12,D\n", []pair{{2, "19", "11", "A\nB\nC"}, {3, "20", "12", "D"}}},
		{"to empty is not a pair", "From User ID,To User ID,Name\n19,,A\n20, ,B\n,,\n21,12,C\n", []pair{{5, "21", "12", "C"}}},
		{"to without from is kept", "From User ID,To User ID,Name\n,11,A\n", []pair{{2, "", "11", "A"}}},
		{"cells are trimmed", "From User ID,To User ID,Name\n 19 ,\u00a011\t, A \n", []pair{{2, "19", "11", " A "}}},
		{"ids pass as text", "From User ID,To User ID,Name\n19.0,1.23457E+17,A\n-5,99999999999999999999,B\n", []pair{{2, "19.0", "1.23457E+17", "A"}, {3, "-5", "99999999999999999999", "B"}}},
		{"neutralised names", "From User ID,To User ID,Name\n19,11,'=SUM(A1)\n20,12,'+1\n21,13,'O'Brien\n22,14,''-x\n", []pair{{2, "19", "11", "=SUM(A1)"}, {3, "20", "12", "+1"}, {4, "21", "13", "'O'Brien"}, {5, "22", "14", "'-x"}}},
		{"ragged and trailing columns", "From User ID,To User ID,Name,,,\n19,11\n20,12,B,,,,,,x\n", []pair{{2, "19", "11", ""}, {3, "20", "12", "B"}}},
		{"short row without to", "From User ID,Name,To User ID\n19,A\n", []pair{}},
		{"bare quote in unquoted cell", "From User ID,To User ID,Name\n19,11,Jo \"JJ\" Smith\n", []pair{{2, "19", "11", "Jo \"JJ\" Smith"}}},
		{"no final newline", "From User ID,To User ID,Name\n19,11,A", []pair{{2, "19", "11", "A"}}},
		{"quoted cell then CR at the end", "From User ID,To User ID,Name\r\n19,11,\"A\"\r", []pair{{2, "19", "11", "A"}}},
		{"blank lines before header", "\n\nFrom User ID,To User ID,Name\n19,11,A\n", []pair{{4, "19", "11", "A"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := mustRead(t, []byte(tt.csv), Options{})
			if diff := cmp.Diff(tt.want, pairsOf(up)); diff != "" {
				t.Errorf("pairs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRecord(t *testing.T) {
	up := mustRead(t, []byte("From User ID,To User ID,Name,Team\n19,11,'=x,\"a,b\",,\n"), Options{})
	want := []string{"19", "11", "'=x", "a,b", "", ""}
	if diff := cmp.Diff(want, up.Rows[0].Record); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
}

func TestReadMisdecoded(t *testing.T) {
	// UTF-8 with BOM opened as Windows-1252 and saved again as UTF-8.
	orig := "\uFEFFFrom User ID,To User ID,Name\n19,11,Zoë Ørsted\n"
	mangled, err := charmap.Windows1252.NewDecoder().String(orig)
	if err != nil {
		t.Fatal(err)
	}
	up := mustRead(t, []byte(mangled), Options{})
	if diff := cmp.Diff([]pair{{2, "19", "11", "Zoë Ørsted"}}, pairsOf(up)); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	if up.Header[0] != "From User ID" {
		t.Errorf("header[0] = %q", up.Header[0])
	}
}

func TestReadLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("From User ID,To User ID\n")
	for i := 0; i < 4; i++ {
		b.WriteString("1,2\n3,\n")
	}
	if up := mustRead(t, []byte(b.String()), Options{MaxPairs: 4}); len(up.Rows) != 4 {
		t.Errorf("got %d pairs, want 4", len(up.Rows))
	}
	_, err := Read(strings.NewReader(b.String()), "x", Options{MaxPairs: 3})
	wantError(t, err, handover.LimitExceeded, "more than 3 pairs", "row 8", "setting")
}

func TestReadSHA256(t *testing.T) {
	data := []byte("\uFEFF" + sample)
	up := mustRead(t, data, Options{})
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); up.SHA256 != want {
		t.Errorf("SHA256 = %s, want %s (of the raw bytes, BOM included)", up.SHA256, want)
	}
}

// fillTo sets the To User ID cell of the given rows (spreadsheet numbers) in
// a CSV, as an admin editing the export would.
func fillTo(t *testing.T, data []byte, to map[int]string) []byte {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for line, id := range to {
		rows[line-1][1] = id
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestRepairMisdecoded(t *testing.T) {
	tests := map[string]string{
		"ZoÃ« Ã˜rsted":         "Zoë Ørsted",
		"â€œCurlyâ€\uF19D â‚¬": "“Curly” €", // LibreOffice maps the undefined 0x9D to U+F19D
		"â€œCurlyâ€\u009D":     "“Curly”",   // other decoders to the C1 control
		"Ã":                    "Ã",         // not UTF-8 once encoded: unchanged
		"Zoë":                  "Zoë",       // ë is 0xEB, not UTF-8 on its own: unchanged
		"李":                    "李",         // not Windows-1252: unchanged
		"plain":                "plain",
	}
	for in, want := range tests {
		if got := repairMisdecoded(in); got != want {
			t.Errorf("repairMisdecoded(%q) = %q, want %q", in, got, want)
		}
	}
}
