package csvio

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"handover"
)

// errMixedEncoding reports bytes that are not UTF-8 after earlier non-ASCII
// text that was: the file mixes encodings and no single decoding is right.
var errMixedEncoding = errors.New("not valid UTF-8 after earlier UTF-8 text")

// errInvalidUTF8 reports bytes that are not UTF-8 in a file with a UTF-8 BOM.
var errInvalidUTF8 = errors.New("not valid UTF-8 despite the UTF-8 BOM")

// errForcedUTF8 reports bytes that are not UTF-8 when UTF-8 was forced.
var errForcedUTF8 = errors.New("not valid UTF-8 although UTF-8 was forced")

// errNoCodePage reports a byte that is a character in none of the code pages
// the file may still be in.
type errNoCodePage struct {
	b      byte
	tried  []handover.Encoding
	forced bool
}

func (e *errNoCodePage) Error() string {
	return fmt.Sprintf("byte 0x%02X is not a character in %s", e.b, encodingList(e.tried))
}

func encodingList(encs []handover.Encoding) string {
	names := make([]string, len(encs))
	for i, e := range encs {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// textMode is what a textDecoder has learnt about an 8-bit file so far.
type textMode int

const (
	modeASCII  textMode = iota // only ASCII seen: UTF-8 and every code page agree
	modeUTF8                   // valid multi-byte UTF-8 seen
	modeLegacy                 // a byte that is not UTF-8 seen, or a code page forced
	modeStrict                 // a UTF-8 BOM or --encoding promised UTF-8: anything else is an error
)

// textDecoder turns an 8-bit file without a UTF-16 BOM into UTF-8 while
// streaming. Text that is valid UTF-8 passes through; the first byte that is
// not makes the rest of the file legacy 8-bit text (what Excel saves as "CSV
// (Comma delimited)"), which is only sound while everything before it was
// ASCII. Which code page is not known until the directory's names are
// compared (see handover.Upload.Readings), so legacy bytes pass as carrier
// runes (codePage.text) and each byte rules out the code pages in which it
// is not a character. It implements transform.Transformer.
type textDecoder struct {
	mode   textMode
	pages  []codePage // the code pages the legacy bytes so far allow
	forced bool       // the mode and pages were given, not guessed
}

// newTextDecoder returns a decoder guessing among handover.LegacyGuesses,
// or reading only forced (UTF-8 or a code page) when it is not "".
func newTextDecoder(forced handover.Encoding) *textDecoder {
	switch {
	case forced == handover.UTF8:
		return &textDecoder{mode: modeStrict, forced: true}
	case forced != "":
		return &textDecoder{mode: modeLegacy, pages: pagesOf([]handover.Encoding{forced}), forced: true}
	}
	return &textDecoder{pages: pagesOf(handover.LegacyGuesses)}
}

// Reset implements transform.Transformer. The learnt mode is kept: a decoder
// serves one file.
func (d *textDecoder) Reset() {}

// Transform implements transform.Transformer.
func (d *textDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		b := src[nSrc]
		if b < utf8.RuneSelf {
			if nDst == len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = b
			nDst, nSrc = nDst+1, nSrc+1
			continue
		}
		var w, r int
		if d.mode == modeLegacy {
			w, r, err = d.legacy(dst[nDst:], b)
		} else {
			w, r, err = d.utf8(dst[nDst:], src[nSrc:], atEOF)
		}
		if err != nil {
			return nDst, nSrc, err
		}
		nDst, nSrc = nDst+w, nSrc+r
	}
	return nDst, nSrc, nil
}

// utf8 copies one multi-byte UTF-8 sequence, or switches to legacy text when
// src does not start with one (consuming nothing, so the byte is re-read).
func (d *textDecoder) utf8(dst, src []byte, atEOF bool) (w, r int, err error) {
	rn, size := utf8.DecodeRune(src)
	if rn == utf8.RuneError && size <= 1 {
		if !atEOF && !utf8.FullRune(src) {
			return 0, 0, transform.ErrShortSrc
		}
		switch {
		case d.mode == modeStrict && d.forced:
			return 0, 0, errForcedUTF8
		case d.mode == modeStrict:
			return 0, 0, errInvalidUTF8
		case d.mode == modeUTF8:
			return 0, 0, errMixedEncoding
		}
		d.mode = modeLegacy
		return 0, 0, nil
	}
	if len(dst) < size {
		return 0, 0, transform.ErrShortDst
	}
	if d.mode == modeASCII {
		d.mode = modeUTF8
	}
	return copy(dst, src[:size]), size, nil
}

// legacy writes the carrier rune of the legacy byte b, after ruling out the
// code pages that do not define it.
func (d *textDecoder) legacy(dst []byte, b byte) (w, r int, err error) {
	if len(dst) < 2 {
		return 0, 0, transform.ErrShortDst
	}
	left := d.pages[:0:0]
	for _, p := range d.pages {
		if p.defines(b) {
			left = append(left, p)
		}
	}
	if len(left) == 0 {
		tried := make([]handover.Encoding, len(d.pages))
		for i, p := range d.pages {
			tried[i] = p.enc
		}
		return 0, 0, &errNoCodePage{b: b, tried: tried, forced: d.forced}
	}
	d.pages = left
	return utf8.EncodeRune(dst, rune(b)), 1, nil
}

// encoding names what the decoder read, once the whole file has passed: for
// legacy text, the most likely code page the bytes allow.
func (d *textDecoder) encoding() handover.Encoding {
	switch d.mode {
	case modeLegacy:
		return d.pages[0].enc
	case modeStrict:
		if d.forced {
			return handover.UTF8
		}
		return handover.UTF8BOM
	}
	return handover.UTF8
}

// readings returns the encodings the text may be in, once the whole file has
// passed, with the carrier decoding of each; nil when the text is certainly
// UTF-8. ASCII text may be UTF-8 or any code page: only a "?" that a code
// page put for a character tells them apart.
func (d *textDecoder) readings() []reading {
	switch d.mode {
	case modeASCII:
		out := []reading{{enc: handover.UTF8}}
		for _, p := range d.pages {
			out = append(out, reading{enc: p.enc, repertoire: p.repertoire()})
		}
		return out
	case modeLegacy:
		out := make([]reading, len(d.pages))
		for i, p := range d.pages {
			out[i] = reading{enc: p.enc, text: p.text, repertoire: p.repertoire()}
		}
		return out
	}
	return nil
}

// reading is one encoding a file may be in, and how to decode its cells
// (nil: they need no decoding).
type reading struct {
	enc        handover.Encoding
	text       func(carrier string) string
	repertoire string
}
