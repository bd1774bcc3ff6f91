package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// TestDeactivateSourceRefusesInactiveTarget: a reversed pair — the
// successor typed as the source, the already deactivated leaver as the
// target — with --deactivate-source would leave both users inactive and the
// data on one of them. With --deactivate-source an inactive target is an
// error on the row: run refuses (or, with --skip-invalid, leaves the row to
// the audit file) and the preview shows it; without the flag it stays the
// warning inactive_target.
func TestDeactivateSourceRefusesInactiveTarget(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 3)
		a, in := f.info.ActiveAgents, f.info.InactiveAgents
		successor, leaver := a[0], in[0]
		before := f.dump(t)
		r := f.mustCLI(t, 2, "run", "--from", itoa(successor), "--to", itoa(leaver), "--deactivate-source", "--yes")
		if !strings.Contains(r.stderr, string(handover.BothInactive)) {
			t.Errorf("refused run does not name %s:\n%s", handover.BothInactive, r)
		}
		if diff := cmp.Diff(before, f.dump(t)); diff != "" {
			t.Fatalf("a refused run changed the database (-before +after):\n%s", diff)
		}

		file := writeFile(t, f.path("reversed.csv"), pairs(successor, leaver, a[2], a[3]))
		doc := decodePreview(t, f.mustCLI(t, 2, "preview", file, "--deactivate-source", "--format", "json").stdout)
		if got := doc.Rows[0]; got.Status != "error" || !slices.Equal(got.codes(), []string{string(handover.BothInactive)}) {
			t.Errorf("preview --deactivate-source of the reversed pair: %s %v, want error %s", got.Status, got.codes(), handover.BothInactive)
		}
		doc = decodePreview(t, f.mustCLI(t, 0, "preview", file, "--format", "json").stdout)
		if got := doc.Rows[0]; got.Status != "warning" || !slices.Equal(got.codes(), []string{"inactive_target"}) {
			t.Errorf("preview without --deactivate-source: %s %v, want the warning inactive_target", got.Status, got.codes())
		}

		auditPath := f.path("audit.csv")
		f.mustCLI(t, 1, "run", file, "--deactivate-source", "--skip-invalid", "--yes", "--audit", auditPath)
		if body, _ := os.ReadFile(auditPath); !strings.Contains(string(body), string(handover.BothInactive)) {
			t.Errorf("audit file lacks %s:\n%s", handover.BothInactive, body)
		}
		if _, active := f.user(t, successor); !active {
			t.Errorf("the reversed pair's source %d was deactivated", successor)
		}
		if _, active := f.user(t, a[2]); active {
			t.Errorf("the valid pair's source %d is still active", a[2])
		}
	})
}
