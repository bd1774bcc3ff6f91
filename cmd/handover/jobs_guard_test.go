package main

// Job tests of the tenant guard: two runs at once, runs on two tenants,
// resume and undo refused while a run holds it.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"handover"
)

// TestTwoRunsAtOnce starts two runs of different files on the same tenant
// at the same moment, as two separate processes: exactly one proceeds, the
// other exits 3 naming the running job, its operator and its start time.
func TestTwoRunsAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=5"}
		people := d.people(1)
		files := []string{d.writePairs("a.csv", jobPairing(people, 0, 150)), d.writePairs("b.csv", jobPairing(people, 300, 150))}
		outs := jobStartTogether(t,
			func() *crashProc { return crashStart(t, d, "run", files[0], "--yes") },
			func() *crashProc { return crashStart(t, d, "run", files[1], "--yes") })
		if (outs[0].code == 0) == (outs[1].code == 0) {
			t.Fatalf("two runs at once: want exactly one to proceed, got\n%s\n---\n%s", outs[0], outs[1])
		}
		loser := outs[0]
		if loser.code == 0 {
			loser = outs[1]
		}
		if loser.code != handover.ExitBlocked {
			t.Fatalf("the run that did not proceed: want exit 3, got %s", loser)
		}
		jobs := d.jobs()
		if len(jobs) != 1 {
			t.Fatalf("want one job recorded, got %+v", jobs)
		}
		var name string
		if err := d.sql().Get(&name, `SELECT name FROM users WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{fmt.Sprintf("job %d", jobs[0].Job), name, "(1)", jobStartedText(t, jobs[0])} {
			if !strings.Contains(loser.stderr, want) {
				t.Errorf("the refusal does not name %q:\n%s", want, loser.stderr)
			}
		}
	})
}

// TestRunsOnTwoTenantsAtOnce starts a run on each tenant at the same moment:
// the guard is per tenant, so both proceed.
func TestRunsOnTwoTenantsAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=5"}
		other := d.operator(jobAdmin2)
		one, two := jobPairing(d.people(1), 0, 150), jobPairing(other.people(2), 0, 40)
		before := d.dump()
		outs := jobStartTogether(t,
			func() *crashProc { return crashStart(t, d, "run", d.writePairs("one.csv", one), "--yes") },
			func() *crashProc { return crashStart(t, other, "run", other.writePairs("two.csv", two), "--yes") })
		for i, out := range outs {
			if out.code != 0 {
				t.Errorf("run %d on its own tenant: %s", i+1, out)
			}
		}
		if diff := jobDiff(jobApply(before, append(one, two...), false), d.dump()); diff != "" {
			t.Fatalf("after runs on two tenants (-expected +found):\n%s", diff)
		}
		if j1, j2 := d.jobs(), other.jobs(); len(j1) != 1 || len(j2) != 1 || j1[0].Job == j2[0].Job {
			t.Errorf("each tenant must list its own job: tenant 1 %+v, tenant 2 %+v", j1, j2)
		}
	})
}

// TestGuardRefusesResumeAndUndo runs undo and resume while a run holds the
// tenant's guard: both exit 3 naming the running job.
func TestGuardRefusesResumeAndUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		people := d.people(1)
		d.mustRun("run", d.writePairs("small.csv", jobPairing(people, 0, 5)), "--yes")
		d.env = []string{"HANDOVER_CHUNK_SIZE=2"}
		p, job := crashStartJob(t, d, "run", d.writePairs("big.csv", jobPairing(people, 10, 200)), "--yes")
		for _, args := range [][]string{{"undo", "1", "--yes"}, {"resume", strconv.FormatInt(job, 10)}, {"run", "--from", jobID(people[500]), "--to", jobID(people[501]), "--yes"}} {
			out := d.run(args...)
			if out.code != handover.ExitBlocked || !strings.Contains(out.stderr, fmt.Sprintf("job %d", job)) {
				t.Errorf("%s while job %d runs: want exit 3 naming it, got %s", strings.Join(args, " "), job, out)
			}
		}
		if out := p.wait(); out.code != 0 {
			t.Fatalf("the run holding the guard: %s", out)
		}
		d.mustRun("undo", "1", "--yes")
	})
}

// jobPreviewRow is one row of `preview --format json`.
