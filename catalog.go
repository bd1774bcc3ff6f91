package handover

// Mode says how a data type is handed over.
type Mode string

const (
	// Combine gives every source row to the target; the target keeps its own.
	Combine Mode = "combine"
	// Overwrite replaces the target's rows with the source's, but only when
	// the source has at least one row of the type.
	Overwrite Mode = "overwrite"
)

// DataType is one kind of user-owned data in the bundled application schema.
// Table and column names come only from the Catalog, never from input.
type DataType struct {
	Name    string   // human name, e.g. "Evaluations"
	Table   string   // table name, also the type's stable identifier in output
	Owners  []string // owner columns, each holding a user ID
	Mode    Mode
	Columns []string // every column of the table, key first, in schema order
}

// Catalog lists every data type the tool hands over, in the fixed order in
// which a job touches them (so concurrent jobs lock tables in one order).
var Catalog = []DataType{
	{Name: "Contacts (recordings)", Table: "contacts", Owners: []string{"agent_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "agent_id", "channel", "started_at", "duration_seconds", "recording_uri"}},
	{Name: "Evaluations", Table: "evaluations", Owners: []string{"evaluator_id", "approver_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "contact_id", "evaluator_id", "approver_id", "score", "created_at"}},
	{Name: "Evaluation comments", Table: "evaluation_comments", Owners: []string{"author_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "evaluation_id", "author_id", "body", "created_at"}},
	{Name: "Contact goals", Table: "contact_goals", Owners: []string{"user_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "user_id", "metric", "target_value", "period"}},
	{Name: "Storage files", Table: "storage_files", Owners: []string{"user_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "user_id", "path", "size_bytes", "created_at"}},
	{Name: "Audit events", Table: "audit_events", Owners: []string{"user_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "user_id", "action", "detail", "created_at"}},
	{Name: "Requests", Table: "requests", Owners: []string{"user_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "user_id", "kind", "status", "starts_on", "ends_on"}},
	{Name: "Request comments", Table: "request_comments", Owners: []string{"author_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "request_id", "author_id", "body", "created_at"}},
	{Name: "Saved views", Table: "saved_views", Owners: []string{"user_id"}, Mode: Combine,
		Columns: []string{"id", "tenant_id", "user_id", "name", "definition"}},
	{Name: "Schedules", Table: "schedules", Owners: []string{"user_id"}, Mode: Overwrite,
		Columns: []string{"id", "tenant_id", "user_id", "name", "timezone", "pattern"}},
	{Name: "Skill mappings", Table: "skill_mappings", Owners: []string{"user_id"}, Mode: Overwrite,
		Columns: []string{"id", "tenant_id", "user_id", "skill_id", "proficiency"}},
	{Name: "Vacation balance", Table: "vacation_balances", Owners: []string{"user_id"}, Mode: Overwrite,
		Columns: []string{"user_id", "tenant_id", "days_remaining", "updated_at"}},
	{Name: "Work shifts", Table: "work_shifts", Owners: []string{"user_id"}, Mode: Overwrite,
		Columns: []string{"id", "tenant_id", "user_id", "starts_at", "ends_at", "activity"}},
	{Name: "Productivity", Table: "productivity", Owners: []string{"user_id"}, Mode: Overwrite,
		Columns: []string{"id", "tenant_id", "user_id", "day", "handled", "aht_seconds"}},
}

// Key is the name of the column that identifies a row of the type.
func (t DataType) Key() string { return t.Columns[0] }

// LookupType returns the catalog entry for a table name.
func LookupType(table string) (DataType, bool) {
	if i := CatalogIndex(table); i >= 0 {
		return Catalog[i], true
	}
	return DataType{}, false
}

// CatalogIndex is a data type's place in the catalog (the order every job
// touches tables in, and every listing shows them in); -1 when table is
// not a data type.
func CatalogIndex(table string) int {
	for i, t := range Catalog {
		if t.Table == table {
			return i
		}
	}
	return -1
}

// Move says how many rows of one data type a pair moves and overwrites.
// Rows counts source rows that move (an owner column counts once per row it
// changes); Overwritten counts target rows deleted to make room.
type Move struct {
	Type        string `json:"type"`
	Mode        Mode   `json:"mode"`
	Rows        int64  `json:"rows"`
	Overwritten int64  `json:"overwritten"`
}
