package validate

import "testing"

func TestSameNameIgnoresUnicodeForm(t *testing.T) {
	composed, decomposed := "Zo\u00eb  Ñúñez", "zoe\u0308 N\u0303u\u0301n\u0303ez"
	if !sameName(composed, decomposed) {
		t.Errorf("%q and %q should match: same name, different Unicode forms and case", composed, decomposed)
	}
	if sameName("Zoë Smith", "Zoe Smith") {
		t.Error("an accent that is really missing must not match")
	}
}
