package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Load runs fn in one transaction, to fill tables wholesale (the sample
// data): it commits when fn returns nil and rolls back otherwise. fn writes
// through the Loader it is given, which is valid only while fn runs.
func (db *DB) Load(ctx context.Context, fn func(*Loader) error) error {
	return db.withTx(ctx, func(tx *sqlx.Tx) error {
		return fn(&Loader{ctx: ctx, tx: tx, copy: db.dialect.bulkCopy()})
	})
}

// Analyze refreshes the planner's statistics of every table, as a live
// database has them, so that queries after a bulk load use the owner
// indexes. It runs outside any transaction.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// Loader opens bulk loads of tables inside the transaction of a Load.
type Loader struct {
	ctx  context.Context
	tx   *sqlx.Tx
	copy bool // COPY (PostgreSQL) rather than batched INSERTs (SQLite)
}

// Open starts the bulk load of table's columns cols: through COPY on
// PostgreSQL, in prepared multi-row INSERTs on SQLite. Close it before
// opening the next table: no other statement may run while a COPY is open.
func (l *Loader) Open(table string, cols []string) (*Bulk, error) {
	b := &Bulk{ctx: l.ctx, tx: l.tx, copy: l.copy, table: table, cols: cols}
	if !b.copy {
		return b, nil
	}
	stmt, err := l.tx.PrepareContext(l.ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return nil, fmt.Errorf("copy into %s: %w", table, err)
	}
	b.stmt = stmt
	return b, nil
}

// insertBatch is how many rows one SQLite INSERT carries.
const insertBatch = 256

// Bulk is the bulk load of one table's columns, opened by Loader.Open:
// add rows with Row, then Close, which writes what is still buffered.
type Bulk struct {
	ctx   context.Context
	tx    *sqlx.Tx
	copy  bool
	table string
	cols  []string
	args  []any
	stmt  *sql.Stmt // the COPY, or the INSERT of a full batch
}

// Row adds one row, its values in the order of the columns given to Open.
// On SQLite rows are written a batch at a time, so an error may be about an
// earlier row of the batch; with COPY, errors may show only at Close.
func (b *Bulk) Row(vals ...any) error {
	if b.copy {
		_, err := b.stmt.ExecContext(b.ctx, vals...)
		return err
	}
	if b.args = append(b.args, vals...); len(b.args) < insertBatch*len(b.cols) {
		return nil
	}
	if b.stmt == nil {
		stmt, err := b.tx.PrepareContext(b.ctx, b.insert(insertBatch))
		if err != nil {
			return err
		}
		b.stmt = stmt
	}
	_, err := b.stmt.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// Close ends the COPY or writes the last, partial batch.
func (b *Bulk) Close() error {
	if b.stmt != nil {
		defer b.stmt.Close()
	}
	var err error
	switch {
	case b.copy:
		_, err = b.stmt.ExecContext(b.ctx)
	case len(b.args) > 0:
		_, err = b.tx.ExecContext(b.ctx, b.insert(len(b.args)/len(b.cols)), b.args...)
	}
	return err
}

// insert renders an INSERT of n rows.
func (b *Bulk) insert(n int) string {
	return "INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES " + valueRows(len(b.cols), n)
}

// valueRows renders the placeholders of n rows of width values each:
// "(?, ?), (?, ?)".
func valueRows(width, n int) string {
	one := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}
