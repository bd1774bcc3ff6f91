package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// service opens the database and authorises the operator named by --as:
// the one check every command that reads or changes data goes through.
func (e *env) service(ctx context.Context) (*transfer.Service, transfer.Access, error) {
	db, err := e.open(ctx)
	if err != nil {
		return nil, transfer.Access{}, err
	}
	id, err := e.operatorID()
	if err != nil {
		return nil, transfer.Access{}, err
	}
	svc := &transfer.Service{DB: db, MaxPairs: e.maxPairs}
	a, err := svc.Authorize(ctx, id)
	e.op = a.Op
	return svc, a, err
}

// jobService parses a JOB argument and opens the service, for the
// commands that act on one job.
func (e *env) jobService(ctx context.Context, args []string) (*transfer.Service, transfer.Access, int64, error) {
	id, err := parseJobID(args)
	if err != nil {
		return nil, transfer.Access{}, 0, err
	}
	svc, a, err := e.service(ctx)
	return svc, a, id, err
}

// runJob runs one job step of the flow (run, resume, undo) with the CLI's
// progress, then reports its outcome and writes its audit file.
func (e *env) runJob(ctx context.Context, auditPath, format string, step func(transfer.Progress) (transfer.Outcome, error)) error {
	prog := &cliProgress{e: e}
	out, err := step(prog)
	if err := prog.finish(ctx, out, err); err != nil {
		return err
	}
	return e.reportOutcome(out, auditPath, format)
}

// operatorID parses --as.
func (e *env) operatorID() (int64, error) {
	if e.as == "" {
		return 0, handover.Errorf(handover.ErrUsage, "say who you are with --as USER_ID (or HANDOVER_AS): an active admin or tenant admin")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(e.as), 10, 64)
	if err != nil {
		return 0, handover.Errorf(handover.ErrUsage, "--as %q is not a user ID: give a whole number", e.as)
	}
	return id, nil
}

// terminalConfirm asks on the terminal, unless --yes was given.
type terminalConfirm struct {
	e   *env
	yes bool
}

func (c terminalConfirm) Confirm(_ context.Context, q transfer.Confirmation) error {
	if q.Undo != nil {
		return c.e.confirm(c.yes, fmt.Sprintf("Undo job %d: hand the data of its %s back to the sources?", q.Undo.ID, countOf(q.Pairs, "completed pair", "completed pairs")))
	}
	if c.e.logFormat == "json" { // JSON logs keep stderr to JSON lines
		audit.AlreadyTransferred(c.e.log, q.Plan)
	} else if err := audit.AlreadyText(c.e.stderr, q.Plan); err != nil {
		return err
	}
	skipped := ""
	if q.Plan.Errors > 0 {
		skipped = fmt.Sprintf("; %s with errors will be skipped", countOf(q.Plan.Errors, "row", "rows"))
	}
	if left := q.Plan.Staying(); left > 0 {
		skipped += fmt.Sprintf("; %s of data types no row chooses will stay with their sources", countOf(left, "row", "rows"))
	}
	return c.e.confirm(c.yes, fmt.Sprintf("%s\nThis will hand over %s (overwriting %s) for %s%s.",
		audit.Totals(q.Plan), countOf(q.Moved, "row", "rows"), countOf(q.Overwritten, "target row", "target rows"), countOf(q.Pairs, "pair", "pairs"), skipped))
}

// cliProgress shows a job's progress on stderr (a terminal) and writes its
// log events: job_start, and one event per pair as it ends (job_end comes
// with the report). A new job's pairs that failed validation are reported
// first, as failed pairs of the job; a resumed job counts only the pairs
// still pending.
type cliProgress struct {
	e    *env
	prog *audit.Progress
}

func (p *cliProgress) Start(job handover.Job, pairs []handover.JobPair, resumed bool) {
	var ended []handover.JobPair
	for _, jp := range pairs {
		if jp.Status != handover.PairPending {
			ended = append(ended, jp)
		}
	}
	total := len(pairs)
	if resumed {
		total, ended = len(pairs)-len(ended), nil
		if job.UndoOf != nil && p.e.logFormat != "json" {
			fmt.Fprintf(p.e.stderr, "Finishing job %d, an undo of job %d that was interrupted.\n", job.ID, *job.UndoOf)
		}
	}
	p.prog = audit.NewProgress(p.e.stderr, isTerminal(p.e.stderr) && p.e.logFormat != "json", p.e.log, total)
	p.prog.SetJob(job.ID)
	audit.JobStarted(p.e.log, job)
	for _, jp := range ended {
		p.prog.Pair(jp)
	}
}

func (p *cliProgress) Pair(jp handover.JobPair) { p.prog.Pair(jp) }

// finish closes the progress display and turns a job stopped halfway into
// the sentence that says how to finish it.
func (p *cliProgress) finish(ctx context.Context, out transfer.Outcome, err error) error {
	if p.prog != nil {
		p.prog.Finish()
	}
	if err == nil || out.Job.ID == 0 {
		return err
	}
	if c := handover.ErrorCode(err); c == handover.ErrInternal || c == handover.ErrUnavailable || ctx.Err() != nil {
		return handover.Errorf(handover.ErrUnavailable, "job %d stopped before it finished (%s); pairs done so far are kept. Finish it with `handover resume %d`",
			out.Job.ID, handover.ErrorMessage(err), out.Job.ID)
	}
	return err
}
