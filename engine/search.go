package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"handover"
)

// UserQuery is a search of the users an operator sees, as the console's
// user pickers ask it.
type UserQuery struct {
	// Text is matched against the start of the name or email
	// (case-insensitive) and, when it is a whole number, the user ID.
	Text string
	// Inactive includes inactive users; without it only active ones.
	Inactive bool
	// Limit is the most users returned.
	Limit int
}

// maxPrefix is appended to a prefix to bound its range: the highest code
// point, which sorts after every character in byte order.
const maxPrefix = "\U0010FFFF"

// SearchUsers returns users in op's view who match q, by name then ID, at
// most q.Limit; no text matches nobody. Tenant admins are left out: they
// can be neither source nor target of a transfer.
//
// Names and emails match by prefix: each is a range of its search index
// (migration 0007) read in index order, so it stops after q.Limit users
// and a tenant of 100,000 answers as fast as a small one; the first
// q.Limit by name and the first by email are merged. Only when they find
// fewer than q.Limit, and the text is not an ID, does a second query look
// for the text inside names (a surname), bounded by the limit: a scan of
// the operator's users, the one search that grows with the tenant.
func (db *DB) SearchUsers(ctx context.Context, op handover.User, q UserQuery) ([]handover.User, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" || q.Limit < 1 {
		return nil, nil
	}
	var users []handover.User
	for _, m := range db.prefixMatches(text) {
		found, err := db.searchUsers(ctx, op, q, m)
		if err != nil {
			return nil, err
		}
		users = append(users, found...)
	}
	users = byName(users, q.Limit)
	if len(users) == q.Limit || isID(text) {
		return users, nil
	}
	more, err := db.searchUsers(ctx, op, UserQuery{Text: text, Inactive: q.Inactive, Limit: q.Limit - len(users)}, db.containsMatch(text, users))
	return append(users, more...), err
}

// byName sorts users by name then ID without repeats, and keeps the first
// limit.
func byName(users []handover.User, limit int) []handover.User {
	slices.SortFunc(users, func(a, b handover.User) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	users = slices.CompactFunc(users, func(a, b handover.User) bool { return a.ID == b.ID })
	return users[:min(limit, len(users))]
}

// match is a condition of a user search, its arguments and the order that
// its index reads in.
type match struct {
	where string
	args  []any
	order string
	// scan reads the operator's users in table order, for a condition no
	// index serves: "+u.tenant_id" keeps SQLite from walking an index on
	// the tenant and fetching each row from it (15 ms instead of 0.9 s at
	// 100,000 users); PostgreSQL takes the + as the no-op it is.
	scan bool
}

// prefixMatches are the conditions of text at the start of the name, at
// the start of the email, and as the ID. The database lowercases the text
// as it does the column, so that both fold case alike (SQLite folds ASCII
// only).
func (db *DB) prefixMatches(text string) []match {
	low := db.dialect.searchKey("?")
	var ms []match
	for _, col := range []string{"u.name", "u.email"} {
		key := db.dialect.searchKey(col)
		ms = append(ms, match{where: ` AND ` + key + ` >= ` + low + ` AND ` + key + ` < ` + low,
			args: []any{text, text + maxPrefix}, order: key})
	}
	if isID(text) {
		id, _ := strconv.ParseInt(text, 10, 64)
		ms = append(ms, match{where: ` AND u.id = ?`, args: []any{id}, order: `u.id`})
	}
	return ms
}

// isID reports whether text is a user ID rather than part of a name.
func isID(text string) bool {
	_, err := strconv.ParseInt(text, 10, 64)
	return err == nil
}

// containsMatch matches text inside the name of users other than those
// already found (LIKE without case, as the dialect spells it).
func (db *DB) containsMatch(text string, found []handover.User) match {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
	m := match{where: ` AND u.name ` + db.dialect.likeNoCase() + ` ? ESCAPE '\'`, args: []any{like}, order: `u.name, u.id`, scan: true}
	if len(found) > 0 {
		ids := make([]int64, len(found))
		for i, u := range found {
			ids[i] = u.ID
		}
		m.where += ` AND NOT ` + db.dialect.idsIn("u.id")
		m.args = append(m.args, db.dialect.idsArg(ids))
	}
	return m
}

// searchUsers runs one user search with the condition m.
func (db *DB) searchUsers(ctx context.Context, op handover.User, q UserQuery, m match) ([]handover.User, error) {
	tenant := `u.tenant_id`
	if m.scan {
		tenant = `+u.tenant_id`
	}
	query := `SELECT ` + userColumns + ` FROM users u LEFT JOIN teams tm ON tm.id = u.team_id
WHERE ` + tenant + ` = ? AND u.role <> ?`
	args := []any{op.TenantID, handover.RoleTenantAdmin}
	if op.Role != handover.RoleTenantAdmin {
		query += ` AND u.team_id IN (SELECT team_id FROM admin_views WHERE admin_id = ?)`
		args = append(args, op.ID)
	}
	if !q.Inactive {
		query += ` AND u.active = ?`
		args = append(args, true)
	}
	query += m.where + ` ORDER BY ` + m.order + ` LIMIT ?`
	args = append(append(args, m.args...), q.Limit)
	var users []handover.User
	if err := db.db.SelectContext(ctx, &users, db.rebind(query), args...); err != nil {
		return nil, fmt.Errorf("search users for %q: %w", q.Text, err)
	}
	return users, nil
}
