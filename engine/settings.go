package engine

import "time"

// Settings that keep a job from hanging behind application traffic and set
// how many pairs go into one transaction. They are variables so that tests
// and benchmarks can change them.
var (
	// LockTimeout bounds how long one statement waits for a row lock
	// (PostgreSQL lock_timeout); a timeout is retried as transient.
	LockTimeout = 5 * time.Second
	// StatementTimeout bounds one statement (PostgreSQL statement_timeout).
	StatementTimeout = 10 * time.Minute
	// DefaultChunkSize is the most pairs applied in one transaction unless
	// DB.ChunkSize says otherwise.
	DefaultChunkSize = 10000
	// DefaultChunkRows is the most rows (predicted to move or be
	// overwritten) applied in one transaction unless DB.ChunkRows says
	// otherwise: a few seconds of work at most, since the application waits
	// behind the row locks of a transaction until it ends.
	DefaultChunkRows int64 = 250000
	// Retention is how long undo journals are kept before prune removes them.
	Retention = 30 * 24 * time.Hour
)
