package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPromptWithoutTerminal runs `run` without --yes with stdin from
// /dev/null, a character device but no terminal: the prompt refuses with
// the "pass --yes" message, exit 2, and nothing changes.
func TestPromptWithoutTerminal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		null, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer null.Close()
		before := f.dump(t)
		r := f.cli(t, null, "run", "--from", itoa(a[0]), "--to", itoa(a[1]))
		if r.code != 2 || !strings.Contains(r.stderr, "no terminal to ask") || !strings.Contains(r.stderr, "pass --yes") {
			t.Errorf("want exit 2 and the message to pass --yes, got:\n%s", r)
		}
		if d := cmp.Diff(before, f.dump(t)); d != "" {
			t.Errorf("an unconfirmed run changed the database (-before +after):\n%s", d)
		}
	})
}
