package main

// The CLI end to end: operators, an unreachable database, a single pair,
// golden previews, the built binary, flags and help.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/audit"
)

// TestOperatorChecks: only an active admin or tenant admin may act (exit 3
// otherwise, nothing changed); a missing or malformed --as is a usage error.
func TestOperatorChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 100, 2)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1]))
		for _, c := range []struct {
			name, as string
			exit     int
		}{
			{"supervisor", itoa(f.info.Supervisors[0]), 3},
			{"agent", itoa(a[2]), 3},
			{"inactive_admin", itoa(f.info.InactiveAdmin), 3},
			{"not_a_user", "99999999", 3},
			{"other_tenants_agent", itoa(f.info.OtherTenantUsers[0]), 3},
			{"not_a_number", "abc", 2},
			{"missing", "", 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				as := []string{"--as", c.as}
				if c.as == "" && os.Getenv("HANDOVER_AS") == "" {
					as = nil // really missing, not empty
				}
				with := func(args ...string) []string { return append(append(args, "--db", f.dsn), as...) }
				before := f.dump(t)
				for _, args := range [][]string{
					with("preview", file),
					with("run", file, "--yes"),
					with("run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes"),
					with("export", "-o", f.path(c.name+".csv")),
				} {
					if r := cli(t, nil, args...); r.code != c.exit {
						t.Errorf("want exit %d, got:\n%s", c.exit, r)
					}
				}
				if d := cmp.Diff(before, f.dump(t)); d != "" {
					t.Errorf("a refused operator changed the database (-before +after):\n%s", d)
				}
				if _, err := os.Stat(f.path(c.name + ".csv")); !os.IsNotExist(err) {
					t.Errorf("a refused operator got an export (%v)", err)
				}
			})
		}
	})
}

// TestUnreachableDatabase: a database that cannot be reached is exit 3, for
// PostgreSQL and for a missing SQLite file alike, without hanging.
func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	file := writeFile(t, filepath.Join(t.TempDir(), "pairs.csv"), pairs(10, 11))
	for _, dsn := range []string{
		"postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		filepath.Join(t.TempDir(), "missing", "handover.db"),
	} {
		for _, args := range [][]string{
			{"preview", file}, {"run", file, "--yes"}, {"run", "--from", "10", "--to", "11", "--yes"},
			{"export", "-o", filepath.Join(t.TempDir(), "p.csv")}, {"jobs"},
		} {
			r := cli(t, nil, append(args, "--db", dsn, "--as", "1")...)
			if r.code != 3 || !strings.Contains(r.stderr, "handover: ") {
				t.Errorf("want exit 3 and a message, got:\n%s", r)
			}
		}
	}
}

// TestRunSinglePair covers run --from/--to, --deactivate-source, --format
// json and the refusal to run unconfirmed without a terminal.
func TestRunSinglePair(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 100, 2)
		a := f.info.ActiveAgents
		before := f.owners(t)

		r := f.mustCLI(t, 0, "run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes")
		if !strings.Contains(r.stdout, audit.Success) {
			t.Errorf("run summary lacks %q:\n%s", audit.Success, r)
		}
		if d := cmp.Diff(before.apply([]handover.Pair{{From: a[0], To: a[1]}}), f.owners(t)); d != "" {
			t.Errorf("ownership after one pair (-want +got):\n%s", d)
		}
		if _, active := f.user(t, a[0]); !active {
			t.Errorf("source %d deactivated without --deactivate-source", a[0])
		}

		r = f.mustCLI(t, 0, "run", "--from", itoa(a[2]), "--to", itoa(a[3]), "--yes", "--deactivate-source", "--format", "json")
		checkKeys(t, "run --format json", []byte(r.stdout), "job", "pairs", "done", "failed", "audit")
		var res resultDoc
		mustDecode(t, r.stdout, &res)
		if d := cmp.Diff(resultDoc{Job: 2, Pairs: 1, Done: 1}, res); d != "" {
			t.Errorf("run --format json (-want +got):\n%s", d)
		}
		if _, active := f.user(t, a[2]); active {
			t.Errorf("source %d is still active after --deactivate-source", a[2])
		}
		if _, active := f.user(t, a[3]); !active {
			t.Errorf("target %d was deactivated", a[3])
		}
		moved := f.owners(t)
		for k, m := range moved {
			if len(m[a[2]]) > 0 {
				t.Errorf("source %d still owns rows of %s", a[2], k)
			}
		}

		// Refusals: nothing changes.
		file := writeFile(t, f.path("pairs.csv"), pairs(a[4], a[5]))
		dump := f.dump(t)
		for _, c := range []struct {
			args []string
			exit int
			says string
		}{
			{[]string{"run", "--from", itoa(a[4]), "--to", itoa(a[5])}, 2, "--yes"}, // no terminal to confirm on
			{[]string{"run", file}, 2, "--yes"},
			{[]string{"run", "--from", itoa(a[4])}, 2, "--from and --to"},
			{[]string{"run", file, "--from", itoa(a[4]), "--to", itoa(a[5]), "--yes"}, 2, "either a FILE"},
			{[]string{"run", "--from", itoa(a[4]), "--to", itoa(a[4]), "--yes"}, 2, "self_transfer"},
			{[]string{"run", "--from", itoa(a[4]), "--to", itoa(a[5]), "--yes", "--format", "xml"}, 2, "--format"},
		} {
			r := f.cli(t, strings.NewReader("yes\n"), c.args...)
			if r.code != c.exit || !strings.Contains(r.stdout+r.stderr, c.says) {
				t.Errorf("want exit %d mentioning %q, got:\n%s", c.exit, c.says, r)
			}
		}
		if d := cmp.Diff(dump, f.dump(t)); d != "" {
			t.Errorf("a refused run changed the database (-before +after):\n%s", d)
		}

		// An invalid single pair with --skip-invalid fails into an audit file.
		auditPath := f.path("single.csv")
		r = f.mustCLI(t, 1, "run", "--from", itoa(a[4]), "--to", "99999999", "--yes", "--skip-invalid", "--audit", auditPath)
		as := readSheet(t, auditPath)
		if len(as.rows) != 1 || !strings.HasPrefix(as.rows[0][as.col(t, "Error")], "unknown_user: ") {
			t.Errorf("audit of a failed single pair: %q %q", as.header, as.rows)
		}
		if m := fileMode(t, auditPath); m != 0o600 {
			t.Errorf("audit file mode %v, want 0600", m)
		}
	})
}

// TestPreviewGolden pins the text and JSON previews of one edited export on
// the deterministic demo tenant. Both backends must print the same bytes.
// Regenerate with `go test ./cmd/handover -run TestPreviewGolden -update`.
func TestPreviewGolden(t *testing.T) {
	t.Parallel()
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend, 60, 7)
			in, a := f.info, f.info.ActiveAgents
			if len(in.InactiveAgents) < 2 {
				t.Fatalf("seed 7 has %d inactive agents, want 2", len(in.InactiveAgents))
			}
			people := f.path("people.csv")
			f.mustCLI(t, 0, "export", "-o", people)
			s := readSheet(t, people)
			for from, to := range map[int64]string{
				a[0]: itoa(a[1]), a[2]: itoa(a[3]), a[6]: itoa(a[7]), // a[6] is "=Eve Formula"
				in.InactiveAgents[0]: itoa(a[8]),                      // an inactive leaver: ok
				a[9]:                 itoa(in.InactiveAgents[1]),      // inactive_target
				a[10]:                itoa(a[10]),                     // self_transfer
				a[11]:                "1.23457E+17",                   // bad_id
				a[12]:                "99999999",                      // unknown_user
				a[13]:                itoa(a[15]), a[14]: itoa(a[15]), // fan_in
			} {
				s.setTo(t, from, to)
			}
			s.write(t, people)
			for _, g := range []struct{ golden, format string }{
				{"preview_text.golden", "text"}, {"preview_json.golden", "json"},
			} {
				r := f.mustCLI(t, 2, "preview", people, "--format", g.format)
				if strings.Contains(r.stdout, f.dir) || strings.Contains(r.stdout, time.Now().Format("2006-01-02")) {
					t.Errorf("%s preview shows a path or today's date:\n%s", g.format, r.stdout)
				}
				checkGolden(t, g.golden, r.stdout, backend)
			}
		})
	}
}

// checkGolden compares got with testdata/golden; -update rewrites the file
// from the SQLite run (both backends must print the same bytes).
func checkGolden(t *testing.T, golden, got, backend string) {
	t.Helper()
	path := filepath.Join("testdata", golden)
	if *update && backend == "sqlite" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, d)
	}
}

// TestBuiltBinary builds the command and runs the demo as a newcomer would,
// checking what main adds to Run: exit codes and messages on stderr.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "handover")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, "HANDOVER_DB=") || strings.HasPrefix(kv, "HANDOVER_AS=")
		})
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if code != want {
			t.Errorf("handover %s: exit %d (%v), want %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), code, err, want, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}

	out, _ := run(0, "demo", "--users", "100", "--seed", "2")
	for _, step := range []string{"1. Built", "2. Exported", "3. Typed", "4. Preview", "5. Running", "6. The errors-only audit file"} {
		if !strings.Contains(out, step) {
			t.Errorf("demo output lacks step %q", step)
		}
	}
	if !strings.Contains(out, audit.NotRun) || strings.Contains(out, audit.Failure) {
		t.Errorf("demo output: want %q for the rows validation refused, and not %q:\n%s", audit.NotRun, audit.Failure, out)
	}
	audits, _ := filepath.Glob(filepath.Join(dir, "handover-demo", "handover-*-job-*-errors.csv"))
	if len(audits) != 1 {
		t.Fatalf("demo audit files: %v, want one", audits)
	}
	for _, p := range append(audits, filepath.Join(dir, "handover-demo", "people.csv")) {
		if m := fileMode(t, p); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, m)
		}
	}
	db := filepath.Join("handover-demo", "handover.db")
	if out, _ := run(0, "preview", "-h"); !strings.Contains(out, "usage: handover preview") {
		t.Errorf("preview -h: no usage on stdout:\n%s", out)
	}
	if _, errOut := run(2, "jobs", "--db", db); !strings.HasPrefix(errOut, "handover: ") || !strings.Contains(errOut, "--as") {
		t.Errorf("jobs without --as: stderr %q, want a message naming --as", errOut)
	}
	run(3, "jobs", "--db", db, "--as", itoa(seedInfo(t, 100, 2).ActiveAgents[0]))
	run(0, "jobs", "--db", db, "--as", "1")
	run(2)
}

// TestFlagsAndHelp: flags may follow the file argument, and -h on any
// subcommand prints its usage and exits 0.
func TestFlagsAndHelp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 7)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1]))
		after := mustCLI(t, 0, nil, "preview", file, "--format", "json", "--db", f.dsn, "--as", itoa(f.info.TenantAdmin))
		before := mustCLI(t, 0, nil, "preview", "--format", "json", "--db", f.dsn, "--as", itoa(f.info.TenantAdmin), file)
		if doc := decodePreview(t, after.stdout); doc.Pairs != 1 || doc.OK != 1 {
			t.Errorf("preview FILE --format json: %+v", doc)
		}
		if after.stdout != before.stdout {
			t.Errorf("flags after the file give other output than flags before it")
		}
	})
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		for _, name := range commandNames() {
			for _, h := range []string{"-h", "--help"} {
				r := cli(t, nil, name, h)
				if r.code != 0 || !strings.Contains(r.stdout, "usage: handover "+name) {
					t.Errorf("want exit 0 and usage, got:\n%s", r)
				}
			}
		}
		if r := cli(t, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "commands:") {
			t.Errorf("help: %s", r)
		}
		if r := cli(t, nil, "preview", "--no-such-flag"); r.code != 2 {
			t.Errorf("unknown flag: %s", r)
		}
	})
}
