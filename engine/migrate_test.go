package engine

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// TestJournalPairIndexMigration: an SQLite database whose journal still has
// the primary key of schema 11 is upgraded by Init to the journal indexed by
// pair alone, keeping every entry, and a job run before the upgrade is
// still undone exactly.
func TestJournalPairIndexMigration(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, "sqlite")
	fixture(t, db)
	before := snapshot(t, db)
	pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}, {From: 14, To: 15}}
	job, _ := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{DeactivateSource: true})
	entries := func() []string {
		t.Helper()
		var rows []string
		if err := db.db.SelectContext(ctx, &rows, `SELECT job_id || '|' || pair_id || '|' || data_type || '|' || owner_column || '|' || moved || '|' || overwritten || '|' || COALESCE(ids, '-') || '|' || COALESCE(fingerprint, '-')
FROM handover_moves ORDER BY pair_id, data_type, owner_column`); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	journaled := entries()
	if len(journaled) == 0 {
		t.Fatal("the run journaled nothing")
	}
	// Put the journal back as schema 11 had it.
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE old_moves (
    job_id INTEGER NOT NULL, pair_id INTEGER NOT NULL, data_type TEXT NOT NULL, owner_column TEXT NOT NULL,
    moved INTEGER NOT NULL, overwritten INTEGER NOT NULL, ids TEXT, fingerprint INTEGER,
    PRIMARY KEY (pair_id, data_type, owner_column));
INSERT INTO old_moves SELECT job_id, pair_id, data_type, owner_column, moved, overwritten, ids, fingerprint FROM handover_moves;
DROP TABLE handover_moves;
ALTER TABLE old_moves RENAME TO handover_moves;
DELETE FROM handover_schema WHERE version = 12;`); err != nil {
		t.Fatal(err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != 11 {
		t.Fatalf("schema version %d, %v; want 11 before the upgrade", v, err)
	}
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v < 12 {
		t.Fatalf("schema version %d, %v; want at least 12 after the upgrade", v, err)
	}
	if diff := cmp.Diff(journaled, entries()); diff != "" {
		t.Errorf("journal entries changed in the upgrade (-before +after):\n%s", diff)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'handover_moves_pair_idx' AND tbl_name = 'handover_moves'`); n != 1 {
		t.Errorf("handover_moves_pair_idx: %d indexes, want 1", n)
	}
	var plan []struct {
		ID, Parent, NotUsed int
		Detail              string
	}
	if err := db.db.SelectContext(ctx, &plan, `EXPLAIN QUERY PLAN SELECT * FROM handover_moves WHERE pair_id = 1`); err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0].Detail != "SEARCH handover_moves USING INDEX handover_moves_pair_idx (pair_id=?)" {
		t.Errorf("a read by pair is planned as %+v, want a search of handover_moves_pair_idx", plan)
	}
	if res := mustUndo(t, db, job); res.Done != len(pairs) || res.Failed != 0 {
		t.Fatalf("undo after the upgrade = %+v, want %d done", res, len(pairs))
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("tables after run → upgrade → undo differ from before (-before +after):\n%s", diff)
	}
}
