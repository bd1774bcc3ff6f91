package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// TestSkipInvalidRunsTheValidRepeat: a row whose Name cell is wrong,
// then the same pair with the right name. The preview says one pair will
// run; with --skip-invalid the valid row runs and the invalid one goes to
// the audit file.
func TestSkipInvalidRunsTheValidRepeat(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 3)
		from, to := f.info.ActiveAgents[0], f.info.ActiveAgents[1]
		file := writeFile(t, f.path("repeat.csv"), fmt.Sprintf("From User ID,To User ID,Name\n%d,%d,Somebody Else\n%d,%d,%s\n",
			from, to, from, to, f.name(t, from)))
		doc := decodePreview(t, f.cli(t, nil, "preview", file, "--format", "json").stdout)
		if doc.Errors != 1 || doc.Rows[1].Status != "ok" {
			t.Fatalf("preview: %d errors, second row %q (%v); want the wrong name an error and its repeat ok", doc.Errors, doc.Rows[1].Status, doc.Rows[1].codes())
		}
		before := f.owners(t)
		auditPath := f.path("audit.csv")
		r := f.mustCLI(t, handover.ExitPartial, "run", file, "--skip-invalid", "--yes", "--audit", auditPath, "--format", "json")
		var res handover.Result
		mustDecode(t, r.stdout, &res)
		if res.Pairs != 2 || res.Done != 1 || res.Failed != 1 {
			t.Errorf("run = %+v; want 2 pairs: 1 done, 1 failed", res)
		}
		after := f.owners(t)
		if d := cmp.Diff(before.apply([]handover.Pair{{From: from, To: to}}), after); d != "" {
			t.Errorf("after the run, ownership is not that of running %d → %d once (-want +got):\n%s", from, to, d)
		}
		audit, err := os.ReadFile(auditPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(audit), "Somebody Else") || strings.Count(string(audit), "\n") != 2 {
			t.Errorf("audit file should hold the header and the invalid row only:\n%s", audit)
		}
	})
}

// TestKilledUndoThenUndoAgain: an undo SIGKILLed halfway reads as
// interrupted at once; `undo` of the same run again finishes that undo
// instead of starting a rival; a newer run of the same file is then safe
// from the finished undo job (resume refuses it).
func TestKilledUndoThenUndoAgain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=5"} // undo, like run, commits a chunk at a time
		pairs := jobPairing(d.people(1), 0, 150)
		before := d.dump()
		file := d.writePairs("p.csv", pairs)
		run := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json")).Job
		afterRun := d.dump()
		p, undo := crashStartJob(t, d, "undo", jobID(run), "--yes")
		p.kill()
		if out := p.wait(); !p.signaled {
			t.Fatalf("the undo ended before it was killed: %s", out)
		}
		if j := d.newestJob(); j.Job != undo || j.Status != "interrupted" {
			t.Fatalf("killed undo reads %+v; want job %d interrupted", j, undo)
		}
		out := d.mustRun("undo", jobID(run), "--yes", "--format", "json")
		if r := jobResult(t, out); r.Job != undo || r.Done != len(pairs) || r.Failed != 0 {
			t.Fatalf("undo again = %+v; want job %d finished with every pair done\n%s", r, undo, out)
		}
		if n := len(d.jobs()); n != 2 {
			t.Errorf("%d jobs after run, killed undo and undo again; want 2 (no rival undo job)", n)
		}
		if diff := jobDiff(before, d.dump()); diff != "" {
			t.Fatalf("after run → killed undo → undo again (-before +now):\n%s", diff)
		}
		d.mustRun("run", file, "--yes")
		if out := d.run("resume", jobID(undo)); out.code != handover.ExitRejected {
			t.Errorf("resume of the finished undo: %s; want exit 2", out)
		}
		if diff := jobDiff(afterRun, d.dump()); diff != "" {
			t.Errorf("the newer run's data changed (-after first run +now):\n%s", diff)
		}
	})
}
