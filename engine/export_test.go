package engine

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"handover"
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

// Chunks returns how many transactions Execute would apply job's pending
// pairs in.
func Chunks(tb testing.TB, db *DB, job handover.Job) int {
	tb.Helper()
	pending, err := db.pendingPairs(context.Background(), job.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return len(db.chunkEnds(len(pending), func(i int) load { return pending[i].load }))
}

// RowFingerprinter returns the SQL expression with which the journal of a
// job created now on db hashes a row of t, named alias (the kind is probed
// once).
func (db *DB) RowFingerprinter(tb testing.TB) func(t handover.DataType, alias string) string {
	tb.Helper()
	kind, err := db.dialect.fingerprintKind(context.Background(), db.db)
	if err != nil {
		tb.Fatal(err)
	}
	return func(t handover.DataType, alias string) string { return db.dialect.rowFingerprint(t, alias, kind) }
}

// WithTx runs fn in a transaction as the engine's own statements run.
func (db *DB) WithTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return db.withTx(ctx, fn)
}
