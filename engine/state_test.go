package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
)

var statePairs = []handover.Pair{{From: 10, To: 12}, {From: 14, To: 16}, {From: 18, To: 20}, {From: 22, To: 24}}

// interruptedUndo starts an undo of target in chunks of one pair and stops
// it after its first, as a kill would: the job is left interrupted with one
// pair undone.
func interruptedUndo(t *testing.T, db *DB, target handover.Job) handover.Job {
	t.Helper()
	defer func(n int) { db.ChunkSize = n }(db.ChunkSize)
	db.ChunkSize = 1
	op := jobOperator(t, db, 1)
	target, err := db.Job(context.Background(), 1, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	g := mustGuard(t, db)
	defer g.Release()
	job, err := db.CreateUndoJob(context.Background(), op, target)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := db.ExecuteUndo(ctx, g, job, func(handover.JobPair) { cancel() }); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted undo: err = %v, want context canceled", err)
	}
	job, err = db.Job(context.Background(), 1, job.ID)
	if err != nil || job.Status != handover.JobInterrupted || job.Done != 1 {
		t.Fatalf("undo job after the stop: %+v, %v; want interrupted with 1 pair done", job, err)
	}
	return job
}

// TestUndoAgainFinishesTheInterruptedUndo: while an undo of a job is
// unfinished, a second undo of the same job is refused, naming the one to
// resume; no rival undo job is started.
func TestUndoAgainFinishesTheInterruptedUndo(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		before := snapshot(t, db)
		run, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
		first := interruptedUndo(t, db, run)
		ctx := context.Background()
		run, _ = db.Job(ctx, 1, run.ID)
		_, err := db.CreateUndoJob(ctx, jobOperator(t, db, 1), run)
		if handover.ErrorCode(err) != handover.ErrInterrupted || !strings.Contains(err.Error(), "resume "+strconv.FormatInt(first.ID, 10)) {
			t.Fatalf("second undo: %v; want refused, pointing at `handover resume %d`", err, first.ID)
		}
		prev, ok, err := db.UnfinishedUndo(ctx, run)
		if err != nil || !ok || prev.ID != first.ID {
			t.Fatalf("UnfinishedUndo = %d, %v, %v; want job %d", prev.ID, ok, err, first.ID)
		}
		g := mustGuard(t, db)
		if err := db.SetRunning(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		if res, err := db.ExecuteUndo(ctx, g, first, nil); err != nil || res.Done != len(statePairs) {
			t.Fatalf("resumed undo = %+v, %v; want every pair done", res, err)
		}
		if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
			t.Errorf("tables after run → interrupted undo → resumed undo differ from before:\n%s", diff)
		}
	})
}

// TestLeftoverUndoCannotReverseNewerRun: an undo job left unfinished by an
// older version, beside a second undo that restored everything, and a
// newer run of the same pairs. Resuming the leftover must skip every pair
// (already undone) and leave the newer run's data alone.
func TestLeftoverUndoCannotReverseNewerRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		run, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
		leftover := interruptedUndo(t, db, run)
		// What an older version allowed: a rival undo while the first was unfinished.
		mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobDone, leftover.ID)
		if res := mustUndo(t, db, run); res.Done != len(statePairs)-1 {
			t.Fatalf("rival undo = %+v; want the other %d pairs done", res, len(statePairs)-1)
		}
		again, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
		afterNewer := snapshot(t, db)
		g := mustGuard(t, db)
		mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobRunning, leftover.ID)
		res, err := db.ExecuteUndo(ctx, g, leftover, nil)
		g.Release()
		if err != nil {
			t.Fatal(err)
		}
		if res.Done != 1 || res.Failed != len(statePairs)-1 {
			t.Errorf("resumed leftover = %+v; want its 1 pair done and %d skipped as failed", res, len(statePairs)-1)
		}
		pairs, _ := db.FailedPairs(ctx, leftover.ID)
		for _, p := range pairs {
			if p.Error == nil || !strings.Contains(p.Error.Message, "already undone by job") {
				t.Errorf("pair %d → %d: %+v; want 'already undone by job …'", p.From, p.To, p.Error)
			}
		}
		if diff := cmp.Diff(afterNewer, snapshot(t, db)); diff != "" {
			t.Errorf("the leftover undo changed the newer run's data:\n%s", diff)
		}
		if j, _ := db.Job(ctx, 1, again.ID); j.Status != handover.JobDone {
			t.Errorf("newer run is %s, want done", j.Status)
		}
		if res := mustUndo(t, db, again); res.Done != len(statePairs) || res.Failed != 0 {
			t.Errorf("undo of the newer run = %+v; want every pair undone", res)
		}
	})
}

// TestUndoAfterPruneFailsClearly: a journal pruned while an undo was
// unfinished makes the rest of the undo fail with the reason; nothing is
// reported restored that was not.
func TestUndoAfterPruneFailsClearly(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		run, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
		undo := interruptedUndo(t, db, run)
		afterOne := snapshot(t, db)
		db.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
		if n, err := db.Prune(ctx, 1, 24*time.Hour); err != nil || n != 1 {
			t.Fatalf("prune = %d, %v; want job %d pruned", n, err, run.ID)
		}
		g := mustGuard(t, db)
		if err := db.SetRunning(ctx, undo.ID); err != nil {
			t.Fatal(err)
		}
		res, err := db.ExecuteUndo(ctx, g, undo, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Done != 1 || res.Failed != len(statePairs)-1 {
			t.Errorf("undo after prune = %+v; want 1 done, %d failed", res, len(statePairs)-1)
		}
		failed, _ := db.FailedPairs(ctx, undo.ID)
		for _, p := range failed {
			if p.Error == nil || !strings.Contains(p.Error.Message, "pruned") {
				t.Errorf("pair %d → %d: %+v; want a reason naming the pruned journal", p.From, p.To, p.Error)
			}
		}
		if diff := cmp.Diff(afterOne, snapshot(t, db)); diff != "" {
			t.Errorf("the undo changed data after the prune:\n%s", diff)
		}
		if j, _ := db.Job(ctx, 1, run.ID); j.Status == handover.JobUndone {
			t.Errorf("run job is undone, but only one of its pairs was restored")
		}
	})
}

// TestOrphanedJobReadsInterrupted: a job that says running while nobody
// holds the tenant's guard (its process was killed) reads as interrupted;
// one whose process holds the guard stays running.
func TestOrphanedJobReadsInterrupted(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		other := jobOpen(t, db)
		g, err := other.LockTenant(ctx, jobOperator(t, other, 1), "run")
		if err != nil {
			t.Fatal(err)
		}
		job, err := other.CreateJob(ctx, planFor(t, other, statePairs...), handover.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if j, err := db.Job(ctx, 1, job.ID); err != nil || j.Status != handover.JobRunning {
			t.Fatalf("job of a live holder = %q, %v; want running", j.Status, err)
		}
		g.Release() // the holder dies: the kernel or server frees its guard
		jobs, err := db.Jobs(ctx, 1, 10)
		if err != nil || len(jobs) != 1 || jobs[0].Status != handover.JobInterrupted {
			t.Fatalf("jobs after the holder died = %+v, %v; want it interrupted", jobs, err)
		}
	})
}

// TestGuardFollowsTheFileNotItsName: one SQLite database opened through a
// symlink and through another spelling of its path has one guard.
func TestGuardFollowsTheFileNotItsName(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	fixture(t, db)
	ctx := context.Background()
	dir := filepath.Dir(db.DSN)
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(db.DSN, link); err != nil {
		t.Fatal(err)
	}
	g, err := db.LockTenant(ctx, jobOperator(t, db, 1), "run")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Release()
	for _, spelling := range []string{link, filepath.Join(dir, "sub", "..", filepath.Base(db.DSN))} {
		if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
		other, err := Open(ctx, spelling)
		if err != nil {
			t.Fatal(err)
		}
		_, err = other.LockTenant(ctx, jobOperator(t, other, 1), "run")
		other.Close()
		if handover.ErrorCode(err) != handover.ErrLocked {
			t.Errorf("guard through %s: %v; want locked while the real path holds it", spelling, err)
		}
	}
}

func mustExec(t *testing.T, db *DB, q string, args ...any) {
	t.Helper()
	if _, err := db.db.Exec(db.rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
