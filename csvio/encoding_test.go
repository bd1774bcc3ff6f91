package csvio

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"handover"
)

// TestReadRandomBytes: random binary data is not CSV text, whatever its first
// bytes happen to be and however short it is, so it is unreadable, not a
// text file with a bad header.
func TestReadRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240917, 1))
	random := func(n int, keep func(byte) bool) []byte {
		b := make([]byte, 0, n)
		for len(b) < n {
			if c := byte(rng.Uint32()); keep(c) {
				b = append(b, c)
			}
		}
		return b
	}
	any := func(byte) bool { return true }
	noControls := func(c byte) bool { return c >= ' ' } // as if line ends and NULs were stripped
	tests := []struct {
		name   string
		prefix string
		keep   func(byte) bool
	}{
		{"plain", "", any},
		{"after a UTF-16LE BOM", "\xFF\xFE", any},
		{"after a UTF-16BE BOM", "\xFE\xFF", any},
		{"after a UTF-8 BOM", "\xEF\xBB\xBF", any},
		{"without control bytes", "", noControls},
		{"without control bytes after a UTF-16LE BOM", "\xFF\xFE", noControls},
	}
	for _, tt := range tests {
		for _, n := range []int{1 << 10, 64 << 10, 1 << 20} {
			data := append([]byte(tt.prefix), random(n, tt.keep)...)
			_, err := Read(bytes.NewReader(data), "random.bin", Options{})
			if got := handover.ErrorCode(err); got != handover.Unreadable {
				t.Errorf("%s, %d bytes: got %s (%v), want %s", tt.name, n, got, err, handover.Unreadable)
			}
		}
	}
}

// centralSample is sample with Central European names, which Windows-1252
// cannot hold but Windows-1250 can.
const centralSample = "From User ID,To User ID,Name,Email,Role,Status,Team\n" +
	"19,11,Łukasz Wróbel,lw@example.com,agent,Active,Kraków\n" +
	"20,,Ann Lee,ann@example.com,agent,Active,Support\n" +
	"21,12,Ondřej Čapek,oc@example.com,agent,Inactive,Brno\n"

// readingOf returns the upload's reading in enc.
func readingOf(t *testing.T, up *handover.Upload, enc handover.Encoding) handover.Reading {
	t.Helper()
	for _, r := range up.Readings {
		if r.Encoding == enc {
			return r
		}
	}
	t.Fatalf("no %s reading among %v", enc, encodings(up.Readings))
	return handover.Reading{}
}

func encodings(rs []handover.Reading) []handover.Encoding {
	var out []handover.Encoding
	for _, r := range rs {
		out = append(out, r.Encoding)
	}
	return out
}

func readingPairs(r handover.Reading) []pair {
	return pairsOf(&handover.Upload{Rows: r.Rows})
}

// TestReadCodePages: an 8-bit file that is not UTF-8 comes back read in
// every code page its bytes allow, the reader's pick (Windows-1252) in use,
// and each reading decodes every cell.
func TestReadCodePages(t *testing.T) {
	data := encode(t, charmap.Windows1250, centralSample)
	up := mustRead(t, data, Options{})
	if up.Format.Encoding != handover.Windows1252 || up.Readings[0].Encoding != handover.Windows1252 {
		t.Errorf("in use %s, readings %v: want Windows-1252 first", up.Format.Encoding, encodings(up.Readings))
	}
	cz := readingOf(t, up, handover.Windows1250)
	want := []pair{{2, "19", "11", "Łukasz Wróbel"}, {4, "21", "12", "Ondřej Čapek"}}
	if diff := cmp.Diff(want, readingPairs(cz)); diff != "" {
		t.Errorf("windows-1250 pairs (-want +got):\n%s", diff)
	}
	if got := cz.Rows[0].Record[6]; got != "Kraków" {
		t.Errorf("windows-1250 Team cell %q, want Kraków", got)
	}
	if got := readingOf(t, up, handover.Windows1252).Rows[0].Name; got != "£ukasz Wróbel" {
		t.Errorf("windows-1252 reads %q, want the mojibake £ukasz Wróbel", got)
	}
	if !cz.Replaces('Ø') || cz.Replaces('Ł') || cz.Replaces('a') {
		t.Errorf("windows-1250 repertoire: Ø replaced %v, Ł %v, a %v", cz.Replaces('Ø'), cz.Replaces('Ł'), cz.Replaces('a'))
	}
}

// TestReadCodePagesRuledOut: a byte that is not a character in a code page
// rules that code page out: ť is 0x9D, which Windows-1252 leaves undefined,
// and Š 0x8A, which Windows-1257 does.
func TestReadCodePagesRuledOut(t *testing.T) {
	up := mustRead(t, encode(t, charmap.Windows1250, "From User ID,To User ID,Name\n19,11,Šťastný\n"), Options{})
	if got := encodings(up.Readings); !cmp.Equal(got, []handover.Encoding{handover.Windows1250, handover.Windows1251}) {
		t.Errorf("readings %v, want windows-1250 and windows-1251", got)
	}
	if up.Format.Encoding != handover.Windows1250 || up.Rows[0].Name != "Šťastný" {
		t.Errorf("in use %s, name %q", up.Format.Encoding, up.Rows[0].Name)
	}
}

// TestReadASCIIReadings: an ASCII file may be UTF-8 or any code page; the
// readings say so, UTF-8 first, all with the same rows.
func TestReadASCIIReadings(t *testing.T) {
	up := mustRead(t, []byte("From User ID,To User ID,Name\n19,11,?ukasz\n"), Options{})
	got := encodings(up.Readings)
	want := append([]handover.Encoding{handover.UTF8}, handover.LegacyGuesses...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("readings (-want +got):\n%s", diff)
	}
	if up.Format.Encoding != handover.UTF8 {
		t.Errorf("in use %s, want utf-8", up.Format.Encoding)
	}
	if up.Readings[0].Replaces('Ł') || !readingOf(t, up, handover.Windows1252).Replaces('Ł') {
		t.Errorf("UTF-8 must replace nothing, Windows-1252 must replace Ł")
	}
}

// TestReadUnicodeHasNoReadings: UTF-8 with non-ASCII text, a BOM or UTF-16
// say what they are: no readings.
func TestReadUnicodeHasNoReadings(t *testing.T) {
	for name, data := range map[string][]byte{
		"utf-8":     []byte(centralSample),
		"utf-8 BOM": []byte("\uFEFFFrom User ID,To User ID\n1,2\n"),
		"utf-16":    encode(t, utf16LEBOM, centralSample),
	} {
		if up := mustRead(t, data, Options{}); up.Readings != nil {
			t.Errorf("%s: readings %v", name, encodings(up.Readings))
		}
	}
}

// TestReadForcedEncoding: --encoding reads the file in that encoding only,
// and rejects bytes that are not text in it.
func TestReadForcedEncoding(t *testing.T) {
	cz := encode(t, charmap.Windows1250, centralSample)
	tests := []struct {
		name  string
		data  []byte
		enc   handover.Encoding
		want  handover.Encoding // encoding in use
		names []string
		code  handover.Code
		frag  string
	}{
		{"windows-1250", cz, handover.Windows1250, handover.Windows1250, []string{"Łukasz Wróbel", "Ondřej Čapek"}, "", ""},
		{"windows-1252", cz, handover.Windows1252, handover.Windows1252, []string{"£ukasz Wróbel", "Ondøej Èapek"}, "", ""},
		{"utf-8 on a legacy file", cz, handover.UTF8, "", nil, handover.Unreadable, "row 2 is not valid UTF-8, which --encoding asked for"},
		{"undefined byte", []byte("From User ID,To User ID,Name\n19,11,A\x81B\n"), handover.Windows1252, "", nil, handover.Unreadable, "0x81, which is not a character in windows-1252"},
		{"utf-16 without BOM", encode(t, utf16LE, centralSample), handover.UTF16, handover.UTF16LE, []string{"Łukasz Wróbel", "Ondřej Čapek"}, "", ""},
		{"utf-16 with BOM", encode(t, utf16BEBOM, centralSample), handover.UTF16, handover.UTF16BE, []string{"Łukasz Wróbel", "Ondřej Čapek"}, "", ""},
		{"utf-8 on a UTF-8 file", []byte(centralSample), handover.UTF8, handover.UTF8, []string{"Łukasz Wróbel", "Ondřej Čapek"}, "", ""},
		{"macintosh", encode(t, charmap.Macintosh, "From User ID,To User ID,Name\n19,11,Zoë\n"), handover.Macintosh, handover.Macintosh, []string{"Zoë"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, err := Read(bytes.NewReader(tt.data), "forced.csv", Options{Encoding: tt.enc})
			if tt.code != "" {
				wantError(t, err, tt.code, tt.frag)
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if up.Format.Encoding != tt.want {
				t.Errorf("encoding %s, want %s", up.Format.Encoding, tt.want)
			}
			var names []string
			for _, r := range up.Rows {
				names = append(names, r.Name)
			}
			if diff := cmp.Diff(tt.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if len(up.Readings) > 1 {
				t.Errorf("a forced encoding gave readings %v", encodings(up.Readings))
			}
		})
	}
}

// TestReadInvalidUTF16: UTF-16 that no program writes is unreadable.
func TestReadInvalidUTF16(t *testing.T) {
	for name, data := range map[string]string{
		"lone high surrogate": "\xFF\xFEF\x00,\x00\x00\xD8\n\x00",
		"lone low surrogate":  "\xFF\xFEF\x00\x00\xDC\n\x00",
		"odd byte count":      "\xFF\xFEF\x00,",
		"reversed BOM inside": "\xFF\xFEF\x00\xFE\xFF",
	} {
		_, err := Read(strings.NewReader(data), "x", Options{})
		if handover.ErrorCode(err) != handover.Unreadable || !strings.Contains(err.Error(), "not valid UTF-16") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

var (
	utf16LE    = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	utf16LEBOM = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16BEBOM = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
)
