package csvio

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"handover"
)

// codePage is a legacy 8-bit encoding the reader can read.
type codePage struct {
	enc handover.Encoding
	cm  *charmap.Charmap
}

// codePages maps each legacy encoding the reader knows to its table.
var codePages = map[handover.Encoding]*charmap.Charmap{
	handover.Windows1250: charmap.Windows1250,
	handover.Windows1251: charmap.Windows1251,
	handover.Windows1252: charmap.Windows1252,
	handover.Windows1253: charmap.Windows1253,
	handover.Windows1254: charmap.Windows1254,
	handover.Windows1255: charmap.Windows1255,
	handover.Windows1256: charmap.Windows1256,
	handover.Windows1257: charmap.Windows1257,
	handover.Windows1258: charmap.Windows1258,
	handover.Macintosh:   charmap.Macintosh,
}

// pagesOf returns the code pages of encs, in order.
func pagesOf(encs []handover.Encoding) []codePage {
	out := make([]codePage, 0, len(encs))
	for _, e := range encs {
		out = append(out, codePage{enc: e, cm: codePages[e]})
	}
	return out
}

// defines reports whether byte b is a character in the code page.
func (p codePage) defines(b byte) bool {
	return p.cm.DecodeByte(b) != utf8.RuneError
}

// text decodes carrier text: while a file's code page is open, every byte
// from 0x80 up travels through the CSV reader as the rune of the same number
// (U+0080–U+00FF), so that each code page can decode the cells afterwards.
func (p codePage) text(carrier string) string {
	if isASCII(carrier) {
		return carrier
	}
	return strings.Map(func(r rune) rune {
		if r >= utf8.RuneSelf && r <= 0xFF {
			return p.cm.DecodeByte(byte(r))
		}
		return r
	}, carrier)
}

// repertoire lists the non-ASCII characters of the code page.
func (p codePage) repertoire() string {
	var b strings.Builder
	for c := 0x80; c <= 0xFF; c++ {
		if r := p.cm.DecodeByte(byte(c)); r != utf8.RuneError {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
