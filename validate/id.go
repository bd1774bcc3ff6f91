package validate

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"handover"
)

// ParseID parses a user ID cell. Surrounding spaces, leading zeros and a
// trailing ".0" (or ".00") are accepted, because spreadsheets add them;
// anything else is a bad_id issue whose message quotes the cell and says how
// to fix it. Zero is a whole number and parses: it is simply nobody.
func ParseID(cell string) (int64, *handover.Issue) {
	return ParseIDCell("User ID", cell)
}

// ParseIDCell is ParseID for a named cell: messages begin with column, such
// as "To User ID" or "--to".
func ParseIDCell(column, cell string) (int64, *handover.Issue) {
	return parseCell(column, cell)
}

var (
	// scientificRE matches what a spreadsheet makes of a long number it
	// was allowed to treat as one: 1.23457E+17.
	scientificRE = regexp.MustCompile(`^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$`)
	// groupedRE matches digits in groups of three, split by one of the
	// thousands separators spreadsheets use in some locale.
	groupedRE = regexp.MustCompile(`^[0-9]{1,3}(?:[,.' \x{00A0}\x{202F}][0-9]{3})+$`)
	// decimalRE matches a number with a fractional part, either decimal mark.
	decimalRE = regexp.MustCompile(`^[+-]?[0-9]*[.,][0-9]+$`)
)

func parseCell(column, cell string) (int64, *handover.Issue) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return 0, issue(handover.BadID, "%s is empty: type the user's ID as shown in the exported people file", column)
	}
	if digits, ok := wholeNumber(s); ok {
		id, err := strconv.ParseInt(digits, 10, 64)
		if err == nil {
			return id, nil
		}
		return 0, issue(handover.BadID,
			"%s %s is too large to be a user ID (IDs have at most 19 digits): copy the ID from the exported people file",
			column, quote(cell))
	}
	return 0, issue(handover.BadID, "%s %s %s", column, quote(cell), explainBadID(column, s))
}

// wholeNumber returns the digits of s when s is ASCII digits, optionally
// followed by a decimal point and zeros.
func wholeNumber(s string) (string, bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 && i < len(s)-1 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	if s == "" {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// explainBadID says what is wrong with a trimmed cell that is not an ID and
// how to fix it.
func explainBadID(column, s string) string {
	const retype = "type the ID as shown in the exported people file"
	switch {
	case scientificRE.MatchString(s):
		return "was turned into scientific notation by a spreadsheet, which loses the ID's last digits: format the " +
			column + " column as Text before typing IDs, then re-export"
	case strings.HasPrefix(s, "-") && isDigits(s[1:]):
		return "is negative: user IDs are positive whole numbers; " + retype
	case isGrouped(s):
		return "contains a thousands separator: type the digits only, " + strconv.Quote(digitsOnly(s))
	case decimalRE.MatchString(s):
		return "is not a whole number: user IDs have no decimals; " + retype
	case hasOtherDigits(s):
		return "uses digits other than 0-9 (a full-width or non-Latin keyboard?): type the ID with the digits 0-9"
	}
	return "is not a user ID: IDs are whole numbers made of the digits 0-9; " + retype
}

// isGrouped reports whether s is digits grouped by thousands with one
// separator throughout. A single "." group is left to read as a decimal.
func isGrouped(s string) bool {
	if !groupedRE.MatchString(s) {
		return false
	}
	seps := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
	sep := []rune(seps)
	for _, r := range sep {
		if r != sep[0] {
			return false
		}
	}
	return sep[0] != '.' || len(sep) > 1
}

func isDigits(s string) bool {
	_, ok := wholeNumber(s)
	return ok
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// hasOtherDigits reports whether s is made of digits, some of them not ASCII
// (full-width "１９", Arabic-Indic, ...).
func hasOtherDigits(s string) bool {
	other := false
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
		other = other || r > unicode.MaxASCII
	}
	return other
}
