package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
)

var conformUndo = []conformCase{
	{"RestoresExactly", confUndoRestores},
	{"RefusesDrift", confUndoDrift},
	{"NeverTwice", confUndoNeverTwice},
	{"UnfinishedUndo", confUnfinishedUndo},
	{"RefusesWhatCannotBeUndone", confUndoRefusals},
}

// confUndoRestores: undo puts every table back as it was before the run,
// reactivating only the sources the run deactivated, and records the run
// undone with the undo's counts equal to the run's.
func confUndoRestores(t *testing.T, db *DB) {
	ctx := context.Background()
	mustExec(t, db, `UPDATE users SET active = ? WHERE id = 14`, false)
	before := snapshot(t, db)
	pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}, {From: 14, To: 15}, {From: 17, To: 16}}
	run, _ := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{DeactivateSource: true})
	res := mustUndo(t, db, run)
	if res.Done != len(pairs) || res.Failed != 0 {
		t.Fatalf("undo = %+v, want %d done", res, len(pairs))
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("tables after run → undo (-before +after):\n%s", diff)
	}
	if j, err := db.Job(ctx, 1, run.ID); err != nil || j.Status != handover.JobUndone {
		t.Errorf("run = %q, %v; want undone", j.Status, err)
	}
	undo, err := db.Job(ctx, 1, res.Job)
	if err != nil || undo.Kind != handover.KindUndo || undo.Status != handover.JobDone || undo.UndoOf == nil || *undo.UndoOf != run.ID {
		t.Errorf("undo job = %+v, %v; want a done undo of job %d", undo, err, run.ID)
	}
	runPairs, _ := db.JobPairs(ctx, run.ID)
	undoPairs, _ := db.JobPairs(ctx, res.Job)
	if len(runPairs) != len(pairs) || len(undoPairs) != len(pairs) {
		t.Fatalf("%d run pairs, %d undo pairs; want %d each", len(runPairs), len(undoPairs), len(pairs))
	}
	for i := range runPairs {
		r, u := runPairs[i], undoPairs[i]
		if r.Status != handover.PairUndone || u.Status != handover.PairDone || r.From != u.From || r.To != u.To {
			t.Errorf("pair %d → %d: run %q, undo %d → %d %q; want undone and done", r.From, r.To, r.Status, u.From, u.To, u.Status)
		}
		if diff := cmp.Diff(r.Moves, u.Moves); diff != "" {
			t.Errorf("pair %d → %d: undo counts differ from the run's (-run +undo):\n%s", r.From, r.To, diff)
		}
	}
	if n := archived(t, db, run.ID); n != 0 {
		t.Errorf("%d archived rows left after the undo put them back", n)
	}
}

// archived counts the overwritten rows kept for job.
func archived(t *testing.T, db *DB, job int64) int {
	t.Helper()
	n := 0
	for _, dt := range handover.Catalog {
		if dt.Mode == handover.Overwrite {
			n += mustCount(t, db, `SELECT count(*) FROM `+archiveTable(dt)+` WHERE job_id = ?`, job)
		}
	}
	return n
}

// confUndoDrift: a pair whose rows changed since the run is not undone,
// with the reason, and left as it was; the other pairs are undone.
func confUndoDrift(t *testing.T, db *DB) {
	ctx := context.Background()
	schedules, _ := handover.LookupType("schedules")
	drifts := []struct {
		pair   handover.Pair
		change func()
		reason string
	}{
		{handover.Pair{From: 10, To: 12}, func() { mustExec(t, db, `UPDATE contacts SET agent_id = 20 WHERE id = 1000`) },
			"contacts: 1 of the 3 rows moved (agent_id) are no longer owned by user 12 (moved again or deleted since)"},
		{handover.Pair{From: 14, To: 16}, func() { mustExec(t, db, `DELETE FROM storage_files WHERE id = 1400`) },
			"storage_files: 1 of the 3 rows moved (user_id) are no longer owned by user 16"},
		{handover.Pair{From: 18, To: 20}, func() { mustExec(t, db, `UPDATE evaluations SET score = '99.00' WHERE id = 1800`) },
			"evaluations: rows moved (evaluator_id) were edited since the run"},
		{handover.Pair{From: 22, To: 24}, func() { insertRow(t, db, schedules, 22, 5) },
			"schedules: user 22 has 1 new rows since the run"},
		{handover.Pair{From: 26, To: 28}, func() { mustExec(t, db, `DELETE FROM work_shifts WHERE id = 2600`) },
			"work_shifts: user 28 now has 2 rows where the run gave 3"},
	}
	pairs := []handover.Pair{{From: 11, To: 13}}
	for _, d := range drifts {
		pairs = append(pairs, d.pair)
	}
	before := map[int64]map[string]int64{11: owned(t, db, 11), 13: owned(t, db, 13)}
	run, _ := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{})
	for _, d := range drifts {
		d.change()
	}
	drifted := map[int64]map[string]int64{}
	for _, d := range drifts {
		drifted[d.pair.From], drifted[d.pair.To] = owned(t, db, d.pair.From), owned(t, db, d.pair.To)
	}
	res := mustUndo(t, db, run)
	if res.Done != 1 || res.Failed != len(drifts) {
		t.Fatalf("undo = %+v; want 11 → 13 undone and the %d drifted pairs not", res, len(drifts))
	}
	failed, err := db.FailedPairs(ctx, res.Job)
	if err != nil || len(failed) != len(drifts) {
		t.Fatalf("not undone: %+v, %v", failed, err)
	}
	for i, d := range drifts {
		f := failed[i]
		if f.From != d.pair.From || f.Error == nil || f.Error.Code != handover.NotUndone || !strings.Contains(f.Error.Message, d.reason) ||
			!strings.HasSuffix(f.Error.Message, "; nothing was changed for this pair") {
			t.Errorf("pair %v: %+v %+v; want not_undone saying %q", d.pair, f, f.Error, d.reason)
		}
		for _, u := range []int64{d.pair.From, d.pair.To} {
			if diff := cmp.Diff(drifted[u], owned(t, db, u)); diff != "" {
				t.Errorf("pair %v: the refused undo changed user %d's rows (-drifted +after):\n%s", d.pair, u, diff)
			}
		}
	}
	for u, want := range before {
		if diff := cmp.Diff(want, owned(t, db, u)); diff != "" {
			t.Errorf("pair 11 → 13 not restored: user %d (-before +after):\n%s", u, diff)
		}
	}
	if j, _ := db.Job(ctx, 1, run.ID); j.Status != handover.JobDone {
		t.Errorf("run = %q; want still done, its drifted pairs left to undo", j.Status)
	}
}

// confUndoNeverTwice: a run's pairs are restored once: a second undo is
// refused, and an undo job recorded beside the one that restored them
// (as an older version allowed) skips every pair.
func confUndoNeverTwice(t *testing.T, db *DB) {
	ctx := context.Background()
	tess := jobOperator(t, db, 1)
	before := snapshot(t, db)
	run, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
	mustUndo(t, db, run)
	run, _ = db.Job(ctx, 1, run.ID)
	if _, err := db.CreateUndoJob(ctx, tess, run); handover.ErrorCode(err) != handover.ErrUsage || !strings.Contains(err.Error(), "no completed pairs left to undo") {
		t.Errorf("second undo of job %d: %v; want refused, nothing left to undo", run.ID, err)
	}
	again, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
	again, _ = db.Job(ctx, 1, again.ID)
	rival, err := db.CreateUndoJob(ctx, tess, again)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobDone, rival.ID)
	res := mustUndo(t, db, again)
	g := mustGuard(t, db)
	mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobRunning, rival.ID)
	rivalRes, err := db.ExecuteUndo(ctx, g, rival, nil)
	if err != nil || rivalRes.Done != 0 || rivalRes.Failed != len(statePairs) {
		t.Fatalf("rival undo = %+v, %v; want every pair skipped", rivalRes, err)
	}
	failed, _ := db.FailedPairs(ctx, rival.ID)
	for _, p := range failed {
		if want := fmt.Sprintf("already undone by job %d", res.Job); p.Error == nil || !strings.Contains(p.Error.Message, want) {
			t.Errorf("pair %d → %d: %+v; want %q", p.From, p.To, p.Error, want)
		}
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("tables after run, undo, run, undo, rival undo (-before +after):\n%s", diff)
	}
}

// confUnfinishedUndo: UnfinishedUndo finds the undo of a job that was
// started and not finished, until it is finished; meanwhile no other undo
// of that job starts.
func confUnfinishedUndo(t *testing.T, db *DB) {
	ctx := context.Background()
	run, _ := mustRun(t, db, planFor(t, db, statePairs...), handover.RunOptions{})
	other, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 26, To: 28}), handover.RunOptions{})
	unfinished := func(target handover.Job) (int64, bool) {
		t.Helper()
		j, ok, err := db.UnfinishedUndo(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		return j.ID, ok
	}
	if _, ok := unfinished(run); ok {
		t.Fatal("an unfinished undo before any undo")
	}
	u := interruptedUndo(t, db, run)
	if id, ok := unfinished(run); !ok || id != u.ID {
		t.Errorf("UnfinishedUndo = %d, %v; want job %d", id, ok, u.ID)
	}
	if _, ok := unfinished(other); ok {
		t.Errorf("another run has an unfinished undo")
	}
	run, _ = db.Job(ctx, 1, run.ID)
	if _, err := db.CreateUndoJob(ctx, jobOperator(t, db, 1), run); handover.ErrorCode(err) != handover.ErrInterrupted {
		t.Errorf("undo while job %d is unfinished: %v; want refused (interrupted)", u.ID, err)
	}
	g := mustGuard(t, db)
	if err := db.SetRunning(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if id, ok := unfinished(run); !ok || id != u.ID {
		t.Errorf("UnfinishedUndo while resumed = %d, %v; want job %d", id, ok, u.ID)
	}
	if _, err := db.ExecuteUndo(ctx, g, u, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := unfinished(run); ok {
		t.Errorf("an unfinished undo after it finished")
	}
}

// confUndoRefusals: undo jobs, unfinished runs and runs that completed no
// pair cannot be undone, and refusing records no undo job.
func confUndoRefusals(t *testing.T, db *DB) {
	ctx := context.Background()
	tess := jobOperator(t, db, 1)
	run, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{})
	undoJob, _ := db.Job(ctx, 1, mustUndo(t, db, run).Job)
	noneDone, _ := mustRun(t, db, withErrorRow(planFor(t, db, handover.Pair{From: 14, To: 16}), 0, handover.Issue{Code: handover.FanIn, Message: "x"}),
		handover.RunOptions{SkipInvalid: true})
	noneDone, _ = db.Job(ctx, 1, noneDone.ID)
	g := mustGuard(t, db)
	started, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 18, To: 20}), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running, _ := db.Job(ctx, 1, started.ID)
	g.Release()
	interrupted, _ := db.Job(ctx, 1, started.ID)
	undos := mustCount(t, db, `SELECT count(*) FROM handover_jobs WHERE kind = ?`, handover.KindUndo)
	for _, tt := range []struct {
		what   string
		target handover.Job
		status handover.JobStatus
	}{
		{"an undo job", undoJob, handover.JobDone},
		{"a run that completed no pair", noneDone, handover.JobFailed},
		{"a running run", running, handover.JobRunning},
		{"an interrupted run", interrupted, handover.JobInterrupted},
	} {
		if tt.target.Status != tt.status {
			t.Fatalf("%s is %q, want %q", tt.what, tt.target.Status, tt.status)
		}
		if _, err := db.CreateUndoJob(ctx, tess, tt.target); handover.ErrorCode(err) != handover.ErrUsage {
			t.Errorf("undo of %s: %v; want refused (usage)", tt.what, err)
		}
	}
	if n := mustCount(t, db, `SELECT count(*) FROM handover_jobs WHERE kind = ?`, handover.KindUndo); n != undos {
		t.Errorf("%d undo jobs after the refusals, want %d", n, undos)
	}
}

var conformVerify = []conformCase{
	{"Run", confVerifyRun},
	{"UndoneRun", confVerifyUndoneRun},
	{"UndoJob", confVerifyUndo},
}

func mustVerify(t *testing.T, db *DB, id int64) handover.Verification {
	t.Helper()
	job, err := db.Job(context.Background(), 1, id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Verify(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// confVerifyRun: a run verifies clean until its targets lose moved rows
// or its sources gain rows of a moved type.
func confVerifyRun(t *testing.T, db *DB) {
	contacts, _ := handover.LookupType("contacts")
	run, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
	want := handover.Verification{Job: run.ID, Kind: handover.KindRun, Status: handover.JobDone, UndoneBy: []int64{}, Checked: 2, Drift: []string{}}
	if diff := cmp.Diff(want, mustVerify(t, db, run.ID)); diff != "" {
		t.Errorf("verify after the run (-want +got):\n%s", diff)
	}
	mustExec(t, db, `UPDATE contacts SET agent_id = 20 WHERE id = 1000`)
	insertRow(t, db, contacts, 14, 9)
	want.Drift = []string{
		"pair 10 → 12: target holds 2 of the 3 contacts rows moved (agent_id)",
		"pair 14 → 16: source owns 1 rows of contacts.agent_id, gained after the pair ran (a later file moves them)",
	}
	if diff := cmp.Diff(want, mustVerify(t, db, run.ID)); diff != "" {
		t.Errorf("verify after the data changed (-want +got):\n%s", diff)
	}
}

// confVerifyUndoneRun: an undone run has no pair left to check and names
// the undo that restored it.
func confVerifyUndoneRun(t *testing.T, db *DB) {
	run, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
	res := mustUndo(t, db, run)
	want := handover.Verification{Job: run.ID, Kind: handover.KindRun, Status: handover.JobUndone, UndoneBy: []int64{res.Job}, Drift: []string{}}
	if diff := cmp.Diff(want, mustVerify(t, db, run.ID)); diff != "" {
		t.Errorf("verify of the undone run (-want +got):\n%s", diff)
	}
}

// confVerifyUndo: an undo verifies clean while its sources own the rows
// again, vacation balances (keyed by their owner) included.
func confVerifyUndo(t *testing.T, db *DB) {
	run, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
	res := mustUndo(t, db, run)
	want := handover.Verification{Job: res.Job, Kind: handover.KindUndo, Status: handover.JobDone, UndoOf: &run.ID, UndoneBy: []int64{}, Checked: 2, Drift: []string{}}
	if diff := cmp.Diff(want, mustVerify(t, db, res.Job)); diff != "" {
		t.Errorf("verify of the undo (-want +got):\n%s", diff)
	}
	mustExec(t, db, `UPDATE contacts SET agent_id = 20 WHERE id = 1000`)
	want.Drift = []string{"pair 10 → 12: source holds 2 of the 3 contacts rows moved (agent_id)"}
	if diff := cmp.Diff(want, mustVerify(t, db, res.Job)); diff != "" {
		t.Errorf("verify of the undo after the data changed (-want +got):\n%s", diff)
	}
}

var conformPrune = []conformCase{
	{"Prunable", confPrunable},
	{"PruneJobsRemovesArchivesAndKeys", confPruneJobs},
	{"UndoAfterPruneRefused", confUndoAfterPrune},
}

// mustPrunable returns the IDs of the jobs Prunable lists.
func mustPrunable(t *testing.T, db *DB, tenant int64, olderThan time.Duration) []int64 {
	t.Helper()
	jobs, err := db.Prunable(context.Background(), tenant, olderThan)
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}

// confPrunable: Prunable lists, oldest first, the tenant's runs finished
// before the cutoff; not undo jobs, unfinished runs or other tenants'.
func confPrunable(t *testing.T, db *DB) {
	ctx := context.Background()
	day := func(n int) time.Time { return day0.Add(time.Duration(n) * 24 * time.Hour) }
	clock := setClock(db, day(0), 0)
	a, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{})
	clock.set(day(1))
	e, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
	mustUndo(t, db, e)
	clock.set(day(15))
	b, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 18, To: 20}), handover.RunOptions{})
	g2, err := db.LockTenant(ctx, handover.User{ID: 100, TenantID: 2}, "run")
	if err != nil {
		t.Fatal(err)
	}
	from, to := int64(100), int64(101)
	theirPlan := &handover.Plan{Operator: handover.User{ID: 100, TenantID: 2},
		Rows: []handover.PlanRow{{Row: 2, From: &from, To: &to, Issues: []handover.Issue{{Code: handover.UnknownUser, Message: "x"}}}}}
	theirPlan.Tally()
	theirs, err := db.CreateJob(ctx, theirPlan, handover.RunOptions{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Execute(ctx, g2, theirs, nil); err != nil {
		t.Fatal(err)
	}
	g2.Release()
	mustGuard(t, db)
	if _, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 22, To: 24}), handover.RunOptions{}); err != nil { // still running
		t.Fatal(err)
	}
	clock.set(day(20))
	for _, tt := range []struct {
		tenant int64
		older  time.Duration
		want   []int64
	}{
		{1, 10 * 24 * time.Hour, []int64{a.ID, e.ID}},
		{1, 30 * 24 * time.Hour, []int64{}},
		{1, 24 * time.Hour, []int64{a.ID, e.ID, b.ID}},
		{2, 24 * time.Hour, []int64{theirs.ID}},
	} {
		got := mustPrunable(t, db, tt.tenant, tt.older)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Prunable(%d, %v) (-want +got):\n%s", tt.tenant, tt.older, diff)
		}
	}
}

// journaled counts job's journal entries that still hold keys.
func journaled(t *testing.T, db *DB, job int64) int {
	t.Helper()
	return mustCount(t, db, `SELECT count(*) FROM handover_moves WHERE job_id = ? AND ids IS NOT NULL`, job)
}

// confPruneJobs: pruning a job removes its archived rows and journaled
// keys, keeps its counts, and takes it off the list; other jobs keep
// theirs.
func confPruneJobs(t *testing.T, db *DB) {
	ctx := context.Background()
	clock := setClock(db, day0, 0)
	a, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 11, To: 13}), handover.RunOptions{})
	b, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
	countsBefore, _ := db.JobPairs(ctx, a.ID)
	keptB := [2]int{archived(t, db, b.ID), journaled(t, db, b.ID)}
	if archived(t, db, a.ID) == 0 || journaled(t, db, a.ID) == 0 || keptB[0] == 0 || keptB[1] == 0 {
		t.Fatal("the runs archived or journaled nothing")
	}
	clock.set(day0.Add(48 * time.Hour))
	job, _ := db.Job(ctx, 1, a.ID)
	if err := db.PruneJobs(ctx, []handover.Job{job}); err != nil {
		t.Fatal(err)
	}
	if n, m := archived(t, db, a.ID), journaled(t, db, a.ID); n != 0 || m != 0 {
		t.Errorf("after pruning job %d: %d archived rows, %d journal entries with keys; want none", a.ID, n, m)
	}
	if got := [2]int{archived(t, db, b.ID), journaled(t, db, b.ID)}; got != keptB {
		t.Errorf("job %d, not pruned, went from %v archived/journaled to %v", b.ID, keptB, got)
	}
	if counts, _ := db.JobPairs(ctx, a.ID); !cmp.Equal(countsBefore, counts) {
		t.Errorf("pruning changed the ledger's counts (-before +after):\n%s", cmp.Diff(countsBefore, counts))
	}
	if diff := cmp.Diff([]int64{b.ID}, mustPrunable(t, db, 1, 24*time.Hour)); diff != "" {
		t.Errorf("Prunable after pruning job %d (-want +got):\n%s", a.ID, diff)
	}
	if n, err := db.Prune(ctx, 1, 24*time.Hour); err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want job %d pruned", n, err, b.ID)
	}
	if got := mustPrunable(t, db, 1, 24*time.Hour); len(got) != 0 {
		t.Errorf("Prunable after Prune = %v, want none", got)
	}
}

// confUndoAfterPrune: a pruned run cannot be undone, and still verifies
// what it can without its keys: that its sources own none of the moved
// types.
func confUndoAfterPrune(t *testing.T, db *DB) {
	ctx := context.Background()
	contacts, _ := handover.LookupType("contacts")
	clock := setClock(db, day0, 0)
	run, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})
	clock.set(day0.Add(48 * time.Hour))
	if n, err := db.Prune(ctx, 1, 24*time.Hour); err != nil || n != 1 {
		t.Fatalf("prune = %d, %v", n, err)
	}
	job, _ := db.Job(ctx, 1, run.ID)
	if _, err := db.CreateUndoJob(ctx, jobOperator(t, db, 1), job); handover.ErrorCode(err) != handover.ErrUsage || !strings.Contains(err.Error(), "pruned") {
		t.Errorf("undo of a pruned run: %v; want refused, saying it was pruned", err)
	}
	if v := mustVerify(t, db, run.ID); v.Checked != 2 || len(v.Drift) != 0 {
		t.Errorf("verify of the pruned run = %+v; want 2 pairs checked, no drift", v)
	}
	insertRow(t, db, contacts, 10, 9)
	want := []string{"pair 10 → 12: source owns 1 rows of contacts.agent_id, gained after the pair ran (a later file moves them)"}
	if diff := cmp.Diff(want, mustVerify(t, db, run.ID).Drift); diff != "" {
		t.Errorf("verify of the pruned run after its source gained a contact (-want +got):\n%s", diff)
	}
}
