package main

import (
	"encoding/json"
	"strings"
	"testing"

	"handover"
	"handover/audit"
)

// TestVerifyUnderstandsUndo: verify of an undone run names the undo that
// restored it instead of reporting its sources' rows as drift, and verify
// of the undo job checks the restore instead of reporting it as drift.
func TestVerifyUnderstandsUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 300)
		file := d.writePairs("p.csv", jobPairing(d.people(1), 0, 10))
		run := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json")).Job
		if out := d.mustRun("verify", jobID(run)); !strings.Contains(out.stdout, "verified") {
			t.Errorf("verify of the run: %s", out)
		}
		undo := jobResult(t, d.mustRun("undo", jobID(run), "--yes", "--format", "json")).Job
		out := d.mustRun("verify", jobID(run))
		if want := "job " + jobID(run) + " was undone by job " + jobID(undo); !strings.Contains(out.stdout, want) {
			t.Errorf("verify of the undone run says %q; want %q", out.stdout, want)
		}
		out = d.mustRun("verify", jobID(undo), "--format", "json")
		var v handover.Verification
		if err := json.Unmarshal([]byte(out.stdout), &v); err != nil {
			t.Fatalf("verify --format json: %v\n%s", err, out)
		}
		if v.Kind != handover.KindUndo || v.UndoOf == nil || *v.UndoOf != run || v.Checked != 10 || len(v.Drift) != 0 {
			t.Errorf("verify of the undo job = %+v; want an undo of job %d with 10 pairs checked and no drift", v, run)
		}
		// A source that gains a row after its pair ran keeps it, and verify says so.
		run2 := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json")).Job
		src := jobPairing(d.people(1), 0, 1)[0].From
		d.exec(`INSERT INTO saved_views (id, tenant_id, user_id, name, definition) VALUES (987654321, 1, ?, 'mine', '{}')`, src)
		out = d.want(handover.ExitPartial, "verify", jobID(run2))
		if !strings.Contains(out.stdout, "gained after the pair ran") {
			t.Errorf("verify after the source gained a row: %s", out)
		}
	})
}

// TestUndoSaysUndo: undo prints an undo summary, not the run's "Data
// transfer successful", and show of an undo job names the job it undid.
func TestUndoSaysUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 300)
		run := jobResult(t, d.mustRun("run", d.writePairs("p.csv", jobPairing(d.people(1), 0, 5)), "--yes", "--format", "json")).Job
		out := d.mustRun("undo", jobID(run), "--yes")
		if !strings.Contains(out.stdout, audit.UndoSuccess) || strings.Contains(out.stdout, audit.Success) {
			t.Errorf("undo summary: want %q and not %q:\n%s", audit.UndoSuccess, audit.Success, out)
		}
		undo := d.newestJob().Job
		if show := d.mustRun("show", jobID(undo)); !strings.Contains(show.stdout, "undo of job "+jobID(run)) {
			t.Errorf("show of the undo job does not name job %d:\n%s", run, show)
		}
	})
}

// TestDuplicateRowCountsOnce: a pair typed twice previews, confirms and
// runs as one pair: the preview's totals are what the job moves.
func TestDuplicateRowCountsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 300)
		p := jobPairing(d.people(1), 0, 1)[0]
		d.writeFile("dup.csv", "From User ID,To User ID\n"+jobID(p.From)+","+jobID(p.To)+"\n"+jobID(p.From)+","+jobID(p.To)+"\n")
		rows := d.preview("dup.csv")
		var predicted int64
		for _, r := range rows {
			for _, m := range r.Moves {
				predicted += m.Rows
			}
		}
		text := d.want(handover.ExitOK, "preview", "dup.csv")
		if !strings.Contains(text.stdout, "Run would transfer 1 pair: ") {
			t.Errorf("preview of a repeated pair:\n%s", text.stdout)
		}
		res := jobResult(t, d.mustRun("run", "dup.csv", "--yes", "--format", "json"))
		var moved int64
		for _, pr := range d.show(res.Job).Pairs {
			for _, m := range pr.Moves {
				moved += m.Rows
			}
		}
		if res.Pairs != 1 || moved != predicted || moved == 0 {
			t.Errorf("run = %+v moving %d rows; the preview said 1 pair, %d rows", res, moved, predicted)
		}
	})
}

// TestRerunSaysWhoTransferred: running a finished file again names, per
// pair, the job that already transferred it.
func TestRerunSaysWhoTransferred(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 300)
		pairs := jobPairing(d.people(1), 0, 3)
		file := d.writePairs("p.csv", pairs)
		first := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json")).Job
		out := d.mustRun("run", file, "--yes")
		if n := strings.Count(out.stderr, "already transferred by job "+jobID(first)); n != len(pairs) {
			t.Errorf("the rerun names job %d for %d of %d pairs:\n%s", first, n, len(pairs), out)
		}
	})
}

// TestRefusedRunCountsTheValidPairs: a run refused for rows with errors
// says, on stderr and in its message, the same number of valid pairs that
// --skip-invalid would run, not the 0 of its error rows alone.
func TestRefusedRunCountsTheValidPairs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 300)
		pairs := jobPairing(d.people(1), 0, 5)
		body := "From User ID,To User ID\n"
		for _, p := range pairs {
			body += jobID(p.From) + "," + jobID(p.To) + "\n"
		}
		body += "99999998,99999999\n"
		d.writeFile("mixed.csv", body)
		out := d.want(handover.ExitRejected, "run", "mixed.csv", "--yes")
		if !strings.Contains(out.stderr, "Run would transfer 5 pairs") || !strings.Contains(out.stderr, "run the 5 valid pairs") {
			t.Errorf("refused run of 5 valid pairs and 1 error:\n%s", out)
		}
	})
}
