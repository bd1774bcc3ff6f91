package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jmoiron/sqlx"

	"handover"
	"handover/engine"
	"handover/sample"
)

// The helpers below drive the command in-process through Run, on a real
// database: an SQLite file in t.TempDir() always, and a throwaway PostgreSQL
// database when HANDOVER_TEST_PG names a server (e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable).

const testPGEnv = "HANDOVER_TEST_PG"

// testBackends lists the backends available to this run.
func testBackends() []string {
	if os.Getenv(testPGEnv) == "" {
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// forEachBackend runs fn as a parallel subtest per available backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range testBackends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// freshDSN returns the DSN of a new, empty database on backend, removed when
// the test ends: a file in t.TempDir(), or a PostgreSQL database with a
// random name.
func freshDSN(t testing.TB, backend string) string {
	t.Helper()
	if backend == "sqlite" {
		return filepath.Join(t.TempDir(), "handover.db")
	}
	admin := os.Getenv(testPGEnv)
	if admin == "" {
		t.Skip(testPGEnv + " is not set")
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "handover_e2e_" + hex.EncodeToString(b)
	pgAdminExec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { pgAdminExec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	if !strings.Contains(admin, "://") {
		return admin + " dbname=" + name
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", testPGEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// pgAdminExec runs one statement on the PostgreSQL server named by admin.
func pgAdminExec(t testing.TB, admin, q string) {
	t.Helper()
	db, err := sqlx.Open("postgres", admin)
	if err != nil {
		t.Fatalf("open %s: %v", testPGEnv, err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// cliResult is what one invocation of the command did.
type cliResult struct {
	args           []string
	code           int
	err            error
	stdout, stderr string
}

// String describes the invocation for failure messages.
func (r cliResult) String() string {
	return fmt.Sprintf("handover %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// cli runs the command in-process as main does: the error's message goes to
// stderr (unless the JSON log has it) and becomes the exit code; -h is not
// an error.
func cli(t *testing.T, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return cliContext(ctx, stdin, args...)
}

// cliContext is cli with the command's context: cancelling it is what a
// signal does.
func cliContext(ctx context.Context, stdin io.Reader, args ...string) cliResult {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	err := Run(ctx, args, stdin, &stdout, &stderr)
	code := exitCode(err, &stderr)
	return cliResult{args: args, code: code, err: err, stdout: stdout.String(), stderr: stderr.String()}
}

// mustCLI runs the command and fails the test unless it exits with want.
func mustCLI(t *testing.T, want int, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	r := cli(t, stdin, args...)
	if r.code != want {
		t.Fatalf("want exit %d, got:\n%s", want, r)
	}
	return r
}

// fixture is a database holding the deterministic demo tenant, with what
// the seed says about it.
type fixture struct {
	backend, dsn string
	dir          string // a scratch folder for the test's files
	info         sample.Info
}

// newFixture creates a fresh database on backend and fills it through the
// command: `init`, then `demo --data-only`.
func newFixture(t *testing.T, backend string, users int, seed int64) *fixture {
	t.Helper()
	f := &fixture{backend: backend, dsn: freshDSN(t, backend), dir: t.TempDir()}
	mustCLI(t, 0, nil, "init", "--db", f.dsn)
	r := mustCLI(t, 0, nil, "demo", "--data-only", "--users", strconv.Itoa(users), "--seed", strconv.FormatInt(seed, 10),
		"--db", f.dsn, "--dir", filepath.Join(f.dir, "demo"))
	f.info = seedInfo(t, users, seed)
	if want := fmt.Sprintf("tenant admin %d.", f.info.TenantAdmin); !strings.Contains(r.stdout, want) {
		t.Fatalf("demo output lacks %q:\n%s", want, r)
	}
	return f
}

// viewAdmin returns an admin of the tenant whose view leaves some active
// agents out. t may be nil inside table definitions; it panics then.
func (f *fixture) viewAdmin(t *testing.T) sample.Admin {
	for _, ad := range f.info.Admins {
		if len(ad.OutOfView) > 0 && len(ad.InView) > 0 {
			return ad
		}
	}
	if t != nil {
		t.Fatalf("no admin with agents in and out of view: %+v", f.info.Admins)
	}
	panic("no admin with agents in and out of view")
}

// path returns a file name in the fixture's scratch folder.
func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// withDB adds --db and, unless args name one, --as the tenant admin. They go
// after the other arguments, as flags may.
func (f *fixture) withDB(args []string) []string {
	args = append(slices.Clone(args), "--db", f.dsn)
	if !slices.Contains(args, "--as") {
		args = append(args, "--as", itoa(f.info.TenantAdmin))
	}
	return args
}

// cli runs the command on the fixture's database.
func (f *fixture) cli(t *testing.T, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	return cli(t, stdin, f.withDB(args)...)
}

// mustCLI runs the command on the fixture's database and wants exit code want.
func (f *fixture) mustCLI(t *testing.T, want int, args ...string) cliResult {
	t.Helper()
	return mustCLI(t, want, nil, f.withDB(args)...)
}

var seedInfos sync.Map // "users/seed" → sample.Info

// seedInfo returns what sample.Build says about the tenant it builds from
// these options. Build is deterministic, so it is asked once, on a throwaway
// SQLite file, rather than reconstructed from the database under test.
func seedInfo(t *testing.T, users int, seed int64) sample.Info {
	t.Helper()
	key := fmt.Sprintf("%d/%d", users, seed)
	if v, ok := seedInfos.Load(key); ok {
		return v.(sample.Info)
	}
	ctx := context.Background()
	db, err := engine.Open(ctx, filepath.Join(t.TempDir(), "info.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	info, err := sample.Build(ctx, db, sample.Options{Users: users, Seed: seed})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	seedInfos.Store(key, info)
	return info
}

// open connects to the fixture's database for inspection.
func (f *fixture) open(t *testing.T) *sqlx.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), f.dsn)
	if err != nil {
		t.Fatalf("open %s: %v", f.dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db.SQL()
}

// user returns one user's name and whether they are active.
func (f *fixture) user(t *testing.T, id int64) (name string, active bool) {
	t.Helper()
	var u struct {
		Name   string `db:"name"`
		Active bool   `db:"active"`
	}
	db := f.open(t)
	if err := db.Get(&u, db.Rebind(`SELECT name, active FROM users WHERE id = ?`), id); err != nil {
		t.Fatalf("user %d: %v", id, err)
	}
	return u.Name, u.Active
}

// name returns one user's name.
func (f *fixture) name(t *testing.T, id int64) string {
	t.Helper()
	n, _ := f.user(t, id)
	return n
}

// dump renders every table of the database — directory, data, ledger,
// journal and schema tables alike — as its rows (all columns, as text),
// sorted, plus the state of PostgreSQL sequences, so that two dumps are
// equal exactly when nothing was written.
func (f *fixture) dump(t *testing.T) map[string][]string {
	t.Helper()
	db := f.open(t)
	var tables []string
	q := `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`
	if f.backend == "sqlite" {
		q = `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	if err := db.Select(&tables, q); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(tables) < 20 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	out := make(map[string][]string, len(tables)+1)
	for _, table := range tables {
		expr := "t::text"
		if f.backend == "sqlite" {
			var cols []string
			if err := db.Select(&cols, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table); err != nil {
				t.Fatalf("columns of %s: %v", table, err)
			}
			expr = "quote(" + strings.Join(cols, ") || ',' || quote(") + ")"
		}
		var rows []string
		if err := db.Select(&rows, `SELECT `+expr+` FROM `+table+` t`); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		sort.Strings(rows)
		out[table] = rows
	}
	if f.backend == "postgres" {
		var seqs []string
		if err := db.Select(&seqs, `SELECT sequencename || '=' || COALESCE(last_value::text, 'unused') FROM pg_sequences ORDER BY 1`); err != nil {
			t.Fatalf("dump sequences: %v", err)
		}
		out["(sequences)"] = seqs
	}
	return out
}

// ownership maps "table.column" → user → the identities of the rows whose
// column holds the user, sorted. A row's identity is its key, or, where the
// key is the owner itself (vacation_balances), its other columns. Users
// owning nothing are absent.
type ownership map[string]map[int64][]string

// rowIdentity is the SQL expression that tells a data type's rows apart
// across a handover.
func rowIdentity(dt handover.DataType) string {
	if !slices.Contains(dt.Owners, dt.Key()) {
		return "CAST(" + dt.Key() + " AS TEXT)"
	}
	var parts []string
	for _, c := range dt.Columns {
		if !slices.Contains(dt.Owners, c) {
			parts = append(parts, "COALESCE(CAST("+c+" AS TEXT), 'NULL')")
		}
	}
	return strings.Join(parts, " || '|' || ")
}

// owners reads who owns every row of every data type.
func (f *fixture) owners(t *testing.T) ownership {
	t.Helper()
	db := f.open(t)
	out := ownership{}
	for _, dt := range handover.Catalog {
		for _, col := range dt.Owners {
			var rows []struct {
				Key   string `db:"k"`
				Owner int64  `db:"o"`
			}
			q := fmt.Sprintf(`SELECT %s AS k, %s AS o FROM %s WHERE %s IS NOT NULL`, rowIdentity(dt), col, dt.Table, col)
			if err := db.Select(&rows, q); err != nil {
				t.Fatalf("owners of %s.%s: %v", dt.Table, col, err)
			}
			m := map[int64][]string{}
			for _, r := range rows {
				m[r.Owner] = append(m[r.Owner], r.Key)
			}
			for _, keys := range m {
				slices.Sort(keys)
			}
			out[dt.Table+"."+col] = m
		}
	}
	return out
}

// clone returns a deep copy.
func (o ownership) clone() ownership {
	out := make(ownership, len(o))
	for k, m := range o {
		c := make(map[int64][]string, len(m))
		for u, keys := range m {
			c[u] = slices.Clone(keys)
		}
		out[k] = c
	}
	return out
}

// predict returns the moves the README promises for handing from's data
// over to to, in catalog order, leaving out types with nothing to do: Rows
// counts each owner column once per row it changes, Overwritten the
// target's rows of an overwrite type when the source has some.
func (o ownership) predict(from, to int64) []handover.Move {
	out := []handover.Move{}
	for _, dt := range handover.Catalog {
		m := handover.Move{Type: dt.Table, Mode: dt.Mode}
		for _, col := range dt.Owners {
			m.Rows += int64(len(o[dt.Table+"."+col][from]))
		}
		if dt.Mode == handover.Overwrite && m.Rows > 0 {
			m.Overwritten = int64(len(o[dt.Table+"."+dt.Owners[0]][to]))
		}
		if m.Rows > 0 || m.Overwritten > 0 {
			out = append(out, m)
		}
	}
	return out
}

// apply returns the ownership the README promises after the pairs ran on o:
// combine gives the target the union, overwrite gives the target the
// source's rows when it has any; the source owns nothing transferred.
func (o ownership) apply(pairs []handover.Pair) ownership {
	out := o.clone()
	for _, p := range pairs {
		for _, dt := range handover.Catalog {
			if dt.Mode == handover.Overwrite {
				k := dt.Table + "." + dt.Owners[0]
				if src := o[k][p.From]; len(src) > 0 {
					out[k][p.To] = slices.Clone(src)
					delete(out[k], p.From)
				}
				continue
			}
			for _, col := range dt.Owners {
				k := dt.Table + "." + col
				if src := o[k][p.From]; len(src) > 0 {
					merged := append(slices.Clone(out[k][p.To]), src...)
					slices.Sort(merged)
					out[k][p.To] = merged
					delete(out[k], p.From)
				}
			}
		}
	}
	return out
}

// total counts a data type's rows.
func (o ownership) total(table string) int {
	dt, _ := handover.LookupType(table)
	n := 0
	for _, keys := range o[table+"."+dt.Owners[0]] {
		n += len(keys)
	}
	return n
}

// sheet is a CSV file read into memory, as a spreadsheet holds it.
type sheet struct {
	header []string
	rows   [][]string
}

// readSheet reads a CSV file the tool wrote (UTF-8 with BOM).
func readSheet(t *testing.T, path string) *sheet {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Errorf("%s does not start with a UTF-8 BOM", path)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("read %s: %d records, %v", path, len(recs), err)
	}
	return &sheet{header: recs[0], rows: recs[1:]}
}

// col returns the index of a header cell.
func (s *sheet) col(t *testing.T, name string) int {
	t.Helper()
	i := slices.Index(s.header, name)
	if i < 0 {
		t.Fatalf("no %q column in %q", name, s.header)
	}
	return i
}

// row returns the spreadsheet row number (header = 1) of the row whose From
// User ID is id, and its cells.
func (s *sheet) row(t *testing.T, id int64) (int, []string) {
	t.Helper()
	from := s.col(t, "From User ID")
	for i, r := range s.rows {
		if r[from] == itoa(id) {
			return i + 2, r
		}
	}
	t.Fatalf("no row for user %d", id)
	return 0, nil
}

// setTo types to into the To User ID cell of from's row and returns the
// row number.
func (s *sheet) setTo(t *testing.T, from int64, to string) int {
	t.Helper()
	n, r := s.row(t, from)
	r[s.col(t, "To User ID")] = to
	return n
}

// write saves the sheet as a spreadsheet program would: UTF-8 with BOM.
func (s *sheet) write(t *testing.T, path string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.Write(s.header)
	w.WriteAll(s.rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeFile writes a small upload.
func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The JSON documents of the README, for decoding output.
type (
	previewDoc struct {
		Pairs      int          `json:"pairs"`
		OK         int          `json:"ok"`
		Warnings   int          `json:"warnings"`
		Errors     int          `json:"errors"`
		FileErrors []issueDoc   `json:"file_errors"`
		Rows       []previewRow `json:"rows"`
	}
	previewRow struct {
		Row      int             `json:"row"`
		From     *int64          `json:"from"`
		FromName string          `json:"from_name"`
		To       *int64          `json:"to"`
		ToName   string          `json:"to_name"`
		Status   string          `json:"status"`
		Issues   []issueDoc      `json:"issues"`
		Moves    []handover.Move `json:"moves"`
		Stays    []handover.Stay `json:"stays"`
	}
	issueDoc struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	resultDoc struct {
		Job    int64  `json:"job"`
		Pairs  int    `json:"pairs"`
		Done   int    `json:"done"`
		Failed int    `json:"failed"`
		Audit  string `json:"audit"`
	}
	showDoc struct {
		Job   map[string]any `json:"job"`
		Pairs []struct {
			Row    int             `json:"row"`
			From   int64           `json:"from"`
			To     int64           `json:"to"`
			Status string          `json:"status"`
			Moves  []handover.Move `json:"moves"`
		} `json:"pairs"`
	}
)

// codes returns the issue codes of a row, in order.
func (r previewRow) codes() []string {
	out := []string{}
	for _, i := range r.Issues {
		out = append(out, i.Code)
	}
	return out
}

// decodePreview checks that out is exactly one JSON object with the fields
// of the README at every level — no more, no fewer — and decodes it.
func decodePreview(t *testing.T, out string) previewDoc {
	t.Helper()
	checkKeys(t, "preview", []byte(out), "pairs", "ok", "warnings", "errors", "file_errors", "rows")
	var top struct {
		FileErrors []json.RawMessage `json:"file_errors"`
		Rows       []json.RawMessage `json:"rows"`
	}
	mustDecode(t, out, &top)
	for _, fe := range top.FileErrors {
		checkKeys(t, "file_errors[]", fe, "code", "message")
	}
	for _, r := range top.Rows {
		checkKeys(t, "rows[]", r, "row", "from", "from_name", "to", "to_name", "status", "issues", "moves", "stays")
		var lists struct {
			Issues []json.RawMessage `json:"issues"`
			Moves  []json.RawMessage `json:"moves"`
			Stays  []json.RawMessage `json:"stays"`
		}
		mustDecode(t, string(r), &lists)
		for _, is := range lists.Issues {
			checkKeys(t, "rows[].issues[]", is, "code", "message")
		}
		for _, m := range lists.Moves {
			checkKeys(t, "rows[].moves[]", m, "type", "mode", "rows", "overwritten")
		}
		for _, s := range lists.Stays {
			checkKeys(t, "rows[].stays[]", s, "type", "rows")
		}
	}
	var doc previewDoc
	mustDecode(t, out, &doc)
	if doc.FileErrors == nil || doc.Rows == nil {
		t.Errorf("file_errors and rows must be arrays, never null:\n%s", out)
	}
	for _, r := range doc.Rows {
		if r.Issues == nil || r.Moves == nil || r.Stays == nil {
			t.Errorf("row %d: issues, moves and stays must be arrays, never null", r.Row)
		}
		for _, is := range r.Issues {
			if is.Code == "" || strings.TrimSpace(is.Message) == "" {
				t.Errorf("row %d: issue %+v lacks a code or a message", r.Row, is)
			}
		}
	}
	return doc
}

// checkKeys fails unless doc is a JSON object with exactly the keys want.
func checkKeys(t *testing.T, what string, doc []byte, want ...string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("%s is not a JSON object: %v\n%s", what, err, doc)
	}
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s keys (-want +got):\n%s", what, d)
	}
}

// mustDecode decodes exactly one JSON value from out.
func mustDecode(t *testing.T, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%s", out)
	}
}

// showMoves returns `show JOB --format json`'s moves per spreadsheet row,
// and each row's pair status.
func (f *fixture) showMoves(t *testing.T, job int64) (map[int][]handover.Move, map[int]string) {
	t.Helper()
	r := f.mustCLI(t, 0, "show", strconv.FormatInt(job, 10), "--format", "json")
	var doc showDoc
	mustDecode(t, r.stdout, &doc)
	moves, status := map[int][]handover.Move{}, map[int]string{}
	for _, p := range doc.Pairs {
		moves[p.Row], status[p.Row] = p.Moves, p.Status
	}
	return moves, status
}

// fileMode returns the permission bits of a file.
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}
