package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
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

// DatabaseTag returns a short name of the database dsn that stays the same
// from run to run and differs between databases, for the names of files
// that must not collide across databases (default audit files): the name
// of the SQLite file (without extension) or of the PostgreSQL database,
// and six hex digits of a hash of where it is — the file's absolute path,
// or the DSN with its password masked.
func DatabaseTag(dsn string) string {
	var name, where string
	if IsPostgres(dsn) {
		where = Redact(dsn)
		name = "postgres"
		if m := dbnameSetting.FindStringSubmatch(dsn); m != nil {
			name = m[1]
		} else if u, err := url.Parse(where); err == nil && strings.Trim(u.Path, "/") != "" {
			name = strings.Trim(u.Path, "/")
		}
	} else {
		dir, base := resolvedName(sqlitePath(dsn))
		where = filepath.Join(dir, base)
		name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	sum := sha256.Sum256([]byte(where))
	return fileSafe(name) + "-" + hex.EncodeToString(sum[:3])
}

// dbnameSetting matches the dbname of a key=value DSN.
var dbnameSetting = regexp.MustCompile(`\bdbname\s*=\s*'?([^'\s]+)`)

// fileSafe keeps the letters, digits, '-' and '_' of s, at most 32 of them.
func fileSafe(s string) string {
	out := []rune{}
	for _, r := range s {
		if len(out) == 32 {
			break
		}
		if r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return "db"
	}
	return string(out)
}
