package main

import (
	"context"
	"flag"
	"io"

	"handover"
	"handover/audit"
)

type ioWriter = io.Writer

// resumeCmd finishes an interrupted job.
type resumeCmd struct{ format, auditPath string }

func (c *resumeCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output: text or json")
	fs.StringVar(&c.auditPath, "audit", "", "where to write the errors-only audit CSV")
}

func (c *resumeCmd) run(ctx context.Context, e *env, args []string) error {
	id, err := parseJobID(args)
	if err != nil {
		return err
	}
	db, op, err := e.operator(ctx)
	if err != nil {
		return err
	}
	guard, err := db.LockTenant(ctx, op, "resume")
	if err != nil {
		return err
	}
	defer guard.Release()
	job, err := db.Job(ctx, op.TenantID, id)
	if err != nil {
		return err
	}
	if job.Status != handover.JobInterrupted {
		return handover.Errorf(handover.ErrUsage, "job %d is %s, not interrupted: there is nothing to resume", id, job.Status)
	}
	exec := db.Execute
	if job.Kind == handover.KindUndo {
		exec = db.ExecuteUndo
	}
	if err := db.SetRunning(ctx, job.ID); err != nil {
		return err
	}
	res, err := e.execute(ctx, db, job, true, exec)
	if err != nil {
		return err
	}
	up, err := db.JobUpload(ctx, job.ID)
	if err != nil {
		return err
	}
	return e.report(ctx, db, job, res, up, c.auditPath, c.format)
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
	id, err := parseJobID(args)
	if err != nil {
		return err
	}
	db, op, err := e.operator(ctx)
	if err != nil {
		return err
	}
	guard, err := db.LockTenant(ctx, op, "undo")
	if err != nil {
		return err
	}
	defer guard.Release()
	target, err := db.Job(ctx, op.TenantID, id)
	if err != nil {
		return err
	}
	if err := e.confirm(c.yes, "Undo job "+itoa(id)+": hand every completed pair's data back to its source?"); err != nil {
		return err
	}
	job, err := db.CreateUndoJob(ctx, op, target)
	if err != nil {
		return err
	}
	res, err := e.execute(ctx, db, job, false, db.ExecuteUndo)
	if err != nil {
		return err
	}
	up, err := db.JobUpload(ctx, target.ID)
	if err != nil {
		return err
	}
	return e.report(ctx, db, job, res, up, c.auditPath, c.format)
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
	db, op, err := e.operator(ctx)
	if err != nil {
		return err
	}
	jobs, err := db.Jobs(ctx, op.TenantID, c.limit)
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
	id, err := parseJobID(args)
	if err != nil {
		return err
	}
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	db, op, err := e.operator(ctx)
	if err != nil {
		return err
	}
	job, err := db.Job(ctx, op.TenantID, id)
	if err != nil {
		return err
	}
	pairs, err := db.JobPairs(ctx, id)
	if err != nil {
		return err
	}
	if c.format == "json" {
		return audit.ShowJSON(e.stdout, job, pairs)
	}
	return audit.ShowText(e.stdout, job, pairs)
}
