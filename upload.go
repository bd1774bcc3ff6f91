package handover

// Encoding names the character encoding an upload was read in.
type Encoding string

// Encodings the reader understands.
const (
	UTF8        Encoding = "utf-8"
	UTF8BOM     Encoding = "utf-8-bom"
	UTF16LE     Encoding = "utf-16le"
	UTF16BE     Encoding = "utf-16be"
	Windows1252 Encoding = "windows-1252"
)

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
}

// Row is one pair row of an upload.
type Row struct {
	Line   int      // spreadsheet row number: the header is row 1
	From   string   // From User ID cell, trimmed
	To     string   // To User ID cell, trimmed
	Name   string   // Name cell with export neutralisation undone
	Record []string // every cell as read, for the errors-only audit
}
