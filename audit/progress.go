package audit

import (
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"handover"
)

// refresh is the shortest interval between two progress line updates.
const refresh = 100 * time.Millisecond

// Progress reports a running job pair by pair: on a terminal as one line
// that updates in place (pairs done/total, rows moved, rate, ETA), and to
// the logger as one event per pair. It is not safe for concurrent use.
type Progress struct {
	w        io.Writer
	terminal bool
	log      zerolog.Logger
	total    int
	job      int64

	done, failed int
	rows         int64
	start, shown time.Time
	now          func() time.Time
}

// NewProgress returns a Progress for a job of total pairs. The line goes to
// w (stderr) only when terminal is true; pair events go to log, which may be
// zerolog.Nop().
func NewProgress(w io.Writer, terminal bool, log zerolog.Logger, total int) *Progress {
	p := &Progress{w: w, terminal: terminal, log: log, total: total, now: time.Now}
	p.start = p.now()
	return p
}

// SetJob sets the job ID written with each pair event.
func (p *Progress) SetJob(id int64) {
	if p != nil {
		p.job = id
	}
}

// Pair records a pair that has finished, done or failed. A nil Progress
// ignores it, so callers need not check.
func (p *Progress) Pair(jp handover.JobPair) {
	if p == nil {
		return
	}
	moved, over := totals(jp.Moves)
	if jp.Status == handover.PairFailed {
		p.failed++
	} else {
		p.done++
		p.rows += moved
	}
	p.logPair(jp, moved, over)
	if now := p.now(); p.terminal && (now.Sub(p.shown) >= refresh || p.finished() >= p.total) {
		p.shown = now
		p.draw(now)
	}
}

// Finish draws the final state of the line and ends it.
func (p *Progress) Finish() {
	if p == nil || !p.terminal {
		return
	}
	p.draw(p.now())
	fmt.Fprint(p.w, "\n")
}

func (p *Progress) finished() int { return p.done + p.failed }

func (p *Progress) draw(now time.Time) {
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.Line(now.Sub(p.start)))
}

// Line renders the progress after elapsed time:
// "12/30 pairs, 1 failed, 1234 rows moved, 3.2 pairs/s, ETA 6s".
func (p *Progress) Line(elapsed time.Duration) string {
	s := fmt.Sprintf("%d/%d pairs", p.finished(), p.total)
	if p.failed > 0 {
		s += fmt.Sprintf(", %d failed", p.failed)
	}
	s += ", " + plural(p.rows, "row", "rows") + " moved"
	if elapsed <= 0 || p.finished() == 0 {
		return s
	}
	rate := float64(p.finished()) / elapsed.Seconds()
	s += fmt.Sprintf(", %.1f pairs/s", rate)
	if left := p.total - p.finished(); left > 0 {
		eta := time.Duration(float64(left) / rate * float64(time.Second))
		s += ", ETA " + eta.Round(time.Second).String()
	}
	return s
}

func (p *Progress) logPair(jp handover.JobPair, moved, over int64) {
	ev := p.log.Info()
	if jp.Status == handover.PairFailed {
		ev = p.log.Warn()
	}
	ev = ev.Str("event", "pair").Int64("job", p.job).Int("row", jp.Row).
		Int64("from", jp.From).Int64("to", jp.To).Str("status", string(jp.Status)).
		Int64("rows", moved).Int64("overwritten", over)
	if jp.Error != nil {
		ev = ev.Str("error", string(jp.Error.Code)).Str("reason", jp.Error.Message)
	}
	ev.Msg("pair " + string(jp.Status))
}

// totals sums the rows moved and overwritten over a pair's data types.
func totals(moves []handover.Move) (moved, overwritten int64) {
	for _, m := range moves {
		moved += m.Rows
		overwritten += m.Overwritten
	}
	return moved, overwritten
}

// JobStarted logs the start of a job (event=job_start).
func JobStarted(log zerolog.Logger, job handover.Job) {
	log.Info().Str("event", "job_start").Int64("job", job.ID).Str("kind", string(job.Kind)).
		Int64("operator", job.Operator).Int("pairs", job.Pairs).Str("file", job.File).
		Msg(string(job.Kind) + " started")
}

// JobFinished logs the end of a job (event=job_end), at warning level when
// some pairs failed.
func JobFinished(log zerolog.Logger, res handover.Result) {
	ev := log.Info()
	if res.Failed > 0 {
		ev = log.Warn()
	}
	ev.Str("event", "job_end").Int64("job", res.Job).Int("pairs", res.Pairs).
		Int("done", res.Done).Int("failed", res.Failed).Str("audit", res.Audit).
		Msg("job finished")
}

// RowErrors logs each row of a plan that has errors (event=row_error, at
// warning level) with its issues: the JSON log's account of a run refused
// for them.
func RowErrors(log zerolog.Logger, p *handover.Plan) {
	for _, r := range p.Rows {
		if !r.Runnable() {
			logRow(log.Warn(), "row_error", r).Interface("issues", r.Issues).Msg("row has errors")
		}
	}
}

// AlreadyTransferred logs each pair that AlreadyText lists (event=
// already_transferred), with the warning's message.
func AlreadyTransferred(log zerolog.Logger, p *handover.Plan) {
	for _, r := range p.Rows {
		if is, ok := already(r); ok {
			logRow(log.Info(), "already_transferred", r).Msg(is.Message)
		}
	}
}

// logRow adds a plan row's event name, row number and IDs (null when the
// cell was not an ID) to ev.
func logRow(ev *zerolog.Event, event string, r handover.PlanRow) *zerolog.Event {
	ev = ev.Str("event", event).Int("row", r.Row)
	for _, id := range []struct {
		key string
		id  *int64
	}{{"from", r.From}, {"to", r.To}} {
		if id.id == nil {
			ev = ev.Interface(id.key, nil)
		} else {
			ev = ev.Int64(id.key, *id.id)
		}
	}
	return ev
}
