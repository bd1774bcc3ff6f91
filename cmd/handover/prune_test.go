package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover/engine"
)

// TestPruneIsGuarded: prune removes what undo needs, so it refuses
// retention below one day, asks like undo (--yes), lists with --dry-run,
// is for tenant admins only, and waits its turn behind a running job.
func TestPruneIsGuarded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 3)
		a := f.info.ActiveAgents
		f.mustCLI(t, 0, "run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes")
		db := f.open(t)
		// Job 1 finished long ago: past any retention.
		if _, err := db.Exec(db.Rebind(`UPDATE handover_jobs SET finished_at = ? WHERE id = 1`), "2000-01-01T00:00:00.000000000Z"); err != nil {
			t.Fatal(err)
		}
		before := f.dump(t)
		unchanged := func(what string) {
			t.Helper()
			if diff := cmp.Diff(before, f.dump(t)); diff != "" {
				t.Fatalf("%s changed the database (-before +after):\n%s", what, diff)
			}
		}
		for _, days := range []string{"0", "-1"} {
			if r := f.mustCLI(t, 2, "prune", "--older-than", days, "--yes"); !strings.Contains(r.stderr, "at least 1") {
				t.Errorf("prune --older-than %s: want a message asking for at least 1 day:\n%s", days, r)
			}
		}
		unchanged("prune below one day")
		if r := f.mustCLI(t, 2, "prune", "--older-than", "30"); !strings.Contains(r.stderr, "--yes") {
			t.Errorf("prune with no terminal to ask must point at --yes:\n%s", r)
		}
		unchanged("an unconfirmed prune")
		if r := f.mustCLI(t, 0, "prune", "--older-than", "30", "--dry-run"); !strings.Contains(r.stdout, "job 1") {
			t.Errorf("prune --dry-run does not list job 1:\n%s", r)
		}
		unchanged("prune --dry-run")
		f.mustCLI(t, 3, "prune", "--older-than", "30", "--yes", "--as", itoa(f.info.Admins[0].ID))
		unchanged("prune by an admin")

		conn, err := engine.Open(context.Background(), f.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		op, err := conn.Operator(context.Background(), f.info.TenantAdmin)
		if err != nil {
			t.Fatal(err)
		}
		guard, err := conn.LockTenant(context.Background(), op, "run")
		if err != nil {
			t.Fatal(err)
		}
		f.mustCLI(t, 3, "prune", "--older-than", "30", "--yes")
		guard.Release()
		unchanged("prune while another job holds the tenant's guard")

		if r := f.mustCLI(t, 0, "prune", "--older-than", "30", "--yes"); !strings.Contains(r.stdout, "1 job") {
			t.Errorf("prune --yes: %s", r)
		}
		if r := f.mustCLI(t, 0, "prune", "--older-than", "30", "--dry-run"); strings.Contains(r.stdout, "job 1") {
			t.Errorf("prune --dry-run lists an already pruned job:\n%s", r)
		}
	})
}
