package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"handover"
)

// userColumns selects a handover.User, with its team's name.
const userColumns = `u.id, u.tenant_id, COALESCE(u.team_id, 0) AS team_id, u.name, u.email, u.role, u.active,
	COALESCE(tm.name, '') AS team`

// Operator returns the user performing an action, checking that they are an
// active admin or tenant admin.
func (db *DB) Operator(ctx context.Context, id int64) (handover.User, error) {
	var u handover.User
	err := db.db.GetContext(ctx, &u, db.rebind(`SELECT `+userColumns+`
FROM users u LEFT JOIN teams tm ON tm.id = u.team_id WHERE u.id = ?`), id)
	switch {
	case isNoRows(err):
		return u, handover.Errorf(handover.ErrForbidden, "operator %d is not a user in this database; pass your own user ID with --as (or HANDOVER_AS)", id)
	case err != nil:
		return u, fmt.Errorf("look up operator %d: %w", id, err)
	case !u.CanOperate():
		return u, handover.Errorf(handover.ErrForbidden, "operator %s (%d) is an %s %s: only active admins and tenant admins may hand data over",
			u.Name, u.ID, activeWord(u.Active), u.Role)
	}
	return u, nil
}

func activeWord(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

// Users returns the tenant's users with the given IDs in one query.
func (db *DB) Users(ctx context.Context, tenantID int64, ids []int64) (map[int64]handover.User, error) {
	var users []handover.User
	q := db.rebind(`SELECT ` + userColumns + ` FROM users u LEFT JOIN teams tm ON tm.id = u.team_id
WHERE u.tenant_id = ? AND ` + db.dialect.idsIn("u.id"))
	if err := db.db.SelectContext(ctx, &users, q, tenantID, db.dialect.idsArg(ids)); err != nil {
		return nil, fmt.Errorf("look up %d users: %w", len(ids), err)
	}
	m := make(map[int64]handover.User, len(users))
	for _, u := range users {
		m[u.ID] = u
	}
	return m, nil
}

// UserCount returns how many users the database holds, in all tenants.
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := db.db.GetContext(ctx, &n, `SELECT count(*) FROM users`); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// VisibleTeams returns the teams an operator can see; a tenant admin sees
// the whole tenant.
func (db *DB) VisibleTeams(ctx context.Context, op handover.User) (map[int64]bool, bool, error) {
	if op.Role == handover.RoleTenantAdmin {
		return nil, true, nil
	}
	var teams []int64
	if err := db.db.SelectContext(ctx, &teams, db.rebind(`SELECT v.team_id FROM admin_views v
JOIN teams t ON t.id = v.team_id WHERE v.admin_id = ? AND t.tenant_id = ?`), op.ID, op.TenantID); err != nil {
		return nil, false, fmt.Errorf("look up view of %d: %w", op.ID, err)
	}
	m := make(map[int64]bool, len(teams))
	for _, t := range teams {
		m[t] = true
	}
	return m, false, nil
}

// Transferred returns the pairs among pairs that earlier runs completed
// and that were not handed back since, each with the runs that did, in
// order, and the data types each handed over that no undo handed back: the
// first run to hand a type over after its last undo, not a later rerun
// that found nothing left to move. A run completed before an undo of the
// same types no longer counts: that data is back with the source.
func (db *DB) Transferred(ctx context.Context, tenantID int64, pairs []handover.Pair) (map[handover.Pair][]handover.JobRef, error) {
	from := make([]int64, len(pairs))
	want := make(map[handover.Pair]bool, len(pairs))
	for i, p := range pairs {
		from[i] = p.From
		want[p] = true
	}
	var rows []struct {
		From  int64     `db:"from_id"`
		To    int64     `db:"to_id"`
		Job   int64     `db:"job_id"`
		Kind  string    `db:"kind"`
		Types string    `db:"types"`
		At    timestamp `db:"done_at"`
	}
	q := db.rebind(`SELECT p.from_id, p.to_id, p.job_id, j.kind, p.types, p.done_at FROM handover_pairs p
JOIN handover_jobs j ON j.id = p.job_id
WHERE j.tenant_id = ? AND p.status = ? AND ` + db.dialect.idsIn("p.from_id") + ` ORDER BY p.done_at, p.id`)
	if err := db.db.SelectContext(ctx, &rows, q, tenantID, handover.PairDone, db.dialect.idsArg(from)); err != nil {
		return nil, fmt.Errorf("look up earlier transfers: %w", err)
	}
	out := make(map[handover.Pair][]handover.JobRef)
	for _, r := range rows { // in the order things happened
		p := handover.Pair{From: r.From, To: r.To}
		if want[p] {
			out[p] = transferredAfter(out[p], r.Kind == string(handover.KindUndo),
				handover.JobRef{Job: r.Job, At: r.At.Time, Types: ledgerTypes(r.Types)})
		}
	}
	for p, refs := range out {
		if len(refs) == 0 {
			delete(out, p)
		}
	}
	return out, nil
}

// transferredAfter returns a pair's runs once ref happened: an undo hands
// its types back, a run adds the types no earlier run still holds.
func transferredAfter(refs []handover.JobRef, undo bool, ref handover.JobRef) []handover.JobRef {
	if undo {
		kept := refs[:0]
		for _, r := range refs {
			if r.Types = handover.TypeSet(r.Types.Without(ref.Types)); r.Types != 0 {
				kept = append(kept, r)
			}
		}
		return kept
	}
	fresh := handover.TypeSet(ref.Types.Mask())
	for _, r := range refs {
		fresh = handover.TypeSet(fresh.Without(r.Types))
	}
	if fresh == 0 {
		return refs
	}
	ref.Types = fresh
	return append(refs, ref)
}

// ledgerTypes reads the data types a pair record keeps ("" is every type).
func ledgerTypes(s string) handover.TypeSet {
	if s == "" {
		return 0
	}
	return handover.TypesOf(strings.Split(s, ",")...)
}

// People calls fn for every user in the operator's view, active and
// inactive, sorted by ID. Rows are streamed, not loaded.
func (db *DB) People(ctx context.Context, op handover.User, fn func(handover.User) error) error {
	q := `SELECT ` + userColumns + ` FROM users u LEFT JOIN teams tm ON tm.id = u.team_id WHERE u.tenant_id = ?`
	args := []any{op.TenantID}
	if op.Role != handover.RoleTenantAdmin {
		q += ` AND u.team_id IN (SELECT team_id FROM admin_views WHERE admin_id = ?)`
		args = append(args, op.ID)
	}
	rows, err := db.db.QueryxContext(ctx, db.rebind(q+` ORDER BY u.id`), args...)
	if err != nil {
		return fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	var u handover.User
	for rows.Next() {
		if err := rows.Scan(&u.ID, &u.TenantID, &u.TeamID, &u.Name, &u.Email, &u.Role, &u.Active, &u.Team); err != nil {
			return fmt.Errorf("read person: %w", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// timestamp scans a time stored as TIMESTAMPTZ (PostgreSQL) or RFC 3339
// text (SQLite).
type timestamp struct{ time.Time }

// Scan implements sql.Scanner.
func (t *timestamp) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("timestamp: cannot scan %T", v)
	}
	return nil
}

func (t *timestamp) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	t.Time = p
	return err
}
