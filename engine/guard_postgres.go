package engine

import (
	"context"
	"fmt"
)

// guardKey is the advisory lock key of a tenant's guard.
const guardKey = `hashtextextended('handover tenant job', ?)`

// tryGuard takes the tenant's guard as a session advisory lock on a
// connection of its own, which holds it until released or closed: the
// server frees it when the process or its connection dies.
func (postgresDialect) tryGuard(ctx context.Context, db *DB, tenant int64) (*Guard, bool, error) {
	conn, err := db.db.Connx(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("take tenant %d guard: %w", tenant, err)
	}
	var held bool
	if err := conn.GetContext(ctx, &held, db.rebind(`SELECT pg_try_advisory_lock(`+guardKey+`)`), tenant); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("take tenant %d guard: %w", tenant, err)
	}
	if !held {
		conn.Close()
		return nil, false, nil
	}
	g := &Guard{
		release: func() {
			// Closing the connection frees the lock too; unlocking first
			// frees it even if the pool were to keep the connection.
			if _, err := conn.ExecContext(context.Background(), db.rebind(`SELECT pg_advisory_unlock(`+guardKey+`)`), tenant); err != nil {
				db.Log.Warn().Err(err).Int64("tenant", tenant).Msg("could not unlock the tenant's guard; closing its connection frees it")
			}
			if err := conn.Close(); err != nil {
				db.Log.Warn().Err(err).Int64("tenant", tenant).Msg("closing the guard's connection")
			}
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

// guardHeld looks the tenant's advisory lock up in pg_locks, which shows a
// bigint key as its high (classid) and low (objid) halves.
func (postgresDialect) guardHeld(ctx context.Context, db *DB, tenant int64) (bool, error) {
	var held bool
	err := db.db.GetContext(ctx, &held, db.rebind(`SELECT EXISTS (SELECT 1 FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((CAST(classid AS BIGINT) << 32) | CAST(objid AS BIGINT)) = `+guardKey+`)`), tenant)
	if err != nil {
		return false, fmt.Errorf("look up tenant %d guard: %w", tenant, err)
	}
	return held, nil
}
