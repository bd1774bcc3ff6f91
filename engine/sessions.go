package engine

import (
	"context"
	"fmt"
	"time"

	"handover"
)

// Sign-in links and sessions of the web console are stored by the SHA-256
// of their token (hex), so that a copy of the database signs nobody in.
// Hashing and token generation belong to the caller (package transfer);
// the store only keeps and checks hashes against db.Now.

// CreateSigninLink records a one-time sign-in link for user, valid until
// expires. Links that expired before now are removed on the way.
func (db *DB) CreateSigninLink(ctx context.Context, hash string, user int64, expires time.Time) error {
	now := stamp(db.Now())
	if _, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM handover_signin_links WHERE expires_at < ?`), now); err != nil {
		return fmt.Errorf("remove expired sign-in links: %w", err)
	}
	_, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO handover_signin_links (token_sha256, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
		hash, user, now, stamp(expires))
	if err != nil {
		return fmt.Errorf("record sign-in link for user %d: %w", user, err)
	}
	return nil
}

// UseSigninLink marks the link with hash used and returns its user: in one
// statement, so that a link works once even when two requests race. A
// link unknown, used or expired is ErrUnauthenticated.
func (db *DB) UseSigninLink(ctx context.Context, hash string) (int64, error) {
	now := stamp(db.Now())
	var users []int64
	err := db.db.SelectContext(ctx, &users, db.rebind(`UPDATE handover_signin_links SET used_at = ?
WHERE token_sha256 = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id`), now, hash, now)
	if err != nil {
		return 0, fmt.Errorf("use sign-in link: %w", err)
	}
	if len(users) == 0 {
		return 0, handover.Errorf(handover.ErrUnauthenticated, "this sign-in link is unknown, already used or expired (links last 15 minutes and work once): ask for a new one with `handover signin-link --as YOUR_USER_ID`")
	}
	return users[0], nil
}

// CreateSession records a session for user, last seen now. Sessions idle
// for longer than idle are removed on the way.
func (db *DB) CreateSession(ctx context.Context, hash string, user int64, idle time.Duration) error {
	now := db.Now()
	if _, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM handover_sessions WHERE last_seen_at <= ?`), stamp(now.Add(-idle))); err != nil {
		return fmt.Errorf("remove idle sessions: %w", err)
	}
	_, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO handover_sessions (token_sha256, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)`),
		hash, user, stamp(now), stamp(now))
	if err != nil {
		return fmt.Errorf("record session for user %d: %w", user, err)
	}
	return nil
}

// sessionTouch is how stale a session's last-seen time may get before a
// request writes it again: most requests only read, so that pages do not
// queue for the write lock behind a running job (SQLite has one writer).
// A session may thus end up to this much before 8 idle hours.
const sessionTouch = time.Minute

// TouchSession returns the user of the session with hash and marks it seen
// now (at most once per sessionTouch), unless it has been idle for idle or
// longer: then, or when there is no such session, it is
// ErrUnauthenticated.
func (db *DB) TouchSession(ctx context.Context, hash string, idle time.Duration) (int64, error) {
	now := db.Now()
	var rows []struct {
		User int64     `db:"user_id"`
		Seen timestamp `db:"last_seen_at"`
	}
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT user_id, last_seen_at FROM handover_sessions WHERE token_sha256 = ? AND last_seen_at > ?`),
		hash, stamp(now.Add(-idle)))
	if err != nil {
		return 0, fmt.Errorf("look up session: %w", err)
	}
	if len(rows) == 0 {
		return 0, handover.Errorf(handover.ErrUnauthenticated, "you are not signed in, or your session ended after %s without use: sign in again with a link from `handover signin-link --as YOUR_USER_ID`", idle)
	}
	if now.Sub(rows[0].Seen.Time) >= sessionTouch {
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE handover_sessions SET last_seen_at = ? WHERE token_sha256 = ?`), stamp(now), hash); err != nil {
			return 0, fmt.Errorf("mark session seen: %w", err)
		}
	}
	return rows[0].User, nil
}

// EndSession removes the session with hash; ending a session that is gone
// already is not an error.
func (db *DB) EndSession(ctx context.Context, hash string) error {
	if _, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM handover_sessions WHERE token_sha256 = ?`), hash); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
