package handover

import (
	"context"
	"strconv"
	"time"
)

// Directory answers the questions validation asks about users. It is
// implemented by the engine; every method is one batched lookup, never one
// query per row.
type Directory interface {
	// Users returns the users of the tenant with the given IDs; IDs in other
	// tenants or unknown are simply absent from the map.
	Users(ctx context.Context, tenantID int64, ids []int64) (map[int64]User, error)
	// VisibleTeams returns the teams an operator can see; all is true for a
	// tenant admin, who sees the whole tenant.
	VisibleTeams(ctx context.Context, operator User) (teams map[int64]bool, all bool, err error)
	// Transferred returns, for pairs that an earlier job already completed
	// (and that was not undone), the jobs and when, each with the data
	// types it handed over that were not handed back since.
	Transferred(ctx context.Context, tenantID int64, pairs []Pair) (map[Pair][]JobRef, error)
}

// JobRef names the job that did something, and when; Types are the data
// types it did it for.
type JobRef struct {
	Job   int64
	At    time.Time
	Types TypeSet
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
