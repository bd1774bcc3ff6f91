package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

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
		job, err := s.Service.Job(ctx, a, id)
		if err != nil {
			return nil, err
		}
		jobs = []handover.Job{job}
	} else if jobs, err = s.Service.Jobs(ctx, a, jobsShown); err != nil {
		return nil, err
	}
	moves, err := s.movesOf(ctx, a, jobs)
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
	OperatorName string             // who started the job, "" outside the viewer's view
	Pairs        []handover.JobPair // one page of them
	Page         pairsPage
	Progress     progressLine
	NotDone      []handover.JobPair
	Verification *handover.Verification
}

// pairsShown is how many pairs one job page lists; a larger job's pairs
// are paged (?page=N).
const pairsShown = 100

// pairsPage says which pairs a job page lists: its page of Pages, pairs
// First to Last (from 1) of Total.
type pairsPage struct {
	Page, Pages, First, Last, Total int
}

// Prev and Next are the neighbouring pages, 0 when there is none.
func (p pairsPage) Prev() int { return max(p.Page-1, 0) }

// Next is the next page, 0 when this is the last.
func (p pairsPage) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// pagedPairs returns the page of a job's total pairs that the request's
// ?page= asks for (the first when absent or out of range).
func pagedPairs(r *http.Request, total int) pairsPage {
	p := pairsPage{Page: 1, Pages: max(1, (total+pairsShown-1)/pairsShown), Total: total}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n >= 1 && n <= p.Pages {
		p.Page = n
	}
	p.First = (p.Page-1)*pairsShown + 1
	p.Last = min(p.Page*pairsShown, total)
	return p
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

// jobPage loads the job of the request's path as the job page shows it:
// its totals, a page of its pairs and, once it has ended, every failed
// pair. A job of any size costs one page of pairs.
func (s *Server) jobPage(r *http.Request, a transfer.Access) (jobPage, error) {
	id, err := pathJob(r)
	if err != nil {
		return jobPage{}, err
	}
	ctx := r.Context()
	job, err := s.job(ctx, a, id)
	if err != nil {
		return jobPage{}, err
	}
	p := jobPage{Job: job, Page: pagedPairs(r, job.Pairs)}
	if p.OperatorName, err = s.Service.OperatorName(ctx, a, job); err != nil {
		return p, err
	}
	if _, p.Pairs, err = s.Service.ShowPage(ctx, a, id, p.Page.First-1, pairsShown); err != nil {
		return p, err
	}
	prog, err := s.progress(ctx, a, job)
	if err != nil {
		return p, err
	}
	p.Progress = prog.line()
	if job.Failed > 0 && prog.Status != handover.JobRunning {
		_, p.NotDone, err = s.Service.Failed(ctx, a, id)
	}
	return p, err
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
	if !rows[0].MayUndo() {
		kind := map[handover.JobKind]string{handover.KindRun: "a run", handover.KindUndo: "an undo"}[job.Kind]
		return handover.Errorf(handover.ErrUsage, "job %d cannot be undone: it is %s, %s, with %d pairs done; only a finished run with pairs done can be undone (see the Jobs page)",
			job.ID, kind, job.Status, job.Done)
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
// the job, otherwise from the ledger (a job run by another process, or
// before a restart), without a time left.
func (s *Server) progress(ctx context.Context, a transfer.Access, job handover.Job) (progress, error) {
	if t := s.jobs.live(job.ID); t != nil && job.Status == handover.JobRunning {
		return t.snapshot(), nil
	}
	p := progress{Job: job.ID, Kind: job.Kind, Status: job.Status, Pairs: job.Pairs, Done: job.Done, Failed: job.Failed}
	moves, err := s.movesOf(ctx, a, []handover.Job{job})
	for _, m := range moves[job.ID] {
		p.Moved += m.Rows
	}
	return p, err
}

// job returns one job of the operator's tenant with its totals: from
// memory while this server runs its pairs, else from the ledger (which
// also records how it ended, once every pair has).
func (s *Server) job(ctx context.Context, a transfer.Access, id int64) (handover.Job, error) {
	if t := s.liveJob(a, id); t != nil {
		return t.job(), nil
	}
	return s.Service.Job(ctx, a, id)
}

// liveJob returns the tracker of a job of the operator's tenant that this
// server is running and that has pairs left, nil otherwise.
func (s *Server) liveJob(a transfer.Access, id int64) *tracker {
	t := s.jobs.live(id)
	if t == nil || t.op.TenantID != a.Op.TenantID {
		return nil
	}
	if j := t.job(); j.Done+j.Failed >= j.Pairs {
		return nil
	}
	return t
}

// movesOf returns what each job moved per data type: live from the
// runner for a job this server runs, remembered for a finished job, and
// from the ledger otherwise, in one query for all of those.
func (s *Server) movesOf(ctx context.Context, a transfer.Access, jobs []handover.Job) (map[int64][]handover.Move, error) {
	out := make(map[int64][]handover.Move, len(jobs))
	var ask []handover.Job
	for _, j := range jobs {
		if t := s.jobs.live(j.ID); t != nil && j.Status == handover.JobRunning {
			out[j.ID] = t.moves()
		} else if m, ok := s.jobs.finished.get(j.ID); ok {
			out[j.ID] = m
		} else {
			ask = append(ask, j)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	asked, err := s.Service.JobMoves(ctx, a, ask)
	for _, j := range ask {
		out[j.ID] = asked[j.ID]
		if err == nil && j.Status != handover.JobRunning && j.Status != handover.JobInterrupted {
			s.jobs.finished.put(j.ID, asked[j.ID])
		}
	}
	return out, err
}

// handleProgress answers job.js's poll with the job's progress as JSON. A
// job this server runs is answered from memory, without the database.
func (s *Server) handleProgress(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := pathJob(r)
	if err != nil {
		return err
	}
	var p progress
	if t := s.liveJob(a, id); t != nil {
		p = t.snapshot()
	} else {
		job, err := s.job(r.Context(), a, id)
		if err != nil {
			return err
		}
		if p, err = s.progress(r.Context(), a, job); err != nil {
			return err
		}
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
