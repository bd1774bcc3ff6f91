package engine

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Internals for bench_test.go, which is package engine_test because it
// builds its workload with package sample, and sample imports engine.
var (
	Backends       = backends
	MustAdminExec  = mustAdminExec
	MustChecksums  = mustChecksums
	MustCopyDB     = mustCopyDB
	MustCountingDB = mustCountingDB
	// MustStatementCounter counts statements and those with parameters.
	MustStatementCounter = mustStatementCounter
)

// PGEnv names the variable holding the test PostgreSQL server's DSN.
const PGEnv = pgEnv

// WithTx runs fn in a transaction as the engine's own statements run.
func (db *DB) WithTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return db.withTx(ctx, fn)
}
