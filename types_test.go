package handover

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestParseTypes: the Data Types cell's syntax, spreadsheet damage included.
func TestParseTypes(t *testing.T) {
	tests := []struct {
		name, cell string
		want       []string // tables; nil means every type
	}{
		{"empty is every type", "", nil},
		{"blank is every type", "  \u00a0 ", nil},
		{"table names", "contacts, evaluations", []string{"contacts", "evaluations"}},
		{"labels any case", "CONTACTS (RECORDINGS);evaluation COMMENTS", []string{"contacts", "evaluation_comments"}},
		{"label without its parenthesis", "Contacts", []string{"contacts"}},
		{"vertical bars and a trailing separator", "schedules|work_shifts|", []string{"schedules", "work_shifts"}},
		{"stray spaces and doubled separators", "  schedules ,, ;  Work   shifts  ", []string{"schedules", "work_shifts"}},
		{"curly quotes around names", "“Schedules”, ‘work shifts’", []string{"schedules", "work_shifts"}},
		{"straight quotes around the cell", `"schedules, productivity"`, []string{"schedules", "productivity"}},
		{"singular or plural", "schedule, skill mapping, vacation balances", []string{"schedules", "skill_mappings", "vacation_balances"}},
		{"spaces for underscores", "evaluation comments, storage files", []string{"evaluation_comments", "storage_files"}},
		{"a name twice", "contacts, Contacts", []string{"contacts"}},
		{"one exclusion", "-schedules", without("schedules")},
		{"exclusions with labels", "-Schedules; - Work shifts", without("schedules", "work_shifts")},
		{"autocorrected dash", "\u2013schedules", without("schedules")},
		{"apostrophe that keeps a formula text", "'-schedules", without("schedules")},
		{"every type listed is every type", allTables(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTypes(tt.cell)
			if err != nil {
				t.Fatalf("ParseTypes(%q): %v", tt.cell, err)
			}
			if tt.want == nil {
				if !got.All() || got != 0 {
					t.Errorf("ParseTypes(%q) = %v, want every type (the zero set)", tt.cell, got.Tables())
				}
				return
			}
			if g, w := strings.Join(got.Tables(), ","), strings.Join(tt.want, ","); g != w {
				t.Errorf("ParseTypes(%q) = %s, want %s", tt.cell, g, w)
			}
		})
	}
}

// TestParseTypesRefuses: what is not a data type, a mix of types and
// exclusions, and excluding everything are errors naming the problem.
func TestParseTypesRefuses(t *testing.T) {
	tests := []struct{ name, cell, want string }{
		{"unknown name", "contacts, recordingz", `"recordingz" is not a data type`},
		{"unknown exclusion", "-holidays", `"holidays" is not a data type`},
		{"mix", "contacts, -schedules", "it mixes data types with exclusions (-schedules)"},
		{"everything excluded", "-" + strings.ReplaceAll(allTables(), ",", ",-"), "it excludes every data type, so nothing would move"},
		{"a lone minus", "-", `"" is not a data type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTypes(tt.cell)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ParseTypes(%q) = %v, want an error beginning %q", tt.cell, err, tt.want)
			}
		})
	}
}

// TestParseTypesFlag: a bad --types is a usage error that names the flag
// and lists every data type.
func TestParseTypesFlag(t *testing.T) {
	_, err := ParseTypesFlag("--types", "calendars")
	if ErrorCode(err) != ErrUsage {
		t.Fatalf("code %q, want usage", ErrorCode(err))
	}
	msg := ErrorMessage(err)
	for _, want := range append([]string{`--types "calendars"`, `"calendars" is not a data type`}, strings.Split(allTables(), ",")...) {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
}

// TestTypeSetAlgebra: the zero set is every type in every operation, and
// the ledger's and JSON's forms read back.
func TestTypeSetAlgebra(t *testing.T) {
	sched := TypesOf("schedules", "work_shifts")
	if !TypeSet(0).Has("contacts") || !sched.Has("work_shifts") || sched.Has("contacts") {
		t.Error("Has")
	}
	if o := TypeSet(0).Overlap(sched); TypeSet(o).Equal(sched) == false {
		t.Errorf("every type ∩ %v = %v", sched.Tables(), TypeSet(o).Tables())
	}
	if sched.Overlap(TypesOf("contacts")) != 0 {
		t.Error("disjoint sets overlap")
	}
	if !sched.Union(sched.Complement()).All() {
		t.Error("a set and its complement are not every type")
	}
	if got := TypesOf("schedules").Complement().Names(); got != "every data type but Schedules" {
		t.Errorf("Names = %q", got)
	}
	if got := sched.String(); got != "schedules,work_shifts" || TypesOf(strings.Split(got, ",")...) != sched {
		t.Errorf("ledger form %q does not read back", got)
	}
	b, err := json.Marshal(sched)
	if err != nil || string(b) != `["schedules","work_shifts"]` {
		t.Fatalf("JSON %s, %v", b, err)
	}
	var back TypeSet
	if err := json.Unmarshal(b, &back); err != nil || back != sched {
		t.Errorf("JSON read back %v, %v", back.Tables(), err)
	}
}

func allTables() string {
	tables := make([]string, len(Catalog))
	for i, t := range Catalog {
		tables[i] = t.Table
	}
	return strings.Join(tables, ",")
}

// without lists every table but the given ones.
func without(tables ...string) []string {
	var out []string
	for _, t := range Catalog {
		if !strings.Contains(","+strings.Join(tables, ",")+",", ","+t.Table+",") {
			out = append(out, t.Table)
		}
	}
	return out
}
