package engine

import (
	"context"
	"fmt"

	"handover"
)

// RecordDelivery records how the end notification of job went, replacing
// what an earlier attempt recorded.
func (db *DB) RecordDelivery(ctx context.Context, job int64, d handover.Delivery) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO handover_notifications (job_id, status, attempts, last_error, updated_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET
status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at`),
		job, d.Status, d.Attempts, d.Error, stamp(d.At))
	if err != nil {
		return fmt.Errorf("record notification of job %d: %w", job, err)
	}
	return nil
}

// delivery is a job's notification as listJobs reads it (all NULL when
// none was sent).
type delivery struct {
	Status   *string   `db:"notify_status"`
	Attempts *int      `db:"notify_attempts"`
	Error    *string   `db:"notify_error"`
	At       timestamp `db:"notify_at"`
}

// deliveryColumns select a job j's delivery for listJobs.
const deliveryColumns = `, n.status AS notify_status, n.attempts AS notify_attempts, n.last_error AS notify_error, n.updated_at AS notify_at`

// deliveryJoin joins a job j to its delivery for listJobs.
const deliveryJoin = ` LEFT JOIN handover_notifications n ON n.job_id = j.id`

// get returns the delivery, nil when none was sent.
func (d delivery) get() *handover.Delivery {
	if d.Status == nil {
		return nil
	}
	out := &handover.Delivery{Status: handover.DeliveryStatus(*d.Status), At: d.At.UTC()}
	if d.Attempts != nil {
		out.Attempts = *d.Attempts
	}
	if d.Error != nil {
		out.Error = *d.Error
	}
	return out
}
