package csvio

import (
	"encoding/csv"
	"io"
	"strconv"

	"handover"
)

// peopleHeader is the header row of the people export.
var peopleHeader = handover.PeopleHeader

// utf8BOM makes Excel open the export as UTF-8 rather than the ANSI code page.
const utf8BOM = "\uFEFF"

// PeopleWriter writes the people CSV export: UTF-8 with a BOM and the header
// `From User ID,To User ID,Name,Email,Role,Status,Team,Data Types`. Each
// user's row has their ID in From User ID and an empty To User ID for the
// admin to fill in, and an empty Data Types cell: every type, unless the
// admin lists the types the row hands over.
// Every text cell is neutralised (handover.Neutralize) so that a spreadsheet
// shows it as text rather than evaluating it as a formula.
type PeopleWriter struct {
	w       *csv.Writer
	started bool
}

// NewPeopleWriter returns a PeopleWriter writing to w. The BOM and header are
// written with the first row, or by Flush for an export without users.
func NewPeopleWriter(w io.Writer) *PeopleWriter {
	return &PeopleWriter{w: csv.NewWriter(w)}
}

// Write writes one user's row.
func (p *PeopleWriter) Write(u handover.User) error {
	if err := p.start(); err != nil {
		return err
	}
	return p.w.Write([]string{
		strconv.FormatInt(u.ID, 10),
		"",
		handover.Neutralize(u.Name),
		handover.Neutralize(u.Email),
		handover.Neutralize(string(u.Role)),
		handover.Neutralize(u.Status()),
		handover.Neutralize(u.Team),
		"",
	})
}

// Flush writes any buffered rows to the underlying writer and reports any
// error from writing.
func (p *PeopleWriter) Flush() error {
	if err := p.start(); err != nil {
		return err
	}
	p.w.Flush()
	return p.w.Error()
}

// start writes the BOM and the header once.
func (p *PeopleWriter) start() error {
	if p.started {
		return nil
	}
	p.started = true
	// The BOM goes in the first cell so that csv.Writer buffers it with the
	// header; it never needs quoting.
	header := append([]string{utf8BOM + peopleHeader[0]}, peopleHeader[1:]...)
	return p.w.Write(header)
}
