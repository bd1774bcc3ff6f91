package main

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goFlagSpelling matches a usage line that spells a long flag the flag
// package's way, "-name", rather than as it is typed, "--name".
var goFlagSpelling = regexp.MustCompile(`(?m)^\s+-[a-z][a-z-]+\b`)

// TestHelp asks every command for help with -h and --help, and through
// `handover help COMMAND`: its usage on stdout, flags spelled --flag,
// nothing on stderr, exit 0. `handover help` lists every command.
func TestHelp(t *testing.T) {
	t.Parallel()
	names := commandNames()
	for _, name := range names {
		want := cli(t, nil, "help", name)
		if want.code != 0 || want.stderr != "" || !strings.HasPrefix(want.stdout, "usage: handover "+name) {
			t.Errorf("want exit 0 and the usage of %s on stdout only, got:\n%s", name, want)
		}
		if goFlagSpelling.MatchString(want.stdout) || !strings.Contains(want.stdout, "  --db DSN") {
			t.Errorf("help %s: want flags spelled --flag, the common ones included:\n%s", name, want.stdout)
		}
		for _, h := range []string{"-h", "--help"} {
			r := cli(t, nil, name, h)
			if r.code != 0 || r.stderr != "" || r.stdout != want.stdout {
				t.Errorf("%s %s: want exit 0 and the usage of `handover help %s` on stdout only, got:\n%s", name, h, name, r)
			}
		}
	}
	r := cli(t, nil, "help")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("help: %s", r)
	}
	for _, name := range names {
		if !regexp.MustCompile(`(?m)^  ` + name + ` `).MatchString(r.stdout) {
			t.Errorf("help does not list %s:\n%s", name, r.stdout)
		}
	}
	if r := cli(t, nil, "help", "nosuch"); r.code != 2 || !strings.Contains(r.stderr, `"nosuch"`) {
		t.Errorf("help of an unknown command: want exit 2 naming it, got:\n%s", r)
	}
}

// commandNames returns the names of the commands, sorted.
func commandNames() []string { return slices.Sorted(maps.Keys(commands)) }

// TestUnknownFlagOnce gives commands a flag they do not have, or a flag
// without its value: one line on stderr naming the flag as it is typed,
// exit 2.
func TestUnknownFlagOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"jobs", "--bogus"}, "unknown flag --bogus"},
		{[]string{"preview", "x.csv", "-bogus"}, "unknown flag --bogus"},
		{[]string{"run", "--from"}, "--from needs a value"},
		{[]string{"prune", "--yes=maybe"}, `--yes "maybe" is not true or false`},
		{[]string{"preview", "x.csv", "--page", "two"}, `--page "two" is not a whole number`},
	} {
		r := cli(t, nil, tc.args...)
		if r.code != 2 || r.stdout != "" || r.stderr != "handover: "+r.err.Error()+"\n" || !strings.Contains(r.stderr, tc.says) {
			t.Errorf("want exit 2 and one line saying %q, got:\n%s", tc.says, r)
		}
		if n := strings.Count(r.stderr, "bogus"); strings.HasPrefix(tc.says, "unknown") && n != 1 {
			t.Errorf("the unknown flag is named %d times:\n%s", n, r)
		}
	}
}
