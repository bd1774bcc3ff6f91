package csvio

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"handover"
)

// The columns the reader uses, as the export writes them.
const (
	fromHeader = "From User ID"
	toHeader   = "To User ID"
	nameHeader = "Name"
	typeHeader = handover.TypesColumn
)

// misdecodedBOM is a UTF-8 BOM read as Windows-1252 and saved again as UTF-8:
// the mark of a file that went through the wrong decoding once.
const misdecodedBOM = "ï»¿"

// headerKey reduces a header cell to what matching compares: BOMs (real or
// mis-decoded), case, spaces and underscores are ignored.
func headerKey(cell string) string {
	cell = strings.TrimLeftFunc(cell, unicode.IsSpace)
	for strings.HasPrefix(cell, misdecodedBOM) {
		cell = strings.TrimPrefix(cell, misdecodedBOM)
	}
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '_', r == '\uFEFF', r == '\u200B':
			return -1
		}
		return unicode.ToLower(r)
	}, cell)
}

var (
	fromKey = headerKey(fromHeader)
	toKey   = headerKey(toHeader)
	nameKey = headerKey(nameHeader)
	typeKey = headerKey(typeHeader)
)

// cleanHeader returns the header cells with BOMs removed from the first,
// and whether a mis-decoded BOM was found there.
func cleanHeader(cells []string) (clean []string, misdecoded bool) {
	clean = append([]string(nil), cells...)
	if len(clean) == 0 {
		return clean, false
	}
	first := strings.TrimLeft(clean[0], "\uFEFF")
	misdecoded = strings.HasPrefix(first, misdecodedBOM)
	for strings.HasPrefix(first, misdecodedBOM) {
		first = strings.TrimLeft(strings.TrimPrefix(first, misdecodedBOM), "\uFEFF")
	}
	clean[0] = first
	return clean, misdecoded
}

// headerColumns are the indexes of the columns the reader uses; Name and
// Data Types are -1 when the header has none.
type headerColumns struct {
	from, to, name, types int
}

// columns finds the From, To, Name and Data Types columns of a header.
func columns(header []string) (headerColumns, error) {
	found := map[string][]int{}
	for i, cell := range header {
		k := headerKey(cell)
		if k == fromKey || k == toKey || k == nameKey || k == typeKey {
			found[k] = append(found[k], i)
		}
	}
	for _, c := range []struct{ key, label string }{{fromKey, fromHeader}, {toKey, toHeader}, {nameKey, nameHeader}, {typeKey, typeHeader}} {
		if cols := found[c.key]; len(cols) > 1 {
			return headerColumns{}, handover.Errorf(handover.BadHeader, "the header has %d %q columns (%s), so it is ambiguous which to read: delete all but one", len(cols), c.label, columnList(cols))
		}
	}
	if found[fromKey] == nil || found[toKey] == nil {
		return headerColumns{}, missingColumns(header, found[fromKey] == nil, found[toKey] == nil)
	}
	cols := headerColumns{from: found[fromKey][0], to: found[toKey][0], name: -1, types: -1}
	if n := found[nameKey]; n != nil {
		cols.name = n[0]
	}
	if n := found[typeKey]; n != nil {
		cols.types = n[0]
	}
	return cols, nil
}

// missingColumns explains a header without From User ID or To User ID.
func missingColumns(header []string, noFrom, noTo bool) error {
	var missing string
	switch {
	case noFrom && noTo:
		missing = fmt.Sprintf("no %q or %q column", fromHeader, toHeader)
	case noFrom:
		missing = fmt.Sprintf("no %q column", fromHeader)
	default:
		missing = fmt.Sprintf("no %q column", toHeader)
	}
	return handover.Errorf(handover.BadHeader,
		"%s: the header row has %s; expected %q and %q (case and spaces do not matter): keep the header row of the exported people CSV",
		missing, describeCells(header), fromHeader, toHeader)
}

// describeCells lists header cells for a message, shortened when long.
func describeCells(cells []string) string {
	const most = 10
	var b strings.Builder
	for i, c := range cells {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(cells)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if len(c) > 40 {
			c = c[:40] + "…"
		}
		fmt.Fprintf(&b, "%q", c)
	}
	if len(cells) == 1 {
		return "one column, " + b.String()
	}
	return fmt.Sprintf("%d columns, %s", len(cells), b.String())
}

// columnList names columns as a spreadsheet does: "B and E".
func columnList(cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = columnName(c)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// columnName returns the spreadsheet letter of column i (0-based): A, B, … AA.
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

// detectDelimiter picks the delimiter of a header line: the one that splits
// it into both a From User ID and a To User ID column, else the most
// frequent of comma, semicolon and tab, else a comma.
func detectDelimiter(line []byte) byte {
	best, bestCount := byte(','), 0
	for _, d := range []byte{',', ';', '\t'} {
		cells := splitLine(line, d)
		if hasIDColumns(cells) {
			return d
		}
		if n := len(cells) - 1; n > bestCount {
			best, bestCount = d, n
		}
	}
	return best
}

func hasIDColumns(cells []string) bool {
	var from, to bool
	for _, c := range cells {
		k := headerKey(c)
		from, to = from || k == fromKey, to || k == toKey
	}
	return from && to
}

// splitLine splits one line on d outside quotes and drops the quotes: enough
// to recognise header names.
func splitLine(line []byte, d byte) []string {
	var cells []string
	var cell bytes.Buffer
	inQuote := false
	for _, b := range line {
		switch {
		case b == '"':
			inQuote = !inQuote
		case b == d && !inQuote:
			cells = append(cells, cell.String())
			cell.Reset()
		default:
			cell.WriteByte(b)
		}
	}
	return append(cells, cell.String())
}
