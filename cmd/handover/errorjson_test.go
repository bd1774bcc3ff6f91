package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"handover"
)

// TestErrorJSON checks that with --format json a failure is one error
// document on stdout, {"error": {"code", "message"}}, and that without it
// stdout stays empty.
func TestErrorJSON(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		name string
		args []string
		code handover.Code
	}{
		{"usage", []string{"show", "seven", "--format", "json"}, handover.ErrUsage},
		{"unavailable", []string{"jobs", "--format", "json", "--db", missing, "--as", "1"}, handover.ErrUnavailable},
		{"format before the command's arguments", []string{"show", "--format", "json", "7", "--db", missing, "--as", "1"}, handover.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, nil, tc.args...)
			if r.code != handover.ExitCode(&handover.Error{Code: tc.code}) {
				t.Fatalf("want the exit code of %s, got:\n%s", tc.code, r)
			}
			checkKeys(t, "error document", []byte(r.stdout), "error")
			var raw struct {
				Error json.RawMessage `json:"error"`
			}
			mustDecode(t, r.stdout, &raw)
			checkKeys(t, "error", raw.Error, "code", "message")
			var doc struct {
				Error issueDoc `json:"error"`
			}
			mustDecode(t, r.stdout, &doc)
			if doc.Error.Code != string(tc.code) || doc.Error.Message != handover.ErrorMessage(r.err) {
				t.Errorf("want code %q and the error's message, got %+v\n%s", tc.code, doc.Error, r)
			}
		})
	}
	t.Run("text", func(t *testing.T) {
		if r := cli(t, nil, "jobs", "--db", missing, "--as", "1"); r.code != handover.ExitBlocked || r.stdout != "" {
			t.Errorf("without --format json, want exit 3 and nothing on stdout, got:\n%s", r)
		}
	})
}
