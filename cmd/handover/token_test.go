package main

import (
	"encoding/json"
	"strings"
	"testing"

	"handover"
)

// TestTokenCommands: create prints a token once, on stdout alone; a name
// is unique among the tenant's live tokens; list shows names and dates,
// never a token; revoke ends one, and its name may be used again; only an
// active admin or tenant admin gets a token (exit 3); bad flags exit 2.
func TestTokenCommands(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 50, 1)
		made := f.mustCLI(t, 0, "token", "create", "--name", "hr-feed", "--expires", "30")
		token := strings.TrimSpace(made.stdout)
		if !strings.HasPrefix(token, "hov_") || strings.Count(made.stdout, "\n") != 1 || strings.Contains(made.stderr, token) || !strings.Contains(made.stderr, "hr-feed") {
			t.Fatalf("token create:\n%s", made)
		}
		f.mustCLI(t, 2, "token", "create", "--name", "hr-feed")
		f.mustCLI(t, 2, "token", "create", "--name", " ")
		f.mustCLI(t, 2, "token", "create", "--name", "x", "--expires", "-1")
		f.mustCLI(t, 2, "token", "rename")
		f.mustCLI(t, 3, "token", "create", "--name", "agent", "--as", itoa(f.info.ActiveAgents[0]))
		f.mustCLI(t, 3, "token", "create", "--name", "gone", "--as", itoa(f.info.InactiveAdmin))
		f.mustCLI(t, 0, "token", "create", "--name", "forever", "--expires", "0", "--as", itoa(f.info.Admins[0].ID))
		var tokens []handover.Token
		list := f.mustCLI(t, 0, "token", "list", "--format", "json")
		if err := json.Unmarshal([]byte(list.stdout), &tokens); err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 2 || tokens[0].Name != "hr-feed" || tokens[0].Expires == nil || tokens[1].Expires != nil ||
			tokens[1].Operator != f.info.Admins[0].ID || strings.Contains(list.stdout, token[4:]) {
			t.Fatalf("token list:\n%s", list.stdout)
		}
		if text := f.mustCLI(t, 0, "token", "list").stdout; !strings.Contains(text, "hr-feed") || !strings.Contains(text, "never") || strings.Contains(text, token[4:]) {
			t.Fatalf("token list as text:\n%s", text)
		}
		f.mustCLI(t, 0, "token", "revoke", "hr-feed")
		f.mustCLI(t, 2, "token", "revoke", "hr-feed")
		f.mustCLI(t, 0, "token", "create", "--name", "hr-feed")
		if text := f.mustCLI(t, 0, "token", "list").stdout; !strings.Contains(text, "revoked") {
			t.Errorf("a revoked token is not listed as revoked:\n%s", text)
		}
	})
}
