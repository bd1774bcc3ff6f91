package validate

import "testing"

func TestSameNameIgnoresUnicodeForm(t *testing.T) {
	composed, decomposed := "Zo\u00eb  Ñúñez", "zoe\u0308 N\u0303u\u0301n\u0303ez"
	if !sameName(composed, decomposed, nil) {
		t.Errorf("%q and %q should match: same name, different Unicode forms and case", composed, decomposed)
	}
	if sameName("Zoë Smith", "Zoe Smith", nil) {
		t.Error("an accent that is really missing must not match")
	}
}

// inWestern stands for Windows-1252 in these tests: it holds ó and ë but
// not Ł, Ř or the control pictures.
func inWestern(r rune) bool { return r > 0x7F && r != 'ó' && r != 'ë' }

func TestSameName(t *testing.T) {
	tests := []struct {
		name      string
		cell, dir string
		replaced  func(rune) bool
		want      bool
	}{
		{"control and its picture", "Esc␛[31m Bell␇", "Esc\x1b[31m Bell\a", nil, true},
		{"control and control", "Esc\x1b", "esc\x1b", nil, true},
		{"picture in the directory", "Exit \x1b key", "Exit ␛ key", nil, true},
		{"a control is not a letter", "Esc?", "Esc\x1b", nil, false},
		{"? for a character the code page lacks", "?ukasz Wróbel", "Łukasz Wróbel", inWestern, true},
		{"? for a control the code page lacks the picture of", "Esc? Bell?", "Esc\x1b Bell\a", inWestern, true},
		{"? for a character the code page has", "Łukasz Wr?bel", "Łukasz Wróbel", inWestern, false},
		{"? for an ASCII letter", "J?hn", "John", inWestern, false},
		{"? without a code page", "?ukasz Wróbel", "Łukasz Wróbel", nil, false},
		{"? as itself", "Who? Me", "who? me", nil, true},
		{"one ? per character", "??ukasz", "Łukasz", inWestern, false},
		{"? and case", "?UKASZ WRÓBEL", "Łukasz Wróbel", inWestern, true},
		{"? and spaces", "  ?ukasz   Wróbel ", "Łukasz Wróbel", inWestern, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameName(tt.cell, tt.dir, tt.replaced); got != tt.want {
				t.Errorf("sameName(%q, %q) = %v, want %v", tt.cell, tt.dir, got, tt.want)
			}
		})
	}
}
