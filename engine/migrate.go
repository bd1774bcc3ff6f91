package engine

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

//go:embed migrations
var migrations embed.FS

// Init creates or upgrades the schema. It is idempotent: migrations already
// applied (recorded in handover_schema) are skipped.
func (db *DB) Init(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/"+db.dialect.driver()+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	return db.withTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.dialect.lockSchema(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS handover_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("create handover_schema: %w", err)
		}
		for _, f := range files {
			if err := db.applyMigration(ctx, tx, f); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) applyMigration(ctx context.Context, tx *sqlx.Tx, path string) error {
	name := path[strings.LastIndex(path, "/")+1:]
	version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
	if err != nil {
		return fmt.Errorf("migration %s: bad version: %w", name, err)
	}
	var n int
	if err := tx.GetContext(ctx, &n, db.rebind(`SELECT count(*) FROM handover_schema WHERE version = ?`), version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(path)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO handover_schema (version, name) VALUES (?, ?)`), version, name)
	return err
}

// SchemaVersion returns the highest applied migration, 0 when none.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v *int
	err := db.db.GetContext(ctx, &v, `SELECT max(version) FROM handover_schema`)
	switch {
	case err != nil && isMissingTable(err):
		return 0, nil // no table yet means version 0
	case err != nil && isConnectionError(err):
		return 0, unavailable(db.DSN, err)
	case err != nil:
		return 0, fmt.Errorf("read the schema version: %w", err)
	case v == nil:
		return 0, nil
	}
	return *v, nil
}

// isMissingTable reports whether err says a table does not exist
// (PostgreSQL's undefined_table, SQLite's "no such table").
func isMissingTable(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "42P01"
	}
	return strings.Contains(err.Error(), "no such table")
}

// LatestSchema returns the version the embedded migrations bring a database
// to: what `handover init` upgrades to.
func (db *DB) LatestSchema() (int, error) {
	files, err := fs.Glob(migrations, "migrations/"+db.dialect.driver()+"/*.sql")
	if err != nil {
		return 0, err
	}
	latest := 0
	for _, f := range files {
		name := f[strings.LastIndex(f, "/")+1:]
		if v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0]); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}
