package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"

	"handover"
)

// uploadShape is what a job keeps of its upload so that an audit file can be
// written in the upload's own format even on resume.
type uploadShape struct {
	Header  []string        `json:"header"`
	Format  handover.Format `json:"format"`
	FromCol int             `json:"from_col"`
	ToCol   int             `json:"to_col"`
	NameCol int             `json:"name_col"`
}

// CreateJob records a run in the ledger: the job and one record per pair.
// Runnable pairs are pending; error rows (kept with --skip-invalid) are
// recorded failed with their issues. A pair repeated in the file is
// recorded once.
func (db *DB) CreateJob(ctx context.Context, plan *handover.Plan, opts handover.RunOptions) (handover.Job, error) {
	job := handover.Job{Kind: handover.KindRun, Status: handover.JobRunning, Tenant: plan.Operator.TenantID,
		Operator: plan.Operator.ID, Started: db.Now().UTC(), Options: opts}
	shape := uploadShape{}
	if up := plan.Upload; up != nil {
		job.File, job.SHA256 = up.Name, up.SHA256
		shape = uploadShape{up.Header, up.Format, up.FromCol, up.ToCol, up.NameCol}
	}
	fp, err := db.dialect.fingerprintKind(ctx, db.db)
	if err != nil {
		return handover.Job{}, err
	}
	err = db.withTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.insertJob(ctx, tx, &job, shape, fp); err != nil {
			return err
		}
		if up := plan.Upload; up != nil && up.Stored != "" {
			if err := attachUpload(ctx, tx, up.Stored, job); err != nil {
				return err
			}
		}
		if err := db.bindIdempotency(ctx, tx, job, opts.Key); err != nil {
			return err
		}
		return db.insertPairs(ctx, tx, job.ID, plan)
	})
	return job, err
}

// jobFingerprint returns the kind of fingerprint job jobID's journal
// holds.
func (db *DB) jobFingerprint(ctx context.Context, jobID int64) (fingerprintKind, error) {
	var fp fingerprintKind
	if err := db.db.GetContext(ctx, &fp, db.rebind(`SELECT fingerprint FROM handover_jobs WHERE id = ?`), jobID); err != nil {
		return 0, fmt.Errorf("read job %d: %w", jobID, err)
	}
	return fp, nil
}

// insertJob records job (its options and the shape of its upload, as
// JSON, and the kind of fingerprint its journal holds) and sets its ID.
func (db *DB) insertJob(ctx context.Context, tx *sqlx.Tx, job *handover.Job, shape uploadShape, fp fingerprintKind) error {
	opts, err := json.Marshal(job.Options)
	if err != nil {
		return fmt.Errorf("encode options of the job: %w", err)
	}
	shapeJSON, err := json.Marshal(shape)
	if err != nil {
		return fmt.Errorf("encode the upload's shape: %w", err)
	}
	err = tx.GetContext(ctx, &job.ID, tx.Rebind(`INSERT INTO handover_jobs
(tenant_id, operator_id, kind, status, file_name, file_sha256, options, upload, undo_of, started_at, fingerprint)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		job.Tenant, job.Operator, job.Kind, job.Status, job.File, job.SHA256, string(opts), string(shapeJSON), job.UndoOf, stamp(job.Started), fp)
	if err != nil {
		return fmt.Errorf("record job: %w", err)
	}
	return nil
}

// pairColumns are the columns insertPairs writes.
var pairColumns = []string{"job_id", "line", "from_id", "to_id", "from_name", "to_name", "status", "error_code", "error_message", "record", "types", "predicted_rows"}

// insertPairs records the plan's rows as pairs of job jobID in one bulk
// load: COPY on PostgreSQL, multi-row INSERTs on SQLite (a one-row INSERT
// per pair was 2,000 round trips for a full file).
func (db *DB) insertPairs(ctx context.Context, tx *sqlx.Tx, jobID int64, plan *handover.Plan) error {
	l := &Loader{ctx: ctx, tx: tx, copy: db.dialect.bulkCopy()}
	b, err := l.Open("handover_pairs", pairColumns)
	if err != nil {
		return fmt.Errorf("record the job's pairs: %w", err)
	}
	for _, r := range pairRecords(jobID, plan) {
		if err := b.Row(r...); err != nil {
			b.Close()
			return fmt.Errorf("record the job's pairs (row %v): %w", r[1], err)
		}
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("record the job's pairs: %w", err)
	}
	return nil
}

// pairRecords returns the values of each pair record, in file order. Runnable
// pairs are pending; a pair repeated in the file (with the same data types)
// runs once; error rows are all recorded, failed with their issues. A
// pending pair of a counted plan records the rows it is predicted to touch.
func pairRecords(jobID int64, plan *handover.Plan) [][]any {
	rows := plan.Rows
	type typedPair struct {
		handover.Pair
		types int64
	}
	seen := make(map[typedPair]bool, len(rows))
	records := make([][]any, 0, len(rows))
	for _, r := range rows {
		p := knownIDs(r)
		if r.Runnable() {
			if seen[typedPair{p, r.Types.Mask()}] {
				continue
			}
			seen[typedPair{p, r.Types.Mask()}] = true
		}
		status, issue := handover.PairPending, handover.Issue{}
		if !r.Runnable() {
			status, issue = handover.PairFailed, firstError(r.Issues)
		}
		var predicted *int64
		if plan.Predicted && status == handover.PairPending {
			n := r.Touches()
			predicted = &n
		}
		record, _ := json.Marshal(r.Record)
		records = append(records, []any{jobID, r.Row, p.From, p.To, r.FromName, r.ToName,
			status, issue.Code, issue.Message, string(record), r.Types.String(), predicted})
	}
	return records
}

// knownIDs returns the row's pair, with 0 for an ID that did not parse.
func knownIDs(r handover.PlanRow) handover.Pair {
	var p handover.Pair
	if r.From != nil {
		p.From = *r.From
	}
	if r.To != nil {
		p.To = *r.To
	}
	return p
}

// firstError returns the issues that make a row an error, joined into one.
func firstError(issues []handover.Issue) handover.Issue {
	var out handover.Issue
	for _, i := range issues {
		if i.Code.IsWarning() {
			continue
		}
		if out.Code == "" {
			out = i
			continue
		}
		out.Message += "; " + string(i.Code) + ": " + i.Message
	}
	return out
}

// Job returns one job of the tenant with its totals.
func (db *DB) Job(ctx context.Context, tenant, id int64) (handover.Job, error) {
	if err := db.settleOrphans(ctx, tenant); err != nil {
		return handover.Job{}, err
	}
	jobs, err := db.listJobs(ctx, `j.tenant_id = ? AND j.id = ?`, tenant, id)
	if err != nil {
		return handover.Job{}, err
	}
	if len(jobs) == 0 {
		return handover.Job{}, handover.Errorf(handover.ErrNotFound, "job %d not found in your tenant; list jobs with `handover jobs`", id)
	}
	return jobs[0], nil
}

// Jobs lists the tenant's most recent jobs, newest first.
func (db *DB) Jobs(ctx context.Context, tenant int64, limit int) ([]handover.Job, error) {
	if err := db.settleOrphans(ctx, tenant); err != nil {
		return nil, err
	}
	return db.listJobs(ctx, fmt.Sprintf(`j.tenant_id = ? ORDER BY j.id DESC LIMIT %d`, limit), tenant)
}

// settleOrphans records as interrupted the tenant's jobs that say
// "running" while nobody holds the tenant's guard: their process died (a
// running job's process holds the guard from before the job is recorded
// until it has finished). Only those jobs are changed, so a job started
// after the guard was found free is left alone.
func (db *DB) settleOrphans(ctx context.Context, tenant int64) error {
	var running []int64
	if err := db.db.SelectContext(ctx, &running, db.rebind(`SELECT id FROM handover_jobs WHERE tenant_id = ? AND status = ?`),
		tenant, handover.JobRunning); err != nil {
		return fmt.Errorf("list running jobs: %w", err)
	}
	if len(running) == 0 {
		return nil
	}
	held, err := db.dialect.guardHeld(ctx, db, tenant)
	if err != nil || held {
		return err
	}
	for _, id := range running {
		if err := db.moveJob(ctx, db.db, id, handover.JobInterrupted); err != nil && !isWrongState(err) {
			return err
		}
	}
	return nil
}

func (db *DB) listJobs(ctx context.Context, where string, args ...any) ([]handover.Job, error) {
	var rows []struct {
		ID       int64     `db:"id"`
		Tenant   int64     `db:"tenant_id"`
		Operator int64     `db:"operator_id"`
		Kind     string    `db:"kind"`
		Status   string    `db:"status"`
		File     string    `db:"file_name"`
		SHA      string    `db:"file_sha256"`
		Options  string    `db:"options"`
		UndoOf   *int64    `db:"undo_of"`
		Started  timestamp `db:"started_at"`
		Finished timestamp `db:"finished_at"`
		Pairs    int       `db:"pairs"`
		Done     int       `db:"done"`
		Failed   int       `db:"failed"`
		delivery
	}
	q := `SELECT j.id, j.tenant_id, j.operator_id, j.kind, j.status, j.file_name, j.file_sha256, j.options, j.undo_of,
 j.started_at, j.finished_at,
 (SELECT count(*) FROM handover_pairs p WHERE p.job_id = j.id) AS pairs,
 (SELECT count(*) FROM handover_pairs p WHERE p.job_id = j.id AND p.status IN (?, ?)) AS done,
 (SELECT count(*) FROM handover_pairs p WHERE p.job_id = j.id AND p.status = ?) AS failed` + deliveryColumns + `
FROM handover_jobs j` + deliveryJoin + ` WHERE ` + where
	args = append([]any{handover.PairDone, handover.PairUndone, handover.PairFailed}, args...)
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), args...); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	jobs := make([]handover.Job, len(rows))
	for i, r := range rows {
		jobs[i] = handover.Job{ID: r.ID, Tenant: r.Tenant, Operator: r.Operator, Kind: handover.JobKind(r.Kind),
			Status: handover.JobStatus(r.Status), File: r.File, SHA256: r.SHA, UndoOf: r.UndoOf,
			Started: r.Started.Time, Pairs: r.Pairs, Done: r.Done, Failed: r.Failed, Notified: r.delivery.get()}
		if err := json.Unmarshal([]byte(r.Options), &jobs[i].Options); err != nil {
			return nil, fmt.Errorf("read options of job %d: %w", r.ID, err)
		}
		if !r.Finished.IsZero() {
			f := r.Finished.Time
			jobs[i].Finished = &f
		}
	}
	return jobs, nil
}

// finishJob moves a running job to its final status, from its pairs.
func (db *DB) finishJob(ctx context.Context, jobID int64) (handover.JobStatus, error) {
	var failed int
	if err := db.db.GetContext(ctx, &failed, db.rebind(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = ?`),
		jobID, handover.PairFailed); err != nil {
		return "", fmt.Errorf("count failed pairs of job %d: %w", jobID, err)
	}
	status := handover.JobDone
	if failed > 0 {
		status = handover.JobFailed
	}
	if err := db.moveJob(ctx, db.db, jobID, status); err != nil {
		if isWrongState(err) {
			return "", handover.Errorf(handover.ErrLocked, "job %d was marked interrupted by another process while it ran (its guard looked free); finish it with `handover resume %d`", jobID, jobID)
		}
		return "", err
	}
	return status, nil
}
