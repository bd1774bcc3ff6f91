package validate

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"handover"
)

// view is what the directory said about the users an upload names, as the
// operator may see them.
type view struct {
	tenant int64
	users  map[int64]handover.User
	teams  map[int64]bool
	all    bool
}

// standing is how a user ID stands for the operator.
type standing int

const (
	unknown standing = iota // not in the operator's tenant, or nowhere
	hidden                  // in the tenant, outside the operator's view
	visible                 // in the tenant and the operator's view
)

// find returns the user with the given ID and how it stands.
func (v *view) find(id int64) (handover.User, standing) {
	u, ok := v.users[id]
	// The directory filters by tenant; checking again costs nothing and
	// keeps another tenant's names out of the plan whatever it returns.
	if !ok || u.TenantID != v.tenant {
		return handover.User{}, unknown
	}
	if !v.all && !v.teams[u.TeamID] {
		return handover.User{}, hidden
	}
	return u, visible
}

// lookUp asks the directory, once each, for every user the rows name and for
// the teams op can see.
func lookUp(ctx context.Context, dir handover.Directory, op handover.User, rows []handover.PlanRow) (*view, error) {
	v := &view{tenant: op.TenantID}
	ids := distinctIDs(rows)
	if len(ids) == 0 {
		return v, nil
	}
	users, err := dir.Users(ctx, op.TenantID, ids)
	if err != nil {
		return nil, fmt.Errorf("validate %d IDs: %w", len(ids), err)
	}
	teams, all, err := dir.VisibleTeams(ctx, op)
	if err != nil {
		return nil, fmt.Errorf("validate view of user %d: %w", op.ID, err)
	}
	v.users, v.teams = users, teams
	v.all = all || op.Role == handover.RoleTenantAdmin
	return v, nil
}

// distinctIDs returns every valid ID of the rows, sorted, once.
func distinctIDs(rows []handover.PlanRow) []int64 {
	var ids []int64
	for _, r := range rows {
		for _, id := range []*int64{r.From, r.To} {
			if id != nil {
				ids = append(ids, *id)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// checkTransferred asks the directory, once, which pairs an earlier job
// already handed over, and warns on their rows.
func checkTransferred(ctx context.Context, dir handover.Directory, op handover.User, rows []handover.PlanRow, v *view) error {
	pairs := knownPairs(rows, v)
	if len(pairs) == 0 {
		return nil
	}
	done, err := dir.Transferred(ctx, op.TenantID, pairs)
	if err != nil {
		return fmt.Errorf("validate %d pairs against earlier jobs: %w", len(pairs), err)
	}
	for i := range rows {
		p, ok := rows[i].Pair()
		if !ok || !v.isKnownPair(p) {
			continue
		}
		warnTransferred(&rows[i], done[p])
	}
	return nil
}

// warnTransferred adds already_transferred when earlier jobs handed some of
// the row's data types over already: the first such job, and the types
// when the row or that job chose only some.
func warnTransferred(r *handover.PlanRow, refs []handover.JobRef) {
	var overlap handover.TypeSet
	var first *handover.JobRef
	for k := range refs {
		if o := r.Types.Overlap(refs[k].Types); o != 0 {
			overlap |= o
			if first == nil {
				first = &refs[k]
			}
		}
	}
	switch {
	case first == nil:
	case r.Types.All() && first.Types.All():
		add(r, handover.AlreadyTransferred,
			"pair already transferred by job %d on %s; it will only move rows the source has gained since",
			first.Job, first.At.UTC().Format("2006-01-02"))
	default:
		add(r, handover.AlreadyTransferred,
			"pair already transferred by job %d on %s for %s; it will only move rows of those types the source has gained since",
			first.Job, first.At.UTC().Format("2006-01-02"), overlap.Names())
	}
}

// knownPairs returns, sorted and once, the pairs of the rows whose users are
// both in the operator's tenant: the only ones worth asking about.
func knownPairs(rows []handover.PlanRow, v *view) []handover.Pair {
	var pairs []handover.Pair
	for _, r := range rows {
		if p, ok := r.Pair(); ok && v.isKnownPair(p) {
			pairs = append(pairs, p)
		}
	}
	slices.SortFunc(pairs, func(a, b handover.Pair) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return slices.Compact(pairs)
}

func (v *view) isKnownPair(p handover.Pair) bool {
	_, from := v.find(p.From)
	_, to := v.find(p.To)
	return p.From != p.To && from != unknown && to != unknown
}
