package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
)

// CheckNotInterrupted refuses to run a file again whose earlier job was
// interrupted: that job must be resumed, not started afresh.
func (db *DB) CheckNotInterrupted(ctx context.Context, tenant int64, sha string) error {
	if sha == "" {
		return nil
	}
	var ids []int64
	err := db.db.SelectContext(ctx, &ids, db.rebind(`SELECT id FROM handover_jobs
WHERE tenant_id = ? AND kind = ? AND status = ? AND file_sha256 = ? ORDER BY id`), tenant, handover.KindRun, handover.JobInterrupted, sha)
	if err != nil {
		return fmt.Errorf("look up interrupted jobs: %w", err)
	}
	if len(ids) > 0 {
		return handover.Errorf(handover.ErrInterrupted, "job %d ran this same file and was interrupted; finish it with `handover resume %d` instead of running the file again", ids[0], ids[0])
	}
	return nil
}

// SetRunning marks an interrupted job running again, for resume; it fails
// unless the job is interrupted.
func (db *DB) SetRunning(ctx context.Context, jobID int64) error {
	err := db.moveJob(ctx, db.db, jobID, handover.JobRunning)
	if isWrongState(err) {
		return handover.Errorf(handover.ErrUsage, "job %d is not interrupted: there is nothing to resume", jobID)
	}
	return err
}

// JobUpload returns the shape of the upload a job ran (header, columns and
// format), so that its audit file is written in the upload's own format.
func (db *DB) JobUpload(ctx context.Context, jobID int64) (*handover.Upload, error) {
	var row struct {
		Name   string `db:"file_name"`
		SHA    string `db:"file_sha256"`
		Upload string `db:"upload"`
	}
	if err := db.db.GetContext(ctx, &row, db.rebind(`SELECT file_name, file_sha256, upload FROM handover_jobs WHERE id = ?`), jobID); err != nil {
		return nil, fmt.Errorf("read upload of job %d: %w", jobID, err)
	}
	var s uploadShape
	if err := json.Unmarshal([]byte(row.Upload), &s); err != nil {
		return nil, fmt.Errorf("read the upload's shape of job %d: %w", jobID, err)
	}
	if len(s.Header) == 0 { // a job recorded before the upload's shape was
		p := handover.PairUpload("", "")
		s = uploadShape{Header: p.Header, Format: p.Format, FromCol: p.FromCol, ToCol: p.ToCol, NameCol: p.NameCol}
	}
	return &handover.Upload{Name: row.Name, SHA256: row.SHA, Format: s.Format, Header: s.Header,
		FromCol: s.FromCol, ToCol: s.ToCol, NameCol: s.NameCol}, nil
}

// Prune removes the undo journals of the tenant's jobs finished more than
// olderThan ago (see PruneJobs) and returns how many jobs.
func (db *DB) Prune(ctx context.Context, tenant int64, olderThan time.Duration) (int, error) {
	jobs, err := db.Prunable(ctx, tenant, olderThan)
	if err != nil {
		return 0, err
	}
	return len(jobs), db.PruneJobs(ctx, jobs)
}

// PruneJobs removes the undo journals (moved keys and overwritten copies)
// of jobs; their counts stay in the ledger, but they can no longer be
// undone. Each job is pruned in one transaction that also records it
// pruned, which an undo checks in its own transaction.
func (db *DB) PruneJobs(ctx context.Context, jobs []handover.Job) error {
	for _, j := range jobs {
		err := retry(ctx, db, func() error {
			return db.withTx(ctx, func(tx *sqlx.Tx) error { return db.pruneJob(ctx, tx, j.ID) })
		})
		if err != nil {
			return fmt.Errorf("prune job %d: %w", j.ID, err)
		}
	}
	return nil
}

func (db *DB) pruneJob(ctx context.Context, tx *sqlx.Tx, id int64) error {
	for _, t := range handover.Catalog {
		if t.Mode == handover.Overwrite {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM `+archiveTable(t)+` WHERE job_id = ?`), id); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE handover_moves SET ids = NULL WHERE pair_id IN (SELECT id FROM handover_pairs WHERE job_id = ?)`), id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE handover_jobs SET pruned_at = ? WHERE id = ?`), stamp(db.Now()), id)
	return err
}
