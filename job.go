package handover

import "time"

// JobKind says what a job does.
type JobKind string

// Job kinds.
const (
	KindRun  JobKind = "run"
	KindUndo JobKind = "undo"
)

// JobStatus is a job's state in the ledger.
type JobStatus string

// Job statuses.
const (
	JobRunning     JobStatus = "running"
	JobInterrupted JobStatus = "interrupted"
	JobDone        JobStatus = "done"
	JobFailed      JobStatus = "failed" // finished with failed pairs
	JobUndone      JobStatus = "undone"
)

// Job is one run or undo recorded in the ledger.
type Job struct {
	ID       int64      `json:"job"`
	Kind     JobKind    `json:"kind"`
	Status   JobStatus  `json:"status"`
	Tenant   int64      `json:"-"`
	Operator int64      `json:"operator"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"-"`
	Pairs    int        `json:"pairs"`
	Done     int        `json:"done"`
	Failed   int        `json:"failed"`
	File     string     `json:"-"`
	SHA256   string     `json:"-"`
	Options  RunOptions `json:"-"`
	UndoOf   *int64     `json:"-"`
	// Notified is how the job's end notification went; nil when none was
	// sent (serve without --notify-url, or a job still running).
	Notified *Delivery `json:"notified,omitempty"`
}

// RunOptions are the choices an operator made for a run; a job keeps them,
// so that resume runs the rest of the job as it was started.
type RunOptions struct {
	// Key is the API client's Idempotency-Key, recorded with the job when
	// it is created so that a retry finds it; it is not one of the job's
	// options.
	Key string `json:"-"`

	DeactivateSource bool `json:"deactivate_source,omitempty"`
	SkipInvalid      bool `json:"skip_invalid,omitempty"`
	// Types are the data types of rows whose Data Types cell is empty
	// (--types); zero hands every type over.
	Types TypeSet `json:"types,omitempty"`
}

// PairStatus is the state of one pair in a job.
type PairStatus string

// Pair statuses.
const (
	PairPending PairStatus = "pending"
	PairDone    PairStatus = "done"
	PairFailed  PairStatus = "failed"
	PairUndone  PairStatus = "undone"
)

// JobPair is the ledger's record of one pair of a job.
type JobPair struct {
	ID       int64      `json:"-"`
	Row      int        `json:"row"`
	From     int64      `json:"from"`
	FromName string     `json:"from_name"`
	To       int64      `json:"to"`
	ToName   string     `json:"to_name"`
	Status   PairStatus `json:"status"`
	Error    *Issue     `json:"error,omitempty"`
	Types    TypeSet    `json:"types,omitempty"` // the data types the pair hands over (zero: every type)
	Moves    []Move     `json:"moves"`
	At       *time.Time `json:"at,omitempty"`
	Record   []string   `json:"-"`
}

// Result is what a run, resume or undo prints with --format json.
type Result struct {
	Job    int64  `json:"job"`
	Pairs  int    `json:"pairs"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
	Audit  string `json:"audit"`
}

// Verification is what verify found when it compared a job's ledger with
// the data. For a run, each completed pair's target must still hold the
// rows moved to it and its source own none of the moved types; pairs that
// an undo restored are checked by that undo's verification instead. For an
// undo, each restored pair's source must own its rows again.
type Verification struct {
	Job      int64     `json:"job"`
	Kind     JobKind   `json:"kind"`
	Status   JobStatus `json:"status"`
	UndoOf   *int64    `json:"undo_of"`   // the run an undo job undid
	UndoneBy []int64   `json:"undone_by"` // the undo jobs that restored pairs of a run
	Checked  int       `json:"checked"`   // pairs compared with the data
	Drift    []string  `json:"drift"`     // one line per difference found
}
