package web

import (
	"net/http"
	"strconv"

	"handover"
	"handover/transfer"
)

// jobsShown is how many of the tenant's newest jobs the Jobs page lists.
const jobsShown = 100

// handleJobs lists the tenant's jobs, newest first.
func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	jobs, err := s.Service.Jobs(r.Context(), a, jobsShown)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "jobs", page{Title: "Jobs", Op: &a.Op, Data: jobs})
	return nil
}

// jobPage is one job with its pairs as the operator may see them.
type jobPage struct {
	Job   handover.Job
	Pairs []handover.JobPair
}

// handleJob shows one job's pairs; users outside the operator's view show
// as "(ID)". Another tenant's job is not found.
func (s *Server) handleJob(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return handover.Errorf(handover.ErrNotFound, "there is no job %q: job numbers are whole numbers; see the Jobs page", r.PathValue("id"))
	}
	job, view, err := s.Service.Show(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "job", page{Title: "Job " + strconv.FormatInt(job.ID, 10), Op: &a.Op,
		Data: jobPage{Job: job, Pairs: view.Pairs}})
	return nil
}
