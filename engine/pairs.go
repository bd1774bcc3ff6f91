package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"handover"
)

// pendingPairs returns a job's pairs not yet applied, in ledger order.
func (db *DB) pendingPairs(ctx context.Context, jobID int64) ([]chunkPair, error) {
	var rows []struct {
		ID        int64         `db:"id"`
		From      int64         `db:"from_id"`
		To        int64         `db:"to_id"`
		Types     string        `db:"types"`
		Predicted sql.NullInt64 `db:"predicted_rows"`
	}
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT id, from_id, to_id, types, predicted_rows FROM handover_pairs
WHERE job_id = ? AND status = ? ORDER BY id`), jobID, handover.PairPending)
	if err != nil {
		return nil, fmt.Errorf("list pending pairs of job %d: %w", jobID, err)
	}
	out := make([]chunkPair, len(rows))
	for i, r := range rows {
		out[i] = chunkPair{ID: r.ID, From: r.From, To: r.To, load: loadOf(r.Types, r.Predicted)}
	}
	return out, nil
}

// loadOf reads a pair's weight from its ledger columns.
func loadOf(types string, predicted sql.NullInt64) load {
	l := load{Types: ledgerTypes(types), Rows: -1}
	if predicted.Valid {
		l.Rows = predicted.Int64
	}
	return l
}

// JobPairs returns every pair record of a job with its per-type counts.
func (db *DB) JobPairs(ctx context.Context, jobID int64) ([]handover.JobPair, error) {
	return db.pairsWhere(ctx, "p.job_id = ?", jobID)
}

// FailedPairs returns a job's failed pair records.
func (db *DB) FailedPairs(ctx context.Context, jobID int64) ([]handover.JobPair, error) {
	return db.pairsWhere(ctx, "p.job_id = ? AND p.status = ?", jobID, handover.PairFailed)
}

type pairRow struct {
	ID       int64     `db:"id"`
	Line     int       `db:"line"`
	From     int64     `db:"from_id"`
	To       int64     `db:"to_id"`
	FromName string    `db:"from_name"`
	ToName   string    `db:"to_name"`
	Status   string    `db:"status"`
	Code     string    `db:"error_code"`
	Message  string    `db:"error_message"`
	Record   string    `db:"record"`
	Types    string    `db:"types"`
	At       timestamp `db:"done_at"`
}

// pairsWhere loads pair records matching where, with their moves, in two
// queries.
func (db *DB) pairsWhere(ctx context.Context, where string, args ...any) ([]handover.JobPair, error) {
	var rows []pairRow
	q := `SELECT p.id, p.line, p.from_id, p.to_id, p.from_name, p.to_name, p.status, p.error_code, p.error_message,
p.record, p.types, p.done_at FROM handover_pairs p WHERE ` + where + ` ORDER BY p.id`
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), args...); err != nil {
		return nil, fmt.Errorf("read pairs: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	moves, err := db.movesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]handover.JobPair, len(rows))
	for i, r := range rows {
		if out[i], err = r.jobPair(moves[r.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r pairRow) jobPair(moves []handover.Move) (handover.JobPair, error) {
	p := handover.JobPair{ID: r.ID, Row: r.Line, From: r.From, FromName: r.FromName, To: r.To, ToName: r.ToName,
		Status: handover.PairStatus(r.Status), Types: ledgerTypes(r.Types), Moves: moves}
	if p.Moves == nil {
		p.Moves = []handover.Move{}
	}
	if r.Code != "" {
		p.Error = &handover.Issue{Code: handover.Code(r.Code), Message: r.Message}
	}
	if !r.At.IsZero() {
		at := r.At.Time
		p.At = &at
	}
	if err := json.Unmarshal([]byte(r.Record), &p.Record); err != nil {
		return p, fmt.Errorf("read the upload cells of pair %d: %w", r.ID, err)
	}
	return p, nil
}

// movesOf sums the journal of the pairs ids per pair and data type, in
// catalog order. It looks the pairs up by the journal's key: a join would
// let the planner scan the whole journal (every job's) for a few pairs.
func (db *DB) movesOf(ctx context.Context, ids []int64) (map[int64][]handover.Move, error) {
	if len(ids) == 0 {
		return map[int64][]handover.Move{}, nil
	}
	var rows []struct {
		Pair        int64  `db:"pair_id"`
		Type        string `db:"data_type"`
		Moved       int64  `db:"moved"`
		Overwritten int64  `db:"overwritten"`
	}
	q := `SELECT m.pair_id, m.data_type, sum(m.moved) AS moved, sum(m.overwritten) AS overwritten
FROM handover_moves m WHERE ` + db.dialect.idsIn("m.pair_id") + ` GROUP BY m.pair_id, m.data_type`
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), db.dialect.idsArg(ids)); err != nil {
		return nil, fmt.Errorf("read moves: %w", err)
	}
	byPair := make(map[int64]map[string]handover.Move)
	for _, r := range rows {
		if byPair[r.Pair] == nil {
			byPair[r.Pair] = make(map[string]handover.Move)
		}
		t, _ := handover.LookupType(r.Type)
		byPair[r.Pair][r.Type] = handover.Move{Type: r.Type, Mode: t.Mode, Rows: r.Moved, Overwritten: r.Overwritten}
	}
	out := make(map[int64][]handover.Move, len(byPair))
	for id, m := range byPair {
		for _, t := range handover.Catalog {
			if mv, ok := m[t.Table]; ok && (mv.Rows > 0 || mv.Overwritten > 0) {
				out[id] = append(out[id], mv)
			}
		}
	}
	return out, nil
}

// result summarises a job for the command's output.
func (db *DB) result(ctx context.Context, jobID int64) (handover.Result, error) {
	var r struct {
		Pairs  int `db:"pairs"`
		Done   int `db:"done"`
		Failed int `db:"failed"`
	}
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT count(*) AS pairs,
 COALESCE(sum(CASE WHEN status IN (?, ?) THEN 1 ELSE 0 END), 0) AS done,
 COALESCE(sum(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS failed
FROM handover_pairs WHERE job_id = ?`), handover.PairDone, handover.PairUndone, handover.PairFailed, jobID)
	if err != nil {
		return handover.Result{}, fmt.Errorf("summarise job %d: %w", jobID, err)
	}
	return handover.Result{Job: jobID, Pairs: r.Pairs, Done: r.Done, Failed: r.Failed}, nil
}
