package engine

import (
	"context"
	"errors"
	"testing"

	"handover"
)

// TestStoppedJobFreesTheGuardAtOnce: a job whose context was cancelled
// (SIGINT, a server stopping) stops before using the guard's connection
// again, and the guard it then releases is free for the next job at once.
// A ping under the cancelled context could make lib/pq send the server a
// cancel request that lands on the guard's unlock; the connection is then
// closed and its lock freed only when the server notices, so a job started
// right after found the tenant locked (seen once under load).
func TestStoppedJobFreesTheGuardAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		g, err := db.LockTenant(context.Background(), handover.User{ID: 1, TenantID: 1}, "run")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := db.hold(ctx, g, 1); !errors.Is(err, context.Canceled) {
			t.Errorf("hold under a cancelled context = %v; want context canceled", err)
		}
		g.Release()
		next, err := db.LockTenant(context.Background(), handover.User{ID: 1, TenantID: 1}, "run")
		if err != nil {
			t.Fatalf("the next job right after the stopped one released the guard: %v", err)
		}
		next.Release()
	})
}

// TestRunUndoneWithItsLastPair: an undo stopped right after restoring the
// last pairs of a run (before it could finish its own job) still leaves
// the run "undone": that is recorded in the transaction that undid them.
func TestRunUndoneWithItsLastPair(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		run, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
		run, err := db.Job(context.Background(), 1, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		g := mustGuard(t, db)
		undo, err := db.CreateUndoJob(context.Background(), jobOperator(t, db, 1), run)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if _, err := db.ExecuteUndo(ctx, g, undo, func(handover.JobPair) { cancel() }); !errors.Is(err, context.Canceled) {
			t.Fatalf("undo stopped after its last chunk: %v; want context canceled", err)
		}
		if j, err := db.Job(context.Background(), 1, run.ID); err != nil || j.Status != handover.JobUndone {
			t.Errorf("run after its every pair was undone: %+v, %v; want undone", j, err)
		}
	})
}
