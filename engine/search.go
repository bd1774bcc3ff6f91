package engine

import (
	"context"
	"fmt"
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

// maxPrefix is the longest byte string a prefix range starts after: the
// highest code point, which sorts after every character in byte order.
const maxPrefix = "\U0010FFFF"

// SearchUsers returns the users in op's view who match q, by name then ID,
// at most q.Limit; no text matches nobody. Tenant admins are left out: they can be neither source
// nor target of a transfer. Names and emails match by prefix, which is a
// range of the search indexes (migration 0007): a tenant of 100,000 users
// answers as fast as a small one. Only when the prefixes find fewer than
// q.Limit users does a second query look for the text anywhere in a name
// or email, still bounded by the limit.
func (db *DB) SearchUsers(ctx context.Context, op handover.User, q UserQuery) ([]handover.User, error) {
	text := strings.ToLower(strings.TrimSpace(q.Text))
	if text == "" {
		return nil, nil
	}
	users, err := db.searchUsers(ctx, op, q, db.prefixMatch(text))
	if err != nil || len(users) >= q.Limit {
		return users, err
	}
	more, err := db.searchUsers(ctx, op, UserQuery{Inactive: q.Inactive, Limit: q.Limit - len(users)}, db.containsMatch(text, users))
	return append(users, more...), err
}

// match is a condition of a user search and its arguments.
type match struct {
	where string
	args  []any
}

// prefixMatch matches text at the start of the name or email, or the ID.
func (db *DB) prefixMatch(text string) match {
	name, email := db.dialect.searchKey("u.name"), db.dialect.searchKey("u.email")
	m := match{where: ` AND ((` + name + ` >= ? AND ` + name + ` < ?) OR (` + email + ` >= ? AND ` + email + ` < ?)`,
		args: []any{text, text + maxPrefix, text, text + maxPrefix}}
	if id, err := strconv.ParseInt(text, 10, 64); err == nil {
		m.where += ` OR u.id = ?`
		m.args = append(m.args, id)
	}
	m.where += `)`
	return m
}

// containsMatch matches text inside the name or email of users other than
// those already found.
func (db *DB) containsMatch(text string, found []handover.User) match {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
	m := match{where: ` AND (lower(u.name) LIKE ? ESCAPE '\' OR lower(u.email) LIKE ? ESCAPE '\')`, args: []any{like, like}}
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
	if q.Limit < 1 {
		return nil, nil
	}
	query := `SELECT ` + userColumns + ` FROM users u LEFT JOIN teams tm ON tm.id = u.team_id
WHERE u.tenant_id = ? AND u.role <> ?`
	args := []any{op.TenantID, handover.RoleTenantAdmin}
	if op.Role != handover.RoleTenantAdmin {
		query += ` AND u.team_id IN (SELECT team_id FROM admin_views WHERE admin_id = ?)`
		args = append(args, op.ID)
	}
	if !q.Inactive {
		query += ` AND u.active = ?`
		args = append(args, true)
	}
	query += m.where + ` ORDER BY u.name, u.id LIMIT ?`
	args = append(append(args, m.args...), q.Limit)
	var users []handover.User
	if err := db.db.SelectContext(ctx, &users, db.rebind(query), args...); err != nil {
		return nil, fmt.Errorf("search users for %q: %w", q.Text, err)
	}
	return users, nil
}
