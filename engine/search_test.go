package engine

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// TestSearchUsers: the pickers' search finds users by the start of a name
// or email, case-insensitive, by ID, and by text inside a name when the
// prefixes find too few; only in the operator's view and tenant, tenant
// admins never, inactive users only when asked, at most the limit.
func TestSearchUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE users SET active = ? WHERE id = 12`), false); err != nil {
			t.Fatal(err)
		}
		tenantAdmin, admin := jobOperator(t, db, 1), jobOperator(t, db, 2)
		for _, tc := range []struct {
			name string
			op   handover.User
			q    UserQuery
			want []int64
		}{
			{"name prefix", tenantAdmin, UserQuery{Text: "Agent 2", Limit: 20}, []int64{20, 21, 22, 23, 24, 25, 26, 27, 28, 29}},
			{"any case", tenantAdmin, UserQuery{Text: "aGENT 1", Limit: 20}, []int64{10, 11, 13, 14, 15, 16, 17, 18, 19}},
			{"email prefix", tenantAdmin, UserQuery{Text: "a15@", Limit: 20}, []int64{15}},
			{"id", tenantAdmin, UserQuery{Text: " 17 ", Limit: 20}, []int64{17}},
			{"inside a name", tenantAdmin, UserQuery{Text: "GENT 2", Limit: 20}, []int64{20, 21, 22, 23, 24, 25, 26, 27, 28, 29}},
			{"limit", tenantAdmin, UserQuery{Text: "agent", Limit: 3}, []int64{10, 11, 13}},
			{"inactive left out", tenantAdmin, UserQuery{Text: "Agent 12", Limit: 20}, nil},
			{"inactive asked for", tenantAdmin, UserQuery{Text: "Agent 12", Inactive: true, Limit: 20}, []int64{12}},
			{"admin's view only", admin, UserQuery{Text: "Agent 2", Limit: 20}, []int64{20, 22, 24, 26, 28}},
			{"admin, out of view by id", admin, UserQuery{Text: "21", Limit: 20}, nil},
			{"no tenant admins", tenantAdmin, UserQuery{Text: "Tess", Limit: 20}, nil},
			{"no other tenant", tenantAdmin, UserQuery{Text: "Secret", Limit: 20}, nil},
			{"other tenant by id", tenantAdmin, UserQuery{Text: "100", Limit: 20}, nil},
			{"wildcards are text", tenantAdmin, UserQuery{Text: "%", Limit: 20}, nil},
			{"underscore is text", tenantAdmin, UserQuery{Text: "a_5", Limit: 20}, nil},
			{"no text", tenantAdmin, UserQuery{Text: "  ", Limit: 20}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				users, err := db.SearchUsers(ctx, tc.op, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, u := range users {
					got = append(got, u.ID)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("SearchUsers(%+v) (-want +got):\n%s", tc.q, diff)
				}
			})
		}
	})
}
