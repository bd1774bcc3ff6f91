package engine

import (
	"context"
	"fmt"

	"handover"
)

// RunningJob returns the tenant's running job, if any: the one job that
// holds its guard. A job left "running" by a process that died is recorded
// interrupted first, so it is not reported.
func (db *DB) RunningJob(ctx context.Context, tenant int64) (job handover.Job, ok bool, err error) {
	if err := db.settleOrphans(ctx, tenant); err != nil {
		return job, false, err
	}
	jobs, err := db.listJobs(ctx, `j.tenant_id = ? AND j.status = ? ORDER BY j.id DESC LIMIT 1`, tenant, handover.JobRunning)
	if err != nil || len(jobs) == 0 {
		return job, false, err
	}
	return jobs[0], true, nil
}

// Unfinished lists the interrupted jobs of every tenant, oldest first,
// after recording as interrupted the jobs whose process died while they
// ran (they say "running" while nobody holds their tenant's guard): what a
// restarted console resumes.
func (db *DB) Unfinished(ctx context.Context) ([]handover.Job, error) {
	var tenants []int64
	if err := db.db.SelectContext(ctx, &tenants, db.rebind(`SELECT DISTINCT tenant_id FROM handover_jobs WHERE status = ?`),
		handover.JobRunning); err != nil {
		return nil, fmt.Errorf("list tenants with running jobs: %w", err)
	}
	for _, t := range tenants {
		if err := db.settleOrphans(ctx, t); err != nil {
			return nil, fmt.Errorf("settle the running jobs of tenant %d: %w", t, err)
		}
	}
	return db.listJobs(ctx, `j.status = ? ORDER BY j.id`, handover.JobInterrupted)
}
