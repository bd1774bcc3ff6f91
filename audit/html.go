package audit

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"handover"
)

// page is the HTML preview: one self-contained page whose script renders the
// plan embedded at the placeholder.
//
//go:embed preview.html
var page string

const placeholder = "{{PLAN}}"

// pageData is what the page's script reads from its JSON island.
type pageData struct {
	Plan     *handover.Plan         `json:"plan"`
	File     string                 `json:"file,omitempty"`
	Types    map[string]string      `json:"types"`    // table name → human name
	Warnings map[handover.Code]bool `json:"warnings"` // codes in the plan that are warnings
	WouldRun string                 `json:"would_run"`
	Advice   string                 `json:"advice"`
}

// PreviewHTML writes the plan as one self-contained HTML page that works
// offline and has no links: the totals, what run would do, and a table of
// the pairs that can be paginated (10, 25, 50 or 100 rows per page),
// filtered by status and issue code and sorted by row.
//
// The plan travels as JSON inside <script type="application/json"> with <,
// > and & escaped, so no name can end the script early; the page puts data
// into the document only as text, never as markup.
func PreviewHTML(w io.Writer, p *handover.Plan) error {
	island, err := json.Marshal(newPageData(p)) // escapes <, >, & and U+2028/9
	if err != nil {
		return fmt.Errorf("encode preview page: %w", err)
	}
	head, tail, _ := strings.Cut(page, placeholder)
	ew := &errWriter{w: w}
	ew.printf("%s%s%s", head, island, tail)
	return ew.err
}

func newPageData(p *handover.Plan) pageData {
	d := pageData{Plan: jsonPlan(p), Types: map[string]string{}, Warnings: map[handover.Code]bool{}}
	d.WouldRun, d.Advice = verdict(p)
	if p.Upload != nil && p.Upload.Name != "-" {
		d.File = p.Upload.Name
	}
	for _, t := range handover.Catalog {
		d.Types[t.Table] = t.Name
	}
	for _, r := range p.Rows {
		for _, is := range r.Issues {
			d.Warnings[is.Code] = is.Code.IsWarning()
		}
	}
	return d
}
