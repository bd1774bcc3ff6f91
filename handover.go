// Package handover holds the vocabulary shared by every part of the tool: the
// catalog of data types that can be handed over, the pairs read from an upload,
// the validation issue codes, the plan a preview shows and the jobs that run it.
//
// The packages csvio, validate, engine and audit talk to each other only
// through these types; none of them imports a sibling.
package handover

// DefaultMaxPairs is the default limit on the number of pairs in one upload.
const DefaultMaxPairs = 2000

// Role is a user's role in a tenant.
type Role string

// The roles of the bundled application.
const (
	RoleTenantAdmin Role = "tenant_admin"
	RoleAdmin       Role = "admin"
	RoleSupervisor  Role = "supervisor"
	RoleAgent       Role = "agent"
)

// User is one person in the application's directory.
type User struct {
	ID       int64  `db:"id"`
	TenantID int64  `db:"tenant_id"`
	TeamID   int64  `db:"team_id"`
	Name     string `db:"name"`
	Email    string `db:"email"`
	Role     Role   `db:"role"`
	Active   bool   `db:"active"`
	Team     string `db:"team"`
}

// CanOperate reports whether u may perform handovers: an active admin or
// tenant admin.
func (u User) CanOperate() bool {
	return u.Active && (u.Role == RoleAdmin || u.Role == RoleTenantAdmin)
}

// Status is "Active" or "Inactive", as the people CSV shows it.
func (u User) Status() string {
	if u.Active {
		return "Active"
	}
	return "Inactive"
}

// Pair is one handover: the source's data goes to the target.
type Pair struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}
