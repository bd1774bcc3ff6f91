package engine

import (
	"context"
	"fmt"

	"handover"
)

// verifyEntry is one journal entry of a pair being verified.
type verifyEntry struct {
	Pair int64 `db:"pair_id"`
	From int64 `db:"from_id"`
	To   int64 `db:"to_id"`
	journalEntry
}

// Verify compares a job's ledger with the data (see handover.Verification).
func (db *DB) Verify(ctx context.Context, job handover.Job) (handover.Verification, error) {
	v := handover.Verification{Job: job.ID, Kind: job.Kind, Status: job.Status, UndoOf: job.UndoOf, UndoneBy: []int64{}, Drift: []string{}}
	pairStatus, journalOf := handover.PairDone, "m.pair_id = p.id"
	if job.Kind == handover.KindUndo {
		journalOf = "m.pair_id = p.undo_of" // an undo pair's rows are those its run pair moved
	} else if err := db.db.SelectContext(ctx, &v.UndoneBy, db.rebind(`SELECT DISTINCT u.job_id FROM handover_pairs u
JOIN handover_pairs p ON p.id = u.undo_of WHERE p.job_id = ? AND u.status = ? ORDER BY u.job_id`), job.ID, handover.PairDone); err != nil {
		return v, fmt.Errorf("find undos of job %d: %w", job.ID, err)
	}
	if err := db.db.GetContext(ctx, &v.Checked, db.rebind(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = ?`),
		job.ID, pairStatus); err != nil {
		return v, fmt.Errorf("count pairs of job %d: %w", job.ID, err)
	}
	var entries []verifyEntry
	err := db.db.SelectContext(ctx, &entries, db.rebind(`SELECT m.pair_id, p.from_id, p.to_id, m.data_type, m.owner_column, m.moved, m.overwritten, m.ids
FROM handover_pairs p JOIN handover_moves m ON `+journalOf+`
WHERE p.job_id = ? AND p.status = ? AND m.owner_column NOT IN (?, ?) ORDER BY m.pair_id, m.data_type, m.owner_column`), job.ID, pairStatus, overwriteMark, deactivationMark)
	if err != nil {
		return v, fmt.Errorf("read journal of job %d: %w", job.ID, err)
	}
	for _, e := range entries {
		drift, err := db.verifyEntry(ctx, e, job.Kind == handover.KindUndo)
		if err != nil {
			return v, err
		}
		v.Drift = append(v.Drift, drift...)
	}
	return v, nil
}

// verifyEntry checks one journal entry. A run's entry: the target still
// owns the moved rows and the source owns none of the type's rows (any it
// owns it gained after the pair ran). An undo's entry: the source owns the
// moved rows again.
func (db *DB) verifyEntry(ctx context.Context, e verifyEntry, undone bool) ([]string, error) {
	t, col, err := e.owner()
	if err != nil {
		return []string{fmt.Sprintf("pair %d → %d: %v", e.From, e.To, err)}, nil
	}
	if col == "" {
		return nil, nil
	}
	owner, what := e.To, "target"
	if undone {
		owner, what = e.From, "source"
	}
	var drift []string
	if !undone {
		var atSrc int64
		if err := db.db.GetContext(ctx, &atSrc, db.rebind(fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = ?`, t.Table, col)), e.From); err != nil {
			return nil, fmt.Errorf("count %s of user %d: %w", t.Table, e.From, err)
		}
		if atSrc > 0 {
			drift = append(drift, fmt.Sprintf("pair %d → %d: source owns %d rows of %s.%s, gained after the pair ran (a later file moves them)", e.From, e.To, atSrc, t.Table, col))
		}
	}
	if e.IDs == nil {
		return drift, nil // journal pruned: only the source check is possible
	}
	var kept int64
	q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s AND %s = ?`, t.Table, db.dialect.idsIn(t.Key()), col)
	if err := db.db.GetContext(ctx, &kept, db.rebind(q), db.keysArg(t, col, *e.IDs, e.To, owner), owner); err != nil {
		return nil, fmt.Errorf("count moved %s of user %d: %w", t.Table, owner, err)
	}
	if kept != e.Moved {
		drift = append(drift, fmt.Sprintf("pair %d → %d: %s holds %d of the %d %s rows moved (%s)", e.From, e.To, what, kept, e.Moved, t.Table, col))
	}
	return drift, nil
}

// keysArg returns the keys to look the moved rows up by: the journaled
// ones, except for a type keyed by its owner column (a vacation balance),
// whose journaled key is the target's ID and becomes the source's again
// when the pair is undone.
func (db *DB) keysArg(t handover.DataType, col, journaled string, journaledOwner, owner int64) any {
	if t.Key() == col && owner != journaledOwner {
		return db.dialect.idsArg([]int64{owner})
	}
	return journaled
}
