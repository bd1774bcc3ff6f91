package handover

import "strings"

// Neutralize makes a cell that a spreadsheet would evaluate as a formula (it
// begins with =, +, -, @, a tab or a carriage return) show as text, by
// prefixing an apostrophe. Unneutralize undoes it.
func Neutralize(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// Unneutralize returns the cell as it was before Neutralize: a leading
// apostrophe is dropped when what follows would be read as a formula.
func Unneutralize(s string) string {
	if strings.HasPrefix(s, "'") && needsQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// needsQuote reports whether s is formula-like, or apostrophes followed by
// something formula-like (so that a name really beginning "'=" survives).
func needsQuote(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return isFormulaLike(rest)
}

func isFormulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
