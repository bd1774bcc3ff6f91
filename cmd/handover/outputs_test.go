package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// outputCommands are the commands that write a file named by a flag, with
// X standing for that file.
func outputCommands(file string) map[string][]string {
	return map[string][]string{
		"export -o":         {"export", "-o", "X"},
		"export --force -o": {"export", "--force", "-o", "X"},
		"preview -o":        {"preview", file, "--format", "json", "-o", "X"},
		"preview --errors":  {"preview", file, "--errors", "X"},
		"run --audit":       {"run", file, "--skip-invalid", "--yes", "--audit", "X"},
		"undo --audit":      {"undo", "1", "--yes", "--audit", "X"},
		"resume --audit":    {"resume", "1", "--audit", "X"},
	}
}

// outputAt returns args with X replaced by path.
func outputAt(args []string, path string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "X" {
			out[i] = path
		}
	}
	return out
}

// TestOutputOntoDatabaseRefused points every output flag at the SQLite
// database (through a symlink and through another spelling of its path), at
// its WAL, shared memory and guard lock files, and at a file the tool did
// not write: each is refused with exit 2 and a message naming the path,
// before anything runs, and the database and the file are unchanged.
func TestOutputOntoDatabaseRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 3)
		a := f.info.ActiveAgents
		f.mustCLI(t, 0, "run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--yes") // job 1, for undo and resume
		file := writeFile(t, f.path("pairs.csv"), pairs(a[2], a[3], a[4], 99999999))
		notes := "my own notes, not a handover file\n"
		targets := map[string]string{"a file handover did not write": writeFile(t, f.path("notes.txt"), notes)}
		if backend == "sqlite" {
			link := f.path("link.db")
			if err := os.Symlink(f.dsn, link); err != nil {
				t.Fatal(err)
			}
			dir, base := filepath.Split(f.dsn)
			targets["the database through a symlink"] = link
			targets["the database as "+dir+"./"+base] = dir + "./" + base
			targets["the database's WAL"] = f.dsn + "-wal"
			targets["the database's shared memory"] = f.dsn + "-shm"
			targets["the tenant's guard lock file"] = fmt.Sprintf("%s.tenant-%d.lock", f.dsn, f.info.Tenant)
		}
		before := f.dump(t)
		for what, path := range targets {
			for name, args := range outputCommands(file) {
				r := f.cli(t, nil, outputAt(args, path)...)
				if r.code != 2 || !strings.Contains(r.stderr, path) {
					t.Errorf("%s onto %s: want exit 2 and a message naming %s, got:\n%s", name, what, path, r)
				}
			}
			if diff := cmp.Diff(before, f.dump(t)); diff != "" {
				t.Fatalf("after writing onto %s was refused, the database changed (-before +after):\n%s", what, diff)
			}
		}
		if body, err := os.ReadFile(f.path("notes.txt")); err != nil || string(body) != notes {
			t.Errorf("notes.txt was replaced: %q, %v", body, err)
		}
	})
}

// TestOutputReplacesOnlyOwnFiles: a file the tool wrote (a preview, an
// audit file) may be replaced by the same kind of output; the file being
// read may not, nor a people CSV by an audit or a preview.
func TestOutputReplacesOnlyOwnFiles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 5)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], 99999999))
		for _, format := range []string{"text", "json", "html"} {
			out := f.path("preview." + format)
			f.mustCLI(t, 2, "preview", file, "--format", format, "-o", out, "--errors", f.path("errors.csv"))
			f.mustCLI(t, 2, "preview", file, "--format", format, "-o", out, "--errors", f.path("errors.csv")) // replaces its own files
		}
		audit := f.path("audit.csv")
		f.mustCLI(t, 1, "run", file, "--skip-invalid", "--yes", "--audit", audit)
		f.mustCLI(t, 1, "run", file, "--skip-invalid", "--yes", "--audit", audit) // replaces its own audit file
		people := f.path("people.csv")
		f.mustCLI(t, 0, "export", "-o", people)
		body, _ := os.ReadFile(people)
		auditBody, _ := os.ReadFile(audit)
		for name, args := range map[string][]string{
			"an audit over the file it re-runs": {"run", audit, "--skip-invalid", "--yes", "--audit", audit},
			"an errors file over the previewed": {"preview", audit, "--errors", audit},
			"a preview over the previewed file": {"preview", audit, "-o", audit},
			"an audit over a people CSV":        {"run", file, "--skip-invalid", "--yes", "--audit", people},
			"a preview over a people CSV":       {"preview", file, "-o", people},
			"one file for -o and --errors":      {"preview", file, "-o", f.path("both.csv"), "--errors", f.path("both.csv")},
		} {
			if r := f.cli(t, nil, args...); r.code != 2 {
				t.Errorf("%s: want exit 2, got:\n%s", name, r)
			}
		}
		if now, _ := os.ReadFile(people); string(now) != string(body) {
			t.Errorf("people.csv was replaced")
		}
		if now, _ := os.ReadFile(audit); string(now) != string(auditBody) {
			t.Errorf("audit.csv was replaced by a refused command")
		}
	})
}

// TestExportRefusesToReplace: export does not replace an existing file — a
// people CSV with typed successors is an afternoon's work — unless --force.
func TestExportRefusesToReplace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 3)
		a := f.info.ActiveAgents
		people := f.path("people.csv")
		f.mustCLI(t, 0, "export", "-o", people)
		s := readSheet(t, people)
		s.setTo(t, a[0], itoa(a[1]))
		s.write(t, people)
		edited, _ := os.ReadFile(people)
		r := f.mustCLI(t, 2, "export", "-o", people)
		if !strings.Contains(r.stderr, people) || !strings.Contains(r.stderr, "--force") {
			t.Errorf("refusal must name the file and --force:\n%s", r)
		}
		if now, _ := os.ReadFile(people); string(now) != string(edited) {
			t.Fatalf("export replaced the edited people CSV without --force")
		}
		f.mustCLI(t, 0, "export", "-o", people, "--force")
		if _, row := readSheet(t, people).row(t, a[0]); row[1] != "" {
			t.Errorf("export --force did not replace the file: To User ID of %d is %q", a[0], row[1])
		}
		f.mustCLI(t, 0, "export", "-o", "-") // stdout is never "existing"
	})
}
