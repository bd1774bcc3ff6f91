package web

import (
	"io"
	"net/http"
	"strconv"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// apiJobsListed is how many of the tenant's newest jobs GET /jobs lists
// unless ?limit= says.
const apiJobsListed = 50

// apiPeople answers the people CSV of everyone in the operator's view.
func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	w.Header().Set("Content-Disposition", `attachment; filename="people.csv"`)
	return reply(w, http.StatusOK, "text/csv; charset=utf-8", func(out io.Writer) error {
		_, err := s.Service.Export(r.Context(), a, out)
		return err
	})
}

// apiPreview validates the CSV body and answers the preview JSON: 200, or
// 422 with the same body when the file is rejected as a whole.
func (s *Server) apiPreview(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	opts, err := runOptions(r)
	if err != nil {
		return err
	}
	up, err := s.readCSV(w, r)
	if p, ok := transfer.RejectedPlan(err); ok {
		return reply(w, http.StatusUnprocessableEntity, jsonType, func(out io.Writer) error { return audit.PreviewJSON(out, p) })
	} else if err != nil {
		return err
	}
	plan, err := s.Service.Preview(r.Context(), a, up, opts)
	code := http.StatusOK
	if _, ok := transfer.RejectedPlan(err); ok {
		code = http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	return reply(w, code, jsonType, func(out io.Writer) error { return audit.PreviewJSON(out, plan) })
}

// apiJobs lists the tenant's newest jobs, as `jobs --format json`.
func (s *Server) apiJobs(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	limit := apiJobsListed
	if q := r.URL.Query().Get("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 1000 {
			return handover.Errorf(handover.ErrUsage, "limit=%q: give how many of the newest jobs to list, 1 to 1000", q)
		}
		limit = n
	}
	jobs, err := s.Service.Jobs(r.Context(), a, limit)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, jsonType, func(out io.Writer) error { return audit.JobsJSON(out, jobs) })
}

// apiJob answers one job with its live counts (its pairs are not read).
func (s *Server) apiJob(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	job, err := s.Service.Job(r.Context(), a, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, jsonType, func(out io.Writer) error { return audit.JobJSON(out, job) })
}

// apiPairs answers one job and its pairs as the operator may see them, as
// `show --format json`.
func (s *Server) apiPairs(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	job, view, err := s.Service.Show(r.Context(), a, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, jsonType, func(out io.Writer) error { return audit.ShowJSON(out, job, view.Pairs) })
}

// apiAudit answers a job's errors-only audit CSV, as the console's
// download: in its upload's format, the header alone when no pair failed.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	return s.writeAudit(r.Context(), w, a, id)
}
