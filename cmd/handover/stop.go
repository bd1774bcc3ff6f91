package main

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"handover"
	"handover/audit"
	"handover/engine"
)

// How a command stopped by SIGINT or SIGTERM ends: it has stopGrace to
// wind down by itself (its statement cancelled, its job recorded
// interrupted, the tenant's guard freed), then Run returns without it, so
// that a database that no longer answers cannot hold the process. Either
// way the command ends with one sentence: nothing changed, or which job
// stopped, how far it got and the resume command that finishes it.
var (
	stopGrace = 5 * time.Second
	// stopLookup bounds reading the stopped job's counts from the ledger.
	stopLookup = 2 * time.Second
)

// runStoppable runs fn, and returns early if ctx ends and fn does not
// return within stopGrace; abandoned then says fn is still running.
func runStoppable(ctx context.Context, fn func() error) (abandoned bool, err error) {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return false, err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return false, err
	case <-time.After(stopGrace):
		return true, ctx.Err()
	}
}

// stopped returns the error a command ends with when ctx ended (a signal)
// before it did: err itself when the command finished anyway (success, or
// a run that finished with failed pairs), otherwise ErrCancelled with the
// sentence saying what is left. midway is the sentence for a command that
// may have changed something outside a job ("" for nothing changed).
func (e *env) stopped(ctx context.Context, err error, midway string) error {
	if err == nil || err == errHelp || ctx.Err() == nil || handover.ErrorCode(err) == handover.ErrPartial {
		return err
	}
	t := e.trail.snapshot()
	if t.job == 0 {
		if midway != "" {
			return handover.Errorf(handover.ErrCancelled, "interrupted: %s", midway)
		}
		return handover.Errorf(handover.ErrCancelled, "interrupted: nothing changed")
	}
	if db := e.opened.Load(); db != nil {
		t = ledgerCounts(db, e.as, t)
	}
	if t.finished {
		return handover.Errorf(handover.ErrCancelled, "interrupted after job %d finished: `handover show %d` shows how it ended", t.job, t.job)
	}
	return handover.Errorf(handover.ErrCancelled, "interrupted: job %d stopped after %d of %d pairs: `handover resume %d` finishes it",
		t.job, t.ended, t.pairs, t.job)
}

// ledgerCounts returns t with the job's counts and state as the ledger has
// them, which also knows the pairs ended before a resume and those whose
// chunk committed just as the signal came; t as it is when the database
// does not answer within stopLookup. The command may still be using db
// (see runStoppable); the lookup never waits for it.
func ledgerCounts(db *engine.DB, operator string, t trailState) trailState {
	ctx, cancel := context.WithTimeout(context.Background(), stopLookup)
	defer cancel()
	done := make(chan trailState, 1)
	go func() {
		as, err := strconv.ParseInt(strings.TrimSpace(operator), 10, 64)
		if err != nil {
			return
		}
		op, err := db.Operator(ctx, as)
		if err != nil {
			return
		}
		job, err := db.Job(ctx, op.TenantID, t.job)
		if err != nil {
			return
		}
		n := t
		n.pairs, n.ended = job.Pairs, job.Done+job.Failed
		n.finished = job.Status != handover.JobRunning && job.Status != handover.JobInterrupted
		done <- n
	}()
	select {
	case n := <-done:
		return n
	case <-ctx.Done():
		return t
	}
}

// jobTrail follows the job events of the command's log (job_start, pair,
// job_end): which job the command runs and how far it got, known even
// while the database does not answer. It is a zerolog.LevelWriter.
type jobTrail struct {
	mu    sync.Mutex
	state trailState
}

// trailState is what the trail knows of the command's job.
type trailState struct {
	job          int64
	pairs, ended int
	finished     bool
}

func (t *jobTrail) Write(p []byte) (int, error) {
	var ev struct {
		Event string `json:"event"`
		Job   int64  `json:"job"`
		Pairs int    `json:"pairs"`
	}
	if json.Unmarshal(p, &ev) != nil {
		return len(p), nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev.Event {
	case "job_start":
		t.state = trailState{job: ev.Job, pairs: ev.Pairs}
	case "pair":
		if ev.Job == t.state.job {
			t.state.ended++
		}
	case "job_end":
		if ev.Job == t.state.job {
			t.state.finished = true
		}
	}
	return len(p), nil
}

// WriteLevel makes the trail see events of every level.
func (t *jobTrail) WriteLevel(_ zerolog.Level, p []byte) (int, error) { return t.Write(p) }

func (t *jobTrail) snapshot() trailState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// errorJSON prints err as {"error": {"code": "...", "message": "..."}} on
// w, for --format json.
func errorJSON(w io.Writer, err error) error {
	return audit.ErrorJSON(w, handover.ErrorCode(err), handover.ErrorMessage(err))
}
