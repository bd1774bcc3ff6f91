// Package engine is the tool's database side: it opens PostgreSQL or the
// embedded SQLite file, creates the bundled schema, answers the directory
// questions validation asks, predicts and executes handovers in journaled
// chunks, and keeps the job ledger that resume and undo rely on.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver "postgres"
	"github.com/rs/zerolog"
	_ "modernc.org/sqlite" // embedded SQLite driver "sqlite"

	"handover"
)

func init() {
	// sqlx does not know modernc's driver name; it takes ? placeholders.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// DB is an open handover database.
type DB struct {
	db      *sqlx.DB
	dialect dialect
	DSN     string
	// Log receives internal detail; it defaults to a no-op logger.
	Log zerolog.Logger
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// ChunkSize is the most pairs applied in one transaction, counting a
	// pair that chose only some data types as that fraction of a pair (so
	// the rows of a split leaver's pairs share a chunk as one pair's do),
	// and ChunkRows the most rows the preview predicted they touch. A
	// failing chunk is split until the failing pair is isolated.
	ChunkSize int
	ChunkRows int64
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than an
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") ||
		strings.Contains(dsn, "host=") || strings.Contains(dsn, "dbname=")
}

// Open connects to dsn: a postgres:// URL or key=value string for PostgreSQL,
// anything else is an SQLite file path. It does not create the schema.
// Connecting gives up after the connect timeout (see ConnectTimeout) or
// when ctx ends, whichever is first; it then returns ctx's error.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		d   dialect
		raw *sql.DB
		err error
	)
	if IsPostgres(dsn) {
		d = postgresDialect{}
		raw, err = openPostgres(dsn)
	} else {
		d = sqliteDialect{}
		if err := createPrivate(sqlitePath(dsn)); err != nil {
			return nil, unavailable(dsn, err)
		}
		raw, err = sql.Open(d.driver(), sqliteConnString(d, dsn))
	}
	if err != nil {
		return nil, unavailable(dsn, err)
	}
	db := &DB{db: sqlx.NewDb(raw, d.driver()), dialect: d, DSN: dsn, Log: zerolog.Nop(), Now: time.Now, ChunkSize: DefaultChunkSize, ChunkRows: DefaultChunkRows}
	d.configure(raw)
	if err := raw.PingContext(ctx); err != nil {
		raw.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unavailable(dsn, err)
	}
	return db, nil
}

// createPrivate creates an SQLite file readable by its owner only (it holds
// personal data) unless it exists already.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// Dialect returns "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect.driver() }

// SQL returns the underlying handle, for tests and benchmarks.
func (db *DB) SQL() *sqlx.DB { return db.db }

func unavailable(dsn string, err error) error {
	var slow noAnswerError
	if errors.As(err, &slow) {
		return &handover.Error{Code: handover.ErrUnavailable,
			Message: fmt.Sprintf("the database %s did not answer within %v (connect_timeout); check --db (or HANDOVER_DB) and that the server is running", Redact(dsn), slow.timeout)}
	}
	return &handover.Error{Code: handover.ErrUnavailable,
		Message: scrub(fmt.Sprintf("cannot reach the database %s: %v; check --db (or HANDOVER_DB) and that the server is running", Redact(dsn), err), dsn)}
}

// Redact returns dsn as it may be shown: the password of a URL's user, a
// password or sslpassword query parameter, and a password or sslpassword
// setting of a key=value DSN are masked as ****. It is the one function
// through which every message, log line and output shows a DSN.
func Redact(dsn string) string {
	var b strings.Builder
	last := 0
	for _, sp := range secretSpans(dsn) {
		b.WriteString(dsn[last:sp[0]])
		b.WriteString("****")
		last = sp[1]
	}
	b.WriteString(dsn[last:])
	return b.String()
}

var (
	// queryPassword matches a password parameter of a URL's query; its
	// group 1 is the value.
	queryPassword = regexp.MustCompile(`(?i)[?&](?:ssl)?password=([^&#]*)`)
	// settingPassword matches a password setting of a key=value DSN; its
	// group 1 is the value, quoted ('it\'s') or not.
	settingPassword = regexp.MustCompile(`(?i)\b(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)`)
)

// secretSpans returns where the passwords of dsn are, in order, as
// [start, end) byte offsets.
func secretSpans(dsn string) [][2]int {
	var spans [][2]int
	re := settingPassword
	if i := strings.Index(dsn, "://"); i >= 0 {
		re = queryPassword
		// The user's password runs from the first ':' of the user info to
		// the last '@' (a password may hold an unescaped '@').
		if at := strings.LastIndex(dsn, "@"); at > i {
			if c := strings.Index(dsn[i+3:at], ":"); c >= 0 {
				spans = append(spans, [2]int{i + 3 + c + 1, at})
			}
		}
	}
	for _, m := range re.FindAllStringSubmatchIndex(dsn, -1) {
		if len(spans) == 0 || m[2] >= spans[len(spans)-1][1] {
			spans = append(spans, [2]int{m[2], m[3]})
		}
	}
	return spans
}

// scrub masks in msg every password of dsn, as written and decoded: a
// driver's error may quote the DSN it could not parse.
func scrub(msg, dsn string) string {
	for _, sp := range secretSpans(dsn) {
		s := dsn[sp[0]:sp[1]]
		if s == "" {
			continue
		}
		msg = strings.ReplaceAll(msg, s, "****")
		if d, err := url.QueryUnescape(s); err == nil && d != "" {
			msg = strings.ReplaceAll(msg, d, "****")
		}
	}
	return msg
}

// withTx runs fn in a transaction: commit when fn succeeds, rollback
// otherwise.
func (db *DB) withTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.db.BeginTxx(ctx, db.dialect.txOptions())
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := db.dialect.txSetup(ctx, tx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rebind turns ? placeholders into the dialect's.
func (db *DB) rebind(q string) string { return db.db.Rebind(q) }

// isNoRows reports whether err is sql.ErrNoRows.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// queryer is what read helpers need: a *sqlx.DB or a *sqlx.Tx.
type queryer interface {
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	GetContext(ctx context.Context, dest any, query string, args ...any) error
}

// stampLayout is RFC 3339 with a fixed nine-digit fraction: time.RFC3339Nano
// drops trailing zeros, and "…05.1Z" sorts after "…05.123Z" as text.
const stampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// stamp renders t as stored in the ledger: RFC 3339 in UTC with a fixed
// width, which both backends accept and SQLite sorts correctly as text.
func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }
