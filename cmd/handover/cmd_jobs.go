package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"handover"
	"handover/audit"
	"handover/engine"
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
	db, _, job, release, err := e.jobArg(ctx, args, "resume")
	if err != nil {
		return err
	}
	defer release()
	if job.Status != handover.JobInterrupted {
		return handover.Errorf(handover.ErrUsage, "job %d is %s, not interrupted: there is nothing to resume", job.ID, job.Status)
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
	if err := e.checkOutputs("", output{flag: "--audit", path: c.auditPath, kind: auditOutput}); err != nil {
		return err
	}
	db, op, target, release, err := e.jobArg(ctx, args, "undo")
	if err != nil {
		return err
	}
	defer release()
	if err := e.confirm(c.yes, "Undo job "+itoa(target.ID)+": hand every completed pair's data back to its source?"); err != nil {
		return err
	}
	job, resumed, err := c.undoJob(ctx, e, db, op, target)
	if err != nil {
		return err
	}
	res, err := e.execute(ctx, db, job, resumed, db.ExecuteUndo)
	if err != nil {
		return err
	}
	up, err := db.JobUpload(ctx, target.ID)
	if err != nil {
		return err
	}
	return e.report(ctx, db, job, res, up, c.auditPath, c.format)
}

// undoJob returns the job that undoes target: an earlier undo of it that
// was interrupted, resumed (resumed is true), or a new one.
func (c *undoCmd) undoJob(ctx context.Context, e *env, db *engine.DB, op handover.User, target handover.Job) (job handover.Job, resumed bool, err error) {
	prev, ok, err := db.UnfinishedUndo(ctx, target)
	if err != nil || !ok {
		if err == nil {
			job, err = db.CreateUndoJob(ctx, op, target)
		}
		return job, false, err
	}
	fmt.Fprintf(e.stderr, "Job %d, an earlier undo of job %d, was interrupted: finishing it instead of starting another.\n", prev.ID, target.ID)
	if err := db.SetRunning(ctx, prev.ID); err != nil {
		return prev, true, err
	}
	return prev, true, nil
}

// jobArg parses the JOB argument, opens the database as the operator and
// loads the job. With an action it first takes the tenant guard, which
// release frees.
func (e *env) jobArg(ctx context.Context, args []string, action string) (*engine.DB, handover.User, handover.Job, func(), error) {
	var job handover.Job
	release := func() {}
	id, err := parseJobID(args)
	if err != nil {
		return nil, handover.User{}, job, release, err
	}
	db, op, err := e.operator(ctx)
	if err != nil {
		return nil, op, job, release, err
	}
	if action != "" {
		guard, err := db.LockTenant(ctx, op, action)
		if err != nil {
			return nil, op, job, release, err
		}
		release = guard.Release
	}
	job, err = db.Job(ctx, op.TenantID, id)
	if err != nil {
		release()
	}
	return db, op, job, release, err
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
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	db, _, job, _, err := e.jobArg(ctx, args, "")
	if err != nil {
		return err
	}
	pairs, err := db.JobPairs(ctx, job.ID)
	if err != nil {
		return err
	}
	if c.format == "json" {
		return audit.ShowJSON(e.stdout, job, pairs)
	}
	return audit.ShowText(e.stdout, job, pairs)
}
