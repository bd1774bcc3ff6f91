package web

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"handover"
)

// progress is where a job stands: its pairs ended so far and the rows
// they moved, and an estimate of the time left while it runs.
type progress struct {
	Job    int64              `json:"job"`
	Kind   handover.JobKind   `json:"kind"`
	Status handover.JobStatus `json:"status"`
	Pairs  int                `json:"pairs"`
	Done   int                `json:"done"`
	Failed int                `json:"failed"`
	Moved  int64              `json:"moved"`
	// SecondsLeft estimates the time left of a running job from its rate
	// so far; nil when unknown (no pair ended yet, or not running).
	SecondsLeft *int64 `json:"seconds_left"`

	byType []handover.Move // what the done pairs moved, per data type in catalog order
}

// add counts a pair that ended; a pending pair is not counted.
func (p *progress) add(jp handover.JobPair) {
	switch jp.Status {
	case handover.PairDone, handover.PairUndone:
		p.Done++
		for _, m := range jp.Moves {
			p.Moved += m.Rows
			p.addMove(m)
		}
	case handover.PairFailed:
		p.Failed++
	}
}

// addMove adds m to the per-type totals.
func (p *progress) addMove(m handover.Move) {
	for i := range p.byType {
		if p.byType[i].Type == m.Type {
			p.byType[i].Rows += m.Rows
			p.byType[i].Overwritten += m.Overwritten
			return
		}
	}
	p.byType = append(p.byType, m)
	slices.SortFunc(p.byType, func(a, b handover.Move) int { return handover.CatalogIndex(a.Type) - handover.CatalogIndex(b.Type) })
}

// finishedMoves remembers what finished jobs moved per data type: a
// job's journal does not change once it has ended (an undo is a job of
// its own), so the Jobs page and the job pages ask the ledger once.
type finishedMoves struct {
	mu    sync.Mutex
	moves map[int64][]handover.Move
}

// finishedKept bounds finishedMoves: past it, the cache starts afresh.
const finishedKept = 10000

func (f *finishedMoves) get(job int64) ([]handover.Move, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.moves[job]
	return m, ok
}

func (f *finishedMoves) put(job int64, moves []handover.Move) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.moves == nil || len(f.moves) >= finishedKept {
		f.moves = map[int64][]handover.Move{}
	}
	f.moves[job] = moves
}

// secondsLeft estimates how long the rest of a running job takes, when
// ended pairs took elapsed; nil when nothing ended yet.
func secondsLeft(p progress, ended int, elapsed time.Duration) *int64 {
	left := p.Pairs - p.Done - p.Failed
	if p.Status != handover.JobRunning || ended <= 0 || elapsed <= 0 || left <= 0 {
		return nil
	}
	s := int64(elapsed.Seconds()*float64(left)/float64(ended) + 0.5)
	return &s
}

// progressLine is a progress with the sentence the job page shows, so that
// the page and job.js's updates read the same.
type progressLine struct {
	progress
	Ended int    `json:"ended"` // pairs done or failed
	Text  string `json:"text"`  // "3 of 10 pairs done, 1,234 rows moved, about 2 minutes left"
}

// line renders p for the job page.
func (p progress) line() progressLine {
	l := progressLine{progress: p, Ended: p.Done + p.Failed}
	l.Text = fmt.Sprintf("%s of %s done", thousands(int64(l.Ended)), counted(int64(p.Pairs), "pair", "pairs"))
	if p.Failed > 0 {
		l.Text += fmt.Sprintf(" (%s failed)", thousands(int64(p.Failed)))
	}
	l.Text += ", " + counted(p.Moved, "row", "rows") + " moved"
	if p.SecondsLeft != nil {
		l.Text += ", " + timeLeft(time.Duration(*p.SecondsLeft)*time.Second)
	}
	return l
}

// timeLeft says how long is left, roughly: "about 3 minutes left".
func timeLeft(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute left"
	case d < time.Hour:
		return "about " + counted(int64(d.Round(time.Minute)/time.Minute), "minute", "minutes") + " left"
	}
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	s := "about " + counted(h, "hour", "hours")
	if m > 0 {
		s += " " + counted(m, "minute", "minutes")
	}
	return s + " left"
}

// counted renders "1 pair" or "1,234 pairs".
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}
