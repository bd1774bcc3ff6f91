package engine

import (
	"context"
	"fmt"

	"handover"
)

// ownerCounts maps table → owner column → user → rows owned.
type ownerCounts map[string]map[string]map[int64]int64

// countOwners counts, for every owner column of every data type, the rows
// each of ids owns: one query per owner column, whatever the number of IDs.
func (db *DB) countOwners(ctx context.Context, q queryer, ids []int64) (ownerCounts, error) {
	out := make(ownerCounts, len(handover.Catalog))
	for _, t := range handover.Catalog {
		out[t.Table] = make(map[string]map[int64]int64, len(t.Owners))
		for _, col := range t.Owners {
			var rows []struct {
				Owner int64 `db:"owner"`
				N     int64 `db:"n"`
			}
			stmt := fmt.Sprintf(`SELECT %s AS owner, count(*) AS n FROM %s WHERE %s GROUP BY %s`,
				col, t.Table, db.dialect.idsIn(col), col)
			if err := q.SelectContext(ctx, &rows, db.rebind(stmt), db.dialect.idsArg(ids)); err != nil {
				return nil, fmt.Errorf("count %s.%s: %w", t.Table, col, err)
			}
			m := make(map[int64]int64, len(rows))
			for _, r := range rows {
				m[r.Owner] = r.N
			}
			out[t.Table][col] = m
		}
	}
	return out, nil
}

// moves predicts what handing from's data to to would do, per data type,
// leaving out types with nothing to move or overwrite.
func (c ownerCounts) moves(from, to int64) []handover.Move {
	var out []handover.Move
	for _, t := range handover.Catalog {
		m := handover.Move{Type: t.Table, Mode: t.Mode}
		for _, col := range t.Owners {
			m.Rows += c[t.Table][col][from]
		}
		if t.Mode == handover.Overwrite && m.Rows > 0 {
			m.Overwritten = c[t.Table][t.Owners[0]][to]
		}
		if m.Rows > 0 || m.Overwritten > 0 {
			out = append(out, m)
		}
	}
	return out
}

// Predict fills in, for every plan row that is not an error, how many rows
// of each data type will move and be overwritten, counted from the database
// in a constant number of queries. A row repeating an earlier one moves
// nothing: its pair runs once.
func (db *DB) Predict(ctx context.Context, plan *handover.Plan) error {
	var ids []int64
	for _, r := range plan.Rows {
		if p, ok := r.Pair(); ok && r.Runnable() {
			ids = append(ids, p.From, p.To)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	counts, err := db.countOwners(ctx, db.db, ids)
	if err != nil {
		return err
	}
	for i := range plan.Rows {
		r := &plan.Rows[i]
		if p, ok := r.Pair(); ok && r.Runnable() && !r.Repeats() {
			r.Moves = counts.moves(p.From, p.To)
		}
	}
	plan.Tally()
	return nil
}
