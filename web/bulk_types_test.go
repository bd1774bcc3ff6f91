package web

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"handover"
)

// TestWebPreviewShowsWhatStays: a row that chooses some data types shows
// them on the Bulk preview, with what is left with the source, as the
// command line's preview says it.
func TestWebPreviewShowsWhatStays(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		p := c.agentPairs(1)[0]
		path := b.uploadCSV("split.csv", fmt.Sprintf("From User ID,To User ID,Data Types\n%d,%d,Contacts\n", p.From, p.To))
		plan := c.plan(c.info.TenantAdmin, fmt.Sprintf("From User ID,To User ID,Data Types\n%d,%d,Contacts\n", p.From, p.To))
		stays := plan.Rows[0].Stays
		if len(stays) == 0 {
			t.Fatalf("source %d keeps nothing but contacts; the test needs rows of other types", p.From)
		}
		want := []string{"Data types:</span> " + html.EscapeString(handover.Catalog[0].Name), "Left with the source:</span> " + html.EscapeString(handover.StaysText(stays))}
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %s", resp.Status)
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("the Bulk preview lacks %q", w)
			}
		}
	})
}
