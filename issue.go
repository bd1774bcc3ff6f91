package handover

// Code is a stable validation or error code. Codes appear in JSON output and
// in audit files; they never change meaning.
type Code string

// File-level codes: the whole upload is rejected.
const (
	BadHeader     Code = "bad_header"
	LimitExceeded Code = "limit_exceeded"
	Unreadable    Code = "unreadable"
)

// Row-level error codes.
const (
	BadID        Code = "bad_id"
	MissingFrom  Code = "missing_from"
	UnknownUser  Code = "unknown_user"
	OutOfView    Code = "out_of_view"
	SelfTransfer Code = "self_transfer"
	FanOut       Code = "fan_out"
	FanIn        Code = "fan_in"
	Chain        Code = "chain"
	TenantAdmin  Code = "tenant_admin"
	NameMismatch Code = "name_mismatch"
	// BadType is a Data Types cell (or --types) naming something that is
	// not a data type, or mixing types with exclusions.
	BadType Code = "bad_type"
	// BothInactive is an inactive target when the run deactivates sources
	// (--deactivate-source): both users would end inactive, with the data
	// on one who cannot sign in, most often a reversed pair. Without
	// --deactivate-source an inactive target is the warning InactiveTarget.
	BothInactive Code = "both_inactive"
)

// Row-level warning codes: the pair may still run.
const (
	DuplicateRow       Code = "duplicate_row"
	InactiveTarget     Code = "inactive_target"
	AlreadyTransferred Code = "already_transferred"
	// LeftBehind is a source that --deactivate-source would deactivate
	// while it keeps rows of data types no row hands over.
	LeftBehind Code = "left_behind"
)

// Codes for failures while executing a pair.
const (
	TransferFailed Code = "transfer_failed"
	NotUndone      Code = "not_undone"
)

// IsWarning reports whether c is a warning rather than an error.
func (c Code) IsWarning() bool {
	switch c {
	case DuplicateRow, InactiveTarget, AlreadyTransferred, LeftBehind:
		return true
	}
	return false
}

// Issue is one problem found with a row or a file.
type Issue struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// String renders the issue as the Error column of an audit file shows it.
func (i Issue) String() string { return string(i.Code) + ": " + i.Message }

// Status is the verdict on one pair row.
type Status string

// Row statuses, worst last.
const (
	StatusOK      Status = "ok"
	StatusWarning Status = "warning"
	StatusError   Status = "error"
)

// StatusOf returns the status a row with these issues has.
func StatusOf(issues []Issue) Status {
	s := StatusOK
	for _, i := range issues {
		if !i.Code.IsWarning() {
			return StatusError
		}
		s = StatusWarning
	}
	return s
}
