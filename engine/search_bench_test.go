package engine_test

import (
	"context"
	"strconv"
	"testing"

	"handover"
	. "handover/engine"
	"handover/sample"
)

// BenchmarkSearchUsers times one search of the Single tab's pickers in a
// tenant of 100,000 users, as its tenant admin, on each backend: a name
// prefix, an email prefix, an ID, and a text found only inside names (the
// bounded fallback). Per search, in ns/op:
//
//	HANDOVER_TEST_PG=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	go test ./engine -run '^$' -bench SearchUsers -benchtime 200x
func BenchmarkSearchUsers(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := MustOpenDB(b, backend)
			ctx := context.Background()
			info, err := sample.Build(ctx, db, sample.Options{Users: 100_000, RowsPerUser: 1, Seed: 4})
			if err != nil {
				b.Fatal(err)
			}
			if backend == "postgres" {
				if _, err := db.SQL().Exec(`VACUUM ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			op, err := db.Operator(ctx, info.TenantAdmin)
			if err != nil {
				b.Fatal(err)
			}
			some := lookup(b, db, info.Tenant, info.ActiveAgents[len(info.ActiveAgents)/2])
			for _, q := range []struct{ name, text string }{
				{"name-prefix", runes(some.Name, 0, 3)}, {"email-prefix", runes(some.Email, 0, 4)},
				{"id", strconv.FormatInt(some.ID, 10)}, {"inside-name", runes(some.Name, 2, 8)},
			} {
				b.Run(q.name, func(b *testing.B) {
					for b.Loop() {
						users, err := db.SearchUsers(ctx, op, UserQuery{Text: q.text, Limit: 20})
						if err != nil || len(users) == 0 {
							b.Fatalf("search %q: %d users, %v", q.text, len(users), err)
						}
					}
				})
			}
		})
	}
}

func lookup(b *testing.B, db *DB, tenant, id int64) handover.User {
	b.Helper()
	users, err := db.Users(context.Background(), tenant, []int64{id})
	if err != nil || len(users) != 1 {
		b.Fatalf("user %d: %v", id, err)
	}
	return users[id]
}

// runes returns the runes from i up to j of s.
func runes(s string, i, j int) string {
	r := []rune(s)
	return string(r[i:min(j, len(r))])
}
