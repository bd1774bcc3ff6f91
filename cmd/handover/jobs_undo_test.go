package main

// Job tests of undo, verify and prune through the built binary.

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"handover"
)

// TestRunThenUndo runs a file with --deactivate-source and undoes it
// through the command line: every table has its checksum from before the
// run, the undo is a job of kind undo in `jobs`, the run is "undone", and
// the file's pairs are no longer warned as transferred.
func TestRunThenUndo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		pairs := jobPairing(d.activePeople(1), 0, 50)
		before := d.dump()
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--deactivate-source", "--format", "json"))
		if diff := jobDiff(jobApply(before, pairs, true), d.dump()); diff != "" {
			t.Fatalf("run (-expected +found):\n%s", diff)
		}
		undo := jobResult(t, d.mustRun("undo", jobID(run.Job), "--yes", "--format", "json"))
		if undo.Pairs != len(pairs) || undo.Done != len(pairs) || undo.Failed != 0 || undo.Job == run.Job {
			t.Errorf("undo result %+v, want a new job with %d pairs done", undo, len(pairs))
		}
		jobWantSums(t, "run → undo", before, d.dump())

		out := d.mustRun("jobs", "--format", "json")
		var raw []map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out.stdout), &raw); err != nil || len(raw) != 2 {
			t.Fatalf("jobs --format json: %v, %d jobs\n%s", err, len(raw), out.stdout)
		}
		for _, j := range raw {
			if keys := slices.Sorted(maps.Keys(j)); !slices.Equal(keys, []string{"done", "failed", "job", "kind", "operator", "pairs", "started", "status"}) {
				t.Errorf("jobs --format json fields %v, want exactly job, kind, status, operator, started, pairs, done, failed", keys)
			}
		}
		jobs := d.jobs()
		want := []jobJSON{
			{Job: undo.Job, Kind: "undo", Status: "done", Operator: 1, Pairs: len(pairs), Done: len(pairs)},
			{Job: run.Job, Kind: "run", Status: "undone", Operator: 1, Pairs: len(pairs), Done: len(pairs)},
		}
		for i := range jobs {
			if _, err := time.Parse(time.RFC3339, jobs[i].Started); err != nil {
				t.Errorf("job %d started %q: not RFC 3339", jobs[i].Job, jobs[i].Started)
			}
			jobs[i].Started = ""
		}
		if !slices.Equal(jobs, want) {
			t.Errorf("jobs after run → undo:\n got %+v\nwant %+v", jobs, want)
		}
		s := d.show(undo.Job)
		if s.Job.Kind != "undo" || len(s.Pairs) != len(pairs) {
			t.Fatalf("show %d: %+v", undo.Job, s.Job)
		}
		runPairs := d.show(run.Job).Pairs
		for i, p := range s.Pairs {
			if p.Status != "done" || p.From != pairs[i].From || !slices.Equal(p.Moves, runPairs[i].Moves) || runPairs[i].Status != "undone" {
				t.Errorf("undo pair %d: %+v (run's: %+v); want done with the run's counts, the run's pair undone", i, p, runPairs[i])
			}
		}
		if msgs := jobTransferredBy(d.preview("leavers.csv")); slices.ContainsFunc(msgs, func(m string) bool { return m != "" }) {
			t.Errorf("after undo, pairs are still warned as transferred: %q", msgs[0])
		}
	})
}

// jobPeopleWithSchedule returns agents and supervisors of tenant 1 who own
// a schedule, so that pairs of them overwrite.
func jobPeopleWithSchedule(t *testing.T, d *jobTenant) []int64 {
	t.Helper()
	var ids []int64
	err := d.sql().Select(&ids, `SELECT u.id FROM users u JOIN schedules s ON s.user_id = u.id
WHERE u.tenant_id = 1 AND u.role IN ('agent', 'supervisor') ORDER BY u.id`)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestRerunThenUndoFirst documents what undoing a run does when the same
// file ran again after it.
//
// When nothing changed between the two runs, the second moved nothing:
// undoing the first restores everything, and the second can be undone too
// (a no-op).
//
// When sources gained rows between the runs, the second run moved them:
// undoing the first restores exactly what the first moved, and the rows
// gained stay with the target, as the second run left them. A pair whose
// overwrite-type rows the second run replaced is left alone and reported
// (exit 1, audit file): its rows changed since. Undoing the second run
// hands the gained rows back; undoing the first again retries only the
// pairs left, but a source that now owns a gained row of an overwrite type
// (a schedule: one per user) cannot also get its old one back, so that pair
// is reported again until someone resolves it; then undo completes and
// every table is as before, the gained rows with their sources.
func TestRerunThenUndoFirst(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		t.Run("nothing changed between", func(t *testing.T) {
			d := jobSeed(t, backend, 500)
			file := d.writePairs("leavers.csv", jobPairing(d.people(1), 0, 20))
			before := d.dump()
			first := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			second := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			d.mustRun("undo", jobID(first.Job), "--yes")
			jobWantSums(t, "run → run → undo of the first", before, d.dump())
			if msgs := jobTransferredBy(d.preview(file)); slices.ContainsFunc(msgs, func(m string) bool { return m != "" }) {
				t.Errorf("after undoing the first run, pairs are still warned as transferred: %q", msgs[0])
			}
			d.mustRun("undo", jobID(second.Job), "--yes")
			jobWantSums(t, "… → undo of the second", before, d.dump())
		})
		t.Run("sources gained rows between", func(t *testing.T) {
			d := jobSeed(t, backend, 500)
			pairs := jobPairing(jobPeopleWithSchedule(t, d), 0, 20)
			file := d.writePairs("leavers.csv", pairs)
			before := d.dump()
			first := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			// The application gives pair 0's source a new contact and
			// pair 1's source a new schedule after the first run.
			d.exec(`INSERT INTO contacts (id, tenant_id, agent_id, channel, started_at, duration_seconds, recording_uri) VALUES (900000001, 1, ?, 'voice', '2026-03-01T09:00:00Z', 60, NULL)`, pairs[0].From)
			d.exec(`INSERT INTO schedules (id, tenant_id, user_id, name, timezone, pattern) VALUES (900000002, 1, ?, 'Late', 'UTC', 'MON-FRI 14-22')`, pairs[1].From)
			second := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))

			out := d.want(handover.ExitPartial, "undo", jobID(first.Job), "--yes", "--audit", "undo-errors.csv")
			if !strings.Contains(out.stdout, "not_undone") || !strings.Contains(out.stdout, "schedules") || !strings.Contains(out.stdout, jobID(pairs[1].From)) {
				t.Errorf("undo of the first run must report pair %d → %d's schedules as not undone:\n%s", pairs[1].From, pairs[1].To, out)
			}
			_, rows := jobReadAudit(t, d, "undo-errors.csv")
			if len(rows) != 1 || rows[0][0] != jobID(pairs[1].From) || !strings.HasPrefix(rows[0][2], "not_undone:") {
				t.Errorf("undo audit rows %q, want only pair %d → %d, not_undone", rows, pairs[1].From, pairs[1].To)
			}
			if n := d.count(`SELECT count(*) FROM contacts WHERE id = 900000001 AND agent_id = ?`, pairs[0].To); n != 1 {
				t.Errorf("the contact gained after the first run must stay with the target, as the second run left it")
			}
			d.mustRun("undo", jobID(second.Job), "--yes")
			if n := d.count(`SELECT count(*) FROM contacts WHERE id = 900000001 AND agent_id = ?`, pairs[0].From) +
				d.count(`SELECT count(*) FROM schedules WHERE id = 900000002 AND user_id = ?`, pairs[1].From); n != 2 {
				t.Fatalf("after undoing the second run, the gained rows must be back with their sources")
			}
			out = d.want(handover.ExitPartial, "undo", jobID(first.Job), "--yes", "--format", "json")
			if res := jobResult(t, out); res.Pairs != 1 || res.Failed != 1 {
				t.Errorf("undoing the first run again: %+v, want only the pair left, reported again", res)
			}
			if !strings.Contains(out.stderr, "undo "+jobID(first.Job)) {
				t.Errorf("a partial undo must say to undo job %d again once resolved, not to run the audit file:\n%s", first.Job, out.stderr)
			}
			d.exec(`DELETE FROM schedules WHERE id = 900000002`) // resolved by hand
			d.mustRun("undo", jobID(first.Job), "--yes")
			d.exec(`DELETE FROM contacts WHERE id = 900000001`)
			jobWantSums(t, "run → gains → run → undo first → undo second → undo first (twice)", before, d.dump())
			if jobs := d.jobs(); jobs[len(jobs)-1].Status != "undone" || jobs[len(jobs)-2].Status != "undone" {
				t.Errorf("both runs must end undone: %+v", jobs)
			}
		})
	})
}

// jobPeopleOwning returns agents and supervisors of tenant 1 who own at
// least one contact and one storage file.
func jobPeopleOwning(t *testing.T, d *jobTenant) []int64 {
	t.Helper()
	var ids []int64
	err := d.sql().Select(&ids, `SELECT u.id FROM users u WHERE u.tenant_id = 1 AND u.role IN ('agent', 'supervisor')
AND EXISTS (SELECT 1 FROM contacts c WHERE c.agent_id = u.id) AND EXISTS (SELECT 1 FROM storage_files f WHERE f.user_id = u.id) ORDER BY u.id`)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// jobFirstOwned returns the key of the first row of table whose owner
// column was user in dump.
func jobFirstOwned(t *testing.T, dump jobDump, table, col string, user int64) string {
	t.Helper()
	tab := dump[table]
	i := tab.col(col)
	for _, r := range tab.rows {
		if r[i] == jobID(user) {
			return r[0]
		}
	}
	t.Fatalf("user %d owns no %s", user, table)
	return ""
}

// TestUndoLeavesChangedPairs changes the rows of three pairs after a run
// (one contact moved on to someone else, one storage file deleted, one
// contact's recording edited) and undoes the run: those three pairs are
// left as they are and reported with the table and what changed (exit 1,
// audit file); every other pair is restored, so the tables equal a
// reference where only the three pairs ran and the same changes were made.
func TestUndoLeavesChangedPairs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d, ref := jobSeed(t, backend, 500), jobSeed(t, backend, 500)
		people := jobPeopleOwning(t, d)
		pairs := jobPairing(people, 0, 10)
		moved, deleted, edited := pairs[2], pairs[5], pairs[7]
		before := d.dump()
		contact := jobFirstOwned(t, before, "contacts", "agent_id", moved.From)
		file := jobFirstOwned(t, before, "storage_files", "user_id", deleted.From)
		recording := jobFirstOwned(t, before, "contacts", "agent_id", edited.From)
		elsewhere := people[len(people)-1]
		change := func(d *jobTenant) {
			d.exec(`UPDATE contacts SET agent_id = ? WHERE id = ?`, elsewhere, contact)
			d.exec(`DELETE FROM storage_files WHERE id = ?`, file)
			d.exec(`UPDATE contacts SET recording_uri = 'redacted' WHERE id = ?`, recording)
		}
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--format", "json"))
		change(d)
		out := d.want(handover.ExitPartial, "undo", jobID(run.Job), "--yes", "--audit", "not-undone.csv")
		for _, want := range []string{jobID(moved.From), "contacts", jobID(deleted.From), "storage_files", jobID(edited.From), "edited", "not_undone"} {
			if !strings.Contains(out.stdout, want) {
				t.Errorf("undo output does not mention %q:\n%s", want, out.stdout)
			}
		}
		_, rows := jobReadAudit(t, d, "not-undone.csv")
		if len(rows) != 3 || rows[0][0] != jobID(moved.From) || rows[1][0] != jobID(deleted.From) || rows[2][0] != jobID(edited.From) {
			t.Errorf("audit rows %q, want the three changed pairs", rows)
		}
		ref.mustRun("run", ref.writePairs("three.csv", []handover.Pair{moved, deleted, edited}), "--yes")
		change(ref)
		if diff := jobDiff(ref.dump(), d.dump()); diff != "" {
			t.Fatalf("after the undo, the tables differ from only the three changed pairs having run (-reference +undone):\n%s", diff)
		}
		if j := d.jobs(); j[0].Kind != "undo" || j[0].Status != "failed" || j[0].Done != 7 || j[0].Failed != 3 || j[1].Status != "done" {
			t.Errorf("jobs after a partial undo: %+v; want the undo failed (7 done, 3 failed), the run still done", j)
		}
	})
}

// TestVerifyReportsDrift verifies a run, then moves one of the rows it
// handed over back to its source: verify reports it.
func TestVerifyReportsDrift(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		pairs := jobPairing(jobPeopleOwning(t, d), 0, 5)
		before := d.dump()
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--format", "json"))
		if out := d.mustRun("verify", jobID(run.Job)); !strings.Contains(out.stdout, "verified") {
			t.Errorf("verify of an untouched run: %s", out)
		}
		d.exec(`UPDATE contacts SET agent_id = ? WHERE id = ?`, pairs[3].From, jobFirstOwned(t, before, "contacts", "agent_id", pairs[3].From))
		out := d.want(handover.ExitPartial, "verify", jobID(run.Job))
		for _, want := range []string{jobID(pairs[3].From), "contacts"} {
			if !strings.Contains(out.stdout, want) {
				t.Errorf("verify after a row moved back does not mention %q:\n%s", want, out)
			}
		}
	})
}

// TestPruneThenUndoRefuses prunes the journal of a finished run: the job
// stays listed with its counts, and undo refuses clearly.
func TestPruneThenUndoRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		pairs := jobPairing(d.people(1), 0, 5)
		run := jobResult(t, d.mustRun("run", d.writePairs("leavers.csv", pairs), "--yes", "--format", "json"))
		if out := d.mustRun("prune", "--older-than", "30", "--yes"); !strings.Contains(out.stdout, "nothing to prune") {
			t.Errorf("prune of a fresh job with 30 days' retention: %s", out)
		}
		d.exec(`UPDATE handover_jobs SET finished_at = ? WHERE id = ?`, "2000-01-01T00:00:00.000000000Z", run.Job) // long past retention
		if out := d.mustRun("prune", "--older-than", "30", "--yes"); !strings.Contains(out.stdout, "of 1 job ") {
			t.Errorf("prune of a job finished in 2000: %s", out)
		}
		if n := d.count(`SELECT count(*) FROM handover_moves WHERE ids IS NOT NULL`); n != 0 {
			t.Errorf("%d journal entries still hold moved keys after prune", n)
		}
		after := d.dump()
		out := d.want(handover.ExitRejected, "undo", jobID(run.Job), "--yes")
		if !strings.Contains(out.stderr, "pruned") || !strings.Contains(out.stderr, jobID(run.Job)) {
			t.Errorf("undo of a pruned job must say its journal was pruned: %s", out)
		}
		jobWantSums(t, "refused undo", after, d.dump())
		if s := d.show(run.Job); s.Job.Status != "done" || len(s.Pairs) != len(pairs) || len(s.Pairs[0].Moves) == 0 {
			t.Errorf("a pruned job keeps its ledger: %+v", s)
		}
	})
}

// jobLogLine is one zerolog JSON line of --log-format json.
