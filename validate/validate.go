// Package validate turns an upload into a plan: it checks every pair row of
// an edited people spreadsheet against the directory and gives each row its
// issues, using the stable codes of the root handover package.
//
// Validation asks the directory a constant number of questions per file (one
// Users lookup with every ID, one VisibleTeams, one Transferred with the
// candidate pairs), never one per row, so a 2,000-pair file costs the same
// three queries as a single pair.
//
// Within a row, errors come first and then warnings, each in a fixed order:
// missing_from, bad_id, bad_type, unknown_user, out_of_view, self_transfer,
// tenant_admin, name_mismatch, both_inactive, fan_out, fan_in, chain, then
// duplicate_row, inactive_target, already_transferred, left_behind; for one code the From
// User ID comes before the To User ID. The output depends only on the upload and the
// directory's answers, so previews are reproducible.
//
// Names of users are shown only for users of the operator's tenant within the
// operator's view: an ID from another tenant reads exactly like an ID that
// does not exist.
package validate

import (
	"context"

	"handover"
)

// Column names as the people CSV spells them; messages name the cell at fault.
const (
	fromColumn = "From User ID"
	toColumn   = "To User ID"
)

// Validator checks an upload against the directory.
type Validator struct {
	Dir      handover.Directory
	MaxPairs int // 0 means handover.DefaultMaxPairs
	// DeactivateSource says the run deactivates each source
	// (--deactivate-source): an inactive target is then the error
	// both_inactive instead of the warning inactive_target.
	DeactivateSource bool
	// Types are the data types of rows whose Data Types cell is empty
	// (--types); zero means every type.
	Types handover.TypeSet
}

// Validate returns the plan for up as op would run it: one PlanRow per upload
// row, in the same order, with the row's issues and the names of the users the
// operator may see. Row problems are issues in the plan, not errors: the error
// is a *handover.Error with code LimitExceeded when the file has more pairs
// than allowed, ErrForbidden when op may not hand data over, or a wrapped
// directory error.
//
// An upload whose encoding was open (up.Readings) is settled first: Validate
// makes up use the reading whose Name cells match the directory best, so
// that a file saved in a Central European code page reads as one.
func (v *Validator) Validate(ctx context.Context, op handover.User, up *handover.Upload) (*handover.Plan, error) {
	if !op.CanOperate() {
		return nil, handover.Errorf(handover.ErrForbidden,
			"%s cannot hand data over: only an active admin or tenant admin can",
			handover.Label(op.Name, &op.ID))
	}
	if err := v.checkLimit(up); err != nil {
		return nil, err
	}
	readings := readingsOf(up)
	parsed := make([][]handover.PlanRow, len(readings))
	var all []handover.PlanRow
	for i, rd := range readings {
		parsed[i] = parseRows(rd.Rows, v.Types)
		all = append(all, parsed[i]...)
	}
	view, err := lookUp(ctx, v.Dir, op, all) // every reading's IDs, in one question
	if err != nil {
		return nil, err
	}
	pick := pickReading(readings, parsed, view)
	if len(up.Readings) > 0 {
		up.Use(readings[pick])
	}
	plan := &handover.Plan{Upload: up, Operator: op, Rows: parsed[pick]}
	for i := range plan.Rows {
		checkUsers(&plan.Rows[i], view, nameOf(up, i), readings[pick].Replaces, v.DeactivateSource)
		checkSelf(&plan.Rows[i])
	}
	checkShape(plan.Rows)
	if err := checkTransferred(ctx, v.Dir, op, plan.Rows, view); err != nil {
		return nil, err
	}
	for i := range plan.Rows {
		sortIssues(plan.Rows[i].Issues)
	}
	plan.Tally()
	return plan, nil
}

// checkLimit rejects a file with more pairs than the limit.
func (v *Validator) checkLimit(up *handover.Upload) error {
	limit := v.MaxPairs
	if limit <= 0 {
		limit = handover.DefaultMaxPairs
	}
	if len(up.Rows) <= limit {
		return nil
	}
	name := up.Name
	if name == "" || name == "-" {
		name = "the upload"
	}
	return handover.Errorf(handover.LimitExceeded,
		"%s has %d pairs, more than the limit of %d pairs per file: split it into files of at most %d pairs",
		name, len(up.Rows), limit, limit)
}

// parseRows makes one plan row per upload row with its IDs and data types
// parsed and the issues of those cells; an empty Data Types cell takes
// defaults.
func parseRows(rows []handover.Row, defaults handover.TypeSet) []handover.PlanRow {
	out := make([]handover.PlanRow, len(rows))
	for i, r := range rows {
		pr := &out[i]
		pr.Row, pr.Record = r.Line, r.Record
		pr.Types = parseTypes(pr, r.Types, defaults)
		if isBlank(r.From) {
			add(pr, handover.MissingFrom,
				"%s is empty: type the ID of the user whose data is handed over, or clear %s if this row is not a handover",
				fromColumn, toColumn)
		} else {
			pr.From = parseInto(&pr.Issues, fromColumn, r.From)
		}
		pr.To = parseInto(&pr.Issues, toColumn, r.To)
	}
	return out
}

// parseInto parses cell, appending its issue to issues; it returns nil when
// the cell is not a valid ID.
func parseInto(issues *[]handover.Issue, column, cell string) *int64 {
	id, bad := parseCell(column, cell)
	if bad != nil {
		*issues = append(*issues, *bad)
		return nil
	}
	return &id
}

// nameOf returns the Name cell of row i, or "" when the upload has no Name
// column.
func nameOf(up *handover.Upload, i int) string {
	if up.NameCol < 0 {
		return ""
	}
	return up.Rows[i].Name
}
