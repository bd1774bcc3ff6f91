package csvio

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"handover"
)

// addCorpusSeeds seeds f with every corpus file and the small cases of the
// table tests.
func addCorpusSeeds(f *testing.F) {
	for _, file := range corpusFiles(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{sample, "\uFEFF" + sample, "", "\uFEFF", "From User ID,To User ID\n1,2\n",
		"From User ID;To User ID;Name\r\n1;2;\"a\r\nb\"\r\n", "From User ID,To User ID\r1,2\r", "\"From User ID\",\"To User ID\n"} {
		f.Add([]byte(s))
	}
}

// FuzzRead feeds Read arbitrary bytes: it must never panic, and must return
// either a *handover.Error with a file-level code or an upload that keeps
// its promises.
func FuzzRead(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 20
		up, err := Read(bytes.NewReader(data), "fuzz.csv", Options{MaxPairs: max})
		if err != nil {
			checkFileError(t, err)
			return
		}
		if up.SHA256 != fmt.Sprintf("%x", sha256.Sum256(data)) {
			t.Errorf("SHA256 is not of the bytes read")
		}
		if len(up.Rows) > max {
			t.Errorf("%d pairs kept, limit %d", len(up.Rows), max)
		}
		checkUpload(t, up)
	})
}

func checkFileError(t *testing.T, err error) {
	t.Helper()
	var he *handover.Error
	if !errors.As(err, &he) {
		t.Fatalf("error %v is not a *handover.Error", err)
	}
	switch he.Code {
	case handover.BadHeader, handover.LimitExceeded, handover.Unreadable:
	default:
		t.Fatalf("file-level error with code %s: %s", he.Code, he.Message)
	}
	if he.Message == "" {
		t.Fatalf("error %s without a message", he.Code)
	}
}

// checkUpload checks what every upload promises its readers, in each of
// its readings.
func checkUpload(t *testing.T, up *handover.Upload) {
	t.Helper()
	if len(up.Readings) > 0 && up.Readings[0].Encoding != up.Format.Encoding {
		t.Errorf("in use %s, first reading %s", up.Format.Encoding, up.Readings[0].Encoding)
	}
	checkRows(t, up)
	for _, r := range up.Readings {
		c := *up
		c.Use(r)
		checkRows(t, &c)
	}
}

func checkRows(t *testing.T, up *handover.Upload) {
	t.Helper()
	n := len(up.Header)
	if up.FromCol >= n || up.ToCol >= n || up.NameCol >= n || up.FromCol == up.ToCol {
		t.Fatalf("columns %d, %d, %d for a header of %d", up.FromCol, up.ToCol, up.NameCol, n)
	}
	last := 1
	for _, r := range up.Rows {
		if r.Line <= last {
			t.Errorf("row %d follows row %d", r.Line, last)
		}
		last = r.Line
		if r.To == "" || r.To != strings.TrimSpace(r.To) || r.To != strings.TrimSpace(cell(r.Record, up.ToCol)) {
			t.Errorf("row %d: To %q from record %q", r.Line, r.To, r.Record)
		}
		if r.From != strings.TrimSpace(cell(r.Record, up.FromCol)) {
			t.Errorf("row %d: From %q from record %q", r.Line, r.From, r.Record)
		}
		for _, c := range r.Record {
			if !utf8.ValidString(c) {
				t.Errorf("row %d: cell %q is not UTF-8", r.Line, c)
			}
		}
	}
}

// FuzzRoundTrip exports arbitrary names with PeopleWriter, fills To as an
// admin would, and reads them back: every name must return unchanged, control
// characters included. A name holding a control picture itself (␛) comes back
// as the control character, which name matching takes for the same name.
func FuzzRoundTrip(f *testing.F) {
	for _, n := range trickyNames {
		f.Add(n, "Team "+n)
	}
	f.Add("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", "\x1b[1m\x7f")
	f.Add("Exit ␛ key", "␇␀")
	f.Fuzz(func(t *testing.T, name, team string) {
		if !exportable(name) || !exportable(team) {
			t.Skip()
		}
		users := []handover.User{{ID: 1, Name: name, Team: team}, {ID: 2, Name: team, Team: name}}
		up := mustRead(t, fillTo(t, exportBytes(t, users), map[int]string{2: "2", 3: "1"}), Options{})
		if len(up.Rows) != 2 {
			t.Fatalf("got %d pairs, want 2", len(up.Rows))
		}
		for i, want := range []string{name, team} {
			got := up.Rows[i].Name
			if handover.VisibleControls(got) != handover.VisibleControls(want) {
				t.Errorf("name %q came back as %q", want, got)
			}
			if got != want && !hasControlPicture(want) {
				t.Errorf("name %q came back as %q", want, got)
			}
		}
	})
}

// hasControlPicture reports whether s holds a Unicode Control Picture.
func hasControlPicture(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= '\u2400' && r <= '\u2421' })
}

// exportable reports whether a directory name can round-trip: UTF-8 text
// without CRLF (which CSV readers turn into LF inside a cell).
func exportable(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\r\n")
}
