package validate

import (
	"fmt"
	"slices"
	"strings"

	"handover"
)

// typesColumn is the column choosing a row's data types.
const typesColumn = handover.TypesColumn

// parseTypes reads a row's Data Types cell, adding bad_type when it names
// something that is not a data type; an empty cell takes defaults.
func parseTypes(r *handover.PlanRow, cell string, defaults handover.TypeSet) handover.TypeSet {
	if isBlank(cell) {
		return defaults
	}
	types, err := handover.ParseTypes(cell)
	if err != nil {
		add(r, handover.BadType,
			"%s %s: %v; the data types are %s, separated by , ; or |, or only exclusions such as -schedules (empty means every type)",
			typesColumn, quote(cell), err, handover.TypeList())
	}
	return types
}

// conflicts returns the rows of the same source as rows[i] whose data
// types overlap its own (a repeat of the same pair with the same types is
// duplicate_row, not a conflict) and the overlapping types.
// A row whose Data Types cell is bad_type chooses nothing anyone can tell,
// so it conflicts with no row: its own error is what to fix.
func (s *shape) conflicts(rows []handover.PlanRow, i int) (lines []int, overlap handover.TypeSet, allTypes bool) {
	p, _ := candidate(rows[i])
	allTypes = rows[i].Types.All()
	if hasCode(rows[i], handover.BadType) {
		return nil, 0, allTypes
	}
	for _, j := range s.rowsOf[p.From] {
		q, _ := candidate(rows[j])
		if j == i || (q == p && rows[j].Types.Equal(rows[i].Types)) || hasCode(rows[j], handover.BadType) {
			continue
		}
		if o := rows[i].Types.Overlap(rows[j].Types); o != 0 {
			lines, overlap = append(lines, rows[j].Row), overlap|o
			allTypes = allTypes && rows[j].Types.All()
		}
	}
	return lines, overlap, allTypes
}

// checkFan adds fan_out when another row hands some of the same source's
// data types over too, and fan_in when several sources hand over to the
// row's target.
func (s *shape) checkFan(rows []handover.PlanRow, i int, p handover.Pair) {
	r := &rows[i]
	switch lines, overlap, all := s.conflicts(rows, i); {
	case len(lines) == 0:
	case all:
		add(r, handover.FanOut,
			"%s %d is handed over to %d different users (%s): one user's data can go to only one successor; keep one of these rows",
			fromColumn, p.From, s.targets[p.From], rowList(s.bySource[p.From]))
	default:
		lines = append(lines, r.Row)
		slices.Sort(lines)
		add(r, handover.FanOut,
			"%s %d hands %s over on %s: each data type of a user can go to only one successor; give these rows %s that do not overlap, or keep one of them",
			fromColumn, p.From, overlap.Names(), rowList(lines), typesColumn)
	}
	if n := s.sources[p.To]; n > 1 {
		add(r, handover.FanIn,
			"%s %d receives data from %d different users (%s): overwritten data such as schedules can come from only one source; keep one of these rows and hand the others over in later files",
			toColumn, p.To, n, rowList(s.byTarget[p.To]))
	}
}

// hasCode reports whether a row has an issue with code.
func hasCode(r handover.PlanRow, code handover.Code) bool {
	return slices.ContainsFunc(r.Issues, func(i handover.Issue) bool { return i.Code == code })
}

// typedPair is a pair with the data types it hands over: the identity of
// a row for duplicate_row.
type typedPair struct {
	handover.Pair
	types int64
}

func typed(p handover.Pair, r handover.PlanRow) typedPair {
	return typedPair{Pair: p, types: r.Types.Mask()}
}

// LeftBehind adds the warning left_behind to every runnable row whose
// source keeps rows (its Stays, filled in by the prediction) although the
// run would deactivate it (--deactivate-source), and recomputes the
// plan's totals.
func LeftBehind(plan *handover.Plan) {
	for i := range plan.Rows {
		r := &plan.Rows[i]
		if !r.Runnable() || len(r.Stays) == 0 || r.From == nil {
			continue
		}
		add(r, handover.LeftBehind,
			"--deactivate-source would deactivate %s, who keeps %s that no row hands over: choose those types on a row too (%s), or run without --deactivate-source",
			handover.Label(r.FromName, r.From), stayingRows(r.Stays), typesColumn)
		sortIssues(r.Issues)
	}
	plan.Tally()
}

// maxNamed is how many data types a message names before "and N more".
const maxNamed = 3

// stayingRows says what a source keeps: "4 rows of Schedules and Work
// shifts", "15 rows of Contact goals, Storage files, Audit events and 5 more
// types".
func stayingRows(stays []handover.Stay) string {
	var n int64
	var names []string
	for _, s := range stays {
		n += s.Rows
		if t, ok := handover.LookupType(s.Type); ok {
			names = append(names, t.Name)
		}
	}
	rows := fmt.Sprintf("%d rows", n)
	if n == 1 {
		rows = "1 row"
	}
	switch {
	case len(names) > maxNamed:
		return fmt.Sprintf("%s of %s and %d more types", rows, strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
	case len(names) > 1:
		return rows + " of " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return rows + " of " + strings.Join(names, "")
}
