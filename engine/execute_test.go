package engine

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

func TestExecuteMovesEveryType(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}, {From: 14, To: 15}}
		before := map[int64]map[string]int64{}
		for _, p := range pairs {
			before[p.From], before[p.To] = owned(t, db, p.From), owned(t, db, p.To)
		}
		totals := snapshotCounts(t, db)
		plan := planFor(t, db, pairs...)
		if err := db.Predict(ctx, plan); err != nil {
			t.Fatal(err)
		}
		job, res := mustRun(t, db, plan, handover.RunOptions{})
		if res.Done != 3 || res.Failed != 0 {
			t.Fatalf("result = %+v, want 3 done", res)
		}
		recs, err := db.JobPairs(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pairs {
			if diff := cmp.Diff(plan.Rows[i].Moves, recs[i].Moves); diff != "" {
				t.Errorf("pair %v: predicted vs moved (-want +got):\n%s", p, diff)
			}
			checkPairEndState(t, db, p, before[p.From], before[p.To])
		}
		after := snapshotCounts(t, db)
		for _, dt := range handover.Catalog {
			if dt.Mode == handover.Combine && after[dt.Table] != totals[dt.Table] {
				t.Errorf("%s: %d rows before, %d after: combine must not lose rows", dt.Table, totals[dt.Table], after[dt.Table])
			}
		}
	})
}

// checkPairEndState checks what combine and overwrite promise for one pair.
func checkPairEndState(t *testing.T, db *DB, p handover.Pair, src, dst map[string]int64) {
	t.Helper()
	gotSrc, gotDst := owned(t, db, p.From), owned(t, db, p.To)
	for _, dt := range handover.Catalog {
		for _, col := range dt.Owners {
			k := dt.Table + "." + col
			if gotSrc[k] != 0 {
				t.Errorf("pair %v: source still owns %d rows of %s", p, gotSrc[k], k)
			}
			want := src[k] + dst[k]
			if dt.Mode == handover.Overwrite && src[k] > 0 {
				want = src[k]
			}
			if gotDst[k] != want {
				t.Errorf("pair %v: target owns %d rows of %s, want %d (source had %d, target %d, %s)", p, gotDst[k], k, want, src[k], dst[k], dt.Mode)
			}
		}
	}
}

func snapshotCounts(t *testing.T, db *DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, dt := range handover.Catalog {
		var n int64
		if err := db.db.Get(&n, `SELECT count(*) FROM `+dt.Table); err != nil {
			t.Fatal(err)
		}
		out[dt.Table] = n
	}
	return out
}

// failOnEvaluator makes any update that gives user's evaluations away fail,
// as an application trigger or constraint might (other columns of those
// rows may still change).
func failOnEvaluator(t *testing.T, db *DB, user int64) {
	t.Helper()
	var stmts []string
	if db.Dialect() == "postgres" {
		stmts = []string{
			fmt.Sprintf(`CREATE FUNCTION refuse_eval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF OLD.evaluator_id = %d AND NEW.evaluator_id <> %d THEN RAISE EXCEPTION 'evaluations of %d are frozen'; END IF; RETURN NEW; END $$`, user, user, user),
			`CREATE TRIGGER refuse_eval BEFORE UPDATE ON evaluations FOR EACH ROW EXECUTE FUNCTION refuse_eval()`,
		}
	} else {
		stmts = []string{fmt.Sprintf(`CREATE TRIGGER refuse_eval BEFORE UPDATE ON evaluations
FOR EACH ROW WHEN OLD.evaluator_id = %d AND NEW.evaluator_id <> %d BEGIN SELECT RAISE(ABORT, 'evaluations of %d are frozen'); END`, user, user, user)}
	}
	for _, s := range stmts {
		if _, err := db.db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFailingPairMidChunkIsIsolated(t *testing.T) {
	for _, size := range []int{DefaultChunkSize, 4, 1} {
		t.Run(fmt.Sprintf("chunk%d", size), func(t *testing.T) { testFailingPair(t, size, DefaultChunkRows) })
	}
	// A counted plan's chunks are sized by rows: one row a chunk makes each
	// pair its own transaction, a job's worth makes one.
	for _, rows := range []int64{1, 3, DefaultChunkRows} {
		t.Run(fmt.Sprintf("rows%d", rows), func(t *testing.T) { testFailingPair(t, DefaultChunkSize, rows) })
	}
}

func testFailingPair(t *testing.T, chunkSize int, chunkRows int64) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		db.ChunkSize, db.ChunkRows = chunkSize, chunkRows
		fixture(t, db)
		ctx := context.Background()
		failOnEvaluator(t, db, 16)
		pairs := []handover.Pair{{From: 10, To: 11}, {From: 12, To: 13}, {From: 16, To: 17}, {From: 18, To: 19}, {From: 20, To: 21}}
		srcBefore, dstBefore := owned(t, db, 16), owned(t, db, 17)
		plan := planFor(t, db, pairs...)
		if chunkRows != DefaultChunkRows {
			if err := db.Predict(ctx, plan); err != nil {
				t.Fatal(err)
			}
		}
		job, res := mustRun(t, db, plan, handover.RunOptions{})
		if res.Done != 4 || res.Failed != 1 {
			t.Fatalf("result = %+v, want 4 done and 1 failed", res)
		}
		failed, err := db.FailedPairs(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || failed[0].From != 16 || failed[0].Error == nil || failed[0].Error.Code != handover.TransferFailed {
			t.Fatalf("failed pairs = %+v, want only 16 → 17 with transfer_failed", failed)
		}
		if diff := cmp.Diff(srcBefore, owned(t, db, 16)); diff != "" {
			t.Errorf("failed pair's source changed:\n%s", diff)
		}
		if diff := cmp.Diff(dstBefore, owned(t, db, 17)); diff != "" {
			t.Errorf("failed pair's target changed:\n%s", diff)
		}
		if n := owned(t, db, 20)["contacts.agent_id"]; n != 0 {
			t.Errorf("pair after the failing one did not run: source 20 still owns %d contacts", n)
		}
	})
}

// TestPredictedRowsAreRecorded: a counted plan's pairs record the rows they
// were predicted to touch, which is what the run then moved and
// overwrote, and an uncounted plan's pairs record none (and weigh a heavy
// pair each).
func TestPredictedRowsAreRecorded(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		pairs := []handover.Pair{{From: 10, To: 11}, {From: 12, To: 13}, {From: 16, To: 17}}
		uncounted := planFor(t, db, pairs...)
		g := mustGuard(t, db)
		job, err := db.CreateJob(ctx, uncounted, handover.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pending, err := db.pendingPairs(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pending {
			if p.Rows != -1 || p.rows() != unknownRows {
				t.Errorf("pair %d of an uncounted plan weighs %d rows (recorded %d), want unknown: %d", p.ID, p.rows(), p.Rows, unknownRows)
			}
		}
		if _, err := db.Execute(ctx, g, job, nil); err != nil {
			t.Fatal(err)
		}
		g.Release()
		mustUndo(t, db, job)

		plan := planFor(t, db, pairs...)
		if err := db.Predict(ctx, plan); err != nil {
			t.Fatal(err)
		}
		job, _ = mustRun(t, db, plan, handover.RunOptions{})
		var got []struct {
			Line      int   `db:"line"`
			Predicted int64 `db:"predicted_rows"`
			Touched   int64 `db:"touched"`
		}
		if err := db.db.SelectContext(ctx, &got, db.rebind(`SELECT p.line, p.predicted_rows,
(SELECT COALESCE(sum(m.moved + m.overwritten), 0) FROM handover_moves m WHERE m.pair_id = p.id) AS touched
FROM handover_pairs p WHERE p.job_id = ? ORDER BY p.line`), job.ID); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(pairs) {
			t.Fatalf("%d pair records, want %d", len(got), len(pairs))
		}
		for i, g := range got {
			if want := plan.Rows[i].Touches(); g.Predicted != want || g.Touched != want || want == 0 {
				t.Errorf("row %d: predicted_rows %d, the run touched %d; the preview said %d (want equal, not 0)", g.Line, g.Predicted, g.Touched, want)
			}
		}
	})
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	st, err := os.Stat(sqlitePath(db.DSN))
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("database file mode = %o, want 600: it holds personal data", mode)
	}
}
