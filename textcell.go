package handover

import "strings"

// Neutralize makes a cell safe to open in a spreadsheet or print on a
// terminal, keeping it text. Control characters, which a spreadsheet shows as
// boxes or drops, a terminal obeys (ESC starts an escape sequence) and the
// reader takes for binary data, become their visible Unicode Control Picture
// (VisibleControls: ESC is written ␛). A cell that a spreadsheet would
// evaluate as a formula (it begins with =, +, -, @, a tab or a carriage
// return) gets a leading apostrophe. Unneutralize undoes both.
func Neutralize(s string) string {
	s = VisibleControls(s)
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// Unneutralize returns the cell as it was before Neutralize: a leading
// apostrophe is dropped when what follows would be read as a formula, and
// control pictures become the control characters again. A name that really
// holds a control picture comes back as the control character; name matching
// treats the two as equal (VisibleControls).
func Unneutralize(s string) string {
	if strings.HasPrefix(s, "'") && needsQuote(s[1:]) {
		s = s[1:]
	}
	return hiddenControls(s)
}

// VisibleControls replaces every control character that is not tab, line
// feed or carriage return (C0 controls and DEL) by its Unicode Control
// Picture: U+0000–U+001F by U+2400–U+241F, DEL by U+2421. Text that compares
// equal after VisibleControls is the same name as a spreadsheet shows it.
func VisibleControls(s string) string {
	if strings.IndexFunc(s, isHiddenControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0x7F:
			return '\u2421'
		case isHiddenControl(r):
			return '\u2400' + r
		}
		return r
	}, s)
}

// hiddenControls undoes VisibleControls.
func hiddenControls(s string) string {
	if strings.IndexFunc(s, isControlPicture) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u2421':
			return 0x7F
		case isControlPicture(r):
			return r - '\u2400'
		}
		return r
	}, s)
}

// isHiddenControl reports the control characters that VisibleControls
// replaces: tab, line feed and carriage return are text a cell may hold.
func isHiddenControl(r rune) bool {
	return (r < ' ' || r == 0x7F) && r != '\t' && r != '\n' && r != '\r'
}

// isControlPicture reports the pictures that VisibleControls writes.
func isControlPicture(r rune) bool {
	return r == '\u2421' || (r >= '\u2400' && r < '\u2420' && isHiddenControl(r-'\u2400'))
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
