package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"handover"
)

// Undo restores a chunk of pairs at a time with set-based statements, as a
// run moves them: per data type and owner column one query checks every
// pair's journaled rows (still the target's, not edited) and one UPDATE
// moves them back. A pair that drifted is found by that check, recorded not
// undone, and the chunk is tried again without it, so the rest restore in
// bulk. A chunk failing for any other reason is split in halves, as a run's
// is, down to the single pair, which is restored on its own (undoOne) so
// that the pair at fault is isolated.

// errDrifted rolls back a chunk in which some pairs drifted.
var errDrifted = errors.New("some pairs of the chunk cannot be undone")

// undoJob is the undo job being executed, with the kind of fingerprint the
// journal of the run it undoes holds.
type undoJob struct {
	id int64
	fp fingerprintKind
}

// undoChunk restores pairs (at most one chunk) of undo job uj. Only
// errors that stop the whole job are returned.
func (db *DB) undoChunk(ctx context.Context, g *Guard, uj undoJob, pairs []undoPending, onPair func(handover.JobPair)) error {
	for len(pairs) > 0 {
		var drifted map[int64]string
		err := retry(ctx, db, func() error {
			if err := db.hold(ctx, g, uj.id); err != nil {
				return err
			}
			return db.withTx(ctx, func(tx *sqlx.Tx) (err error) {
				drifted, err = db.undoSet(ctx, tx, uj, pairs)
				if err == nil && len(drifted) > 0 {
					return errDrifted
				}
				return err
			})
		})
		switch {
		case err == nil:
			return db.reportPairs(ctx, undoIDs(pairs), onPair)
		case errors.Is(err, errDrifted):
			if pairs, err = db.recordDrifted(ctx, pairs, drifted, onPair); err != nil {
				return err
			}
		case fatal(ctx, err):
			return err
		case len(pairs) == 1:
			if err := db.undoOne(ctx, g, uj, pairs[0]); err != nil {
				return err
			}
			return db.reportPairs(ctx, undoIDs(pairs), onPair)
		default:
			half := len(pairs) / 2
			if err := db.undoChunk(ctx, g, uj, pairs[:half], onPair); err != nil {
				return err
			}
			return db.undoChunk(ctx, g, uj, pairs[half:], onPair)
		}
	}
	return nil
}

// recordDrifted records the drifted pairs not undone and returns the rest.
func (db *DB) recordDrifted(ctx context.Context, pairs []undoPending, drifted map[int64]string, onPair func(handover.JobPair)) ([]undoPending, error) {
	var rest []undoPending
	var failed []int64
	for _, p := range pairs {
		reason, ok := drifted[p.ID]
		if !ok {
			rest = append(rest, p)
			continue
		}
		if err := db.recordNotUndone(ctx, p.ID, reason); err != nil {
			return nil, err
		}
		failed = append(failed, p.ID)
	}
	return rest, db.reportPairs(ctx, failed, onPair)
}

func undoIDs(pairs []undoPending) []int64 {
	ids := make([]int64, len(pairs))
	for i, p := range pairs {
		ids[i] = p.ID
	}
	return ids
}

// undoSet restores pairs inside tx, or returns, by undo pair ID, why some
// cannot be (having changed nothing worth keeping: the caller rolls back).
func (db *DB) undoSet(ctx context.Context, tx *sqlx.Tx, uj undoJob, pairs []undoPending) (map[int64]string, error) {
	u, err := db.newSetUndoer(ctx, tx, uj, pairs)
	if err != nil {
		return nil, err
	}
	drifted, err := u.claimable(ctx)
	if err != nil || len(drifted) > 0 {
		return drifted, err
	}
	if drifted, err = u.check(ctx); err != nil || len(drifted) > 0 {
		return drifted, err
	}
	return u.restore(ctx)
}

// setUndoer restores the pairs of one chunk.
type setUndoer struct {
	db      *DB
	tx      *sqlx.Tx
	undoJob undoJob
	pairs   []undoPending
	byOrig  map[int64]undoPending
	entries map[int64][]journalEntry // by the run's pair
	c       chunkSQL                 // p(pair_id, src, dst): the run's pairs
}

func (db *DB) newSetUndoer(ctx context.Context, tx *sqlx.Tx, uj undoJob, pairs []undoPending) (*setUndoer, error) {
	u := &setUndoer{db: db, tx: tx, undoJob: uj, pairs: pairs, byOrig: map[int64]undoPending{}, entries: map[int64][]journalEntry{}}
	chunk := make([]chunkPair, len(pairs))
	for i, p := range pairs {
		u.byOrig[p.Orig] = p
		chunk[i] = chunkPair{ID: p.Orig, From: p.From, To: p.To}
	}
	setup, c := db.dialect.chunk(chunk)
	if err := run(ctx, tx, setup); err != nil {
		return nil, fmt.Errorf("prepare undo chunk: %w", err)
	}
	u.c = c
	var rows []struct {
		Pair int64 `db:"pair_id"`
		journalEntry
	}
	q := `SELECT pair_id, data_type, owner_column, moved, overwritten, ids, fingerprint FROM handover_moves WHERE ` + db.dialect.idsIn("pair_id")
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), db.dialect.idsArg(u.origIDs())); err != nil {
		return nil, fmt.Errorf("read the journal of undo job %d: %w", uj.id, err)
	}
	for _, r := range rows {
		u.entries[r.Pair] = append(u.entries[r.Pair], r.journalEntry)
	}
	return u, nil
}

func (u *setUndoer) origIDs() []int64 {
	ids := make([]int64, len(u.pairs))
	for i, p := range u.pairs {
		ids[i] = p.Orig
	}
	return ids
}

// claimable finds the run's pairs that are not done (undone already, never
// completed) or whose journal was pruned, with the reason claimForUndo
// gives.
func (u *setUndoer) claimable(ctx context.Context) (map[int64]string, error) {
	var rows []struct {
		ID     int64     `db:"id"`
		Status string    `db:"status"`
		Pruned timestamp `db:"pruned_at"`
	}
	q := `SELECT p.id, p.status, j.pruned_at FROM handover_pairs p JOIN handover_jobs j ON j.id = p.job_id WHERE ` + u.db.dialect.idsIn("p.id")
	if err := u.tx.SelectContext(ctx, &rows, u.tx.Rebind(q), u.db.dialect.idsArg(u.origIDs())); err != nil {
		return nil, fmt.Errorf("read the pairs to undo: %w", err)
	}
	drifted := map[int64]string{}
	for _, r := range rows {
		if r.Pruned.IsZero() && handover.PairStatus(r.Status) == handover.PairDone {
			continue
		}
		var d *drift
		if err := u.db.claimForUndo(ctx, u.tx, r.ID); !errors.As(err, &d) {
			return nil, fmt.Errorf("pair %d is %s but could not say why it cannot be undone: %w", r.ID, r.Status, err)
		}
		drifted[u.byOrig[r.ID].ID] = d.reason
	}
	return drifted, nil
}

// ownedRows is what one check query found of a pair's journaled rows: how many
// the target still owns and their fingerprint.
type ownedRows struct {
	Pair        int64 `db:"pair_id"`
	N           int64 `db:"n"`
	Fingerprint int64 `db:"fp"`
}

// check finds, without changing anything, the drift that must be known
// before rows move: a journal entry it cannot read, and an overwrite type
// whose target or source has other rows than the run left. Rows moved on,
// deleted or edited since are found as they move back (see moveBack).
func (u *setUndoer) check(ctx context.Context) (map[int64]string, error) {
	reasons := map[int64][]string{}
	for orig, es := range u.entries {
		for _, e := range es {
			if _, _, err := e.owner(); err != nil {
				reasons[orig] = []string{err.Error()}
				delete(u.entries, orig) // nothing else of it is checked or changed
				break
			}
		}
	}
	for _, t := range handover.Catalog {
		if t.Mode == handover.Overwrite {
			if err := u.checkOverwrite(ctx, t, reasons); err != nil {
				return nil, err
			}
		}
	}
	return u.byUndoPair(reasons), nil
}

func (u *setUndoer) byUndoPair(reasons map[int64][]string) map[int64]string {
	drifted := map[int64]string{}
	for orig, rs := range reasons {
		drifted[u.byOrig[orig].ID] = strings.Join(rs, "; ")
	}
	return drifted
}

// entryOf returns the journal entry of table's col among es.
func entryOf(es []journalEntry, table, col string) (journalEntry, bool) {
	i := slices.IndexFunc(es, func(e journalEntry) bool { return e.Type == table && e.Column == col })
	if i < 0 {
		return journalEntry{}, false
	}
	return es[i], true
}

// editedReason says why entry e cannot be put back, given what the target
// dst still owns of its rows; "" when it can.
func editedReason(t handover.DataType, col string, e journalEntry, now ownedRows, dst int64) string {
	switch {
	case now.N != e.Moved:
		return fmt.Sprintf("%s: %d of the %d rows moved (%s) are no longer owned by user %d (moved again or deleted since)", t.Table, e.Moved-now.N, e.Moved, col, dst)
	case e.Fingerprint != nil && now.Fingerprint != *e.Fingerprint:
		return fmt.Sprintf("%s: rows moved (%s) were edited since the run", t.Table, col)
	}
	return ""
}

// keys is the relation e(pair_id, src, dst, k): the keys each pair of the
// chunk journaled for t's col, appended to the chunk's WITH clause. The
// keys come from the journal entries already read, loaded by the dialect
// (see keyRelation), so the plan does not depend on the journal's
// statistics.
func (u *setUndoer) keys(ctx context.Context, t handover.DataType, col string) (string, journaledKeys, error) {
	var k journaledKeys
	for orig, es := range u.entries {
		e, ok := entryOf(es, t.Table, col)
		if !ok || e.IDs == nil {
			continue
		}
		ids, err := parseIDs(*e.IDs)
		if err != nil {
			return "", k, fmt.Errorf("journal of pair %d, %s.%s: %w", orig, t.Table, col, err)
		}
		for _, id := range ids {
			k.pairs, k.keys = append(k.pairs, orig), append(k.keys, id)
		}
	}
	setup, rel := u.db.dialect.keyRelation(k.pairs, k.keys)
	if err := run(ctx, u.tx, setup); err != nil {
		return "", k, fmt.Errorf("load the journaled keys of %s.%s: %w", t.Table, col, err)
	}
	return u.c.with + ", e AS (" + rel + ")", k, nil
}

// journaledKeys are the rows of e, column by column.
type journaledKeys struct{ pairs, keys []int64 }

// parseIDs reads the keys of a journal entry as either database writes
// them: "{1,2}" (PostgreSQL) or "[1,2]" (SQLite).
func parseIDs(s string) ([]int64, error) {
	s = strings.Trim(strings.TrimSpace(s), "{}[]")
	if s == "" {
		return nil, nil
	}
	fields := strings.Split(s, ",")
	ids := make([]int64, len(fields))
	for i, f := range fields {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("a journaled key %q is not a whole number: the ledger was changed outside handover", f)
		}
		ids[i] = id
	}
	return ids, nil
}

// checkOverwrite adds the reasons an overwrite type cannot be put back: the
// target owns other rows than it was given, or the source has new ones.
func (u *setUndoer) checkOverwrite(ctx context.Context, t handover.DataType, reasons map[int64][]string) error {
	moved := map[int64]int64{}
	var ids []int64
	for orig, es := range u.entries {
		for _, e := range es {
			if e.Type == t.Table && e.Column != "" {
				moved[orig] += e.Moved
			}
		}
		if moved[orig] > 0 {
			ids = append(ids, orig)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	owner := t.Owners[0]
	q := fmt.Sprintf(`%s SELECT p.pair_id, (SELECT count(*) FROM %s x WHERE x.%s = p.dst) AS at_dst, (SELECT count(*) FROM %s x WHERE x.%s = p.src) AS at_src
FROM p WHERE %s`, u.c.with, t.Table, owner, t.Table, owner, u.db.dialect.idsIn("p.pair_id"))
	var rows []struct {
		Pair  int64 `db:"pair_id"`
		AtDst int64 `db:"at_dst"`
		AtSrc int64 `db:"at_src"`
	}
	if err := u.tx.SelectContext(ctx, &rows, u.tx.Rebind(q), u.db.dialect.idsArg(ids)); err != nil {
		return fmt.Errorf("check overwritten %s: %w", t.Table, err)
	}
	for _, r := range rows {
		p := u.byOrig[r.Pair]
		switch {
		case r.AtDst != moved[r.Pair]:
			reasons[r.Pair] = append(reasons[r.Pair], fmt.Sprintf("%s: user %d now has %d rows where the run gave %d", t.Table, p.To, r.AtDst, moved[r.Pair]))
		case r.AtSrc != 0:
			reasons[r.Pair] = append(reasons[r.Pair], fmt.Sprintf("%s: user %d has %d new rows since the run", t.Table, p.From, r.AtSrc))
		}
	}
	return nil
}

// restore claims the run's pairs, moves every journaled row back and puts
// overwritten rows back, type by type in catalog order (the lock order of
// runs), reactivates deactivated sources, and records the undo pairs done
// with the counts they restored. It returns, by undo pair, the pairs whose
// rows were not all with their target as the run left them: the caller
// then rolls the whole chunk back.
func (u *setUndoer) restore(ctx context.Context) (map[int64]string, error) {
	ids := u.origIDs()
	if err := u.setStatus(ctx, ids, handover.PairDone, handover.PairUndone, ""); err != nil {
		return nil, err
	}
	reasons := map[int64][]string{}
	for _, t := range handover.Catalog {
		for _, col := range t.Owners {
			found, err := u.moveBack(ctx, t, col)
			if err != nil {
				return nil, err
			}
			for orig, es := range u.entries {
				if e, ok := entryOf(es, t.Table, col); ok && e.IDs != nil {
					if r := editedReason(t, col, e, found[orig], u.byOrig[orig].To); r != "" {
						reasons[orig] = append(reasons[orig], r)
					}
				}
			}
		}
		if t.Mode == handover.Overwrite && len(reasons) == 0 {
			if err := u.restoreArchive(ctx, t, ids); err != nil {
				return nil, err
			}
		}
	}
	if len(reasons) > 0 {
		return u.byUndoPair(reasons), nil
	}
	return nil, u.finish(ctx)
}

// finish reactivates deactivated sources and records the undo pairs done.
func (u *setUndoer) finish(ctx context.Context) error {
	d := u.db.dialect
	if err := u.reactivate(ctx); err != nil {
		return err
	}
	// From the undo pairs (by key) to their runs' journal (by key): the
	// undo_of column has no index.
	q := journalInsert + ` SELECT ?, u.id, m.data_type, m.owner_column, m.moved, m.overwritten, NULL, NULL
FROM handover_pairs u JOIN handover_moves m ON m.pair_id = u.undo_of WHERE ` + d.idsIn("u.id")
	if _, err := u.tx.ExecContext(ctx, u.tx.Rebind(q), u.undoJob.id, d.idsArg(undoIDs(u.pairs))); err != nil {
		return fmt.Errorf("record undo counts: %w", err)
	}
	if err := u.setStatus(ctx, undoIDs(u.pairs), handover.PairPending, handover.PairDone, stamp(u.db.Now())); err != nil {
		return err
	}
	return u.db.markUndoneIfLast(ctx, u.tx, u.pairs[0].Orig)
}

// markUndoneIfLast records the run of pair orig undone, inside tx, when
// none of its pairs is done any more: the undo that restores its last pair
// says so in the same commit, so a process killed right after it leaves no
// run that reads "done" with every pair undone.
func (db *DB) markUndoneIfLast(ctx context.Context, tx *sqlx.Tx, orig int64) error {
	var run struct {
		Job  int64 `db:"job_id"`
		Left int   `db:"n"`
	}
	err := tx.GetContext(ctx, &run, tx.Rebind(`SELECT p.job_id, (SELECT count(*) FROM handover_pairs d WHERE d.job_id = p.job_id AND d.status = ?) AS n
FROM handover_pairs p WHERE p.id = ?`), handover.PairDone, orig)
	if err != nil {
		return fmt.Errorf("count pairs left to undo: %w", err)
	}
	if run.Left > 0 {
		return nil
	}
	if err := db.moveJob(ctx, tx, run.Job, handover.JobUndone); err != nil && !isWrongState(err) {
		return err
	}
	return nil
}

// setStatus moves every pair of ids from status from to to (setting done_at
// when done is not ""), and fails unless each was in status from.
func (u *setUndoer) setStatus(ctx context.Context, ids []int64, from, to handover.PairStatus, done string) error {
	d := u.db.dialect
	set, args := `status = ?`, []any{to}
	if done != "" {
		set, args = set+`, done_at = ?`, append(args, done)
	}
	q := `UPDATE handover_pairs SET ` + set + ` WHERE status = ? AND ` + d.idsIn("id")
	res, err := u.tx.ExecContext(ctx, u.tx.Rebind(q), append(args, from, d.idsArg(ids))...)
	if err != nil {
		return fmt.Errorf("set pairs %s: %w", to, err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(ids)) {
		return fmt.Errorf("set pairs %s: %d of %d pairs were still %s: another job changed them", to, n, len(ids), from)
	}
	return nil
}

// moveBack gives the source back every row of t's col the chunk's pairs
// journaled that the target still owns, and returns per run pair how many
// it moved and the sum of their fingerprints, for editedReason: a row
// moved on or deleted since is not found, an edited one changes the sum.
// Checking as the rows move reads each row once.
func (u *setUndoer) moveBack(ctx context.Context, t handover.DataType, col string) (map[int64]ownedRows, error) {
	var want int64
	for _, es := range u.entries {
		if e, ok := entryOf(es, t.Table, col); ok && e.IDs != nil {
			want += e.Moved
		}
	}
	if want == 0 {
		return nil, nil
	}
	with, k, err := u.keys(ctx, t, col)
	if err != nil {
		return nil, err
	}
	q, perKey := u.db.dialect.moveBack(with, t, col, u.undoJob.fp)
	found := map[int64]ownedRows{}
	if !perKey {
		var rows []ownedRows
		if err := u.tx.SelectContext(ctx, &rows, u.tx.Rebind(q)); err != nil {
			return nil, fmt.Errorf("move %s.%s back: %w", t.Table, col, err)
		}
		for _, r := range rows {
			found[r.Pair] = r
		}
		return found, nil
	}
	// The statement returns each moved row's key and fingerprint; the
	// journal says whose it was (the owner, when the key is the owner
	// column: a source hands each type over in one pair of a chunk).
	pairOf := make(map[int64]int64, len(k.keys))
	for i, orig := range k.pairs {
		if t.Key() == col {
			pairOf[u.byOrig[orig].From] = orig
		} else {
			pairOf[k.keys[i]] = orig
		}
	}
	rows, err := u.tx.QueryContext(ctx, u.tx.Rebind(q))
	if err != nil {
		return nil, fmt.Errorf("move %s.%s back: %w", t.Table, col, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, h int64
		if err := rows.Scan(&k, &h); err != nil {
			return nil, fmt.Errorf("move %s.%s back: %w", t.Table, col, err)
		}
		orig := pairOf[k]
		r := found[orig]
		r.Pair, r.N, r.Fingerprint = orig, r.N+1, r.Fingerprint+h
		found[orig] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("move %s.%s back: %w", t.Table, col, err)
	}
	return found, nil
}

func (u *setUndoer) restoreArchive(ctx context.Context, t handover.DataType, ids []int64) error {
	d, cols := u.db.dialect, columnList(t, "")
	q := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s`, t.Table, cols, cols, archiveTable(t), d.idsIn("pair_id"))
	if _, err := u.tx.ExecContext(ctx, u.tx.Rebind(q), d.idsArg(ids)); err != nil {
		return fmt.Errorf("restore overwritten %s: %w", t.Table, err)
	}
	q = fmt.Sprintf(`DELETE FROM %s WHERE %s`, archiveTable(t), d.idsIn("pair_id"))
	_, err := u.tx.ExecContext(ctx, u.tx.Rebind(q), d.idsArg(ids))
	return err
}

// reactivate turns the sources the run deactivated back on.
func (u *setUndoer) reactivate(ctx context.Context) error {
	var srcs []int64
	for orig, es := range u.entries {
		if _, ok := entryOf(es, deactivationType, deactivationMark); ok {
			srcs = append(srcs, u.byOrig[orig].From)
		}
	}
	if len(srcs) == 0 {
		return nil
	}
	d := u.db.dialect
	_, err := u.tx.ExecContext(ctx, u.tx.Rebind(`UPDATE users SET active = ? WHERE `+d.idsIn("id")), true, d.idsArg(srcs))
	return err
}
