package handover

import (
	"errors"
	"fmt"
)

// Exit codes of the handover command.
const (
	ExitOK       = 0 // success
	ExitPartial  = 1 // the run finished but some pairs failed (audit written)
	ExitRejected = 2 // input rejected: usage, file or validation errors; nothing changed
	ExitBlocked  = 3 // cannot proceed: database unreachable, job running, not permitted, stopped by a signal
)

// Error kinds that are not validation codes.
const (
	ErrUsage     Code = "usage"
	ErrInvalid   Code = "invalid"   // the upload has row errors
	ErrForbidden Code = "forbidden" // the operator may not act
	// ErrUnauthenticated: no sign-in, or a sign-in link or session that is
	// unknown, used or expired (web console and API).
	ErrUnauthenticated Code = "unauthenticated"
	ErrUnavailable     Code = "unavailable" // the database cannot be reached
	ErrLocked          Code = "locked"      // another bulk job runs for the tenant
	ErrInterrupted     Code = "interrupted" // the file's job was interrupted: resume it (exit 3)
	ErrCancelled       Code = "cancelled"   // stopped by a signal (SIGINT, SIGTERM); the message says what is left
	ErrNotFound        Code = "not_found"
	ErrChanged         Code = "changed" // what the operator confirmed is no longer what would change; nothing ran
	ErrPartial         Code = "partial" // some pairs failed
	ErrInternal        Code = "internal"
	// ErrIdempotencyMismatch: an API request reused an Idempotency-Key of
	// an earlier, different request.
	ErrIdempotencyMismatch Code = "idempotency_mismatch"
	// ErrTooLarge: a request body over the server's limit (serve
	// --max-upload-mb).
	ErrTooLarge Code = "too_large"
)

// Error is the one user-facing error type: a stable code and a message that
// names the value at fault and the fix. Anything else is an internal error.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its *Error's code, or ErrInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return ErrInternal
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// short generic message; their detail belongs in the log.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error: " + err.Error()
}

// ExitCode maps an error to the command's exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	switch ErrorCode(err) {
	case ErrPartial:
		return ExitPartial
	case ErrForbidden, ErrUnavailable, ErrLocked, ErrInterrupted, ErrCancelled, ErrInternal:
		// An interrupted job for the file is like a job still running: the
		// input is fine, the tenant's state stops it; `resume` is the fix.
		// A command stopped by a signal cannot proceed either.
		return ExitBlocked
	default:
		return ExitRejected
	}
}
