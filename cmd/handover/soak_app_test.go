package main

// The soak test's application (a goroutine changing the pool users' rows
// the way the real application would, concurrently with the jobs) and the
// reads by which the driver observes the database between steps.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
	"handover/engine"
)

// soakApp is the application: each change is its own short transaction on
// its own connection, and is recorded once committed. It inserts, edits and
// deletes rows of every type for the users of half the pool (busy); for the
// other half it only inserts rows of combine types, which undo does not
// mind, so that undo often finds those pairs unchanged and must restore them.
type soakApp struct {
	db    *sqlx.DB
	rng   *rand.Rand
	users []int64 // the pool's users
	busy  map[int64]bool
	known [][]int64 // per data type: the rows of busy users it may edit or delete
	pause *sync.RWMutex
	ops   []soakAppOp // committed since the last drain; guarded by pause
	n     int64       // changes tried: makes keys, tags and values unique
	// While commands run (running), it mostly inserts rows of overwrite
	// types for the sources of the pairs a job is about to commit (upcoming,
	// read from the ledger every few changes): the races are there.
	running    atomic.Bool
	upcoming   []int64
	stop, done chan struct{}
}

// soakEdits names the column the application edits, per data type: one
// that owns nothing and whose every edit is a new value.
var soakEdits = map[string]string{"contacts": "recording_uri", "evaluations": "score", "evaluation_comments": "body",
	"contact_goals": "metric", "storage_files": "path", "audit_events": "detail", "requests": "status",
	"request_comments": "body", "saved_views": "definition", "schedules": "pattern", "skill_mappings": "proficiency",
	"vacation_balances": "updated_at", "work_shifts": "activity", "productivity": "handled"}

func startSoakApp(t *testing.T, d *jobTenant, pause *sync.RWMutex, rng *rand.Rand, users []int64, busy map[int64]bool, rows map[soakCell]int64) *soakApp {
	db, err := engine.Open(context.Background(), d.direct)
	if err != nil {
		t.Fatal(err)
	}
	db.SQL().SetMaxOpenConns(1)
	a := &soakApp{db: db.SQL(), rng: rng, users: users, busy: busy, known: make([][]int64, len(handover.Catalog)), pause: pause,
		stop: make(chan struct{}), done: make(chan struct{})}
	for _, cell := range soakSortedCells(rows) {
		if busy[rows[cell]] && !slices.Contains(a.known[cell.typ], cell.id) {
			a.known[cell.typ] = append(a.known[cell.typ], cell.id)
		}
	}
	t.Cleanup(func() { a.halt(); db.Close() })
	go a.loop()
	return a
}

func (a *soakApp) loop() {
	defer close(a.done)
	for {
		select {
		case <-a.stop:
			return
		default:
		}
		a.pause.RLock()
		if op, ok := a.change(); ok {
			a.ops = append(a.ops, op)
		}
		a.pause.RUnlock()
		pace := 4000 // the application's pace, drawn from the seed: faster while jobs run
		if a.running.Load() {
			pace = 1000
		}
		time.Sleep(time.Duration(a.rng.IntN(pace)) * time.Microsecond)
	}
}

// halt stops the application and waits for its last change.
func (a *soakApp) halt() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
}

// drain returns the changes committed since the last drain; the caller
// holds pause.
func (a *soakApp) drain() []soakAppOp {
	ops := a.ops
	a.ops = nil
	return ops
}

// change makes one random change: an insert, an edit or a delete.
func (a *soakApp) change() (soakAppOp, bool) {
	a.n++
	ti, owner, r := a.rng.IntN(len(handover.Catalog)), a.users[a.rng.IntN(len(a.users))], a.rng.IntN(100)
	var overwrite []int
	for i, t := range handover.Catalog {
		if t.Mode == handover.Overwrite {
			overwrite = append(overwrite, i)
		}
	}
	if srcs := a.sources(); len(srcs) > 0 && a.rng.IntN(10) < 7 {
		ti, owner, r = overwrite[a.rng.IntN(len(overwrite))], srcs[a.rng.IntN(len(srcs))], 0
	}
	t := handover.Catalog[ti]
	if r < 45 && (a.busy[owner] || t.Mode == handover.Combine) {
		return a.insert(ti, owner)
	}
	if r < 45 {
		return soakAppOp{}, false
	}
	if len(a.known[ti]) == 0 {
		return soakAppOp{}, false
	}
	k := a.rng.IntN(len(a.known[ti]))
	row := soakRow{ti, a.known[ti][k]}
	where, key := soakIdentity(t)+" = ?", any(row.id)
	if t.Table == "vacation_balances" {
		where, key = "days_remaining = ?", soakTag(row.id)
	}
	if r < 80 {
		q := fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s`, t.Table, soakEdits[t.Table], where)
		return soakAppOp{Kind: 'u', Row: row}, a.commit(q, soakValue(soakEdits[t.Table], a.n), key)
	}
	if !a.commit(fmt.Sprintf(`DELETE FROM %s WHERE %s`, t.Table, where), key) {
		return soakAppOp{}, false
	}
	a.known[ti] = slices.Delete(a.known[ti], k, k+1)
	return soakAppOp{Kind: 'd', Row: row}, true
}

// sources returns, while commands run, the busy sources of the first pairs
// still pending in a running run job: those of the chunk in progress.
func (a *soakApp) sources() []int64 {
	if !a.running.Load() {
		return nil
	}
	if a.n%4 == 0 {
		a.upcoming = a.upcoming[:0]
		_ = a.db.Select(&a.upcoming, `SELECT p.from_id FROM handover_pairs p JOIN handover_jobs j ON j.id = p.job_id
WHERE j.status = 'running' AND j.kind = 'run' AND p.status = 'pending' ORDER BY p.id LIMIT 5`)
		a.upcoming = slices.DeleteFunc(a.upcoming, func(u int64) bool { return !a.busy[u] })
	}
	return a.upcoming
}

// insert adds a row of type ti owned by owner (an evaluation's approver is
// another pool user or nobody).
func (a *soakApp) insert(ti int, owner int64) (soakAppOp, bool) {
	t := handover.Catalog[ti]
	row := soakRow{ti, 7_000_000_000 + a.n}
	if t.Table == "vacation_balances" {
		row.id = 500_000 + a.n%500_000
	}
	owners := make([]int64, len(t.Owners))
	owners[0] = owner
	if len(owners) > 1 && a.rng.IntN(2) == 0 {
		owners[1] = a.users[a.rng.IntN(len(a.users))]
	}
	args := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		switch o := slices.Index(t.Owners, c); {
		case o >= 0 && owners[o] != 0:
			args[i] = owners[o]
		case o >= 0:
			args[i] = nil
		case i == 0:
			args[i] = row.id
		case c == "days_remaining":
			args[i] = soakTag(row.id)
		default:
			args[i] = soakValue(c, a.n)
		}
	}
	q := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, t.Table, strings.Join(t.Columns, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", "))
	if !a.commit(q, args...) {
		return soakAppOp{}, false
	}
	if a.busy[owner] {
		a.known[ti] = append(a.known[ti], row.id)
	}
	return soakAppOp{Kind: 'i', Row: row, Owners: owners}, true
}

// soakValue is a value for a column of an inserted or edited row, new for
// every n where the application edits the column.
func soakValue(col string, n int64) any {
	switch col {
	case "tenant_id":
		return 1
	case "contact_id", "evaluation_id", "request_id":
		return nil
	case "score":
		return soakTag(50_000 + n%50_000) // 500.00 and up: never a seeded score
	case "target_value":
		return "1.00"
	case "duration_seconds", "size_bytes", "aht_seconds":
		return 60
	case "proficiency", "handled":
		return 100_000_000 + n
	case "skill_id":
		return 1_000_000 + n
	case "started_at", "created_at", "starts_at":
		return "2026-03-01T09:00:00Z"
	case "ends_at":
		return "2026-03-01T17:00:00Z"
	case "updated_at":
		return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second).Format(time.RFC3339)
	case "starts_on", "ends_on", "day":
		return "2026-03-01"
	}
	return fmt.Sprintf("soak application %d", n)
}

// commit runs one statement changing one row in its own transaction and
// reports whether it committed. A row another user already has (a second
// schedule), a row gone (deleted, or archived by an overwrite) and a lock
// timeout are refusals, as the real application meets them.
func (a *soakApp) commit(q string, args ...any) bool {
	tx, err := a.db.Beginx()
	if err != nil {
		return false
	}
	defer tx.Rollback()
	res, err := tx.Exec(a.db.Rebind(q), args...)
	if err != nil {
		return false
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false
	}
	return tx.Commit() == nil
}

// tagVacations gives every vacation balance a distinct days_remaining, by
// which the test tells the rows apart: their key is their owner.
func (s *soakDriver) tagVacations() {
	var users []int64
	if err := s.d.sql().Select(&users, `SELECT user_id FROM vacation_balances ORDER BY user_id`); err != nil {
		s.t.Fatal(err)
	}
	for i, u := range users {
		s.d.exec(`UPDATE vacation_balances SET days_remaining = ? WHERE user_id = ?`, soakTag(100_000+int64(i)), u)
	}
}

// soakTag renders a vacation balance's tag (hundredths) as days_remaining.
func soakTag(n int64) string { return fmt.Sprintf("%d.%02d", n/100, n%100) }

// soakIdentity is the SQL expression for a row's identity (see soakRow).
func soakIdentity(t handover.DataType) string {
	if t.Table == "vacation_balances" {
		return "CAST(ROUND(days_remaining * 100) AS BIGINT)"
	}
	return t.Key()
}

// observe reads who owns every row of the pool's users, and the ledger.
func (s *soakDriver) observe() soakObs {
	db := s.d.sql()
	o := soakObs{owners: map[soakCell]int64{}, pairs: map[int64]soakPair{}, jobs: map[int64]soakJob{}}
	for ti, t := range handover.Catalog {
		for ci, col := range t.Owners {
			var rows []struct {
				ID    int64 `db:"id"`
				Owner int64 `db:"owner"`
			}
			q := fmt.Sprintf(`SELECT %s AS id, %s AS owner FROM %s WHERE %s IN %s`, soakIdentity(t), col, t.Table, col, s.users)
			s.must(db.Select(&rows, q), q)
			for _, r := range rows {
				o.owners[soakCell{soakRow{ti, r.ID}, ci}] = r.Owner
			}
		}
	}
	var pairs []soakPair
	s.must(db.Select(&pairs, `SELECT id, job_id, from_id, to_id, status, COALESCE(undo_of, 0) AS undo_of, types FROM handover_pairs`), "read pairs")
	for _, p := range pairs {
		o.pairs[p.ID] = p
	}
	var jobs []soakJob
	s.must(db.Select(&jobs, `SELECT id, kind, status, COALESCE(undo_of, 0) AS undo_of, file_name,
 pruned_at IS NOT NULL AS pruned, finished_at IS NOT NULL AS finished FROM handover_jobs`), "read jobs")
	for _, j := range jobs {
		o.jobs[j.ID] = j
	}
	return o
}

// ledgers reads the journals and archives of the pairs where selects
// (every pair for "").
func (s *soakDriver) ledgers(where string) map[int64]*soakLedger {
	db, out := s.d.sql(), map[int64]*soakLedger{}
	ids := "ids"
	if s.h.Backend == "postgres" {
		ids = "CAST(array_to_json(ids) AS TEXT)"
	}
	var rows []struct {
		Pair        int64   `db:"pair_id"`
		Type        string  `db:"data_type"`
		Col         string  `db:"owner_column"`
		Moved       int64   `db:"moved"`
		Overwritten int64   `db:"overwritten"`
		IDs         *string `db:"ids"`
	}
	q := `SELECT pair_id, data_type, owner_column, moved, overwritten, ` + ids + ` AS ids FROM handover_moves ` + where
	s.must(db.Select(&rows, q), q)
	ledger := func(pair int64) *soakLedger {
		if out[pair] == nil {
			out[pair] = newSoakLedger()
		}
		return out[pair]
	}
	for _, r := range rows {
		ti := slices.IndexFunc(handover.Catalog, func(t handover.DataType) bool { return t.Table == r.Type })
		l := ledger(r.Pair)
		if ti < 0 { // a deactivated source
			continue
		}
		if r.Col == "" {
			l.Overwritten[ti] += r.Overwritten
			continue
		}
		k := soakKind{ti, slices.Index(handover.Catalog[ti].Owners, r.Col)}
		l.Moved[k] += r.Moved
		if r.IDs == nil {
			continue
		}
		var keys []int64
		s.must(json.Unmarshal([]byte(*r.IDs), &keys), "journal ids "+*r.IDs)
		l.IDs[k] = append(l.IDs[k], keys...)
	}
	for pair, rows := range s.archiveRows(where) {
		for _, r := range rows {
			ledger(pair).Archived[r.typ] = append(ledger(pair).Archived[r.typ], r.id)
		}
	}
	return out
}

// archiveRows reads the archives of overwritten rows, per pair.
func (s *soakDriver) archiveRows(where string) map[int64][]soakRow {
	out := map[int64][]soakRow{}
	for ti, t := range handover.Catalog {
		if t.Mode != handover.Overwrite {
			continue
		}
		var rows []struct {
			Pair int64 `db:"pair_id"`
			ID   int64 `db:"id"`
		}
		q := fmt.Sprintf(`SELECT pair_id, %s AS id FROM handover_archive_%s %s`, soakIdentity(t), t.Table, where)
		s.must(s.d.sql().Select(&rows, q), q)
		for _, r := range rows {
			out[r.Pair] = append(out[r.Pair], soakRow{ti, r.ID})
		}
	}
	return out
}

// archived returns the pairs under which each row is archived.
func (s *soakDriver) archived() map[soakRow][]int64 {
	out := map[soakRow][]int64{}
	for pair, rows := range s.archiveRows("") {
		for _, r := range rows {
			out[r] = append(out[r], pair)
		}
	}
	return out
}

// liveRows counts every row of every data table, of any user.
func (s *soakDriver) liveRows() map[soakRow]int {
	out := map[soakRow]int{}
	for ti, t := range handover.Catalog {
		var ids []int64
		q := fmt.Sprintf(`SELECT %s FROM %s`, soakIdentity(t), t.Table)
		s.must(s.d.sql().Select(&ids, q), q)
		for _, id := range ids {
			out[soakRow{ti, id}]++
		}
	}
	return out
}
