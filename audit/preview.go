package audit

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"handover"
)

// PreviewJSON writes the plan as the one JSON object the README specifies.
// The plan is not modified: empty issue, move and file-error lists are
// written as [] whether or not Tally has made them non-nil.
func PreviewJSON(w io.Writer, p *handover.Plan) error {
	return writeJSON(w, jsonPlan(p))
}

// jsonPlan returns a shallow copy of p whose JSON lists are all non-nil.
func jsonPlan(p *handover.Plan) *handover.Plan {
	c := *p
	if c.FileErrors == nil {
		c.FileErrors = []handover.Issue{}
	}
	c.Rows = make([]handover.PlanRow, len(p.Rows))
	for i, r := range p.Rows {
		if r.Issues == nil {
			r.Issues = []handover.Issue{}
		}
		if r.Moves == nil {
			r.Moves = []handover.Move{}
		}
		if r.Stays == nil {
			r.Stays = []handover.Stay{}
		}
		c.Rows[i] = r
	}
	return &c
}

// PreviewText writes one page of the plan for a terminal: the totals and
// "page x of y", then per pair its row, both names with the arrow, its
// status, its issues, per data type the rows that will move and the target
// rows overwritten, and what is left with the source (the data types no
// row hands over), and finally what run would do. A page outside
// the plan is a usage error naming the valid range.
func PreviewText(w io.Writer, p *handover.Plan, page, perPage int) error {
	if perPage < 1 {
		return handover.Errorf(handover.ErrUsage, "--per-page must be at least 1, not %d", perPage)
	}
	pages := max(1, (len(p.Rows)+perPage-1)/perPage)
	if page < 1 || page > pages {
		return handover.Errorf(handover.ErrUsage,
			"--page %d is out of range: this preview has pages 1 to %d at %d pairs per page", page, pages, perPage)
	}
	ew := &errWriter{w: w}
	first, last := (page-1)*perPage, min(page*perPage, len(p.Rows))
	ew.printf("%s\n", Totals(p))
	ew.printf("Page %d of %d", page, pages)
	if last > first {
		ew.printf(" (pairs %d–%d of %d)", first+1, last, len(p.Rows))
	}
	ew.printf("\n")
	writeFileErrors(ew, p.FileErrors)
	for _, r := range p.Rows[first:last] {
		ew.printf("\n")
		writePlanRow(ew, r)
	}
	writeVerdict(ew, p)
	return ew.err
}

// ErrorsText writes what a refused run shows: the plan's totals, only its
// rows with errors, and what run would do with the whole plan (so that the
// numbers are those of the file, not of its error rows).
func ErrorsText(w io.Writer, p *handover.Plan) error {
	ew := &errWriter{w: w}
	ew.printf("%s\n", Totals(p))
	writeFileErrors(ew, p.FileErrors)
	for _, r := range p.Rows {
		if r.Status == handover.StatusError {
			ew.printf("\n")
			writePlanRow(ew, r)
		}
	}
	writeVerdict(ew, p)
	return ew.err
}

// AlreadyText lists the plan's pairs that an earlier job transferred
// already, each with that job, so that running a finished file again says
// so; it writes nothing when there are none.
func AlreadyText(w io.Writer, p *handover.Plan) error {
	ew := &errWriter{w: w}
	head := false
	for _, r := range p.Rows {
		if is, ok := already(r); ok {
			if !head {
				ew.printf("Already transferred (these pairs move only rows their sources have gained since):\n")
				head = true
			}
			ew.printf("  %s  %s\n", Clean(rowArrow(r)), Clean(is.Message))
		}
	}
	return ew.err
}

// already returns the already_transferred warning of a row that will run.
func already(r handover.PlanRow) (handover.Issue, bool) {
	for _, is := range r.Issues {
		if is.Code == handover.AlreadyTransferred && r.Runnable() {
			return is, true
		}
	}
	return handover.Issue{}, false
}

// rowArrow renders "Row 5  John Smith (19) → Jenny Andrews (11)", without
// the row for a pair that has none (a --from/--to pair, row 0).
func rowArrow(r handover.PlanRow) string {
	if r.Row == 0 {
		return r.Arrow()
	}
	return "Row " + strconv.Itoa(r.Row) + "  " + r.Arrow()
}

// writeVerdict ends the preview with what run would do and what to fix.
func writeVerdict(ew *errWriter, p *handover.Plan) {
	would, advice := verdict(p)
	ew.printf("\n%s\n", would)
	if advice != "" {
		ew.printf("%s\n", advice)
	}
}

// verdict says what run would do with the plan and, when it would refuse,
// what the admin should do first.
func verdict(p *handover.Plan) (would, advice string) {
	switch {
	case len(p.FileErrors) > 0:
		return "Nothing would run: the file was rejected.", "Fix the file and preview it again."
	case p.Errors > 0:
		return WouldRun(p), "Fix the errors (or use run --skip-invalid) before running."
	}
	return WouldRun(p), ""
}

// Totals summarises a plan's verdicts: "3 pairs: 1 ok, 1 warning, 1 error".
func Totals(p *handover.Plan) string {
	return fmt.Sprintf("%s: %d ok, %s, %s", plural(p.Pairs, "pair", "pairs"), p.OK,
		plural(p.Warnings, "warning", "warnings"), plural(p.Errors, "error", "errors"))
}

// WouldRun says what run would do with the plan: how many pairs would run
// and how many rows would move and be overwritten. Rows with errors do not
// count: they run neither without nor with --skip-invalid.
func WouldRun(p *handover.Plan) string {
	n, moved, over := p.WouldRun()
	s := fmt.Sprintf("Run would transfer %s: %s would move, %s would be overwritten.",
		plural(n, "pair", "pairs"), plural(moved, "row", "rows"), plural(over, "target row", "target rows"))
	if left := p.Staying(); left > 0 {
		s = strings.TrimSuffix(s, ".") + fmt.Sprintf(", %s would stay with their sources.", plural(left, "row", "rows"))
	}
	if p.Errors > 0 {
		s += fmt.Sprintf(" %s with errors would not run.", plural(p.Errors, "pair", "pairs"))
	}
	return s
}

func writeFileErrors(ew *errWriter, issues []handover.Issue) {
	if len(issues) == 0 {
		return
	}
	ew.printf("\nThe file was rejected:\n")
	for _, is := range issues {
		ew.printf("  error   %s\n", Clean(is.String()))
	}
}

// writePlanRow writes one pair: "Row 5  John Smith (19) → Jenny Andrews (11)  ok",
// its issues, and its moves.
func writePlanRow(ew *errWriter, r handover.PlanRow) {
	ew.printf("%s  %s\n", Clean(rowArrow(r)), r.Status)
	for _, is := range r.Issues {
		level := "error"
		if is.Code.IsWarning() {
			level = "warning"
		}
		ew.printf("  %-7s %s\n", level, Clean(is.String()))
	}
	if !r.Runnable() {
		ew.printf("  nothing will move until the errors are fixed\n")
		return
	}
	writeTypes(ew, r.Types)
	writeMoves(ew, r.Moves, "to move", "target")
	if len(r.Stays) > 0 {
		ew.printf("  left with the source: %s\n", handover.StaysText(r.Stays))
	}
}

// writeTypes names the data types a pair hands over, when only some.
func writeTypes(ew *errWriter, types handover.TypeSet) {
	if !types.All() {
		ew.printf("  data types: %s\n", types.Names())
	}
}

// writeMoves writes one line per data type that moves or overwrites rows,
// or "nothing to move".
func writeMoves(ew *errWriter, moves []handover.Move, verb, whose string) {
	shown := 0
	for _, m := range moves {
		if m.Rows == 0 && m.Overwritten == 0 {
			continue
		}
		shown++
		line := plural(m.Rows, "row", "rows") + " " + verb
		if m.Overwritten > 0 {
			line += ", " + plural(m.Overwritten, whose+" row", whose+" rows") + " overwritten"
		}
		ew.printf("  %-*s %s\n", nameWidth, typeName(m.Type)+":", line)
	}
	if shown == 0 {
		ew.printf("  nothing %s\n", verb)
	}
}

// nameWidth fits the longest data type name and its colon.
var nameWidth = func() int {
	n := 0
	for _, t := range handover.Catalog {
		n = max(n, len([]rune(t.Name))+1)
	}
	return n
}()

// typeName returns the human name of a data type, or the table name when
// the catalog does not know it.
func typeName(table string) string {
	if t, ok := handover.LookupType(table); ok {
		return t.Name
	}
	return strings.TrimSpace(table)
}
