package web

import (
	"bytes"
	"mime"
	"net/http"
	"path"
	"strings"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// consoleRoutes registers the Bulk and Single tabs.
func (s *Server) consoleRoutes(mux *http.ServeMux) {
	mux.Handle("GET /bulk", s.signedIn(s.handleBulk))
	mux.Handle("GET /bulk/people.csv", s.signedIn(s.handleExport))
	mux.Handle("POST /bulk/uploads", s.signedIn(s.handleUpload))
	mux.Handle("GET /bulk/uploads/{id}", s.signedIn(s.handlePreview))
	mux.Handle("GET /bulk/uploads/{id}/errors.csv", s.signedIn(s.handleErrorsCSV))
	mux.Handle("GET /bulk/uploads/{id}/confirm", s.signedIn(s.handleBulkConfirm))
	mux.Handle("GET /single", s.signedIn(s.handleSingle))
	mux.Handle("GET /single/users.json", s.signedIn(s.asJSON(s.handleUsersJSON)))
	mux.Handle("GET /single/preview.json", s.signedIn(s.asJSON(s.handlePairJSON)))
	mux.Handle("GET /single/confirm", s.signedIn(s.handleSingleConfirm))
	s.runRoutes(mux)
}

// handleBulk shows the Bulk tab: the export link and the upload form.
func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	uploads, err := s.Service.Uploads(r.Context(), a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "bulk", page{Title: "Bulk", Op: &a.Op, Tab: "bulk",
		Data: bulkPage{MaxUpload: megabytes(s.MaxUpload), Uploads: uploads}})
	return nil
}

// bulkPage is the Bulk tab before an upload.
type bulkPage struct {
	MaxUpload string // the upload limit, "50 MB"
	// Uploads are the operator's newest uploads, to come back to.
	Uploads []handover.StoredUpload
}

// handleExport downloads the people CSV of the operator's view: what
// `handover export` writes.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	var buf bytes.Buffer // whole, so that a failure is an error page, not a cut file
	if _, err := s.Service.Export(r.Context(), a, &buf); err != nil {
		return err
	}
	download(w, "people.csv", buf.Bytes())
	return nil
}

// download sends body as an attachment named name.
func download(w http.ResponseWriter, name string, body []byte) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	_, _ = w.Write(body)
}

// previewPage is one page of an upload's preview.
type previewPage struct {
	Upload handover.StoredUpload
	Plan   *handover.Plan
	pageOf
	Types   []typeTotal
	Would   wouldRun
	Confirm confirmPage // the dialog of Run Transfer
	Again   bulkPage    // the upload form, when the file cannot be used
}

// handlePreview shows a page of a stored upload's preview: the plan the
// command line's preview shows, paged, filtered and searched. A file
// rejected as a whole shows its file error and fix (422).
func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	stored, plan, err := s.Service.PreviewUpload(r.Context(), a, r.PathValue("id"), handover.RunOptions{})
	code := http.StatusOK
	if _, rejected := transfer.RejectedPlan(err); rejected {
		code = http.StatusUnprocessableEntity // the page is there; the file cannot be used
	} else if err != nil {
		return err
	}
	would := newWouldRun(plan)
	s.render(w, r, code, "preview", page{Title: "Preview of " + stored.Name, Op: &a.Op, Tab: "bulk",
		Data: previewPage{Upload: stored, Plan: plan, pageOf: paginate(plan.Rows, parsePreviewQuery(r.URL.Query())),
			Types: typeTotals(plan), Would: would, Again: bulkPage{MaxUpload: megabytes(s.MaxUpload)},
			Confirm: confirmPage{ID: "bulk", Dialog: true, Action: "/bulk/uploads/" + stored.ID + "/run", Would: would}}})
	return nil
}

// handleErrorsCSV downloads the errors-only CSV of a stored upload's rows
// with errors: the file `preview --errors` writes, in the upload's own
// format with an Error column, to fix and upload again.
func (s *Server) handleErrorsCSV(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	stored, plan, err := s.Service.PreviewUpload(r.Context(), a, r.PathValue("id"), handover.RunOptions{})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := audit.WriteErrors(&buf, plan.Upload, audit.PlanErrors(plan)); err != nil {
		return err
	}
	download(w, errorsName(stored.Name), buf.Bytes())
	return nil
}

// errorsName names the errors CSV of an upload: people.csv gives
// people-errors.csv.
func errorsName(upload string) string {
	base := upload
	if ext := path.Ext(upload); strings.EqualFold(ext, ".csv") || strings.EqualFold(ext, ".txt") {
		base = strings.TrimSuffix(upload, ext)
	}
	return base + "-errors.csv"
}

// confirmPage is the confirmation of a run, for a browser without
// JavaScript (with it, the same form is a dialog on the preview page).
type confirmPage struct {
	ID     string // "bulk" or "single": names the dialog's elements
	Dialog bool   // shown as a dialog (Cancel closes it) rather than a page
	Back   string // where Cancel goes on a page
	Action string // where the second Run Transfer posts
	Skip   bool
	Would  wouldRun
	Arrow  string            // a single pair's arrow; "" for a file
	Hidden map[string]string // more fields the form posts
}

// handleBulkConfirm asks to confirm the run of a stored upload. Rows with
// errors refuse it unless Skip rows with errors is ticked.
func (s *Server) handleBulkConfirm(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	skip := r.FormValue("skip") == "1"
	stored, plan, err := s.Service.PreviewUpload(r.Context(), a, r.PathValue("id"), handover.RunOptions{SkipInvalid: skip})
	if err != nil {
		return err
	}
	if err := runnable(plan, skip); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "confirm", page{Title: "Confirm the transfer", Op: &a.Op, Tab: "bulk",
		Data: confirmPage{ID: "bulk", Action: "/bulk/uploads/" + stored.ID + "/run", Back: "/bulk/uploads/" + stored.ID,
			Skip: skip, Would: newWouldRun(plan)}})
	return nil
}

// runnable refuses a plan that Run Transfer may not start: one with rows
// with errors when skip is not ticked, or one with nothing to run. The
// flow refuses it too; this says it in the page's words.
func runnable(p *handover.Plan, skip bool) error {
	pairs, _, _ := p.WouldRun()
	switch {
	case len(p.FileErrors) > 0:
		return handover.Errorf(p.FileErrors[0].Code, "%s", p.FileErrors[0].Message)
	case p.Errors > 0 && !skip:
		return handover.Errorf(handover.ErrInvalid, "%s of %s have errors and nothing was run: fix them and upload the file again, or tick Skip rows with errors to run the %s",
			thousands(p.Errors), plural(p.Pairs, "row", "rows"), plural(pairs, "valid pair", "valid pairs"))
	case pairs == 0:
		return handover.Errorf(handover.ErrInvalid, "the file has no pair that can run: type each successor's ID in the To User ID column")
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}
