// Package sample builds the deterministic sample data that `handover demo`,
// the tests and the benchmarks run on: a main tenant with users of every
// role and admin views over some of its teams, owning rows of every data
// type, and a smaller second tenant. The same Options build the same
// database.
package sample

import (
	"cmp"
	"context"
	"fmt"

	"handover"
	"handover/engine"
)

// Options says what sample data Build builds. Zero fields take their
// defaults.
type Options struct {
	// Users is the number of users of the main tenant (default 500, at
	// least 50).
	Users int
	// Seed picks the data: the same options build the same database
	// (default 1).
	Seed int64
	// RowsPerUser is the average number of rows a user owns across the 14
	// data types (default 30).
	RowsPerUser int
	// OtherUsers is the size of the second tenant (default Users/10, kept
	// between 30 and 2,000).
	OtherUsers int
	// Heavy agents of the main tenant, spread evenly over its agents, own
	// about HeavyRows rows each instead of RowsPerUser: the sources and
	// targets of a benchmark (see Workload).
	Heavy, HeavyRows int
}

// Info is what the demo and the benchmark need to know about the data
// Build built, to pick valid and deliberately invalid pairs. ID lists are
// of the main tenant and sorted.
type Info struct {
	Tenant, OtherTenant int64
	TenantAdmin         int64
	// Admins are the main tenant's active admins, each with its view.
	Admins []Admin
	// InactiveAdmin is an admin who may no longer operate.
	InactiveAdmin                             int64
	ActiveAgents, InactiveAgents, Supervisors []int64
	// Formula is the user whose name begins with "=".
	Formula int64
	// OtherTenantUsers are the agents of the second tenant (its other
	// users are not listed; OtherUsers counts them all).
	OtherTenantUsers []int64
	// Heavy are the heavy agents (Options.Heavy), by ID.
	Heavy []int64
	// Users counts the users of both tenants, OtherUsers those of the
	// second tenant; Rows the data rows of both.
	Users, OtherUsers int
	Rows              int64
}

// Admin is an admin with the teams of its view and the active agents
// inside and (some) outside of it.
type Admin struct {
	ID                int64
	Teams             []int64
	InView, OutOfView []int64
}

// HeavyPairs pairs off the heavy agents: the first half hand their data
// over to the second half, so sources and targets are disjoint.
func (i Info) HeavyPairs() []handover.Pair {
	n := len(i.Heavy) / 2
	pairs := make([]handover.Pair, n)
	for k := range pairs {
		pairs[k] = handover.Pair{From: i.Heavy[k], To: i.Heavy[n+k]}
	}
	return pairs
}

// Workload returns the options that build the benchmark's workload W at
// scale (1.0: 20,000 users and 2,000 pairs of agents owning about 1,000 rows
// each; other users own about 20).
func Workload(scale float64) Options {
	pairs := max(1, int(2000*scale))
	return Options{Users: max(50, int(20000*scale)), Seed: 4, RowsPerUser: 20, Heavy: 2 * pairs, HeavyRows: 1000}
}

func (o Options) withDefaults() Options {
	o.Users, o.Seed, o.RowsPerUser = cmp.Or(o.Users, 500), cmp.Or(o.Seed, 1), cmp.Or(o.RowsPerUser, 30)
	o.OtherUsers = cmp.Or(o.OtherUsers, min(max(o.Users/10, 30), 2000))
	return o
}

// Build fills a fresh database with a deterministic sample: a main tenant of
// o.Users users (a tenant admin, admins with views over some teams,
// supervisors and agents, about 10% inactive) owning rows of every data
// type, and a smaller second tenant. Names include accents, commas, quotes,
// apostrophes and one that begins with "=". It creates the schema if
// needed and refuses a database that already has users. Everything is
// written in one transaction through the engine's bulk loader (COPY on
// PostgreSQL, multi-row INSERTs on SQLite), then analyzed.
func Build(ctx context.Context, db *engine.DB, o Options) (Info, error) {
	o = o.withDefaults()
	if o.Users < 50 || o.OtherUsers < 30 || o.RowsPerUser < 0 || o.Heavy < 0 {
		return Info{}, handover.Errorf(handover.ErrUsage, "demo needs at least 50 users (got %d)", o.Users)
	}
	if err := fresh(ctx, db); err != nil {
		return Info{}, err
	}
	s, err := newBuilder(o)
	if err != nil {
		return Info{}, err
	}
	err = db.Load(ctx, func(l *engine.Loader) error {
		if err := s.writeDirectory(l); err != nil {
			return err
		}
		return s.writeData(l)
	})
	if err != nil {
		return Info{}, fmt.Errorf("seed: %w", err)
	}
	// Statistics, as a live database has, so that plans use the owner indexes.
	if err := db.Analyze(ctx); err != nil {
		return Info{}, err
	}
	return s.info(), nil
}

// fresh creates the schema if needed and refuses a database that already
// has users: sample data never mixes with real data.
func fresh(ctx context.Context, db *engine.DB) error {
	if err := db.Init(ctx); err != nil {
		return err
	}
	n, err := db.UserCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return handover.Errorf(handover.ErrUsage,
			"the database %s already has %d users; sample data goes only into a fresh database: pass --db with a new file or an empty database", engine.Redact(db.DSN), n)
	}
	return nil
}
