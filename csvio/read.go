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

	"handover"
)

// Options tunes Read.
type Options struct {
	// MaxPairs is the most pair rows an upload may hold; 0 means
	// handover.DefaultMaxPairs.
	MaxPairs int
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
func Read(r io.Reader, name string, opts Options) (*handover.Upload, error) {
	hash := sha256.New()
	src, err := open(io.TeeReader(r, hash))
	if err != nil {
		return nil, err
	}
	rows, err := newRowReader(src)
	if err != nil {
		return nil, err
	}
	up := &handover.Upload{Name: name, Header: rows.header, FromCol: rows.from, ToCol: rows.to, NameCol: rows.name}
	if up.Rows, err = rows.pairs(opts.maxPairs()); err != nil {
		return nil, err
	}
	up.Format = src.format
	up.Format.Encoding = src.encoding()
	up.SHA256 = hex.EncodeToString(hash.Sum(nil))
	return up, nil
}

// pairs reads the remaining rows and keeps the pair rows, at most max.
func (rr *rowReader) pairs(max int) ([]handover.Row, error) {
	var pairs []handover.Row
	budget := max * pairBytesPerPair
	for {
		cells, line, err := rr.next()
		if err == io.EOF {
			return pairs, nil
		}
		if err != nil {
			return nil, err
		}
		row, ok := rr.pair(cells, line)
		if !ok {
			continue
		}
		if len(pairs) == max {
			return nil, handover.Errorf(handover.LimitExceeded,
				"the file has more than %d pairs (row %d is pair %d): split it into files of at most %d pairs, or raise the limit (the max-pairs setting, %d by default)",
				max, line, max+1, max, handover.DefaultMaxPairs)
		}
		if budget -= textSize(cells); budget < 0 {
			return nil, handover.Errorf(handover.Unreadable, "the pair rows up to row %d hold far more text than a people CSV does: check the file", line)
		}
		pairs = append(pairs, row)
	}
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
