package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"handover"
)

// jobMoves is the state machine of a job: for each status, the statuses a
// job may move to it from. Every change of a job's status goes through
// moveJob, which checks the move in the same statement that makes it.
var jobMoves = map[handover.JobStatus][]handover.JobStatus{
	handover.JobInterrupted: {handover.JobRunning},                  // its process stopped or died
	handover.JobRunning:     {handover.JobInterrupted},              // resume
	handover.JobDone:        {handover.JobRunning},                  // finished, every pair done
	handover.JobFailed:      {handover.JobRunning},                  // finished with failed pairs
	handover.JobUndone:      {handover.JobDone, handover.JobFailed}, // every completed pair undone
}

// wrongState is a refused move: the job is not in a status it may move
// from, because something else moved it first.
type wrongState struct {
	job int64
	to  handover.JobStatus
}

func (e *wrongState) Error() string {
	return fmt.Sprintf("job %d cannot become %s from its current status", e.job, e.to)
}

func isWrongState(err error) bool {
	var w *wrongState
	return errors.As(err, &w)
}

// moveJob moves a job to status to, if its current status allows it; a
// finished job also gets its finish time. ex may be a transaction, so that
// the move commits with the data it describes.
func (db *DB) moveJob(ctx context.Context, ex sqlx.ExecerContext, id int64, to handover.JobStatus) error {
	from := jobMoves[to]
	set, args := `status = ?`, []any{to}
	if to == handover.JobDone || to == handover.JobFailed {
		set, args = set+`, finished_at = ?`, append(args, stamp(db.Now()))
	}
	args = append(args, id)
	for _, f := range from {
		args = append(args, f)
	}
	q := fmt.Sprintf(`UPDATE handover_jobs SET %s WHERE id = ? AND status IN (%s)`, set, placeholders(len(from)))
	res, err := ex.ExecContext(ctx, db.rebind(q), args...)
	if err != nil {
		return fmt.Errorf("set job %d %s: %w", id, to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set job %d %s: %w", id, to, err)
	} else if n != 1 {
		return &wrongState{job: id, to: to}
	}
	return nil
}

// movePair moves one pair record from status from to status to, with
// extra assignments ("error_code = ?") and their arguments; it fails when
// the pair is not in status from, so that no pair is applied or undone
// twice.
func (db *DB) movePair(ctx context.Context, ex sqlx.ExecerContext, id int64, from, to handover.PairStatus, set string, args ...any) error {
	if set != "" {
		set = ", " + set
	}
	q := `UPDATE handover_pairs SET status = ?` + set + ` WHERE id = ? AND status = ?`
	res, err := ex.ExecContext(ctx, db.rebind(q), append(append([]any{to}, args...), id, from)...)
	if err != nil {
		return fmt.Errorf("set pair %d %s: %w", id, to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set pair %d %s: %w", id, to, err)
	} else if n != 1 {
		return fmt.Errorf("pair %d is no longer %s: another job changed it", id, from)
	}
	return nil
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
