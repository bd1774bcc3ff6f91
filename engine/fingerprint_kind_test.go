package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// jobKind reads the kind of fingerprint job's journal holds.
func jobKind(t *testing.T, db *DB, job handover.Job) fingerprintKind {
	t.Helper()
	kind, err := db.jobFingerprint(context.Background(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return kind
}

// TestNewJobsFingerprintKind: a run on the bundled schema journals the
// cheapest fingerprint its backend has.
func TestNewJobsFingerprintKind(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		job, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{})
		want := map[string]fingerprintKind{"postgres": fingerprintRecord, "sqlite": fingerprintText}[backend]
		if got := jobKind(t, db, job); got != want {
			t.Errorf("a new job journals fingerprint kind %d, want %d", got, want)
		}
	})
}

// journaledFingerprint returns the fingerprint job's journal holds for
// pair's rows of t's col, and that sum recomputed with each of kinds over
// the rows the journal names.
func journaledFingerprint(t *testing.T, db *DB, job handover.Job, p handover.Pair, dt handover.DataType, col string, kinds ...fingerprintKind) (journaled int64, now map[fingerprintKind]int64) {
	t.Helper()
	var ids string
	if err := db.db.QueryRow(db.rebind(`SELECT m.fingerprint, m.ids FROM handover_moves m JOIN handover_pairs p ON p.id = m.pair_id
WHERE p.job_id = ? AND p.from_id = ? AND m.data_type = ? AND m.owner_column = ?`), job.ID, p.From, dt.Table, col).Scan(&journaled, &ids); err != nil {
		t.Fatal(err)
	}
	now = map[fingerprintKind]int64{}
	for _, kind := range kinds {
		q := fmt.Sprintf(`SELECT %s FROM %s t WHERE %s`, fingerprintSum(db.dialect, dt, "t", kind), dt.Table, db.dialect.idsIn("t."+dt.Key()))
		var sum int64
		if err := db.db.Get(&sum, db.rebind(q), ids); err != nil {
			t.Fatal(err)
		}
		now[kind] = sum
	}
	return journaled, now
}

// TestOlderKindJournalUndone: a job recorded with the text-form
// fingerprint (every job from before hash_record was used) journals and is
// undone with that hash: its untouched pairs are restored exactly, and an
// edited pair is still refused. Undoing it with the newer hash would
// refuse every pair as edited.
func TestOlderKindJournalUndone(t *testing.T) {
	db := MustOpenDB(t, "postgres")
	fixture(t, db)
	ctx := context.Background()
	pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}, {From: 14, To: 15}, {From: 18, To: 20}}
	before := map[int64]map[string]int64{}
	for _, p := range pairs[:3] {
		before[p.From], before[p.To] = owned(t, db, p.From), owned(t, db, p.To)
	}
	g := mustGuard(t, db)
	job, err := db.CreateJob(ctx, planFor(t, db, pairs...), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `UPDATE handover_jobs SET fingerprint = ? WHERE id = ?`, fingerprintText, job.ID)
	if _, err := db.Execute(ctx, g, job, nil); err != nil {
		t.Fatal(err)
	}
	g.Release()
	contacts, _ := handover.LookupType("contacts")
	journaled, now := journaledFingerprint(t, db, job, pairs[0], contacts, "agent_id", fingerprintText, fingerprintRecord)
	if journaled != now[fingerprintText] || journaled == now[fingerprintRecord] {
		t.Fatalf("journaled fingerprint %d; text form now %d, hash_record now %d: want the text form's, and the two to differ",
			journaled, now[fingerprintText], now[fingerprintRecord])
	}

	mustExec(t, db, `UPDATE evaluations SET score = '99.00' WHERE id = 1800`) // one of 18's, now 20's
	edited := map[int64]map[string]int64{18: owned(t, db, 18), 20: owned(t, db, 20)}
	res := mustUndo(t, db, job)
	if res.Done != len(pairs)-1 || res.Failed != 1 {
		t.Fatalf("undo = %+v, want %d done and 18 → 20 not undone", res, len(pairs)-1)
	}
	failed, err := db.FailedPairs(ctx, res.Job)
	if err != nil || len(failed) != 1 || failed[0].From != 18 || !strings.Contains(failed[0].Error.Message, "evaluations: rows moved (evaluator_id) were edited since the run") {
		t.Fatalf("not undone: %+v, %v; want 18 → 20, its evaluations edited", failed, err)
	}
	for u, want := range edited {
		if diff := cmp.Diff(want, owned(t, db, u)); diff != "" {
			t.Errorf("the refused pair's user %d changed (-before +after):\n%s", u, diff)
		}
	}
	for u, want := range before {
		if diff := cmp.Diff(want, owned(t, db, u)); diff != "" {
			t.Errorf("user %d not restored (-before +after):\n%s", u, diff)
		}
	}
}

// TestFingerprintKindWithoutHashFunction: where a column the fingerprint
// covers has a type with no hash function (json here, in a schema that
// differs from the bundled one), a new job journals the text form, and its
// run and undo work as on the bundled schema.
func TestFingerprintKindWithoutHashFunction(t *testing.T) {
	db := MustOpenDB(t, "postgres")
	fixture(t, db)
	mustExec(t, db, `UPDATE saved_views SET definition = '{"filter": "' || definition || '"}'`)
	mustExec(t, db, `ALTER TABLE saved_views ALTER COLUMN definition TYPE json USING CAST(definition AS json)`)
	before := snapshot(t, db)
	pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}}
	job, res := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{})
	if res.Done != len(pairs) {
		t.Fatalf("run = %+v, want %d done", res, len(pairs))
	}
	if got := jobKind(t, db, job); got != fingerprintText {
		t.Errorf("the job journals fingerprint kind %d, want %d (text form)", got, fingerprintText)
	}
	views, _ := handover.LookupType("saved_views")
	if journaled, now := journaledFingerprint(t, db, job, pairs[0], views, "user_id", fingerprintText); journaled != now[fingerprintText] {
		t.Errorf("journaled saved_views fingerprint %d, want the text form's %d", journaled, now[fingerprintText])
	}
	if res := mustUndo(t, db, job); res.Done != len(pairs) || res.Failed != 0 {
		t.Fatalf("undo = %+v, want %d done", res, len(pairs))
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("tables after run → undo (-before +after):\n%s", diff)
	}
}
