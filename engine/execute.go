package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"handover"
)

// Execute applies every pending pair of a job in chunks, one transaction
// each (see chunkEnds). Each chunk moves its pairs' rows with set-based
// statements, journals what it changed and marks its pairs done, all in one
// transaction. A chunk that fails is split until the failing pair is
// isolated and recorded failed, so every pair stays all-or-nothing. onPair,
// if set, is called for every pair as it finishes. g is the tenant's guard,
// which the caller holds: each transaction first checks it is still held.
func (db *DB) Execute(ctx context.Context, g *Guard, job handover.Job, onPair func(handover.JobPair)) (handover.Result, error) {
	if err := g.covers(job); err != nil {
		return handover.Result{}, err
	}
	pending, err := db.pendingPairs(ctx, job.ID)
	if err != nil {
		return handover.Result{}, err
	}
	fp, err := db.jobFingerprint(ctx, job.ID)
	if err != nil {
		return handover.Result{}, err
	}
	x := executor{db: db, guard: g, job: job.ID, fp: fp, opts: job.Options, onPair: onPair}
	start := 0
	for _, end := range db.chunkEnds(len(pending), func(i int) load { return pending[i].load }) {
		if err := x.run(ctx, pending[start:end]); err != nil {
			db.markInterrupted(job.ID)
			return handover.Result{}, err
		}
		start = end
	}
	if _, err := db.finishJob(ctx, job.ID); err != nil {
		return handover.Result{}, err
	}
	return db.result(ctx, job.ID)
}

// load is what one pair weighs in a chunk.
type load struct {
	Types handover.TypeSet // the data types the pair hands over (zero: every type)
	Rows  int64            // the rows it is predicted to move and overwrite; -1 when unknown
}

// unknownRows is what a pair whose prediction is unknown counts as, every
// data type chosen: a heavy pair, so that a job recorded without
// predictions gets chunks of DefaultChunkRows/unknownRows pairs.
const unknownRows = 1000

// rows returns the rows l counts as.
func (l load) rows() int64 {
	if l.Rows >= 0 {
		return l.Rows
	}
	return unknownRows * int64(l.Types.Len()) / int64(len(handover.Catalog))
}

// chunkEnds splits n pending pairs, of which loadOf(i) is what pair i
// weighs, into chunks and returns where each ends. A chunk holds at most
// db.ChunkRows predicted rows and db.ChunkSize pairs' worth of data types (a
// pair that chose only some types counting as that fraction of a pair), and
// at least one pair. Sizing by rows puts a light tenant's whole job in one
// transaction, so that no table is read once per chunk, while a heavy job's
// transactions stay as short as they were.
func (db *DB) chunkEnds(n int, loadOf func(i int) load) []int {
	budget := func() (int, int64) { return max(db.ChunkSize, 1) * len(handover.Catalog), max(db.ChunkRows, 1) }
	var ends []int
	start := 0
	types, rows := budget()
	for i := range n {
		l := loadOf(i)
		t, r := l.Types.Len(), l.rows()
		if i > start && (t > types || r > rows) {
			ends, start = append(ends, i), i
			types, rows = budget()
		}
		types, rows = types-t, rows-r
	}
	if n > 0 {
		ends = append(ends, n)
	}
	return ends
}

// executor applies chunks of one job.
type executor struct {
	db     *DB
	guard  *Guard
	job    int64
	fp     fingerprintKind // the job's, fixed when it was created
	opts   handover.RunOptions
	onPair func(handover.JobPair)
}

// run applies a chunk, splitting it on failure until the failing pair is
// found. Only errors that stop the whole job are returned.
func (x executor) run(ctx context.Context, pairs []chunkPair) error {
	err := retry(ctx, x.db, func() error {
		if err := x.db.hold(ctx, x.guard, x.job); err != nil {
			return err
		}
		return x.db.withTx(ctx, func(tx *sqlx.Tx) error { return x.apply(ctx, tx, pairs) })
	})
	switch {
	case err == nil:
		return x.report(ctx, pairs)
	case fatal(ctx, err):
		return err
	case len(pairs) == 1:
		if err := x.db.failPair(ctx, pairs[0].ID, err); err != nil {
			return err
		}
		return x.report(ctx, pairs)
	}
	half := len(pairs) / 2
	if err := x.run(ctx, pairs[:half]); err != nil {
		return err
	}
	return x.run(ctx, pairs[half:])
}

// apply moves a chunk's data inside tx, data types in catalog order so that
// every job takes its locks in one fixed table order. The dialect writes
// the statements; they all run here.
func (x executor) apply(ctx context.Context, tx *sqlx.Tx, pairs []chunkPair) error {
	d := x.db.dialect
	setup, c := d.chunk(pairs)
	c.job, c.fp = x.job, x.fp
	if err := run(ctx, tx, setup); err != nil {
		return fmt.Errorf("prepare chunk: %w", err)
	}
	for i, t := range handover.Catalog {
		tc, ok := c.choosing(pairs, i)
		if !ok {
			continue // no pair of the chunk hands this type over
		}
		if t.Mode == handover.Overwrite {
			if err := run(ctx, tx, d.overwrite(tc, t)); err != nil {
				return fmt.Errorf("overwrite %s: %w", t.Table, err)
			}
		}
		for _, col := range t.Owners {
			if err := run(ctx, tx, d.move(tc, t, col)); err != nil {
				return fmt.Errorf("move %s.%s: %w", t.Table, col, err)
			}
		}
	}
	return x.markDone(ctx, tx, c, pairs)
}

// run executes statements in order inside tx.
func run(ctx context.Context, tx *sqlx.Tx, stmts []statement) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// markDone records the chunk's pairs done (and deactivates sources when
// asked) in the same transaction as their data.
func (x executor) markDone(ctx context.Context, tx *sqlx.Tx, c chunkSQL, pairs []chunkPair) error {
	d := x.db.dialect
	ids, srcs := make([]int64, len(pairs)), make([]int64, len(pairs))
	for i, p := range pairs {
		ids[i], srcs[i] = p.ID, p.From
	}
	if x.opts.DeactivateSource {
		// Journal which sources were active, so that undo reactivates them.
		journal := x.db.rebind(fmt.Sprintf(`%s %s SELECT ?, p.pair_id, ?, ?, 1, 0, NULL, NULL FROM p JOIN users u ON u.id = p.src WHERE u.active = ?`,
			c.with, journalInsert))
		if _, err := tx.ExecContext(ctx, journal, x.job, deactivationType, deactivationMark, true); err != nil {
			return fmt.Errorf("journal deactivation: %w", err)
		}
		q := `UPDATE users SET active = ? WHERE ` + d.idsIn("id")
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), false, d.idsArg(srcs)); err != nil {
			return fmt.Errorf("deactivate sources: %w", err)
		}
	}
	q := `UPDATE handover_pairs SET status = ?, done_at = ? WHERE status = ? AND ` + d.idsIn("id")
	res, err := tx.ExecContext(ctx, tx.Rebind(q), handover.PairDone, stamp(x.db.Now()), handover.PairPending, d.idsArg(ids))
	if err != nil {
		return fmt.Errorf("record pairs done: %w", err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(pairs)) {
		return fmt.Errorf("record pairs done: %d of %d pairs were still pending", n, len(pairs))
	}
	return nil
}

// report tells onPair how each pair of a finished chunk ended.
func (x executor) report(ctx context.Context, pairs []chunkPair) error {
	ids := make([]int64, len(pairs))
	for i, p := range pairs {
		ids[i] = p.ID
	}
	return x.db.reportPairs(ctx, ids, x.onPair)
}

// reportPairs tells onPair, if set, how each pair of ids ended.
func (db *DB) reportPairs(ctx context.Context, ids []int64, onPair func(handover.JobPair)) error {
	if onPair == nil || len(ids) == 0 {
		return nil
	}
	var recs []handover.JobPair
	err := retry(ctx, db, func() (err error) {
		recs, err = db.pairsWhere(ctx, db.dialect.idsIn("p.id"), db.dialect.idsArg(ids))
		return err
	})
	if err != nil {
		return err
	}
	for _, r := range recs {
		onPair(r)
	}
	return nil
}

// failPair records a pair as failed, with the database's reason.
func (db *DB) failPair(ctx context.Context, pairID int64, cause error) error {
	return db.movePair(ctx, db.db, pairID, handover.PairPending, handover.PairFailed, `error_code = ?, error_message = ?, done_at = ?`,
		handover.TransferFailed, "nothing was changed for this pair: "+cause.Error(), stamp(db.Now()))
}

// markInterrupted records that a job stopped before finishing, so that it is
// resumed rather than run again. It uses a fresh context: the job's own may
// be the reason it stopped.
func (db *DB) markInterrupted(jobID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), LockTimeout)
	defer cancel()
	if err := db.moveJob(ctx, db.db, jobID, handover.JobInterrupted); err != nil && !isWrongState(err) {
		db.Log.Warn().Err(err).Int64("job", jobID).Msg("could not mark job interrupted; the next run on this tenant will")
	}
}

// fatal reports whether err stops the whole job rather than one pair: the
// job was cancelled, the database went away or the tenant's guard was lost.
func fatal(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	code := handover.ErrorCode(err)
	return code == handover.ErrUnavailable || code == handover.ErrLocked || isConnectionError(err)
}
