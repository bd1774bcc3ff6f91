package engine

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
)

// TestIdempotencyClaims: the first claim of a key owns it, a second waits
// (no job yet) and a different digest is a mismatch; a released claim can
// be claimed again; a claim that named no job for longer than stale is
// taken over once; a bound key answers its job, per tenant.
func TestIdempotencyClaims(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		ctx := context.Background()
		claim := func(tenant int64, key, digest string) Claim {
			t.Helper()
			c, err := db.ClaimIdempotency(ctx, tenant, key, digest, time.Minute)
			if err != nil {
				t.Fatalf("claim %d/%s: %v", tenant, key, err)
			}
			return c
		}
		if c := claim(1, "k", "d1"); !c.Owned {
			t.Fatalf("first claim: %+v", c)
		}
		if c := claim(1, "k", "d1"); c.Owned || c.Job != 0 {
			t.Fatalf("second claim while the first starts: %+v", c)
		}
		if _, err := db.ClaimIdempotency(ctx, 1, "k", "d2", time.Minute); handover.ErrorCode(err) != handover.ErrIdempotencyMismatch {
			t.Fatalf("another digest: %v", err)
		}
		if c := claim(2, "k", "d2"); !c.Owned {
			t.Fatalf("the same key in another tenant: %+v", c)
		}
		if err := db.ReleaseIdempotency(ctx, 1, "k"); err != nil {
			t.Fatal(err)
		}
		if c := claim(1, "k", "d1"); !c.Owned {
			t.Fatalf("a released key: %+v", c)
		}
		now = now.Add(2 * time.Minute)
		if c := claim(1, "k", "d1"); !c.Owned {
			t.Fatalf("a stale claim is not taken over: %+v", c)
		}
		if c := claim(1, "k", "d1"); c.Owned {
			t.Fatalf("a claim taken over twice: %+v", c)
		}
		err := db.withTx(ctx, func(tx *sqlx.Tx) error {
			return db.bindIdempotency(ctx, tx, handover.Job{ID: 42, Tenant: 1}, "k")
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := claim(1, "k", "d1"); c.Owned || c.Job != 42 {
			t.Fatalf("a bound key: %+v", c)
		}
		if err := db.withTx(ctx, func(tx *sqlx.Tx) error { return db.bindIdempotency(ctx, tx, handover.Job{ID: 43, Tenant: 1}, "k") }); err == nil {
			t.Fatal("a key bound to a second job")
		}
	})
}
