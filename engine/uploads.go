package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
)

// UploadRetention is how long an upload that no job ran is kept: long
// enough to come back to its preview, short enough that personal data does
// not pile up. An upload a job ran is kept with the job.
const UploadRetention = 7 * 24 * time.Hour

// StoreUpload keeps an uploaded file's content under u.ID for its uploader
// (u.Tenant, u.Operator), created now. Uploads that no job ran and that
// are older than UploadRetention are removed on the way.
func (db *DB) StoreUpload(ctx context.Context, u handover.StoredUpload, content []byte) error {
	now := db.Now()
	return db.withTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM handover_uploads WHERE job_id IS NULL AND created_at < ?`),
			stamp(now.Add(-UploadRetention))); err != nil {
			return fmt.Errorf("remove old uploads: %w", err)
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO handover_uploads
(id, tenant_id, operator_id, file_name, file_sha256, size, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			u.ID, u.Tenant, u.Operator, u.Name, u.SHA256, u.Size, content, stamp(now))
		if err != nil {
			return fmt.Errorf("store upload %s of operator %d: %w", u.Name, u.Operator, err)
		}
		return nil
	})
}

// storedRow is one handover_uploads row as read back.
type storedRow struct {
	handover.StoredUpload
	Created timestamp `db:"created_at"`
	Content []byte    `db:"content"`
}

// Upload returns the upload with id and its content when operator of
// tenant uploaded it. Anyone else's upload, like one that does not exist,
// is ErrNotFound: its ID tells a stranger nothing.
func (db *DB) Upload(ctx context.Context, tenant, operator int64, id string) (handover.StoredUpload, []byte, error) {
	var r storedRow
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT id, tenant_id, operator_id, file_name, file_sha256, size, content, created_at, job_id
FROM handover_uploads WHERE id = ? AND tenant_id = ? AND operator_id = ?`), id, tenant, operator)
	switch {
	case isNoRows(err):
		return handover.StoredUpload{}, nil, handover.Errorf(handover.ErrNotFound,
			"there is no upload %.40q of yours: it was never made, belongs to someone else, or was removed after %d days unused; upload the file again", id, int(UploadRetention.Hours()/24))
	case err != nil:
		return handover.StoredUpload{}, nil, fmt.Errorf("read upload %.40q: %w", id, err)
	}
	r.StoredUpload.Created = r.Created.Time
	return r.StoredUpload, r.Content, nil
}

// Uploads lists operator's uploads (of tenant), newest first, at most
// limit, without their content.
func (db *DB) Uploads(ctx context.Context, tenant, operator int64, limit int) ([]handover.StoredUpload, error) {
	var rows []storedRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT id, tenant_id, operator_id, file_name, file_sha256, size, created_at, job_id
FROM handover_uploads WHERE tenant_id = ? AND operator_id = ? ORDER BY created_at DESC, id LIMIT ?`), tenant, operator, limit)
	if err != nil {
		return nil, fmt.Errorf("list uploads of operator %d: %w", operator, err)
	}
	out := make([]handover.StoredUpload, len(rows))
	for i, r := range rows {
		out[i] = r.StoredUpload
		out[i].Created = r.Created.Time
	}
	return out, nil
}

// attachUpload records on the stored upload id that job ran it, in the
// transaction that records the job.
func attachUpload(ctx context.Context, tx *sqlx.Tx, id string, job handover.Job) error {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE handover_uploads SET job_id = ? WHERE id = ? AND tenant_id = ? AND operator_id = ?`),
		job.ID, id, job.Tenant, job.Operator)
	if err != nil {
		return fmt.Errorf("record upload %.40q on job %d: %w", id, job.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("record upload %.40q on job %d: %d uploads of operator %d match (%v)", id, job.ID, n, job.Operator, err)
	}
	return nil
}
