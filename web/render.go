package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"handover"
	"handover/audit"
	"handover/transfer"
)

var (
	//go:embed templates
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// pages holds each page's template (the layout, the shared partials and
// that page's content), parsed once at start.
type pages map[string]*template.Template

// page is what every template gets: its title, the signed-in operator
// (nil on the sign-in page), its tab and the page's own data.
type page struct {
	Title string
	Op    *handover.User
	Tab   string // the console tab the page belongs to: "single", "bulk" or "jobs"
	Data  any

	Busy *transfer.RunningJob // the tenant's running job, for the banner of a signed-in page
}

// funcs are the helpers templates use.
var funcs = template.FuncMap{
	"person":   person,
	"when":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"typeName": typeLabel,
	"notified": audit.NotifiedText,
}

// typeLabel is a data type's name ("Evaluations"), its table when unknown.
func typeLabel(table string) string {
	if t, ok := handover.LookupType(table); ok {
		return t.Name
	}
	return table
}

// person renders a user as every page shows them: "Jenny Andrews (11)",
// or "(11)" when the name is hidden (outside the operator's view).
func person(name string, id int64) string { return handover.Label(name, &id) }

func parsePages() (pages, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", f, err)
		}
		p[name] = t
	}
	return p, nil
}

// render writes page name with status. It renders into a buffer first, so
// that a template error is a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data page) {
	var buf bytes.Buffer
	data.Busy = s.busy(r, data.Op)
	t, ok := s.pages[name]
	if !ok {
		s.Log.Error().Str("template", name).Msg("no such template")
		http.Error(w, "internal error: see the server log", http.StatusInternalServerError)
		return
	}
	if err := t.Execute(&buf, data); err != nil {
		s.Log.Error().Err(err).Str("template", name).Str("path", r.URL.Path).Msg("render page")
		http.Error(w, "internal error: see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
