package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"handover"
)

var conformLedger = []conformCase{
	{"CreateJobRecordsPairs", confCreateJob},
	{"StatusesAfterExecute", confJobStatuses},
	{"JobAndJobsPerTenant", confJobs},
	{"JobStateMachine", confStateMachine},
	{"SetRunningOnlyResumes", confSetRunning},
	{"CheckNotInterrupted", confCheckNotInterrupted},
}

// mixedUpload is the upload of mixedPlan: its own header, columns and
// format, which a job keeps for its audit file.
var mixedUpload = handover.Upload{Name: "people.csv", SHA256: "f00d", Header: []string{"Team", "From User ID", "To User ID", "Name"},
	FromCol: 1, ToCol: 2, NameCol: 3, Format: handover.Format{Delimiter: ';', Encoding: handover.UTF8BOM}}

var mixedFanOut = handover.Issue{Code: handover.FanOut, Message: "20 goes to 2 users"}

// mixedPlan has every kind of row CreateJob records: a pair and its
// repeat, a pair with a warning, a row whose From User ID is no ID, and a
// pair with errors and a warning, repeated.
func mixedPlan(t *testing.T, db *DB) *handover.Plan {
	t.Helper()
	plan := planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16},
		handover.Pair{From: 18, To: 20}, handover.Pair{From: 20, To: 22}, handover.Pair{From: 20, To: 22})
	up := mixedUpload
	plan.Upload = &up
	for i := range plan.Rows {
		r := &plan.Rows[i]
		r.FromName, r.ToName = fmt.Sprintf("Agent %d", *r.From), fmt.Sprintf("Agent %d", *r.To)
	}
	plan.Rows[1].Issues = []handover.Issue{{Code: handover.DuplicateRow, Message: "repeats row 2"}}
	plan.Rows[2].Issues = []handover.Issue{{Code: handover.InactiveTarget, Message: "16 is inactive"}}
	plan.Rows[3].From, plan.Rows[3].FromName, plan.Rows[3].Record = nil, "", []string{"x", "20"}
	plan.Rows[3].Issues = []handover.Issue{{Code: handover.BadID, Message: `"x" is not a user ID`}}
	plan.Rows[4].Issues = []handover.Issue{mixedFanOut, {Code: handover.InactiveTarget, Message: "22 is inactive"}, {Code: handover.Chain, Message: "22 is also a source"}}
	plan.Rows[5].Issues = []handover.Issue{mixedFanOut}
	plan.Tally()
	return plan
}

// mixedPairs is what the ledger records of mixedPlan: the repeated pair
// once, error rows failed with their errors joined, warnings left out.
func mixedPairs() []handover.JobPair {
	pair := func(row int, from, to int64, status handover.PairStatus, issue *handover.Issue) handover.JobPair {
		p := handover.JobPair{Row: row, From: from, To: to, ToName: fmt.Sprintf("Agent %d", to), Status: status, Error: issue,
			Moves: []handover.Move{}, Record: []string{strconv.FormatInt(from, 10), strconv.FormatInt(to, 10)}}
		if from != 0 {
			p.FromName = fmt.Sprintf("Agent %d", from)
		} else {
			p.Record[0] = "x"
		}
		return p
	}
	return []handover.JobPair{
		pair(2, 10, 12, handover.PairPending, nil),
		pair(4, 14, 16, handover.PairPending, nil),
		pair(5, 0, 20, handover.PairFailed, &handover.Issue{Code: handover.BadID, Message: `"x" is not a user ID`}),
		pair(6, 20, 22, handover.PairFailed, &handover.Issue{Code: handover.FanOut, Message: "20 goes to 2 users; chain: 22 is also a source"}),
		pair(7, 20, 22, handover.PairFailed, &mixedFanOut),
	}
}

// confCreateJob: CreateJob records the job, its options and upload shape,
// one pending record per runnable pair (a repeated pair once), and every
// error row failed with its errors (warnings left out).
func confCreateJob(t *testing.T, db *DB) {
	ctx := context.Background()
	setClock(db, day0, 0)
	mustGuard(t, db) // the job's process holds the guard, so the job reads running
	opts := handover.RunOptions{DeactivateSource: true, SkipInvalid: true}
	job, err := db.CreateJob(ctx, mixedPlan(t, db), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := handover.Job{ID: job.ID, Kind: handover.KindRun, Status: handover.JobRunning, Tenant: 1, Operator: 1, Started: day0,
		File: "people.csv", SHA256: "f00d", Options: opts}
	if diff := cmp.Diff(want, job, cmpopts.IgnoreFields(handover.Job{}, "Pairs", "Done", "Failed")); diff != "" {
		t.Errorf("created job (-want +got):\n%s", diff)
	}
	want.Pairs, want.Failed = 5, 3
	if got, err := db.Job(ctx, 1, job.ID); err != nil || !cmp.Equal(want, got) {
		t.Errorf("recorded job: %v (-want +got):\n%s", err, cmp.Diff(want, got))
	}
	ignoreID := cmpopts.IgnoreFields(handover.JobPair{}, "ID")
	got, err := db.JobPairs(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mixedPairs(), got, ignoreID); diff != "" {
		t.Errorf("JobPairs (-want +got):\n%s", diff)
	}
	failed, err := db.FailedPairs(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mixedPairs()[2:], failed, ignoreID); diff != "" {
		t.Errorf("FailedPairs (-want +got):\n%s", diff)
	}
	if up, err := db.JobUpload(ctx, job.ID); err != nil || !cmp.Equal(&mixedUpload, up) {
		t.Errorf("JobUpload: %v (-want +got):\n%s", err, cmp.Diff(&mixedUpload, up))
	}
}

// confJobStatuses: a run with failed pairs finishes failed, one without
// finishes done; both record when, and each completed pair when.
func confJobStatuses(t *testing.T, db *DB) {
	ctx := context.Background()
	setClock(db, day0, 0)
	plan := withErrorRow(planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}, handover.Pair{From: 18, To: 20}),
		2, handover.Issue{Code: handover.FanIn, Message: "x"})
	failed, res := mustRun(t, db, plan, handover.RunOptions{SkipInvalid: true})
	if want := (handover.Result{Job: failed.ID, Pairs: 3, Done: 2, Failed: 1}); res != want {
		t.Errorf("result = %+v, want %+v", res, want)
	}
	done, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 22, To: 24}), handover.RunOptions{})
	for id, want := range map[int64]handover.JobStatus{failed.ID: handover.JobFailed, done.ID: handover.JobDone} {
		j, err := db.Job(ctx, 1, id)
		if err != nil || j.Status != want || j.Finished == nil || !j.Finished.Equal(day0) {
			t.Errorf("job %d = %q finished %v, %v; want %q at %v", id, j.Status, j.Finished, err, want, day0)
		}
	}
	pairs, err := db.JobPairs(ctx, failed.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs[:2] {
		if p.Status != handover.PairDone || p.At == nil || !p.At.Equal(day0) {
			t.Errorf("pair %d → %d: %q at %v; want done at %v", p.From, p.To, p.Status, p.At, day0)
		}
	}
	if got, _ := db.FailedPairs(ctx, failed.ID); len(got) != 1 || got[0].From != 18 {
		t.Errorf("failed pairs = %+v, want 18 → 20 only", got)
	}
}

// confJobs: Jobs lists a tenant's jobs newest first, up to its limit;
// Job finds only the tenant's own.
func confJobs(t *testing.T, db *DB) {
	ctx := context.Background()
	setClock(db, day0, time.Minute)
	var mine []int64
	for _, p := range statePairs[:3] {
		job, err := db.CreateJob(ctx, planFor(t, db, p), handover.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mine = append([]int64{job.ID}, mine...)
	}
	theirs, err := db.CreateJob(ctx, &handover.Plan{Operator: handover.User{ID: 100, TenantID: 2}}, handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list := func(tenant int64, limit int) []int64 {
		t.Helper()
		jobs, err := db.Jobs(ctx, tenant, limit)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	for _, tt := range []struct {
		tenant int64
		limit  int
		want   []int64
	}{{1, 10, mine}, {1, 2, mine[:2]}, {2, 10, []int64{theirs.ID}}} {
		if diff := cmp.Diff(tt.want, list(tt.tenant, tt.limit)); diff != "" {
			t.Errorf("Jobs(%d, %d) (-want +got):\n%s", tt.tenant, tt.limit, diff)
		}
	}
	for _, tt := range []struct{ tenant, id int64 }{{1, theirs.ID}, {2, mine[0]}, {1, theirs.ID + 100}} {
		if _, err := db.Job(ctx, tt.tenant, tt.id); handover.ErrorCode(err) != handover.ErrNotFound {
			t.Errorf("Job(%d, %d): %v; want not found", tt.tenant, tt.id, err)
		}
	}
}

var jobStatuses = []handover.JobStatus{handover.JobRunning, handover.JobInterrupted, handover.JobDone, handover.JobFailed, handover.JobUndone}

// confStateMachine: a job's status moves only along the state machine's
// edges; every other move is refused and changes nothing.
func confStateMachine(t *testing.T, db *DB) {
	ctx := context.Background()
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[[2]handover.JobStatus]bool{
		{handover.JobRunning, handover.JobInterrupted}: true, // its process stopped or died
		{handover.JobInterrupted, handover.JobRunning}: true, // resume
		{handover.JobRunning, handover.JobDone}:        true,
		{handover.JobRunning, handover.JobFailed}:      true,
		{handover.JobDone, handover.JobUndone}:         true,
		{handover.JobFailed, handover.JobUndone}:       true,
	}
	for _, from := range jobStatuses {
		for _, to := range jobStatuses {
			mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, from, job.ID)
			err := db.moveJob(ctx, db.db, job.ID, to)
			now := handover.JobStatus(mustString(t, db, `SELECT status FROM handover_jobs WHERE id = ?`, job.ID))
			switch {
			case allowed[[2]handover.JobStatus{from, to}] && (err != nil || now != to):
				t.Errorf("%s → %s: %v, now %s; want it moved", from, to, err, now)
			case !allowed[[2]handover.JobStatus{from, to}] && (!isWrongState(err) || now != from):
				t.Errorf("%s → %s: %v, now %s; want it refused", from, to, err, now)
			}
		}
	}
	// A run marked interrupted by another process while it ran cannot finish.
	mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobInterrupted, job.ID)
	if _, err := db.finishJob(ctx, job.ID); handover.ErrorCode(err) != handover.ErrLocked || !strings.Contains(err.Error(), "resume") {
		t.Errorf("finishing an interrupted job: %v; want locked, pointing to resume", err)
	}
}

// confSetRunning: only an interrupted job can be resumed.
func confSetRunning(t *testing.T, db *DB) {
	ctx := context.Background()
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range jobStatuses {
		mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, from, job.ID)
		err := db.SetRunning(ctx, job.ID)
		if from == handover.JobInterrupted && err != nil {
			t.Errorf("SetRunning of an interrupted job: %v", err)
		}
		if from != handover.JobInterrupted && handover.ErrorCode(err) != handover.ErrUsage {
			t.Errorf("SetRunning of a %s job: %v; want refused (usage)", from, err)
		}
	}
}

// confCheckNotInterrupted: a file whose earlier run was interrupted is
// refused, in that tenant, until the job is finished.
func confCheckNotInterrupted(t *testing.T, db *DB) {
	ctx := context.Background()
	job, err := db.CreateJob(ctx, planFor(t, db, handover.Pair{From: 10, To: 12}), handover.RunOptions{}) // file sha "abc"
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobInterrupted, job.ID)
	err = db.CheckNotInterrupted(ctx, 1, "abc")
	if handover.ErrorCode(err) != handover.ErrInterrupted || !strings.Contains(err.Error(), fmt.Sprintf("handover resume %d", job.ID)) {
		t.Errorf("same file again: %v; want interrupted, pointing to resume %d", err, job.ID)
	}
	for _, tt := range []struct {
		tenant int64
		sha    string
	}{{1, "other"}, {2, "abc"}, {1, ""}} {
		if err := db.CheckNotInterrupted(ctx, tt.tenant, tt.sha); err != nil {
			t.Errorf("tenant %d, file %q: %v; want nil", tt.tenant, tt.sha, err)
		}
	}
	mustExec(t, db, `UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobDone, job.ID)
	if err := db.CheckNotInterrupted(ctx, 1, "abc"); err != nil {
		t.Errorf("after the job finished: %v; want nil", err)
	}
}

func mustString(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.db.Get(&s, db.rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

var conformJournal = []conformCase{
	{"MovedKeysPerPairAndType", confJournalKeys},
	{"OverwriteArchivesTargetRows", confJournalArchive},
	{"DeactivatedSources", confJournalDeactivation},
}

// journalLine is what the journal says of one pair and owner column
// (column "" for the overwritten count).
type journalLine struct {
	Moved, Overwritten int64
	Keys               []int64
	Fingerprinted      bool
}

// readJournal returns job's journal, keyed "from→to table.column".
func readJournal(t *testing.T, db *DB, job int64) map[string]journalLine {
	t.Helper()
	var rows []struct {
		From int64 `db:"from_id"`
		To   int64 `db:"to_id"`
		journalEntry
	}
	if err := db.db.Select(&rows, db.rebind(`SELECT p.from_id, p.to_id, m.data_type, m.owner_column, m.moved, m.overwritten, m.ids, m.fingerprint
FROM handover_moves m JOIN handover_pairs p ON p.id = m.pair_id WHERE m.job_id = ?`), job); err != nil {
		t.Fatal(err)
	}
	out := map[string]journalLine{}
	for _, r := range rows {
		l := journalLine{Moved: r.Moved, Overwritten: r.Overwritten, Fingerprinted: r.Fingerprint != nil}
		if r.IDs != nil {
			l.Keys = journalKeys(t, *r.IDs)
		}
		out[fmt.Sprintf("%d→%d %s.%s", r.From, r.To, r.Type, r.Column)] = l
	}
	return out
}

// journalKeys reads a journal's key list, a PostgreSQL array ({1,2}) or
// an SQLite JSON array ([1,2]), sorted.
func journalKeys(t *testing.T, s string) []int64 {
	t.Helper()
	var out []int64
	for _, f := range strings.Split(strings.Trim(s, "{}[]"), ",") {
		if f == "" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			t.Fatalf("journal keys %q: %v", s, err)
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// keysOwned returns the keys of t's rows whose col is user, sorted.
func keysOwned(t *testing.T, db *DB, dt handover.DataType, col string, user int64) []int64 {
	t.Helper()
	var out []int64
	if err := db.db.Select(&out, db.rebind(fmt.Sprintf(`SELECT %s FROM %s WHERE %s = ? ORDER BY %s`, dt.Key(), dt.Table, col, dt.Key())), user); err != nil {
		t.Fatal(err)
	}
	return out
}

// confJournalKeys: per pair and owner column, the journal holds the keys
// of exactly the rows the source owned, fingerprinted; per overwrite type
// the count of target rows deleted; and the ledger's per-type counts are
// the journal's sums.
func confJournalKeys(t *testing.T, db *DB) {
	ctx := context.Background()
	pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}} // 11 has no schedule, 10 no productivity
	want := map[string]journalLine{}
	wantMoves := map[handover.Pair][]handover.Move{}
	before := map[int64]map[string]int64{}
	for _, p := range pairs {
		before[p.From], before[p.To] = owned(t, db, p.From), owned(t, db, p.To)
		wantMoves[p] = []handover.Move{}
		for _, dt := range handover.Catalog {
			m := handover.Move{Type: dt.Table, Mode: dt.Mode}
			for _, col := range dt.Owners {
				keys := keysOwned(t, db, dt, col, p.From)
				if len(keys) == 0 {
					continue
				}
				if col == dt.Key() { // keyed by its owner: the key becomes the target's
					keys = []int64{p.To}
				}
				want[fmt.Sprintf("%d→%d %s.%s", p.From, p.To, dt.Table, col)] = journalLine{Moved: int64(len(keys)), Keys: keys, Fingerprinted: true}
				m.Rows += int64(len(keys))
			}
			if n := before[p.To][dt.Table+"."+dt.Owners[0]]; dt.Mode == handover.Overwrite && m.Rows > 0 && n > 0 {
				want[fmt.Sprintf("%d→%d %s.", p.From, p.To, dt.Table)] = journalLine{Overwritten: n}
				m.Overwritten = n
			}
			if m.Rows > 0 || m.Overwritten > 0 {
				wantMoves[p] = append(wantMoves[p], m)
			}
		}
	}
	job, _ := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{})
	if diff := cmp.Diff(want, readJournal(t, db, job.ID)); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}
	recs, err := db.JobPairs(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		p := handover.Pair{From: r.From, To: r.To}
		if diff := cmp.Diff(wantMoves[p], r.Moves); diff != "" {
			t.Errorf("ledger counts of %v (-want +got):\n%s", p, diff)
		}
		checkPairEndState(t, db, p, before[p.From], before[p.To])
	}
}

// rowsOf renders the rows of table (t's columns) matching where, sorted.
func rowsOf(t *testing.T, db *DB, dt handover.DataType, table, where string, args ...any) []string {
	t.Helper()
	rows, err := db.db.Queryx(db.rebind(`SELECT `+columnList(dt, "")+` FROM `+table+` WHERE `+where), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, renderRow(vals))
	}
	sort.Strings(out)
	return out
}

// confJournalArchive: an overwrite archives the target's rows exactly,
// per pair, and only when the source had rows of the type.
func confJournalArchive(t *testing.T, db *DB) {
	pairs := []handover.Pair{{From: 10, To: 12}, {From: 11, To: 13}}
	want := map[string][]string{}
	for _, p := range pairs {
		for _, dt := range handover.Catalog {
			if dt.Mode != handover.Overwrite {
				continue
			}
			want[fmt.Sprintf("%v %s", p, dt.Table)] = []string{}
			if len(keysOwned(t, db, dt, dt.Owners[0], p.From)) > 0 {
				want[fmt.Sprintf("%v %s", p, dt.Table)] = rowsOf(t, db, dt, dt.Table, dt.Owners[0]+` = ?`, p.To)
			}
		}
	}
	job, _ := mustRun(t, db, planFor(t, db, pairs...), handover.RunOptions{})
	recs, err := db.JobPairs(context.Background(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range recs {
		for _, dt := range handover.Catalog {
			if dt.Mode == handover.Overwrite {
				got[fmt.Sprintf("%v %s", handover.Pair{From: r.From, To: r.To}, dt.Table)] = rowsOf(t, db, dt, archiveTable(dt), `job_id = ? AND pair_id = ?`, job.ID, r.ID)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archived rows per pair and type (-want +got):\n%s", diff)
	}
	if n := owned(t, db, 13)["schedules.user_id"]; n != 1 {
		t.Errorf("target 13 owns %d schedules; want its own kept, its source having none", n)
	}
}

// confJournalDeactivation: with DeactivateSource, the journal records
// which sources the run deactivated (those that were active).
func confJournalDeactivation(t *testing.T, db *DB) {
	mustExec(t, db, `UPDATE users SET active = ? WHERE id = 14`, false)
	job, _ := mustRun(t, db, planFor(t, db, handover.Pair{From: 10, To: 12}, handover.Pair{From: 14, To: 16}), handover.RunOptions{DeactivateSource: true})
	got := map[string]journalLine{}
	for k, l := range readJournal(t, db, job.ID) {
		if strings.HasSuffix(k, " "+deactivationType+"."+deactivationMark) {
			got[k] = l
		}
	}
	if diff := cmp.Diff(map[string]journalLine{"10→12 users.active": {Moved: 1}}, got); diff != "" {
		t.Errorf("deactivations journaled (-want +got):\n%s", diff)
	}
	users, err := db.Users(context.Background(), 1, []int64{10, 12, 14, 16})
	if err != nil {
		t.Fatal(err)
	}
	if users[10].Active || users[14].Active || !users[12].Active || !users[16].Active {
		t.Errorf("after the run: %+v; want sources 10 and 14 inactive, targets active", users)
	}
}
