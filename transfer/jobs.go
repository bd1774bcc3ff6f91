package transfer

import (
	"context"
	"time"

	"handover"
	"handover/engine"
)

// Jobs lists the tenant's newest jobs, newest first.
func (s *Service) Jobs(ctx context.Context, a Access, limit int) ([]handover.Job, error) {
	if limit < 1 {
		return nil, handover.Errorf(handover.ErrUsage, "a job list holds at least 1 job, not %d", limit)
	}
	return s.DB.Jobs(ctx, a.Op.TenantID, limit)
}

// Show returns one job of the operator's tenant and its pairs as the
// operator may see them. Another tenant's job does not exist.
func (s *Service) Show(ctx context.Context, a Access, id int64) (handover.Job, JobView, error) {
	job, err := s.DB.Job(ctx, a.Op.TenantID, id)
	if err != nil {
		return job, JobView{}, err
	}
	pairs, err := s.DB.JobPairs(ctx, job.ID)
	if err != nil {
		return job, JobView{}, err
	}
	view, err := a.ViewPairs(ctx, s.DB, pairs)
	return job, view, err
}

// Verify compares a job's ledger with the data.
func (s *Service) Verify(ctx context.Context, a Access, id int64) (handover.Verification, error) {
	job, err := s.DB.Job(ctx, a.Op.TenantID, id)
	if err != nil {
		return handover.Verification{}, err
	}
	return s.DB.Verify(ctx, job)
}

// changeable loads a job that the operator is about to change (undo,
// resume): one whose every user they see.
func (s *Service) changeable(ctx context.Context, a Access, id int64, action string) (handover.Job, error) {
	job, view, err := s.Show(ctx, a, id)
	if err != nil {
		return job, err
	}
	return job, view.MayChange(a, job, action)
}

// Undo restores what run job id changed, under the tenant's guard, after
// confirm agrees. An earlier undo of the same job that was interrupted is
// finished instead of starting another (Progress.Start says resumed).
func (s *Service) Undo(ctx context.Context, a Access, id int64, confirm Confirmer, prog Progress) (Outcome, error) {
	guard, err := s.DB.LockTenant(ctx, a.Op, "undo")
	if err != nil {
		return Outcome{}, err
	}
	defer guard.Release()
	target, err := s.changeable(ctx, a, id, "undo")
	if err != nil {
		return Outcome{}, err
	}
	if err := confirm.Confirm(ctx, Confirmation{Undo: &target, Pairs: target.Done}); err != nil {
		return Outcome{}, err
	}
	job, resumed, err := s.DB.UnfinishedUndo(ctx, target)
	switch {
	case err != nil:
		return Outcome{}, err
	case resumed:
		err = s.DB.SetRunning(ctx, job.ID)
	default:
		job, err = s.DB.CreateUndoJob(ctx, a.Op, target)
	}
	if err != nil {
		return Outcome{}, err
	}
	return s.execute(ctx, guard, job, target.ID, resumed, prog)
}

// Resume finishes an interrupted job (run or undo), under the tenant's
// guard; it was confirmed when it started.
func (s *Service) Resume(ctx context.Context, a Access, id int64, prog Progress) (Outcome, error) {
	guard, err := s.DB.LockTenant(ctx, a.Op, "resume")
	if err != nil {
		return Outcome{}, err
	}
	defer guard.Release()
	job, err := s.changeable(ctx, a, id, "resume")
	if err != nil {
		return Outcome{}, err
	}
	if job.Status != handover.JobInterrupted {
		return Outcome{}, handover.Errorf(handover.ErrUsage, "job %d is %s, not interrupted: there is nothing to resume", job.ID, job.Status)
	}
	if err := s.DB.SetRunning(ctx, job.ID); err != nil {
		return Outcome{}, err
	}
	uploadOf := job.ID
	if job.UndoOf != nil {
		uploadOf = *job.UndoOf
	}
	return s.execute(ctx, guard, job, uploadOf, true, prog)
}

// execute applies a job's pending pairs, reporting to prog, and gathers
// its outcome; uploadOf is the job whose upload the audit file follows.
func (s *Service) execute(ctx context.Context, g *engine.Guard, job handover.Job, uploadOf int64, resumed bool, prog Progress) (Outcome, error) {
	pairs, err := s.DB.JobPairs(ctx, job.ID)
	if err != nil {
		return Outcome{}, err
	}
	job.Pairs = len(pairs)
	prog.Start(job, pairs, resumed)
	exec := s.DB.Execute
	if job.Kind == handover.KindUndo {
		exec = s.DB.ExecuteUndo
	}
	res, err := exec(ctx, g, job, prog.Pair)
	if err != nil {
		return Outcome{Job: job, Result: res}, err
	}
	out := Outcome{Job: job, Result: res}
	if out.Failed, err = s.DB.FailedPairs(ctx, job.ID); err != nil {
		return out, err
	}
	out.Upload, err = s.DB.JobUpload(ctx, uploadOf)
	return out, err
}

// Prune removes the undo journals of the tenant's runs finished more than
// olderThan ago, under the tenant's guard so that no undo reads a journal
// while it goes, after confirm agrees to the list (Confirmation.Prune). A
// dry run returns the list and changes nothing. Only tenant admins prune.
func (s *Service) Prune(ctx context.Context, a Access, olderThan time.Duration, dryRun bool, confirm Confirmer) ([]handover.Job, error) {
	if err := a.MayPrune(); err != nil {
		return nil, err
	}
	if olderThan < 24*time.Hour {
		return nil, handover.Errorf(handover.ErrUsage, "undo journals are kept at least 1 day, not %s", olderThan)
	}
	guard, err := s.DB.LockTenant(ctx, a.Op, "prune")
	if err != nil {
		return nil, err
	}
	defer guard.Release()
	jobs, err := s.DB.Prunable(ctx, a.Op.TenantID, olderThan)
	if err != nil || len(jobs) == 0 || dryRun {
		return jobs, err
	}
	if err := confirm.Confirm(ctx, Confirmation{Prune: jobs}); err != nil {
		return nil, err
	}
	return jobs, s.DB.PruneJobs(ctx, jobs)
}
