package main

// The end checks of the soak test's model (soak_model_test.go): the state
// after every job finished, against what the history says happened.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"handover"
)

// final checks the end state, every job finished: rows neither lost nor
// duplicated (invariant 1), overwrite types unmixed (2), sources emptied
// (3), undone pairs back (4) and the ledger's counts right (5).
func (c *soakChecker) final() {
	c.finalLedgers()
	c.finalRows()
	for _, id := range slices.Sorted(maps.Keys(c.pairs)) {
		switch p := c.pairs[id]; {
		case p.Status == "pending":
			c.fail(5, "%s is still pending at the end", p)
		case p.UndoOf == 0 && p.Status == "done":
			c.finalDone(p)
		case p.UndoOf == 0 && p.Status == "undone":
			c.finalUndone(p)
		}
	}
	c.finalJobs()
}

// finalDone checks a run pair that stands: its target owns none of the rows
// of an overwrite type it had before, when rows of the type moved (2), and
// its source none of the rows it had before, unless a newer pair moved them
// and was undone (3).
func (c *soakChecker) finalDone(p soakPair) {
	bf, l := c.before[p.ID], c.h.Final.Ledgers[p.ID]
	if l == nil {
		l = newSoakLedger()
	}
	for _, ti := range slices.Sorted(maps.Keys(bf.dst)) {
		moved := l.Moved[soakKind{ti, 0}]
		for _, cell := range bf.dst[ti] {
			if _, gone := c.deleted[cell.soakRow]; !gone && moved > 0 && c.owner[cell] == p.To {
				c.fail(2, "%s (not undone) moved %d %s rows to its target, yet at the end the target still owns %s, which it had before the pair",
					p, moved, handover.Catalog[ti].Table, cell)
			}
		}
	}
	for _, cell := range bf.src {
		if _, gone := c.deleted[cell.soakRow]; gone || c.owner[cell] != p.From {
			continue
		}
		returned := false
		for _, q := range c.movers[cell] {
			returned = returned || (c.doneAt[q] > c.doneAt[p.ID] && c.pairs[q].Status == "undone")
		}
		if !returned {
			c.fail(3, "%s (not undone) handed %s over, yet at the end its source owns it again", p, cell)
		}
	}
}

// finalUndone checks a run pair that was undone: restored once, its
// journaled rows with the source and its overwritten rows with the target,
// unless a pair after the undo moved or overwrote them again (4).
func (c *soakChecker) finalUndone(q soakPair) {
	us := c.undos[q.ID]
	if len(us) == 0 {
		c.fail(4, "%s is undone, but no undo pair restored it", q)
		return
	}
	if len(us) > 1 {
		c.fail(4, "%s was restored %d times, by undo pairs %v", q, len(us), us)
	}
	at, l := c.doneAt[us[len(us)-1]], c.ledgers[q.ID]
	later := func(pairs []int64) bool {
		return slices.ContainsFunc(pairs, func(p int64) bool { return c.doneAt[p] > at })
	}
	for _, k := range soakKinds(l.IDs) {
		for _, id := range l.IDs[k] {
			cell := soakCell{soakRow{k[0], id}, k[1]}
			if _, gone := c.deleted[cell.soakRow]; id < 0 || gone || later(c.movers[cell]) {
				continue
			}
			if o := c.owner[cell]; o != q.From {
				c.fail(4, "%s is undone, but at the end %s is not with its source %d: it %s", q, cell, q.From, c.fate(cell, o))
			}
		}
	}
	for _, ti := range slices.Sorted(maps.Keys(l.Archived)) {
		for _, id := range l.Archived[ti] {
			cell := soakCell{soakRow{ti, id}, 0}
			if _, gone := c.deleted[cell.soakRow]; gone || later(c.archiver[cell.soakRow]) {
				continue
			}
			if o := c.owner[cell]; o != q.To {
				c.fail(4, "%s is undone, but at the end the %s it overwrote is not back with its target %d: it %s", q, cell, q.To, c.fate(cell, o))
			}
		}
	}
}

// finalRows checks that every row the seed or the application created and
// the application did not delete is in its table exactly once, or archived
// by a pair that stands, or was overwritten by a pair whose journal was
// pruned; and that no row is both in its table and archived (1).
func (c *soakChecker) finalRows() {
	all := map[soakRow]bool{}
	for _, m := range []map[soakRow]int{c.h.Final.Live, c.created} {
		for r := range m {
			all[r] = true
		}
	}
	maps.Copy(all, c.h.Rows)
	for _, r := range slices.SortedFunc(maps.Keys(all), func(a, b soakRow) int { return cmp.Or(a.typ-b.typ, cmp.Compare(a.id, b.id)) }) {
		live, arch := c.h.Final.Live[r], c.h.Final.Archive[r]
		_, made := c.created[r]
		if !c.h.Rows[r] && !made {
			c.fail(1, "%s is in its table %d times (archived under pairs %v) but neither the seed nor the application created it", r, live, arch)
			continue
		}
		if at, gone := c.deleted[r]; gone {
			if live > 0 || len(arch) > 0 {
				c.fail(1, "%s, deleted by the application in step %d, is back: %d times in its table, archived under pairs %v", r, at, live, arch)
			}
			continue
		}
		var last soakPair
		if by := c.archiver[r]; len(by) > 0 {
			last = c.pairs[by[len(by)-1]]
		}
		switch {
		case live+len(arch) > 1:
			c.fail(1, "%s is duplicated: %d times in its table, archived under pairs %v", r, live, arch)
		case live == 1 && last.Status == "done":
			c.fail(1, "%s is in its table although %s overwrote it and was not undone", r, last)
		case len(arch) == 1 && c.pairs[arch[0]].Status != "done":
			c.fail(1, "%s is still in the archive of pair %d, which is %s: it was never restored", r, arch[0], c.pairs[arch[0]].Status)
		case live == 0 && len(arch) == 0 && (last.Status != "done" || !c.jobs[last.Job].Pruned):
			c.fail(1, "%s is lost: in neither its table nor an archive, and no pruned pair that stands overwrote it (last archived by %v)", r, c.archiver[r])
		}
	}
}

// finalLedgers checks every pair's journal at the end: moved counts equal
// the journaled ids, counts unchanged since the pair committed, failed
// pairs recording nothing (5).
func (c *soakChecker) finalLedgers() {
	for _, id := range slices.Sorted(maps.Keys(c.h.Final.Ledgers)) {
		p, fl := c.pairs[id], c.h.Final.Ledgers[id]
		for _, k := range soakKinds(fl.Moved) {
			t := handover.Catalog[k[0]]
			if ids, ok := fl.IDs[k]; ok && int64(len(ids)) != fl.Moved[k] {
				c.fail(5, "%s: the ledger counts %d %s rows moved (%s) but journals %d", p, fl.Moved[k], t.Table, t.Owners[k[1]], len(ids))
			}
			if p.Status == "failed" && fl.Moved[k] > 0 {
				c.fail(5, "%s failed, yet its journal counts %d %s rows moved", p, fl.Moved[k], t.Table)
			}
			if cl := c.ledgers[id]; cl != nil && p.UndoOf == 0 && cl.Moved[k] != fl.Moved[k] {
				c.fail(5, "%s: the ledger counted %d %s rows moved when it committed, %d at the end", p, cl.Moved[k], t.Table, fl.Moved[k])
			}
		}
	}
}

// finalJobs checks `jobs --format json` at the end against the pair
// records: totals, no job left running or interrupted, undone run jobs,
// and undo commands that reported success (5).
func (c *soakChecker) finalJobs() {
	type tally struct{ pairs, done, undone, failed int }
	n := map[int64]*tally{}
	for _, id := range slices.Sorted(maps.Keys(c.jobs)) {
		n[id] = &tally{}
	}
	for _, p := range c.pairs {
		t := n[p.Job]
		if t == nil {
			t = &tally{}
			n[p.Job] = t
		}
		t.pairs++
		switch p.Status {
		case "done":
			t.done++
		case "undone":
			t.undone++
		case "failed":
			t.failed++
		}
	}
	listed := map[int64]bool{}
	for _, j := range c.h.Final.Listed {
		listed[j.Job] = true
		t := n[j.Job]
		if t == nil {
			c.fail(5, "job %d is listed but has no job record", j.Job)
			continue
		}
		if j.Pairs != t.pairs || j.Done != t.done+t.undone || j.Failed != t.failed {
			c.fail(5, "job %d is listed with %d pairs, %d done, %d failed; its pair records say %d, %d, %d",
				j.Job, j.Pairs, j.Done, j.Failed, t.pairs, t.done+t.undone, t.failed)
		}
		switch {
		case j.Status == "running" || j.Status == "interrupted":
			c.fail(5, "job %d is still %s at the end, after every interrupted job was resumed", j.Job, j.Status)
		case j.Kind == "run" && (j.Status == "undone") != (t.done == 0 && t.undone > 0):
			c.fail(5, "run job %d is listed %s with %d pairs done and %d undone", j.Job, j.Status, t.done, t.undone)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(c.jobs)) {
		if !listed[id] {
			c.fail(5, "job %d is not listed by `jobs --format json`", id)
		}
	}
	for i, st := range c.h.Steps {
		for _, cmd := range st.Cmds {
			if j, ok := c.jobs[cmd.Job]; ok && j.Kind == "undo" && cmd.Code == 0 && !cmd.Killed && n[cmd.Job].failed > 0 {
				c.out = append(c.out, soakViolation{Inv: 5, Step: i, Msg: fmt.Sprintf("`handover %s` reported success, yet %d of undo job %d's pairs were not undone",
					strings.Join(cmd.Args, " "), n[cmd.Job].failed, cmd.Job)})
			}
		}
	}
}
