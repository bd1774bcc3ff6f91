package csvio

import (
	"errors"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"handover"
)

// errMixedEncoding reports bytes that are not UTF-8 after earlier non-ASCII
// text that was: the file mixes encodings and no single decoding is right.
var errMixedEncoding = errors.New("not valid UTF-8 after earlier UTF-8 text")

// errInvalidUTF8 reports bytes that are not UTF-8 in a file with a UTF-8 BOM.
var errInvalidUTF8 = errors.New("not valid UTF-8 despite the UTF-8 BOM")

// textMode is what a textDecoder has learnt about an 8-bit file so far.
type textMode int

const (
	modeASCII  textMode = iota // only ASCII seen: UTF-8 and Windows-1252 agree
	modeUTF8                   // valid multi-byte UTF-8 seen
	modeCP1252                 // a byte that is not UTF-8 seen: Windows-1252
	modeStrict                 // a UTF-8 BOM promised UTF-8: anything else is an error
)

// textDecoder turns an 8-bit file without a UTF-16 BOM into UTF-8 while
// streaming. Text that is valid UTF-8 passes through; the first byte that is
// not makes the rest of the file Windows-1252 (what Excel saves as "CSV
// (Comma delimited)" in Western locales), which is only sound while
// everything before it was ASCII. It implements transform.Transformer.
type textDecoder struct {
	mode textMode
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
		if d.mode == modeCP1252 {
			w, r, err = d.cp1252(dst[nDst:], b)
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

// utf8 copies one multi-byte UTF-8 sequence, or switches to Windows-1252 when
// src does not start with one (consuming nothing, so the byte is re-read).
func (d *textDecoder) utf8(dst, src []byte, atEOF bool) (w, r int, err error) {
	rn, size := utf8.DecodeRune(src)
	if rn == utf8.RuneError && size <= 1 {
		if !atEOF && !utf8.FullRune(src) {
			return 0, 0, transform.ErrShortSrc
		}
		switch d.mode {
		case modeStrict:
			return 0, 0, errInvalidUTF8
		case modeUTF8:
			return 0, 0, errMixedEncoding
		}
		d.mode = modeCP1252
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

// cp1252 writes the UTF-8 encoding of the Windows-1252 byte b.
func (d *textDecoder) cp1252(dst []byte, b byte) (w, r int, err error) {
	rn := charmap.Windows1252.DecodeByte(b)
	if len(dst) < utf8.RuneLen(rn) {
		return 0, 0, transform.ErrShortDst
	}
	return utf8.EncodeRune(dst, rn), 1, nil
}

// encoding names what the decoder read, once the whole file has passed.
func (d *textDecoder) encoding() handover.Encoding {
	switch d.mode {
	case modeCP1252:
		return handover.Windows1252
	case modeStrict:
		return handover.UTF8BOM
	}
	return handover.UTF8
}
