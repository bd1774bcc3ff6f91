package main

import (
	"maps"
	"os/exec"
	"path/filepath"
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

// TestJobsLimit gives jobs a --limit that lists nothing or is no number:
// exit 2 with one line naming --limit; 1 lists the newest job.
func TestJobsLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		f.mustCLI(t, 0, "run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes")
		f.mustCLI(t, 0, "run", "--from", itoa(a[2]), "--to", itoa(a[3]), "--yes")
		for _, limit := range []string{"0", "-1", "x", "1.5", ""} {
			r := f.cli(t, nil, "jobs", "--limit", limit)
			if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--limit") {
				t.Errorf("--limit %q: want exit 2 and one line naming --limit, got:\n%s", limit, r)
			}
		}
		var jobs []jobJSON
		mustDecode(t, f.mustCLI(t, 0, "jobs", "--limit", "1", "--format", "json").stdout, &jobs)
		if len(jobs) != 1 || jobs[0].Job != 2 {
			t.Errorf("--limit 1: %+v, want job 2 alone", jobs)
		}
	})
}

// TestCommonFlagsBeforeCommand puts the common flags before the command:
// they work as they do after it. A command's own flag there is refused.
func TestCommonFlagsBeforeCommand(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		as := itoa(f.info.TenantAdmin)
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1]))
		after := mustCLI(t, 0, nil, "preview", file, "--format", "json", "--db", f.dsn, "--as", as)
		for _, args := range [][]string{
			{"--db", f.dsn, "--as", as, "preview", file, "--format", "json"},
			{"--db=" + f.dsn, "--as=" + as, "--log-format", "json", "preview", "--format", "json", file},
			{"--db", f.dsn, "preview", "--as", as, file, "--format", "json"},
		} {
			if r := mustCLI(t, 0, nil, args...); r.stdout != after.stdout {
				t.Errorf("handover %s: other output than with the flags after the command:\n%s", strings.Join(args, " "), r)
			}
		}
		r := mustCLI(t, 0, nil, "--db", f.dsn, "--as", as, "jobs", "--format", "json")
		var jobs []jobJSON
		mustDecode(t, r.stdout, &jobs)
		r = mustCLI(t, 2, nil, "--limit", "3", "--db", f.dsn, "jobs")
		if !strings.Contains(r.stderr, "--limit is not a common flag") {
			t.Errorf("a command's flag before the command: %s", r)
		}
	})
}

// TestVersion prints the version: what the build recorded (or "devel")
// by default, and what -ldflags "-X main.version=..." sets.
func TestVersion(t *testing.T) {
	t.Parallel()
	r := mustCLI(t, 0, nil, "version")
	if got := strings.TrimSpace(r.stdout); got == "" || strings.Contains(got, "\n") || got != currentVersion() {
		t.Errorf("version printed %q, want one line with %q", r.stdout, currentVersion())
	}
	bin := filepath.Join(t.TempDir(), "handover")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=1.2.3-test", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "1.2.3-test\n" {
		t.Errorf("built with -X main.version=1.2.3-test, version printed %q (%v)", out, err)
	}
}
