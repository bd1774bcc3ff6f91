package engine

import (
	"context"
	"fmt"
	"strings"

	"handover"
)

// UserByEmail returns the ID of the one user, in any tenant, whose email
// is email (compared without case): how a single-sign-on proxy's header
// names the signed-in user. No user, or several, is ErrForbidden.
func (db *DB) UserByEmail(ctx context.Context, email string) (int64, error) {
	var ids []int64
	err := db.db.SelectContext(ctx, &ids, db.rebind(`SELECT id FROM users WHERE lower(email) = ? ORDER BY id LIMIT 2`),
		strings.ToLower(email))
	switch {
	case err != nil:
		return 0, fmt.Errorf("look up the user with email %q: %w", email, err)
	case len(ids) == 0:
		return 0, handover.Errorf(handover.ErrForbidden, "no user of this database has the email %q that the single-sign-on proxy signed in; ask a tenant admin to add it to your user", email)
	case len(ids) > 1:
		return 0, handover.Errorf(handover.ErrForbidden, "several users have the email %q that the single-sign-on proxy signed in, so it names nobody; ask a tenant admin to make it unique", email)
	}
	return ids[0], nil
}
