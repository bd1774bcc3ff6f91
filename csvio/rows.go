package csvio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gocarina/gocsv"
	"golang.org/x/text/encoding/charmap"

	"handover"
)

// record is one CSV row as gocsv's unmarshaller fills it. The header is
// renamed so that every column is "cell" (see cellKeys): gocsv then hands
// each cell, in order, to cellList.UnmarshalCSV. Validation reads From, To and
// Name by the columns found in the real header, and the errors-only audit
// needs every cell.
type record struct {
	Cells cellList `csv:"cell"`
}

// cellList collects a row's cells in column order. It is a struct holding
// one pointer so that gocsv, which boxes the field in an interface for every
// cell, does not allocate each time.
type cellList struct {
	cells *[]string
}

// UnmarshalCSV implements gocsv.TypeUnmarshaller: gocsv calls it once per
// column, left to right.
func (c *cellList) UnmarshalCSV(s string) error {
	if c.cells == nil {
		cells := make([]string, 0, len(peopleHeader)+1) // one allocation per export row
		c.cells = &cells
	}
	*c.cells = append(*c.cells, s)
	return nil
}

// list returns the cells collected.
func (c cellList) list() []string {
	if c.cells == nil {
		return nil
	}
	return *c.cells
}

// cellKeys is the renamed header, as wide as the widest row the guard lets
// through: rows may be wider than their header.
var cellKeys = func() []string {
	keys := make([]string, maxColumns)
	for i := range keys {
		keys[i] = "cell"
	}
	return keys
}()

// rowReader reads an upload row by row with gocsv's Unmarshaller over an
// encoding/csv reader configured for spreadsheets (any delimiter, ragged
// rows, lazy quotes), fed through a guard that bounds each row.
//
// Header matching is done here, not by gocsv: its header normalizer is
// process-wide (gocsv.SetHeaderNormalizer) and it cannot report missing or
// duplicate columns, nor recognise a mis-decoded BOM. So the header is read
// raw, matched with headerKey, and then renamed for gocsv (renameColumns).
type rowReader struct {
	src        *source
	csv        *csv.Reader
	um         *gocsv.Unmarshaller
	header     []string
	from, to   int
	name       int  // -1 without a Name column
	types      int  // -1 without a Data Types column
	misdecoded bool // the header shows the file was mis-decoded once
	extra      int  // physical lines taken by newlines inside cells so far
	line       int  // spreadsheet row of the last row read
}

// newRowReader reads the header of src and finds its columns.
func newRowReader(src *source) (*rowReader, error) {
	r := csv.NewReader(newGuard(src.text, byte(src.format.Delimiter), src.crOnly))
	r.Comma = src.format.Delimiter
	r.FieldsPerRecord = -1 // ragged rows and trailing empty columns are fine
	r.LazyQuotes = true    // bare quotes in unquoted cells; the guard rejects the unsafe cases
	r.ReuseRecord = true
	um, err := gocsv.NewUnmarshaller(r, record{})
	if errors.Is(err, io.EOF) {
		return nil, handover.Errorf(handover.Unreadable, "the file has no header row (it is empty or blank): upload the people CSV with the To User ID column filled in")
	}
	if err != nil {
		return nil, readError(err, 0)
	}
	rr := &rowReader{src: src, csv: r, um: um}
	rr.header, rr.misdecoded = cleanHeader(um.Headers)
	cols, err := columns(rr.header)
	if err != nil {
		return nil, err
	}
	rr.from, rr.to, rr.name, rr.types = cols.from, cols.to, cols.name, cols.types
	rr.line, _ = r.FieldPos(0)
	rr.extra = newlines(um.Headers)
	return rr, rr.renameColumns()
}

// renameColumns sends every column of every row to record.Cells.
func (rr *rowReader) renameColumns() error {
	if err := rr.um.RenormalizeHeaders(func([]string) []string { return cellKeys }); err != nil {
		return fmt.Errorf("map columns: %w", err)
	}
	if len(rr.um.MismatchedHeaders) > 0 {
		return fmt.Errorf("map columns: gocsv did not match %q (was its header normalizer changed?)", rr.um.MismatchedHeaders[0])
	}
	return nil
}

// next returns the next row's cells and its spreadsheet row number; blank
// lines count as rows, a cell with newlines in it does not add rows.
func (rr *rowReader) next() (cells []string, line int, err error) {
	v, err := rr.um.Read()
	if err == io.EOF {
		return nil, 0, err
	}
	if err != nil {
		return nil, 0, readError(err, rr.line)
	}
	cells = v.(record).Cells.list()
	start, _ := rr.csv.FieldPos(0)
	rr.line = start - rr.extra
	rr.extra += newlines(cells)
	return cells, rr.line, nil
}

func newlines(cells []string) int {
	n := 0
	for _, c := range cells {
		n += strings.Count(c, "\n")
	}
	return n
}

// repairMisdecoded undoes one round of UTF-8 read as Windows-1252 ("ZoÃ«"
// back to "Zoë"), as found in a file whose header shows a mis-decoded BOM.
// Text that does not come out as valid UTF-8 is returned unchanged.
func repairMisdecoded(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := cp1252Byte(r)
		if !ok {
			return s
		}
		b = append(b, c)
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// cp1252Byte returns the Windows-1252 byte that decodes to r. The five bytes
// Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) come back as
// C1 controls from most decoders and as U+F100+byte from LibreOffice.
func cp1252Byte(r rune) (byte, bool) {
	switch {
	case r < 0xA0: // ASCII, and C1 controls from undefined bytes (or a Latin-1 decoder)
		return byte(r), true
	case r >= 0xF180 && r < 0xF1A0:
		return byte(r - 0xF100), true
	}
	return charmap.Windows1252.EncodeRune(r)
}
