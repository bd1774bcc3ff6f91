package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"handover/audit"
	"handover/engine"
)

// Every command the demo prints must work when pasted into a shell in the
// folder the demo ran in.

// demoStepCommand matches a command quoted in a step header, such as
// "5. Running the valid pairs (`handover run …`):".
var demoStepCommand = regexp.MustCompile("`([^`]+)`")

// demoCommands returns, in the order printed, the commands the demo's output
// tells the reader to paste: those quoted in the numbered step headers and
// the lines under "Try next". Each must start with prog, the way the demo
// was started.
func demoCommands(t *testing.T, out, prog string) []string {
	t.Helper()
	var cmds []string
	tryNext := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "Try next"):
			tryNext = true
		case tryNext && strings.HasPrefix(line, "  "):
			cmds = append(cmds, strings.TrimSpace(line))
		case regexp.MustCompile(`^\d+\. `).MatchString(line):
			tryNext = false
			for _, m := range demoStepCommand.FindAllStringSubmatch(line, -1) {
				cmds = append(cmds, m[1])
			}
		default:
			tryNext = false
		}
	}
	for _, c := range cmds {
		if !strings.HasPrefix(c, prog+" ") {
			t.Errorf("the demo prints %q, which does not start %q: pasted, it would not run the handover just started", c, prog)
		}
	}
	if len(cmds) < 6 {
		t.Errorf("the demo prints %d commands to paste, want the preview, the run and four Try next lines:\n%s", len(cmds), out)
	}
	return cmds
}

// pastedExit is the exit code a command the demo prints must end with:
// the demo's file has rows with errors on purpose, so a preview of it
// exits 2 and a run with --skip-invalid exits 1 (those rows are not run).
func pastedExit(t *testing.T, cmd, prog string) int {
	t.Helper()
	sub := strings.Fields(strings.TrimPrefix(cmd, prog))[0]
	switch sub {
	case "preview":
		return 2
	case "run":
		return 1
	case "jobs", "show", "verify", "undo":
		return 0
	}
	t.Fatalf("no expected exit code for %q", cmd)
	return -1
}

// paste runs line through /bin/sh in dir, as a reader pasting it would,
// and checks its exit code and that a non-zero code is the one the
// demo's file explains, not a usage or connection error. go run exits 1
// whatever the program's code, and prints "exit status N".
func paste(t *testing.T, dir string, env []string, line, prog string) {
	t.Helper()
	want := pastedExit(t, line, prog)
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	why := map[int]string{0: "", 1: audit.NotRun, 2: "rows have errors"}[want]
	wantCode := want
	if strings.HasPrefix(prog, "go run ") && want != 0 {
		wantCode = 1
		if !strings.Contains(stderr.String(), "exit status "+strconv.Itoa(want)) {
			code = -1 // go run did not report the program's own code
		}
	}
	if code != wantCode || !strings.Contains(stdout.String()+stderr.String(), why) {
		t.Errorf("pasted %s\nin %s: exit %d (%v), want %d with %q\n--- stdout\n%s--- stderr\n%s",
			line, dir, code, err, want, why, stdout.String(), stderr.String())
	}
}

// pasteEnv is the environment of a reader's shell: no HANDOVER_ settings,
// and bin (if any) first on PATH, where an installed handover would be.
func pasteEnv(bin string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "HANDOVER_") })
	if bin != "" {
		env = append(env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	return env
}

// TestDemoPrintedCommandsRun runs the demo through the built binary, then
// pastes every command it printed into a shell in the same folder: a demo
// folder whose name needs quoting, and a PostgreSQL URL with a password,
// "?" and "&".
func TestDemoPrintedCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary")
	}
	bin := jobBinary(t)
	t.Run("sqlite folder with spaces and quotes", func(t *testing.T) {
		t.Parallel()
		cwd := t.TempDir()
		out := runDemoBinary(t, bin, cwd, "--dir", "demo files, Zoë's & more")
		for _, line := range demoCommands(t, out, "handover") {
			paste(t, cwd, pasteEnv(bin), line, "handover")
		}
	})
	t.Run("postgres URL with a password", func(t *testing.T) {
		if os.Getenv(testPGEnv) == "" {
			t.Skip(testPGEnv + " is not set")
		}
		t.Parallel()
		u, err := url.Parse(freshDSN(t, "postgres"))
		if err != nil || u.Scheme == "" {
			t.Skipf("%s is not a postgres:// URL", testPGEnv)
		}
		u.User = url.UserPassword(u.User.Username(), secret)
		q := u.Query()
		q.Set("connect_timeout", "10")
		u.RawQuery = q.Encode() + "&application_name=handover"
		dsn, cwd := u.String(), t.TempDir()
		out := runDemoBinary(t, bin, cwd, "--db", dsn)
		if strings.Contains(out, secret) {
			t.Fatalf("the demo shows the password:\n%s", out)
		}
		if !strings.Contains(out, "The password is masked as ****: type it in, or set HANDOVER_DB and leave --db out.") {
			t.Errorf("the demo does not say how to supply the masked password:\n%s", out)
		}
		masked := "--db " + shellQuote(engine.Redact(dsn))
		for _, line := range demoCommands(t, out, "handover") {
			if !strings.Contains(line, masked) {
				t.Errorf("%s: no %s", line, masked)
			}
			paste(t, cwd, pasteEnv(bin), strings.ReplaceAll(line, "****", secret), "handover") // typed in
			if strings.Contains(line, " jobs ") || strings.Contains(line, " show ") {
				env := append(pasteEnv(bin), "HANDOVER_DB="+dsn) // or set HANDOVER_DB, leaving --db out
				paste(t, cwd, env, strings.Replace(line, masked, "", 1), "handover")
			}
		}
	})
}

// runDemoBinary runs `handover demo --users 60 ARGS` in cwd and returns
// its stdout.
func runDemoBinary(t *testing.T, bin, cwd string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"demo", "--users", "60"}, args...)...)
	cmd.Dir, cmd.Env = cwd, pasteEnv("")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("handover demo: %v\n--- stdout\n%s--- stderr\n%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
