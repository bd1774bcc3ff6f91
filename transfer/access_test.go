package transfer

import (
	"context"
	"path/filepath"
	"testing"

	"handover"
	"handover/engine"
	"handover/sample"
)

// seeded opens a fresh SQLite database holding the demo tenant.
func seeded(t *testing.T) (*engine.DB, sample.Info) {
	t.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := sample.Build(ctx, db, sample.Options{Users: 120, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	return db, info
}

func user(t *testing.T, db *engine.DB, tenant, id int64) handover.User {
	t.Helper()
	users, err := db.Users(context.Background(), tenant, []int64{id})
	if err != nil || len(users) != 1 {
		t.Fatalf("user %d: %v, %v", id, users, err)
	}
	return users[id]
}

func TestAuthorize(t *testing.T) {
	db, info := seeded(t)
	ctx := context.Background()
	ad := info.Admins[0]
	for _, a := range info.Admins {
		if len(a.OutOfView) > 0 && len(a.InView) > 0 {
			ad = a
		}
	}
	for _, tc := range []struct {
		name string
		id   int64
		ok   bool
	}{
		{"tenant admin", info.TenantAdmin, true},
		{"admin", ad.ID, true},
		{"supervisor", info.Supervisors[0], false},
		{"agent", info.ActiveAgents[0], false},
		{"inactive admin", info.InactiveAdmin, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Authorize(ctx, db, user(t, db, info.Tenant, tc.id))
			if (err == nil) != tc.ok || (err != nil && handover.ErrorCode(err) != handover.ErrForbidden) {
				t.Errorf("Authorize = %v; want allowed %v", err, tc.ok)
			}
		})
	}
	a, err := Authorize(ctx, db, user(t, db, info.Tenant, ad.ID))
	if err != nil {
		t.Fatal(err)
	}
	in, out := user(t, db, info.Tenant, ad.InView[0]), user(t, db, info.Tenant, ad.OutOfView[0])
	if !a.Sees(in) || a.Sees(out) || a.MayPrune() == nil {
		t.Errorf("admin %d: sees in-view %v, out-of-view %v, may prune %v", ad.ID, a.Sees(in), a.Sees(out), a.MayPrune() == nil)
	}
	v, err := a.ViewPairs(ctx, db, []handover.JobPair{{From: in.ID, FromName: in.Name, To: out.ID, ToName: out.Name, Status: handover.PairDone}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Pairs[0].FromName != in.Name || v.Pairs[0].ToName != "" || len(v.Hidden) != 1 || v.Hidden[0] != out.ID {
		t.Errorf("ViewPairs = %+v; want the out-of-view name blanked and listed", v)
	}
	if err := v.MayChange(a, handover.Job{ID: 7}, "undo"); handover.ErrorCode(err) != handover.OutOfView {
		t.Errorf("MayChange = %v; want out_of_view", err)
	}
	ta, _ := Authorize(ctx, db, user(t, db, info.Tenant, info.TenantAdmin))
	if !ta.Sees(out) || ta.MayPrune() != nil || ta.Sees(user(t, db, info.OtherTenant, info.OtherTenantUsers[0])) {
		t.Errorf("tenant admin: sees %v, may prune %v, sees the other tenant", ta.Sees(out), ta.MayPrune())
	}
}
