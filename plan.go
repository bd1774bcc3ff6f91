package handover

// Plan is what a preview shows and a run executes: every pair row with its
// verdict and, once counted, the rows each data type will move.
type Plan struct {
	Pairs      int       `json:"pairs"`
	OK         int       `json:"ok"`
	Warnings   int       `json:"warnings"`
	Errors     int       `json:"errors"`
	FileErrors []Issue   `json:"file_errors"`
	Rows       []PlanRow `json:"rows"`
	Upload     *Upload   `json:"-"`
	Operator   User      `json:"-"`
	// Predicted says the rows' Moves were counted from the database (an
	// empty Moves then means nothing to move, not "not counted yet").
	Predicted bool `json:"-"`
}

// PlanRow is one pair row with its verdict.
type PlanRow struct {
	Row      int      `json:"row"`
	From     *int64   `json:"from"` // nil when the cell is not a valid ID
	FromName string   `json:"from_name"`
	To       *int64   `json:"to"`
	ToName   string   `json:"to_name"`
	Status   Status   `json:"status"`
	Issues   []Issue  `json:"issues"`
	Moves    []Move   `json:"moves"`
	Stays    []Stay   `json:"stays"` // rows the source keeps: types no row of the file hands over
	Types    TypeSet  `json:"-"`     // the data types the row hands over (zero: every type)
	Record   []string `json:"-"`     // the upload's cells, for the audit file
}

// Pair returns the row's pair; ok is false when either ID is missing.
func (r PlanRow) Pair() (p Pair, ok bool) {
	if r.From == nil || r.To == nil {
		return Pair{}, false
	}
	return Pair{From: *r.From, To: *r.To}, true
}

// Runnable reports whether the row may be executed.
func (r PlanRow) Runnable() bool { return r.Status != StatusError }

// Touches counts the rows the row is predicted to move and overwrite.
func (r PlanRow) Touches() int64 {
	var n int64
	for _, m := range r.Moves {
		n += m.Rows + m.Overwritten
	}
	return n
}

// Repeats reports whether the row is a runnable repeat of an earlier row
// of its file: the pair runs once, for that row, so this one moves nothing.
func (r PlanRow) Repeats() bool {
	if !r.Runnable() {
		return false
	}
	for _, i := range r.Issues {
		if i.Code == DuplicateRow {
			return true
		}
	}
	return false
}

// Tally recomputes the plan's totals from its rows and makes the JSON
// slices non-nil.
func (p *Plan) Tally() {
	p.Pairs, p.OK, p.Warnings, p.Errors = len(p.Rows), 0, 0, 0
	if p.FileErrors == nil {
		p.FileErrors = []Issue{}
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		r.Status = StatusOf(r.Issues)
		if r.Issues == nil {
			r.Issues = []Issue{}
		}
		if r.Moves == nil {
			r.Moves = []Move{}
		}
		if r.Stays == nil {
			r.Stays = []Stay{}
		}
		switch r.Status {
		case StatusOK:
			p.OK++
		case StatusWarning:
			p.Warnings++
		default:
			p.Errors++
		}
	}
}

// WouldRun counts what running the plan would do: the pairs that would run
// (runnable rows, a repeated pair once) and the rows they would move and
// overwrite.
func (p *Plan) WouldRun() (pairs int, moved, overwritten int64) {
	for _, r := range p.Rows {
		if !r.Runnable() || r.Repeats() {
			continue
		}
		pairs++
		for _, m := range r.Moves {
			moved, overwritten = moved+m.Rows, overwritten+m.Overwritten
		}
	}
	return pairs, moved, overwritten
}

// Staying counts the rows that running the plan would leave with their
// sources: of the types that no runnable row hands over, each split
// source counted once.
func (p *Plan) Staying() int64 {
	var n int64
	seen := map[int64]bool{}
	for _, r := range p.Rows {
		if !r.Runnable() || r.From == nil || seen[*r.From] {
			continue
		}
		seen[*r.From] = true
		for _, s := range r.Stays {
			n += s.Rows
		}
	}
	return n
}

// Label renders a user as the preview shows them: "John Smith (19)".
func Label(name string, id *int64) string {
	switch {
	case id == nil:
		return "?"
	case name == "":
		return "(" + itoa(*id) + ")"
	}
	return name + " (" + itoa(*id) + ")"
}

// Arrow renders a pair as "John Smith (19) → Jenny Andrews (11)".
func (r PlanRow) Arrow() string {
	return Label(r.FromName, r.From) + " → " + Label(r.ToName, r.To)
}
