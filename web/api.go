package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// The HTTP API under /api/v1: the same flow and the same rule of who may
// do what as the pages, authenticated by a bearer token instead of a
// session, with the command line's JSON shapes as bodies and errors as
// {"error": {"code", "message"}} (statuses from the one mapping, status).

// apiPrefix is where the API's routes live.
const apiPrefix = "/api/v1"

// readyTimeout bounds the database probe of /readyz.
const readyTimeout = 5 * time.Second

// apiHandler is an API handler run for a token's operator; its error
// becomes the JSON error response.
type apiHandler func(w http.ResponseWriter, r *http.Request, a transfer.Access) error

// apiRoutes registers the API's routes, /healthz and /readyz.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+apiPrefix+"/people", s.bearer(s.apiPeople))
	mux.Handle("POST "+apiPrefix+"/previews", s.bearer(s.apiPreview))
	mux.Handle("POST "+apiPrefix+"/jobs", s.bearer(s.apiStartJob))
	mux.Handle("GET "+apiPrefix+"/jobs", s.bearer(s.apiJobs))
	mux.Handle("GET "+apiPrefix+"/jobs/{id}", s.bearer(s.apiJob))
	mux.Handle("GET "+apiPrefix+"/jobs/{id}/pairs", s.bearer(s.apiPairs))
	mux.Handle("GET "+apiPrefix+"/jobs/{id}/audit.csv", s.bearer(s.apiAudit))
	mux.Handle("POST "+apiPrefix+"/jobs/{id}/undo", s.bearer(s.apiUndo))
	mux.Handle("POST "+apiPrefix+"/jobs/{id}/resume", s.bearer(s.apiResume))
	mux.HandleFunc("GET "+apiPrefix+"/openapi.json", s.apiOpenAPI)
	mux.HandleFunc(apiPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.apiFail(w, r, handover.Errorf(handover.ErrNotFound, "there is no API route %s %s: see %s/openapi.json", r.Method, r.URL.Path, apiPrefix))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
}

// handleReady answers 200 when the database answers, 503 otherwise.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.Service.Ready(ctx); err != nil {
		if handover.ErrorCode(err) != handover.ErrUnavailable {
			err = handover.Errorf(handover.ErrUnavailable, "the database does not answer: %s", message(err))
		}
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ready\n")
}

// bearer checks the request's API token and its operator afresh on every
// call (a deactivated or demoted admin's token is refused with 403), then
// runs h; h's error becomes the JSON error.
func (s *Server) bearer(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.Service.TokenAccess(r.Context(), bearerToken(r))
		if err == nil {
			err = h(w, r, a)
		}
		if handover.ErrorCode(err) == handover.ErrUnauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="handover"`)
		}
		if err != nil {
			s.apiFail(w, r, err)
		}
	})
}

// bearerToken returns the token of an "Authorization: Bearer TOKEN"
// header, "" without one.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// retryAfter is how long, in seconds, a client is asked to wait before
// trying again a request refused only for now: a job running for the
// tenant (409 locked), the database out of reach or the console stopping
// (503).
const retryAfter = "5"

// apiFail writes err as {"error": {"code", "message"}} with its status,
// logging internal detail. A refusal that waiting cures says when to try
// again (Retry-After); one that needs the client to act (an interrupted
// job to resume, a changed preview to confirm again) does not.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	code := s.failed(r, err)
	var buf bytes.Buffer
	_ = audit.ErrorJSON(&buf, handover.ErrorCode(err), message(err))
	switch handover.ErrorCode(err) {
	case handover.ErrLocked, handover.ErrUnavailable, handover.ErrCancelled:
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// reply writes what write renders, with status and content type: rendered
// into memory first, so that an error is a clean JSON error and a slow
// client holds no database connection while it reads.
func reply(w http.ResponseWriter, status int, contentType string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// jsonType is the content type of the API's JSON bodies.
const jsonType = "application/json"

// jobID parses the {id} of a job route; a malformed one is no such job.
func jobID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, handover.Errorf(handover.ErrNotFound, "there is no job %q: job numbers are whole numbers; list them with GET %s/jobs", r.PathValue("id"), apiPrefix)
	}
	return id, nil
}
