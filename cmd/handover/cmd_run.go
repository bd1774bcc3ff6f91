package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"handover"
	"handover/audit"
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
	opts := handover.RunOptions{DeactivateSource: c.deactivate, SkipInvalid: c.skipInvalid}
	return e.runJob(ctx, c.auditPath, c.format, func(prog transfer.Progress) (transfer.Outcome, error) {
		out, err := svc.Run(ctx, a, up, opts, terminalConfirm{e: e, yes: c.yes}, prog)
		if handover.ErrorCode(err) == handover.ErrInvalid && out.Plan != nil && out.Plan.Errors > 0 {
			if perr := audit.ErrorsText(e.stderr, out.Plan); perr != nil {
				return out, perr
			}
		}
		return out, err
	})
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
		return handover.Errorf(handover.ErrPartial, "%s; fix them and run the audit file %s again", failedSentence(res, failed), res.Audit)
	}
	return nil
}

// failedSentence says how a run's failed pairs failed: while running, or
// refused by validation (never run).
func failedSentence(res handover.Result, failed []handover.JobPair) string {
	refused := 0
	for _, jp := range failed {
		if jp.Error != nil && jp.Error.Code != handover.TransferFailed {
			refused++
		}
	}
	broke := res.Failed - refused
	notRun := countOf(refused, "row was", "rows were") + " not run: errors in the file"
	switch {
	case broke == 0:
		return fmt.Sprintf("%d of %d %s", refused, res.Pairs, strings.TrimPrefix(notRun, fmt.Sprint(refused)+" "))
	case refused == 0:
		return fmt.Sprintf("%d of %d pairs failed and were not transferred", broke, res.Pairs)
	}
	return fmt.Sprintf("%d of %d pairs failed and were not transferred, and %s", broke, res.Pairs, notRun)
}
