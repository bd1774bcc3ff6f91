package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"handover"
)

// TestSoak interleaves, at random, everything that changes a tenant's data
// at once, on each backend, and then checks that nothing went wrong. The
// tenant has a pool of disjoint pairs; a step runs one command through the
// built binary, or two at once on disjoint pairs of the pool:
//
//   - `run FILE --yes` of a random subset of the pool, some with
//     --deactivate-source; `resume N` of an interrupted job; `undo N --yes`
//     of a run job, also of one whose earlier undo is unfinished; any of
//     them SIGKILLed at a random moment (HANDOVER_CHUNK_SIZE=1..5 makes
//     chunks small, so kills land mid-job). Two bulk jobs at once meet the
//     tenant guard: exit 3 is a legitimate outcome.
//   - `prune --older-than D` after ageing some finished jobs (moving their
//     finished_at back: time passing), sometimes racing an `undo` of one of
//     them.
//
// Meanwhile an application (a goroutine with its own connection) inserts,
// edits (columns that own nothing) and deletes rows of all 14 data types
// for the pool's users, each change in its own short transaction.
//
// Between steps, with no job process alive and the application paused, the
// driver reads who owns every row of the pool's users, the ledger and the
// journal of every pair that committed. At the end every interrupted job is
// resumed, `verify` runs for every job, and soakCheck (soak_model_test.go)
// checks, against that history:
//
//  1. Nothing lost, nothing duplicated: every row the seed or the
//     application created and the application did not delete is in its
//     table exactly once, or in the archive of a pair that overwrote it and
//     stands, or was overwritten by a pair whose journal was pruned; no row
//     is both; no row changes owner except by its pair's commit.
//  2. Overwrite types never mix: a pair that moved rows of an overwrite
//     type left its target none of the rows of it that the target had
//     before; a pair that moved none overwrote none.
//  3. Sources own nothing they had when their pair committed (unless a newer
//     pair that moved them was undone).
//  4. Undone pairs are fully back: rows journaled for an undone pair are
//     with the source again (unless the application deleted them or a later
//     pair moved them), the target's archived rows are back; undo restores
//     only pairs it may (done, not undone already, rows not edited, deleted
//     or moved since) and never reverses a newer run.
//  5. Every job's recorded counts equal what changed: moved counts equal the
//     journaled ids and the rows that moved; `jobs --format json` totals
//     equal the pair records; a killed job is listed interrupted at once,
//     not running; an undo that reports success restored its pairs.
//
// It runs about two minutes per backend (HANDOVER_SOAK=30m for longer) and
// logs its seed: HANDOVER_SOAK_SEED=N replays the same choices (the
// interleavings with the processes still vary). HANDOVER_SOAK_TRACE=DIR
// writes every step and its violations to DIR/soak-BACKEND-SEED.txt. Not
// under -short.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a randomized soak of kills, undos and prunes under application traffic: not under -short")
	}
	length := 100 * time.Second
	if v := os.Getenv("HANDOVER_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("HANDOVER_SOAK=%q: %v", v, err)
		}
		length = d
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HANDOVER_SOAK_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("HANDOVER_SOAK_SEED=%q: %v", v, err)
		}
		seed = s
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		t.Logf("soak seed %d on %s: HANDOVER_SOAK_SEED=%d replays these choices; HANDOVER_SOAK=%v sets how long it runs", seed, backend, seed, length)
		started := time.Now()
		s := newSoakDriver(t, backend, seed)
		for time.Since(started) < length {
			s.step(s.plan())
		}
		s.finish()
		s.report(soakCheck(s.h), time.Since(started))
	})
}

// The soak's tenant: how many users, and how many pairs its pool holds.
const (
	soakUsers = 300
	soakPairs = 30
)

// soakDriver runs the steps and records what it observes.
type soakDriver struct {
	t       *testing.T
	d       *jobTenant
	h       *soakHistory
	rng     *rand.Rand
	app     *soakApp
	pause   sync.RWMutex // the driver holds it to observe; the application for each change
	last    soakObs
	pool    map[int64]int // user → pool pair
	users   string        // the pool's users as an SQL list
	typical map[string]time.Duration
	yes     []string // what prune takes to skip its question, if it asks
	files   int
	procs   int
}

// soakObs is one observation: owners of the pool users' rows and the ledger.
type soakObs struct {
	owners map[soakCell]int64
	pairs  map[int64]soakPair
	jobs   map[int64]soakJob
}

// soakPlan is one command a step runs.
type soakPlan struct {
	args  []string
	kind  string        // run, resume, undo, prune
	pairs []int         // the pool pairs it may touch
	kill  time.Duration // SIGKILL it this long after its start; 0: let it end
	after time.Duration // start it this long after the step starts
}

func newSoakDriver(t *testing.T, backend string, seed uint64) *soakDriver {
	stream := uint64(1)
	if backend == "postgres" {
		stream = 2
	}
	s := &soakDriver{t: t, d: jobSeed(t, backend, soakUsers), rng: rand.New(rand.NewPCG(seed, stream)),
		pool: map[int64]int{}, typical: map[string]time.Duration{}}
	s.tagVacations()
	s.h = &soakHistory{Seed: seed, Backend: backend, Pool: s.pairUp()}
	var ids []string
	for i, p := range s.h.Pool {
		s.pool[p.From], s.pool[p.To] = i, i
		ids = append(ids, jobID(p.From), jobID(p.To))
	}
	s.users = "(" + strings.Join(ids, ", ") + ")"
	if out := s.d.run("prune", "-h"); strings.Contains(out.stdout+out.stderr, "-yes") {
		s.yes = []string{"--yes"}
	}
	s.last = s.observe()
	s.h.Initial = s.last.owners
	s.h.Rows = map[soakRow]bool{}
	for r := range s.liveRows() {
		s.h.Rows[r] = true
	}
	busy := map[int64]bool{}
	for _, p := range s.h.Pool[:len(s.h.Pool)/2] {
		busy[p.From], busy[p.To] = true, true
	}
	s.app = startSoakApp(t, s.d, &s.pause, rand.New(rand.NewPCG(seed, stream+10)), slices.Sorted(maps.Keys(s.pool)), busy, s.h.Initial)
	return s
}

// pairUp pairs agents and supervisors of the tenant at random, each in one
// pair; targets are active (--deactivate-source refuses inactive ones).
func (s *soakDriver) pairUp() []handover.Pair {
	var people []struct {
		ID     int64 `db:"id"`
		Active bool  `db:"active"`
	}
	err := s.d.sql().Select(&people, `SELECT id, active FROM users WHERE tenant_id = 1 AND role IN ('agent', 'supervisor') ORDER BY id`)
	s.must(err, "read the tenant's people")
	s.rng.Shuffle(len(people), func(i, j int) { people[i], people[j] = people[j], people[i] })
	var pool []handover.Pair
	for i := 0; len(pool) < soakPairs && i < len(people); i++ {
		if people[i].Active {
			pool = append(pool, handover.Pair{To: people[i].ID})
		}
	}
	used := 0
	for k := range pool {
		for used < len(people) && slices.ContainsFunc(pool, func(p handover.Pair) bool { return p.To == people[used].ID }) {
			used++
		}
		pool[k].From = people[used].ID
		used++
	}
	return pool
}

func (s *soakDriver) must(err error, what string) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// plan chooses the next step's commands, and ages jobs for a prune.
func (s *soakDriver) plan() ([]soakPlan, []int64) {
	switch r := s.rng.Float64(); {
	case r < 0.1:
		return s.planPrune()
	case r < 0.25:
		first, _ := s.pick(nil)
		if second, ok := s.pick(first.pairs); ok {
			return []soakPlan{first, second}, nil
		}
		return []soakPlan{first}, nil
	}
	p, _ := s.pick(nil)
	return []soakPlan{p}, nil
}

// pick chooses a resume, an undo or a run touching none of the busy pool
// pairs; ok is false when there is none.
func (s *soakDriver) pick(busy []int) (soakPlan, bool) {
	r := s.rng.Float64()
	if j, ok := s.choose(s.jobsWhere(func(j soakJob) bool { return j.Status == "interrupted" || j.Status == "running" }), busy); ok && r < 0.3 {
		return s.killable(soakPlan{args: []string{"resume", jobID(j)}, kind: "resume", pairs: s.jobPairs(j)}), true
	}
	if j, ok := s.choose(s.undoable(), busy); ok && r < 0.6 {
		return s.killable(soakPlan{args: []string{"undo", jobID(j), "--yes"}, kind: "undo", pairs: s.jobPairs(j)}), true
	}
	return s.planRun(busy)
}

// jobsWhere lists the jobs of the last observation that match, in order.
func (s *soakDriver) jobsWhere(match func(soakJob) bool) []int64 {
	var out []int64
	for _, id := range slices.Sorted(maps.Keys(s.last.jobs)) {
		if match(s.last.jobs[id]) {
			out = append(out, id)
		}
	}
	return out
}

// undoable lists run jobs to undo; more often than not only those whose
// earlier undo is unfinished, when there are some.
func (s *soakDriver) undoable() []int64 {
	runs := s.jobsWhere(func(j soakJob) bool { return j.Kind == "run" && (j.Status == "done" || j.Status == "failed") })
	unfinished := map[int64]bool{}
	for _, j := range s.last.jobs {
		if j.Kind == "undo" && (j.Status == "interrupted" || j.Status == "running") {
			unfinished[j.UndoOf] = true
		}
	}
	again := slices.DeleteFunc(slices.Clone(runs), func(id int64) bool { return !unfinished[id] })
	if len(again) > 0 && s.rng.Float64() < 0.6 {
		return again
	}
	return runs
}

// choose picks one of the jobs touching none of the busy pool pairs.
func (s *soakDriver) choose(jobs []int64, busy []int) (int64, bool) {
	jobs = slices.DeleteFunc(slices.Clone(jobs), func(j int64) bool {
		return slices.ContainsFunc(s.jobPairs(j), func(p int) bool { return slices.Contains(busy, p) })
	})
	if len(jobs) == 0 {
		return 0, false
	}
	return jobs[s.rng.IntN(len(jobs))], true
}

// jobPairs returns the pool pairs of a job's pair records.
func (s *soakDriver) jobPairs(job int64) []int {
	var out []int
	for _, p := range s.last.pairs {
		if i, ok := s.pool[p.From]; ok && p.Job == job && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// planRun writes a file of a random subset of the free pool pairs.
func (s *soakDriver) planRun(busy []int) (soakPlan, bool) {
	var free []int
	for i := range s.h.Pool {
		if !slices.Contains(busy, i) {
			free = append(free, i)
		}
	}
	if len(free) == 0 {
		return soakPlan{}, false
	}
	s.rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	free = free[:1+s.rng.IntN(len(free))]
	pairs := make([]handover.Pair, len(free))
	for k, i := range free {
		pairs[k] = s.h.Pool[i]
	}
	s.files++
	args := []string{"run", s.writeTyped(fmt.Sprintf("soak-%d.csv", s.files), pairs), "--yes"}
	if s.rng.Float64() < 0.3 {
		args = append(args, "--deactivate-source")
	}
	return s.killable(soakPlan{args: args, kind: "run", pairs: free}), true
}

// writeTyped writes a file of pairs in which some rows choose a random set
// of data types, as a list or as exclusions.
func (s *soakDriver) writeTyped(name string, pairs []handover.Pair) string {
	var b strings.Builder
	b.WriteString("From User ID,To User ID,Data Types\n")
	for _, p := range pairs {
		var in, out []string
		for _, t := range handover.Catalog {
			if s.rng.IntN(2) == 0 {
				in = append(in, t.Table)
			} else {
				out = append(out, "-"+t.Table)
			}
		}
		cell := ""
		switch r := s.rng.Float64(); {
		case r < 0.2 && len(in) > 0:
			cell = strings.Join(in, "; ")
		case r < 0.4 && len(in) > 0:
			cell = strings.Join(out, ", ")
		}
		fmt.Fprintf(&b, "%d,%d,\"%s\"\n", p.From, p.To, cell)
	}
	s.d.writeFile(name, b.String())
	return name
}

// killable decides whether and when to SIGKILL the command: at a random
// moment of about as long as the command usually takes.
func (s *soakDriver) killable(p soakPlan) soakPlan {
	if s.rng.Float64() < 0.4 {
		p.kill = time.Millisecond + time.Duration(s.rng.Float64()*1.3*float64(s.usual(p.kind)))
	}
	return p
}

func (s *soakDriver) usual(kind string) time.Duration {
	return cmp.Or(s.typical[kind], 500*time.Millisecond)
}

// planPrune ages some finished run jobs past a retention of 1 to 3 days
// and prunes, often racing an undo of one of them.
func (s *soakDriver) planPrune() ([]soakPlan, []int64) {
	days := 1 + s.rng.IntN(3)
	finished := s.jobsWhere(func(j soakJob) bool { return j.Kind == "run" && j.Finished && !j.Pruned })
	s.rng.Shuffle(len(finished), func(i, j int) { finished[i], finished[j] = finished[j], finished[i] })
	aged := finished[:min(len(finished), 1+s.rng.IntN(3))]
	at := time.Now().Add(-time.Duration(days+1) * 24 * time.Hour)
	var stamp any = at
	if s.h.Backend == "sqlite" {
		stamp = at.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") // as the ledger writes it
	}
	for _, j := range aged {
		s.d.exec(`UPDATE handover_jobs SET finished_at = ? WHERE id = ?`, stamp, j)
	}
	prune := soakPlan{args: append([]string{"prune", "--older-than", strconv.Itoa(days)}, s.yes...), kind: "prune"}
	for _, j := range aged {
		if s.last.jobs[j].Status == "done" && s.rng.Float64() < 0.6 {
			prune.after = time.Duration(s.rng.Float64() * float64(s.usual("undo")))
			undo := s.killable(soakPlan{args: []string{"undo", jobID(j), "--yes"}, kind: "undo", pairs: s.jobPairs(j)})
			return []soakPlan{undo, prune}, aged
		}
	}
	return []soakPlan{prune}, aged
}

// step runs the plans at once, waits for them to end and records what
// changed.
func (s *soakDriver) step(plans []soakPlan, aged []int64) {
	s.app.running.Store(true)
	cmds := s.execute(plans)
	s.app.running.Store(false)
	var killed []string
	for i, c := range cmds {
		if c.Killed {
			killed = append(killed, c.Proc)
		} else if c.Code == 0 || c.Code == 1 {
			s.typical[plans[i].kind] = (7*s.usual(plans[i].kind) + 3*c.Took) / 10
		}
	}
	s.waitGone(killed)
	var listed []jobJSON
	if len(killed) > 0 {
		listed = s.listJobs()
	}
	s.record(cmds, aged, listed)
}

// execute starts every plan, each with its own chunk size, and waits for
// all of them.
func (s *soakDriver) execute(plans []soakPlan) []soakCmd {
	cmds := make([]soakCmd, len(plans))
	var wg sync.WaitGroup
	for i, p := range plans {
		s.procs++
		name, chunk := fmt.Sprintf("handover-soak-%d", s.procs), 1+s.rng.IntN(5)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmds[i] = s.runProc(p, name, chunk)
		}()
	}
	wg.Wait()
	return cmds
}

// runProc runs one command, killing it at its moment if it has one. Its
// connections carry name as application_name, so that the driver can
// tell when PostgreSQL has let go of a killed one.
func (s *soakDriver) runProc(p soakPlan, name string, chunk int) soakCmd {
	time.Sleep(p.after) // a moment the seed chose to race another command: an input, not a wait
	tenant := *s.d
	tenant.dsn, tenant.env = s.d.dsn, []string{"HANDOVER_CHUNK_SIZE=" + strconv.Itoa(chunk)}
	if s.h.Backend == "postgres" {
		sep := "?"
		if strings.Contains(tenant.dsn, "?") {
			sep = "&"
		}
		tenant.dsn += sep + "application_name=" + name
	}
	cmd, _, stderr := tenant.command(p.args...)
	c := soakCmd{Args: p.args, Chunk: chunk, Kill: p.kill, Proc: name}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		c.Code, c.Err = -1, err.Error()
		return c
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	var timer <-chan time.Time
	if p.kill > 0 {
		timer = time.After(p.kill)
	}
	select {
	case <-done:
	case <-timer:
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
	c.Took = time.Since(start)
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	c.Killed, c.Code = ws.Signaled() && ws.Signal() == syscall.SIGKILL, cmd.ProcessState.ExitCode()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	c.Err = lines[len(lines)-1]
	return c
}

// waitGone waits until PostgreSQL has ended the sessions of killed
// processes: until then a transaction of theirs may still be committing,
// and their backend holds the tenant's guard.
func (s *soakDriver) waitGone(names []string) {
	if s.h.Backend != "postgres" || len(names) == 0 {
		return
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := s.d.sql().Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY($1)`, pq.Array(names))
		s.must(err, "sessions of killed processes")
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("PostgreSQL still has %d sessions of killed processes %v after a minute", n, names)
		}
		time.Sleep(2 * time.Millisecond) // polls the condition
	}
}

// listJobs returns `jobs --format json`, every job.
func (s *soakDriver) listJobs() []jobJSON {
	out := s.d.mustRun("jobs", "--format", "json", "--limit", "1000000")
	var jobs []jobJSON
	s.must(json.Unmarshal([]byte(out.stdout), &jobs), "jobs --format json: "+out.stdout)
	return jobs
}

// record observes, with the application paused, and appends the step.
func (s *soakDriver) record(cmds []soakCmd, aged []int64, listed []jobJSON) {
	s.pause.Lock()
	obs := s.observe()
	st := soakStep{Cmds: cmds, Aged: aged, Owners: map[soakCell]int64{}, App: s.app.drain(), Listed: listed}
	s.pause.Unlock()
	for cell, o := range obs.owners {
		if s.last.owners[cell] != o {
			st.Owners[cell] = o
		}
	}
	for cell := range s.last.owners {
		if _, ok := obs.owners[cell]; !ok {
			st.Owners[cell] = 0
		}
	}
	var done []string
	for _, id := range slices.Sorted(maps.Keys(obs.pairs)) {
		p, old := obs.pairs[id], s.last.pairs[id]
		if p != old {
			st.Pairs = append(st.Pairs, p)
		}
		if p.Status == "done" && old.Status != "done" {
			done = append(done, jobID(id))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(obs.jobs)) {
		if j := obs.jobs[id]; j != s.last.jobs[id] {
			st.Jobs = append(st.Jobs, j)
		}
	}
	if len(done) > 0 {
		st.Ledgers = s.ledgers("WHERE pair_id IN (" + strings.Join(done, ", ") + ")")
	}
	for i := range st.Cmds {
		st.Cmds[i].Job = s.jobOf(st.Cmds[i].Args, obs)
	}
	s.h.Steps = append(s.h.Steps, st)
	s.last = obs
}

// jobOf returns the job a command ran or created.
func (s *soakDriver) jobOf(args []string, obs soakObs) int64 {
	n, _ := strconv.ParseInt(args[1], 10, 64)
	for _, id := range slices.Sorted(maps.Keys(obs.jobs)) {
		j, old := obs.jobs[id], s.last.jobs[id].ID != 0
		switch {
		case args[0] == "resume" && id == n,
			args[0] == "run" && !old && j.Kind == "run" && j.File == args[1],
			args[0] == "undo" && !old && j.Kind == "undo" && j.UndoOf == n:
			return id
		}
	}
	return 0
}

// finish stops the application, resumes every interrupted job and reads
// the end state.
func (s *soakDriver) finish() {
	s.app.halt()
	s.record(nil, nil, nil) // what the application did since the last step
	tries := map[int64]int{}
	for {
		left := s.jobsWhere(func(j soakJob) bool { return (j.Status == "interrupted" || j.Status == "running") && tries[j.ID] < 3 })
		if len(left) == 0 {
			break // the check reports any job left unfinished
		}
		tries[left[0]]++
		s.step([]soakPlan{{args: []string{"resume", jobID(left[0])}, kind: "resume"}}, nil)
	}
	s.h.Final = soakFinal{Live: s.liveRows(), Archive: s.archived(), Ledgers: s.ledgers(""), Listed: s.listJobs()}
	s.verify()
}

// verify runs `verify N` for every job (JSON when the command has it) and
// logs what it says.
func (s *soakDriver) verify() {
	format := []string{"--format", "json"}
	var verified, differ, refused int
	var said []string
	for _, id := range slices.Sorted(maps.Keys(s.last.jobs)) {
		out := s.d.run(append([]string{"verify", jobID(id)}, format...)...)
		if out.code == handover.ExitRejected && strings.Contains(out.stderr, "flag provided but not defined") && format != nil {
			format = nil
			out = s.d.run("verify", jobID(id))
		}
		j := s.last.jobs[id]
		switch out.code {
		case 0:
			verified++
			continue
		case handover.ExitPartial:
			differ++
		default:
			refused++
		}
		if len(said) < 12 {
			first, _, _ := strings.Cut(strings.TrimSpace(out.stdout+out.stderr), "\n")
			said = append(said, fmt.Sprintf("job %d (%s, %s): exit %d: %s", id, j.Kind, j.Status, out.code, first))
		}
	}
	s.t.Logf("verify of all %d jobs (json output: %v): %d verified, %d with differences, %d refused\n  %s",
		len(s.last.jobs), format != nil, verified, differ, refused, strings.Join(said, "\n  "))
}

// report logs what the soak did and fails the test with each violation.
func (s *soakDriver) report(vs []soakViolation, took time.Duration) {
	outcomes := map[string]int{}
	commands, app := 0, 0
	for _, st := range s.h.Steps {
		app += len(st.App)
		for _, c := range st.Cmds {
			commands++
			what := fmt.Sprintf("exit %d", c.Code)
			if c.Killed {
				what = "killed"
			}
			outcomes[c.Args[0]+" "+what]++
		}
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(outcomes)) {
		lines = append(lines, fmt.Sprintf("%s: %d", k, outcomes[k]))
	}
	minutes := took.Minutes()
	s.t.Logf("%s soak, seed %d: %v, %d steps, %d commands (%.0f a minute), %d application changes (%.0f a minute), %d jobs\n  %s",
		s.h.Backend, s.h.Seed, took.Round(time.Second), len(s.h.Steps), commands, float64(commands)/minutes, app, float64(app)/minutes,
		len(s.last.jobs), strings.Join(lines, "\n  "))
	if dir := os.Getenv("HANDOVER_SOAK_TRACE"); dir != "" {
		path := filepath.Join(dir, fmt.Sprintf("soak-%s-%d.txt", s.h.Backend, s.h.Seed))
		s.must(os.WriteFile(path, []byte(s.trace(vs)), 0o600), "write the trace")
		s.t.Logf("trace of every step written to %s", path)
	}
	names := map[int]string{1: "nothing lost or duplicated", 2: "overwrite types never mix", 3: "sources own nothing they had",
		4: "undone pairs are fully back", 5: "counts and statuses equal what changed"}
	shown := map[int]int{}
	for _, v := range vs {
		if shown[v.Inv]++; shown[v.Inv] <= 10 {
			s.t.Errorf("%s, seed %d (HANDOVER_SOAK_SEED=%d): invariant %d (%s) %s: %s", s.h.Backend, s.h.Seed, s.h.Seed, v.Inv, names[v.Inv], s.where(v.Step), v.Msg)
		}
	}
	for _, inv := range slices.Sorted(maps.Keys(shown)) {
		if n := shown[inv]; n > 10 {
			s.t.Errorf("%s, seed %d: invariant %d (%s): %d more violations", s.h.Backend, s.h.Seed, inv, names[inv], n-10)
		}
	}
}

// trace renders every step (its commands, the jobs and pairs that changed,
// what the application did) and the violations found in it.
func (s *soakDriver) trace(vs []soakViolation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s soak, seed %d, pool %v\n", s.h.Backend, s.h.Seed, s.h.Pool)
	for i, st := range s.h.Steps {
		fmt.Fprintf(&b, "\n%s; %d application changes, %d owners changed, aged %v\n", s.where(i), len(st.App), len(st.Owners), st.Aged)
		for _, c := range st.Cmds {
			if c.Code != 0 && !c.Killed {
				fmt.Fprintf(&b, "  `%s`: %s\n", strings.Join(c.Args, " "), c.Err)
			}
		}
		for _, j := range st.Jobs {
			fmt.Fprintf(&b, "  job %+v\n", j)
		}
		for _, p := range st.Pairs {
			fmt.Fprintf(&b, "  %s: %s\n", p, p.Status)
		}
		for _, v := range vs {
			if v.Step == i {
				fmt.Fprintf(&b, "  VIOLATION %d: %s\n", v.Inv, v.Msg)
			}
		}
	}
	b.WriteString("\nat the end:\n")
	for _, v := range vs {
		if v.Step < 0 {
			fmt.Fprintf(&b, "  VIOLATION %d: %s\n", v.Inv, v.Msg)
		}
	}
	return b.String()
}

// where describes a step by its commands.
func (s *soakDriver) where(step int) string {
	if step < 0 {
		return "at the end"
	}
	var cmds []string
	for _, c := range s.h.Steps[step].Cmds {
		what := fmt.Sprintf("`%s` chunk %d, exit %d", strings.Join(c.Args, " "), c.Chunk, c.Code)
		if c.Killed {
			what = fmt.Sprintf("`%s` chunk %d, killed after %v", strings.Join(c.Args, " "), c.Chunk, c.Took.Round(time.Millisecond))
		}
		cmds = append(cmds, what)
	}
	return fmt.Sprintf("in step %d (%s)", step, strings.Join(cmds, "; "))
}
