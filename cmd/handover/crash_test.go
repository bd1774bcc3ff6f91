package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"handover"
)

// crashMinKills is how many times TestKillAndResume kills the binary on
// each backend, at least.
const crashMinKills = 20

// crashLocked is in every refusal of the tenant's guard.
const crashLocked = "only one bulk job runs per tenant at a time"

// crashChunk is the transaction size the crash tests run with: small, so
// that a job is many transactions and a kill lands in every phase of one.
var crashChunk = "HANDOVER_CHUNK_SIZE=10"

// TestKillAndResume kills the binary with SIGKILL at random moments of
// `run` and of the `resume`s that follow, until each job finishes, on
// several files in a row, and at least crashMinKills times. A reference
// database seeded alike runs the same files without interruption. After
// every file the reference's ledger must hold exactly the per-pair counts
// computed from the data, and the killed job's ledger the same as the
// reference's; at the end every row of every table of both must equal the
// end state computed from the pairs without the engine.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary at random moments: not under -short")
	}
	forEachBackend(t, crashKillAndResume)
}

func crashKillAndResume(t *testing.T, backend string) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("HANDOVER_CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("random seed %d (HANDOVER_CRASH_SEED=%d repeats this test's choices)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	killed, ref := jobSeed(t, backend, 3000), jobSeed(t, backend, 3000)
	killed.env, ref.env = []string{crashChunk}, []string{crashChunk}
	people := ref.people(1)
	expected, kills := ref.dump(), 0
	for file := 1; kills < crashMinKills; file++ {
		if file > 15 {
			t.Fatalf("only %d kills in %d files: the jobs finish too fast to be interrupted", kills, file-1)
		}
		deactivate := file%2 == 0
		candidates := people
		if deactivate {
			candidates = ref.activePeople(1) // with --deactivate-source an inactive target is an error
		}
		rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
		pairs := jobPairing(candidates, 0, 300)
		name := fmt.Sprintf("night-%d.csv", file)
		args := []string{"run", killed.writePairs(name, pairs), "--yes"}
		ref.writePairs(name, pairs)
		if deactivate {
			args = append(args, "--deactivate-source")
		}
		before := expected
		expected = jobApply(before, pairs, deactivate)
		out := ref.mustRun(args...)
		refJob := ref.newestJob().Job
		jobCheckLedger(t, ref.show(refJob), before, pairs)
		n, job := crashUntilDone(t, killed, args, out.took, rng)
		kills += n
		crashSameLedger(t, killed.show(job), ref.show(refJob))
		t.Logf("%s: %d kills; the uninterrupted run took %v", name, n, out.took.Round(time.Millisecond))
	}
	if diff := jobDiff(expected, ref.dump()); diff != "" {
		t.Fatalf("the uninterrupted reference's tables differ from the end state computed from the pairs (-expected +found):\n%s", diff)
	}
	if diff := jobDiff(expected, killed.dump()); diff != "" {
		t.Fatalf("after %d kills, the tables differ from the end state computed from the pairs, which the uninterrupted reference has (-expected +killed):\n%s", kills, diff)
	}
	if n := killed.count(`SELECT count(*) FROM handover_pairs WHERE status = 'pending'`); n != 0 {
		t.Errorf("%d pairs still pending", n)
	}
}

// crashUntilDone starts runArgs, kills it after a random delay below half
// of full (how long the whole run takes uninterrupted), then resumes the job it
// left, killing again, until a command finishes by itself. It checks on the
// way that running the file again is refused and points to resume. It
// returns the number of kills and the job.
func crashUntilDone(t *testing.T, d *jobTenant, runArgs []string, full time.Duration, rng *rand.Rand) (int, int64) {
	t.Helper()
	last := d.newestJob().Job
	args, kills, refused := runArgs, 0, false
	for attempt := 0; attempt < 400; attempt++ {
		out, wasKilled := crashRunKilled(t, d, time.Duration(rng.Int64N(int64(full/2))), args...)
		if !wasKilled {
			switch {
			case out.code == 0:
				j := d.newestJob()
				if j.Job <= last || j.Kind != "run" || j.Status != "done" {
					t.Fatalf("%s finished, but the newest job is %+v", strings.Join(args, " "), j)
				}
				return kills, j.Job
			case out.code == handover.ExitBlocked && strings.Contains(out.stderr, crashLocked):
				// PostgreSQL ends a killed client's session when it next
				// reads from it; a statement in flight delays that.
				time.Sleep(50 * time.Millisecond)
				continue
			}
			t.Fatalf("%s: %s", strings.Join(args, " "), out)
		}
		kills++
		j := d.newestJob()
		switch {
		case j.Job <= last:
			args = runArgs // killed before the job was recorded: start again
			continue
		case j.Status == "done":
			return kills, j.Job // killed after it finished
		}
		if !refused {
			crashCheckRefused(t, d, runArgs, j.Job)
			refused = true
		}
		args = []string{"resume", strconv.FormatInt(j.Job, 10)}
	}
	t.Fatalf("%s did not finish in 400 attempts", strings.Join(runArgs, " "))
	return 0, 0
}

// crashCheckRefused checks that running a file whose job was interrupted
// is refused with exit 3 and points to `handover resume JOB`.
func crashCheckRefused(t *testing.T, d *jobTenant, runArgs []string, job int64) {
	t.Helper()
	for {
		out := d.run(runArgs...)
		if out.code == handover.ExitBlocked && strings.Contains(out.stderr, crashLocked) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		want := fmt.Sprintf("handover resume %d", job)
		if out.code != handover.ExitBlocked || !strings.Contains(out.stderr, want) || !strings.Contains(out.stderr, "interrupted") {
			t.Fatalf("running the file of interrupted job %d again: want exit 3 saying it was interrupted and pointing to %q, got %s", job, want, out)
		}
		return
	}
}

// crashRunKilled runs the binary and kills it with SIGKILL after delay,
// unless it ends first. killed reports whether the kill ended it.
func crashRunKilled(t *testing.T, d *jobTenant, delay time.Duration, args ...string) (out jobOut, killed bool) {
	t.Helper()
	cmd, stdout, stderr := d.command(args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(delay):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	out = jobOut{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	return out, ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// crashSameLedger checks that a job interrupted many times recorded the
// same pairs, statuses and per-type counts as the uninterrupted one.
func crashSameLedger(t *testing.T, got, want jobShowJSON) {
	t.Helper()
	if got.Job.Status != want.Job.Status || got.Job.Pairs != want.Job.Pairs || got.Job.Done != want.Job.Done || got.Job.Failed != want.Job.Failed {
		t.Errorf("killed job %+v, uninterrupted job %+v", got.Job, want.Job)
	}
	if len(got.Pairs) != len(want.Pairs) {
		t.Fatalf("killed job has %d pairs, uninterrupted %d", len(got.Pairs), len(want.Pairs))
	}
	for i := range got.Pairs {
		g, w := got.Pairs[i], want.Pairs[i]
		g.At, w.At = "", ""
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("pair %d: killed job recorded %+v, uninterrupted %+v", i, g, w)
		}
	}
}

// crashStartJob starts args in the background and waits until the tenant
// has a running job with at least one pair done; it returns the process
// and the job.
func crashStartJob(t *testing.T, d *jobTenant, args ...string) (*crashProc, int64) {
	t.Helper()
	last := d.newestJob().Job
	p := crashStart(t, d, args...)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var job int64
		err := d.sql().Get(&job, d.sql().Rebind(`SELECT j.id FROM handover_jobs j WHERE j.id > ? AND j.status = 'running'
AND EXISTS (SELECT 1 FROM handover_pairs p WHERE p.job_id = j.id AND p.status = 'done')`), last)
		if err == nil {
			return p, job
		}
		select {
		case <-p.done:
			t.Fatalf("%s ended before any pair was done: %s", strings.Join(args, " "), p.out())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("%s: no pair done after 30s", strings.Join(args, " "))
	return nil, 0
}

// crashProc is a binary running in the background.
type crashProc struct {
	kill           func()
	done           chan struct{}
	stdout, stderr *bytes.Buffer
	code           int
	signaled       bool
}

func crashStart(t *testing.T, d *jobTenant, args ...string) *crashProc {
	t.Helper()
	cmd, stdout, stderr := d.command(args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &crashProc{done: make(chan struct{}), stdout: stdout, stderr: stderr,
		kill: func() { _ = cmd.Process.Signal(syscall.SIGKILL) }}
	go func() {
		_ = cmd.Wait()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		p.code, p.signaled = cmd.ProcessState.ExitCode(), ws.Signaled()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill(); <-p.done })
	return p
}

// wait waits for the process to end and returns what it printed.
func (p *crashProc) wait() jobOut {
	<-p.done
	return p.out()
}

func (p *crashProc) out() jobOut {
	return jobOut{code: p.code, stdout: p.stdout.String(), stderr: p.stderr.String()}
}

// TestKilledRunFreesTheGuard kills a run in the middle of its job and at
// once starts another run on the same tenant: the guard must not outlive
// the process. The interrupted job is then resumed and the tables end as
// if both files had run once.
func TestKilledRunFreesTheGuard(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{crashChunk}
		people := d.people(1)
		first, second := jobPairing(people, 0, 150), jobPairing(people, 300, 20)
		before := d.dump()
		p, job := crashStartJob(t, d, "run", d.writePairs("first.csv", first), "--yes")
		p.kill()
		if out := p.wait(); !p.signaled {
			t.Fatalf("the run ended before it was killed: %s", out)
		}
		out := d.run("run", d.writePairs("second.csv", second), "--yes")
		if out.code != 0 {
			t.Fatalf("a run right after another was killed: want it accepted, got %s", out)
		}
		if j := d.show(job).Job; j.Status != "interrupted" {
			t.Errorf("killed job %d is %q, want interrupted", job, j.Status)
		}
		d.mustRun("resume", strconv.FormatInt(job, 10))
		if diff := jobDiff(jobApply(before, append(first, second...), false), d.dump()); diff != "" {
			t.Fatalf("after kill, another run and resume (-expected +found):\n%s", diff)
		}
	})
}
