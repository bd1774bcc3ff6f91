package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"handover"
)

// fixture is a small hand-made tenant: user 1 is the tenant admin, 2 an
// admin seeing team 1, agents 10..29 (even on team 1, odd on team 2), and
// tenant 2's user 100. Every agent owns rows of every type except
// productivity, which only odd agents have, and user 11 has no schedule.
func fixture(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.db.ExecContext(ctx, db.rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO tenants (id, name) VALUES (1, 'Acme'), (2, 'Other')`)
	exec(`INSERT INTO teams (id, tenant_id, name) VALUES (1, 1, 'Blue'), (2, 1, 'Red'), (3, 2, 'Theirs')`)
	exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (1, 1, 1, 'Tess Admin', 't@x', 'tenant_admin', ?), (2, 1, 1, 'Adam Ops', 'a@x', 'admin', ?), (100, 2, 3, 'Secret Person', 's@x', 'agent', ?)`, true, true, true)
	exec(`INSERT INTO admin_views (admin_id, team_id) VALUES (2, 1)`)
	for u := int64(10); u < 30; u++ {
		exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, 1, ?, ?, ?, 'agent', ?)`,
			u, 1+u%2, fmt.Sprintf("Agent %d", u), fmt.Sprintf("a%d@x", u), true)
		fixtureRows(t, db, u)
	}
}

func fixtureRows(t testing.TB, db *DB, u int64) {
	t.Helper()
	for _, dt := range handover.Catalog {
		n := int64(3)
		switch {
		case dt.Table == "schedules" || dt.Table == "vacation_balances":
			n = 1
			if u == 11 && dt.Table == "schedules" {
				n = 0
			}
		case dt.Table == "productivity" && u%2 == 0:
			n = 0
		}
		for i := int64(0); i < n; i++ {
			insertRow(t, db, dt, u, i)
		}
	}
}

// insertRow inserts one row of dt owned by u, with values made up from the
// column names.
func insertRow(t testing.TB, db *DB, dt handover.DataType, u, i int64) {
	t.Helper()
	key := u*100 + i // unique per owner and row, and the same in every test
	vals := make([]any, len(dt.Columns))
	for c, col := range dt.Columns {
		switch {
		case col == dt.Key() && col != "user_id":
			vals[c] = key
		case col == "tenant_id":
			vals[c] = 1
		case col == "approver_id":
			vals[c] = u + i%2 // the evaluator approves their own every other time
		case col == "skill_id":
			vals[c] = i + 1
		case strings.HasSuffix(col, "_id"):
			vals[c] = u
		case strings.HasSuffix(col, "_at"):
			vals[c] = fmt.Sprintf("2026-01-%02dT10:00:00Z", 1+key%28)
		case strings.HasSuffix(col, "_on") || col == "day":
			vals[c] = fmt.Sprintf("2026-02-%02d", 1+key%28)
		case col == "score" || col == "days_remaining" || col == "target_value":
			vals[c] = fmt.Sprintf("%d.50", key%90)
		case col == "duration_seconds" || col == "size_bytes" || col == "proficiency" || col == "handled" || col == "aht_seconds":
			vals[c] = key % 500
		default:
			vals[c] = fmt.Sprintf("%s %d", col, key)
		}
	}
	q := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, dt.Table, columnList(dt, ""), strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", "))
	if _, err := db.db.Exec(db.rebind(q), vals...); err != nil {
		t.Fatalf("insert %s: %v", dt.Table, err)
	}
}

// snapshot renders every data table and the users table as sorted text, so
// two snapshots are equal exactly when the contents are.
func snapshot(t testing.TB, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	tables := []string{"users"}
	for _, dt := range handover.Catalog {
		tables = append(tables, dt.Table)
	}
	for _, table := range tables {
		rows, err := db.db.Queryx(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, renderRow(vals))
		}
		rows.Close()
		sort.Strings(lines)
		out[table] = strings.Join(lines, "\n")
	}
	return out
}

func renderRow(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "|")
}

// owned counts the rows of every type user owns, per owner column.
func owned(t testing.TB, db *DB, user int64) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, dt := range handover.Catalog {
		for _, col := range dt.Owners {
			var n int64
			if err := db.db.Get(&n, db.rebind(fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = ?`, dt.Table, col)), user); err != nil {
				t.Fatal(err)
			}
			out[dt.Table+"."+col] = n
		}
	}
	return out
}

// planFor builds a validated-looking plan of pairs run by the tenant admin.
func planFor(t testing.TB, db *DB, pairs ...handover.Pair) *handover.Plan {
	t.Helper()
	op, err := db.Operator(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	plan := &handover.Plan{Operator: op, Upload: &handover.Upload{Name: "test.csv", SHA256: "abc", Header: []string{"From User ID", "To User ID"}, ToCol: 1, NameCol: -1}}
	for i, p := range pairs {
		from, to := p.From, p.To
		plan.Rows = append(plan.Rows, handover.PlanRow{Row: i + 2, From: &from, To: &to,
			Record: []string{fmt.Sprint(from), fmt.Sprint(to)}})
	}
	plan.Tally()
	return plan
}

// mustGuard takes the guard of tenant 1 (as its tenant admin) for the rest
// of the test, or until released.
func mustGuard(t testing.TB, db *DB) *Guard {
	t.Helper()
	g, err := db.LockTenant(context.Background(), handover.User{ID: 1, TenantID: 1}, "run")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Release)
	return g
}

// mustRun creates and executes a job for plan, under the tenant's guard.
func mustRun(t testing.TB, db *DB, plan *handover.Plan, opts handover.RunOptions) (handover.Job, handover.Result) {
	t.Helper()
	ctx := context.Background()
	g := mustGuard(t, db)
	defer g.Release()
	job, err := db.CreateJob(ctx, plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Execute(ctx, g, job, nil)
	if err != nil {
		t.Fatal(err)
	}
	return job, res
}

// unused keeps sqlx imported for helpers added later.
var _ = sqlx.Named
