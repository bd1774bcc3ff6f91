package csvio

import (
	"bufio"
	"bytes"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"handover"
)

const sniffBytes = 16 << 10 // how much of the file detection looks at

// source is an upload's text, decoded to UTF-8, with what was detected.
type source struct {
	text   *bufio.Reader // UTF-8, BOM removed
	format handover.Format
	dec    *textDecoder // nil for UTF-16
	crOnly bool
}

// encoding returns the encoding read; for 8-bit files it is only final once
// the whole text has been read.
func (s *source) encoding() handover.Encoding {
	if s.dec == nil {
		return s.format.Encoding
	}
	return s.dec.encoding()
}

// readings returns the encodings an 8-bit file may be in, once the whole
// text has been read; nil when the encoding is certain.
func (s *source) readings() []reading {
	if s.dec == nil {
		return nil
	}
	return s.dec.readings()
}

// copies returns how many readings keep the text read so far: one per code
// page an 8-bit file with legacy bytes may still be in.
func (s *source) copies() int {
	if s.dec == nil || s.dec.mode != modeLegacy {
		return 1
	}
	return len(s.dec.pages)
}

// open detects the encoding of r from its first bytes, unless forced names
// it, and returns its text. Files that are not CSV text (empty, workbooks,
// archives, binary) are rejected with a message saying what they look like.
func open(r io.Reader, forced handover.Encoding) (*source, error) {
	raw := bufio.NewReaderSize(r, sniffBytes)
	head, err := raw.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, handover.Errorf(handover.Unreadable, "cannot read the file: %v", err)
	}
	if err := notText(head, isUTF16(forced)); err != nil {
		return nil, err
	}
	s := &source{}
	var text io.Reader
	switch order := utf16Order(head, forced); {
	case order != "":
		s.format.Encoding = order
		text = transform.NewReader(raw, utf16Decoder(order))
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) && (forced == "" || forced == handover.UTF8):
		raw.Discard(3)
		s.format.Encoding, s.dec = handover.UTF8BOM, &textDecoder{mode: modeStrict}
		text = transform.NewReader(raw, s.dec)
	default:
		s.dec = newTextDecoder(forced)
		text = transform.NewReader(raw, s.dec)
	}
	s.text = bufio.NewReaderSize(text, sniffBytes)
	s.detectLayout()
	return s, nil
}

func isUTF16(e handover.Encoding) bool {
	return e == handover.UTF16 || e == handover.UTF16LE || e == handover.UTF16BE
}

// utf16Order returns the byte order of a UTF-16 file: its BOM's, else the
// forced one (little-endian for plain "utf-16", as Windows writes it); ""
// when the file is not to be read as UTF-16.
func utf16Order(head []byte, forced handover.Encoding) handover.Encoding {
	switch {
	case forced != "" && !isUTF16(forced):
		return ""
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return handover.UTF16LE
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return handover.UTF16BE
	case forced == handover.UTF16:
		return handover.UTF16LE
	}
	return forced
}

// utf16Decoder checks and decodes UTF-16 in the given byte order, dropping
// a BOM.
func utf16Decoder(order handover.Encoding) transform.Transformer {
	end := unicode.LittleEndian
	if order == handover.UTF16BE {
		end = unicode.BigEndian
	}
	return transform.Chain(&utf16Check{be: order == handover.UTF16BE}, unicode.UTF16(end, unicode.UseBOM).NewDecoder())
}

// detectLayout finds the delimiter and line ends from the header line.
func (s *source) detectLayout() {
	// A decoding error is left for the guard to report with its row:
	// transform.Reader returns it again on the next read.
	head, _ := s.text.Peek(sniffBytes)
	head = bytes.TrimLeft(head, "\r\n") // csv.Reader skips blank lines
	line := firstLine(head)
	s.format.Delimiter = rune(detectDelimiter(line))
	rest := head[len(line):]
	s.format.CRLF = bytes.HasPrefix(rest, []byte("\r\n"))
	s.crOnly = bytes.HasPrefix(rest, []byte("\r")) && !s.format.CRLF
}

// firstLine returns head up to its first line end.
func firstLine(head []byte) []byte {
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 {
		return head[:i]
	}
	return head
}
