// Package audit writes what the tool shows and leaves behind: the errors-only
// audit CSV in the upload's own format, the preview of a plan (text, JSON and
// a self-contained HTML page), the summary and JSON result of a job, the job
// listings, and the progress line and log events of a running job.
//
// It depends only on the root vocabulary; callers choose where the output
// goes (stdout, a file via handover.WriteFile) and which logger to use.
package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"handover"
)

// plural renders a count with its noun: "1 pair", "3 pairs".
func plural[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}

// writeJSON writes v as indented JSON followed by a newline. HTML characters
// are left as they are: this output is for terminals and tools, not pages.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// ErrorJSON writes an error as {"error": {"code": "...", "message": "..."}}
// on one line: what a command with --format json prints when it fails, and
// the body of every HTTP API error.
func ErrorJSON(w io.Writer, code handover.Code, message string) error {
	type body struct {
		Code    handover.Code `json:"code"`
		Message string        `json:"message"`
	}
	return json.NewEncoder(w).Encode(struct {
		Error body `json:"error"`
	}{body{code, message}})
}

// errWriter remembers the first write error so that text renderers can print
// line after line and check once at the end.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// Clean makes text from a spreadsheet or the database safe to print on a
// terminal: control characters (newlines, escape sequences) and the
// invisible bidirectional controls that could make a pair read reversed are
// shown as escapes such as \n and \u202e.
func Clean(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !unsafeRune(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r) // '\n', '\x1b', '\u202e'
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) ||
		unicode.In(r, unicode.Bidi_Control, unicode.Zl, unicode.Zp)
}
