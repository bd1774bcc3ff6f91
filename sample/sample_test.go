package sample

import (
	"context"
	"slices"
	"testing"

	"handover"
	"handover/engine"
)

// mustBuild builds sample data in a fresh database on backend.
func mustBuild(tb testing.TB, backend string, o Options) (*engine.DB, Info) {
	tb.Helper()
	db := mustOpenDB(tb, backend)
	info, err := Build(context.Background(), db, o)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return db, info
}

func TestBuildIsDeterministic(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		o := Options{Users: 120, RowsPerUser: 12, Seed: 7}
		a, _ := mustBuild(t, backend, o)
		b, _ := mustBuild(t, backend, o)
		o.Seed = 8
		c, _ := mustBuild(t, backend, o)
		sumA, sumB, sumC := mustChecksums(t, a), mustChecksums(t, b), mustChecksums(t, c)
		for table, sum := range sumA {
			if sumB[table] != sum {
				t.Errorf("%s differs between two databases seeded alike", table)
			}
		}
		for _, table := range []string{"users", "contacts", "evaluations", "schedules"} {
			if sumC[table] == sumA[table] {
				t.Errorf("%s is the same with another seed", table)
			}
		}
	})
}

func TestBuildDirectory(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db, info := mustBuild(t, backend, Options{})
		count := func(q string, args ...any) int { return mustCount(t, db, q, args...) }
		if n := count(`SELECT count(*) FROM users WHERE tenant_id = ?`, info.Tenant); n != 500 {
			t.Errorf("main tenant has %d users, want 500", n)
		}
		if n := count(`SELECT count(*) FROM users WHERE tenant_id = ? AND role = 'tenant_admin'`, info.Tenant); n != 1 {
			t.Errorf("%d tenant admins, want 1", n)
		}
		if n := count(`SELECT count(*) FROM teams WHERE tenant_id = ?`, info.Tenant); n < 10 {
			t.Errorf("%d teams, want at least 10", n)
		}
		if len(info.Admins) < 3 {
			t.Fatalf("%d active admins, want at least 3", len(info.Admins))
		}
		for _, a := range info.Admins {
			if n := count(`SELECT count(*) FROM admin_views WHERE admin_id = ?`, a.ID); n == 0 || n != len(a.Teams) || len(a.InView) == 0 {
				t.Errorf("admin %d sees %d teams (info: %d) and %d agents", a.ID, n, len(a.Teams), len(a.InView))
			}
		}
		inactive := count(`SELECT count(*) FROM users WHERE tenant_id = ? AND NOT active`, info.Tenant)
		if inactive < 35 || inactive > 70 {
			t.Errorf("%d of 500 users inactive, want about 10%%", inactive)
		}
		agents := count(`SELECT count(*) FROM users WHERE tenant_id = ? AND role = 'agent'`, info.Tenant)
		supervisors := count(`SELECT count(*) FROM users WHERE tenant_id = ? AND role = 'supervisor'`, info.Tenant)
		if agents < 350 || supervisors < 10 || agents != len(info.ActiveAgents)+len(info.InactiveAgents) || supervisors != len(info.Supervisors) {
			t.Errorf("%d agents (info %d+%d), %d supervisors (info %d)", agents, len(info.ActiveAgents), len(info.InactiveAgents), supervisors, len(info.Supervisors))
		}
		if count(`SELECT count(*) FROM users WHERE id = ? AND role = 'admin' AND NOT active`, info.InactiveAdmin) != 1 {
			t.Errorf("inactive admin %d is not an inactive admin", info.InactiveAdmin)
		}
	})
}

func TestBuildNames(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db, info := mustBuild(t, backend, Options{Users: 60, RowsPerUser: 5})
		var names []string
		if err := db.SQL().Select(&names, `SELECT name FROM users ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		for _, want := range specialNames {
			if !slices.Contains(names, want) {
				t.Errorf("no user named %q", want)
			}
		}
		formulas := 0
		for _, n := range names {
			if n[0] == '=' {
				formulas++
			}
		}
		if formulas != 1 || info.Formula == 0 {
			t.Errorf("%d names begin with '=' (info: user %d), want exactly one", formulas, info.Formula)
		}
		if n := mustCount(t, db, `SELECT count(*) FROM users WHERE email NOT LIKE '%@%.example'`); n > 0 {
			t.Errorf("%d users without an example email", n)
		}
	})
}

func TestBuildData(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db, info := mustBuild(t, backend, Options{Users: 300})
		count := func(q string, args ...any) int { return mustCount(t, db, q, args...) }
		for _, table := range []string{"schedules", "vacation_balances"} {
			q := `SELECT count(*) FROM users u WHERE u.role = 'agent' AND (SELECT count(*) FROM ` + table + ` x WHERE x.user_id = u.id) <> 1`
			if n := count(q); n > 0 {
				t.Errorf("%d agents without exactly one row of %s", n, table)
			}
		}
		for _, typ := range handover.Catalog {
			for _, tenant := range []int64{info.Tenant, info.OtherTenant} {
				if count(`SELECT count(*) FROM `+typ.Table+` WHERE tenant_id = ?`, tenant) == 0 {
					t.Errorf("tenant %d has no %s", tenant, typ.Table)
				}
			}
			for _, col := range typ.Owners {
				q := `SELECT count(*) FROM ` + typ.Table + ` t LEFT JOIN users u ON u.id = t.` + col +
					` WHERE t.` + col + ` IS NOT NULL AND (u.id IS NULL OR u.tenant_id <> t.tenant_id)`
				if n := count(q); n > 0 {
					t.Errorf("%d rows of %s whose %s is not a user of their tenant", n, typ.Table, col)
				}
			}
		}
		if count(`SELECT count(*) FROM evaluations WHERE evaluator_id = approver_id`) == 0 ||
			count(`SELECT count(*) FROM evaluations WHERE evaluator_id <> approver_id`) == 0 {
			t.Error("want evaluations approved both by their evaluator and by someone else")
		}
		if n := count(mostUsersQuery()); n < 240 {
			t.Errorf("%d of 300 users own rows of every data type, want most", n)
		}
	})
}

// mostUsersQuery counts the users of the main tenant who own at least one
// row of every data type (evaluations as evaluator).
func mostUsersQuery() string {
	q := `SELECT count(*) FROM users u WHERE u.tenant_id = 1`
	for _, t := range handover.Catalog {
		q += ` AND EXISTS (SELECT 1 FROM ` + t.Table + ` x WHERE x.` + t.Owners[0] + ` = u.id)`
	}
	return q
}

func TestBuildStoresTextOnSQLite(t *testing.T) {
	db, _ := mustBuild(t, "sqlite", Options{Users: 60, RowsPerUser: 20})
	var kinds []string
	if err := db.SQL().Select(&kinds, `SELECT DISTINCT typeof(score) || ' ' || typeof(created_at) FROM evaluations`); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kinds, []string{"text text"}) {
		t.Errorf("evaluation score and time stored as %v, want text", kinds)
	}
	var at string
	if err := db.SQL().Get(&at, `SELECT min(created_at) FROM evaluations`); err != nil || len(at) != len("2024-01-01T00:00:00Z") {
		t.Errorf("created_at %q (%v), want RFC 3339", at, err)
	}
}

func TestBuildRefusesUsedDatabase(t *testing.T) {
	db, _ := mustBuild(t, "sqlite", Options{Users: 50, RowsPerUser: 2})
	_, err := Build(context.Background(), db, Options{Users: 50})
	if handover.ErrorCode(err) != handover.ErrUsage {
		t.Fatalf("second seed: %v (code %q), want a usage error", err, handover.ErrorCode(err))
	}
}

func TestWorkloadPairs(t *testing.T) {
	db, info := mustBuild(t, "sqlite", Workload(0.01))
	pairs := info.HeavyPairs()
	if len(pairs) != 20 {
		t.Fatalf("%d pairs at scale 0.01, want 20", len(pairs))
	}
	seen := map[int64]bool{}
	for _, p := range pairs {
		if seen[p.From] || seen[p.To] || p.From == p.To {
			t.Fatalf("pair %v reuses a user", p)
		}
		seen[p.From], seen[p.To] = true, true
		if n := mustCount(t, db, `SELECT count(*) FROM users WHERE id IN (?, ?) AND role = 'agent' AND tenant_id = 1`, p.From, p.To); n != 2 {
			t.Fatalf("pair %v: not two agents of the main tenant", p)
		}
		if n := mustCount(t, db, `SELECT count(*) FROM contacts WHERE agent_id = ?`, p.From); n < 100 {
			t.Errorf("source %d owns %d contacts, want a heavy user's share", p.From, n)
		}
	}
}
