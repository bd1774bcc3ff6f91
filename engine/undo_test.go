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
