package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
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
	types       string
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
	typesFlag(fs, &c.types)
}

// typesFlag defines --types, shared by preview and run.
func typesFlag(fs *flag.FlagSet, v *string) {
	fs.StringVar(v, "types", "", "data types to hand over, e.g. \"contacts, evaluations\" or \"-schedules\" (every type but schedules): the pair's, or a file's for rows whose Data Types cell is empty (default every type)")
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
	types, err := handover.ParseTypesFlag("--types", c.types)
	if err != nil {
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
	opts := handover.RunOptions{DeactivateSource: c.deactivate, SkipInvalid: c.skipInvalid, Types: types}
	out, err := svc.Run(ctx, a, up, opts, terminalConfirm{e: e, yes: c.yes}, prog)
	if out.Plan != nil {
		sayPlan(out.Plan, c.words())
	}
	if handover.ErrorCode(err) == handover.ErrInvalid && out.Plan != nil && out.Plan.Errors > 0 {
		return c.refused(e, out.Plan, err)
	}
	if err := prog.finish(ctx, out, err); err != nil {
		return err
	}
	res, err := e.writeAudit(out, c.auditPath)
	if err != nil {
		return err
	}
	return e.printOutcome(out.Job, res, sayPairs(out.Failed, c.words()), c.format)
}

// single reports whether the run is of one --from/--to pair.
func (c *runCmd) single() bool { return c.from != "" || c.to != "" }

// words returns how the run's messages name the two IDs: by the flags
// that gave them for a single pair, as they are (the file's columns) for a
// file.
func (c *runCmd) words() *strings.Replacer {
	if c.single() {
		return flagWords
	}
	return nil
}

// refused shows a run refused for rows with errors: with --format json the
// preview's JSON on stdout (what `preview --format json` prints); on stderr
// the rows with errors, as text or, with JSON logs, one row_error event
// each. A single pair's errors are the returned error's own message.
func (c *runCmd) refused(e *env, plan *handover.Plan, err error) error {
	if c.format == "json" {
		if err := audit.PreviewJSON(e.stdout, plan); err != nil {
			return err
		}
	}
	switch {
	case c.single():
		return pairRefused(plan.Rows[0])
	case e.logFormat == "json":
		audit.RowErrors(e.log, plan)
	default:
		if err := audit.ErrorsText(e.stderr, plan); err != nil {
			return err
		}
	}
	return err
}

// pairRefused is the error of a single pair refused for its errors.
func pairRefused(r handover.PlanRow) error {
	var errs []string
	for _, is := range r.Issues {
		if !is.Code.IsWarning() {
			errs = append(errs, is.String())
		}
	}
	return handover.Errorf(handover.ErrInvalid, "%s was not run and nothing changed: %s",
		audit.Clean(r.Arrow()), audit.Clean(strings.Join(errs, "; and ")))
}

// upload reads the file argument, or builds a one-pair upload from
// --from/--to.
func (c *runCmd) upload(e *env, args []string) (*handover.Upload, error) {
	if c.single() {
		if len(args) > 0 || c.from == "" || c.to == "" {
			return nil, handover.Errorf(handover.ErrUsage, "give either a FILE or both --from and --to")
		}
		from, err := flagID("--from", c.from)
		if err != nil {
			return nil, err
		}
		to, err := flagID("--to", c.to)
		if err != nil {
			return nil, err
		}
		return handover.PairUpload(itoa(from), itoa(to)), nil
	}
	if err := wantArgs(args, 1, "a FILE (or --from ID --to ID)"); err != nil {
		return nil, err
	}
	return e.readUpload(args[0])
}

// flagID parses the user ID of --from or --to.
func flagID(flag, value string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil || id <= 0 {
		return 0, handover.Errorf(handover.ErrUsage, "%s %q is not a user ID: give the user's ID, a whole number as `handover export` lists it", flag, value)
	}
	return id, nil
}

// flagWords rewrites validation messages, which speak of the people CSV's
// columns and rows, for a pair given by --from and --to.
var flagWords = strings.NewReplacer(
	"type the successor's ID in To User ID", "give the successor's ID with --to",
	"From User ID", "--from",
	"To User ID", "--to",
	"the exported people file", "`handover export`",
	"remove this row", "choose another --from",
)

// sayPlan rewrites the plan's issue messages with words (nil: as they are).
func sayPlan(p *handover.Plan, words *strings.Replacer) {
	if words == nil {
		return
	}
	for i := range p.Rows {
		for j := range p.Rows[i].Issues {
			is := &p.Rows[i].Issues[j]
			is.Message = words.Replace(is.Message)
		}
	}
}

// sayPairs returns the pairs with their error messages rewritten with
// words (nil: the pairs as they are).
func sayPairs(pairs []handover.JobPair, words *strings.Replacer) []handover.JobPair {
	if words == nil {
		return pairs
	}
	out := slices.Clone(pairs)
	for i := range out {
		if out[i].Error != nil {
			is := *out[i].Error
			is.Message = words.Replace(is.Message)
			out[i].Error = &is
		}
	}
	return out
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
	res, err := e.writeAudit(out, auditPath)
	if err != nil {
		return err
	}
	return e.printOutcome(out.Job, res, out.Failed, format)
}

// writeAudit writes the audit file of a job's failed pairs, when it has
// some, and returns the job's result naming it.
func (e *env) writeAudit(out transfer.Outcome, auditPath string) (handover.Result, error) {
	res, failed, up := out.Result, out.Failed, out.Upload
	if len(failed) == 0 {
		return res, nil
	}
	if auditPath == "" {
		auditPath = e.defaultAuditPath("", res.Job)
	}
	rows := audit.FailedRows(up, failed)
	if err := handover.WriteFile(auditPath, e.stdout, func(w ioWriter) error { return audit.WriteErrors(w, up, rows) }); err != nil {
		return res, err
	}
	res.Audit = auditPath
	return res, nil
}

// printOutcome logs a job's end, prints its result and returns ErrPartial
// when some pairs failed.
func (e *env) printOutcome(job handover.Job, res handover.Result, failed []handover.JobPair, format string) error {
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
