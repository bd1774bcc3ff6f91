package validate

import (
	"strings"

	"handover"
)

// shape indexes the pairs of a file to find duplicate_row, fan_out, fan_in
// and chain. Only candidate rows count: two valid IDs that differ.
type shape struct {
	first    map[typedPair]int // index of each pair's first row with the same data types
	pairs    map[handover.Pair]bool
	rowsOf   map[int64][]int // source → indexes of its rows
	targets  map[int64]int   // source → number of distinct targets
	sources  map[int64]int   // target → number of distinct sources
	bySource map[int64][]int // source → spreadsheet rows naming it as source
	byTarget map[int64][]int // target → spreadsheet rows naming it as target
}

// candidate returns a row's pair when it takes part in the file's shape.
func candidate(r handover.PlanRow) (handover.Pair, bool) {
	p, ok := r.Pair()
	return p, ok && p.From != p.To
}

func indexShape(rows []handover.PlanRow) *shape {
	s := &shape{
		first:    map[typedPair]int{},
		pairs:    map[handover.Pair]bool{},
		rowsOf:   map[int64][]int{},
		targets:  map[int64]int{},
		sources:  map[int64]int{},
		bySource: map[int64][]int{},
		byTarget: map[int64][]int{},
	}
	for i, r := range rows {
		p, ok := candidate(r)
		if !ok {
			continue
		}
		s.bySource[p.From] = append(s.bySource[p.From], r.Row)
		s.byTarget[p.To] = append(s.byTarget[p.To], r.Row)
		s.rowsOf[p.From] = append(s.rowsOf[p.From], i)
		if j, seen := s.first[typed(p, r)]; seen {
			// A repeated pair adds no target and no source. The row that
			// runs is the first without an error of its own (a row whose
			// Name cell is wrong does not make a correct repeat of it
			// redundant).
			if hasError(rows[j]) && !hasError(r) {
				s.first[typed(p, r)] = i
			}
			continue
		}
		s.first[typed(p, r)] = i
		if s.pairs[p] { // the same pair again with other data types: a split
			continue
		}
		s.pairs[p] = true
		s.targets[p.From]++
		s.sources[p.To]++
	}
	return s
}

// hasError reports whether a row already has an error.
func hasError(r handover.PlanRow) bool {
	for _, i := range r.Issues {
		if !i.Code.IsWarning() {
			return true
		}
	}
	return false
}

// checkShape adds the issues that come from how the file's pairs relate to
// each other rather than from one row alone.
func checkShape(rows []handover.PlanRow) {
	s := indexShape(rows)
	for i := range rows {
		r := &rows[i]
		p, ok := candidate(*r)
		if !ok {
			continue
		}
		if j := s.first[typed(p, *r)]; j != i {
			add(r, handover.DuplicateRow,
				"this row repeats row %d (%s %d → %s %d); running it again changes nothing, so it can be deleted",
				rows[j].Row, fromColumn, p.From, toColumn, p.To)
		}
		s.checkFan(rows, i, p)
		s.checkChain(r, p)
	}
}

// checkChain flags a row whose source is a target elsewhere in the file, or
// whose target is a source elsewhere: where the data ends up would depend on
// the order the pairs run in.
func (s *shape) checkChain(r *handover.PlanRow, p handover.Pair) {
	var parts []string
	if lines := s.byTarget[p.From]; len(lines) > 0 {
		parts = append(parts, fromColumn+" "+itoa(p.From)+" is also a To User ID ("+rowList(lines)+")")
	}
	if lines := s.bySource[p.To]; len(lines) > 0 {
		parts = append(parts, toColumn+" "+itoa(p.To)+" is also a From User ID ("+rowList(lines)+")")
	}
	if len(parts) == 0 {
		return
	}
	add(r, handover.Chain,
		"%s: data would be handed over twice in one file and where it ends up would depend on the order; put these rows in separate files and run them in the order you mean",
		strings.Join(parts, " and "))
}
