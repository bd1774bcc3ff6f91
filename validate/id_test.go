package validate_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/validate"
)

func TestParseID(t *testing.T) {
	const retype = "type the ID as shown in the exported people file"
	tests := []struct {
		name, cell string
		want       int64
		msg        string // "" when the cell is a valid ID
	}{
		{"plain", "19", 19, ""},
		{"spaces", "  19\t", 19, ""},
		{"no-break space", "\u00a019\u00a0", 19, ""},
		{"leading zeros", "00019", 19, ""},
		{"trailing .0", "19.0", 19, ""},
		{"trailing .00", "19.00", 19, ""},
		{"zero", "0", 0, ""},
		{"largest", "9223372036854775807", 9223372036854775807, ""},
		{"scientific", "1.23457E+17", 0, `User ID "1.23457E+17" was turned into scientific notation by a spreadsheet, which loses the ID's last digits: format the User ID column as Text before typing IDs, then re-export`},
		{"scientific short", "1.2E+17", 0, `User ID "1.2E+17" was turned into scientific notation by a spreadsheet, which loses the ID's last digits: format the User ID column as Text before typing IDs, then re-export`},
		{"scientific lower case", "1e5", 0, `User ID "1e5" was turned into scientific notation by a spreadsheet, which loses the ID's last digits: format the User ID column as Text before typing IDs, then re-export`},
		{"negative", "-5", 0, `User ID "-5" is negative: user IDs are positive whole numbers; ` + retype},
		{"overflow", "99999999999999999999", 0, `User ID "99999999999999999999" is too large to be a user ID (IDs have at most 19 digits): copy the ID from the exported people file`},
		{"decimal", "19.5", 0, `User ID "19.5" is not a whole number: user IDs have no decimals; ` + retype},
		{"decimal comma", "19,5", 0, `User ID "19,5" is not a whole number: user IDs have no decimals; ` + retype},
		{"thousands comma", "1,234", 0, `User ID "1,234" contains a thousands separator: type the digits only, "1234"`},
		{"thousands space", "1 234", 0, `User ID "1 234" contains a thousands separator: type the digits only, "1234"`},
		{"thousands dots", "1.234.567", 0, `User ID "1.234.567" contains a thousands separator: type the digits only, "1234567"`},
		{"mixed separators", "1,234.567", 0, `User ID "1,234.567" is not a user ID: IDs are whole numbers made of the digits 0-9; ` + retype},
		{"letters", "abc", 0, `User ID "abc" is not a user ID: IDs are whole numbers made of the digits 0-9; ` + retype},
		{"hex", "0x10", 0, `User ID "0x10" is not a user ID: IDs are whole numbers made of the digits 0-9; ` + retype},
		{"plus sign", "+19", 0, `User ID "+19" is not a user ID: IDs are whole numbers made of the digits 0-9; ` + retype},
		{"trailing dot", "19.", 0, `User ID "19." is not a user ID: IDs are whole numbers made of the digits 0-9; ` + retype},
		{"full-width digits", "１９", 0, `User ID "１９" uses digits other than 0-9 (a full-width or non-Latin keyboard?): type the ID with the digits 0-9`},
		{"empty", "   ", 0, "User ID is empty: type the user's ID as shown in the exported people file"},
		{"control characters", "1\x009", 0, `User ID "1\x009" is not a user ID: IDs are whole numbers made of the digits 0-9; ` + retype},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad := validate.ParseID(tt.cell)
			if tt.msg == "" {
				if bad != nil || got != tt.want {
					t.Errorf("ParseID(%q) = %d, %v; want %d, nil", tt.cell, got, bad, tt.want)
				}
				return
			}
			want := &handover.Issue{Code: handover.BadID, Message: tt.msg}
			if diff := cmp.Diff(want, bad); diff != "" {
				t.Errorf("ParseID(%q) issue (-want +got):\n%s", tt.cell, diff)
			}
		})
	}
}

func TestParseIDCellNamesColumn(t *testing.T) {
	_, bad := validate.ParseIDCell("To User ID", "1.23457E+17")
	want := `To User ID "1.23457E+17" was turned into scientific notation by a spreadsheet, which loses the ID's last digits: format the To User ID column as Text before typing IDs, then re-export`
	if bad == nil || bad.Message != want {
		t.Errorf("got %v\nwant %s", bad, want)
	}
}

func TestParseIDLongCellIsCut(t *testing.T) {
	_, bad := validate.ParseID(strings.Repeat("x", 10<<20))
	if bad == nil || len(bad.Message) > 300 {
		t.Errorf("a 10 MB cell gave a %d-byte message", len(bad.Message))
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"19", " 0019.0 ", "1.2E+17", "-5", "1,234", "１９", "99999999999999999999", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		id, bad := validate.ParseID(cell)
		switch {
		case bad == nil && id < 0:
			t.Errorf("ParseID(%q) = %d: negative ID accepted", cell, id)
		case bad != nil && (bad.Code != handover.BadID || id != 0):
			t.Errorf("ParseID(%q) = %d, %v", cell, id, bad)
		}
	})
}
