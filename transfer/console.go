package transfer

import (
	"context"

	"handover"
)

// RunningJob is the job running for a tenant and the operator who started
// it: what the console shows every admin of the tenant while it runs.
type RunningJob struct {
	Job handover.Job
	By  handover.User
}

// Running returns the job running for the operator's tenant, nil when
// none is.
func (s *Service) Running(ctx context.Context, a Access) (*RunningJob, error) {
	job, ok, err := s.DB.RunningJob(ctx, a.Op.TenantID)
	if err != nil || !ok {
		return nil, err
	}
	users, err := s.DB.Users(ctx, job.Tenant, []int64{job.Operator})
	if err != nil {
		return nil, err
	}
	by, ok := users[job.Operator]
	if !ok {
		by = handover.User{ID: job.Operator}
	}
	return &RunningJob{Job: job, By: by}, nil
}

// Unfinished lists the interrupted jobs of every tenant, oldest first
// (jobs whose process died are recorded interrupted first): what a console
// resumes when it starts. Each is resumed as its own operator, authorised
// afresh (see Resume).
func (s *Service) Unfinished(ctx context.Context) ([]handover.Job, error) {
	return s.DB.Unfinished(ctx)
}

// Audit returns what the errors-only audit file of a job holds, as the
// operator may see it: the job, the shape of the upload it follows and
// its failed pairs. A failed pair with a user outside the view loses the
// cells it was uploaded with (which may name that user) and is rebuilt
// from its IDs, with the hidden names blank.
func (s *Service) Audit(ctx context.Context, a Access, id int64) (handover.Job, *handover.Upload, []handover.JobPair, error) {
	job, failed, err := s.Failed(ctx, a, id)
	if err != nil {
		return job, nil, nil, err
	}
	uploadOf := job.ID
	if job.UndoOf != nil {
		uploadOf = *job.UndoOf
	}
	up, err := s.DB.JobUpload(ctx, uploadOf)
	if err != nil {
		return job, nil, nil, err
	}
	for i, p := range failed {
		if (p.From != 0 && p.FromName == "") || (p.To != 0 && p.ToName == "") {
			failed[i].Record = nil
		}
	}
	return job, up, failed, nil
}

// Job returns one job of the operator's tenant with its totals.
func (s *Service) Job(ctx context.Context, a Access, id int64) (handover.Job, error) {
	return s.DB.Job(ctx, a.Op.TenantID, id)
}

// OperatorName returns the name of the user who started job as the
// operator may see it: "" when that user is outside their view, which a
// page shows as the ID alone.
func (s *Service) OperatorName(ctx context.Context, a Access, job handover.Job) (string, error) {
	users, err := s.DB.Users(ctx, a.Op.TenantID, []int64{job.Operator})
	if err != nil {
		return "", err
	}
	if u, ok := users[job.Operator]; ok && a.Sees(u) {
		return u.Name, nil
	}
	return "", nil
}

// Failed returns a job of the operator's tenant and its failed pairs as
// the operator may see them.
func (s *Service) Failed(ctx context.Context, a Access, id int64) (handover.Job, []handover.JobPair, error) {
	return s.jobWith(ctx, a, id, s.DB.FailedPairs)
}

// ShowPage is Show for one page of a large job: the job with its totals,
// and up to limit of its pairs from offset, as the operator may see them.
func (s *Service) ShowPage(ctx context.Context, a Access, id int64, offset, limit int) (handover.Job, []handover.JobPair, error) {
	return s.jobWith(ctx, a, id, func(ctx context.Context, job int64) ([]handover.JobPair, error) {
		return s.DB.JobPairsPage(ctx, job, offset, limit)
	})
}

// jobWith returns a job of the operator's tenant and the pairs that load
// reads of it, as the operator may see them.
func (s *Service) jobWith(ctx context.Context, a Access, id int64, load func(context.Context, int64) ([]handover.JobPair, error)) (handover.Job, []handover.JobPair, error) {
	job, err := s.Job(ctx, a, id)
	if err != nil {
		return job, nil, err
	}
	pairs, err := load(ctx, job.ID)
	if err != nil {
		return job, nil, err
	}
	view, err := a.ViewPairs(ctx, s.DB, pairs)
	return job, view.Pairs, err
}

// JobMoves sums what each of the jobs moved and overwrote, per data type;
// jobs of another tenant than the operator's are left out.
func (s *Service) JobMoves(ctx context.Context, a Access, jobs []handover.Job) (map[int64][]handover.Move, error) {
	ids := make([]int64, 0, len(jobs))
	for _, j := range jobs {
		if j.Tenant == a.Op.TenantID {
			ids = append(ids, j.ID)
		}
	}
	return s.DB.JobMoves(ctx, ids)
}

// AuthorizeEmail returns the access of the user a single-sign-on proxy
// signed in, named by their email: an active admin or tenant admin, as
// Authorize checks, afresh on every request.
func (s *Service) AuthorizeEmail(ctx context.Context, email string) (Access, error) {
	id, err := s.DB.UserByEmail(ctx, email)
	if err != nil {
		return Access{}, err
	}
	return s.Authorize(ctx, id)
}
