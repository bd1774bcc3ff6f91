package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// jobsShown is how many of the tenant's newest jobs the Jobs page lists.
const jobsShown = 100

// formLimit caps the body of the job pages' form posts, which hold a few
// numbers.
const formLimit = 64 << 10

// jobRoutes registers the routes of jobs beyond their list and page: the
// progress the job page polls, the audit download, and the actions.
func (s *Server) jobRoutes(mux *http.ServeMux) {
	mux.Handle("GET /jobs/{id}/progress", s.signedIn(s.handleProgress))
	mux.Handle("GET /jobs/{id}/audit.csv", s.signedIn(s.handleAudit))
	mux.Handle("POST /jobs/{id}/resume", s.signedIn(s.handleResume))
	mux.Handle("GET /jobs/{id}/verify", s.signedIn(s.handleVerify))
	mux.Handle("GET /jobs/{id}/undo", s.signedIn(s.handleUndoPage))
	mux.Handle("POST /jobs/{id}/undo", s.signedIn(s.handleUndo))
}

// jobRow is one job of the Jobs page: its totals per data type and
// whether it may be undone (a run with pairs done).
type jobRow struct {
	handover.Job
	Moves []handover.Move
}

// MayUndo reports whether the Jobs page offers Undo for the job: a
// finished run with pairs done. Whether this operator may undo it is
// decided when they ask (out_of_view).
func (j jobRow) MayUndo() bool {
	return j.Kind == handover.KindRun && (j.Status == handover.JobDone || j.Status == handover.JobFailed) && j.Done > 0
}

// UndoSummary is what the undo dialog says the undo would restore.
func (j jobRow) UndoSummary() string {
	s := "This gives the data of " + counted(int64(j.Done), "pair", "pairs") + " back to their sources"
	var parts []string
	for _, m := range j.Moves {
		parts = append(parts, typeLabel(m.Type)+": "+counted(m.Rows, "row", "rows"))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + ". Rows changed since the job ran are left alone and reported."
}

// handleJobs lists the tenant's jobs, newest first, with their totals per
// data type and their actions.
func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	rows, err := s.jobRows(r.Context(), a, 0)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "jobs", page{Title: "Jobs", Op: &a.Op, Data: rows})
	return nil
}

// jobRows returns the tenant's newest jobs with their moves; id > 0 asks
// for that one job only.
func (s *Server) jobRows(ctx context.Context, a transfer.Access, id int64) ([]jobRow, error) {
	var jobs []handover.Job
	var err error
	if id > 0 {
		job, _, err := s.Service.Show(ctx, a, id)
		if err != nil {
			return nil, err
		}
		jobs = []handover.Job{job}
	} else if jobs, err = s.Service.Jobs(ctx, a, jobsShown); err != nil {
		return nil, err
	}
	moves, err := s.Service.JobMoves(ctx, a, jobs)
	if err != nil {
		return nil, err
	}
	rows := make([]jobRow, len(jobs))
	for i, j := range jobs {
		rows[i] = jobRow{Job: j, Moves: moves[j.ID]}
	}
	return rows, nil
}

// jobPage is one job with its pairs as the operator may see them, its
// progress and, once it has ended, the pairs that were not transferred;
// and its verification when asked for.
type jobPage struct {
	Job          handover.Job
	Pairs        []handover.JobPair
	Progress     progressLine
	NotDone      []handover.JobPair
	Verification *handover.Verification
}

// pathJob parses the job number of a /jobs/{id} path.
func pathJob(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, handover.Errorf(handover.ErrNotFound, "there is no job %q: job numbers are whole numbers; see the Jobs page", r.PathValue("id"))
	}
	return id, nil
}

// handleJob shows one job: its progress while it runs (kept current by
// job.js, and by a reload without it), its end, and its pairs; users
// outside the operator's view show as "(ID)". Another tenant's job is not
// found.
func (s *Server) handleJob(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	p, err := s.jobPage(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "job", page{Title: "Job " + strconv.FormatInt(p.Job.ID, 10), Op: &a.Op, Data: p})
	return nil
}

// jobPage loads the job of the request's path as the job page shows it.
func (s *Server) jobPage(r *http.Request, a transfer.Access) (jobPage, error) {
	id, err := pathJob(r)
	if err != nil {
		return jobPage{}, err
	}
	job, view, err := s.Service.Show(r.Context(), a, id)
	if err != nil {
		return jobPage{}, err
	}
	p := jobPage{Job: job, Pairs: view.Pairs, Progress: s.progress(job, view.Pairs).line()}
	for _, jp := range view.Pairs {
		if jp.Status == handover.PairFailed {
			p.NotDone = append(p.NotDone, jp)
		}
	}
	return p, nil
}

// handleVerify shows the job page topped by the job's verification: its
// ledger compared with the data now.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	p, err := s.jobPage(r, a)
	if err != nil {
		return err
	}
	v, err := s.Service.Verify(r.Context(), a, p.Job.ID)
	if err != nil {
		return err
	}
	p.Verification = &v
	s.render(w, r, http.StatusOK, "job", page{Title: "Verify job " + strconv.FormatInt(p.Job.ID, 10), Op: &a.Op, Data: p})
	return nil
}

// handleUndoPage is the confirmation page of an undo, for a browser
// without the dialog (no JS): the totals and a second Undo button. An
// operator who may not undo the job (out_of_view) is told so here.
func (s *Server) handleUndoPage(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	job, view, err := s.Service.Show(r.Context(), a, id)
	if err != nil {
		return err
	}
	if err := view.MayChange(a, job, "undo"); err != nil {
		return err
	}
	rows, err := s.jobRows(r.Context(), a, job.ID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "undo", page{Title: "Undo job " + strconv.FormatInt(job.ID, 10), Op: &a.Op, Data: rows[0]})
	return nil
}

// handleUndo undoes a run in the background once the operator confirmed
// the totals shown (the dialog or the confirmation page), and goes to the
// undo job's page. A job running for the tenant refuses it with 409.
func (s *Server) handleUndo(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	conf, err := confirmedForm(r)
	if err != nil {
		return err
	}
	return s.startThenShow(w, r, a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return s.Service.Undo(ctx, a, id, conf, p)
	})
}

// progress returns a job's progress: live from this server while it runs
// the job, otherwise from the ledger's pair records (a job run by another
// process, or before a restart).
func (s *Server) progress(job handover.Job, pairs []handover.JobPair) progress {
	if t := s.jobs.live(job.ID); t != nil && job.Status == handover.JobRunning {
		return t.snapshot()
	}
	p := progress{Job: job.ID, Kind: job.Kind, Status: job.Status, Pairs: len(pairs)}
	var last time.Time
	for _, jp := range pairs {
		p.add(jp)
		if jp.At != nil && jp.At.After(last) {
			last = *jp.At
		}
	}
	p.SecondsLeft = secondsLeft(p, p.Done+p.Failed, last.Sub(job.Started))
	return p
}

// handleProgress answers job.js's poll with the job's progress as JSON. A
// job this server runs is answered from memory, without the database.
func (s *Server) handleProgress(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	var p progress
	if t := s.jobs.live(id); t != nil && t.op.TenantID == a.Op.TenantID {
		p = t.snapshot()
	} else {
		job, view, err := s.Service.Show(r.Context(), a, id)
		if err != nil {
			return err
		}
		p = s.progress(job, view.Pairs)
	}
	body, err := json.Marshal(p.line())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	return nil
}

// handleAudit downloads a job's errors-only audit CSV.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	return s.writeAudit(r.Context(), w, a, id)
}

// writeAudit writes job id's errors-only audit CSV as a download: the
// failed pairs in the upload's own format with their Error column, the
// file the command line's run writes, with names outside the operator's
// view left out. A job without failed pairs gives the header alone.
func (s *Server) writeAudit(ctx context.Context, w http.ResponseWriter, a transfer.Access, id int64) error {
	job, up, failed, err := s.Service.Audit(ctx, a, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := audit.WriteErrors(&buf, up, audit.FailedRows(up, failed)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="handover-job-%d-errors.csv"`, job.ID))
	_, _ = buf.WriteTo(w)
	return nil
}

// handleResume resumes an interrupted job in the background and goes to
// its page.
func (s *Server) handleResume(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	return s.startThenShow(w, r, a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return s.Service.Resume(ctx, a, id, p)
	})
}

// startThenShow starts fn in the background and sends the browser to its
// job's page.
func (s *Server) startThenShow(w http.ResponseWriter, r *http.Request, a transfer.Access, fn jobFunc) error {
	job, err := s.start(a, fn)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+strconv.FormatInt(job.ID, 10), http.StatusSeeOther)
	return nil
}
