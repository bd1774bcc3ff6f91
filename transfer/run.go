package transfer

import (
	"context"
	"io"

	"handover"
	"handover/csvio"
	"handover/validate"
)

// Plan validates an upload as the operator would run it and counts what
// each pair would move: the preview. Nothing changes.
func (s *Service) Plan(ctx context.Context, a Access, up *handover.Upload, opts handover.RunOptions) (*handover.Plan, error) {
	v := validate.Validator{Dir: s.DB, MaxPairs: s.MaxPairs, DeactivateSource: opts.DeactivateSource, Types: opts.Types}
	plan, err := v.Validate(ctx, a.Op, up)
	if err != nil {
		return nil, err
	}
	if err := s.DB.Predict(ctx, plan); err != nil {
		return nil, err
	}
	if opts.DeactivateSource {
		validate.LeftBehind(plan) // what stays is known once counted
	}
	return plan, nil
}

// Preview is Plan for showing: a file the reader or the validator rejects
// as a whole (bad_header, limit_exceeded, unreadable) gives, with its
// error, a plan holding only that file error, so that JSON and HTML
// previews still describe it.
func (s *Service) Preview(ctx context.Context, a Access, up *handover.Upload, opts handover.RunOptions) (*handover.Plan, error) {
	plan, err := s.Plan(ctx, a, up, opts)
	if p, ok := RejectedPlan(err); ok {
		return p, err
	}
	return plan, err
}

// RejectedPlan returns the plan of a file rejected as a whole by err: no
// rows, one file error. ok is false when err is not such a rejection.
func RejectedPlan(err error) (p *handover.Plan, ok bool) {
	switch c := handover.ErrorCode(err); c {
	case handover.BadHeader, handover.LimitExceeded, handover.Unreadable:
		p := &handover.Plan{FileErrors: []handover.Issue{{Code: c, Message: handover.ErrorMessage(err)}}}
		p.Tally()
		return p, true
	}
	return nil, false
}

// Run runs an upload under the tenant's guard: it refuses a file whose
// earlier job was interrupted (resume it), validates the file again (the
// database may have changed since the preview), refuses rows with errors
// unless opts.SkipInvalid, asks confirm, records the job and executes it.
// A refused file returns its plan in the Outcome with ErrInvalid.
func (s *Service) Run(ctx context.Context, a Access, up *handover.Upload, opts handover.RunOptions, confirm Confirmer, prog Progress) (Outcome, error) {
	guard, err := s.DB.LockTenant(ctx, a.Op, "run")
	if err != nil {
		return Outcome{}, err
	}
	defer guard.Release()
	if err := s.DB.CheckNotInterrupted(ctx, a.Op.TenantID, up.SHA256); err != nil {
		return Outcome{}, err
	}
	plan, err := s.Plan(ctx, a, up, opts)
	if err != nil {
		return Outcome{}, err
	}
	pairs, moved, overwritten := plan.WouldRun()
	switch {
	case plan.Errors > 0 && !opts.SkipInvalid:
		return Outcome{Plan: plan}, handover.Errorf(handover.ErrInvalid, "%d of %d rows have errors and nothing was run: fix them (see `handover preview`), or pass --skip-invalid to run the %s",
			plan.Errors, plan.Pairs, plural(pairs, "valid pair", "valid pairs"))
	case plan.Pairs == 0:
		return Outcome{Plan: plan}, handover.Errorf(handover.ErrInvalid, "the file has no pairs: type each successor's ID in the To User ID column")
	}
	if err := confirm.Confirm(ctx, Confirmation{Plan: plan, Pairs: pairs, Moved: moved, Overwritten: overwritten}); err != nil {
		return Outcome{Plan: plan}, err
	}
	job, err := s.DB.CreateJob(ctx, plan, opts)
	if err != nil {
		return Outcome{Plan: plan}, err
	}
	out, err := s.execute(ctx, guard, job, job.ID, false, prog)
	out.Plan = plan
	return out, err
}

// Read reads an upload (a people spreadsheet saved as CSV) from r, named
// name in messages: the first step of the flow, before any database is
// asked. maxPairs is the most pairs accepted (0: the default); enc forces
// an encoding (its zero value lets the reader choose). A file rejected as
// a whole is an error with its file-level code (see RejectedPlan).
func Read(r io.Reader, name string, maxPairs int, enc handover.Encoding) (*handover.Upload, error) {
	return csvio.Read(r, name, csvio.Options{MaxPairs: maxPairs, Encoding: enc})
}
