package csvio

import (
	"bytes"

	"handover"
)

const saveAsCSV = "in Excel use File › Save As › CSV UTF-8, in LibreOffice File › Save As › Text CSV"

// notText rejects files whose first bytes show they are not CSV text,
// saying what they look like and how to get CSV instead. utf16 says the file
// is to be read as UTF-16, where NUL bytes are expected.
func notText(head []byte, utf16 bool) error {
	if len(head) == 0 {
		return handover.Errorf(handover.Unreadable, "the file is empty: upload the people CSV with the To User ID column filled in")
	}
	if what := looksLike(head); what != "" {
		return handover.Errorf(handover.Unreadable, "this is %s, not CSV: %s", what, saveAsCSV)
	}
	if utf16 || bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")) {
		return nil // UTF-16: NUL bytes are expected; the guard checks the decoded text
	}
	if bytes.IndexByte(head, 0) >= 0 {
		if utf16WithoutBOM(head) {
			return handover.Errorf(handover.Unreadable, "this looks like UTF-16 text without a byte-order mark, which cannot be read reliably: %s", saveAsCSV)
		}
		return handover.Errorf(handover.Unreadable, "this is binary data (it contains NUL bytes), not CSV text: %s", saveAsCSV)
	}
	if hasControlBytes(head) {
		return handover.Errorf(handover.Unreadable, "this looks like binary data (it contains control characters), not CSV text: %s", saveAsCSV)
	}
	return nil
}

// looksLike names the kind of file head starts, or returns "" for none known.
func looksLike(head []byte) string {
	has := func(p string) bool { return bytes.HasPrefix(head, []byte(p)) }
	lower := bytes.ToLower(head[:min(len(head), 512)])
	switch {
	case has("PK\x03\x04") || has("PK\x05\x06") || has("PK\x07\x08"):
		return zipKind(head)
	case has("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"):
		return "an Excel 97-2003 .xls workbook (or another old Office file)"
	case has("\xFF\xFE\x00\x00") || has("\x00\x00\xFE\xFF"):
		return "UTF-32 text, which is not supported"
	case has("%PDF-"):
		return "a PDF document"
	case has("\x1F\x8B"):
		return "a gzip archive"
	case bytes.HasPrefix(lower, []byte("<?xml")) || bytes.HasPrefix(lower, []byte("<!doctype")) || bytes.HasPrefix(lower, []byte("<html")):
		return "an XML or HTML document (perhaps an Excel XML or web page export)"
	}
	return ""
}

// zipKind tells a workbook from other ZIP archives by its first entry names.
func zipKind(head []byte) string {
	switch {
	case bytes.Contains(head, []byte("application/vnd.oasis.opendocument.spreadsheet")):
		return "a LibreOffice .ods spreadsheet"
	case bytes.Contains(head, []byte("xl/")) || bytes.Contains(head, []byte("[Content_Types].xml")):
		return "an Excel .xlsx workbook"
	}
	return "a ZIP archive"
}

// utf16WithoutBOM reports whether NUL bytes fall mostly on every other byte,
// as in ASCII text written as UTF-16.
func utf16WithoutBOM(head []byte) bool {
	var even, odd int
	for i, b := range head {
		if b == 0 && i%2 == 0 {
			even++
		} else if b == 0 {
			odd++
		}
	}
	half := len(head) / 2
	return (even > half*3/4 && odd == 0) || (odd > half*3/4 && even == 0)
}

// hasControlBytes reports C0 control characters other than the whitespace
// a text file may hold.
func hasControlBytes(head []byte) bool {
	for _, b := range head {
		if b < ' ' && !isTextSpace(b) {
			return true
		}
	}
	return false
}

func isTextSpace(b byte) bool {
	return b == '\n' || b == '\r' || b == '\t' || b == '\v' || b == '\f'
}
