package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"handover"
)

// journalEntry is one handover_moves row: the keys of rows a pair moved
// in one owner column ("" for the overwrite record, "active" for a
// deactivated source).
type journalEntry struct {
	Type        string  `db:"data_type"`
	Column      string  `db:"owner_column"`
	Moved       int64   `db:"moved"`
	Overwritten int64   `db:"overwritten"`
	IDs         *string `db:"ids"`
	// Fingerprint sums a hash of the moved rows' other columns (see
	// fingerprint.go); nil for entries without one.
	Fingerprint *int64 `db:"fingerprint"`
}

// owner returns the data type and the owner column the entry names, the
// column spelled as the catalog spells it: identifiers reach SQL from the
// catalog only, never from the database, not even from the tool's own
// ledger. col is "" for entries that name no owner column of a data type
// (overwrite records, deactivations). An entry naming a column that is not
// an owner of its type is an error: the ledger was changed outside handover.
func (e journalEntry) owner() (t handover.DataType, col string, err error) {
	t, ok := handover.LookupType(e.Type)
	if !ok || e.Column == "" {
		return t, "", nil
	}
	if i := slices.Index(t.Owners, e.Column); i >= 0 {
		return t, t.Owners[i], nil
	}
	return t, "", fmt.Errorf("the journal names %s column %q, which is not an owner column of %s: the ledger was changed outside handover",
		t.Table, e.Column, t.Table)
}

// drift is why a pair cannot be undone; nothing was changed for it.
type drift struct{ reason string }

func (d *drift) Error() string { return d.reason }

// UnfinishedUndo returns the undo of target that was started and not
// finished (its process stopped or died), if there is one. Undoing target
// again must finish that job rather than start a rival.
func (db *DB) UnfinishedUndo(ctx context.Context, target handover.Job) (handover.Job, bool, error) {
	var id int64
	err := db.db.GetContext(ctx, &id, db.rebind(`SELECT id FROM handover_jobs
WHERE undo_of = ? AND kind = ? AND status IN (?, ?) ORDER BY id LIMIT 1`),
		target.ID, handover.KindUndo, handover.JobRunning, handover.JobInterrupted)
	switch {
	case isNoRows(err):
		return handover.Job{}, false, nil
	case err != nil:
		return handover.Job{}, false, fmt.Errorf("look up unfinished undo of job %d: %w", target.ID, err)
	}
	job, err := db.Job(ctx, target.Tenant, id)
	return job, err == nil, err
}

// CreateUndoJob records an undo of a run job: one pending pair per pair the
// run completed and that is not undone yet. It refuses while an earlier
// undo of the same job is unfinished: that one is resumed instead.
func (db *DB) CreateUndoJob(ctx context.Context, op handover.User, target handover.Job) (handover.Job, error) {
	if err := db.undoable(ctx, target); err != nil {
		return handover.Job{}, err
	}
	if prev, ok, err := db.UnfinishedUndo(ctx, target); err != nil {
		return handover.Job{}, err
	} else if ok {
		return handover.Job{}, handover.Errorf(handover.ErrInterrupted, "job %d, an earlier undo of job %d, was interrupted; finish it with `handover resume %d`", prev.ID, target.ID, prev.ID)
	}
	undoOf := target.ID
	job := handover.Job{Kind: handover.KindUndo, Status: handover.JobRunning, Tenant: op.TenantID, Operator: op.ID,
		Started: db.Now().UTC(), File: target.File, SHA256: target.SHA256, UndoOf: &undoOf}
	err := db.withTx(ctx, func(tx *sqlx.Tx) error {
		// An undo's journal holds counts, no fingerprints.
		if err := db.insertJob(ctx, tx, &job, uploadShape{}, fingerprintText); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO handover_pairs
(job_id, line, from_id, to_id, from_name, to_name, status, record, undo_of, types, predicted_rows)
SELECT ?, line, from_id, to_id, from_name, to_name, ?, record, id, types, predicted_rows FROM handover_pairs
WHERE job_id = ? AND status = ? ORDER BY id`), job.ID, handover.PairPending, target.ID, handover.PairDone)
		if err != nil {
			return fmt.Errorf("record undo pairs: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("record undo pairs: %w", err)
		} else if n == 0 {
			return handover.Errorf(handover.ErrUsage, "job %d has no completed pairs left to undo", target.ID)
		}
		return nil
	})
	return job, err
}

// undoable refuses targets that cannot be undone: undo jobs, unfinished
// runs and runs whose journal was pruned.
func (db *DB) undoable(ctx context.Context, target handover.Job) error {
	if target.Kind != handover.KindRun {
		return handover.Errorf(handover.ErrUsage, "job %d is an undo; only run jobs can be undone", target.ID)
	}
	if target.Status == handover.JobRunning || target.Status == handover.JobInterrupted {
		return handover.Errorf(handover.ErrUsage, "job %d is %s; finish it with `handover resume %d` before undoing it", target.ID, target.Status, target.ID)
	}
	var pruned int
	if err := db.db.GetContext(ctx, &pruned, db.rebind(`SELECT count(*) FROM handover_jobs WHERE id = ? AND pruned_at IS NOT NULL`), target.ID); err != nil {
		return fmt.Errorf("read job %d: %w", target.ID, err)
	}
	if pruned > 0 {
		return handover.Errorf(handover.ErrUsage, "job %d can no longer be undone: its undo journal was pruned after the retention period", target.ID)
	}
	return nil
}

// undoPending is one pair of an undo job still to restore.
type undoPending struct {
	ID        int64         `db:"id"`
	Orig      int64         `db:"undo_of"`
	From      int64         `db:"from_id"`
	To        int64         `db:"to_id"`
	Types     string        `db:"types"`
	Predicted sql.NullInt64 `db:"predicted_rows"`
}

// ExecuteUndo restores the pending pairs of an undo job in chunks sized as a
// run's are (see chunkEnds and undoChunk). A pair that cannot be restored as it
// was (its rows changed since the run, it was undone already, its journal
// was pruned) is not undone: it is recorded failed with the reason and the
// rest go on.
// g is the tenant's guard, which the caller holds.
func (db *DB) ExecuteUndo(ctx context.Context, g *Guard, job handover.Job, onPair func(handover.JobPair)) (handover.Result, error) {
	if err := g.covers(job); err != nil {
		return handover.Result{}, err
	}
	var pending []undoPending
	if err := db.db.SelectContext(ctx, &pending, db.rebind(`SELECT id, undo_of, from_id, to_id, types, predicted_rows FROM handover_pairs
WHERE job_id = ? AND status = ? ORDER BY id`), job.ID, handover.PairPending); err != nil {
		return handover.Result{}, fmt.Errorf("list pairs of undo job %d: %w", job.ID, err)
	}
	u := undoJob{id: job.ID, fp: fingerprintText}
	if job.UndoOf != nil {
		var err error
		if u.fp, err = db.jobFingerprint(ctx, *job.UndoOf); err != nil {
			return handover.Result{}, err
		}
	}
	start := 0
	for _, end := range db.chunkEnds(len(pending), func(i int) load { return loadOf(pending[i].Types, pending[i].Predicted) }) {
		if err := db.undoChunk(ctx, g, u, pending[start:end], onPair); err != nil {
			db.markInterrupted(job.ID)
			return handover.Result{}, err
		}
		start = end
	}
	res, err := db.finishUndo(ctx, job)
	if err != nil {
		db.markInterrupted(job.ID) // stopped between its last pair and its end
	}
	return res, err
}

// undoOne restores one pair, or records why it could not; only errors
// that stop the whole job are returned.
func (db *DB) undoOne(ctx context.Context, g *Guard, uj undoJob, p undoPending) error {
	err := retry(ctx, db, func() error {
		if err := db.hold(ctx, g, uj.id); err != nil {
			return err
		}
		return db.withTx(ctx, func(tx *sqlx.Tx) error { return db.undoPair(ctx, tx, uj, p) })
	})
	var d *drift
	switch {
	case err == nil:
		return nil
	case errors.As(err, &d):
		return db.recordNotUndone(ctx, p.ID, d.reason)
	case fatal(ctx, err):
		return err
	}
	return db.recordNotUndone(ctx, p.ID, err.Error())
}

func (db *DB) recordNotUndone(ctx context.Context, pairID int64, reason string) error {
	return db.movePair(ctx, db.db, pairID, handover.PairPending, handover.PairFailed, `error_code = ?, error_message = ?, done_at = ?`,
		handover.NotUndone, reason+"; nothing was changed for this pair", stamp(db.Now()))
}

// finishUndo closes the undo job and marks the run it undid "undone" once
// none of its pairs remain done.
func (db *DB) finishUndo(ctx context.Context, job handover.Job) (handover.Result, error) {
	if _, err := db.finishJob(ctx, job.ID); err != nil {
		return handover.Result{}, err
	}
	if job.UndoOf != nil {
		var left int
		if err := db.db.GetContext(ctx, &left, db.rebind(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = ?`),
			*job.UndoOf, handover.PairDone); err != nil {
			return handover.Result{}, fmt.Errorf("count pairs of job %d left to undo: %w", *job.UndoOf, err)
		}
		if left == 0 {
			if err := db.moveJob(ctx, db.db, *job.UndoOf, handover.JobUndone); err != nil && !isWrongState(err) {
				return handover.Result{}, err
			}
		}
	}
	return db.result(ctx, job.ID)
}

// undoPair restores one pair inside tx. It first claims the run's pair
// (done → undone, checked in this transaction, so a pair is never undone
// twice) and checks that its journal is still there, then checks for
// drift, moves every journaled row back to the source, restores
// overwritten rows, and records the undo pair done.
func (db *DB) undoPair(ctx context.Context, tx *sqlx.Tx, uj undoJob, p undoPending) error {
	if err := db.claimForUndo(ctx, tx, p.Orig); err != nil {
		return err
	}
	var entries []journalEntry
	if err := tx.SelectContext(ctx, &entries, tx.Rebind(`SELECT data_type, owner_column, moved, overwritten, ids, fingerprint
FROM handover_moves WHERE pair_id = ?`), p.Orig); err != nil {
		return fmt.Errorf("read journal of pair %d: %w", p.Orig, err)
	}
	u := undoer{db: db, tx: tx, fp: uj.fp, orig: p.Orig, src: p.From, dst: p.To, entries: entries}
	if err := u.check(ctx); err != nil {
		return err
	}
	if err := u.restore(ctx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(journalInsert+`
SELECT ?, ?, data_type, owner_column, moved, overwritten, NULL, NULL FROM handover_moves WHERE pair_id = ?`), uj.id, p.ID, p.Orig); err != nil {
		return fmt.Errorf("record undo counts: %w", err)
	}
	if err := db.movePair(ctx, tx, p.ID, handover.PairPending, handover.PairDone, `done_at = ?`, stamp(db.Now())); err != nil {
		return err
	}
	return db.markUndoneIfLast(ctx, tx, p.Orig)
}

// claimForUndo moves the run's pair from done to undone inside tx, or says
// (as drift) why it cannot be undone: another undo restored it already,
// or its journal was pruned.
func (db *DB) claimForUndo(ctx context.Context, tx *sqlx.Tx, orig int64) error {
	var j struct {
		Job    int64     `db:"job_id"`
		Status string    `db:"status"`
		Pruned timestamp `db:"pruned_at"`
	}
	if err := tx.GetContext(ctx, &j, tx.Rebind(`SELECT p.job_id, p.status, j.pruned_at FROM handover_pairs p
JOIN handover_jobs j ON j.id = p.job_id WHERE p.id = ?`), orig); err != nil {
		return fmt.Errorf("read pair %d: %w", orig, err)
	}
	if !j.Pruned.IsZero() {
		return &drift{reason: fmt.Sprintf("the undo journal of job %d was pruned at %s, so its rows can no longer be put back", j.Job, j.Pruned.UTC().Format("2006-01-02 15:04 UTC"))}
	}
	if handover.PairStatus(j.Status) != handover.PairDone {
		var by int64
		err := tx.GetContext(ctx, &by, tx.Rebind(`SELECT job_id FROM handover_pairs WHERE undo_of = ? AND status = ? ORDER BY id LIMIT 1`), orig, handover.PairDone)
		if err == nil {
			return &drift{reason: fmt.Sprintf("already undone by job %d", by)}
		}
		if !isNoRows(err) {
			return fmt.Errorf("find the undo of pair %d: %w", orig, err)
		}
		return &drift{reason: fmt.Sprintf("job %d did not complete this pair (it is %s)", j.Job, j.Status)}
	}
	return db.movePair(ctx, tx, orig, handover.PairDone, handover.PairUndone, "")
}

// undoer restores one pair from its journal.
type undoer struct {
	db       *DB
	tx       *sqlx.Tx
	fp       fingerprintKind // the run's
	orig     int64
	src, dst int64
	entries  []journalEntry
}

func (u undoer) count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := u.tx.GetContext(ctx, &n, u.tx.Rebind(q), args...)
	return n, err
}

// check finds drift without changing anything.
func (u undoer) check(ctx context.Context) error {
	var reasons []string
	for _, e := range u.entries {
		t, col, err := e.owner()
		if err != nil {
			return &drift{reason: err.Error()}
		}
		if col == "" || e.IDs == nil {
			continue
		}
		n, err := u.count(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s AND %s = ?`, t.Table, u.db.dialect.idsIn(t.Key()), col), *e.IDs, u.dst)
		if err != nil {
			return fmt.Errorf("check %s: %w", t.Table, err)
		}
		if n != e.Moved {
			reasons = append(reasons, fmt.Sprintf("%s: %d of the %d rows moved (%s) are no longer owned by user %d (moved again or deleted since)", t.Table, e.Moved-n, e.Moved, col, u.dst))
			continue
		}
		if r, err := u.checkEdited(ctx, t, col, e); err != nil {
			return err
		} else if r != "" {
			reasons = append(reasons, r)
		}
	}
	for _, t := range handover.Catalog {
		if t.Mode == handover.Overwrite {
			if r, err := u.checkOverwrite(ctx, t); err != nil {
				return err
			} else if r != "" {
				reasons = append(reasons, r)
			}
		}
	}
	if len(reasons) > 0 {
		return &drift{reason: strings.Join(reasons, "; ")}
	}
	return nil
}

// checkEdited compares the fingerprint of the rows an entry moved with the
// one journaled when they moved: a difference means someone edited them.
func (u undoer) checkEdited(ctx context.Context, t handover.DataType, col string, e journalEntry) (string, error) {
	if e.Fingerprint == nil {
		return "", nil
	}
	q := fmt.Sprintf(`SELECT %s FROM %s t WHERE %s AND t.%s = ?`,
		fingerprintSum(u.db.dialect, t, "t", u.fp), t.Table, u.db.dialect.idsIn("t."+t.Key()), col)
	now, err := u.count(ctx, q, *e.IDs, u.dst)
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", t.Table, err)
	}
	if now != *e.Fingerprint {
		return fmt.Sprintf("%s: rows moved (%s) were edited since the run", t.Table, col), nil
	}
	return "", nil
}

// checkOverwrite makes sure an overwrite type can be put back: the target
// owns exactly the rows it was given and the source has none again.
func (u undoer) checkOverwrite(ctx context.Context, t handover.DataType) (string, error) {
	var moved int64
	for _, e := range u.entries {
		if e.Type == t.Table && e.Column != "" {
			moved += e.Moved
		}
	}
	if moved == 0 {
		return "", nil
	}
	owner := t.Owners[0]
	atDst, err := u.count(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = ?`, t.Table, owner), u.dst)
	if err != nil {
		return "", err
	}
	atSrc, err := u.count(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = ?`, t.Table, owner), u.src)
	if err != nil {
		return "", err
	}
	switch {
	case atDst != moved:
		return fmt.Sprintf("%s: user %d now has %d rows where the run gave %d", t.Table, u.dst, atDst, moved), nil
	case atSrc != 0:
		return fmt.Sprintf("%s: user %d has %d new rows since the run", t.Table, u.src, atSrc), nil
	}
	return "", nil
}

// restore moves rows back and puts overwritten rows back, type by type in
// catalog order (the same lock order as runs).
func (u undoer) restore(ctx context.Context) error {
	for _, t := range handover.Catalog {
		for _, e := range u.entries {
			_, col, err := e.owner()
			if err != nil {
				return &drift{reason: err.Error()}
			}
			if e.Type != t.Table || col == "" || e.IDs == nil {
				continue
			}
			q := fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s AND %s = ?`, t.Table, col, u.db.dialect.idsIn(t.Key()), col)
			res, err := u.tx.ExecContext(ctx, u.tx.Rebind(q), u.src, *e.IDs, u.dst)
			if err != nil {
				return fmt.Errorf("move %s.%s back: %w", t.Table, col, err)
			}
			if n, _ := res.RowsAffected(); n != e.Moved {
				return &drift{reason: fmt.Sprintf("%s changed while undoing", t.Table)}
			}
		}
		if t.Mode == handover.Overwrite {
			if err := u.restoreArchive(ctx, t); err != nil {
				return err
			}
		}
	}
	return u.reactivate(ctx)
}

func (u undoer) restoreArchive(ctx context.Context, t handover.DataType) error {
	cols := columnList(t, "")
	q := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s WHERE pair_id = ?`, t.Table, cols, cols, archiveTable(t))
	if _, err := u.tx.ExecContext(ctx, u.tx.Rebind(q), u.orig); err != nil {
		return fmt.Errorf("restore overwritten %s: %w", t.Table, err)
	}
	_, err := u.tx.ExecContext(ctx, u.tx.Rebind(fmt.Sprintf(`DELETE FROM %s WHERE pair_id = ?`, archiveTable(t))), u.orig)
	return err
}

// reactivate turns a source the run deactivated back on.
func (u undoer) reactivate(ctx context.Context) error {
	for _, e := range u.entries {
		if e.Type == deactivationType && e.Column == deactivationMark {
			_, err := u.tx.ExecContext(ctx, u.tx.Rebind(`UPDATE users SET active = ? WHERE id = ?`), true, u.src)
			return err
		}
	}
	return nil
}
