package web

import (
	"net/url"
	"strconv"
	"strings"

	"handover"
)

// perPageChoices are the options of Rows per page; the first is the
// default.
var perPageChoices = []int{25, 10, 50, 100}

// maxSearch is the most characters of a preview search that are used.
const maxSearch = 100

// previewQuery is what a preview page shows of a plan: a page of its rows,
// optionally only those with errors or those matching a search.
type previewQuery struct {
	Page, PerPage int
	ErrorsOnly    bool
	Search        string
}

// parsePreviewQuery reads a preview page's query; values out of range
// fall back to the defaults rather than failing the page.
func parsePreviewQuery(v url.Values) previewQuery {
	q := previewQuery{Page: 1, PerPage: perPageChoices[0], ErrorsOnly: v.Get("errors") == "1"}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 1 {
		q.Page = n
	}
	if n, err := strconv.Atoi(v.Get("per")); err == nil {
		for _, c := range perPageChoices {
			if n == c {
				q.PerPage = n
			}
		}
	}
	q.Search = strings.TrimSpace(v.Get("q"))
	if r := []rune(q.Search); len(r) > maxSearch {
		q.Search = string(r[:maxSearch])
	}
	return q
}

// values returns the query with page p, for the page arrows' links.
func (q previewQuery) values(p int) url.Values {
	v := url.Values{}
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	if q.PerPage != perPageChoices[0] {
		v.Set("per", strconv.Itoa(q.PerPage))
	}
	if q.ErrorsOnly {
		v.Set("errors", "1")
	}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	return v
}

// matches reports whether row r is shown under the filter and search: the
// search text is found in either name or ID (case-insensitive).
func (q previewQuery) matches(r handover.PlanRow) bool {
	if q.ErrorsOnly && r.Status != handover.StatusError {
		return false
	}
	if q.Search == "" {
		return true
	}
	s := strings.ToLower(q.Search)
	for _, hay := range []string{r.FromName, r.ToName, idText(r.From), idText(r.To)} {
		if hay != "" && strings.Contains(strings.ToLower(hay), s) {
			return true
		}
	}
	return false
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// pageOf is one page of a plan's rows as a preview page shows it.
type pageOf struct {
	Rows         []handover.PlanRow
	Matching     int // rows that pass the filter and search
	First, Last  int // 1-based positions of the page's rows among them
	Page, Pages  int
	Prev, Next   string // query strings of the page arrows, "" at an end
	Query        previewQuery
	PerPageNames []int
}

// paginate cuts the rows that q shows into its page; a page past the end
// shows the last one.
func paginate(rows []handover.PlanRow, q previewQuery) pageOf {
	var shown []handover.PlanRow
	for _, r := range rows {
		if q.matches(r) {
			shown = append(shown, r)
		}
	}
	p := pageOf{Matching: len(shown), Query: q, PerPageNames: perPageChoices, Pages: max(1, (len(shown)+q.PerPage-1)/q.PerPage)}
	p.Page = min(q.Page, p.Pages)
	start := (p.Page - 1) * q.PerPage
	end := min(start+q.PerPage, len(shown))
	p.Rows = shown[start:end]
	if len(p.Rows) > 0 {
		p.First, p.Last = start+1, end
	}
	if p.Page > 1 {
		p.Prev = "?" + q.values(p.Page-1).Encode()
	}
	if p.Page < p.Pages {
		p.Next = "?" + q.values(p.Page+1).Encode()
	}
	return p
}

// typeTotal is what one data type moves over a whole file.
type typeTotal struct {
	Type              handover.DataType
	Rows, Overwritten int64
	Pairs             int // pairs that move at least one row of the type
}

// typeTotals sums, per data type in catalog order, what the pairs that
// would run move (a repeated pair once), leaving out types nothing moves.
func typeTotals(p *handover.Plan) []typeTotal {
	sums := map[string]*typeTotal{}
	for _, r := range p.Rows {
		if !r.Runnable() || r.Repeats() {
			continue
		}
		for _, m := range r.Moves {
			t, ok := sums[m.Type]
			if !ok {
				t = &typeTotal{}
				sums[m.Type] = t
			}
			t.Rows, t.Overwritten = t.Rows+m.Rows, t.Overwritten+m.Overwritten
			if m.Rows > 0 || m.Overwritten > 0 {
				t.Pairs++
			}
		}
	}
	var out []typeTotal
	for _, dt := range handover.Catalog {
		if t, ok := sums[dt.Table]; ok && (t.Rows > 0 || t.Overwritten > 0) {
			t.Type = dt
			out = append(out, *t)
		}
	}
	return out
}

// wouldRun is what pressing Run Transfer would do, as the confirmation
// dialog states it.
type wouldRun struct {
	Pairs, Skipped     int
	Moved, Overwritten int64
}

func newWouldRun(p *handover.Plan) wouldRun {
	pairs, moved, over := p.WouldRun()
	return wouldRun{Pairs: pairs, Skipped: p.Errors, Moved: moved, Overwritten: over}
}
