package csvio

import (
	"archive/zip"
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"handover"
)

func zipFile(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, n := range names {
		w, err := z.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if n == "mimetype" {
			io.WriteString(w, "application/vnd.oasis.opendocument.spreadsheet")
		} else {
			io.WriteString(w, "<xml/>")
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

func columnsLine(n int) string {
	var b strings.Builder
	b.WriteString("From User ID,To User ID")
	for i := 2; i < n; i++ {
		b.WriteString(",c")
	}
	return b.String() + "\n"
}

// TestReadHostile feeds Read files an attacker or an accident could upload.
// Each must end, in bounded memory, with a clear *handover.Error or, where
// the file is acceptable, a valid upload.
func TestReadHostile(t *testing.T) {
	const header = "From User ID,To User ID,Name\n"
	const gig = 1 << 30
	tests := []struct {
		name      string
		in        func(t *testing.T) io.Reader
		big       bool          // skipped under -short
		code      handover.Code // "" when the file is acceptable
		fragments []string
		pairs     int // pairs expected when acceptable
	}{
		{name: "1 GB of non-pair rows", big: true, pairs: 1, in: func(*testing.T) io.Reader {
			// Rows of 1 KB: per-row cost is BenchmarkReadExport's business.
			row := []byte("19,,Jo Smith,jo@example.com,agent,Active," + repeat("Team ", 200) + "\n")
			return &rowStream{head: []byte(exportHeader), row: func(int) []byte { return row }, size: gig, tail: []byte("1,2,Last\n")}
		}},
		{name: "no end of pair rows stops at the limit", code: handover.LimitExceeded, fragments: []string{"more than 2000 pairs", "row 4002"}, in: func(*testing.T) io.Reader {
			return &rowStream{head: []byte(exportHeader), row: func(i int) []byte { return peopleRow(i, i%2 == 0) }, size: -1}
		}},
		{name: "10 MB single line", code: handover.Unreadable, fragments: []string{"row 2 is longer than 1 MiB"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11," + repeat("x", 10<<20) + "\n")
		}},
		{name: "10 MB single line without newline", code: handover.BadHeader, fragments: []string{"more than 200 columns"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(repeat("ab,", 10<<20/3))
		}},
		{name: "quote never closed", code: handover.Unreadable, fragments: []string{"row 2 is longer than 1 MiB"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,\"Smith\n" + repeat("20,12,Jones\n", 1<<17))
		}},
		{name: "quote never closed at end", code: handover.Unreadable, fragments: []string{"row 2 has a quoted cell that is never closed"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,\"Smith\n20,12,Jones\n")
		}},
		{name: "stray quote in quoted cell", code: handover.Unreadable, fragments: []string{"row 3", `write a quote as ""`}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,A\n20,12,\"Jo \"JJ\" Smith\"\n")
		}},
		{name: "newlines in one quoted cell", code: handover.Unreadable, fragments: []string{"row 2 is longer than 1 MiB"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,\"" + repeat("\n", 10<<20) + "\"\n")
		}},
		{name: "10 MB of blank lines", pairs: 1, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + repeat("\r\n", 5<<20) + "19,11,A\n")
		}},
		{name: "NUL bytes", code: handover.Unreadable, fragments: []string{"NUL"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,A\x00B\n")
		}},
		{name: "NUL bytes after the sniffed start", code: handover.Unreadable, fragments: []string{"row 2002 contains NUL bytes"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + repeat("19,,Abcdefghijklmnopq\n", 2000) + "20,12,\x00\x00\n")
		}},
		{name: "control characters", code: handover.Unreadable, fragments: []string{"binary"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,A\x01\x02\n")
		}},
		{name: "binary data", code: handover.Unreadable, fragments: []string{"binary data"}, in: func(*testing.T) io.Reader {
			return newRandomBytes(10 << 20)
		}},
		{name: "empty", code: handover.Unreadable, fragments: []string{"empty"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("")
		}},
		{name: "BOM only", code: handover.Unreadable, fragments: []string{"no header row"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("\uFEFF")
		}},
		{name: "blank lines only", code: handover.Unreadable, fragments: []string{"no header row"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("\n\r\n\n")
		}},
		{name: "header only", pairs: 0, in: func(*testing.T) io.Reader {
			return strings.NewReader(exportHeader)
		}},
		{name: "100,000 columns in the header", code: handover.BadHeader, fragments: []string{"more than 200 columns"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(columnsLine(100000) + "19,11\n")
		}},
		{name: "100,000 columns in a row", code: handover.Unreadable, fragments: []string{"row 3 has more than 200 cells"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,A\n20,12" + repeat(",", 100000) + "\n")
		}},
		{name: "200 columns are fine", pairs: 1, in: func(*testing.T) io.Reader {
			return strings.NewReader(columnsLine(200) + "19,11" + repeat(",x", 198) + "\n")
		}},
		{name: "1000 columns", code: handover.BadHeader, fragments: []string{"more than 200 columns"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(columnsLine(1000) + "19,11" + repeat(",x", 998) + "\n")
		}},
		{name: "duplicate header columns", code: handover.BadHeader, fragments: []string{`2 "From User ID" columns (A and C)`}, in: func(*testing.T) io.Reader {
			return strings.NewReader("From User ID,To User ID,From User ID\n19,11,20\n")
		}},
		{name: "IDs overflowing 64 bits pass as text", pairs: 2, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "99999999999999999999999,11,A\n-19,-11,B\n")
		}},
		{name: "xlsx", code: handover.Unreadable, fragments: []string{"Excel .xlsx workbook", "CSV UTF-8"}, in: func(t *testing.T) io.Reader {
			return bytes.NewReader(zipFile(t, "[Content_Types].xml", "xl/workbook.xml"))
		}},
		{name: "ods", code: handover.Unreadable, fragments: []string{"LibreOffice .ods"}, in: func(t *testing.T) io.Reader {
			return bytes.NewReader(zipFile(t, "mimetype", "content.xml"))
		}},
		{name: "zip", code: handover.Unreadable, fragments: []string{"ZIP archive"}, in: func(t *testing.T) io.Reader {
			return bytes.NewReader(zipFile(t, "people.csv"))
		}},
		{name: "xls", code: handover.Unreadable, fragments: []string{".xls workbook"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + repeat("\x00", 512))
		}},
		{name: "pdf", code: handover.Unreadable, fragments: []string{"PDF"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("%PDF-1.7\n")
		}},
		{name: "html", code: handover.Unreadable, fragments: []string{"HTML"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("<!DOCTYPE html><table><tr><td>From User ID</td></tr></table>")
		}},
		{name: "utf-16 without BOM", code: handover.Unreadable, fragments: []string{"UTF-16 text without a byte-order mark"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(strings.Join(strings.Split(header+"19,11,A\n", ""), "\x00") + "\x00")
		}},
		{name: "utf-32", code: handover.Unreadable, fragments: []string{"UTF-32"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("\xFF\xFE\x00\x00F\x00\x00\x00")
		}},
		{name: "mixed encodings", code: handover.Unreadable, fragments: []string{"row 3 is not UTF-8", "mixes encodings"}, in: func(*testing.T) io.Reader {
			return strings.NewReader(header + "19,11,Zoë\n20,12,Zo\xEB\n")
		}},
		{name: "not UTF-8 after a UTF-8 BOM", code: handover.Unreadable, fragments: []string{"row 2 is not valid UTF-8", "byte-order mark"}, in: func(*testing.T) io.Reader {
			return strings.NewReader("\uFEFF" + header + "19,11,Zo\xEB\n")
		}},
		{name: "no header names at all", code: handover.BadHeader, fragments: []string{"no \"From User ID\" or \"To User ID\""}, in: func(*testing.T) io.Reader {
			return strings.NewReader("19,11,A\n20,12,B\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.big && testing.Short() {
				t.Skip("reads 1 GB; skipped under -short")
			}
			if tt.big && raceEnabled {
				t.Skip("reads 1 GB; too slow under -race")
			}
			up, err := Read(tt.in(t), "hostile.csv", Options{})
			if tt.code != "" {
				wantError(t, err, tt.code, tt.fragments...)
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(up.Rows) != tt.pairs {
				t.Errorf("got %d pairs, want %d", len(up.Rows), tt.pairs)
			}
		})
	}
}

// TestReadMemory reads a 1,000,000-row people CSV with 2,000 pairs: memory
// follows the pairs, not the file (about 70 MB here).
func TestReadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 70 MB; skipped under -short")
	}
	const rows = 1000000
	r := &rowStream{head: []byte(exportHeader), row: func(i int) []byte { return peopleRow(i, i%500 == 0) }, count: rows}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	up, err := Read(r, "big.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if len(up.Rows) != 2000 {
		t.Errorf("got %d pairs, want 2000", len(up.Rows))
	}
	if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > 64<<20 {
		t.Errorf("heap grew by %d MiB reading %d rows", grew>>20, rows)
	}
}
