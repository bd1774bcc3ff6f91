package validate_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"handover"
	"handover/engine"
)

// dbDir is the engine's directory on a real SQLite database, with what a
// database cannot do by itself: it counts the questions validation asks,
// fails one of them on demand, and can leak other tenants' users as a
// buggy directory might.
type dbDir struct {
	db    *engine.DB
	calls map[string]int
	fail  string // method that returns errDir
	// leak makes Users answer for every tenant, not only the one asked.
	leak bool
}

var _ handover.Directory = (*dbDir)(nil)

var errDir = errors.New("directory down")

func (d *dbDir) call(name string) error {
	if d.calls == nil {
		d.calls = map[string]int{}
	}
	d.calls[name]++
	if d.fail == name {
		return errDir
	}
	return nil
}

func (d *dbDir) Users(ctx context.Context, tenant int64, ids []int64) (map[int64]handover.User, error) {
	if err := d.call("Users"); err != nil {
		return nil, err
	}
	users, err := d.db.Users(ctx, tenant, ids)
	if err != nil || !d.leak {
		return users, err
	}
	for _, other := range []int64{1, 2} {
		more, err := d.db.Users(ctx, other, ids)
		if err != nil {
			return nil, err
		}
		for id, u := range more {
			if _, ok := users[id]; !ok {
				users[id] = u
			}
		}
	}
	return users, nil
}

func (d *dbDir) VisibleTeams(ctx context.Context, op handover.User) (map[int64]bool, bool, error) {
	if err := d.call("VisibleTeams"); err != nil {
		return nil, false, err
	}
	return d.db.VisibleTeams(ctx, op)
}

func (d *dbDir) Transferred(ctx context.Context, tenant int64, pairs []handover.Pair) (map[handover.Pair][]handover.JobRef, error) {
	if err := d.call("Transferred"); err != nil {
		return nil, err
	}
	return d.db.Transferred(ctx, tenant, pairs)
}

// transferredAt is when job 1 of newDir handed 19 over to 11: late in the
// evening UTC, the next day east of UTC.
var transferredAt = time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC)

// newDir returns a fresh SQLite database holding tenant 1 (Adam sees
// teams 10 and 20, not 30) and a second tenant, in which job 1 handed
// 19 over to 11.
func newDir(tb testing.TB) *dbDir {
	tb.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, filepath.Join(tb.TempDir(), "directory.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Init(ctx); err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO tenants (id, name) VALUES (1, 'Acme'), (2, 'Other')`,
		`INSERT INTO teams (id, tenant_id, name) VALUES (10, 1, 'Ten'), (20, 1, 'Twenty'), (30, 1, 'Thirty'), (99, 2, 'Theirs')`,
	} {
		if _, err := db.SQL().Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	d := &dbDir{db: db}
	d.add(tb, tess, adam, jenny, kim, lou, john, otto, olga, ida, jose, zed)
	if _, err := db.SQL().Exec(`INSERT INTO admin_views (admin_id, team_id) VALUES (2, 10), (2, 20)`); err != nil {
		tb.Fatal(err)
	}
	d.transfer(tb, handover.Pair{From: john.ID, To: jenny.ID}, transferredAt)
	return d
}

// add inserts users into the directory, in one transaction.
func (d *dbDir) add(tb testing.TB, users ...handover.User) {
	tb.Helper()
	tx, err := d.db.SQL().Beginx()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for _, u := range users {
		if _, err := tx.Exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.TenantID, u.TeamID, u.Name, u.Email, u.Role, u.Active); err != nil {
			tb.Fatalf("add user %d: %v", u.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// transfer runs pair as a job of tenant 1's tenant admin, completed at.
func (d *dbDir) transfer(tb testing.TB, pair handover.Pair, at time.Time) {
	tb.Helper()
	d.transferTypes(tb, pair, 0, at)
}

// transferTypes runs pair for the data types as a job of tenant 1's tenant
// admin, completed at.
func (d *dbDir) transferTypes(tb testing.TB, pair handover.Pair, types handover.TypeSet, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	d.db.Now = func() time.Time { return at }
	defer func() { d.db.Now = time.Now }()
	g, err := d.db.LockTenant(ctx, tess, "run")
	if err != nil {
		tb.Fatal(err)
	}
	defer g.Release()
	plan := &handover.Plan{Operator: tess, Rows: []handover.PlanRow{{Row: 2, From: &pair.From, To: &pair.To, Types: types}}}
	plan.Tally()
	job, err := d.db.CreateJob(ctx, plan, handover.RunOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if res, err := d.db.Execute(ctx, g, job, nil); err != nil || res.Done != 1 {
		tb.Fatalf("transfer %v: %+v, %v", pair, res, err)
	}
}

// undo undoes job id as tenant 1's tenant admin, completed at.
func (d *dbDir) undo(tb testing.TB, id int64, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	d.db.Now = func() time.Time { return at }
	defer func() { d.db.Now = time.Now }()
	g, err := d.db.LockTenant(ctx, tess, "undo")
	if err != nil {
		tb.Fatal(err)
	}
	defer g.Release()
	target, err := d.db.Job(ctx, tess.TenantID, id)
	if err != nil {
		tb.Fatal(err)
	}
	job, err := d.db.CreateUndoJob(ctx, tess, target)
	if err != nil {
		tb.Fatal(err)
	}
	if res, err := d.db.ExecuteUndo(ctx, g, job, nil); err != nil || res.Failed != 0 {
		tb.Fatalf("undo job %d: %+v, %v", id, res, err)
	}
}
