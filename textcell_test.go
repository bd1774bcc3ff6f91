package handover

import (
	"strings"
	"testing"
)

func TestNeutralizeRoundTrip(t *testing.T) {
	for _, s := range []string{"", "Jo", "=SUM(A1)", "+1", "-x", "@me", "\tx", "'=already", "'plain", "O'Brien",
		"Esc\x1b[31mRed", "Bell\a", "\x1b=1+2", "=\x1b", "Nul\x00Del\x7f", "\v\f", "Multi\nLine\r"} {
		n := Neutralize(s)
		if isFormulaLike(n) {
			t.Errorf("Neutralize(%q) = %q still reads as a formula", s, n)
		}
		if strings.IndexFunc(n, isHiddenControl) >= 0 {
			t.Errorf("Neutralize(%q) = %q still holds a control character", s, n)
		}
		if got := Unneutralize(n); got != s {
			t.Errorf("Unneutralize(Neutralize(%q)) = %q", s, got)
		}
	}
}

func TestNeutralizeShowsControls(t *testing.T) {
	if got, want := Neutralize("A\x1b[2JB\a"), "A␛[2JB␇"; got != want {
		t.Errorf("Neutralize = %q, want %q", got, want)
	}
	// A name that really holds a picture is the same name as its control.
	if VisibleControls("A␛B") != VisibleControls(Unneutralize(Neutralize("A␛B"))) {
		t.Errorf("a literal control picture does not match itself after a round trip")
	}
	// Pictures of tab, line feed and carriage return are not written by
	// Neutralize, so they stay what they are.
	if got := Unneutralize("␉␊␍"); got != "␉␊␍" {
		t.Errorf("Unneutralize(%q) = %q", "␉␊␍", got)
	}
}
