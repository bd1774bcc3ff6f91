package engine

import (
	"context"
	"fmt"
	"time"

	"handover"
)

// API tokens are stored, like sign-in links, by the SHA-256 of the token
// (hex); generating and hashing them belongs to package transfer. A token
// belongs to one user of one tenant and is named uniquely among the
// tenant's live tokens.

// CreateToken records a token for user of tenant, named name, that expires
// at expires (nil: never). A live token of the tenant with the same name is
// ErrUsage.
func (db *DB) CreateToken(ctx context.Context, hash string, tenant, user int64, name string, expires *time.Time) error {
	var exp *string
	if expires != nil {
		s := stamp(*expires)
		exp = &s
	}
	res, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO handover_api_tokens
(token_sha256, tenant_id, user_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		hash, tenant, user, name, stamp(db.Now()), exp)
	if err != nil {
		return fmt.Errorf("record token %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record token %q: %w", name, err)
	} else if n == 0 {
		return handover.Errorf(handover.ErrUsage, "the tenant already has a token named %q: choose another --name, or revoke it first with `handover token revoke %s`", name, name)
	}
	return nil
}

// tokenTouch is how stale a token's last use may be before a call
// records it again: a client polling a job every second writes nothing.
const tokenTouch = time.Minute

// UseToken returns the user of the live token with hash and records it
// used now (to the minute). A token unknown, revoked or expired is
// ErrUnauthenticated.
func (db *DB) UseToken(ctx context.Context, hash string) (int64, error) {
	now := db.Now()
	var live []struct {
		User     int64     `db:"user_id"`
		LastUsed timestamp `db:"last_used_at"`
	}
	err := db.db.SelectContext(ctx, &live, db.rebind(`SELECT user_id, last_used_at FROM handover_api_tokens
WHERE token_sha256 = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`), hash, stamp(now))
	if err != nil {
		return 0, fmt.Errorf("look up token: %w", err)
	}
	if len(live) == 0 {
		return 0, handover.Errorf(handover.ErrUnauthenticated, "the API token is unknown, revoked or expired: create one with `handover token create --as YOUR_USER_ID --name NAME`")
	}
	if live[0].LastUsed.Before(now.Add(-tokenTouch)) {
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE handover_api_tokens SET last_used_at = ? WHERE token_sha256 = ?`), stamp(now), hash); err != nil {
			return 0, fmt.Errorf("record use of token: %w", err)
		}
	}
	return live[0].User, nil
}

// Tokens lists the tenant's tokens, live and revoked, oldest first.
func (db *DB) Tokens(ctx context.Context, tenant int64) ([]handover.Token, error) {
	var rows []struct {
		Name     string    `db:"name"`
		User     int64     `db:"user_id"`
		Created  timestamp `db:"created_at"`
		Expires  timestamp `db:"expires_at"`
		LastUsed timestamp `db:"last_used_at"`
		Revoked  timestamp `db:"revoked_at"`
	}
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT name, user_id, created_at, expires_at, last_used_at, revoked_at
FROM handover_api_tokens WHERE tenant_id = ? ORDER BY id`), tenant)
	if err != nil {
		return nil, fmt.Errorf("list tokens of tenant %d: %w", tenant, err)
	}
	out := make([]handover.Token, len(rows))
	for i, r := range rows {
		out[i] = handover.Token{Name: r.Name, Operator: r.User, Created: r.Created.Time,
			Expires: r.Expires.ptr(), LastUsed: r.LastUsed.ptr(), Revoked: r.Revoked.ptr()}
	}
	return out, nil
}

// RevokeToken revokes the tenant's live token named name; there being
// none is ErrNotFound.
func (db *DB) RevokeToken(ctx context.Context, tenant int64, name string) error {
	res, err := db.db.ExecContext(ctx, db.rebind(`UPDATE handover_api_tokens SET revoked_at = ?
WHERE tenant_id = ? AND name = ? AND revoked_at IS NULL`), stamp(db.Now()), tenant, name)
	if err != nil {
		return fmt.Errorf("revoke token %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke token %q: %w", name, err)
	} else if n == 0 {
		return handover.Errorf(handover.ErrNotFound, "the tenant has no live token named %q: list them with `handover token list`", name)
	}
	return nil
}

// ptr returns the time, or nil for a NULL.
func (t timestamp) ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
