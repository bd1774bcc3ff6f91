package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLimitNamesMaxPairs gives preview and run a file with more pairs than
// --max-pairs allows: the file is rejected (limit_exceeded, exit 2) with a
// message that names --max-pairs as the way to raise the limit, in text
// and in the preview's JSON.
func TestLimitNamesMaxPairs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], a[3], a[4], a[5]))
		for _, args := range [][]string{{"preview", file}, {"run", file, "--yes"}} {
			r := f.mustCLI(t, 2, append(args, "--max-pairs", "2")...)
			if !strings.Contains(r.stderr, "more than 2 pairs") || !strings.Contains(r.stderr, "--max-pairs") {
				t.Errorf("want the limit's message naming --max-pairs, got:\n%s", r)
			}
		}
		doc := decodePreview(t, f.mustCLI(t, 2, "preview", file, "--max-pairs", "2", "--format", "json").stdout)
		if len(doc.FileErrors) != 1 || doc.FileErrors[0].Code != "limit_exceeded" || !strings.Contains(doc.FileErrors[0].Message, "--max-pairs") {
			t.Errorf("preview JSON: file_errors %+v, want limit_exceeded naming --max-pairs", doc.FileErrors)
		}
		if r := f.mustCLI(t, 2, "preview", file, "--max-pairs", "0"); !strings.Contains(r.stderr, "--max-pairs 0") {
			t.Errorf("--max-pairs 0: %s", r)
		}
	})
}

// TestShowJSONShapes runs a file with a valid pair, a pair whose To User ID
// is not an ID and a self transfer, then checks `show --format json` against
// the preview's shapes: an ID that was not a valid ID is null (not 0), and
// a pair's issues are an issues array of {"code", "message"}, empty for a
// pair without any.
func TestShowJSONShapes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], "abc", a[3], a[3]))
		f.mustCLI(t, 1, "run", file, "--skip-invalid", "--yes", "--audit", f.path("audit.csv"))
		r := f.mustCLI(t, 0, "show", "1", "--format", "json")
		checkKeys(t, "show", []byte(r.stdout), "job", "pairs")
		var doc struct {
			Pairs []json.RawMessage `json:"pairs"`
		}
		mustDecode(t, r.stdout, &doc)
		if len(doc.Pairs) != 3 {
			t.Fatalf("want 3 pairs, got:\n%s", r.stdout)
		}
		rows := map[int]previewRow{}
		for _, p := range doc.Pairs {
			checkKeys(t, "pairs[]", p, "row", "from", "from_name", "to", "to_name", "status", "issues", "moves", "at")
			var lists struct {
				Issues []json.RawMessage `json:"issues"`
			}
			mustDecode(t, string(p), &lists)
			for _, is := range lists.Issues {
				checkKeys(t, "pairs[].issues[]", is, "code", "message")
			}
			var row previewRow
			mustDecode(t, string(p), &row)
			if row.Issues == nil || row.Moves == nil {
				t.Errorf("row %d: issues and moves must be arrays, never null:\n%s", row.Row, p)
			}
			rows[row.Row] = row
		}
		if r := rows[2]; r.Status != "done" || len(r.Issues) != 0 || r.From == nil || *r.From != a[0] || r.To == nil || *r.To != a[1] {
			t.Errorf("the valid pair: %+v", r)
		}
		if r := rows[3]; r.To != nil || r.From == nil || *r.From != a[2] || strings.Join(r.codes(), ",") != "bad_id" || r.Issues[0].Message == "" {
			t.Errorf("the pair with To User ID \"abc\": want to null and the issue bad_id, got %+v", r)
		}
		if r := rows[4]; r.Status != "failed" || strings.Join(r.codes(), ",") != "self_transfer" {
			t.Errorf("the self transfer: want failed with the issue self_transfer, got %+v", r)
		}
	})
}
