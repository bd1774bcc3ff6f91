package engine

import (
	"context"
	"testing"
	"time"

	"handover"
)

// TestTokens: a token works until it expires or is revoked; its last use
// is recorded to the minute; names are unique among the tenant's live
// tokens and free again once revoked.
func TestTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		ctx := context.Background()
		expires := now.Add(time.Hour)
		if err := db.CreateToken(ctx, "h1", 1, 7, "feed", &expires); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateToken(ctx, "h2", 1, 8, "feed", nil); handover.ErrorCode(err) != handover.ErrUsage {
			t.Fatalf("a second live token named feed: %v", err)
		}
		if err := db.CreateToken(ctx, "h3", 2, 9, "feed", nil); err != nil {
			t.Fatalf("the same name in another tenant: %v", err)
		}
		lastUsed := func() *time.Time {
			t.Helper()
			tokens, err := db.Tokens(ctx, 1)
			if err != nil || len(tokens) != 1 {
				t.Fatalf("tokens: %v %v", tokens, err)
			}
			return tokens[0].LastUsed
		}
		if u, err := db.UseToken(ctx, "h1"); err != nil || u != 7 || lastUsed() == nil || !lastUsed().Equal(now) {
			t.Fatalf("use: %d %v, last used %v", u, err, lastUsed())
		}
		first := now
		now = now.Add(30 * time.Second)
		if _, err := db.UseToken(ctx, "h1"); err != nil || !lastUsed().Equal(first) {
			t.Fatalf("a use within the minute wrote: %v, last used %v", err, lastUsed())
		}
		now = now.Add(time.Minute)
		if _, err := db.UseToken(ctx, "h1"); err != nil || !lastUsed().Equal(now) {
			t.Fatalf("a use after the minute: %v, last used %v", err, lastUsed())
		}
		now = expires
		if _, err := db.UseToken(ctx, "h1"); handover.ErrorCode(err) != handover.ErrUnauthenticated {
			t.Fatalf("an expired token: %v", err)
		}
		if err := db.RevokeToken(ctx, 1, "feed"); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, 1, "feed"); handover.ErrorCode(err) != handover.ErrNotFound {
			t.Fatalf("revoked twice: %v", err)
		}
		if err := db.CreateToken(ctx, "h4", 1, 7, "feed", nil); err != nil {
			t.Fatalf("a revoked token's name: %v", err)
		}
		if _, err := db.UseToken(ctx, "h3"); err != nil {
			t.Fatalf("the other tenant's token: %v", err)
		}
	})
}
