package engine

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"handover"
)

// jobOperator returns the fixture's tenant admin (1) or admin (2).
func jobOperator(t *testing.T, db *DB, id int64) handover.User {
	t.Helper()
	op, err := db.Operator(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// jobOpen opens a second handle on db's database, as another process would.
func jobOpen(t *testing.T, db *DB) *DB {
	t.Helper()
	other, err := Open(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestLockedNamesHolderBeforeItsJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		g, err := db.LockTenant(ctx, jobOperator(t, db, 2), "run")
		if err != nil {
			t.Fatal(err)
		}
		defer g.Release()
		other := jobOpen(t, db)
		start := time.Now()
		_, err = other.LockTenant(ctx, jobOperator(t, other, 1), "undo")
		if handover.ErrorCode(err) != handover.ErrLocked {
			t.Fatalf("second guard: %v, want locked", err)
		}
		for _, want := range []string{"Adam Ops (2)", "handover run", "waiting for confirmation"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q does not say %q", err, want)
			}
		}
		if waited := time.Since(start); waited < lockedWait || waited > lockedWait+5*time.Second {
			t.Errorf("refused after %v, want after waiting about %v for the holder's job", waited, lockedWait)
		}
	})
}

func TestLockedWaitsForHolderJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		op := jobOperator(t, db, 1)
		g, err := db.LockTenant(ctx, op, "run")
		if err != nil {
			t.Fatal(err)
		}
		defer g.Release()
		plan := planFor(t, db, handover.Pair{From: 10, To: 11})
		recorded := make(chan handover.Job, 1)
		go func() {
			time.Sleep(lockedWait / 4) // still validating when the other asks
			job, err := db.CreateJob(ctx, plan, RunOptions{})
			if err != nil {
				t.Error(err)
			}
			recorded <- job
		}()
		other := jobOpen(t, db)
		_, err = other.LockTenant(ctx, op, "run")
		job := <-recorded
		want := "job " + strconv.FormatInt(job.ID, 10) + " (run) started by Tess Admin (1) at " + job.Started.UTC().Format("2006-01-02 15:04:05")
		if handover.ErrorCode(err) != handover.ErrLocked || !strings.Contains(err.Error(), want) {
			t.Fatalf("refusal %v, want it to say %q", err, want)
		}
	})
}

// jobKillGuard ends the PostgreSQL session holding an advisory lock in db's
// database, as a server restart or a network cut would.
func jobKillGuard(t *testing.T, db *DB) {
	t.Helper()
	var n int
	err := db.db.Get(&n, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil || n != 1 {
		t.Fatalf("terminate the guard's session: %d sessions, %v", n, err)
	}
}

func TestGuardTakenAgainAfterLostConnection(t *testing.T) {
	db := MustOpenDB(t, "postgres")
	fixture(t, db)
	ctx := context.Background()
	g, err := db.LockTenant(ctx, jobOperator(t, db, 1), "run")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Release()
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 11}, handover.Pair{From: 12, To: 13}), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobKillGuard(t, db)
	time.Sleep(100 * time.Millisecond)
	res, err := db.Execute(ctx, job, nil)
	if err != nil || res.Done != 2 {
		t.Fatalf("execute after the guard's session ended: %+v, %v; want it to take the guard again and finish", res, err)
	}
	other := jobOpen(t, db)
	if _, err := other.LockTenant(ctx, jobOperator(t, other, 1), "run"); handover.ErrorCode(err) != handover.ErrLocked {
		t.Fatalf("the guard taken again must still keep others out: %v", err)
	}
}

func TestGuardLostToAnotherJobStopsExecute(t *testing.T) {
	db := MustOpenDB(t, "postgres")
	fixture(t, db)
	ctx := context.Background()
	if _, err := db.LockTenant(ctx, jobOperator(t, db, 1), "run"); err != nil {
		t.Fatal(err)
	}
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 11}), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobKillGuard(t, db)
	other := jobOpen(t, db)
	deadline := time.Now().Add(5 * time.Second)
	var g2 *Guard
	for g2 == nil {
		if g2, err = other.LockTenant(ctx, jobOperator(t, other, 2), "run"); err != nil && time.Now().After(deadline) {
			t.Fatalf("another process could not take the freed guard: %v", err)
		}
	}
	defer g2.Release()
	_, err = db.Execute(ctx, job, nil)
	if handover.ErrorCode(err) != handover.ErrLocked || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("execute after another process took the guard: %v, want locked pointing to resume", err)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = 'pending'`, job.ID); n != 1 {
		t.Errorf("%d pairs pending, want the job's one pair untouched", n)
	}
	j, _ := db.Job(ctx, 1, job.ID)
	if j.Status != handover.JobInterrupted {
		t.Errorf("job status %q, want interrupted", j.Status)
	}
}
