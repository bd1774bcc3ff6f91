package main

// Job tests of the JSON logs a job writes.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"handover"
)

type jobLogLine struct {
	Level       string `json:"level"`
	Event       string `json:"event"`
	Job         int64  `json:"job"`
	Kind        string `json:"kind"`
	Pairs       int    `json:"pairs"`
	Row         int    `json:"row"`
	From        int64  `json:"from"`
	To          int64  `json:"to"`
	Status      string `json:"status"`
	Rows        int64  `json:"rows"`
	Overwritten int64  `json:"overwritten"`
	Error       string `json:"error"`
	Done        int    `json:"done"`
	Failed      int    `json:"failed"`
	Audit       string `json:"audit"`
	Time        string `json:"time"`
	Message     string `json:"message"`
}

// jobLogs parses stderr as zerolog JSON lines, failing on any other line.
func jobLogs(t *testing.T, stderr string) []jobLogLine {
	t.Helper()
	var lines []jobLogLine
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var line jobLogLine
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Level == "" || line.Time == "" {
			t.Fatalf("stderr line is not a zerolog JSON line (%v): %q", err, l)
		}
		lines = append(lines, line)
	}
	return lines
}

// TestJSONLogs runs a file with an invalid row and a pair the application
// refuses with --log-format json: stderr holds only JSON lines — job_start,
// one event per pair with its status and counts, job_end — and stdout the
// result, human or JSON.
func TestJSONLogs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 500)
		people := d.people(1)
		pairs := jobPairing(people, 0, 8)
		refused := pairs[3]
		jobFailOnContacts(t, d, refused.From)
		body := "From User ID,To User ID\n"
		for _, p := range pairs {
			body += fmt.Sprintf("%d,%d\n", p.From, p.To)
		}
		body += fmt.Sprintf("%d,%d\n", people[20], people[20]) // self_transfer
		d.writeFile("leavers.csv", body)
		for _, format := range []string{"json", "text"} {
			out := d.want(handover.ExitPartial, "run", "leavers.csv", "--skip-invalid", "--yes", "--log-format", "json", "--format", format,
				"--audit", "errors-"+format+".csv")
			var job int64
			if format == "json" {
				res := jobResult(t, out)
				if res.Pairs != 9 || res.Done != 7 || res.Failed != 2 {
					t.Errorf("result %+v, want 9 pairs, 7 done, 2 failed", res)
				}
				job = res.Job
			} else {
				if !strings.HasPrefix(out.stdout, "Job ") || !strings.Contains(out.stdout, "9 pairs, 7 done, 2 failed") {
					t.Errorf("human result on stdout:\n%s", out.stdout)
				}
				job = d.newestJob().Job
			}
			logs := jobLogs(t, out.stderr)
			// The second run of the file first lists the pairs the first
			// one transferred.
			already := len(logs)
			logs = slices.DeleteFunc(logs, func(l jobLogLine) bool { return l.Event == "already_transferred" })
			if already -= len(logs); already != map[string]int{"json": 0, "text": 7}[format] {
				t.Errorf("%s: %d already_transferred events, want one per pair the run before did", format, already)
			}
			var events []string
			for _, l := range logs {
				if l.Event != "" {
					events = append(events, l.Event)
				}
			}
			want := append(append([]string{"job_start"}, slices.Repeat([]string{"pair"}, 9)...), "job_end", "error")
			if !slices.Equal(events, want) {
				t.Fatalf("%s: events %v, want job_start, 9 pair, job_end, error (exit 1)\n%s", format, events, out.stderr)
			}
			start, end := logs[0], logs[len(logs)-2]
			if last := logs[len(logs)-1]; last.Level != "error" || !strings.Contains(last.Message, "1 of 9 pairs failed and were not transferred, and 1 row was not run") {
				t.Errorf("last line %+v, want the error that sets exit 1", last)
			}
			if start.Job != job || start.Kind != "run" || start.Pairs != 9 {
				t.Errorf("job_start %+v, want job %d, kind run, 9 pairs", start, job)
			}
			if end.Job != job || end.Done != 7 || end.Failed != 2 || end.Audit != "errors-"+format+".csv" {
				t.Errorf("job_end %+v, want job %d, 7 done, 2 failed, its audit file", end, job)
			}
			recs := map[int64]jobPairRecord{}
			for _, p := range d.show(job).Pairs {
				recs[p.From] = p
			}
			for _, l := range logs[1 : len(logs)-2] {
				rec := recs[l.From]
				var rows, over int64
				for _, m := range rec.Moves {
					rows, over = rows+m.Rows, over+m.Overwritten
				}
				if l.Job != job || l.To != rec.To || l.Status != rec.Status || l.Rows != rows || l.Overwritten != over || l.Row != rec.Row {
					t.Errorf("pair event %+v, want the ledger's %+v (%d rows, %d overwritten)", l, rec, rows, over)
				}
				if failed := l.Status == "failed"; failed != (l.Error != "") || failed != (l.Level == "warn") {
					t.Errorf("pair event %+v: a failed pair is a warning with its error code, a done one neither", l)
				}
			}
		}
	})
}
