package engine

import (
	"context"
	"testing"

	"handover"
)

// TestConsoleQueries: the console's reads on both backends: the running
// job (none once its process is gone, which Unfinished records
// interrupted; one whose guard is still held Unfinished lists running), a job's moves per data type in catalog order, a page of
// its pairs, and a user by email without case, refusing unknown and shared
// emails.
func TestConsoleQueries(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := MustOpenDB(t, backend)
		fixture(t, db)
		job, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 11, To: 13}, handover.Pair{From: 14, To: 16}), handover.RunOptions{})

		moves, err := db.JobMoves(ctx, []int64{job.ID})
		if err != nil {
			t.Fatal(err)
		}
		var pairs []handover.JobPair
		if pairs, err = db.JobPairs(ctx, job.ID); err != nil {
			t.Fatal(err)
		}
		want := map[string]handover.Move{}
		var order []string
		for _, p := range pairs {
			for _, m := range p.Moves {
				if _, ok := want[m.Type]; !ok {
					order = append(order, m.Type)
				}
				w := want[m.Type]
				w.Type, w.Mode, w.Rows, w.Overwritten = m.Type, m.Mode, w.Rows+m.Rows, w.Overwritten+m.Overwritten
				want[m.Type] = w
			}
		}
		got := moves[job.ID]
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("JobMoves = %+v, want the sums of %+v", got, want)
		}
		for i, m := range got {
			if m != want[m.Type] || (i > 0 && handover.CatalogIndex(got[i-1].Type) > handover.CatalogIndex(m.Type)) {
				t.Errorf("JobMoves[%d] = %+v, want %+v in catalog order (%v)", i, m, want[m.Type], order)
			}
		}

		page, err := db.JobPairsPage(ctx, job.ID, 1, 5)
		if err != nil || len(page) != 2 || page[0].ID != pairs[1].ID || page[1].ID != pairs[2].ID || len(page[0].Moves) == 0 {
			t.Errorf("JobPairsPage(1, 5) = %+v, %v; want pairs 2 and 3 with their moves", page, err)
		}

		if _, ok, err := db.RunningJob(ctx, 1); ok || err != nil {
			t.Errorf("RunningJob after the run: %v, %v", ok, err)
		}
		mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobRunning, job.ID) // as a process that died leaves it
		unfinished, err := db.Unfinished(ctx)
		if err != nil || len(unfinished) != 1 || unfinished[0].ID != job.ID || unfinished[0].Status != handover.JobInterrupted {
			t.Errorf("Unfinished = %+v, %v; want job %d interrupted", unfinished, err, job.ID)
		}
		g, err := db.LockTenant(ctx, handover.User{ID: job.Operator, TenantID: job.Tenant}, "run") // as a process just killed holds it still
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobRunning, job.ID)
		unfinished, err = db.Unfinished(ctx)
		g.Release()
		if err != nil || len(unfinished) != 1 || unfinished[0].ID != job.ID || unfinished[0].Status != handover.JobRunning {
			t.Errorf("Unfinished under a held guard = %+v, %v; want job %d still running", unfinished, err, job.ID)
		}

		if id, err := db.UserByEmail(ctx, "A12@X"); err != nil || id != 12 {
			t.Errorf("UserByEmail(A12@X) = %d, %v", id, err)
		}
		mustExec(t, db, `UPDATE users SET email = ? WHERE id = ?`, "a12@x", 13)
		for _, email := range []string{"a12@x", "nobody@x"} {
			if _, err := db.UserByEmail(ctx, email); handover.ErrorCode(err) != handover.ErrForbidden {
				t.Errorf("UserByEmail(%s) = %v, want forbidden", email, err)
			}
		}
	})
}
