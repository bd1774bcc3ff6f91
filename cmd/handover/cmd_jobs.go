package main

import (
	"context"
	"flag"
	"io"

	"handover"
	"handover/audit"
	"handover/transfer"
)

type ioWriter = io.Writer

// resumeCmd finishes an interrupted job.
type resumeCmd struct{ format, auditPath string }

func (c *resumeCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output: text or json")
	fs.StringVar(&c.auditPath, "audit", "", "where to write the errors-only audit CSV")
}

func (c *resumeCmd) run(ctx context.Context, e *env, args []string) error {
	if err := e.checkOutputs("", output{flag: "--audit", path: c.auditPath, kind: auditOutput}); err != nil {
		return err
	}
	svc, a, id, err := e.jobService(ctx, args)
	if err != nil {
		return err
	}
	return e.runJob(ctx, c.auditPath, c.format, func(prog transfer.Progress) (transfer.Outcome, error) {
		return svc.Resume(ctx, a, id, prog)
	})
}

// undoCmd restores what a run changed.
type undoCmd struct {
	yes               bool
	format, auditPath string
}

func (c *undoCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.yes, "yes", false, "do not ask for confirmation")
	fs.StringVar(&c.format, "format", "text", "output: text or json")
	fs.StringVar(&c.auditPath, "audit", "", "where to write the CSV of pairs that could not be undone")
}

func (c *undoCmd) run(ctx context.Context, e *env, args []string) error {
	if err := e.checkOutputs("", output{flag: "--audit", path: c.auditPath, kind: auditOutput}); err != nil {
		return err
	}
	svc, a, id, err := e.jobService(ctx, args)
	if err != nil {
		return err
	}
	return e.runJob(ctx, c.auditPath, c.format, func(prog transfer.Progress) (transfer.Outcome, error) {
		return svc.Undo(ctx, a, id, terminalConfirm{e: e, yes: c.yes}, prog)
	})
}

// jobsCmd lists recent jobs.
type jobsCmd struct {
	format string
	limit  int
}

func (c *jobsCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output: text or json")
	fs.IntVar(&c.limit, "limit", 50, "how many jobs to list")
}

func (c *jobsCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	if c.limit < 1 {
		return handover.Errorf(handover.ErrUsage, "--limit %d lists no job: give how many of the newest jobs to list, at least 1", c.limit)
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	jobs, err := svc.Jobs(ctx, a, c.limit)
	if err != nil {
		return err
	}
	if c.format == "json" {
		return audit.JobsJSON(e.stdout, jobs)
	}
	return audit.JobsText(e.stdout, jobs)
}

// showCmd shows one job's pairs.
type showCmd struct{ format string }

func (c *showCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output: text or json")
}

func (c *showCmd) run(ctx context.Context, e *env, args []string) error {
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	svc, a, id, err := e.jobService(ctx, args)
	if err != nil {
		return err
	}
	job, view, err := svc.Show(ctx, a, id)
	if err != nil {
		return err
	}
	if c.format == "json" {
		return audit.ShowJSON(e.stdout, job, view.Pairs)
	}
	return audit.ShowText(e.stdout, job, view.Pairs)
}
