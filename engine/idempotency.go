package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
)

// An Idempotency-Key of the API is claimed by the first request that uses
// it, before any job exists, and bound to the job in the transaction that
// records the job (CreateJob), so that a key names at most one job of the
// tenant however requests race or a server dies.

// Claim is what claiming an Idempotency-Key found.
type Claim struct {
	// Owned: this request claimed the key and is to start the job (then
	// bind the key to it, or release it when no job was recorded).
	Owned bool
	// Job is the job the key names already; 0 while the request that
	// claimed it is still starting it.
	Job int64
}

// ClaimIdempotency claims key for the tenant's request whose digest is
// digest. A key claimed by a different request is ErrIdempotencyMismatch;
// a claim that has named no job for longer than stale (its request died)
// is taken over.
func (db *DB) ClaimIdempotency(ctx context.Context, tenant int64, key, digest string, stale time.Duration) (Claim, error) {
	now := db.Now()
	res, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO handover_idempotency (tenant_id, idem_key, request_sha256, claimed_at)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), tenant, key, digest, stamp(now))
	if err != nil {
		return Claim{}, fmt.Errorf("claim idempotency key %q: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Claim{}, fmt.Errorf("claim idempotency key %q: %w", key, err)
	} else if n == 1 {
		return Claim{Owned: true}, nil
	}
	var held struct {
		Digest  string    `db:"request_sha256"`
		Job     *int64    `db:"job_id"`
		Claimed timestamp `db:"claimed_at"`
	}
	err = db.db.GetContext(ctx, &held, db.rebind(`SELECT request_sha256, job_id, claimed_at FROM handover_idempotency
WHERE tenant_id = ? AND idem_key = ?`), tenant, key)
	switch {
	case isNoRows(err): // released in between: claim again
		return db.ClaimIdempotency(ctx, tenant, key, digest, stale)
	case err != nil:
		return Claim{}, fmt.Errorf("read idempotency key %q: %w", key, err)
	case held.Digest != digest:
		return Claim{}, handover.Errorf(handover.ErrIdempotencyMismatch, "the Idempotency-Key %q was used for a different request (another body or other options): use a new key for a new job", key)
	case held.Job != nil:
		return Claim{Job: *held.Job}, nil
	case held.Claimed.Before(now.Add(-stale)):
		return db.takeOver(ctx, tenant, key, held.Claimed.Time, now)
	}
	return Claim{}, nil
}

// takeOver claims a key whose claim of at has named no job for too long.
func (db *DB) takeOver(ctx context.Context, tenant int64, key string, at, now time.Time) (Claim, error) {
	res, err := db.db.ExecContext(ctx, db.rebind(`UPDATE handover_idempotency SET claimed_at = ?
WHERE tenant_id = ? AND idem_key = ? AND job_id IS NULL AND claimed_at = ?`), stamp(now), tenant, key, stamp(at))
	if err != nil {
		return Claim{}, fmt.Errorf("take over idempotency key %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Claim{}, fmt.Errorf("take over idempotency key %q: %w", key, err)
	}
	return Claim{Owned: n == 1}, nil
}

// ReleaseIdempotency gives up the tenant's claim of key when it names no
// job: the request that claimed it recorded none.
func (db *DB) ReleaseIdempotency(ctx context.Context, tenant int64, key string) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM handover_idempotency WHERE tenant_id = ? AND idem_key = ? AND job_id IS NULL`), tenant, key)
	if err != nil {
		return fmt.Errorf("release idempotency key %q: %w", key, err)
	}
	return nil
}

// bindIdempotency names job the job of the tenant's claimed key, through
// ex: the transaction that records a run, or the database for a job
// recorded without the key (an undo, a resume). A key that names job
// already is left as it is; one naming another job, or no longer claimed,
// is an error.
func (db *DB) bindIdempotency(ctx context.Context, ex sqlx.ExecerContext, job handover.Job, key string) error {
	if key == "" {
		return nil
	}
	res, err := ex.ExecContext(ctx, db.rebind(`UPDATE handover_idempotency SET job_id = ?
WHERE tenant_id = ? AND idem_key = ? AND (job_id IS NULL OR job_id = ?)`), job.ID, job.Tenant, key, job.ID)
	if err != nil {
		return fmt.Errorf("bind idempotency key %q to job %d: %w", key, job.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("bind idempotency key %q to job %d: the claim is gone or names another job (%d rows, %v)", key, job.ID, n, err)
	}
	return nil
}

// BindIdempotency names job the job of the tenant's claimed key for a
// request whose job was recorded without it (see bindIdempotency).
func (db *DB) BindIdempotency(ctx context.Context, job handover.Job, key string) error {
	return db.bindIdempotency(ctx, db.db, job, key)
}
