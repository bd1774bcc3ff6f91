package audit

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
)

func TestRunSummary(t *testing.T) {
	run, undo := handover.Job{Kind: handover.KindRun}, handover.Job{Kind: handover.KindUndo, UndoOf: id(6)}
	refused := failedPairs()[0]
	refused.Error = &handover.Issue{Code: handover.UnknownUser, Message: "To User ID 99 is not a user in your tenant"}
	notUndone := failedPairs()[0]
	notUndone.Error = &handover.Issue{Code: handover.NotUndone, Message: "contacts: rows were edited since the run; nothing was changed for this pair"}
	for _, tc := range []struct {
		name   string
		job    handover.Job
		res    handover.Result
		failed []handover.JobPair
	}{
		{"success.txt", run, handover.Result{Job: 7, Pairs: 3, Done: 3}, nil},
		{"failures.txt", run, handover.Result{Job: 7, Pairs: 4, Done: 2, Failed: 2, Audit: "transfers.errors.csv"}, failedPairs()},
		{"refused.txt", run, handover.Result{Job: 7, Pairs: 5, Done: 2, Failed: 3, Audit: "a.csv"}, append(failedPairs(), refused)},
		{"undo.txt", undo, handover.Result{Job: 8, Pairs: 3, Done: 3}, nil},
		{"undo_failures.txt", undo, handover.Result{Job: 8, Pairs: 3, Done: 2, Failed: 1, Audit: "u.csv"}, []handover.JobPair{notUndone}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RunSummary(&buf, tc.job, tc.res, tc.failed); err != nil {
				t.Fatal(err)
			}
			golden(t, "run_summary/"+tc.name, buf.Bytes())
		})
	}
}

func TestResultJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := ResultJSON(&buf, handover.Result{Job: 7, Pairs: 3, Done: 2, Failed: 1, Audit: "path"}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"job": 7.0, "pairs": 3.0, "done": 2.0, "failed": 1.0, "audit": "path"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestJobsJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := JobsJSON(&buf, sampleJobs()); err != nil {
		t.Fatal(err)
	}
	golden(t, "jobs/jobs.json", buf.Bytes())
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	keys := []string{"job", "kind", "status", "operator", "started", "pairs", "done", "failed"}
	for _, j := range got {
		if len(j) != len(keys) {
			t.Errorf("job has fields %v, want exactly %v", j, keys)
		}
		if _, err := time.Parse(time.RFC3339, j["started"].(string)); err != nil {
			t.Errorf("started: %v", err)
		}
	}
	buf.Reset()
	if err := JobsJSON(&buf, nil); err != nil || buf.String() != "[]\n" {
		t.Errorf("no jobs: %q, %v; want []", buf.String(), err)
	}
}

func TestJobsText(t *testing.T) {
	var buf bytes.Buffer
	if err := JobsText(&buf, sampleJobs()); err != nil {
		t.Fatal(err)
	}
	golden(t, "jobs/jobs.txt", buf.Bytes())
}

func TestShow(t *testing.T) {
	job := sampleJobs()[1]
	var text, js bytes.Buffer
	if err := ShowText(&text, job, samplePairs()); err != nil {
		t.Fatal(err)
	}
	golden(t, "show/job7.txt", text.Bytes())
	if err := ShowJSON(&js, job, samplePairs()); err != nil {
		t.Fatal(err)
	}
	golden(t, "show/job7.json", js.Bytes())
}
