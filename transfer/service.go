package transfer

import (
	"context"

	"handover"
	"handover/engine"
)

// Service runs the transfer flow on one database.
type Service struct {
	DB *engine.DB
	// MaxPairs is the most pairs one upload may hold (0: the default).
	MaxPairs int
}

// Confirmer asks the operator to confirm what is about to change: a
// terminal prompt, or a dialog the web console showed before the request.
// It returns nil to go on, or the error that stops the flow (nothing has
// changed yet when it is called).
type Confirmer interface {
	Confirm(ctx context.Context, c Confirmation) error
}

// Confirmation is what the operator is asked to confirm: a plan to run, a
// job to undo or journals to prune.
type Confirmation struct {
	Plan *handover.Plan // a run
	Undo *handover.Job  // an undo of this run
	// Prune lists the jobs whose undo journals are about to be removed.
	Prune []handover.Job
	// Pairs, Moved and Overwritten are what will change (for an undo: the
	// pairs still done).
	Pairs              int
	Moved, Overwritten int64
}

// Progress follows a job as it runs: Start once with the job's pairs as
// recorded when it starts (resumed: some ended in an earlier process),
// then Pair for each pair as it ends.
type Progress interface {
	Start(job handover.Job, pairs []handover.JobPair, resumed bool)
	Pair(handover.JobPair)
}

// Outcome is what a run, resume or undo did: the plan (a run), the job,
// its totals, its failed pairs (the audit file's rows) and the shape of
// the upload the audit file is written in.
type Outcome struct {
	Plan   *handover.Plan // a run's plan, also when it was refused
	Job    handover.Job
	Result handover.Result
	Failed []handover.JobPair
	Upload *handover.Upload
}

// Authorize returns the access of the operator with ID id: an active admin
// or tenant admin of their tenant (see Access).
func (s *Service) Authorize(ctx context.Context, id int64) (Access, error) {
	op, err := s.DB.Operator(ctx, id)
	if err != nil {
		return Access{}, err
	}
	return Authorize(ctx, s.DB, op)
}
