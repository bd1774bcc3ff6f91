package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"

	"handover"
)

// Guard is the one-bulk-job-per-tenant lock. It frees itself if the process
// dies: on PostgreSQL it is a session advisory lock on a pinned connection,
// on SQLite an flock on a file beside the database.
type Guard struct {
	release func()
	alive   func(ctx context.Context) error
}

// Release frees the guard.
func (g *Guard) Release() {
	if g != nil && g.release != nil {
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

// LockTenant takes the tenant's job guard, or fails with ErrLocked naming
// the job that holds it. Jobs left "running" by a process that died are
// marked interrupted once the guard is taken.
func (db *DB) LockTenant(ctx context.Context, tenant int64) (*Guard, error) {
	var g *Guard
	var held bool
	var err error
	if db.dialect.driver() == "postgres" {
		g, held, err = db.advisoryLock(ctx, tenant)
	} else {
		g, held, err = db.fileLock(tenant)
	}
	if err != nil {
		return nil, err
	}
	if !held {
		return nil, db.lockedError(ctx, tenant)
	}
	_, err = db.db.ExecContext(ctx, db.rebind(`UPDATE handover_jobs SET status = 'interrupted' WHERE tenant_id = ? AND status = 'running'`), tenant)
	if err != nil {
		g.Release()
		return nil, fmt.Errorf("mark stale jobs interrupted: %w", err)
	}
	return g, nil
}

func (db *DB) advisoryLock(ctx context.Context, tenant int64) (*Guard, bool, error) {
	conn, err := db.db.Connx(ctx)
	if err != nil {
		return nil, false, unavailable(db.DSN, err)
	}
	const key = `hashtextextended('handover tenant job', ?)`
	var held bool
	if err := conn.GetContext(ctx, &held, db.rebind(`SELECT pg_try_advisory_lock(`+key+`)`), tenant); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("take tenant %d guard: %w", tenant, err)
	}
	if !held {
		conn.Close()
		return nil, false, nil
	}
	g := &Guard{
		release: func() {
			_, _ = conn.ExecContext(context.Background(), db.rebind(`SELECT pg_advisory_unlock(`+key+`)`), tenant)
			conn.Close()
		},
		alive: func(ctx context.Context) error {
			if err := conn.PingContext(ctx); err != nil {
				return unavailable(db.DSN, fmt.Errorf("lost the connection holding the tenant guard: %w", err))
			}
			return nil
		},
	}
	return g, true, nil
}

// fileLock takes an exclusive flock on "<database>.tenant-<id>.lock". The
// kernel releases it when the process exits, however it exits.
func (db *DB) fileLock(tenant int64) (*Guard, bool, error) {
	path := fmt.Sprintf("%s.tenant-%d.lock", sqlitePath(db.DSN), tenant)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open guard %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock guard %s: %w", path, err)
	}
	return &Guard{release: func() { f.Close() }}, true, nil
}

// sqlitePath returns the file behind an SQLite DSN.
func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func (db *DB) lockedError(ctx context.Context, tenant int64) error {
	var j struct {
		ID       int64     `db:"id"`
		Kind     string    `db:"kind"`
		Operator int64     `db:"operator_id"`
		Name     string    `db:"name"`
		Started  timestamp `db:"started_at"`
	}
	err := db.db.GetContext(ctx, &j, db.rebind(`SELECT j.id, j.kind, j.operator_id, COALESCE(u.name, '') AS name, j.started_at
FROM handover_jobs j LEFT JOIN users u ON u.id = j.operator_id
WHERE j.tenant_id = ? AND j.status = 'running' ORDER BY j.id DESC LIMIT 1`), tenant)
	if err != nil {
		return handover.Errorf(handover.ErrLocked, "another handover job is starting for this tenant; wait for it to finish and try again")
	}
	return handover.Errorf(handover.ErrLocked, "job %d (%s) started by %s (%d) at %s is still running for this tenant; only one bulk job runs per tenant at a time: wait for it to finish (see `handover show %d`)",
		j.ID, j.Kind, j.Name, j.Operator, j.Started.UTC().Format("2006-01-02 15:04:05 UTC"), j.ID)
}
