package transfer

import (
	"context"
	"time"

	"handover"
)

// What the flow gives the HTTP API beyond what the other faces use: a
// readiness probe, job starts made idempotent by a
// client's key, and the record of a job's end notification.

// IdempotencyStale is how long a claimed Idempotency-Key may name no job
// before another request with the same key takes it over (the request
// that claimed it died before its job was recorded).
const IdempotencyStale = 5 * time.Minute

// idempotencyWait is how long a request waits for the job of a key that
// an earlier request is still starting; idempotencyPoll how often it looks.
const (
	idempotencyWait = time.Minute
	idempotencyPoll = 50 * time.Millisecond
)

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error {
	_, err := s.DB.SchemaVersion(ctx)
	return err
}

// Once starts at most one job per tenant and Idempotency-Key: the first
// request with key claims it and calls start, whose job records the key
// (start must pass key as RunOptions.Key); a later request with the same
// digest (the same body and options) gets that job, waiting while the
// first is still starting it, and never reaches the tenant's guard. A
// different digest is ErrIdempotencyMismatch. When start records no job,
// the claim is released and the error returned.
func (s *Service) Once(ctx context.Context, a Access, key, digest string, start func() (handover.Job, error)) (job handover.Job, first bool, err error) {
	deadline := time.Now().Add(idempotencyWait)
	for {
		claim, err := s.DB.ClaimIdempotency(ctx, a.Op.TenantID, key, digest, IdempotencyStale)
		switch {
		case err != nil:
			return job, false, err
		case claim.Owned:
			return s.startClaimed(ctx, a, key, start)
		case claim.Job != 0:
			job, err = s.DB.Job(ctx, a.Op.TenantID, claim.Job)
			return job, false, err
		case time.Now().After(deadline):
			return job, false, handover.Errorf(handover.ErrLocked, "a request with the Idempotency-Key %q is still starting its job: retry with the same key in a minute", key)
		}
		select {
		case <-ctx.Done():
			return job, false, ctx.Err()
		case <-time.After(idempotencyPoll):
		}
	}
}

// startClaimed calls start for a claimed key, releasing the claim when no
// job was recorded. A job recorded without the key (an undo, a resume) is
// bound to it here; a run's was bound as it was recorded.
func (s *Service) startClaimed(ctx context.Context, a Access, key string, start func() (handover.Job, error)) (handover.Job, bool, error) {
	job, err := start()
	if job.ID != 0 {
		if berr := s.DB.BindIdempotency(context.WithoutCancel(ctx), job, key); berr != nil && err == nil {
			err = berr
		}
		return job, true, err
	}
	if err == nil {
		err = handover.Errorf(handover.ErrInternal, "the job of Idempotency-Key %q started without being recorded", key)
	}
	if rerr := s.DB.ReleaseIdempotency(context.WithoutCancel(ctx), a.Op.TenantID, key); rerr != nil {
		return job, false, rerr
	}
	return job, false, err
}

// RecordDelivery records how a job's end notification went.
func (s *Service) RecordDelivery(ctx context.Context, job int64, d handover.Delivery) error {
	return s.DB.RecordDelivery(ctx, job, d)
}
