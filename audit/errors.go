package audit

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"handover"
)

// ErrorRow is one failed row of the errors-only audit file: the upload's
// cells as read and the issues that stopped it.
type ErrorRow struct {
	Record []string
	Issues []handover.Issue
	// Types are the data types the row hands over; they fill an empty
	// Data Types cell when they came from --types, so that the file run
	// again hands over the same types.
	Types handover.TypeSet
}

// ErrorColumn is the header of the column the audit file adds.
const ErrorColumn = "Error"

// WriteErrors writes the errors-only audit CSV in the upload's own format:
// its header plus an Error column, then each row's original cells with its
// issues joined as "code: message; code: message". An upload that already
// has an Error column (a re-uploaded audit file) has that column replaced.
//
// The file is UTF-8 with a BOM, uses the upload's delimiter and line ends,
// and neutralises formula-like cells unless they already are. From and To
// cells are kept as read, so that uploading the file again yields exactly
// these rows as pairs. A nil upload means a single --from/--to pair.
func WriteErrors(w io.Writer, up *handover.Upload, rows []ErrorRow) error {
	if up == nil {
		up = handover.PairUpload("", "")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	cw.Comma = delimiter(up.Format)
	cw.UseCRLF = up.Format.CRLF
	l := newLayout(up)
	if err := cw.Write(l.header()); err != nil {
		return fmt.Errorf("write audit header: %w", err)
	}
	for _, r := range rows {
		if err := cw.Write(l.record(r)); err != nil {
			return fmt.Errorf("write audit row: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write audit: %w", err)
	}
	return bw.Flush()
}

// delimiter returns the upload's delimiter, a comma when unknown.
func delimiter(f handover.Format) rune {
	if f.Delimiter == 0 {
		return ','
	}
	return f.Delimiter
}

// layout places an upload's cells and the Error column in the audit file.
type layout struct {
	up       *handover.Upload
	width    int // number of header cells, Error included
	errorCol int // index of the Error column
	typesCol int // index of the Data Types column, -1 without one
}

func newLayout(up *handover.Upload) layout {
	l := layout{up: up, width: len(up.Header) + 1, errorCol: len(up.Header), typesCol: up.TypesCol()}
	for i, h := range up.Header {
		if isErrorHeader(h) {
			l.width, l.errorCol = len(up.Header), i
			break
		}
	}
	return l
}

// isErrorHeader matches the Error column the way headers are matched on
// upload: ignoring case, spaces and a BOM.
func isErrorHeader(h string) bool {
	h = strings.ReplaceAll(strings.TrimPrefix(h, "\ufeff"), " ", "")
	return strings.EqualFold(h, ErrorColumn)
}

func (l layout) header() []string {
	out := make([]string, l.width)
	for i := range out {
		if i == l.errorCol {
			out[i] = ErrorColumn
			continue
		}
		out[i] = protect(l.up.Header[i])
	}
	return out
}

// record lays out one row: the header's columns with the Error cell set,
// then any cells the row has beyond the header, trailing empty ones dropped.
func (l layout) record(r ErrorRow) []string {
	n := len(l.up.Header)
	out := make([]string, l.width, l.width+max(0, len(r.Record)-n))
	for i := 0; i < n && i < len(r.Record); i++ {
		out[i] = l.cell(i, r.Record[i])
	}
	out[l.errorCol] = protect(joinIssues(r.Issues))
	if t := l.typesCol; t >= 0 && t < n && t != l.errorCol && strings.TrimSpace(out[t]) == "" && !r.Types.All() {
		out[t] = protect(typesCell(r.Types))
	}
	if len(r.Record) > n {
		out = append(out, trimEmpty(r.Record[n:])...)
		for i := l.width; i < len(out); i++ {
			out[i] = protect(out[i])
		}
	}
	return out
}

// cell protects the cell at index i; ID cells are kept as read unless they
// are formula-like, which no valid ID is.
func (l layout) cell(i int, s string) string {
	if i == l.up.FromCol || i == l.up.ToCol {
		if !isFormulaLike(strings.TrimSpace(s)) {
			return s
		}
	}
	return protect(s)
}

// protect neutralises a formula-like cell unless it is neutralised already:
// a name exported as "'=Eve" must come back as "'=Eve", not "”=Eve".
func protect(s string) string {
	if handover.Unneutralize(s) != s {
		return s
	}
	return handover.Neutralize(s)
}

func isFormulaLike(s string) bool {
	return handover.Neutralize(s) != s
}

func trimEmpty(cells []string) []string {
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	return cells
}

// typesCell writes data types as a Data Types cell: "contacts, evaluations".
func typesCell(s handover.TypeSet) string { return strings.Join(s.Tables(), ", ") }

func joinIssues(issues []handover.Issue) string {
	parts := make([]string, len(issues))
	for i, is := range issues {
		parts[i] = is.String()
	}
	return strings.Join(parts, "; ")
}

// PlanErrors returns the rows of a plan that have errors, with all their
// issues, for `preview --errors` and for rows skipped by run --skip-invalid.
func PlanErrors(p *handover.Plan) []ErrorRow {
	var out []ErrorRow
	for _, r := range p.Rows {
		if r.Status == handover.StatusError {
			out = append(out, ErrorRow{Record: r.Record, Issues: r.Issues, Types: r.Types})
		}
	}
	return out
}

// FailedRows returns the audit rows of a job's failed pairs. A pair whose
// ledger record lost its cells (or a --from/--to pair, up nil) gets a record
// rebuilt from its IDs and source name in the upload's columns.
func FailedRows(up *handover.Upload, failed []handover.JobPair) []ErrorRow {
	if up == nil {
		up = handover.PairUpload("", "")
	}
	out := make([]ErrorRow, 0, len(failed))
	for _, jp := range failed {
		r := ErrorRow{Record: jp.Record, Types: jp.Types}
		if r.Record == nil {
			r.Record = rebuild(up, jp)
		}
		if jp.Error != nil {
			r.Issues = []handover.Issue{*jp.Error}
		}
		out = append(out, r)
	}
	return out
}

func rebuild(up *handover.Upload, jp handover.JobPair) []string {
	rec := make([]string, len(up.Header))
	set := func(i int, s string) {
		if i >= 0 && i < len(rec) {
			rec[i] = s
		}
	}
	set(up.FromCol, strconv.FormatInt(jp.From, 10))
	set(up.ToCol, strconv.FormatInt(jp.To, 10))
	set(up.NameCol, handover.Neutralize(jp.FromName))
	return rec
}
