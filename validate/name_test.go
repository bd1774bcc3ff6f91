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

func TestSameNameControls(t *testing.T) {
	tests := []struct {
		name      string
		cell, dir string
		want      bool
	}{
		{"control and its picture", "Esc␛[31m Bell␇", "Esc\x1b[31m Bell\a", true},
		{"control and control", "Esc\x1b", "esc\x1b", true},
		{"picture in the directory", "Exit \x1b key", "Exit ␛ key", true},
		{"a control is not a letter", "Esc?", "Esc\x1b", false},
		{"another control", "Esc\a", "Esc\x1b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameName(tt.cell, tt.dir); got != tt.want {
				t.Errorf("sameName(%q, %q) = %v, want %v", tt.cell, tt.dir, got, tt.want)
			}
		})
	}
}
