package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// jobsShown is how many of the tenant's newest jobs the Jobs page lists.
const jobsShown = 100

// jobRoutes registers the routes of jobs beyond their list and page: the
// progress the job page polls, the audit download, and the actions.
func (s *Server) jobRoutes(mux *http.ServeMux) {
	mux.Handle("GET /jobs/{id}/progress", s.signedIn(s.handleProgress))
	mux.Handle("GET /jobs/{id}/audit.csv", s.signedIn(s.handleAudit))
	mux.Handle("POST /jobs/{id}/resume", s.signedIn(s.handleResume))
}

// handleJobs lists the tenant's jobs, newest first.
func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	jobs, err := s.Service.Jobs(r.Context(), a, jobsShown)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "jobs", page{Title: "Jobs", Op: &a.Op, Data: jobs})
	return nil
}

// jobPage is one job with its pairs as the operator may see them, its
// progress and, once it has ended, the pairs that were not transferred.
type jobPage struct {
	Job      handover.Job
	Pairs    []handover.JobPair
	Progress progressLine
	NotDone  []handover.JobPair
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
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	job, view, err := s.Service.Show(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := jobPage{Job: job, Pairs: view.Pairs, Progress: s.progress(job, view.Pairs).line()}
	for _, jp := range view.Pairs {
		if jp.Status == handover.PairFailed {
			p.NotDone = append(p.NotDone, jp)
		}
	}
	s.render(w, r, http.StatusOK, "job", page{Title: "Job " + strconv.FormatInt(job.ID, 10), Op: &a.Op, Data: p})
	return nil
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
	job, err := s.start(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return s.Service.Resume(ctx, a, id, p)
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+strconv.FormatInt(job.ID, 10), http.StatusSeeOther)
	return nil
}
