package main

import (
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
