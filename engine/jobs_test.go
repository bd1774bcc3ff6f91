package engine

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
			job, err := db.CreateJob(ctx, plan, handover.RunOptions{})
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
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 11}, handover.Pair{From: 12, To: 13}), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobKillGuard(t, db)
	time.Sleep(100 * time.Millisecond)
	res, err := db.Execute(ctx, g, job, nil)
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
	g, err := db.LockTenant(ctx, jobOperator(t, db, 1), "run")
	if err != nil {
		t.Fatal(err)
	}
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 11}), handover.RunOptions{})
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
	_, err = db.Execute(ctx, g, job, nil)
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

func TestUndoRefusesEditedPair(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		before := snapshot(t, db)
		job, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
		// Someone rescores one of the evaluations 10 handed to 12.
		var score string
		if err := db.db.Get(&score, `SELECT score FROM evaluations WHERE id = 1000`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.db.Exec(`UPDATE evaluations SET score = '99.00' WHERE id = 1000`); err != nil {
			t.Fatal(err)
		}
		res := mustUndo(t, db, job)
		if res.Done != 1 || res.Failed != 1 {
			t.Fatalf("undo = %+v, want 14 → 16 undone and 10 → 12 not", res)
		}
		failed, err := db.FailedPairs(ctx, res.Job)
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || failed[0].From != 10 || !strings.Contains(failed[0].Error.Message, "evaluations: rows moved (evaluator_id) were edited since the run") {
			t.Fatalf("not undone: %+v, want 10 → 12 for edited evaluations", failed)
		}
		if owned(t, db, 14)["contacts.agent_id"] == 0 || owned(t, db, 10)["contacts.agent_id"] != 0 {
			t.Error("want 14 → 16 undone and 10 → 12 left as the run left it")
		}
		// Put the score back: the rows are as the run left them, so undo goes through.
		if _, err := db.db.Exec(db.rebind(`UPDATE evaluations SET score = ? WHERE id = 1000`), score); err != nil {
			t.Fatal(err)
		}
		if res := mustUndo(t, db, job); res.Done != 1 || res.Failed != 0 {
			t.Fatalf("undo after the edit was reverted: %+v", res)
		}
		if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
			t.Errorf("after both undos (-before +after):\n%s", diff)
		}
	})
}

// TestUndoNotFooledByLaterOwnerChanges runs 10 → 12, then 11 → 13, which
// changes the approver of evaluations the first run gave 12 (approver 11);
// the first run is still undone: owner columns are not part of a row's
// fingerprint. On PostgreSQL the database's TimeZone and DateStyle also
// change between the run and the undo, which must not look like an edit.
func TestUndoNotFooledByLaterOwnerChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		first, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{})
		mustRun(t, db, planFor(t, db, handover.Pair{From: 11, To: 13}), handover.RunOptions{})
		if n := mustCount(t, db, `SELECT count(*) FROM evaluations WHERE evaluator_id = 12 AND approver_id = 13`); n == 0 {
			t.Fatal("the fixture has no evaluation evaluated by 10 and approved by 11")
		}
		if backend == "postgres" {
			var name string
			if err := db.db.Get(&name, `SELECT current_database()`); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{`ALTER DATABASE ` + name + ` SET TimeZone = 'Pacific/Chatham'`, `ALTER DATABASE ` + name + ` SET DateStyle = 'SQL, DMY'`} {
				if _, err := db.db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			db = jobOpen(t, db) // new sessions take the new settings
		}
		if res := mustUndo(t, db, first); res.Done != 1 || res.Failed != 0 {
			pairs, _ := db.FailedPairs(context.Background(), res.Job)
			t.Fatalf("undo of the first run: %+v %+v, want it undone", res, pairs)
		}
	})
}
