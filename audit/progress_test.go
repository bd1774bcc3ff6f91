package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"handover"
)

// clock is a fake time source that advances by step on every reading.
type clock struct {
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestProgressLine(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, true, zerolog.Nop(), 4)
	c := &clock{t: started, step: 500 * time.Millisecond}
	p.now, p.start = c.now, started
	pairs := samplePairs()
	for _, jp := range pairs {
		p.Pair(jp)
	}
	if got, want := p.Line(3*time.Second), "3/4 pairs, 1 failed, 53 rows moved, 1.0 pairs/s, ETA 1s"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	p.Finish()
	lines := strings.Split(out.String(), "\r\x1b[K")
	if len(lines) != 5 || !strings.HasSuffix(out.String(), "\n") {
		t.Errorf("progress output %q: want 3 updates and a final line ending in a newline", out.String())
	}
}

func TestProgressThrottled(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, true, zerolog.Nop(), 1000)
	c := &clock{t: started, step: time.Millisecond}
	p.now, p.start = c.now, started
	for range 1000 {
		p.Pair(handover.JobPair{Status: handover.PairDone})
	}
	// 1000 pairs at 1 ms each is one second: about 10 updates plus the last.
	if n := strings.Count(out.String(), "\r"); n < 9 || n > 12 {
		t.Errorf("%d updates for one second of progress, want about 10", n)
	}
	if !strings.HasSuffix(out.String(), "1000/1000 pairs, 0 rows moved, 1000.0 pairs/s") {
		t.Errorf("last update %q does not show completion", out.String()[strings.LastIndex(out.String(), "\r"):])
	}
}

func TestProgressNotTerminal(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, false, zerolog.Nop(), 3)
	for _, jp := range samplePairs() {
		p.Pair(jp)
	}
	p.Finish()
	if out.Len() != 0 {
		t.Errorf("wrote %q without a terminal", out.String())
	}
}

func TestProgressLog(t *testing.T) {
	var logs bytes.Buffer
	log := zerolog.New(&logs)
	JobStarted(log, sampleJobs()[1])
	p := NewProgress(&bytes.Buffer{}, false, log, 3)
	p.SetJob(7)
	for _, jp := range samplePairs() {
		p.Pair(jp)
	}
	JobFinished(log, handover.Result{Job: 7, Pairs: 3, Done: 2, Failed: 1, Audit: "a.csv"})

	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"level": "info", "event": "job_start", "job": 7.0, "kind": "run", "operator": 1.0, "pairs": 3.0,
			"file": "transfers.csv", "message": "run started"},
		{"level": "info", "event": "pair", "job": 7.0, "row": 2.0, "from": 19.0, "to": 11.0, "status": "done",
			"rows": 53.0, "overwritten": 1.0, "message": "pair done"},
		{"level": "info", "event": "pair", "job": 7.0, "row": 3.0, "from": 20.0, "to": 21.0, "status": "done",
			"rows": 0.0, "overwritten": 0.0, "message": "pair done"},
		{"level": "warn", "event": "pair", "job": 7.0, "row": 4.0, "from": 22.0, "to": 23.0, "status": "failed",
			"rows": 0.0, "overwritten": 0.0, "error": "transfer_failed",
			"reason": "moving Schedules failed; nothing of this pair changed", "message": "pair failed"},
		{"level": "warn", "event": "job_end", "job": 7.0, "pairs": 3.0, "done": 2.0, "failed": 1.0,
			"audit": "a.csv", "message": "job finished"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestProgressNil(t *testing.T) {
	var p *Progress
	p.SetJob(1)
	p.Pair(samplePairs()[0])
	p.Finish()
}
