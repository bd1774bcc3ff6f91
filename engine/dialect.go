package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"handover"
)

// dialect holds everything that differs between PostgreSQL and SQLite. All
// executing code is shared; only these statements and settings differ.
type dialect interface {
	driver() string
	connString(dsn string) string
	configure(db *sql.DB)
	// txOptions are the options every transaction begins with.
	txOptions() *sql.TxOptions
	// txSetup runs at the start of every transaction (timeouts).
	txSetup(ctx context.Context, tx *sqlx.Tx) error
	// tryGuard takes the tenant's job guard without waiting; held is false
	// when another process has it. The guard frees itself if the process
	// dies.
	tryGuard(ctx context.Context, db *DB, tenant int64) (g *Guard, held bool, err error)
	// guardHeld reports whether anyone holds the tenant's guard, without
	// taking it.
	guardHeld(ctx context.Context, db *DB, tenant int64) (bool, error)
	// rowFingerprint returns the SQL expression hashing one row of t, as
	// alias, to a 32-bit integer with the hash of kind, for undo to tell an
	// edited row.
	rowFingerprint(t handover.DataType, alias string, kind fingerprintKind) string
	// fingerprintKind returns the kind of fingerprint a new job journals:
	// the cheapest the database computes for every data type's columns.
	fingerprintKind(ctx context.Context, db sqlx.ExecerContext) (fingerprintKind, error)
	// bulkCopy reports whether bulk loads (Load) use COPY rather than
	// batched INSERTs.
	bulkCopy() bool
	// lockSchema serialises concurrent Init calls.
	lockSchema(ctx context.Context, tx *sqlx.Tx) error
	// idsIn returns a condition "col is one of the IDs in the single
	// parameter", and the parameter for ids.
	idsIn(col string) string
	idsArg(ids []int64) any
	// keyRelation returns the relation (pair_id, src, dst, k) of the given
	// columns, with src and dst from the chunk's table, as a SELECT, and the
	// statements that load it first. pairs repeats a pair of the chunk (see
	// chunk) once per key.
	keyRelation(pairs, keys []int64) (setup []statement, rel string)
	// searchKey returns col lowercased in byte order, as the user search
	// indexes hold it, so that a prefix is a range of the index.
	searchKey(col string) string
	// likeNoCase is the LIKE operator that ignores case as searchKey folds it.
	likeNoCase() string
	// chunk returns the statements that load the pairs of a chunk into a
	// temporary table (pair_id, src, dst, types), and the chunk: the table
	// and the WITH clause defining p(pair_id, src, dst) from it that every
	// statement of the chunk begins with.
	chunk(pairs []chunkPair) (setup []statement, c chunkSQL)
	// move returns the statements that reassign every row of t whose col
	// is a chunk source to the pair's target, journaling the moved keys per
	// pair in handover_moves.
	move(c chunkSQL, t handover.DataType, col string) []statement
	// overwrite returns the statements that archive and delete the target
	// rows of t for every pair whose source has at least one row of t,
	// recording the counts.
	overwrite(c chunkSQL, t handover.DataType) []statement
	// moveBack returns the statement that gives each row of e(pair_id,
	// src, dst, k) (defined by with) that dst still owns in t's col back to
	// src. It returns per pair the rows moved (pair_id, n) and the sum of
	// their fingerprints of kind (fp), or, when perKey, each moved row's key
	// (its new owner when the key is col) and fingerprint, for the caller to
	// add.
	moveBack(with string, t handover.DataType, col string, kind fingerprintKind) (q string, perKey bool)
}

// statement is one SQL statement with its arguments, as a dialect writes
// it (placeholders already the dialect's).
type statement struct {
	q    string
	args []any
}

// chunkPair is one pair of a chunk, keyed by its ledger record.
type chunkPair struct {
	ID       int64
	From, To int64
	load     // its data types and predicted rows
}

// chunkSQL is a prepared chunk: its table, and the WITH clause defining p.
type chunkSQL struct {
	job   int64
	fp    fingerprintKind // what the job's journal fingerprints rows with
	table string          // the temporary table holding the chunk's pairs
	with  string
}

// chunkWith is the WITH clause defining p from the chunk's table, with a
// condition on its rows when where is not empty.
func chunkWith(table, where string) string {
	with := `WITH p AS (SELECT pair_id, src, dst FROM ` + table
	if where != "" {
		with += ` WHERE ` + where
	}
	return with + `)`
}

// keysWithChunk is the relation (pair_id, src, dst, k) joining the keys
// keyRelation loaded to the chunk's pairs, both tables in schema.
func keysWithChunk(schema string) string {
	return `SELECT k.pair_id AS pair_id, c.src AS src, c.dst AS dst, k.k AS k FROM ` + schema + `.handover_keys k
JOIN ` + schema + `.handover_chunk c ON c.pair_id = k.pair_id`
}

// choosing returns the chunk restricted to its pairs that hand Catalog[i]
// over: the chunk itself when they all do, ok false when none does.
func (c chunkSQL) choosing(pairs []chunkPair, i int) (tc chunkSQL, ok bool) {
	table, n := handover.Catalog[i].Table, 0
	for _, p := range pairs {
		if p.Types.Has(table) {
			n++
		}
	}
	switch n {
	case 0:
		return c, false
	case len(pairs):
		return c, true
	}
	// The type's bit is a number from the catalog, never from input.
	c.with = chunkWith(c.table, fmt.Sprintf(`(types & %d) <> 0`, int64(1)<<i))
	return c, true
}

// columnList renders t's columns with an optional prefix ("t.").
func columnList(t handover.DataType, prefix string) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}

// archiveTable names the table holding overwritten rows of t.
func archiveTable(t handover.DataType) string { return "handover_archive_" + t.Table }

type postgresDialect struct{}

func (postgresDialect) driver() string             { return "postgres" }
func (postgresDialect) bulkCopy() bool             { return true }
func (postgresDialect) connString(d string) string { return d }
func (postgresDialect) configure(db *sql.DB)       { db.SetMaxOpenConns(8) }

// txOptions makes every transaction read one snapshot (REPEATABLE READ).
// Under READ COMMITTED each statement of a chunk sees the application's
// latest commits: the overwrite's "does the source own rows of this type?"
// and the move that follows could disagree, combining an overwrite type.
// With one snapshot the chunk is one atomic decision; a row the
// application changes concurrently makes the chunk fail with a
// serialization error (40001), which is retried as transient, so every
// pair's outcome equals running it before or after each concurrent
// application transaction.
func (postgresDialect) txOptions() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
}

func (postgresDialect) txSetup(ctx context.Context, tx *sqlx.Tx) error {
	// TimeZone and DateStyle fix how values render as text, which the
	// journal's fingerprints hash (see rowFingerprint).
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = '%dms'; SET LOCAL statement_timeout = '%dms'; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'`,
		LockTimeout.Milliseconds(), StatementTimeout.Milliseconds()))
	return err
}

func (postgresDialect) lockSchema(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7244, 0)`)
	return err
}

func (postgresDialect) idsIn(col string) string { return col + " = ANY(CAST(? AS BIGINT[]))" }
func (postgresDialect) idsArg(ids []int64) any  { return pq.Array(ids) }
func (postgresDialect) searchKey(col string) string {
	return "(lower(" + col + `) COLLATE "C")`
}
func (postgresDialect) likeNoCase() string { return "ILIKE" }

// keyRelation loads the keys into a temporary table and analyses it, as
// chunk does the pairs: the UPDATE then hashes the keys and reads the data
// table once, instead of walking a whole owner index with the keys as a
// filter (the planner took the join of an unnest on key and owner for one
// row); src and dst come from the chunk's table. Each data type's keys
// replace the last one's with TRUNCATE, which empties a table created in the
// same transaction in place: for the undo of 2,000 realistic pairs, 15 loads,
// 6 ms against 27 ms with DELETE.
func (postgresDialect) keyRelation(pairs, keys []int64) ([]statement, string) {
	setup := []statement{
		{q: `CREATE TEMP TABLE IF NOT EXISTS handover_keys (pair_id BIGINT NOT NULL, k BIGINT NOT NULL) ON COMMIT DROP`},
		{q: `TRUNCATE pg_temp.handover_keys`},
		{q: `INSERT INTO pg_temp.handover_keys (pair_id, k) SELECT * FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]))`, args: []any{pq.Array(pairs), pq.Array(keys)}},
		{q: `ANALYZE pg_temp.handover_keys`},
	}
	return setup, keysWithChunk("pg_temp")
}

// chunk loads the chunk's pairs into a temporary table, dropped at commit,
// and analyses it. From an unnest of the pairs the planner knows how many
// there are but not that each source is there once, so it hashes the whole
// data table and probes it with the pairs; with statistics it hashes the
// pairs and reads the table once in order, as the set-based baseline does
// (contacts, 2,000 realistic pairs: the move took about 40 ms less of 260).
func (postgresDialect) chunk(pairs []chunkPair) ([]statement, chunkSQL) {
	ids, src, dst, types := make([]int64, len(pairs)), make([]int64, len(pairs)), make([]int64, len(pairs)), make([]int64, len(pairs))
	for i, p := range pairs {
		ids[i], src[i], dst[i], types[i] = p.ID, p.From, p.To, p.Types.Mask()
	}
	setup := []statement{
		{q: `CREATE TEMP TABLE IF NOT EXISTS handover_chunk (pair_id BIGINT PRIMARY KEY, src BIGINT NOT NULL, dst BIGINT NOT NULL, types BIGINT NOT NULL) ON COMMIT DROP`},
		{q: `DELETE FROM pg_temp.handover_chunk`},
		{q: `INSERT INTO pg_temp.handover_chunk (pair_id, src, dst, types) SELECT * FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]), CAST($4 AS BIGINT[]))`,
			args: []any{pq.Array(ids), pq.Array(src), pq.Array(dst), pq.Array(types)}},
		{q: `ANALYZE pg_temp.handover_chunk`},
	}
	return setup, chunkSQL{table: "pg_temp.handover_chunk", with: chunkWith("pg_temp.handover_chunk", "")}
}

func (postgresDialect) move(c chunkSQL, t handover.DataType, col string) []statement {
	q := fmt.Sprintf(`%s, m AS (UPDATE %s t SET %s = p.dst FROM p WHERE t.%s = p.src RETURNING p.pair_id, t.%s AS k, %s AS h)
%s SELECT ?, pair_id, ?, ?, count(*), 0, array_agg(k ORDER BY k), CAST(sum(h) AS BIGINT) FROM m GROUP BY pair_id`,
		c.with, t.Table, col, col, t.Key(), postgresDialect{}.rowFingerprint(t, "t", c.fp), journalInsert)
	return []statement{{sqlx.Rebind(sqlx.DOLLAR, q), []any{c.job, t.Table, col}}}
}

func (postgresDialect) overwrite(c chunkSQL, t handover.DataType) []statement {
	owner := t.Owners[0]
	q := fmt.Sprintf(`%s, d AS (DELETE FROM %s t USING p WHERE t.%s = p.dst
    AND EXISTS (SELECT 1 FROM %s s WHERE s.%s = p.src) RETURNING p.pair_id, %s),
a AS (INSERT INTO %s (job_id, pair_id, %s) SELECT ?, pair_id, %s FROM d)
%s SELECT ?, pair_id, ?, ?, 0, count(*), NULL, NULL FROM d GROUP BY pair_id`,
		c.with, t.Table, owner, t.Table, owner, columnList(t, "t."),
		archiveTable(t), columnList(t, ""), columnList(t, ""), journalInsert)
	return []statement{{sqlx.Rebind(sqlx.DOLLAR, q), []any{c.job, c.job, t.Table, overwriteMark}}}
}

func (d postgresDialect) moveBack(with string, t handover.DataType, col string, kind fingerprintKind) (string, bool) {
	return fmt.Sprintf(`%s, m AS (UPDATE %s t SET %s = e.src FROM e WHERE t.%s = e.k AND t.%s = e.dst RETURNING e.pair_id, %s AS h)
SELECT pair_id, count(*) AS n, CAST(COALESCE(sum(h), 0) AS BIGINT) AS fp FROM m GROUP BY pair_id`,
		with, t.Table, col, t.Key(), col, d.rowFingerprint(t, "t", kind)), false
}

// rowFingerprint hashes the row with hash_record, which hashes each column
// with its type's hash function (those hash partitioning relies on), or,
// for jobs of the older kind, the row's text form with hashtext, which is
// why transactions fix TimeZone and DateStyle (see txSetup). Both give 32
// bits. A major PostgreSQL upgrade between a run and its undo that changed
// a hash would make undo refuse pairs as edited (never the reverse).
func (postgresDialect) rowFingerprint(t handover.DataType, alias string, kind fingerprintKind) string {
	if kind == fingerprintRecord {
		return "hash_record(ROW(" + fingerprinted(t, alias) + "))"
	}
	return "hashtext(CAST(ROW(" + fingerprinted(t, alias) + ") AS TEXT))"
}

// fingerprintKind is fingerprintRecord unless the server has no
// hash_record (before PostgreSQL 14) or a column the fingerprint covers
// has a type without a hash function (json, say, in a schema that differs
// from the bundled one). The probe hashes a row of NULLs of each data type's
// columns, which looks up every column type's hash function and reads no
// data.
func (postgresDialect) fingerprintKind(ctx context.Context, db sqlx.ExecerContext) (fingerprintKind, error) {
	probes := make([]string, len(handover.Catalog))
	for i, t := range handover.Catalog {
		probes[i] = fmt.Sprintf(`SELECT %s FROM %s t RIGHT JOIN (SELECT 1) one ON false`,
			postgresDialect{}.rowFingerprint(t, "t", fingerprintRecord), t.Table)
	}
	_, err := db.ExecContext(ctx, strings.Join(probes, " UNION ALL "))
	var pe *pq.Error
	switch {
	case errors.As(err, &pe) && pe.Code == "42883": // undefined_function
		return fingerprintText, nil
	case err != nil:
		return 0, fmt.Errorf("check the row fingerprint: %w", err)
	}
	return fingerprintRecord, nil
}

type sqliteDialect struct{}

// rowFingerprint calls handover_row_hash, the function the tool registers
// with SQLite (see fingerprint.go): SQLite's only kind.
func (sqliteDialect) rowFingerprint(t handover.DataType, alias string, _ fingerprintKind) string {
	return "handover_row_hash(" + fingerprinted(t, alias) + ")"
}

func (sqliteDialect) fingerprintKind(context.Context, sqlx.ExecerContext) (fingerprintKind, error) {
	return fingerprintText, nil
}

func (sqliteDialect) driver() string { return "sqlite" }
func (sqliteDialect) bulkCopy() bool { return false }

func (sqliteDialect) connString(path string) string {
	if strings.HasPrefix(path, "file:") {
		return path
	}
	return "file:" + path + "?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

func (sqliteDialect) configure(db *sql.DB) { db.SetMaxOpenConns(4) }

// txOptions is the default: every SQLite transaction begins IMMEDIATE
// (_txlock=immediate), so writers are serialised and each chunk already
// reads and writes one consistent database.
func (sqliteDialect) txOptions() *sql.TxOptions { return nil }

func (sqliteDialect) txSetup(context.Context, *sqlx.Tx) error    { return nil }
func (sqliteDialect) lockSchema(context.Context, *sqlx.Tx) error { return nil }

func (sqliteDialect) idsIn(col string) string { return col + " IN (SELECT value FROM json_each(?))" }

// keyRelation loads the keys into a temporary table, bound as integers many
// rows to an INSERT, and analyses it, so that the UPDATE reads each key once
// and looks its row up by primary key; src and dst come from the chunk's
// table. (One JSON argument read back with json_extract cost a fifth of an
// undo.)
func (sqliteDialect) keyRelation(pairs, keys []int64) ([]statement, string) {
	setup := []statement{
		{q: `CREATE TEMP TABLE IF NOT EXISTS handover_keys (pair_id INTEGER NOT NULL, k INTEGER NOT NULL)`},
		{q: `DELETE FROM temp.handover_keys`},
	}
	setup = append(setup, insertValues("temp.handover_keys (pair_id, k)", len(keys), func(i int) []any { return []any{pairs[i], keys[i]} })...)
	setup = append(setup, statement{q: `ANALYZE temp.handover_keys`})
	return setup, keysWithChunk("temp")
}

func (sqliteDialect) searchKey(col string) string { return "lower(" + col + ")" }
func (sqliteDialect) likeNoCase() string          { return "LIKE" } // ASCII case, like lower()

func (sqliteDialect) idsArg(ids []int64) any {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, id)
	}
	b.WriteByte(']')
	return b.String()
}

// insertValues returns the INSERTs of n rows into table (and its column
// list), every value bound, as many rows to a statement as SQLite's 32,766
// parameters allow; row(i) gives row i's values.
func insertValues(table string, n int, row func(i int) []any) []statement {
	if n == 0 {
		return nil
	}
	width := len(row(0))
	batch := 32766 / width
	var out []statement
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		args := make([]any, 0, width*(end-start))
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		out = append(out, statement{`INSERT INTO ` + table + ` VALUES ` + valueRows(width, end-start), args})
	}
	return out
}

// chunk loads the chunk's pairs into a temporary table, bound as integers
// (a JSON array read back with json_extract took 17 ms for 2,000 pairs),
// and analyses it: without statistics SQLite takes the chunk for as big as
// the data tables and scans whole owner indexes; with them it reads the
// chunk first and looks each pair's rows up by index.
func (sqliteDialect) chunk(pairs []chunkPair) ([]statement, chunkSQL) {
	// A split source has a pair per successor, so src (and, for a split
	// to one successor, dst) repeats; within one data type it does not.
	setup := []statement{
		{q: `CREATE TEMP TABLE IF NOT EXISTS handover_chunk (pair_id INTEGER PRIMARY KEY, src INTEGER NOT NULL, dst INTEGER NOT NULL, types INTEGER NOT NULL)`},
		{q: `CREATE INDEX IF NOT EXISTS temp.handover_chunk_src ON handover_chunk (src)`},
		{q: `CREATE INDEX IF NOT EXISTS temp.handover_chunk_dst ON handover_chunk (dst)`},
		{q: `DELETE FROM temp.handover_chunk`},
	}
	setup = append(setup, insertValues("temp.handover_chunk (pair_id, src, dst, types)", len(pairs), func(i int) []any {
		p := pairs[i]
		return []any{p.ID, p.From, p.To, p.Types.Mask()}
	})...)
	setup = append(setup, statement{q: `ANALYZE temp.handover_chunk`})
	return setup, chunkSQL{table: "temp.handover_chunk", with: chunkWith("temp.handover_chunk", "")}
}

func (sqliteDialect) move(c chunkSQL, t handover.DataType, col string) []statement {
	key := "t." + t.Key()
	if t.Key() == col { // the key itself changes: journal the new key
		key = "p.dst"
	}
	journal := fmt.Sprintf(`%s %s SELECT ?, p.pair_id, ?, ?, count(*), 0, json_group_array(%s), sum(%s) FROM %s t JOIN p ON t.%s = p.src GROUP BY p.pair_id`,
		c.with, journalInsert, key, sqliteDialect{}.rowFingerprint(t, "t", c.fp), t.Table, col)
	update := fmt.Sprintf(`%s UPDATE %s SET %s = p.dst FROM p WHERE %s.%s = p.src`, c.with, t.Table, col, t.Table, col)
	return []statement{{journal, []any{c.job, t.Table, col}}, {update, nil}}
}

// moveBack returns the moved rows themselves: SQLite's RETURNING cannot
// name e, the table the UPDATE joins.
func (d sqliteDialect) moveBack(with string, t handover.DataType, col string, kind fingerprintKind) (string, bool) {
	return fmt.Sprintf(`%s UPDATE %s SET %s = e.src FROM e WHERE %s.%s = e.k AND %s.%s = e.dst RETURNING %s.%s, %s`,
		with, t.Table, col, t.Table, t.Key(), t.Table, col, t.Table, t.Key(), d.rowFingerprint(t, t.Table, kind)), true
}

func (sqliteDialect) overwrite(c chunkSQL, t handover.DataType) []statement {
	owner := t.Owners[0]
	hasSource := fmt.Sprintf(`EXISTS (SELECT 1 FROM %s s WHERE s.%s = p.src)`, t.Table, owner)
	return []statement{
		{fmt.Sprintf(`%s INSERT INTO %s (job_id, pair_id, %s) SELECT ?, p.pair_id, %s FROM %s t JOIN p ON t.%s = p.dst WHERE %s`,
			c.with, archiveTable(t), columnList(t, ""), columnList(t, "t."), t.Table, owner, hasSource), []any{c.job}},
		{fmt.Sprintf(`%s %s SELECT ?, a.pair_id, ?, ?, 0, count(*), NULL, NULL FROM %s a JOIN p ON a.pair_id = p.pair_id GROUP BY a.pair_id`,
			c.with, journalInsert, archiveTable(t)), []any{c.job, t.Table, overwriteMark}},
		{fmt.Sprintf(`%s DELETE FROM %s WHERE %s IN (SELECT p.dst FROM p WHERE %s)`, c.with, t.Table, owner, hasSource), nil},
	}
}
