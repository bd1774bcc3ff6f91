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

// moves predicts what handing from's data of the chosen types to to would
// do, per data type, leaving out types with nothing to move or overwrite.
func (c ownerCounts) moves(from, to int64, types handover.TypeSet) []handover.Move {
	var out []handover.Move
	for _, t := range handover.Catalog {
		if !types.Has(t.Table) {
			continue
		}
		m := handover.Move{Type: t.Table, Mode: t.Mode, Rows: c.owned(t, from)}
		if t.Mode == handover.Overwrite && m.Rows > 0 {
			m.Overwritten = c[t.Table][t.Owners[0]][to]
		}
		if m.Rows > 0 || m.Overwritten > 0 {
			out = append(out, m)
		}
	}
	return out
}

// owned counts the rows of t that user owns (once per owner column).
func (c ownerCounts) owned(t handover.DataType, user int64) int64 {
	var n int64
	for _, col := range t.Owners {
		n += c[t.Table][col][user]
	}
	return n
}

// stays counts, per data type that no row hands over (moved holds the
// types the rows do), the rows the source keeps, leaving out types it has
// none of.
func (c ownerCounts) stays(from int64, moved handover.TypeSet) []handover.Stay {
	var out []handover.Stay
	for _, t := range handover.Catalog {
		if moved.Has(t.Table) {
			continue
		}
		if n := c.owned(t, from); n > 0 {
			out = append(out, handover.Stay{Type: t.Table, Rows: n})
		}
	}
	return out
}

// Predict fills in, for every plan row that is not an error, how many rows
// of each chosen data type will move and be overwritten, and what its
// source keeps: the types no runnable row of the file hands over. It
// counts from the database in a constant number of queries. A row
// repeating an earlier one moves nothing: its pair runs once.
func (db *DB) Predict(ctx context.Context, plan *handover.Plan) error {
	var ids []int64
	chosen := map[int64]handover.TypeSet{} // source → the types its rows hand over, as explicit bits
	for _, r := range plan.Rows {
		if p, ok := r.Pair(); ok && r.Runnable() {
			ids = append(ids, p.From, p.To)
			if !r.Repeats() {
				chosen[p.From] |= handover.TypeSet(r.Types.Mask())
			}
		}
	}
	if len(ids) == 0 {
		plan.Predicted = true
		return nil
	}
	counts, err := db.countOwners(ctx, db.db, ids)
	if err != nil {
		return err
	}
	plan.Predicted = true
	for i := range plan.Rows {
		r := &plan.Rows[i]
		if p, ok := r.Pair(); ok && r.Runnable() && !r.Repeats() {
			r.Moves = counts.moves(p.From, p.To, r.Types)
			r.Stays = counts.stays(p.From, chosen[p.From])
		}
	}
	plan.Tally()
	return nil
}
