package csvio

import (
	"errors"

	"golang.org/x/text/transform"
)

// errInvalidUTF16 reports UTF-16 that no text editor or spreadsheet writes:
// a surrogate without its partner, a reversed byte-order mark or U+FFFF, or
// an odd number of bytes. Random bytes after a BOM are caught by it.
var errInvalidUTF16 = errors.New("not valid UTF-16")

// utf16Check passes UTF-16 through unchanged, failing at the first code
// unit that cannot be text (x/text's decoder would turn it into U+FFFD). It
// implements transform.Transformer.
type utf16Check struct {
	be      bool // big-endian
	pending bool // the last unit was a high surrogate
}

// Reset implements transform.Transformer.
func (c *utf16Check) Reset() { c.pending = false }

// Transform implements transform.Transformer.
func (c *utf16Check) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for ; nSrc+1 < len(src); nSrc += 2 {
		if nDst+2 > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		if !c.valid(c.unit(src[nSrc:])) {
			return nDst, nSrc, errInvalidUTF16
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+2])
	}
	switch {
	case nSrc < len(src) && !atEOF:
		return nDst, nSrc, transform.ErrShortSrc
	case atEOF && (nSrc < len(src) || c.pending):
		return nDst, nSrc, errInvalidUTF16
	}
	return nDst, nSrc, nil
}

func (c *utf16Check) unit(b []byte) uint16 {
	if c.be {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

// valid follows surrogate pairs: a high surrogate must be followed by a low
// one, and a low one must follow a high one.
func (c *utf16Check) valid(u uint16) bool {
	high, low := u >= 0xD800 && u < 0xDC00, u >= 0xDC00 && u < 0xE000
	switch {
	case c.pending:
		c.pending = false
		return low
	case high:
		c.pending = true
		return true
	}
	return !low && u != 0xFFFE && u != 0xFFFF
}
