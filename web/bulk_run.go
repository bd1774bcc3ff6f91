package web

import (
	"context"
	"net/http"
	"strconv"

	"handover"
	"handover/transfer"
)

// runRoutes registers the two Run Transfer posts.
func (s *Server) runRoutes(mux *http.ServeMux) {
	mux.Handle("POST /bulk/uploads/{id}/run", s.signedIn(s.handleBulkRun))
	mux.Handle("POST /single/run", s.signedIn(s.handleSingleRun))
}

// handleBulkRun starts the run of a stored upload on the server's runner,
// as confirmed in the dialog (its totals must still hold), and goes to the
// job's page. Rows with errors refuse it unless skip was ticked: the page
// disables the button, and this refuses it again.
func (s *Server) handleBulkRun(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	conf, err := confirmedForm(r)
	if err != nil {
		return err
	}
	id, opts := r.PathValue("id"), handover.RunOptions{SkipInvalid: r.PostFormValue("skip") == "1"}
	_, plan, err := s.Service.PreviewUpload(r.Context(), a, id, opts)
	if err != nil {
		return err
	}
	if err := runnable(plan, opts.SkipInvalid); err != nil {
		return err
	}
	return s.startRun(w, r, a, func(ctx context.Context, prog transfer.Progress) (transfer.Outcome, error) {
		return s.Service.RunUpload(ctx, a, id, opts, conf, prog)
	})
}

// handleSingleRun starts the run of one pair, as confirmed in the dialog,
// and goes to the job's page.
func (s *Server) handleSingleRun(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	conf, err := confirmedForm(r)
	if err != nil {
		return err
	}
	pair, err := s.requestedPair(r, a)
	if err != nil {
		return err
	}
	if err := pairRunnable(pair.Row); err != nil {
		return err
	}
	return s.startRun(w, r, a, func(ctx context.Context, prog transfer.Progress) (transfer.Outcome, error) {
		return s.Service.RunPair(ctx, a, pair.From, pair.To, handover.RunOptions{}, conf, prog)
	})
}

// startRun starts fn on the runner and redirects to its job's page.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request, a transfer.Access, fn jobFunc) error {
	job, err := s.start(a, fn)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+strconv.FormatInt(job.ID, 10), http.StatusSeeOther)
	return nil
}
