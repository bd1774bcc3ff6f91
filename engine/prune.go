package engine

import (
	"context"
	"fmt"
	"time"

	"handover"
)

// Prunable lists, oldest first, the tenant's jobs whose undo journals Prune
// would remove with the same olderThan: runs finished more than olderThan
// ago and not pruned yet.
func (db *DB) Prunable(ctx context.Context, tenant int64, olderThan time.Duration) ([]handover.Job, error) {
	var ids []int64
	cutoff := stamp(db.Now().Add(-olderThan))
	if err := db.db.SelectContext(ctx, &ids, db.rebind(`SELECT id FROM handover_jobs
WHERE tenant_id = ? AND kind = ? AND finished_at IS NOT NULL AND finished_at < ? AND pruned_at IS NULL ORDER BY id`), tenant, handover.KindRun, cutoff); err != nil {
		return nil, fmt.Errorf("find jobs to prune: %w", err)
	}
	jobs := make([]handover.Job, 0, len(ids))
	for _, id := range ids {
		j, err := db.Job(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}
