package handover

import (
	"strings"
	"unicode/utf8"
)

// Encoding names the character encoding an upload was read in.
type Encoding string

// Encodings the reader understands.
const (
	UTF8        Encoding = "utf-8"
	UTF8BOM     Encoding = "utf-8-bom"
	UTF16       Encoding = "utf-16" // forced only: the BOM gives the byte order, little-endian without one
	UTF16LE     Encoding = "utf-16le"
	UTF16BE     Encoding = "utf-16be"
	Windows1250 Encoding = "windows-1250" // Central European
	Windows1251 Encoding = "windows-1251" // Cyrillic
	Windows1252 Encoding = "windows-1252" // Western European ("ANSI" in Western locales)
	Windows1253 Encoding = "windows-1253" // Greek
	Windows1254 Encoding = "windows-1254" // Turkish
	Windows1255 Encoding = "windows-1255" // Hebrew
	Windows1256 Encoding = "windows-1256" // Arabic
	Windows1257 Encoding = "windows-1257" // Baltic
	Windows1258 Encoding = "windows-1258" // Vietnamese
	Macintosh   Encoding = "macintosh"    // Mac Roman: Excel for Mac's "CSV (Macintosh)"
)

// LegacyGuesses are the 8-bit code pages a file without a byte-order mark
// that is not UTF-8 may be in when no encoding is forced: the ANSI code
// pages in which Excel and LibreOffice save CSV in European locales, most
// common first. Code pages that define every byte (Mac Roman) are not guessed: any
// binary file would read as text in them.
var LegacyGuesses = []Encoding{Windows1252, Windows1250, Windows1257, Windows1254, Windows1251, Windows1253}

// ForcibleEncodings are the encodings an upload can be forced to be read in.
var ForcibleEncodings = []Encoding{UTF8, UTF16, UTF16LE, UTF16BE,
	Windows1250, Windows1251, Windows1252, Windows1253, Windows1254, Windows1255, Windows1256, Windows1257, Windows1258, Macintosh}

// ParseEncoding returns the encoding named s (as --encoding takes it): any of
// ForcibleEncodings, case-insensitive, also spelt without the dash (utf8) or
// as a code page (cp1252). "" means detect it.
func ParseEncoding(s string) (Encoding, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	switch {
	case k == "":
		return "", nil
	case strings.HasPrefix(k, "cp125"):
		k = "windows-" + k[2:]
	case k == "utf8":
		k = string(UTF8)
	case k == "mac" || k == "macroman" || k == "mac-roman":
		k = string(Macintosh)
	}
	for _, e := range ForcibleEncodings {
		if k == string(e) {
			return e, nil
		}
	}
	names := make([]string, len(ForcibleEncodings))
	for i, e := range ForcibleEncodings {
		names[i] = string(e)
	}
	return "", Errorf(ErrUsage, "--encoding %q is not an encoding the reader knows: use one of %s", s, strings.Join(names, ", "))
}

// Format describes how an upload was written, so that files derived from it
// (the errors-only audit) can be written the same way.
type Format struct {
	Delimiter rune
	Encoding  Encoding
	CRLF      bool
}

// Upload is a people spreadsheet read back after editing. Only pair rows are
// kept: rows whose To User ID cell is empty are not pairs.
type Upload struct {
	Name    string   // file name as given, "-" for stdin
	SHA256  string   // hex digest of the file's bytes
	Format  Format   // how it was written
	Header  []string // the header cells as written (BOM removed)
	FromCol int      // index of From User ID in Header
	ToCol   int      // index of To User ID in Header
	NameCol int      // index of Name in Header, -1 when absent
	Rows    []Row    // pair rows, in file order
	// Stored is the ID of the web console's copy of the file (see
	// StoredUpload), "" for a file read from elsewhere: a job run from it
	// records it.
	Stored string

	// Readings is set when the file's bytes do not say their encoding: an
	// 8-bit file without a byte-order mark that is ASCII only or not UTF-8.
	// It holds the upload read in each encoding the bytes may be in, the
	// reader's pick first (Format.Encoding, Header and Rows are that one
	// until Use picks another). Validation uses the reading whose Name cells
	// match the directory best. A forced legacy code page gives one reading.
	Readings []Reading
}

// Reading is an upload's text read in one encoding that its bytes allow.
type Reading struct {
	Encoding Encoding
	Header   []string
	Rows     []Row
	// Repertoire holds the non-ASCII characters of a legacy code page; it is
	// empty for UTF-8, which has them all. A spreadsheet that saves text in
	// a code page writes "?" for each character outside it.
	Repertoire string
}

// Replaces reports whether saving text in the reading's encoding would have
// turned c into a "?".
func (r Reading) Replaces(c rune) bool {
	return r.Repertoire != "" && c >= utf8.RuneSelf && !strings.ContainsRune(r.Repertoire, c)
}

// Use makes r, one of the upload's readings, the text of the upload.
func (u *Upload) Use(r Reading) {
	u.Format.Encoding, u.Header, u.Rows = r.Encoding, r.Header, r.Rows
}

// Row is one pair row of an upload.
type Row struct {
	Line   int      // spreadsheet row number: the header is row 1
	From   string   // From User ID cell, trimmed
	To     string   // To User ID cell, trimmed
	Name   string   // Name cell with export neutralisation undone
	Types  string   // Data Types cell, "" when empty or absent
	Record []string // every cell as read, for the errors-only audit
}

// PeopleHeader is the header of the people CSV that export writes, in
// order; an upload needs only its From User ID and To User ID columns.
var PeopleHeader = []string{"From User ID", "To User ID", "Name", "Email", "Role", "Status", "Team", TypesColumn}

// TypesColumn is the header of the column choosing a row's data types.
const TypesColumn = "Data Types"

// TypesCol returns the index of the Data Types column in the upload's
// header, -1 when it has none.
func (u *Upload) TypesCol() int {
	for i, h := range u.Header {
		if typesHeaderKey(h) == typesHeaderKey(TypesColumn) {
			return i
		}
	}
	return -1
}

// typesHeaderKey reduces a header cell as the reader matches it: case,
// spaces, underscores and a byte-order mark do not matter.
func typesHeaderKey(h string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '\uFEFF' || r == '\t' {
			return -1
		}
		return r
	}, h))
}

// PairUpload is the upload of one pair given by --from/--to (or an API
// call): the people CSV's columns, so that its audit file has them too.
// from and to are the cells as given.
func PairUpload(from, to string) *Upload {
	return &Upload{Name: "--from/--to", Header: PeopleHeader, FromCol: 0, ToCol: 1, NameCol: 2,
		Format: Format{Delimiter: ',', Encoding: UTF8BOM},
		Rows:   []Row{{From: from, To: to}}}
}
