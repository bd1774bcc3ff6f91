package engine

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
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

// SchemaVersion returns the version the database's schema is at: the
// highest embedded migration such that it and every embedded migration
// before it are applied, 0 when none is. A database missing a migration
// (one added since it was last initialised) is at the version before it.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var applied []int
	err := db.db.SelectContext(ctx, &applied, `SELECT version FROM handover_schema`)
	switch {
	case err != nil && isMissingTable(err):
		return 0, nil // no table yet means version 0
	case err != nil && isConnectionError(err):
		return 0, unavailable(db.DSN, err)
	case err != nil:
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	versions, err := db.embeddedVersions()
	if err != nil {
		return 0, err
	}
	v := 0
	for _, want := range versions {
		if !slices.Contains(applied, want) {
			break
		}
		v = want
	}
	return v, nil
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
	versions, err := db.embeddedVersions()
	if err != nil || len(versions) == 0 {
		return 0, err
	}
	return versions[len(versions)-1], nil
}

// embeddedVersions returns the versions of the dialect's embedded
// migrations, ascending.
func (db *DB) embeddedVersions() ([]int, error) {
	files, err := fs.Glob(migrations, "migrations/"+db.dialect.driver()+"/*.sql")
	if err != nil {
		return nil, err
	}
	var versions []int
	for _, f := range files {
		name := f[strings.LastIndex(f, "/")+1:]
		if v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0]); err == nil {
			versions = append(versions, v)
		}
	}
	slices.Sort(versions)
	return versions, nil
}
