package main

// The soak test's model (soak_test.go drives it): the history the driver
// records — what it observed between steps, when no job process was alive
// and the application was paused — and soakCheck, which checks the
// invariants of the README against that history alone: step by step here,
// the end state in soak_final_test.go.
//
// The driver runs concurrent commands only on disjoint pairs of its pool,
// and every user is in one pool pair, so between two observations at most
// one pair record commits for each pool pair: every change of a row's owner
// is explained by that one commit, or by the application inserting or
// deleting the row, or it is a violation.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"handover"
)

// soakRow identifies a row of a data type: the type's index in
// handover.Catalog and the row's key, or for vacation_balances (keyed by its
// owner, which a handover changes) the tag the test keeps in days_remaining.
// A negative id is a journaled row the driver could not identify.
type soakRow struct {
	typ int
	id  int64
}

func (r soakRow) String() string {
	return fmt.Sprintf("%s row %d", handover.Catalog[r.typ].Table, r.id)
}

// soakCell is one owner column of a row.
type soakCell struct {
	soakRow
	col int // index in the type's Owners
}

func (c soakCell) String() string {
	t := handover.Catalog[c.typ]
	if len(t.Owners) == 1 {
		return c.soakRow.String()
	}
	return fmt.Sprintf("%s (%s)", c.soakRow, t.Owners[c.col])
}

// soakKind is an owner column of a data type: {type, column} indexes.
type soakKind [2]int

// soakPair is a pair record of the ledger.
type soakPair struct {
	ID     int64  `db:"id"`
	Job    int64  `db:"job_id"`
	From   int64  `db:"from_id"`
	To     int64  `db:"to_id"`
	Status string `db:"status"`
	UndoOf int64  `db:"undo_of"` // for an undo pair: the run pair it restores
	Types  string `db:"types"`   // the data types it hands over, as the ledger keeps them ("": every type)
}

func (p soakPair) String() string {
	if p.UndoOf != 0 {
		return fmt.Sprintf("undo pair %d (job %d) of pair %d", p.ID, p.Job, p.UndoOf)
	}
	return fmt.Sprintf("pair %d (job %d, %d → %d)", p.ID, p.Job, p.From, p.To)
}

// soakJob is a job record of the ledger.
type soakJob struct {
	ID       int64  `db:"id"`
	Kind     string `db:"kind"`
	Status   string `db:"status"`
	UndoOf   int64  `db:"undo_of"`
	File     string `db:"file_name"`
	Pruned   bool   `db:"pruned"`
	Finished bool   `db:"finished"`
}

// soakLedger is one pair's journal: what it moved per owner column (the
// identities, when the journal holds them) and what it overwrote.
type soakLedger struct {
	Moved       map[soakKind]int64
	IDs         map[soakKind][]int64
	Overwritten map[int]int64   // type → rows overwritten
	Archived    map[int][]int64 // type → identities in the pair's archive
}

func newSoakLedger() *soakLedger {
	return &soakLedger{Moved: map[soakKind]int64{}, IDs: map[soakKind][]int64{}, Overwritten: map[int]int64{}, Archived: map[int][]int64{}}
}

// soakAppOp is one change the application committed.
type soakAppOp struct {
	Kind   byte // 'i' insert, 'u' update of a column that owns nothing, 'd' delete
	Row    soakRow
	Owners []int64 // for an insert: the owner of each owner column, 0 for none
}

// soakCmd is one command a step ran and how it ended.
type soakCmd struct {
	Args   []string
	Chunk  int
	Kill   time.Duration // when the driver meant to SIGKILL it; 0 for never
	Killed bool
	Code   int
	Took   time.Duration
	Job    int64  // the job it ran or created, 0 for none
	Err    string // the last line of stderr
	Proc   string // its application_name on PostgreSQL
}

// soakStep is what one step ran and what the observation after it found.
type soakStep struct {
	Cmds    []soakCmd
	Aged    []int64            // jobs whose finished_at the test moved back first
	Owners  map[soakCell]int64 // owners that changed since the last observation; 0: no longer in its table
	Pairs   []soakPair         // pair records new or changed
	Jobs    []soakJob          // job records new or changed
	Ledgers map[int64]*soakLedger
	App     []soakAppOp // what the application committed during the step
	Listed  []jobJSON   // `jobs --format json` right after the step, when it killed a process
}

// soakHistory is everything the driver observed.
type soakHistory struct {
	Seed    uint64
	Backend string
	Pool    []handover.Pair
	Initial map[soakCell]int64 // the owner of every row of a pool user at the start
	Rows    map[soakRow]bool   // every data row at the start, of any user
	Steps   []soakStep
	Final   soakFinal
}

// soakFinal is the state at the end, every job finished.
type soakFinal struct {
	Live    map[soakRow]int       // how many times each row is in its table
	Archive map[soakRow][]int64   // the pairs under which each row is archived
	Ledgers map[int64]*soakLedger // every pair's journal (pruned ones without ids)
	Listed  []jobJSON             // `jobs --format json`
}

// soakViolation is one broken invariant (1 to 5, as numbered in the test's
// documentation), found in a step (-1: at the end).
type soakViolation struct {
	Inv  int
	Step int
	Msg  string
}

// soakChecker replays a history.
type soakChecker struct {
	h     *soakHistory
	out   []soakViolation
	step  int
	owner map[soakCell]int64          // the owners observed before the current step
	cells map[int64]map[soakCell]bool // user → cells they own
	pairs map[int64]soakPair
	jobs  map[int64]soakJob

	ledgers  map[int64]*soakLedger // as read right after each pair committed
	doneAt   map[int64]int         // pair → the step in which it committed
	undos    map[int64][]int64     // run pair → the undo pairs that restored it
	before   map[int64]soakBefore  // run pair → what its users owned just before it
	movers   map[soakCell][]int64  // cell → the run pairs that journaled it, in order
	archiver map[soakRow][]int64   // row → the run pairs that archived it, in order
	created  map[soakRow]int       // row → the step in which the application inserted it
	deleted  map[soakRow]int
	edited   map[soakRow][]int
	pool     map[int64]int // user → index of their pool pair
	listed   map[int64]bool

	// the step being replayed
	made  map[soakCell]int64 // cells the application inserted, with their owner
	gone  map[soakRow]bool   // rows the application deleted
	fine  map[soakCell]bool  // owner changes the step's commits explain
	moved map[int]soakPair   // pool pair → the record that committed
}

// soakBefore is what a run pair's users owned in the observation before it
// committed (rows the application deleted during that step left out).
type soakBefore struct {
	src []soakCell         // the source's cells
	dst map[int][]soakCell // overwrite type → the target's cells
}

// soakCheck checks the invariants against h and returns what it found.
func soakCheck(h *soakHistory) []soakViolation {
	c := &soakChecker{h: h, owner: map[soakCell]int64{}, cells: map[int64]map[soakCell]bool{},
		pairs: map[int64]soakPair{}, jobs: map[int64]soakJob{}, ledgers: map[int64]*soakLedger{}, doneAt: map[int64]int{},
		undos: map[int64][]int64{}, before: map[int64]soakBefore{}, movers: map[soakCell][]int64{},
		archiver: map[soakRow][]int64{}, created: map[soakRow]int{}, deleted: map[soakRow]int{}, edited: map[soakRow][]int{},
		pool: map[int64]int{}, listed: map[int64]bool{}}
	for i, p := range h.Pool {
		c.pool[p.From], c.pool[p.To] = i, i
	}
	for cell, o := range h.Initial {
		c.setOwner(cell, o)
	}
	for i := range h.Steps {
		c.replay(i)
	}
	c.step = -1
	c.final()
	return c.out
}

func (c *soakChecker) fail(inv int, format string, args ...any) {
	c.out = append(c.out, soakViolation{Inv: inv, Step: c.step, Msg: fmt.Sprintf(format, args...)})
}

func (c *soakChecker) setOwner(cell soakCell, o int64) {
	if old := c.owner[cell]; old != 0 {
		delete(c.cells[old], cell)
	}
	if o == 0 {
		delete(c.owner, cell)
		return
	}
	c.owner[cell] = o
	if c.cells[o] == nil {
		c.cells[o] = map[soakCell]bool{}
	}
	c.cells[o][cell] = true
}

// ownedBy returns the cells of one owner column that u owned before the
// step, in a fixed order.
func (c *soakChecker) ownedBy(u int64, k soakKind) []soakCell {
	var out []soakCell
	for cell := range c.cells[u] {
		if cell.typ == k[0] && cell.col == k[1] {
			out = append(out, cell)
		}
	}
	slices.SortFunc(out, func(a, b soakCell) int { return cmp.Compare(a.id, b.id) })
	return out
}

// next returns a cell's owner in the observation after the step.
func (c *soakChecker) next(cell soakCell) int64 {
	if o, ok := c.h.Steps[c.step].Owners[cell]; ok {
		return o
	}
	return c.owner[cell]
}

// replay checks one step against the observations before and after it.
func (c *soakChecker) replay(i int) {
	c.step = i
	st := &c.h.Steps[i]
	c.readApp(st.App)
	c.fine, c.moved = map[soakCell]bool{}, map[int]soakPair{}
	var runs, undos []soakPair
	for _, p := range st.Pairs {
		old, seen := c.pairs[p.ID]
		from := "pending"
		if seen {
			from = old.Status
		}
		switch {
		case from == p.Status:
			continue // a new record, still pending
		case from == "done" && p.Status == "undone" && p.UndoOf == 0:
			continue // checked with the undo pair that restored it
		case from == "pending" && p.Status == "failed":
			continue // changes nothing: its pool pair is checked as untouched
		case from != "pending" || p.Status != "done":
			c.fail(5, "%s went from %s to %s", p, from, p.Status)
			continue
		}
		u := c.pool[p.From]
		if prev, ok := c.moved[u]; ok {
			c.fail(5, "%s and %s both committed for pool pair %d → %d in one step, though only one process touched it", prev, p, p.From, p.To)
		}
		c.moved[u] = p
		if p.UndoOf == 0 {
			runs = append(runs, p)
		} else {
			undos = append(undos, p)
		}
	}
	for _, p := range runs {
		c.checkRun(p, st.Ledgers[p.ID])
	}
	for _, p := range undos {
		c.checkUndo(p, st)
	}
	c.checkUndone(st, undos)
	c.checkExplained(st)
	c.checkListed(st)
	c.apply(st)
}

// readApp notes what the application did in the step.
func (c *soakChecker) readApp(ops []soakAppOp) {
	c.made, c.gone = map[soakCell]int64{}, map[soakRow]bool{}
	for _, op := range ops {
		switch op.Kind {
		case 'i':
			c.created[op.Row] = c.step
			for col, o := range op.Owners {
				if o != 0 {
					c.made[soakCell{op.Row, col}] = o
				}
			}
		case 'd':
			c.deleted[op.Row], c.gone[op.Row] = c.step, true
		case 'u':
			c.edited[op.Row] = append(c.edited[op.Row], c.step)
		}
	}
}

// checkRun checks a run pair that committed in the step: every row its
// source owned went to the target (invariant 3), an overwrite type replaced
// the target's rows exactly when rows of it moved (2), and its journal
// lists exactly what changed (5).
func (c *soakChecker) checkRun(p soakPair, l *soakLedger) {
	if l == nil {
		l = newSoakLedger() // it moved nothing
	}
	l = c.keyed(p, l)
	bf := soakBefore{dst: map[int][]soakCell{}}
	chosen := handover.TypesOf(strings.Split(p.Types, ",")...)
	for ti, t := range handover.Catalog {
		if p.Types != "" && !chosen.Has(t.Table) {
			c.checkKept(p, ti)
			continue
		}
		for ci := range t.Owners {
			bf.src = append(bf.src, c.checkMove(p, l, soakKind{ti, ci})...)
		}
		if t.Mode == handover.Overwrite {
			bf.dst[ti] = c.checkOverwrite(p, l, ti)
		}
	}
	c.before[p.ID] = bf
	c.ledgers[p.ID], c.doneAt[p.ID] = l, c.step
	for k, ids := range l.IDs {
		for _, id := range ids {
			cell := soakCell{soakRow{k[0], id}, k[1]}
			c.movers[cell] = append(c.movers[cell], p.ID)
		}
	}
	for ti, ids := range l.Archived {
		for _, id := range ids {
			c.archiver[soakRow{ti, id}] = append(c.archiver[soakRow{ti, id}], p.ID)
		}
	}
}

// checkKept checks a data type a run pair did not choose: its source and
// its target keep their rows of it (invariant 3).
func (c *soakChecker) checkKept(p soakPair, ti int) {
	for ci := range handover.Catalog[ti].Owners {
		for _, u := range []int64{p.From, p.To} {
			for _, cell := range c.ownedBy(u, soakKind{ti, ci}) {
				if o := c.next(cell); o != u && !c.gone[cell.soakRow] {
					c.fail(3, "%s (data types %s) moved %s, a type it did not choose: it %s", p, p.Types, cell, c.fate(cell, o))
				}
			}
		}
	}
}

// keyed returns l with the journal of a data type keyed by its owner
// (vacation_balances journals a moved row by its new key: the target)
// translated to identities: the source's rows before the pair, or those
// the application gave it during the step; -1 where they are not as many.
func (c *soakChecker) keyed(p soakPair, l *soakLedger) *soakLedger {
	out := *l
	out.IDs = maps.Clone(l.IDs)
	for k, ids := range l.IDs {
		if t := handover.Catalog[k[0]]; t.Key() != t.Owners[k[1]] {
			continue
		}
		// The key is unique: the source owned one such row at a time, the
		// one it had before, or else one the application gave it.
		var rows []int64
		for _, cell := range c.ownedBy(p.From, k) {
			rows = append(rows, cell.id)
		}
		if len(rows) == 0 {
			for _, cell := range soakSortedCells(c.made) {
				if c.made[cell] == p.From && cell.typ == k[0] {
					rows = append(rows, cell.id)
				}
			}
		}
		rows = slices.DeleteFunc(rows, func(id int64) bool { return c.gone[soakRow{k[0], id}] })
		if len(rows) != len(ids) {
			rows = slices.Repeat([]int64{-1}, len(ids))
		}
		out.IDs[k] = rows
	}
	return &out
}

// checkMove checks one owner column of a run pair and returns the source's
// cells before it.
func (c *soakChecker) checkMove(p soakPair, l *soakLedger, k soakKind) []soakCell {
	t := handover.Catalog[k[0]]
	ids, journaled := l.IDs[k]
	if journaled && int64(len(ids)) != l.Moved[k] {
		c.fail(5, "%s: the ledger counts %d %s rows moved (%s) but journals %d", p, l.Moved[k], t.Table, t.Owners[k[1]], len(ids))
	}
	known := journaled && !slices.Contains(ids, -1)
	var src []soakCell
	for _, cell := range c.ownedBy(p.From, k) {
		if c.gone[cell.soakRow] {
			continue
		}
		src = append(src, cell)
		switch o := c.next(cell); {
		case o == p.From:
			c.fail(3, "%s left %s with its source", p, cell)
		case o != p.To:
			c.fail(1, "%s: its source's %s %s, not its target's", p, cell, c.fate(cell, o))
		case known && !slices.Contains(ids, cell.id):
			c.fail(5, "%s moved %s without journaling it", p, cell)
		}
		c.fine[cell] = true
	}
	for _, id := range ids {
		cell := soakCell{soakRow{k[0], id}, k[1]}
		if id < 0 || c.gone[cell.soakRow] {
			continue
		}
		if c.owner[cell] != p.From && c.made[cell] != p.From {
			c.fail(5, "%s journaled %s as moved, but its source did not own it (owner %d)", p, cell, c.owner[cell])
		}
		c.fine[cell] = c.next(cell) == p.To
	}
	if t.Mode == handover.Combine {
		for _, cell := range c.ownedBy(p.To, k) {
			if o := c.next(cell); o != p.To && !c.gone[cell.soakRow] {
				c.fail(1, "%s took %s away from its target (now %d)", p, cell, o)
			}
		}
	}
	return src
}

// checkOverwrite checks an overwrite type of a run pair and returns the
// target's cells of it before the pair.
func (c *soakChecker) checkOverwrite(p soakPair, l *soakLedger, ti int) []soakCell {
	t := handover.Catalog[ti]
	moved, archived := l.Moved[soakKind{ti, 0}], l.Archived[ti]
	if int64(len(archived)) != l.Overwritten[ti] {
		c.fail(5, "%s: the ledger counts %d %s rows overwritten but the archive holds %d", p, l.Overwritten[ti], t.Table, len(archived))
	}
	if moved == 0 && l.Overwritten[ti] > 0 {
		c.fail(2, "%s moved no %s rows but overwrote %d of its target's", p, t.Table, l.Overwritten[ti])
	}
	var dst []soakCell
	for _, cell := range c.ownedBy(p.To, soakKind{ti, 0}) {
		if c.gone[cell.soakRow] {
			continue
		}
		dst = append(dst, cell)
		o := c.next(cell)
		switch {
		case moved > 0 && o == p.To:
			c.fail(2, "%s moved %d %s rows to its target, which also kept its own %s: the overwrite type was combined", p, moved, t.Table, cell)
		case moved > 0 && !slices.Contains(archived, cell.id):
			c.fail(1, "%s overwrote its target's %s without archiving it: it %s", p, cell, c.fate(cell, o))
		case moved == 0 && o != p.To:
			c.fail(2, "%s moved no %s rows, yet its target's %s %s", p, t.Table, cell, c.fate(cell, o))
		}
		c.fine[cell] = moved > 0 && o == 0
	}
	for _, id := range archived {
		cell := soakCell{soakRow{ti, id}, 0}
		if c.owner[cell] != p.To && c.made[cell] != p.To && !c.gone[cell.soakRow] {
			c.fail(1, "%s archived %s, which its target did not own (owner %d)", p, cell, c.owner[cell])
		}
	}
	return dst
}

// checkUndo checks an undo pair that committed in the step: every row its
// run pair journaled is back with the source and every row it overwrote is
// back with the target (invariant 4), and the pair was one undo may restore:
// done, not undone already, its rows neither moved on, edited nor deleted
// since, no newer run's move reversed (4), its counts the run's (5).
func (c *soakChecker) checkUndo(u soakPair, st *soakStep) {
	q, ok := c.pairs[u.UndoOf]
	lq := c.ledgers[u.UndoOf]
	if !ok || lq == nil {
		c.fail(4, "%s restored a pair the test never saw done", u)
		return
	}
	if q.Status != "done" {
		c.fail(4, "%s restored %s, which was already %s (undone by %v)", u, q, q.Status, c.undos[q.ID])
	}
	since := c.doneAt[q.ID]
	for _, k := range soakKinds(lq.IDs) {
		for _, id := range lq.IDs[k] {
			c.checkRestored(u, q, soakCell{soakRow{k[0], id}, k[1]}, since)
		}
	}
	for ti, t := range handover.Catalog {
		for _, id := range lq.Archived[ti] {
			cell := soakCell{soakRow{ti, id}, 0}
			if o := c.next(cell); o != q.To && !c.gone[cell.soakRow] {
				c.fail(4, "%s is done, but the %s it overwrote for its target %d is not back: it %s", u, cell, q.To, c.fate(cell, o))
			}
			c.fine[cell] = true
		}
		if t.Mode == handover.Overwrite && lq.Moved[soakKind{ti, 0}] > 0 {
			c.checkGained(u, q, ti, since)
		}
	}
	if lu := st.Ledgers[u.ID]; lu != nil {
		for _, k := range soakKinds(lq.Moved) {
			if lu.Moved[k] != lq.Moved[k] {
				c.fail(5, "%s counts %d %s rows restored, its run pair moved %d", u, lu.Moved[k], handover.Catalog[k[0]].Table, lq.Moved[k])
			}
		}
	}
	c.undos[q.ID] = append(c.undos[q.ID], u.ID)
	c.doneAt[u.ID] = c.step
}

// checkRestored checks one cell a restored run pair q had journaled.
func (c *soakChecker) checkRestored(u, q soakPair, cell soakCell, since int) {
	if cell.id < 0 || c.gone[cell.soakRow] {
		return
	}
	was, now := c.owner[cell], c.next(cell)
	last := q.ID
	if mv := c.movers[cell]; len(mv) > 0 {
		last = mv[len(mv)-1]
	}
	switch {
	case last != q.ID && was == q.To && now == q.From:
		c.fail(4, "%s handed %s back to %d though pair %d (job %d) moved it again since: the undo reverses a newer run",
			u, cell, q.From, last, c.pairs[last].Job)
	case was != q.To:
		c.fail(4, "%s is done though %s, which %s moved, %s since (the pair must be left alone)", u, cell, q, c.fate(cell, was))
	case now != q.From:
		c.fail(4, "%s is done but %s is not back with its source %d: it %s", u, cell, q.From, c.fate(cell, now))
	}
	if i := slices.IndexFunc(c.edited[cell.soakRow], func(e int) bool { return e > since && e < c.step }); i >= 0 {
		c.fail(4, "%s restored %s though the application edited it in step %d, after %s ran", u, cell, c.edited[cell.soakRow][i], q)
	}
	c.fine[cell] = was == q.To && now == q.From
}

// fate says where a cell went, for messages.
func (c *soakChecker) fate(cell soakCell, owner int64) string {
	if at, ok := c.deleted[cell.soakRow]; ok {
		return fmt.Sprintf("was deleted by the application (step %d)", at)
	}
	if owner == 0 {
		return "left its table"
	}
	return fmt.Sprintf("belongs to %d", owner)
}

// checkGained reports an undo restoring an overwrite type for which the
// source or the target gained rows since the run: undo must leave it. A
// gained row the application deleted during the undo's own step does not
// count: the undo may have run after the delete, when the row was gone
// (as a row created during the step may have come after the undo).
func (c *soakChecker) checkGained(u, q soakPair, ti, since int) {
	for _, user := range []int64{q.From, q.To} {
		for _, cell := range c.ownedBy(user, soakKind{ti, 0}) {
			if at, ok := c.created[cell.soakRow]; ok && at > since && at < c.step && !c.gone[cell.soakRow] {
				c.fail(4, "%s restored %s though %d gained %s in step %d, after the run (it must be left alone); after the undo the row %s",
					u, handover.Catalog[ti].Table, user, cell, at, c.fate(cell, c.next(cell)))
			}
		}
	}
}

// checkUndone makes sure run pairs become undone exactly with an undo pair.
func (c *soakChecker) checkUndone(st *soakStep, undos []soakPair) {
	restored := map[int64]bool{}
	for _, u := range undos {
		restored[u.UndoOf] = true
	}
	status := map[int64]string{}
	for _, p := range st.Pairs {
		status[p.ID] = p.Status
		if old, ok := c.pairs[p.ID]; ok && old.Status == "done" && p.Status == "undone" && !restored[p.ID] {
			c.fail(4, "%s became undone with no undo pair done for it", p)
		}
	}
	for _, u := range undos {
		s, ok := status[u.UndoOf]
		if !ok {
			s = c.pairs[u.UndoOf].Status
		}
		if s != "undone" {
			c.fail(4, "%s is done but its run pair is %s, not undone", u, s)
		}
	}
}

// checkExplained reports owner changes that no commit of the step and no
// application change explains: a pair that failed or was killed changed
// something, or rows changed outside their pair (invariant 1).
func (c *soakChecker) checkExplained(st *soakStep) {
	for _, cell := range soakSortedCells(st.Owners) {
		was, now := c.owner[cell], st.Owners[cell]
		if c.fine[cell] || (now == 0 && c.gone[cell.soakRow]) || (was == 0 && c.made[cell] == now) {
			continue
		}
		p, ok := c.committed(max(was, now))
		if ok && p.UndoOf == 0 && was == 0 && c.made[cell] == p.From && now == p.To {
			continue // inserted for the source and moved by its pair
		}
		what := "no pair of theirs committed"
		if ok {
			what = "which " + p.String() + " does not explain"
		}
		switch {
		case was == 0:
			c.fail(1, "%s appeared with owner %d, %s", cell, now, what)
		case now == 0:
			c.fail(1, "%s of %d vanished, not deleted by the application, %s", cell, was, what)
		default:
			c.fail(1, "%s moved from %d to %d, %s", cell, was, now, what)
		}
	}
}

// committed returns the record that committed in the step for user's pool
// pair.
func (c *soakChecker) committed(user int64) (soakPair, bool) {
	u, ok := c.pool[user]
	if !ok {
		return soakPair{}, false
	}
	p, ok := c.moved[u]
	return p, ok
}

// checkListed reports jobs listed `running` after the step killed their
// process (invariant 5).
func (c *soakChecker) checkListed(st *soakStep) {
	for _, j := range st.Listed {
		if j.Status == "running" && !c.listed[j.Job] {
			c.listed[j.Job] = true
			c.fail(5, "job %d (%s) is listed running by `jobs --format json` after its process was killed: it must say interrupted", j.Job, j.Kind)
		}
	}
}

// apply moves the replay on to the observation after the step.
func (c *soakChecker) apply(st *soakStep) {
	for cell, o := range st.Owners {
		c.setOwner(cell, o)
	}
	for _, p := range st.Pairs {
		c.pairs[p.ID] = p
	}
	for _, j := range st.Jobs {
		c.jobs[j.ID] = j
	}
}

func soakSortedCells(m map[soakCell]int64) []soakCell {
	out := make([]soakCell, 0, len(m))
	for cell := range m {
		out = append(out, cell)
	}
	slices.SortFunc(out, func(a, b soakCell) int {
		if a.typ != b.typ {
			return a.typ - b.typ
		}
		if a.id != b.id {
			return cmp.Compare(a.id, b.id)
		}
		return a.col - b.col
	})
	return out
}

// soakKinds returns a map's owner columns in catalog order.
func soakKinds[V any](m map[soakKind]V) []soakKind {
	return slices.SortedFunc(maps.Keys(m), func(a, b soakKind) int { return cmp.Or(a[0]-b[0], a[1]-b[1]) })
}
