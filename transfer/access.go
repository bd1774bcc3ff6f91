package transfer

import (
	"context"
	"fmt"

	"handover"
)

// Access is what one operator may see and do, decided once per request:
// an active admin or tenant admin of a tenant, who sees the whole tenant
// (tenant admin) or the teams of their view (admin). Every command, page
// and API call asks it; nothing else decides who may do what.
type Access struct {
	Op    handover.User
	all   bool           // a tenant admin: the whole tenant
	teams map[int64]bool // an admin: the teams of their view
}

// Authorize checks that op may operate at all and loads their view.
func Authorize(ctx context.Context, dir handover.Directory, op handover.User) (Access, error) {
	if !op.CanOperate() {
		return Access{}, handover.Errorf(handover.ErrForbidden, "%s cannot hand data over: only an active admin or tenant admin can",
			handover.Label(op.Name, &op.ID))
	}
	teams, all, err := dir.VisibleTeams(ctx, op)
	if err != nil {
		return Access{}, err
	}
	return Access{Op: op, all: all, teams: teams}, nil
}

// Sees reports whether u is in the operator's view.
func (a Access) Sees(u handover.User) bool {
	return u.TenantID == a.Op.TenantID && (a.all || a.teams[u.TeamID])
}

// TenantAdmin reports whether the operator sees the whole tenant.
func (a Access) TenantAdmin() bool { return a.all }

// MayPrune refuses anyone but a tenant admin: pruning ends undo for every
// job of the tenant.
func (a Access) MayPrune() error {
	if a.all {
		return nil
	}
	return handover.Errorf(handover.ErrForbidden, "%s is an admin: only a tenant admin may prune undo journals, which ends undo for every job of the tenant",
		handover.Label(a.Op.Name, &a.Op.ID))
}

// JobView is a job's pairs as one operator may see them.
type JobView struct {
	Pairs []handover.JobPair
	// Hidden lists the users outside the operator's view of the pairs
	// that changed data or are still to (done or pending), in the order
	// met. Every pair's users outside the view have their names blanked.
	Hidden []int64
}

// ViewPairs blanks the names of the users of pairs that the operator does
// not see (shown as "(ID)"), and says which they were.
func (a Access) ViewPairs(ctx context.Context, dir handover.Directory, pairs []handover.JobPair) (JobView, error) {
	ids := make([]int64, 0, 2*len(pairs))
	for _, p := range pairs {
		ids = append(ids, p.From, p.To)
	}
	users, err := dir.Users(ctx, a.Op.TenantID, ids)
	if err != nil {
		return JobView{}, err
	}
	v := JobView{Pairs: make([]handover.JobPair, len(pairs))}
	hidden := map[int64]bool{}
	seen := func(p handover.JobPair, id int64, name *string) {
		if u, ok := users[id]; ok && a.Sees(u) {
			return
		}
		*name = ""
		live := p.Status == handover.PairDone || p.Status == handover.PairPending
		if live && id != 0 && !hidden[id] {
			hidden[id] = true
			v.Hidden = append(v.Hidden, id)
		}
	}
	for i, p := range pairs {
		seen(p, p.From, &p.FromName)
		seen(p, p.To, &p.ToName)
		v.Pairs[i] = p
	}
	return v, nil
}

// MayChange refuses to undo or resume a job that touches users outside
// the operator's view: only an operator who sees every user of a job may
// change what it did.
func (v JobView) MayChange(a Access, job handover.Job, action string) error {
	if len(v.Hidden) == 0 {
		return nil
	}
	return handover.Errorf(handover.OutOfView, "%s cannot %s job %d: it touches %s outside your view (%s); ask a tenant admin or an admin who sees them",
		handover.Label(a.Op.Name, &a.Op.ID), action, job.ID, plural(len(v.Hidden), "user", "users"), idList(v.Hidden))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func idList(ids []int64) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		if i == 5 {
			return s + fmt.Sprintf("and %d more", len(ids)-5)
		}
		s += fmt.Sprint(id)
	}
	return s
}
