package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// TestStoreConformance runs the store conformance suite on SQLite, and on
// PostgreSQL when HANDOVER_TEST_PG is set.
func TestStoreConformance(t *testing.T) {
	eachBackend(t, StoreConformance)
}

// conformCase is one behaviour of the store, run on its own copy of the
// fixture database.
type conformCase struct {
	name string
	fn   func(t *testing.T, db *DB)
}

// StoreConformance checks every behaviour the rest of the tool relies on
// from the store, on backend, as named subtests (after golang-migrate's
// database/testing): the directory lookups, the tenant guard, the job
// ledger, the undo journal, undo, verify and prune. Every subtest gets a
// fresh copy of the fixture (see fixture), so that the subtests are
// independent and any one of them can be run alone with -run.
func StoreConformance(t *testing.T, backend string) {
	open := fixtureCopies(t, backend)
	groups := []struct {
		name  string
		cases []conformCase
	}{
		{"directory", conformDirectory},
		{"guard", conformGuard},
		{"ledger", conformLedger},
		{"journal", conformJournal},
		{"undo", conformUndo},
		{"verify", conformVerify},
		{"prune", conformPrune},
		{"types", conformTypes},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
			}
		})
	}
}

// fixtureCopies builds the fixture database once on backend and returns
// a function that gives a test its own copy of it, removed when that test
// ends (see mustCopyDB).
func fixtureCopies(t *testing.T, backend string) func(t *testing.T) *DB {
	t.Helper()
	db := MustOpenDB(t, backend)
	fixture(t, db)
	dsn := db.DSN
	if err := db.Close(); err != nil { // copies need it closed
		t.Fatal(err)
	}
	return func(t *testing.T) *DB {
		t.Helper()
		db, err := Open(context.Background(), mustCopyDB(t, backend, dsn))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// testClock is a DB's clock in a test: it reads a set time and then moves
// on by step, so that events recorded one after another are ordered.
type testClock struct {
	mu   sync.Mutex
	at   time.Time
	step time.Duration
}

// setClock replaces db's clock with one starting at at.
func setClock(db *DB, at time.Time, step time.Duration) *testClock {
	c := &testClock{at: at, step: step}
	db.Now = c.now
	return c
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.at
	c.at = c.at.Add(c.step)
	return t
}

func (c *testClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

// day0 is when the conformance suite's clocks start.
var day0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// withErrorRow marks row i of plan as an error row with issues, as
// validation would, and recomputes its totals.
func withErrorRow(plan *handover.Plan, i int, issues ...handover.Issue) *handover.Plan {
	plan.Rows[i].Issues = issues
	plan.Tally()
	return plan
}

// sortedKeys returns a map's keys in order.
func sortedKeys[K interface{ ~int64 }, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// span returns from, from+by, … up to and including to.
func span(from, to, by int64) []int64 {
	var out []int64
	for i := from; i <= to; i += by {
		out = append(out, i)
	}
	return out
}

var conformDirectory = []conformCase{
	{"Operator", confOperator},
	{"UsersAcrossTenants", confUsers},
	{"VisibleTeams", confVisibleTeams},
	{"PeopleInViewOrder", confPeople},
	{"TransferredWithUndoneAndReruns", confTransferred},
}

// confOperator: active admins and tenant admins are operators, with their
// team; anyone else is forbidden.
func confOperator(t *testing.T, db *DB) {
	ctx := context.Background()
	mustExec(t, db, `INSERT INTO users (id, tenant_id, team_id, name, email, role, active)
VALUES (3, 1, NULL, 'Nora Teamless', 'n@x', 'admin', ?), (4, 1, 2, 'Old Admin', 'o@x', 'admin', ?)`, true, false)
	for _, want := range []handover.User{
		{ID: 1, TenantID: 1, TeamID: 1, Name: "Tess Admin", Email: "t@x", Role: handover.RoleTenantAdmin, Active: true, Team: "Blue"},
		{ID: 2, TenantID: 1, TeamID: 1, Name: "Adam Ops", Email: "a@x", Role: handover.RoleAdmin, Active: true, Team: "Blue"},
		{ID: 3, TenantID: 1, Name: "Nora Teamless", Email: "n@x", Role: handover.RoleAdmin, Active: true},
	} {
		got, err := db.Operator(ctx, want.ID)
		if err != nil {
			t.Errorf("Operator(%d): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Operator(%d) (-want +got):\n%s", want.ID, diff)
		}
	}
	for id, who := range map[int64]string{4: "an inactive admin", 10: "an agent", 100: "another tenant's agent", 999: "nobody"} {
		_, err := db.Operator(ctx, id)
		if handover.ErrorCode(err) != handover.ErrForbidden || !strings.Contains(err.Error(), fmt.Sprint(id)) {
			t.Errorf("Operator(%d), %s: %v; want forbidden, naming %d", id, who, err, id)
		}
	}
}

// confUsers: Users answers for one tenant only, active and inactive
// users alike; unknown IDs and other tenants' are simply absent.
func confUsers(t *testing.T, db *DB) {
	ctx := context.Background()
	mustExec(t, db, `UPDATE users SET active = ? WHERE id = 12`, false)
	ids := []int64{1, 10, 11, 12, 100, 999, 10}
	for _, tt := range []struct {
		tenant int64
		ids    []int64
		want   []int64
	}{
		{1, ids, []int64{1, 10, 11, 12}},
		{2, ids, []int64{100}},
		{3, ids, []int64{}},
		{1, nil, []int64{}},
	} {
		got, err := db.Users(ctx, tt.tenant, tt.ids)
		if err != nil {
			t.Fatalf("Users(%d, %v): %v", tt.tenant, tt.ids, err)
		}
		if diff := cmp.Diff(tt.want, sortedKeys(got)); diff != "" {
			t.Errorf("Users(%d, %v) (-want +got):\n%s", tt.tenant, tt.ids, diff)
		}
	}
	got, _ := db.Users(ctx, 1, ids)
	want := handover.User{ID: 11, TenantID: 1, TeamID: 2, Name: "Agent 11", Email: "a11@x", Role: handover.RoleAgent, Active: true, Team: "Red"}
	if diff := cmp.Diff(want, got[11]); diff != "" {
		t.Errorf("user 11 (-want +got):\n%s", diff)
	}
	if got[12].Active {
		t.Errorf("user 12 reads active, want inactive")
	}
	if other, _ := db.Users(ctx, 2, ids); other[100].Team != "Theirs" {
		t.Errorf("user 100 = %+v, want team Theirs", other[100])
	}
}

// confVisibleTeams: a tenant admin sees the whole tenant; an admin the
// teams of their view in their own tenant only.
func confVisibleTeams(t *testing.T, db *DB) {
	ctx := context.Background()
	mustExec(t, db, `INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (3, 1, 2, 'Vic Viewless', 'v@x', 'admin', ?)`, true)
	view := func(id int64) (map[int64]bool, bool) {
		t.Helper()
		teams, all, err := db.VisibleTeams(ctx, jobOperator(t, db, id))
		if err != nil {
			t.Fatalf("VisibleTeams(%d): %v", id, err)
		}
		return teams, all
	}
	if _, all := view(1); !all {
		t.Errorf("tenant admin: all = false, want the whole tenant")
	}
	if teams, all := view(2); all || !cmp.Equal(teams, map[int64]bool{1: true}) {
		t.Errorf("admin 2: %v, all %v; want team 1 only", teams, all)
	}
	// A view row naming another tenant's team does not widen the view.
	mustExec(t, db, `INSERT INTO admin_views (admin_id, team_id) VALUES (2, 2), (2, 3)`)
	if teams, all := view(2); all || !cmp.Equal(teams, map[int64]bool{1: true, 2: true}) {
		t.Errorf("admin 2 with teams 2 and 3 added: %v, all %v; want teams 1 and 2", teams, all)
	}
	if teams, all := view(3); all || len(teams) != 0 {
		t.Errorf("admin without a view: %v, all %v; want no team", teams, all)
	}
}

// confPeople: People streams the operator's view, sorted by ID, inactive
// users included, and stops at the callback's error.
func confPeople(t *testing.T, db *DB) {
	ctx := context.Background()
	mustExec(t, db, `UPDATE users SET active = ? WHERE id = 14`, false)
	mustExec(t, db, `INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (30, 1, NULL, 'Nat Teamless', 'nt@x', 'agent', ?)`, true)
	mustExec(t, db, `INSERT INTO admin_views (admin_id, team_id) VALUES (2, 3)`) // another tenant's team
	people := func(op handover.User) []handover.User {
		t.Helper()
		var out []handover.User
		if err := db.People(ctx, op, func(u handover.User) error { out = append(out, u); return nil }); err != nil {
			t.Fatalf("People(%d): %v", op.ID, err)
		}
		return out
	}
	idsOf := func(us []handover.User) []int64 {
		out := make([]int64, len(us))
		for i, u := range us {
			out[i] = u.ID
		}
		return out
	}
	tess, adam := jobOperator(t, db, 1), jobOperator(t, db, 2)
	all := people(tess)
	if diff := cmp.Diff(append([]int64{1, 2}, span(10, 30, 1)...), idsOf(all)); diff != "" {
		t.Errorf("tenant admin's people (-want +got):\n%s", diff)
	}
	for _, u := range all {
		if u.ID == 14 && u.Active || u.ID == 11 && u.Team != "Red" {
			t.Errorf("person %+v: want 14 inactive and 11 on team Red", u)
		}
	}
	if diff := cmp.Diff(append([]int64{1, 2}, span(10, 28, 2)...), idsOf(people(adam))); diff != "" {
		t.Errorf("admin 2's people, team 1 only (-want +got):\n%s", diff)
	}
	stop, calls := errors.New("stop"), 0
	err := db.People(ctx, tess, func(handover.User) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("People with a failing callback: %v after %d calls; want its error after 1", err, calls)
	}
}

// confTransferred: a pair counts as transferred by the first run that
// completed it after its last undo; failed pairs, undone pairs and other
// tenants' do not count.
func confTransferred(t *testing.T, db *DB) {
	ctx := context.Background()
	setClock(db, day0, time.Second)
	ask := []handover.Pair{{From: 10, To: 12}, {From: 12, To: 10}, {From: 14, To: 16}, {From: 18, To: 20}, {From: 22, To: 24}, {From: 26, To: 28}}
	check := func(step string, want map[handover.Pair]int64) {
		t.Helper()
		got, err := db.Transferred(ctx, 1, ask)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		jobs := map[handover.Pair]int64{}
		for p, refs := range got {
			ref := refs[0]
			if len(refs) != 1 || !ref.Types.All() {
				t.Errorf("%s: %v transferred by %d runs for %s, want one for every type", step, p, len(refs), ref.Types.Names())
			}
			jobs[p] = ref.Job
			if at := pairDoneAt(t, db, ref.Job, p); !ref.At.Equal(at) {
				t.Errorf("%s: %v transferred at %v, but job %d completed it at %v", step, p, ref.At, ref.Job, at)
			}
		}
		if diff := cmp.Diff(want, jobs); diff != "" {
			t.Errorf("%s: transferred pairs → job (-want +got):\n%s", step, diff)
		}
	}
	first, _ := mustRun(t, db, withErrorRow(planFor(t, db, ask[0], ask[2], ask[3]), 2, handover.Issue{Code: handover.FanIn, Message: "x"}), handover.RunOptions{SkipInvalid: true})
	check("first run", map[handover.Pair]int64{ask[0]: first.ID, ask[2]: first.ID})
	mustRun(t, db, planFor(t, db, ask[0]), handover.RunOptions{})
	check("rerun", map[handover.Pair]int64{ask[0]: first.ID, ask[2]: first.ID})
	mustUndo(t, db, first)
	check("first run undone", map[handover.Pair]int64{})
	again, _ := mustRun(t, db, planFor(t, db, ask[0]), handover.RunOptions{})
	check("run after the undo", map[handover.Pair]int64{ask[0]: again.ID})
	split, _ := mustRun(t, db, planFor(t, db, ask[4], ask[5]), handover.RunOptions{})
	mustExec(t, db, `UPDATE contacts SET agent_id = 20 WHERE id = 2200`) // 22's contact, now 24's, moves on
	if res := mustUndo(t, db, split); res.Done != 1 || res.Failed != 1 {
		t.Fatalf("undo with 22 → 24 drifted = %+v; want 26 → 28 undone only", res)
	}
	check("partial undo", map[handover.Pair]int64{ask[0]: again.ID, ask[4]: split.ID})
	if got, err := db.Transferred(ctx, 2, ask); err != nil || len(got) != 0 {
		t.Errorf("another tenant: %v, %v; want nothing", got, err)
	}
	if got, err := db.Transferred(ctx, 1, nil); err != nil || len(got) != 0 {
		t.Errorf("no pairs asked: %v, %v; want nothing", got, err)
	}
}

// pairDoneAt returns when job completed pair p.
func pairDoneAt(t *testing.T, db *DB, job int64, p handover.Pair) time.Time {
	t.Helper()
	pairs, err := db.JobPairs(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	for _, jp := range pairs {
		if jp.From == p.From && jp.To == p.To && jp.At != nil {
			return *jp.At
		}
	}
	t.Fatalf("job %d did not complete %v", job, p)
	return time.Time{}
}

var conformGuard = []conformCase{
	{"LockTenantExclusivePerTenant", confLockExclusive},
	{"OtherTenantFree", confLockOtherTenant},
	{"ReleasedOnRelease", confLockReleased},
	{"GuardHeld", confGuardHeld},
	{"DeadHolderJobReadsInterrupted", confSettleOrphans},
	{"ExecuteNeedsTheJobsTenantGuard", confExecuteNeedsGuard},
}

// confLockExclusive: while the guard is held, nobody else takes it, from
// the same handle or another, and the refusal names the running job.
func confLockExclusive(t *testing.T, db *DB) {
	ctx := context.Background()
	tess := jobOperator(t, db, 1)
	g, err := db.LockTenant(ctx, tess, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Release()
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 11}), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("job %d (run) started by Tess Admin (1)", job.ID)
	for name, h := range map[string]*DB{"same handle": db, "another process": jobOpen(t, db)} {
		_, err := h.LockTenant(ctx, tess, "undo")
		if handover.ErrorCode(err) != handover.ErrLocked || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want locked, saying %q", name, err, want)
		}
	}
}

// confLockOtherTenant: one tenant's guard leaves another tenant's free.
func confLockOtherTenant(t *testing.T, db *DB) {
	ctx := context.Background()
	g, err := db.LockTenant(ctx, jobOperator(t, db, 1), "run")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Release()
	other := jobOpen(t, db)
	g2, err := other.LockTenant(ctx, handover.User{ID: 100, TenantID: 2}, "run")
	if err != nil {
		t.Fatalf("tenant 2's guard while tenant 1's is held: %v", err)
	}
	g2.Release()
}

// confLockReleased: Release frees the guard (twice is harmless), and the
// next holder finds the released holder's job interrupted.
func confLockReleased(t *testing.T, db *DB) {
	ctx := context.Background()
	tess := jobOperator(t, db, 1)
	g, err := db.LockTenant(ctx, tess, "run")
	if err != nil {
		t.Fatal(err)
	}
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 11}), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g.Release()
	g.Release()
	other := jobOpen(t, db)
	g2, err := other.LockTenant(ctx, tess, "resume")
	if err != nil {
		t.Fatalf("guard after release: %v", err)
	}
	defer g2.Release()
	if j, err := other.Job(ctx, 1, job.ID); err != nil || j.Status != handover.JobInterrupted {
		t.Errorf("the released holder's job = %q, %v; want interrupted", j.Status, err)
	}
}

// confGuardHeld: guardHeld sees the guard from any handle, for its tenant
// only, until it is released.
func confGuardHeld(t *testing.T, db *DB) {
	ctx := context.Background()
	other := jobOpen(t, db)
	held := func(h *DB, tenant int64) bool {
		t.Helper()
		ok, err := h.dialect.guardHeld(ctx, h, tenant)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if held(db, 1) {
		t.Fatal("guard held before anyone took it")
	}
	g, err := db.LockTenant(ctx, jobOperator(t, db, 1), "run")
	if err != nil {
		t.Fatal(err)
	}
	if !held(db, 1) || !held(other, 1) || held(db, 2) {
		t.Errorf("while held: tenant 1 %v (holder), %v (other handle), tenant 2 %v; want true, true, false",
			held(db, 1), held(other, 1), held(db, 2))
	}
	g.Release()
	if held(db, 1) || held(other, 1) {
		t.Error("guard still held after Release")
	}
}

// confSettleOrphans: a job whose holder lives reads running; once the
// holder is gone it reads interrupted, through Job and Jobs; finished jobs
// and other tenants' jobs are left alone.
func confSettleOrphans(t *testing.T, db *DB) {
	ctx := context.Background()
	done, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 26, To: 28}), handover.RunOptions{})
	theirs, err := db.CreateJob(ctx, &handover.Plan{Operator: handover.User{ID: 100, TenantID: 2}}, handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := jobOpen(t, db)
	g, err := other.LockTenant(ctx, jobOperator(t, other, 1), "run")
	if err != nil {
		t.Fatal(err)
	}
	running, err := other.CreateJob(ctx, planFor(t, other, statePairs...), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	statuses := func() map[int64]handover.JobStatus {
		t.Helper()
		jobs, err := db.Jobs(ctx, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]handover.JobStatus{}
		for _, j := range jobs {
			out[j.ID] = j.Status
		}
		return out
	}
	if j, err := db.Job(ctx, 1, running.ID); err != nil || j.Status != handover.JobRunning {
		t.Fatalf("job of a live holder = %q, %v; want running", j.Status, err)
	}
	if diff := cmp.Diff(map[int64]handover.JobStatus{done.ID: handover.JobDone, running.ID: handover.JobRunning}, statuses()); diff != "" {
		t.Errorf("jobs of a live holder (-want +got):\n%s", diff)
	}
	g.Release() // the holder dies: the kernel or the server frees its guard
	if diff := cmp.Diff(map[int64]handover.JobStatus{done.ID: handover.JobDone, running.ID: handover.JobInterrupted}, statuses()); diff != "" {
		t.Errorf("jobs after the holder died (-want +got):\n%s", diff)
	}
	if j, err := db.Job(ctx, 1, running.ID); err != nil || j.Status != handover.JobInterrupted {
		t.Errorf("Job of a dead holder = %q, %v; want interrupted", j.Status, err)
	}
	var status string
	if err := db.db.Get(&status, db.rebind(`SELECT status FROM handover_jobs WHERE id = ?`), theirs.ID); err != nil || status != string(handover.JobRunning) {
		t.Errorf("tenant 2's job = %q, %v after tenant 1's jobs were read; want it left to its tenant", status, err)
	}
	if j, err := db.Job(ctx, 2, theirs.ID); err != nil || j.Status != handover.JobInterrupted {
		t.Errorf("tenant 2's orphaned job read by tenant 2 = %q, %v; want interrupted", j.Status, err)
	}
}

// confExecuteNeedsGuard: a run or an undo executes only under its own
// tenant's guard; without it (none, a released one, another tenant's)
// Execute and ExecuteUndo refuse, nothing changes and no pair completes.
func confExecuteNeedsGuard(t *testing.T, db *DB) {
	ctx := context.Background()
	tess := jobOperator(t, db, 1)
	cases := []struct {
		name      string
		guard     func() *Guard
		run, undo handover.Pair
	}{
		{"another tenant's", func() *Guard {
			g, err := db.LockTenant(ctx, handover.User{ID: 100, TenantID: 2}, "run")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(g.Release)
			return g
		}, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}},
		{"released", func() *Guard {
			g := mustGuard(t, db)
			g.Release()
			return g
		}, handover.Pair{From: 11, To: 13}, handover.Pair{From: 15, To: 17}},
		{"no guard", func() *Guard { return nil }, handover.Pair{From: 18, To: 20}, handover.Pair{From: 22, To: 24}},
	}
	for _, c := range cases {
		done, _ := mustRun(t, db, planFor(t, db, c.undo), handover.RunOptions{})
		done, _ = db.Job(ctx, 1, done.ID)
		undo, err := db.CreateUndoJob(ctx, tess, done)
		if err != nil {
			t.Fatal(err)
		}
		run, err := db.CreateJob(ctx, planFor(t, db, c.run), handover.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, db)
		g := c.guard()
		if _, err := db.Execute(ctx, g, run, nil); err == nil {
			t.Errorf("%s: Execute succeeded", c.name)
		}
		if _, err := db.ExecuteUndo(ctx, g, undo, nil); err == nil {
			t.Errorf("%s: ExecuteUndo succeeded", c.name)
		}
		for _, job := range []handover.Job{run, undo} {
			if res, err := db.result(ctx, job.ID); err != nil || res.Done != 0 || res.Failed != 0 {
				t.Errorf("%s: %s job %+v, %v; want its pair left pending", c.name, job.Kind, res, err)
			}
		}
		if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
			t.Errorf("%s: data changed (-before +after):\n%s", c.name, diff)
		}
	}
}
