package main

import (
	"context"
	"flag"

	"handover"
	"handover/audit"
	"handover/engine"
	"handover/transfer"
)

// runCmd executes the pairs of a file, or one --from/--to pair.
type runCmd struct {
	from, to    string
	yes         bool
	auditPath   string
	skipInvalid bool
	deactivate  bool
	format      string
}

func (c *runCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.from, "from", "", "source user ID (the leaver) for a single pair")
	fs.StringVar(&c.to, "to", "", "target user ID (the successor) for a single pair")
	fs.BoolVar(&c.yes, "yes", false, "do not ask for confirmation")
	fs.StringVar(&c.auditPath, "audit", "", "where to write the errors-only audit CSV (default handover-DATABASE-job-N-errors.csv)")
	fs.BoolVar(&c.skipInvalid, "skip-invalid", false, "run the valid pairs and send rows with errors to the audit file")
	fs.BoolVar(&c.deactivate, "deactivate-source", false, "deactivate each source whose pair succeeded")
	fs.StringVar(&c.format, "format", "text", "output: text or json")
}

func (c *runCmd) run(ctx context.Context, e *env, args []string) error {
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	input := ""
	if len(args) > 0 {
		input = args[0]
	}
	if err := e.checkOutputs(input, output{flag: "--audit", path: c.auditPath, kind: auditOutput}); err != nil {
		return err
	}
	up, err := c.upload(e, args)
	if err != nil {
		return err
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	prog := &cliProgress{e: e}
	opts := handover.RunOptions{DeactivateSource: c.deactivate, SkipInvalid: c.skipInvalid}
	out, err := svc.Run(ctx, a, up, opts, terminalConfirm{e: e, yes: c.yes}, prog)
	if handover.ErrorCode(err) == handover.ErrInvalid && out.Plan != nil && out.Plan.Errors > 0 {
		return c.refused(e, out.Plan, err)
	}
	if err := prog.finish(ctx, out, err); err != nil {
		return err
	}
	return e.reportOutcome(out, c.auditPath, c.format)
}

// refused shows a run refused for rows with errors: with --format json the
// preview's JSON on stdout (what `preview --format json` prints); on stderr
// the rows with errors, as text or, with JSON logs, one row_error event
// each.
func (c *runCmd) refused(e *env, plan *handover.Plan, err error) error {
	if c.format == "json" {
		if err := audit.PreviewJSON(e.stdout, plan); err != nil {
			return err
		}
	}
	if e.logFormat == "json" {
		audit.RowErrors(e.log, plan)
	} else if err := audit.ErrorsText(e.stderr, plan); err != nil {
		return err
	}
	return err
}

// upload reads the file argument, or builds a one-pair upload from
// --from/--to.
func (c *runCmd) upload(e *env, args []string) (*handover.Upload, error) {
	if c.from != "" || c.to != "" {
		if len(args) > 0 || c.from == "" || c.to == "" {
			return nil, handover.Errorf(handover.ErrUsage, "give either a FILE or both --from and --to")
		}
		return &handover.Upload{Name: "--from/--to", Header: []string{"From User ID", "To User ID"}, ToCol: 1, NameCol: -1,
			Format: handover.Format{Delimiter: ',', Encoding: handover.UTF8BOM},
			Rows:   []handover.Row{{Line: 2, From: c.from, To: c.to, Record: []string{c.from, c.to}}}}, nil
	}
	if err := wantArgs(args, 1, "a FILE (or --from ID --to ID)"); err != nil {
		return nil, err
	}
	return e.readUpload(args[0])
}

func checkFormat(f string, allowed ...string) error {
	for _, a := range allowed {
		if f == a {
			return nil
		}
	}
	return handover.Errorf(handover.ErrUsage, "--format %q: use one of %v", f, allowed)
}

// execute runs a job with progress on stderr and job logs: job_start, one
// event per pair as it ends, and (in report) job_end. A new job's pairs
// that failed validation are reported first, as failed pairs of the job; a
// resumed job reports only the pairs still pending.
func (e *env) execute(ctx context.Context, db *engine.DB, job handover.Job, resumed bool,
	exec func(context.Context, handover.Job, func(handover.JobPair)) (handover.Result, error)) (handover.Result, error) {
	pairs, err := db.JobPairs(ctx, job.ID)
	if err != nil {
		return handover.Result{}, err
	}
	var ended []handover.JobPair
	for _, p := range pairs {
		if p.Status != handover.PairPending {
			ended = append(ended, p)
		}
	}
	total := len(pairs)
	if resumed {
		total, ended = len(pairs)-len(ended), nil
	}
	job.Pairs = len(pairs)
	prog := audit.NewProgress(e.stderr, isTerminal(e.stderr) && e.logFormat != "json", e.log, total)
	prog.SetJob(job.ID)
	audit.JobStarted(e.log, job)
	for _, p := range ended {
		prog.Pair(p)
	}
	res, err := exec(ctx, job, prog.Pair)
	prog.Finish()
	if err != nil {
		if c := handover.ErrorCode(err); c == handover.ErrInternal || c == handover.ErrUnavailable || ctx.Err() != nil {
			return res, handover.Errorf(handover.ErrUnavailable, "job %d stopped before it finished (%s); pairs done so far are kept. Finish it with `handover resume %d`", job.ID, handover.ErrorMessage(err), job.ID)
		}
		return res, err
	}
	return res, nil
}

// report prints a job's outcome, writes the audit file of failed pairs and
// returns ErrPartial when some failed.
func (e *env) report(ctx context.Context, db *engine.DB, job handover.Job, res handover.Result, up *handover.Upload, auditPath, format string) error {
	failed, err := db.FailedPairs(ctx, res.Job)
	if err != nil {
		return err
	}
	return e.reportOutcome(transfer.Outcome{Job: job, Result: res, Failed: failed, Upload: up}, auditPath, format)
}

// reportOutcome prints a job's outcome, writes the audit file of its
// failed pairs and returns ErrPartial when some failed.
func (e *env) reportOutcome(out transfer.Outcome, auditPath, format string) error {
	job, res, failed, up := out.Job, out.Result, out.Failed, out.Upload
	if len(failed) > 0 {
		if auditPath == "" {
			auditPath = e.defaultAuditPath("", res.Job)
		}
		rows := audit.FailedRows(up, failed)
		if err := handover.WriteFile(auditPath, e.stdout, func(w ioWriter) error { return audit.WriteErrors(w, up, rows) }); err != nil {
			return err
		}
		res.Audit = auditPath
	}
	audit.JobFinished(e.log, res)
	var err error
	if format == "json" {
		err = audit.ResultJSON(e.stdout, res)
	} else {
		err = audit.RunSummary(e.stdout, job, res, failed)
	}
	if err != nil {
		return err
	}
	if res.Failed > 0 && job.UndoOf != nil {
		return handover.Errorf(handover.ErrPartial, "%d of %d pairs were not undone: their rows changed since job %d ran (reasons in %s); the others were restored. Once that is resolved, `handover undo %d` undoes the pairs left",
			res.Failed, res.Pairs, *job.UndoOf, res.Audit, *job.UndoOf)
	}
	if res.Failed > 0 {
		return handover.Errorf(handover.ErrPartial, "%d of %d pairs failed and were not transferred; fix them and run the audit file %s again", res.Failed, res.Pairs, res.Audit)
	}
	return nil
}
