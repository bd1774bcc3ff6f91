package engine

import (
	"context"
	"fmt"
	"slices"

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

// Unfinished lists the unfinished jobs of every tenant, oldest first,
// after recording as interrupted the jobs whose process died while they
// ran (they say "running" while nobody holds their tenant's guard): what a
// restarted console resumes. A job still running under a held guard is
// listed too: its process may be alive (another console, a command line)
// or just killed, its guard held until the database sees its connections
// close; resuming it is refused as locked until then.
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
	return db.listJobs(ctx, `j.status IN (?, ?) ORDER BY j.id`, handover.JobInterrupted, handover.JobRunning)
}

// JobMoves sums what each of the jobs moved and overwrote, per data type
// in catalog order: the per-type counts of a job list.
func (db *DB) JobMoves(ctx context.Context, jobs []int64) (map[int64][]handover.Move, error) {
	var rows []struct {
		Job         int64  `db:"job_id"`
		Type        string `db:"data_type"`
		Moved       int64  `db:"moved"`
		Overwritten int64  `db:"overwritten"`
	}
	q := `SELECT p.job_id, m.data_type, sum(m.moved) AS moved, sum(m.overwritten) AS overwritten
FROM handover_pairs p JOIN handover_moves m ON m.pair_id = p.id WHERE ` + db.dialect.idsIn("p.job_id") + ` GROUP BY p.job_id, m.data_type`
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), db.dialect.idsArg(jobs)); err != nil {
		return nil, fmt.Errorf("sum the moves of %d jobs: %w", len(jobs), err)
	}
	out := map[int64][]handover.Move{}
	for _, r := range rows {
		if t, ok := handover.LookupType(r.Type); ok && (r.Moved > 0 || r.Overwritten > 0) { // not the deactivation journal
			out[r.Job] = append(out[r.Job], handover.Move{Type: r.Type, Mode: t.Mode, Rows: r.Moved, Overwritten: r.Overwritten})
		}
	}
	for _, moves := range out {
		slices.SortFunc(moves, func(a, b handover.Move) int { return handover.CatalogIndex(a.Type) - handover.CatalogIndex(b.Type) })
	}
	return out, nil
}

// JobPairsPage returns up to limit pair records of a job from offset, in
// ledger order, with their per-type counts: one page of a large job.
func (db *DB) JobPairsPage(ctx context.Context, jobID int64, offset, limit int) ([]handover.JobPair, error) {
	if offset < 0 || limit < 1 {
		return nil, fmt.Errorf("page of job %d: offset %d, limit %d", jobID, offset, limit)
	}
	return db.pairsWhere(ctx, fmt.Sprintf(`p.job_id = ? AND p.id IN
(SELECT id FROM handover_pairs WHERE job_id = ? ORDER BY id LIMIT %d OFFSET %d)`, limit, offset), jobID, jobID)
}
