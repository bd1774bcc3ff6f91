package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"handover"
)

// waitBlocked waits until some session of db's database is waiting for a
// lock: the job has reached the rows the application holds.
func waitBlocked(t *testing.T, db *DB) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a safety net, not a wait
	for {
		var n int
		err := db.db.Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the job never waited for the application's lock")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}

func ids(t *testing.T, db *DB, table string, user int64) []int64 {
	t.Helper()
	var out []int64
	if err := db.db.Select(&out, db.rebind(`SELECT id FROM `+table+` WHERE user_id = ? ORDER BY id`), user); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOverwriteIsSerialWithApplication: an application transaction that
// locks a target's work shifts, then gives another pair's source its first
// work shift, must not make that pair combine an overwrite type. The pair
// ends as if it ran wholly before the application's transaction (the new
// row stays with the source, the target keeps its own) or wholly after it
// (the target holds only the new row); never both.
func TestOverwriteIsSerialWithApplication(t *testing.T) {
	if !slices.Contains(backends(t), "postgres") {
		t.Skip("needs PostgreSQL (" + pgEnv + ")")
	}
	ctx := context.Background()
	db := MustOpenDB(t, "postgres")
	fixture(t, db)
	if _, err := db.db.Exec(`DELETE FROM work_shifts WHERE user_id = 18`); err != nil {
		t.Fatal(err)
	}
	targetOwn := ids(t, db, "work_shifts", 19)

	app, err := db.db.BeginTxx(ctx, nil) // the application, READ COMMITTED
	if err != nil {
		t.Fatal(err)
	}
	defer app.Rollback()
	if _, err := app.Exec(`SELECT id FROM work_shifts WHERE user_id = 17 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	plan := planFor(t, db, handover.Pair{From: 16, To: 17}, handover.Pair{From: 18, To: 19})
	g := mustGuard(t, db)
	job, err := db.CreateJob(ctx, plan, handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Execute(ctx, g, job, nil)
		done <- err
	}()
	waitBlocked(t, db)
	if _, err := app.Exec(`INSERT INTO work_shifts (id, tenant_id, user_id, starts_at, ends_at, activity)
VALUES (999001, 1, 18, '2026-03-01T08:00:00Z', '2026-03-01T16:00:00Z', 'new')`); err != nil {
		t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	got := ids(t, db, "work_shifts", 19)
	pairs, err := db.JobPairs(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	var moved, overwritten int64
	for _, p := range pairs {
		if p.From != 18 {
			continue
		}
		for _, m := range p.Moves {
			if m.Type == "work_shifts" {
				moved, overwritten = m.Rows, m.Overwritten
			}
		}
	}
	switch {
	case slices.Equal(got, targetOwn): // the pair ran before the application's transaction
		if src := ids(t, db, "work_shifts", 18); !slices.Equal(src, []int64{999001}) {
			t.Errorf("source 18 owns %v, want the application's new row [999001]", src)
		}
		if moved != 0 || overwritten != 0 {
			t.Errorf("ledger says moved %d, overwrote %d; want 0, 0", moved, overwritten)
		}
	case slices.Equal(got, []int64{999001}): // after it
		if moved != 1 || overwritten != int64(len(targetOwn)) {
			t.Errorf("ledger says moved %d, overwrote %d; want 1, %d", moved, overwritten, len(targetOwn))
		}
	default:
		t.Errorf("target 19 owns work shifts %v: neither its own %v nor only the source's [999001] (ledger: moved %d, overwrote %d)",
			got, targetOwn, moved, overwritten)
	}
}
