package handover

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"unicode"
)

// TypeSet is a choice of data types: bit i stands for Catalog[i]. The zero
// value is no choice, which means every data type, so that rows, pairs and
// jobs recorded without a choice hand everything over.
type TypeSet uint32

// allTypes has the bit of every catalog entry set.
var allTypes = TypeSet(1)<<len(Catalog) - 1

// TypesOf returns the set of the named tables; unknown names are ignored.
func TypesOf(tables ...string) TypeSet {
	var s TypeSet
	for _, name := range tables {
		for i, t := range Catalog {
			if t.Table == name {
				s |= 1 << i
			}
		}
	}
	return s.normal()
}

// normal returns the set with every type spelt as the zero value.
func (s TypeSet) normal() TypeSet {
	if s&allTypes == allTypes {
		return 0
	}
	return s & allTypes
}

// bits returns the set as explicit bits: every bit for the zero value.
func (s TypeSet) bits() TypeSet {
	if s == 0 {
		return allTypes
	}
	return s & allTypes
}

// Len returns how many data types the set holds.
func (s TypeSet) Len() int { return bits.OnesCount32(uint32(s.bits())) }

// All reports whether the set holds every data type.
func (s TypeSet) All() bool { return s.normal() == 0 }

// Has reports whether the set holds the data type stored in table.
func (s TypeSet) Has(table string) bool {
	for i, t := range Catalog {
		if t.Table == table {
			return s.bits()&(1<<i) != 0
		}
	}
	return false
}

// Overlap returns the types both sets hold, as explicit bits (0: none).
func (s TypeSet) Overlap(o TypeSet) TypeSet { return s.bits() & o.bits() }

// Union returns the types either set holds.
func (s TypeSet) Union(o TypeSet) TypeSet { return (s.bits() | o.bits()).normal() }

// Without returns the types of s that o does not hold, as explicit bits.
func (s TypeSet) Without(o TypeSet) TypeSet { return s.bits() &^ o.bits() }

// Complement returns the types the set does not hold. Every type's
// complement is empty, which a TypeSet cannot hold apart from every type:
// complement only sets that leave some type out.
func (s TypeSet) Complement() TypeSet { return allTypes &^ s.bits() }

// Equal reports whether both sets hold the same types.
func (s TypeSet) Equal(o TypeSet) bool { return s.normal() == o.normal() }

// Mask returns the set as explicit bits, for SQL that filters by type.
func (s TypeSet) Mask() int64 { return int64(s.bits()) }

// Tables returns the table names of the set's types, in catalog order.
func (s TypeSet) Tables() []string {
	var out []string
	for i, t := range Catalog {
		if s.bits()&(1<<i) != 0 {
			out = append(out, t.Table)
		}
	}
	return out
}

// Names renders the set for people: "Schedules, Work shifts", or "every
// data type".
func (s TypeSet) Names() string {
	if s.bits() == 0 {
		return "no data type"
	}
	if s.All() {
		return "every data type"
	}
	var in, out []string
	for i, t := range Catalog {
		if s.bits()&(1<<i) != 0 {
			in = append(in, t.Name)
		} else {
			out = append(out, t.Name)
		}
	}
	if len(out) < len(in) {
		return "every data type but " + strings.Join(out, ", ")
	}
	return strings.Join(in, ", ")
}

// String is the set as the ledger stores it: table names joined by commas,
// "" for every type.
func (s TypeSet) String() string {
	if s.All() {
		return ""
	}
	return strings.Join(s.Tables(), ",")
}

// MarshalJSON writes the set as a list of table names.
func (s TypeSet) MarshalJSON() ([]byte, error) {
	t := s.Tables()
	if t == nil {
		t = []string{}
	}
	return json.Marshal(t)
}

// UnmarshalJSON reads a list of table names.
func (s *TypeSet) UnmarshalJSON(b []byte) error {
	var tables []string
	if err := json.Unmarshal(b, &tables); err != nil {
		return fmt.Errorf("data types: %w", err)
	}
	*s = TypesOf(tables...)
	return nil
}

// TypeList lists the names a Data Types cell accepts, for messages:
// "contacts, evaluations, … (or their labels, such as "Contacts (recordings)")".
func TypeList() string {
	tables := make([]string, len(Catalog))
	for i, t := range Catalog {
		tables[i] = t.Table
	}
	return strings.Join(tables, ", ") + ` (or their labels, such as "Contacts (recordings)")`
}

// ParseTypes reads a Data Types cell or a --types flag: data types by table
// name or label, case-insensitive, separated by commas, semicolons or
// vertical bars ("contacts, evaluations"), or only exclusions, each
// prefixed by a minus ("-schedules": every type but schedules). An empty
// cell is every type. It forgives what spreadsheets do to a cell: stray
// spaces, a trailing separator, straight or curly quotes, an autocorrected
// dash, the apostrophe that keeps "-schedules" from being a formula. The
// error's message says what is wrong, without naming the cell.
func ParseTypes(cell string) (TypeSet, error) {
	cell = strings.TrimPrefix(strings.TrimSpace(cell), "'")
	var in, out TypeSet
	var excluded int
	for _, item := range strings.FieldsFunc(cell, isTypeSeparator) {
		item = strings.TrimFunc(item, isTypeTrim)
		if item == "" {
			continue
		}
		exclude := false
		if r := []rune(item)[0]; strings.ContainsRune(minusSigns, r) {
			exclude, item = true, strings.TrimFunc(string([]rune(item)[1:]), isTypeTrim)
		}
		i, ok := lookupName(item)
		if !ok {
			return 0, fmt.Errorf("%q is not a data type", item)
		}
		if exclude {
			out, excluded = out|1<<i, excluded+1
		} else {
			in |= 1 << i
		}
	}
	switch {
	case in != 0 && excluded > 0:
		return 0, fmt.Errorf("it mixes data types with exclusions (-%s): list either the types to move or only the types to keep, each with a minus", Catalog[firstBit(out)].Table)
	case excluded > 0 && out == allTypes:
		return 0, fmt.Errorf("it excludes every data type, so nothing would move")
	case excluded > 0:
		return (allTypes &^ out).normal(), nil
	}
	return in.normal(), nil
}

// ParseTypesFlag reads the data types given with a flag (--types, or the
// API's types): an error is a usage error naming the flag and listing the
// data types.
func ParseTypesFlag(flag, value string) (TypeSet, error) {
	types, err := ParseTypes(value)
	if err != nil {
		return 0, Errorf(ErrUsage, "%s %q: %v; the data types are %s, separated by , ; or |, or only exclusions such as -schedules",
			flag, value, err, TypeList())
	}
	return types, nil
}

// minusSigns are what a typed minus becomes: spreadsheets and word
// processors autocorrect it to a dash.
const minusSigns = "-\u2010\u2011\u2012\u2013\u2014\u2212"

func isTypeSeparator(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '\n' || r == '\r' }

// isTypeTrim reports what is trimmed around a name: spaces (also no-break
// and zero-width ones) and quotes, straight or curly.
func isTypeTrim(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200B' || r == '\uFEFF' || strings.ContainsRune("\"'\u2018\u2019\u201A\u201B\u201C\u201D\u201E\u201F\u00AB\u00BB", r)
}

// lookupName finds the catalog index of a data type by table name or label.
func lookupName(name string) (int, bool) {
	k := typeKey(name)
	for i, t := range Catalog {
		if k == typeKey(t.Table) || k == typeKey(t.Name) || k == typeKey(shortName(t.Name)) {
			return i, true
		}
	}
	return 0, false
}

// shortName is a label without its parenthesis: "Contacts (recordings)"
// is also "Contacts".
func shortName(label string) string {
	if i := strings.Index(label, "("); i > 0 {
		return label[:i]
	}
	return label
}

// typeKey reduces a name to what matching compares: case, underscores,
// runs of spaces and a final plural s do not matter.
func typeKey(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "_", " "))
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimSuffix(s, "s")
}

func firstBit(s TypeSet) int {
	for i := range Catalog {
		if s&(1<<i) != 0 {
			return i
		}
	}
	return 0
}

// Stay says how many rows of one data type a pair's source keeps: the
// types that no row of the file hands over.
type Stay struct {
	Type string `json:"type"`
	Rows int64  `json:"rows"`
}

// StaysText renders what a source keeps, as the preview shows it:
// "Schedules (1 row), Work shifts (3 rows)".
func StaysText(stays []Stay) string {
	parts := make([]string, len(stays))
	for i, s := range stays {
		name := s.Type
		if t, ok := LookupType(s.Type); ok {
			name = t.Name
		}
		unit := "rows"
		if s.Rows == 1 {
			unit = "row"
		}
		parts[i] = fmt.Sprintf("%s (%d %s)", name, s.Rows, unit)
	}
	return strings.Join(parts, ", ")
}
