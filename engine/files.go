package engine

import (
	"os"
	"path/filepath"
	"strings"
)

// IsDatabaseFile reports whether path is, or would become, one of the files
// of the SQLite database dsn: the database itself, its WAL, shared memory or
// rollback journal, or a tenant guard's lock file ("<database>.tenant-N.lock",
// see fileLock). An existing path is compared by identity with every such
// file that exists, so a symlink, a hard link or another spelling of the
// same file is caught; any path is also compared by its resolved name. It is
// always false for PostgreSQL.
func IsDatabaseFile(dsn, path string) bool {
	if IsPostgres(dsn) || path == "" {
		return false
	}
	db := sqlitePath(dsn)
	dbDir, dbBase := resolvedName(db)
	if dir, base := resolvedName(path); dir == dbDir && isCompanion(dbBase, base) {
		return true
	}
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	entries, _ := os.ReadDir(filepath.Dir(db))
	for _, e := range entries {
		if !isCompanion(filepath.Base(db), e.Name()) {
			continue
		}
		if other, err := os.Stat(filepath.Join(filepath.Dir(db), e.Name())); err == nil && os.SameFile(st, other) {
			return true
		}
	}
	return false
}

// isCompanion reports whether name is the database file db or one of the
// files SQLite and the tenant guard keep beside it.
func isCompanion(db, name string) bool {
	rest, ok := strings.CutPrefix(name, db)
	if !ok {
		return false
	}
	switch rest {
	case "", "-wal", "-shm", "-journal":
		return true
	}
	tenant, ok := strings.CutPrefix(rest, ".tenant-")
	tenant, lock := strings.CutSuffix(tenant, ".lock")
	return ok && lock && tenant != "" && strings.Trim(tenant, "0123456789") == ""
}

// resolvedName returns the absolute folder of path, with symlinks resolved
// as far as it exists, and its base name.
func resolvedName(path string) (dir, base string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	dir, base = filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return filepath.Clean(dir), base
}
