package handover

import "testing"

func TestNeutralizeRoundTrip(t *testing.T) {
	for _, s := range []string{"", "Jo", "=SUM(A1)", "+1", "-x", "@me", "\tx", "'=already", "'plain", "O'Brien"} {
		n := Neutralize(s)
		if isFormulaLike(n) {
			t.Errorf("Neutralize(%q) = %q still reads as a formula", s, n)
		}
		if got := Unneutralize(n); got != s {
			t.Errorf("Unneutralize(Neutralize(%q)) = %q", s, got)
		}
	}
}
