package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
)

// Guard is the one-bulk-job-per-tenant lock. It frees itself if the process
// dies: on PostgreSQL it is a session advisory lock on a pinned connection,
// on SQLite an flock on a file beside the database.
type Guard struct {
	db      *DB
	tenant  int64
	release func()
	alive   func(ctx context.Context) error
}

// Release frees the guard, forgetting its holder first (while still holding
// it, so as not to forget the next holder instead).
func (g *Guard) Release() {
	if g != nil && g.release != nil {
		if g.db != nil {
			g.db.forgetHolder(g.tenant)
		}
		g.release()
		g.release = nil
	}
}

// Check reports whether the guard is still held (its connection alive).
func (g *Guard) Check(ctx context.Context) error {
	if g == nil || g.alive == nil {
		return nil
	}
	return g.alive(ctx)
}

// covers refuses to run job under g unless g is the guard of the job's
// tenant and not released: holding it is what makes the job the tenant's
// only one.
func (g *Guard) covers(job handover.Job) error {
	if g == nil || g.release == nil || g.tenant != job.Tenant {
		return fmt.Errorf("job %d cannot run without the guard of its tenant %d", job.ID, job.Tenant)
	}
	return nil
}

// lockedWait is how long a refused job waits for the guard's holder to
// record its job, so that the refusal can name it.
var lockedWait = 2 * time.Second

// LockTenant takes the job guard of op's tenant for action ("run",
// "resume", "undo"), or fails with ErrLocked naming the job that holds it,
// its operator and start time. Jobs left "running" by a process that died
// are marked interrupted once the guard is taken. While the guard is held,
// jobs executed on db check before each chunk that it still is (see hold).
func (db *DB) LockTenant(ctx context.Context, op handover.User, action string) (*Guard, error) {
	tenant := op.TenantID
	g, err := db.awaitGuard(ctx, tenant)
	if err != nil {
		if isConnectionError(err) {
			return nil, unavailable(db.DSN, err)
		}
		return nil, err
	}
	err = db.withTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE handover_jobs SET status = ? WHERE tenant_id = ? AND status = ?`),
			handover.JobInterrupted, tenant, handover.JobRunning); err != nil {
			return fmt.Errorf("mark stale jobs interrupted: %w", err)
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO handover_guards (tenant_id, operator_id, action, since) VALUES (?, ?, ?, ?)
ON CONFLICT (tenant_id) DO UPDATE SET operator_id = excluded.operator_id, action = excluded.action, since = excluded.since`),
			tenant, op.ID, action, stamp(db.Now()))
		if err != nil {
			return fmt.Errorf("record guard holder: %w", err)
		}
		return nil
	})
	if err != nil {
		g.Release()
		return nil, err
	}
	return g, nil
}

// forgetHolder removes the guard's holder record, best effort: a record
// left behind (the database went away, the process died) is overwritten by
// the next holder and only read while someone holds the guard.
func (db *DB) forgetHolder(tenant int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM handover_guards WHERE tenant_id = ?`), tenant); err != nil {
		db.Log.Warn().Err(err).Int64("tenant", tenant).Msg("could not forget the guard's holder; the next holder overwrites it")
	}
}

// takeGuard takes the dialect's guard without waiting; held is false when
// another process has it.
func (db *DB) takeGuard(ctx context.Context, tenant int64) (g *Guard, held bool, err error) {
	g, held, err = db.dialect.tryGuard(ctx, db, tenant)
	if g != nil {
		g.db, g.tenant = db, tenant
	}
	return g, held, err
}

// hold makes sure the guard taken on db is still held before each
// transaction of a job. On PostgreSQL the guard dies with its connection (a
// restart, a network cut); it is taken again if it is free and job is still
// "running": taking the guard marks running jobs interrupted, so a job
// still running proves that nobody else took the guard meanwhile.
// Otherwise the job must stop (ErrLocked); resume finishes it. Connection
// errors are returned as they are, for the caller's retry.
func (db *DB) hold(ctx context.Context, g *Guard, job int64) error {
	if g == nil || g.release == nil {
		return fmt.Errorf("job %d cannot run without the tenant's guard", job)
	}
	if err := ctx.Err(); err != nil {
		// A ping under a cancelled context may make lib/pq send a cancel
		// request that lands on the guard's unlock; its lock is then freed
		// only when the server notices the closed connection.
		return err
	}
	if g.Check(ctx) == nil {
		return nil
	}
	ng, held, err := db.takeGuard(ctx, g.tenant)
	if err != nil {
		return err
	}
	if !held {
		return handover.Errorf(handover.ErrLocked, "job %d lost its connection to the database, and with it the tenant's guard, which another job has taken since; finish job %d with `handover resume %d` once that one is done", job, job, job)
	}
	var status string
	if err := db.db.GetContext(ctx, &status, db.rebind(`SELECT status FROM handover_jobs WHERE id = ?`), job); err != nil || status != string(handover.JobRunning) {
		ng.Release()
		if err != nil {
			return fmt.Errorf("read status of job %d: %w", job, err)
		}
		return handover.Errorf(handover.ErrLocked, "job %d lost its connection to the database, and another job ran for the tenant meanwhile; finish job %d with `handover resume %d`", job, job, job)
	}
	db.Log.Warn().Int64("job", job).Msg("took the tenant's guard again after losing its connection")
	g.release, g.alive = ng.release, ng.alive
	return nil
}

// awaitGuard takes the tenant's guard. Held by another, it is refused
// with ErrLocked naming the running job; a holder that has no running job
// may be starting one (validating its file, waiting for confirmation) or
// finishing one (its job just recorded done): awaitGuard waits up to
// lockedWait for the guard to be freed, or the job to be recorded, then
// names the holder and what it is doing.
func (db *DB) awaitGuard(ctx context.Context, tenant int64) (*Guard, error) {
	deadline := time.Now().Add(lockedWait)
	for {
		g, held, err := db.takeGuard(ctx, tenant)
		switch {
		case err != nil:
			return nil, err
		case held:
			return g, nil
		}
		if err := db.runningJobError(ctx, tenant); err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, db.holderError(ctx, tenant)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// holderError names who holds the tenant's guard without a running job.
func (db *DB) holderError(ctx context.Context, tenant int64) error {
	var h struct {
		Operator int64     `db:"operator_id"`
		Name     string    `db:"name"`
		Action   string    `db:"action"`
		Since    timestamp `db:"since"`
	}
	err := db.db.GetContext(ctx, &h, db.rebind(`SELECT g.operator_id, COALESCE(u.name, '') AS name, g.action, g.since
FROM handover_guards g LEFT JOIN users u ON u.id = g.operator_id WHERE g.tenant_id = ?`), tenant)
	if err != nil {
		if !isNoRows(err) {
			db.Log.Warn().Err(err).Int64("tenant", tenant).Msg("could not read the guard's holder to name it")
		}
		return handover.Errorf(handover.ErrLocked, "another handover job is starting for this tenant; wait for it to finish and try again")
	}
	return handover.Errorf(handover.ErrLocked, "%s (%d) started `handover %s` for this tenant at %s and has not recorded its job yet (it is validating its file or waiting for confirmation); only one bulk job runs per tenant at a time: wait for it to finish and try again",
		h.Name, h.Operator, h.Action, h.Since.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// runningJobError returns the ErrLocked naming the tenant's running job,
// or nil when none is running.
func (db *DB) runningJobError(ctx context.Context, tenant int64) error {
	var j struct {
		ID       int64     `db:"id"`
		Kind     string    `db:"kind"`
		Operator int64     `db:"operator_id"`
		Name     string    `db:"name"`
		Started  timestamp `db:"started_at"`
	}
	err := db.db.GetContext(ctx, &j, db.rebind(`SELECT j.id, j.kind, j.operator_id, COALESCE(u.name, '') AS name, j.started_at
FROM handover_jobs j LEFT JOIN users u ON u.id = j.operator_id
WHERE j.tenant_id = ? AND j.status = ? ORDER BY j.id DESC LIMIT 1`), tenant, handover.JobRunning)
	if err != nil {
		if !isNoRows(err) {
			db.Log.Warn().Err(err).Int64("tenant", tenant).Msg("could not read the tenant's running job to name it")
		}
		return nil
	}
	return handover.Errorf(handover.ErrLocked, "job %d (%s) started by %s (%d) at %s is still running for this tenant; only one bulk job runs per tenant at a time: wait for it to finish (see `handover show %d`)",
		j.ID, j.Kind, j.Name, j.Operator, j.Started.UTC().Format("2006-01-02 15:04:05 UTC"), j.ID)
}
