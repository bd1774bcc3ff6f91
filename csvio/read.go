// Package csvio reads the people spreadsheet back after an admin has edited
// it, and writes the people export in the first place.
//
// Read accepts what spreadsheet programs really save: UTF-8 with or without
// a BOM, UTF-16 with a BOM ("Unicode text"), Windows-1252; comma, semicolon
// or tab delimiters; CRLF, LF or CR line ends. It streams, so memory grows
// with the number of pairs, not with the file, and it stops hostile input
// (binary files, endless rows, thousands of columns) with a *handover.Error
// that names the problem and the fix.
package csvio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"handover"
)

// Options tunes Read.
type Options struct {
	// MaxPairs is the most pair rows an upload may hold; 0 means
	// handover.DefaultMaxPairs.
	MaxPairs int
	// Encoding forces the encoding the file is read in (one of
	// handover.ForcibleEncodings); "" detects it.
	Encoding handover.Encoding
}

func (o Options) maxPairs() int {
	if o.MaxPairs > 0 {
		return o.MaxPairs
	}
	return handover.DefaultMaxPairs
}

// pairBytesPerPair bounds the text kept per allowed pair: a people CSV row
// is a few hundred bytes, so a file whose pair rows hold more is hostile.
const pairBytesPerPair = 16 << 10

// Read streams an upload and returns its pair rows: the rows whose To User
// ID cell is not empty. name is the file name to report ("-" for stdin).
// File-level problems are a *handover.Error with code handover.BadHeader,
// handover.LimitExceeded or handover.Unreadable whose message names the
// problem and the fix; row-level checks are left to validation.
//
// An 8-bit file whose bytes do not say their code page comes back with
// Readings: one per code page its bytes allow (see handover.Upload).
func Read(r io.Reader, name string, opts Options) (*handover.Upload, error) {
	hash := sha256.New()
	src, err := open(io.TeeReader(r, hash), opts.Encoding)
	if err != nil {
		return nil, err
	}
	rows, err := newRowReader(src)
	if err != nil {
		return nil, err
	}
	raw, err := rows.pairs(opts.maxPairs())
	if err != nil {
		return nil, err
	}
	up := &handover.Upload{Name: name, FromCol: rows.from, ToCol: rows.to, NameCol: rows.name}
	up.Format = src.format
	up.Format.Encoding = src.encoding()
	rows.fill(up, raw, src.readings())
	up.SHA256 = hex.EncodeToString(hash.Sum(nil))
	return up, nil
}

// rawRow is a pair row as the CSV reader gave it: while an 8-bit file's code
// page is open, its cells are carrier text (codePage.text).
type rawRow struct {
	line  int
	cells []string
}

// pairs reads the remaining rows and keeps the pair rows, at most max.
func (rr *rowReader) pairs(max int) ([]rawRow, error) {
	var pairs []rawRow
	budget := max * pairBytesPerPair
	for {
		cells, line, err := rr.next()
		if err == io.EOF {
			return pairs, nil
		}
		if err != nil {
			return nil, err
		}
		if !rr.isPair(cells) {
			continue
		}
		if len(pairs) == max {
			return nil, handover.Errorf(handover.LimitExceeded,
				"the file has more than %d pairs (row %d is pair %d): split it into files of at most %d pairs, or raise the limit (the max-pairs setting, %d by default)",
				max, line, max+1, max, handover.DefaultMaxPairs)
		}
		// Each reading of an 8-bit file keeps its own copy of the text.
		if budget -= textSize(cells) * rr.src.copies(); budget < 0 {
			return nil, handover.Errorf(handover.Unreadable, "the pair rows up to row %d hold far more text than a people CSV does: check the file", line)
		}
		pairs = append(pairs, rawRow{line: line, cells: cells})
	}
}

// isPair reports whether a row may be a pair: its To User ID cell holds
// more than ASCII spaces. Other spaces are only known once the cell is
// decoded (fill drops the rows whose To cell is blank after all).
func (rr *rowReader) isPair(cells []string) bool {
	return strings.TrimFunc(cell(cells, rr.to), func(r rune) bool { return r < utf8.RuneSelf && unicode.IsSpace(r) }) != ""
}

// fill gives up its header and pair rows: for a file with readings, the
// header and rows of each, the first in use; otherwise as read.
func (rr *rowReader) fill(up *handover.Upload, raw []rawRow, readings []reading) {
	if len(readings) == 0 {
		up.Header, up.Rows = rr.header, rr.rows(raw, nil)
		return
	}
	var plain []handover.Row // rows of the readings without decoding, made once
	for _, rd := range readings {
		r := handover.Reading{Encoding: rd.enc, Header: decodeCells(rr.header, rd.text), Repertoire: rd.repertoire}
		switch {
		case rd.text != nil:
			r.Rows = rr.rows(raw, rd.text)
		case plain == nil:
			plain = rr.rows(raw, nil)
			fallthrough
		default:
			r.Rows = plain
		}
		up.Readings = append(up.Readings, r)
	}
	up.Use(up.Readings[0])
}

// rows decodes raw pair rows with text (nil: as read) and makes Rows of the
// ones whose To cell is not blank.
func (rr *rowReader) rows(raw []rawRow, text func(string) string) []handover.Row {
	out := make([]handover.Row, 0, len(raw))
	for _, r := range raw {
		if row, ok := rr.pair(decodeCells(r.cells, text), r.line); ok {
			out = append(out, row)
		}
	}
	return out
}

// decodeCells returns cells decoded with text; nil text keeps them.
func decodeCells(cells []string, text func(string) string) []string {
	if text == nil {
		return cells
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = text(c)
	}
	return out
}

// pair makes a Row of cells, or reports false when the row is not a pair.
func (rr *rowReader) pair(cells []string, line int) (handover.Row, bool) {
	to := strings.TrimSpace(cell(cells, rr.to))
	if to == "" {
		return handover.Row{}, false
	}
	row := handover.Row{Line: line, From: strings.TrimSpace(cell(cells, rr.from)), To: to, Record: cells}
	if rr.name >= 0 {
		name := cell(cells, rr.name)
		if rr.misdecoded {
			name = repairMisdecoded(name) // first: a control picture's mojibake is no picture
		}
		row.Name = handover.Unneutralize(name)
	}
	if rr.types >= 0 {
		types := cell(cells, rr.types)
		if rr.misdecoded {
			types = repairMisdecoded(types)
		}
		row.Types = strings.TrimSpace(handover.Unneutralize(types))
	}
	return row, true
}

// cell returns cells[i], or "" when the row is shorter.
func cell(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

func textSize(cells []string) int {
	n := 0
	for _, c := range cells {
		n += len(c) + 1
	}
	return n
}

// readError makes an error from reading rows a *handover.Error.
func readError(err error, line int) error {
	var he *handover.Error
	if errors.As(err, &he) {
		return err
	}
	return handover.Errorf(handover.Unreadable, "cannot read the file after row %d: %v", line, err)
}
