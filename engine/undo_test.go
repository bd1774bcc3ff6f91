package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

func mustUndo(t *testing.T, db *DB, target handover.Job) handover.Result {
	t.Helper()
	ctx := context.Background()
	op, err := db.Operator(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	target, err = db.Job(ctx, op.TenantID, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	g := mustGuard(t, db)
	defer g.Release()
	job, err := db.CreateUndoJob(ctx, op, target)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.ExecuteUndo(ctx, g, job, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunThenUndoRestoresEverything(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		before := snapshot(t, db)
		pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}, {From: 14, To: 15}, {From: 17, To: 16}}
		job, _ := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{DeactivateSource: true})
		if cmp.Equal(before, snapshot(t, db)) {
			t.Fatal("the run changed nothing")
		}
		res := mustUndo(t, db, job)
		if res.Done != len(pairs) || res.Failed != 0 {
			t.Fatalf("undo = %+v, want %d done", res, len(pairs))
		}
		if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
			t.Errorf("tables after run → undo differ from before (-before +after):\n%s", diff)
		}
		j, err := db.Job(context.Background(), 1, job.ID)
		if err != nil || j.Status != handover.JobUndone {
			t.Errorf("run job status = %q, %v; want undone", j.Status, err)
		}
	})
}

func TestUndoRefusesDriftedPairOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		before := snapshot(t, db)
		job, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
		// Someone moves one of 12's new contacts on to user 20 after the run.
		if _, err := db.db.Exec(db.rebind(`UPDATE contacts SET agent_id = 20 WHERE id = (SELECT min(id) FROM contacts WHERE agent_id = 12)`)); err != nil {
			t.Fatal(err)
		}
		res := mustUndo(t, db, job)
		if res.Done != 1 || res.Failed != 1 {
			t.Fatalf("undo = %+v, want 1 done, 1 not undone", res)
		}
		pairs, err := db.FailedPairs(context.Background(), res.Job)
		if err != nil {
			t.Fatal(err)
		}
		if len(pairs) != 1 || pairs[0].From != 10 || pairs[0].Error.Code != handover.NotUndone || !strings.Contains(pairs[0].Error.Message, "contacts") {
			t.Fatalf("not-undone pairs = %+v, want 10 → 12 naming contacts", pairs)
		}
		after := owned(t, db, 14)
		if after["contacts.agent_id"] == 0 {
			t.Error("pair 14 → 16 was not undone")
		}
		if got := snapshot(t, db)["vacation_balances"]; got == before["vacation_balances"] {
			t.Error("pair 10 → 12 must stay as the run left it, but vacation balances are back to before")
		}
	})
}

func TestTenantGuard(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		tenant1, tenant2 := handover.User{ID: 1, TenantID: 1}, handover.User{ID: 100, TenantID: 2}
		g, err := db.LockTenant(ctx, tenant1, "run")
		if err != nil {
			t.Fatal(err)
		}
		other, err := Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := other.LockTenant(ctx, tenant1, "run"); handover.ErrorCode(err) != handover.ErrLocked {
			t.Fatalf("second guard on tenant 1: err = %v, want locked", err)
		}
		g2, err := other.LockTenant(ctx, tenant2, "run")
		if err != nil {
			t.Fatalf("guard on another tenant: %v", err)
		}
		g2.Release()
		g.Release()
		g3, err := other.LockTenant(ctx, tenant1, "run")
		if err != nil {
			t.Fatalf("guard after release: %v", err)
		}
		g3.Release()
	})
}

// TestUndoIsolatesFailingPair: a pair whose undo fails for a reason other
// than drift (here an application trigger) is found by splitting the chunk
// in halves and recorded not undone, unchanged; the chunk's other pairs are
// restored.
func TestUndoIsolatesFailingPair(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		pairs := []handover.Pair{{From: 10, To: 11}, {From: 12, To: 13}, {From: 16, To: 17}, {From: 18, To: 19}, {From: 20, To: 21}}
		before := map[int64]map[string]int64{}
		for _, p := range pairs {
			before[p.From] = owned(t, db, p.From)
		}
		job, res := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{})
		if res.Done != len(pairs) {
			t.Fatalf("run = %+v, want %d done", res, len(pairs))
		}
		src16, dst17 := owned(t, db, 16), owned(t, db, 17)
		failOnEvaluator(t, db, 17) // undoing 16 → 17 gives 17's evaluations away
		res = mustUndo(t, db, job)
		failed, err := db.FailedPairs(ctx, res.Job)
		if err != nil {
			t.Fatal(err)
		}
		if res.Done != 4 || res.Failed != 1 {
			t.Fatalf("undo = %+v, want 4 done and 1 failed", res)
		}
		if len(failed) != 1 || failed[0].From != 16 || failed[0].Error == nil || failed[0].Error.Code != handover.NotUndone ||
			!strings.Contains(failed[0].Error.Message, "frozen") {
			t.Fatalf("failed undo pairs = %+v, want only 16 → 17, not undone, with the trigger's reason", failed)
		}
		if diff := cmp.Diff(src16, owned(t, db, 16)); diff != "" {
			t.Errorf("the pair that could not be undone changed its source (-after run +after undo):\n%s", diff)
		}
		if diff := cmp.Diff(dst17, owned(t, db, 17)); diff != "" {
			t.Errorf("the pair that could not be undone changed its target (-after run +after undo):\n%s", diff)
		}
		for _, p := range pairs {
			if p.From == 16 {
				continue
			}
			if diff := cmp.Diff(before[p.From], owned(t, db, p.From)); diff != "" {
				t.Errorf("source %d is not back as before the run (-before +after undo):\n%s", p.From, diff)
			}
		}
	})
}
