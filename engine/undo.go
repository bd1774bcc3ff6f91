package engine

import (
	"context"
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

// CreateUndoJob records an undo of a run job: one pending pair per pair the
// run completed and that is not undone yet.
func (db *DB) CreateUndoJob(ctx context.Context, op handover.User, target handover.Job) (handover.Job, error) {
	if target.Kind != handover.KindRun {
		return handover.Job{}, handover.Errorf(handover.ErrUsage, "job %d is an undo; only run jobs can be undone", target.ID)
	}
	if target.Status == handover.JobRunning || target.Status == handover.JobInterrupted {
		return handover.Job{}, handover.Errorf(handover.ErrUsage, "job %d is %s; finish it with `handover resume %d` before undoing it", target.ID, target.Status, target.ID)
	}
	var pruned int
	if err := db.db.GetContext(ctx, &pruned, db.rebind(`SELECT count(*) FROM handover_jobs WHERE id = ? AND pruned_at IS NOT NULL`), target.ID); err != nil {
		return handover.Job{}, fmt.Errorf("read job %d: %w", target.ID, err)
	}
	if pruned > 0 {
		return handover.Job{}, handover.Errorf(handover.ErrUsage, "job %d can no longer be undone: its undo journal was pruned after the retention period", target.ID)
	}
	undoOf := target.ID
	job := handover.Job{Kind: handover.KindUndo, Status: handover.JobRunning, Tenant: op.TenantID, Operator: op.ID,
		Started: db.Now().UTC(), File: target.File, SHA256: target.SHA256, UndoOf: &undoOf}
	err := db.withTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.insertJob(ctx, tx, &job, "{}", "{}"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO handover_pairs
(job_id, line, from_id, to_id, from_name, to_name, status, record, undo_of)
SELECT ?, line, from_id, to_id, from_name, to_name, 'pending', record, id FROM handover_pairs
WHERE job_id = ? AND status = 'done' ORDER BY id`), job.ID, target.ID)
		if err != nil {
			return fmt.Errorf("record undo pairs: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return handover.Errorf(handover.ErrUsage, "job %d has no completed pairs left to undo", target.ID)
		}
		return nil
	})
	return job, err
}

// ExecuteUndo restores each pending pair of an undo job in its own
// transaction. A pair whose rows changed since the run (moved again,
// deleted, or the target gained rows of an overwritten type) is not undone:
// it is recorded failed with the reason and the rest go on.
func (db *DB) ExecuteUndo(ctx context.Context, job handover.Job, onPair func(handover.JobPair)) (handover.Result, error) {
	var pending []struct {
		ID   int64 `db:"id"`
		Orig int64 `db:"undo_of"`
		From int64 `db:"from_id"`
		To   int64 `db:"to_id"`
	}
	if err := db.db.SelectContext(ctx, &pending, db.rebind(`SELECT id, undo_of, from_id, to_id FROM handover_pairs
WHERE job_id = ? AND status = 'pending' ORDER BY id`), job.ID); err != nil {
		return handover.Result{}, fmt.Errorf("list pairs of undo job %d: %w", job.ID, err)
	}
	for _, p := range pending {
		err := retry(ctx, db, func() error {
			if err := db.hold(ctx, job.ID); err != nil {
				return err
			}
			return db.withTx(ctx, func(tx *sqlx.Tx) error { return db.undoPair(ctx, tx, job.ID, p.ID, p.Orig, p.From, p.To) })
		})
		var d *drift
		switch {
		case errors.As(err, &d):
			err = db.recordNotUndone(ctx, p.ID, d.reason)
		case err != nil && fatal(ctx, err):
			db.markInterrupted(job.ID)
			return handover.Result{}, err
		case err != nil:
			err = db.recordNotUndone(ctx, p.ID, err.Error())
		}
		if err != nil {
			return handover.Result{}, err
		}
		if onPair != nil {
			if recs, err := db.pairsWhere(ctx, "p.id = ?", p.ID); err == nil && len(recs) == 1 {
				onPair(recs[0])
			}
		}
	}
	return db.finishUndo(ctx, job)
}

func (db *DB) recordNotUndone(ctx context.Context, pairID int64, reason string) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`UPDATE handover_pairs SET status = 'failed', error_code = ?, error_message = ?, done_at = ?
WHERE id = ?`), handover.NotUndone, reason+"; nothing was changed for this pair", stamp(db.Now()), pairID)
	return err
}

// finishUndo closes the undo job and marks the run it undid "undone" once
// none of its pairs remain done.
func (db *DB) finishUndo(ctx context.Context, job handover.Job) (handover.Result, error) {
	if _, err := db.finishJob(ctx, job.ID); err != nil {
		return handover.Result{}, err
	}
	if job.UndoOf != nil {
		_, err := db.db.ExecContext(ctx, db.rebind(`UPDATE handover_jobs SET status = 'undone' WHERE id = ?
AND NOT EXISTS (SELECT 1 FROM handover_pairs WHERE job_id = ? AND status = 'done')`), *job.UndoOf, *job.UndoOf)
		if err != nil {
			return handover.Result{}, fmt.Errorf("mark job %d undone: %w", *job.UndoOf, err)
		}
	}
	return db.result(ctx, job.ID)
}

// undoPair restores one pair inside tx: checks for drift, moves every
// journaled row back to the source, restores overwritten rows, and records
// both the undo pair and the original pair.
func (db *DB) undoPair(ctx context.Context, tx *sqlx.Tx, undoJob, pairID, orig, src, dst int64) error {
	var entries []journalEntry
	if err := tx.SelectContext(ctx, &entries, tx.Rebind(`SELECT data_type, owner_column, moved, overwritten, ids, fingerprint
FROM handover_moves WHERE pair_id = ?`), orig); err != nil {
		return fmt.Errorf("read journal of pair %d: %w", orig, err)
	}
	u := undoer{db: db, tx: tx, orig: orig, src: src, dst: dst, entries: entries}
	if err := u.check(ctx); err != nil {
		return err
	}
	if err := u.restore(ctx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO handover_moves (job_id, pair_id, data_type, owner_column, moved, overwritten, ids)
SELECT ?, ?, data_type, owner_column, moved, overwritten, NULL FROM handover_moves WHERE pair_id = ?`), undoJob, pairID, orig); err != nil {
		return fmt.Errorf("record undo counts: %w", err)
	}
	now := stamp(db.Now())
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE handover_pairs SET status = 'undone' WHERE id = ?`), orig); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE handover_pairs SET status = 'done', done_at = ? WHERE id = ?`), now, pairID)
	return err
}

// undoer restores one pair from its journal.
type undoer struct {
	db       *DB
	tx       *sqlx.Tx
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
		fingerprintSum(u.db.dialect.driver(), t, "t"), t.Table, u.db.dialect.idsIn("t."+t.Key()), col)
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
		if e.Type == "users" && e.Column == "active" {
			_, err := u.tx.ExecContext(ctx, u.tx.Rebind(`UPDATE users SET active = ? WHERE id = ?`), true, u.src)
			return err
		}
	}
	return nil
}
