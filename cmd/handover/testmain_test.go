package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The handover binary, built from this package once per test process on
// first use, for the tests that must run the command as a separate process:
// killed at random moments, started twice at the same moment, or cut off
// from its database. Any test in the package may use jobBinary.
var (
	jobBinDir  string
	jobBinOnce sync.Once
	jobBinPath string
	jobBinErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "handover-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	jobBinDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// jobBinary returns the path of the handover binary, building it on first
// use.
func jobBinary(tb testing.TB) string {
	tb.Helper()
	jobBinOnce.Do(func() {
		path := filepath.Join(jobBinDir, "handover")
		out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
		if err != nil {
			jobBinErr = fmt.Errorf("go build ./cmd/handover: %v\n%s", err, out)
			return
		}
		jobBinPath = path
	})
	if jobBinErr != nil {
		tb.Fatal(jobBinErr)
	}
	return jobBinPath
}
