package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

var conformTypes = []conformCase{
	{"SplitRunAndUndo", func(t *testing.T, db *DB) { confSplit(t, db, 0) }},
	{"SplitSmallChunks", func(t *testing.T, db *DB) { confSplit(t, db, 1) }},
	{"RemainingTypesLater", confRemainingTypes},
	{"PredictStays", confPredictStays},
	{"TransferredPerType", confTransferredPerType},
}

// typedPair is a pair of a test plan with the data types it hands over.
type typedPair struct {
	handover.Pair
	types handover.TypeSet
}

// typedPlan builds a validated-looking plan of typed pairs run by the
// tenant admin.
func typedPlan(t testing.TB, db *DB, pairs ...typedPair) *handover.Plan {
	t.Helper()
	plain := make([]handover.Pair, len(pairs))
	for i, p := range pairs {
		plain[i] = p.Pair
	}
	plan := planFor(t, db, plain...)
	for i, p := range pairs {
		plan.Rows[i].Types = p.types
	}
	return plan
}

var (
	qmTypes   = handover.TypesOf("contacts", "evaluations", "evaluation_comments")
	wfmTypes  = handover.TypesOf("schedules", "work_shifts", "productivity")
	restTypes = handover.TypesOf("contacts", "evaluations", "evaluation_comments", "schedules", "work_shifts", "productivity").Complement()
)

// splitPlan splits agent 11's data between 12 (quality management) and 13
// (workforce management), keeping the rest with 11; hands 15's data to 16
// in two rows; and moves every type of 17 but schedules to 18.
func splitPlan(t testing.TB, db *DB) *handover.Plan {
	return typedPlan(t, db,
		typedPair{handover.Pair{From: 11, To: 12}, qmTypes},
		typedPair{handover.Pair{From: 11, To: 13}, wfmTypes},
		typedPair{handover.Pair{From: 15, To: 16}, handover.TypesOf("contacts", "schedules")},
		typedPair{handover.Pair{From: 15, To: 16}, handover.TypesOf("contacts", "schedules").Complement()},
		typedPair{handover.Pair{From: 17, To: 18}, handover.TypesOf("schedules").Complement()},
	)
}

// confSplit: a split run leaves each target holding exactly its chosen
// types (combined with its own, or replacing them for overwrite types),
// the source holding the rest, and undo restores every table's checksum.
func confSplit(t *testing.T, db *DB, chunk int) {
	if chunk > 0 {
		db.ChunkSize = chunk
	}
	before := mustChecksums(t, db)
	was := map[int64]map[string]int64{}
	for _, u := range []int64{11, 12, 13, 15, 16, 17, 18} {
		was[u] = owned(t, db, u)
	}
	plan := splitPlan(t, db)
	run, res := mustRun(t, db, plan, handover.RunOptions{})
	if res.Done != len(plan.Rows) || res.Failed != 0 {
		t.Fatalf("run = %+v, want %d done", res, len(plan.Rows))
	}
	for _, r := range plan.Rows {
		p, _ := r.Pair()
		wantOwned(t, db, p.To, expectTarget(was[p.To], was[p.From], targetTypes(plan, p.To)))
	}
	wantOwned(t, db, 11, keep(was[11], restTypes.Complement()))
	wantOwned(t, db, 15, keep(was[15], 0))
	wantOwned(t, db, 17, keep(was[17], handover.TypesOf("schedules").Complement()))
	if v := mustVerify(t, db, run.ID); len(v.Drift) != 0 || v.Checked != len(plan.Rows) {
		t.Errorf("verify split run: %d checked, drift %q", v.Checked, v.Drift)
	}
	if u := mustUndo(t, db, run); u.Done != len(plan.Rows) || u.Failed != 0 {
		t.Fatalf("undo = %+v", u)
	}
	if diff := cmp.Diff(before, mustChecksums(t, db)); diff != "" {
		t.Errorf("checksums after split run → undo (-before +after):\n%s", diff)
	}
}

// targetTypes is every type the plan hands to target, over all its rows.
func targetTypes(plan *handover.Plan, target int64) handover.TypeSet {
	var s handover.TypeSet
	for _, r := range plan.Rows {
		if p, _ := r.Pair(); p.To == target {
			s |= handover.TypeSet(r.Types.Mask())
		}
	}
	return s
}

// expectTarget is what a target owns after the run, per owner column: for
// the types handed to it (on any row) its own rows combined with the
// source's, or the source's alone when an overwrite type's source had any;
// for the others, its own.
func expectTarget(target, source map[string]int64, all handover.TypeSet) map[string]int64 {
	out := map[string]int64{}
	for _, dt := range handover.Catalog {
		var had int64
		for _, col := range dt.Owners {
			had += source[dt.Table+"."+col]
		}
		for _, col := range dt.Owners {
			k := dt.Table + "." + col
			switch {
			case !all.Has(dt.Table):
				out[k] = target[k]
			case dt.Mode == handover.Overwrite && had > 0:
				out[k] = source[k]
			default:
				out[k] = target[k] + source[k]
			}
		}
	}
	return out
}

// keep is what a source owns after handing over the types of moved: none
// of those, all it had of the others.
func keep(had map[string]int64, moved handover.TypeSet) map[string]int64 {
	out := map[string]int64{}
	for _, dt := range handover.Catalog {
		for _, col := range dt.Owners {
			k := dt.Table + "." + col
			if !moved.Has(dt.Table) {
				out[k] = had[k]
			} else {
				out[k] = 0
			}
		}
	}
	return out
}

func wantOwned(t *testing.T, db *DB, user int64, want map[string]int64) {
	t.Helper()
	if diff := cmp.Diff(want, owned(t, db, user)); diff != "" {
		t.Errorf("rows owned by user %d (-want +got):\n%s", user, diff)
	}
}

// confRemainingTypes: a second job later moves the types an earlier job
// left with the source to another target; undoing either job restores
// exactly its own types, and undoing both restores every table.
func confRemainingTypes(t *testing.T, db *DB) {
	before := mustChecksums(t, db)
	was10, was12, was13 := owned(t, db, 10), owned(t, db, 12), owned(t, db, 13)
	first, _ := mustRun(t, db, typedPlan(t, db, typedPair{handover.Pair{From: 10, To: 12}, qmTypes}), handover.RunOptions{})
	rest := qmTypes.Complement()
	second, res := mustRun(t, db, typedPlan(t, db, typedPair{handover.Pair{From: 10, To: 13}, rest}), handover.RunOptions{DeactivateSource: true})
	if res.Done != 1 {
		t.Fatalf("second run = %+v", res)
	}
	wantOwned(t, db, 10, keep(was10, 0))
	mustUndo(t, db, first)
	wantOwned(t, db, 10, keep(was10, rest))
	wantOwned(t, db, 12, was12)
	wantOwned(t, db, 13, expectTarget(was13, was10, rest))
	if v := mustVerify(t, db, second.ID); len(v.Drift) != 0 {
		t.Errorf("verify the second job after undoing the first: %q", v.Drift)
	}
	mustUndo(t, db, second)
	if diff := cmp.Diff(before, mustChecksums(t, db)); diff != "" {
		t.Errorf("checksums after both undone (-before +after):\n%s", diff)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM users WHERE id = 10 AND active = ?`, true); n != 1 {
		t.Error("undo of the job that deactivated the source did not reactivate it")
	}
}

// confPredictStays: the prediction counts only the chosen types, says
// what stays with a split source (once for its rows together), and asks
// the same number of questions whatever the number of rows.
func confPredictStays(t *testing.T, db *DB) {
	ctx := context.Background()
	counted, n := mustCountingDB(t, db)
	plan := splitPlan(t, db)
	n.Store(0)
	if err := counted.Predict(ctx, plan); err != nil {
		t.Fatal(err)
	}
	split := n.Load()
	for _, r := range plan.Rows {
		for _, m := range r.Moves {
			if !r.Types.Has(m.Type) {
				t.Errorf("row %d moves %s, which it did not choose", r.Row, m.Type)
			}
		}
	}
	was11 := owned(t, db, 11)
	var want []handover.Stay
	for _, dt := range handover.Catalog {
		if restTypes.Has(dt.Table) {
			var rows int64
			for _, col := range dt.Owners {
				rows += was11[dt.Table+"."+col]
			}
			if rows > 0 {
				want = append(want, handover.Stay{Type: dt.Table, Rows: rows})
			}
		}
	}
	for _, i := range []int{0, 1} {
		if diff := cmp.Diff(want, plan.Rows[i].Stays); diff != "" {
			t.Errorf("row %d stays (-want +got):\n%s", plan.Rows[i].Row, diff)
		}
	}
	if got := plan.Rows[2].Stays; len(got) != 0 {
		t.Errorf("15's rows hand every type over between them, yet %v stays", got)
	}
	if got := plan.Staying(); got == 0 || got != sumStays(want)+sumStays(plan.Rows[4].Stays) {
		t.Errorf("plan stays %d rows, want the split source's once plus 17's", got)
	}
	one := typedPlan(t, db, typedPair{handover.Pair{From: 11, To: 12}, qmTypes})
	n.Store(0)
	if err := counted.Predict(ctx, one); err != nil {
		t.Fatal(err)
	}
	if single := n.Load(); single != split {
		t.Errorf("Predict asked %d questions for %d rows and %d for one: it must not grow with the rows", split, len(plan.Rows), single)
	}
}

func sumStays(stays []handover.Stay) int64 {
	var n int64
	for _, s := range stays {
		n += s.Rows
	}
	return n
}

// confTransferredPerType: the ledger answers which types of a pair are
// transferred, by which job, and an undo hands back only its own types.
func confTransferredPerType(t *testing.T, db *DB) {
	ctx := context.Background()
	pair := handover.Pair{From: 10, To: 12}
	first, _ := mustRun(t, db, typedPlan(t, db, typedPair{pair, qmTypes}), handover.RunOptions{})
	second, _ := mustRun(t, db, typedPlan(t, db, typedPair{pair, 0}), handover.RunOptions{})
	check := func(step string, want ...string) {
		t.Helper()
		got, err := db.Transferred(ctx, 1, []handover.Pair{pair})
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, r := range got[pair] {
			refs = append(refs, fmt.Sprintf("job %d: %s", r.Job, r.Types.Names()))
		}
		if diff := cmp.Diff(want, refs); diff != "" {
			t.Errorf("%s: transferred (-want +got):\n%s", step, diff)
		}
	}
	rest := qmTypes.Complement().Names()
	check("two jobs", fmt.Sprintf("job %d: %s", first.ID, qmTypes.Names()), fmt.Sprintf("job %d: %s", second.ID, rest))
	mustUndo(t, db, first)
	check("the first undone", fmt.Sprintf("job %d: %s", second.ID, rest))
}

// TestChunkEnd: a chunk holds at most ChunkSize pairs' worth of data types
// (a split leaver's rows take the room of one pair) and ChunkRows predicted
// rows, and at least one pair.
func TestChunkEnd(t *testing.T) {
	half := handover.TypesOf("contacts", "evaluations", "evaluation_comments", "contact_goals", "storage_files", "audit_events", "requests")
	unknown := func(types ...handover.TypeSet) []load {
		out := make([]load, len(types))
		for i, s := range types {
			out[i] = load{Types: s, Rows: -1}
		}
		return out
	}
	counted := func(rows ...int64) []load {
		out := make([]load, len(rows))
		for i, n := range rows {
			out[i] = load{Rows: n}
		}
		return out
	}
	tests := []struct {
		name    string
		pending []load
		size    int
		rows    int64
		want    []int // chunk ends
	}{
		{"every type: size pairs", unknown(0, 0, 0, 0, 0), 2, DefaultChunkRows, []int{2, 4, 5}},
		{"half the types: twice the pairs", unknown(half, half, half, half, half), 2, DefaultChunkRows, []int{4, 5}},
		{"one type of fourteen", unknown(handover.TypesOf("schedules"), handover.TypesOf("schedules"), 0), 1, DefaultChunkRows, []int{2, 3}},
		{"chunks of one pair", unknown(half, 0, half), 1, DefaultChunkRows, []int{1, 2, 3}},
		{"unknown rows: a heavy pair each", unknown(0, 0, 0, 0, 0), 100, 2 * unknownRows, []int{2, 4, 5}},
		{"predicted rows up to the budget", counted(100, 100, 50, 100, 100), 100, 250, []int{3, 5}},
		{"a pair over the budget alone", counted(10, 1000, 10, 10), 100, 100, []int{1, 2, 4}},
		{"pairs with nothing: size pairs", counted(0, 0, 0, 0, 0), 2, 100, []int{2, 4, 5}},
		{"light tenant: one chunk", counted(30, 41, 25, 33, 40, 38), 10000, DefaultChunkRows, []int{6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &DB{ChunkSize: tt.size, ChunkRows: tt.rows}
			got := db.chunkEnds(len(tt.pending), func(i int) load { return tt.pending[i] })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("chunk ends (-want +got):\n%s", diff)
			}
		})
	}
}
