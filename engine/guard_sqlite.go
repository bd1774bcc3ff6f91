package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// guardPath names the lock file of a tenant's guard beside the database
// file. The database's path is resolved first (absolute, symbolic links
// followed), so that every spelling of one database (a symlink, "./x.db",
// "a/../x.db") shares one guard.
func guardPath(dsn string, tenant int64) (string, error) {
	p, err := filepath.Abs(sqlitePath(dsn))
	if err != nil {
		return "", fmt.Errorf("resolve database path %s: %w", sqlitePath(dsn), err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return fmt.Sprintf("%s.tenant-%d.lock", p, tenant), nil
}

func openGuardFile(dsn string, tenant int64) (*os.File, error) {
	path, err := guardPath(dsn, tenant)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open guard %s: %w", path, err)
	}
	return f, nil
}

// tryGuard takes an exclusive lock on the tenant's lock file (see
// lockFile). The kernel releases it when the process exits, however it
// exits.
func (sqliteDialect) tryGuard(_ context.Context, db *DB, tenant int64) (*Guard, bool, error) {
	f, err := openGuardFile(db.DSN, tenant)
	if err != nil {
		return nil, false, err
	}
	held, err := lockFile(f)
	if err != nil || !held {
		f.Close()
		if err != nil {
			return nil, false, fmt.Errorf("lock guard %s: %w", f.Name(), err)
		}
		return nil, false, nil
	}
	return &Guard{release: func() { f.Close() }}, true, nil
}

// guardHeld reports whether any process (this one included) holds the
// tenant's lock file.
func (sqliteDialect) guardHeld(_ context.Context, db *DB, tenant int64) (bool, error) {
	f, err := openGuardFile(db.DSN, tenant)
	if err != nil {
		return false, err
	}
	defer f.Close()
	held, err := lockTaken(f)
	if err != nil {
		return false, fmt.Errorf("probe guard %s: %w", f.Name(), err)
	}
	return held, nil
}

// sqlitePath returns the file behind an SQLite DSN.
func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}
