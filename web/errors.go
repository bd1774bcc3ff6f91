package web

import (
	"net/http"

	"handover"
)

// statuses maps handover error codes to HTTP statuses: the one mapping the
// pages and the API share. Validation codes not listed are 422;
// internal errors are 500.
var statuses = map[handover.Code]int{
	handover.ErrUsage:               http.StatusBadRequest,
	handover.ErrUnauthenticated:     http.StatusUnauthorized,
	handover.ErrForbidden:           http.StatusForbidden,
	handover.OutOfView:              http.StatusForbidden,
	handover.ErrNotFound:            http.StatusNotFound,
	handover.ErrLocked:              http.StatusConflict,
	handover.ErrInterrupted:         http.StatusConflict,
	handover.ErrChanged:             http.StatusConflict,
	handover.LimitExceeded:          http.StatusRequestEntityTooLarge,
	handover.ErrTooLarge:            http.StatusRequestEntityTooLarge,
	handover.ErrIdempotencyMismatch: http.StatusUnprocessableEntity,
	handover.ErrUnavailable:         http.StatusServiceUnavailable,
	handover.ErrCancelled:           http.StatusServiceUnavailable,
	handover.ErrInternal:            http.StatusInternalServerError,
}

// status returns the HTTP status of err.
func status(err error) int {
	if s, ok := statuses[handover.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusUnprocessableEntity
}

// message returns what a page or API response says about err: the
// user-facing message, or a short generic one for an internal error, whose
// detail only the log gets.
func message(err error) string {
	if handover.ErrorCode(err) == handover.ErrInternal {
		return "Something went wrong on the server; the details are in its log."
	}
	return handover.ErrorMessage(err)
}

// failed returns the status of err, logging an internal error's detail
// (never the request's token or body): the one place a page or API error
// is logged.
func (s *Server) failed(r *http.Request, err error) int {
	code := status(err)
	if code == http.StatusInternalServerError {
		s.Log.Error().Err(err).Str("method", r.Method).Str("path", r.URL.Path).Msg("request failed")
	}
	return code
}

// fail renders err as an error page with its status, logging internal
// detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := s.failed(r, err)
	s.render(w, r, code, "error", page{Title: http.StatusText(code), Data: message(err)})
}
