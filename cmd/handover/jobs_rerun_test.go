package main

// Job tests of reruns: a finished file again, the audit file again, and a
// sequence of reruns.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"handover"
)

type jobPreviewRow struct {
	Row    int              `json:"row"`
	From   *int64           `json:"from"`
	To     *int64           `json:"to"`
	Status string           `json:"status"`
	Issues []handover.Issue `json:"issues"`
	Moves  []handover.Move  `json:"moves"`
}

// preview returns the rows of `preview FILE --format json` (whatever its
// exit code).
func (d *jobTenant) preview(file string) []jobPreviewRow {
	d.tb.Helper()
	out := d.run("preview", file, "--format", "json")
	var doc struct {
		Rows []jobPreviewRow `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &doc); err != nil {
		d.tb.Fatalf("preview --format json: %v\n%s", err, out)
	}
	return doc.Rows
}

// jobTransferredBy returns, per row of a preview, the message of its
// already_transferred warning ("" when it has none).
func jobTransferredBy(rows []jobPreviewRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		for _, is := range r.Issues {
			if is.Code == handover.AlreadyTransferred {
				out[i] = is.Message
			}
		}
	}
	return out
}

// jobWantTransferredBy checks that every row of file is warned as already
// transferred by job on the day it started.
func jobWantTransferredBy(t *testing.T, d *jobTenant, file string, job jobJSON) {
	t.Helper()
	want := fmt.Sprintf("by job %d on %s", job.Job, job.Started[:10])
	for i, msg := range jobTransferredBy(d.preview(file)) {
		if !strings.Contains(msg, want) {
			t.Errorf("%s row %d: already_transferred warning %q, want it to say %q", file, i+2, msg, want)
		}
	}
}

// TestRerunChangesNothing runs a file, then runs it twice more: the reruns
// change no row, move nothing, and warn on every pair that the first job
// transferred it, naming the job and its date.
func TestRerunChangesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		pairs := jobPairing(d.people(1), 0, 30)
		file := d.writePairs("leavers.csv", pairs)
		before := d.dump()
		if msgs := jobTransferredBy(d.preview(file)); slices.ContainsFunc(msgs, func(m string) bool { return m != "" }) {
			t.Fatalf("already_transferred before any run: %q", msgs)
		}
		d.mustRun("run", file, "--yes")
		first := d.newestJob()
		after := d.dump()
		if diff := jobDiff(jobApply(before, pairs, false), after); diff != "" {
			t.Fatalf("first run (-expected +found):\n%s", diff)
		}
		for rerun := 1; rerun <= 2; rerun++ {
			jobWantTransferredBy(t, d, file, first)
			res := jobResult(t, d.mustRun("run", file, "--yes", "--format", "json"))
			if res.Done != len(pairs) || res.Failed != 0 {
				t.Errorf("rerun %d: %+v, want every pair done", rerun, res)
			}
			if sums, want := d.dump().sums(), after.sums(); !maps.Equal(sums, want) {
				t.Fatalf("rerun %d changed rows:\n%s", rerun, jobDiff(after, d.dump()))
			}
			for _, p := range d.show(res.Job).Pairs {
				if p.Status != "done" || len(p.Moves) != 0 {
					t.Errorf("rerun %d: pair %d → %d %s moved %v, want done with nothing moved", rerun, p.From, p.To, p.Status, p.Moves)
				}
			}
		}
	})
}

// jobFailOnContacts makes any update giving user's contacts away fail, as
// an application trigger might; the returned func removes it.
func jobFailOnContacts(t *testing.T, d *jobTenant, user int64) func() {
	t.Helper()
	if d.backend == "postgres" {
		d.exec(fmt.Sprintf(`CREATE FUNCTION refuse_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF OLD.agent_id = %d THEN RAISE EXCEPTION 'contacts of %d are on legal hold'; END IF; RETURN NEW; END $$`, user, user))
		d.exec(`CREATE TRIGGER refuse_contacts BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION refuse_contacts()`)
		return func() { d.exec(`DROP TRIGGER refuse_contacts ON contacts`) }
	}
	d.exec(fmt.Sprintf(`CREATE TRIGGER refuse_contacts BEFORE UPDATE ON contacts
FOR EACH ROW WHEN OLD.agent_id = %d BEGIN SELECT RAISE(ABORT, 'contacts of %d are on legal hold'); END`, user, user))
	return func() { d.exec(`DROP TRIGGER refuse_contacts`) }
}

// jobReadAudit reads an errors-only audit file: its header and rows.
func jobReadAudit(t *testing.T, d *jobTenant, name string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(d.readFile(name), "\uFEFF"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit %s: %v", name, err)
	}
	return recs[0], recs[1:]
}

// TestRerunSequence runs a sequence an admin might: a file with invalid
// rows and a pair the application refuses (--skip-invalid), the same file
// again, an overlapping file, then the audit file of the first run with its
// rows fixed. Reruns move nothing twice, the audit file runs exactly the
// failed pairs, and the end state equals running each pair once.
func TestRerunSequence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		people := d.people(1)
		valid, refused := jobPairing(people, 0, 10), jobPairing(people, 20, 1)[0]
		self, unknown, fixes := people[30], people[31], jobPairing(people, 32, 2)
		fixes[0].From, fixes[1].From = self, unknown // the successors typed when fixing the audit file
		body := "From User ID,To User ID\n"
		for _, p := range append(slices.Clone(valid[:5]), refused) {
			body += fmt.Sprintf("%d,%d\n", p.From, p.To)
		}
		body += fmt.Sprintf("%d,%d\n%d,99999999\n", self, self, unknown)
		for _, p := range valid[5:] {
			body += fmt.Sprintf("%d,%d\n", p.From, p.To)
		}
		d.writeFile("monday.csv", body)
		before := d.dump()
		allow := jobFailOnContacts(t, d, refused.From)

		out := d.want(handover.ExitPartial, "run", "monday.csv", "--skip-invalid", "--audit", "monday-errors.csv", "--yes", "--format", "json")
		monday := jobResult(t, out)
		if monday.Done != 10 || monday.Failed != 3 || monday.Audit != "monday-errors.csv" {
			t.Fatalf("first run: %+v, want 10 done, 3 failed, audit monday-errors.csv", monday)
		}
		afterMonday := d.dump()
		header, rows := jobReadAudit(t, d, "monday-errors.csv")
		if !slices.Equal(header, []string{"From User ID", "To User ID", "Error"}) || len(rows) != 3 {
			t.Fatalf("audit file: header %q, %d rows; want the upload's columns plus Error and 3 rows", header, len(rows))
		}
		for i, code := range []string{"transfer_failed", "self_transfer", "unknown_user"} {
			if !strings.HasPrefix(rows[i][2], code+":") {
				t.Errorf("audit row %d: Error %q, want %s", i+2, rows[i][2], code)
			}
		}

		d.want(handover.ExitPartial, "run", "monday.csv", "--skip-invalid", "--audit", "again-errors.csv", "--yes")
		if diff := jobDiff(afterMonday, d.dump()); diff != "" {
			t.Fatalf("running the same file again changed rows:\n%s", diff)
		}

		overlap := append(slices.Clone(valid[5:]), jobPairing(people, 40, 5)...) // 5 pairs again, 5 new
		for i, msg := range jobTransferredBy(d.preview(d.writePairs("tuesday.csv", overlap))) {
			if want := fmt.Sprintf("by job %d", monday.Job); (i < 5) != strings.Contains(msg, want) {
				t.Errorf("tuesday row %d: %q; want only the 5 pairs done on monday warned as transferred %s", i+2, msg, want)
			}
		}
		d.mustRun("run", "tuesday.csv", "--yes")

		allow()
		rows[1][1], rows[2][1] = jobID(fixes[0].To), jobID(fixes[1].To)
		var fixed strings.Builder
		w := csv.NewWriter(&fixed)
		_ = w.WriteAll(append([][]string{header}, rows...))
		d.writeFile("monday-errors.csv", fixed.String())
		res := jobResult(t, d.mustRun("run", "monday-errors.csv", "--yes", "--format", "json"))
		s := d.show(res.Job)
		var ran []handover.Pair
		for _, p := range s.Pairs {
			ran = append(ran, handover.Pair{From: p.From, To: p.To})
		}
		if want := []handover.Pair{refused, fixes[0], fixes[1]}; !slices.Equal(ran, want) {
			t.Errorf("the fixed audit file ran %v, want exactly the failed pairs %v", ran, want)
		}

		once := append(append(slices.Clone(valid), overlap[5:]...), refused, fixes[0], fixes[1])
		if diff := jobDiff(jobApply(before, once, false), d.dump()); diff != "" {
			t.Fatalf("after the rerun sequence, the tables differ from running each pair once (-once +found):\n%s", diff)
		}
	})
}

// jobWantSums fails unless every directory and data table has the same
// checksum in got as in want.
func jobWantSums(t *testing.T, what string, want, got jobDump) {
	t.Helper()
	ws, gs := want.sums(), got.sums()
	for _, table := range jobTables() {
		if ws[table] != gs[table] {
			t.Errorf("%s: %s checksum %.12s, want %.12s", what, table, gs[table], ws[table])
		}
	}
	if t.Failed() {
		t.Fatalf("%s (-want +got):\n%s", what, jobDiff(want, got))
	}
}
