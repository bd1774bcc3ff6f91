package csvio

import (
	"errors"
	"io"

	"handover"
)

// Limits that keep a hostile file from costing unbounded time or memory.
const (
	maxRecordBytes = 1 << 20 // one row, embedded newlines included
	maxColumns     = 200     // cells in one row, header included; the export has 7
)

// quoteState is where a guard is inside a CSV record.
type quoteState int

const (
	fieldStart   quoteState = iota // at the start of a cell
	unquoted                       // inside a cell that did not start with a quote
	quoted                         // inside a quoted cell
	quoteInQuote                   // just after a quote inside a quoted cell
	quoteCR                        // just after a closing quote and a CR
)

// guard sits between the decoded text and encoding/csv. It follows the same
// quoting rules as csv.Reader so that it knows where each spreadsheet row
// starts, and stops the stream with a *handover.Error naming the row when a
// row is too long, has too many cells, holds control characters (binary
// data), or has a stray quote that csv.Reader's LazyQuotes would silently
// turn into a cell swallowing the rows after it. Bare quotes inside unquoted
// cells (Jo "JJ" Smith) are left to LazyQuotes: they are harmless.
type guard struct {
	r       io.Reader
	delim   byte
	crOnly  bool // old Mac line ends: every CR is a line end
	row     int  // spreadsheet row of the next byte: the header is row 1
	size    int  // bytes of the current row so far
	cells   int  // cells of the current row so far
	state   quoteState
	special [256]bool // bytes that may change the state or are not text
	header  bool      // the current row is the header: the first with text
	blank   bool      // the current row has no text so far
	err     error     // sticky: once failed, always failed
}

func newGuard(r io.Reader, delim byte, crOnly bool) *guard {
	g := &guard{r: r, delim: delim, crOnly: crOnly, row: 1, cells: 1, header: true, blank: true}
	for b := range ' ' {
		g.special[b] = true
	}
	g.special['"'], g.special[delim] = true, true
	return g
}

// Read implements io.Reader.
func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if e := g.scan(p[:n]); e != nil {
		g.err = e
		return 0, e
	}
	switch {
	case err == io.EOF && g.state == quoted:
		g.err = handover.Errorf(handover.Unreadable, "row %d has a quoted cell that is never closed: a quote (\") is missing", g.row)
		return 0, g.err
	case err != nil && err != io.EOF:
		g.err = g.annotate(err)
		return 0, g.err
	}
	return n, err
}

// scan checks the bytes of p in order, updating the quoting state.
func (g *guard) scan(p []byte) error {
	for i := 0; i < len(p); i++ {
		if g.state == unquoted || g.state == quoted {
			n := g.plainRun(p[i:])
			if g.size += n; g.size > maxRecordBytes {
				return g.tooLong()
			}
			if i += n; i == len(p) {
				return nil
			}
		}
		if err := g.scanByte(&p[i]); err != nil {
			return err
		}
	}
	return nil
}

// plainRun returns how many bytes at the start of p cannot change the state.
func (g *guard) plainRun(p []byte) int {
	for i, b := range p {
		if g.special[b] {
			return i
		}
	}
	return len(p)
}

// scanByte checks one byte; a CR becomes a LF in a file with CR line ends.
func (g *guard) scanByte(c *byte) error {
	if g.crOnly && *c == '\r' {
		*c = '\n'
	}
	b := *c
	if b < ' ' && !isTextSpace(b) {
		return g.control(b)
	}
	if b != '\r' && b != '\n' {
		g.blank = false
	}
	if err := g.step(b); err != nil {
		return err
	}
	if g.size++; g.size > maxRecordBytes {
		return g.tooLong()
	}
	return nil
}

func (g *guard) tooLong() error {
	return handover.Errorf(handover.Unreadable, "row %d is longer than 1 MiB: this is not a people CSV (or a quote is missing and the row runs on)", g.row)
}

// step moves the quoting state machine on by one byte.
func (g *guard) step(b byte) error {
	switch g.state {
	case fieldStart, unquoted:
		switch b {
		case '"':
			if g.state == fieldStart {
				g.state = quoted
			}
		case g.delim:
			return g.nextCell()
		case '\n':
			g.endRow()
		default:
			g.state = unquoted
		}
	case quoted:
		if b == '"' {
			g.state = quoteInQuote
		}
	case quoteInQuote:
		return g.afterQuote(b)
	case quoteCR:
		if b != '\n' {
			return g.strayQuote()
		}
		g.endRow()
	}
	return nil
}

// afterQuote handles the byte after a quote inside a quoted cell: a second
// quote (an escaped quote), or the end of the cell.
func (g *guard) afterQuote(b byte) error {
	switch b {
	case '"':
		g.state = quoted
	case g.delim:
		return g.nextCell()
	case '\n':
		g.endRow()
	case '\r':
		g.state = quoteCR
	default:
		return g.strayQuote()
	}
	return nil
}

func (g *guard) nextCell() error {
	g.state = fieldStart
	if g.cells++; g.cells > maxColumns {
		if g.header {
			return handover.Errorf(handover.BadHeader, "the header row has more than %d columns: this is not a people CSV export", maxColumns)
		}
		return handover.Errorf(handover.Unreadable, "row %d has more than %d cells: this is not a people CSV export", g.row, maxColumns)
	}
	return nil
}

func (g *guard) endRow() {
	if !g.blank {
		g.header = false
	}
	g.row, g.blank = g.row+1, true
	g.state, g.size, g.cells = fieldStart, -1, 1 // -1: the newline is counted next
}

func (g *guard) strayQuote() error {
	return handover.Errorf(handover.Unreadable, "row %d has a quote (\") inside a quoted cell that is not doubled: inside a quoted cell write a quote as \"\"", g.row)
}

func (g *guard) control(b byte) error {
	if b == 0 {
		return handover.Errorf(handover.Unreadable, "row %d contains NUL bytes: this is binary data, not CSV text; save the sheet as CSV UTF-8", g.row)
	}
	return handover.Errorf(handover.Unreadable, "row %d contains the control character 0x%02X: this looks like binary data, not CSV text; save the sheet as CSV UTF-8", g.row, b)
}

// annotate turns a decoding error into a message naming the row.
func (g *guard) annotate(err error) error {
	var cp *errNoCodePage
	switch {
	case errors.Is(err, errMixedEncoding):
		return handover.Errorf(handover.Unreadable, "row %d is not UTF-8 although earlier rows are: the file mixes encodings; save it again as CSV UTF-8", g.row)
	case errors.Is(err, errInvalidUTF8):
		return handover.Errorf(handover.Unreadable, "row %d is not valid UTF-8 although the file starts with a UTF-8 byte-order mark; save it again as CSV UTF-8", g.row)
	case errors.Is(err, errForcedUTF8):
		return handover.Errorf(handover.Unreadable, "row %d is not valid UTF-8, which --encoding asked for: give the file's real encoding, or leave --encoding out to detect it", g.row)
	case errors.Is(err, errInvalidUTF16):
		return handover.Errorf(handover.Unreadable, "row %d is not valid UTF-16 text: this looks like binary data, not CSV text; %s", g.row, saveAsCSV)
	case errors.As(err, &cp) && cp.forced:
		return handover.Errorf(handover.Unreadable, "row %d has the byte 0x%02X, which is not a character in %s, which --encoding asked for: give the file's real encoding, or leave --encoding out to detect it", g.row, cp.b, encodingList(cp.tried))
	case errors.As(err, &cp):
		return handover.Errorf(handover.Unreadable, "row %d is neither UTF-8 nor text in any code page a spreadsheet saves in (the byte 0x%02X is not a character in %s): this looks like binary data, not CSV text; %s", g.row, cp.b, encodingList(cp.tried), saveAsCSV)
	}
	var he *handover.Error
	if errors.As(err, &he) {
		return err
	}
	return handover.Errorf(handover.Unreadable, "cannot read row %d: %v", g.row, err)
}
