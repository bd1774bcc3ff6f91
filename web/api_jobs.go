package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// maxKeyLength is the longest Idempotency-Key accepted.
const maxKeyLength = 200

// apiStartJob starts a job of the CSV body or JSON pair in the background
// and answers 202 with the job once it is recorded. Rows with errors
// (without skip_invalid) are 422 with the preview body; a repeated
// Idempotency-Key with the same request answers the first job.
func (s *Server) apiStartJob(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	req, err := s.readJobRequest(w, r)
	if p, ok := transfer.RejectedPlan(err); ok {
		return reply(w, http.StatusUnprocessableEntity, jsonType, func(out io.Writer) error { return audit.PreviewJSON(out, p) })
	} else if err != nil {
		return err
	}
	var refused *handover.Plan // the plan of a run refused for its rows, set before start returns
	start := func() (handover.Job, error) {
		opts := req.opts
		opts.Key = key
		return s.start(a, func(ctx context.Context, prog transfer.Progress) (transfer.Outcome, error) {
			out, err := s.Service.Run(ctx, a, req.up, opts, unprompted{}, prog)
			if handover.ErrorCode(err) == handover.ErrInvalid {
				refused = out.Plan
			}
			return out, err
		})
	}
	job, err := s.once(r, a, key, req.digest, start)
	if handover.ErrorCode(err) == handover.ErrInvalid && refused != nil {
		return reply(w, http.StatusUnprocessableEntity, jsonType, func(out io.Writer) error { return audit.PreviewJSON(out, refused) })
	}
	return s.accepted(w, r, a, job, err)
}

// once calls start, or, with an Idempotency-Key, lets the key's first
// request with digest (what was asked) call it and answers its repeats
// with that request's job.
func (s *Server) once(r *http.Request, a transfer.Access, key, digest string, start func() (handover.Job, error)) (handover.Job, error) {
	if key == "" {
		return start()
	}
	job, _, err := s.Service.Once(r.Context(), a, key, digest, start)
	return job, err
}

// idempotencyKey returns the request's Idempotency-Key, "" without one.
func idempotencyKey(r *http.Request) (string, error) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > maxKeyLength || strings.ContainsFunc(key, func(c rune) bool { return c < ' ' || c > '~' }) {
		return "", handover.Errorf(handover.ErrUsage, "the Idempotency-Key must be 1 to %d printable ASCII characters, such as a UUID", maxKeyLength)
	}
	return key, nil
}

// apiUndo starts undoing a job in the background: 202 with the undo job.
func (s *Server) apiUndo(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	return s.startOnJob(w, r, a, "undo", func(ctx context.Context, id int64, prog transfer.Progress) (transfer.Outcome, error) {
		return s.Service.Undo(ctx, a, id, unprompted{}, prog)
	})
}

// apiResume resumes an interrupted job in the background: 202 with it.
func (s *Server) apiResume(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	return s.startOnJob(w, r, a, "resume", func(ctx context.Context, id int64, prog transfer.Progress) (transfer.Outcome, error) {
		return s.Service.Resume(ctx, a, id, prog)
	})
}

// startOnJob starts step (action) on the route's job in the background
// and answers 202 with the job step recorded. With an Idempotency-Key, a
// repeat of the request answers the same job, as a job start's does.
func (s *Server) startOnJob(w http.ResponseWriter, r *http.Request, a transfer.Access, action string, step func(context.Context, int64, transfer.Progress) (transfer.Outcome, error)) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	id, err := jobID(r)
	if err != nil {
		return err
	}
	job, err := s.once(r, a, key, fmt.Sprintf("%s %d", action, id), func() (handover.Job, error) {
		return s.start(a, func(ctx context.Context, prog transfer.Progress) (transfer.Outcome, error) {
			return step(ctx, id, prog)
		})
	})
	return s.accepted(w, r, a, job, err)
}

// accepted answers 202 with a started job as it stands now (its live
// counts), and its Location.
func (s *Server) accepted(w http.ResponseWriter, r *http.Request, a transfer.Access, job handover.Job, err error) error {
	if err != nil {
		return err
	}
	if job, err = s.Service.Job(r.Context(), a, job.ID); err != nil {
		return err
	}
	w.Header().Set("Location", apiPrefix+"/jobs/"+strconv.FormatInt(job.ID, 10))
	return reply(w, http.StatusAccepted, jsonType, func(out io.Writer) error { return audit.JobJSON(out, job) })
}
