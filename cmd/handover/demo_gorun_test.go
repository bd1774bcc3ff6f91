package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDemoUnderGoRun starts the demo as the README does, with
// `go run ./cmd/handover demo` from the module's root, and pastes what it
// prints there: the commands start with `go run ./cmd/handover`, and
// neither they nor the demo leave files in the source tree.
func TestDemoUnderGoRun(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs the command with go run")
	}
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	before := dirNames(t, root)
	dir := filepath.Join(t.TempDir(), "go run demo")
	cmd := exec.Command("go", "run", "./cmd/handover", "demo", "--users", "60", "--dir", dir)
	cmd.Dir, cmd.Env = root, pasteEnv("")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run ./cmd/handover demo: %v\n--- stdout\n%s--- stderr\n%s", err, stdout.String(), stderr.String())
	}
	const prog = "go run ./cmd/handover"
	for _, line := range demoCommands(t, stdout.String(), prog) {
		paste(t, root, pasteEnv(""), line, prog)
	}
	if after := dirNames(t, root); !slices.Equal(before, after) {
		t.Errorf("the demo's commands left files in %s: before %q, after %q", root, before, after)
	}
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestLauncher: the demo prints `go run …` only when a binary that go run
// built is running (in a go-build work folder or the build cache), with the
// package's path from the working folder; anything else is `handover`.
func TestLauncher(t *testing.T) {
	mod := t.TempDir()
	writeFile(t, filepath.Join(mod, "go.mod"), "// the handover module\nmodule handover\n\ngo 1.26\n")
	for _, sub := range []string{filepath.Join("cmd", "handover"), "docs", "my files"} {
		if err := os.MkdirAll(filepath.Join(mod, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "go.mod"), "module example.com/other\n")
	built := "/tmp/go-build3842148642/b001/exe/handover"
	cached := "/root/.cache/go-build/76/763229e5d0aab2a81a8b4f98575573e7ef6819a0ab438a12760ee44bb4b93e88-d/handover"
	for _, tc := range []struct {
		name, arg0, dir, want string
	}{
		{"go run from the module root", built, mod, "go run ./cmd/handover"},
		{"go run, binary from the build cache", cached, mod, "go run ./cmd/handover"},
		{"go run from the package folder", built, filepath.Join(mod, "cmd", "handover"), "go run ."},
		{"go run from another folder of the module", built, filepath.Join(mod, "docs"), "go run ../cmd/handover"},
		{"go run from a folder with a space", built, filepath.Join(mod, "my files"), "go run ../cmd/handover"},
		{"go run outside the module", built, other, "go run ./cmd/handover"},
		{"installed", "/usr/local/bin/handover", mod, "handover"},
		{"by name on PATH", "handover", mod, "handover"},
		{"built with go build into a folder named exe", "/home/ana/exe/handover", mod, "handover"},
		{"a test binary in a go-build folder", "/tmp/go-build1/b001/handover.test", mod, "handover"},
		{"another program go run built", "/tmp/go-build1/b001/exe/other", mod, "handover"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := launcher(tc.arg0, tc.dir); got != tc.want {
				t.Errorf("launcher(%q, %q) = %q, want %q", tc.arg0, tc.dir, got, tc.want)
			}
		})
	}
}
