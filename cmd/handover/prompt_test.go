package main

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover/engine"
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

// TestPromptAnswers confirms runs on a terminal: "y" and "yes" in any case
// go on, anything else changes nothing. The prompt names the database (its
// password masked) and the tenant the run will change.
func TestPromptAnswers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		if backend == "postgres" {
			f.dsn = withPassword(t, f.dsn) // the test server trusts local users: any password does
		}
		a := f.info.ActiveAgents
		for i, answer := range []string{"y", "Y", "yes", "YES", "Yes", " yes ", "no", "", "yess"} {
			master, tty := sigPTY(t)
			if _, err := master.WriteString(answer + "\n"); err != nil {
				t.Fatal(err)
			}
			r := f.cli(t, tty, "run", "--from", itoa(a[2*i]), "--to", itoa(a[2*i+1]))
			want := 0
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				want = 2
			}
			if r.code != want {
				t.Errorf("answer %q: want exit %d, got:\n%s", answer, want, r)
			}
			for _, says := range []string{"database " + engine.Redact(f.dsn), "tenant " + itoa(f.info.Tenant), "Type yes to go on: "} {
				if !strings.Contains(r.stderr, says) {
					t.Errorf("answer %q: the prompt does not say %q:\n%s", answer, says, r)
				}
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the password shows:\n%s", r)
			}
		}
	})
}

// withPassword returns a postgres:// URL with a password for its user.
func withPassword(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, set := u.User.Password(); !set {
		u.User = url.UserPassword(u.User.Username(), secret)
	}
	return u.String()
}
