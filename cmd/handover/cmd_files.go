package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"handover"
	"handover/audit"
	"handover/engine"
	"handover/transfer"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// initCmd creates or upgrades the schema.
type initCmd struct{}

func (c *initCmd) flags(*flag.FlagSet) {}

func (c *initCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	if _, err := e.logger(); err != nil {
		return err
	}
	db, err := engine.Open(ctx, e.dsn)
	if err != nil {
		return err
	}
	e.db = db
	if err := db.Init(ctx); err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema ready at version %d in %s\n", v, engine.Redact(e.dsn))
	return nil
}

// exportCmd writes the people CSV.
type exportCmd struct {
	out   string
	force bool
}

func (c *exportCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.out, "o", "people.csv", "output file, - for stdout")
	fs.BoolVar(&c.force, "force", false, "replace the output file if it exists (never the database)")
}

func (c *exportCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments (the output file is -o FILE)"); err != nil {
		return err
	}
	if err := e.checkOutputs("", output{flag: "-o", path: c.out, kind: peopleOutput, force: c.force}); err != nil {
		return err
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	n, err := export(ctx, svc, a, c.out, e)
	if err != nil {
		return err
	}
	if c.out != "-" {
		fmt.Fprintf(e.stdout, "wrote %d people to %s: type each leaver's successor in To User ID, then `handover preview %s`\n", n, c.out, c.out)
	}
	return nil
}

// export writes the people CSV of op's view to path and counts the rows.
// export writes the people CSV to path (- for stdout), as a file the tool
// writes: a temporary file renamed into place.
func export(ctx context.Context, svc *transfer.Service, a transfer.Access, path string, e *env) (int, error) {
	n := 0
	err := handover.WriteFile(path, e.stdout, func(w ioWriter) (err error) {
		n, err = svc.Export(ctx, a, w)
		return err
	})
	return n, err
}

// previewCmd validates a file and shows what would happen.
type previewCmd struct {
	format, out, errors string
	page, perPage       int
	deactivate          bool
	types               string
}

func (c *previewCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output: text, json or html")
	fs.StringVar(&c.out, "o", "-", "output file, - for stdout")
	fs.IntVar(&c.page, "page", 1, "page of the text preview")
	fs.IntVar(&c.perPage, "per-page", 25, "pairs per page of the text preview")
	fs.StringVar(&c.errors, "errors", "", "also write the errors-only CSV of rows with errors to this file")
	fs.BoolVar(&c.deactivate, "deactivate-source", false, "preview as `run --deactivate-source` would run: an inactive target is then an error")
	typesFlag(fs, &c.types)
}

func (c *previewCmd) run(ctx context.Context, e *env, args []string) error {
	if err := checkFormat(c.format, "text", "json", "html"); err != nil {
		return err
	}
	if err := wantArgs(args, 1, "one FILE to preview (- for stdin)"); err != nil {
		return err
	}
	types, err := handover.ParseTypesFlag("--types", c.types)
	if err != nil {
		return err
	}
	if err := e.checkOutputs(args[0], output{flag: "-o", path: c.out, kind: previewOutput},
		output{flag: "--errors", path: c.errors, kind: auditOutput}); err != nil {
		return err
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	plan, rejected, err := c.plan(ctx, e, svc, a, args[0], handover.RunOptions{DeactivateSource: c.deactivate, Types: types})
	if err != nil {
		return err
	}
	if err := handover.WriteFile(c.out, e.stdout, func(w ioWriter) error { return c.render(w, plan) }); err != nil {
		return err
	}
	if c.errors != "" && plan.Upload != nil {
		rows := audit.PlanErrors(plan)
		if err := handover.WriteFile(c.errors, e.stdout, func(w ioWriter) error { return audit.WriteErrors(w, plan.Upload, rows) }); err != nil {
			return err
		}
	}
	switch {
	case rejected != nil:
		return rejected
	case plan.Errors > 0:
		return handover.Errorf(handover.ErrInvalid, "%d of %d rows have errors: fix them and preview again (or run with --skip-invalid)", plan.Errors, plan.Pairs)
	case plan.Pairs == 0:
		// Like run: a file without pairs (the unedited export, a header
		// only) is a mistake to point out, not a preview to pass.
		return handover.Errorf(handover.ErrInvalid, "the file has no pairs: type each successor's ID in the To User ID column")
	}
	return nil
}

// plan reads and validates the file; a rejected file gives a plan holding
// only the file error (and the error as rejected), so JSON and HTML output
// still describe it.
func (c *previewCmd) plan(ctx context.Context, e *env, svc *transfer.Service, a transfer.Access, path string, opts handover.RunOptions) (*handover.Plan, error, error) {
	up, err := e.readUpload(path)
	if err == nil {
		var plan *handover.Plan
		if plan, err = svc.Preview(ctx, a, up, opts); err == nil {
			return plan, nil, nil
		}
	}
	if p, ok := transfer.RejectedPlan(err); ok {
		return p, err, nil
	}
	return nil, nil, err
}

func (c *previewCmd) render(w ioWriter, plan *handover.Plan) error {
	switch c.format {
	case "json":
		return audit.PreviewJSON(w, plan)
	case "html":
		return audit.PreviewHTML(w, plan)
	}
	return audit.PreviewText(w, plan, c.page, c.perPage)
}

// verifyCmd re-checks a job's end state.
type verifyCmd struct{ format string }

func (c *verifyCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output: text or json")
}

func (c *verifyCmd) run(ctx context.Context, e *env, args []string) error {
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	svc, a, id, err := e.jobService(ctx, args)
	if err != nil {
		return err
	}
	v, err := svc.Verify(ctx, a, id)
	if err != nil {
		return err
	}
	if c.format == "json" {
		err = audit.VerifyJSON(e.stdout, v)
	} else {
		err = audit.VerifyText(e.stdout, v)
	}
	if err == nil && len(v.Drift) > 0 {
		err = handover.Errorf(handover.ErrPartial, "job %d: %d differences between the ledger and the data", v.Job, len(v.Drift))
	}
	return err
}

// pruneCmd removes old undo journals: a tenant admin's decision, since the
// jobs can no longer be undone by anyone.
type pruneCmd struct {
	days        int
	yes, dryRun bool
}

func (c *pruneCmd) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.days, "older-than", int(engine.Retention/(24*time.Hour)), "remove undo journals of jobs finished more than this many days ago (at least 1)")
	fs.BoolVar(&c.yes, "yes", false, "do not ask for confirmation")
	fs.BoolVar(&c.dryRun, "dry-run", false, "list the jobs whose journals would be removed, and change nothing")
}

func (c *pruneCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	if c.days < 1 {
		return handover.Errorf(handover.ErrUsage, "--older-than %d: undo journals are kept at least 1 day (the default is %d days)", c.days, int(engine.Retention/(24*time.Hour)))
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	jobs, err := svc.Prune(ctx, a, time.Duration(c.days)*24*time.Hour, c.dryRun, pruneConfirm{c: c, e: e})
	switch {
	case err != nil:
		return err
	case len(jobs) == 0:
		fmt.Fprintf(e.stdout, "no job finished more than %s ago still has an undo journal: nothing to prune\n", countOf(c.days, "day", "days"))
	case c.dryRun:
		c.list(e, jobs)
		fmt.Fprintf(e.stdout, "dry run: nothing was removed; `handover prune --older-than %d` removes them\n", c.days)
	default:
		fmt.Fprintf(e.stdout, "removed the undo journals of %s finished more than %s ago; they can no longer be undone\n", countOf(len(jobs), "job", "jobs"), countOf(c.days, "day", "days"))
	}
	return nil
}

// pruneConfirm lists the jobs prune is about to prune and asks.
type pruneConfirm struct {
	c *pruneCmd
	e *env
}

func (p pruneConfirm) Confirm(_ context.Context, q transfer.Confirmation) error {
	p.c.list(p.e, q.Prune)
	return p.e.confirm(p.c.yes, fmt.Sprintf("Remove the undo journals of these %s? They can no longer be undone.", countOf(len(q.Prune), "job", "jobs")))
}

// list prints the jobs whose journals prune removes.
func (c *pruneCmd) list(e *env, jobs []handover.Job) {
	fmt.Fprintf(e.stdout, "%s finished more than %s ago still have undo journals:\n", countOf(len(jobs), "job", "jobs"), countOf(c.days, "day", "days"))
	for _, j := range jobs {
		finished := "?"
		if j.Finished != nil {
			finished = j.Finished.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(e.stdout, "  job %d: %s, %s, finished %s, %s (%d done, %d failed)\n", j.ID, j.Kind, j.Status, finished, countOf(j.Pairs, "pair", "pairs"), j.Done, j.Failed)
	}
}

// countOf renders a count with its noun: "1 job", "3 jobs".
func countOf[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
