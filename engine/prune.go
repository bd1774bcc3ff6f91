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
	if err := db.settleOrphans(ctx, tenant); err != nil {
		return nil, err
	}
	jobs, err := db.listJobs(ctx, `j.tenant_id = ? AND j.kind = ? AND j.finished_at IS NOT NULL AND j.finished_at < ? AND j.pruned_at IS NULL ORDER BY j.id`,
		tenant, handover.KindRun, stamp(db.Now().Add(-olderThan)))
	if err != nil {
		return nil, fmt.Errorf("find jobs to prune: %w", err)
	}
	return jobs, nil
}
