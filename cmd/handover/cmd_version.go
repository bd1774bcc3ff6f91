package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

// version is what `handover version` prints. Releases set it when they
// build: go build -ldflags "-X main.version=1.4.0" ./cmd/handover. Left
// empty, the version Go recorded for the module is printed, else "devel".
var version string

// versionCmd prints the version.
type versionCmd struct{}

func (c *versionCmd) flags(*flag.FlagSet) {}

func (c *versionCmd) run(_ context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	_, err := fmt.Fprintln(e.stdout, currentVersion())
	return err
}

// currentVersion returns version, or what the build recorded.
func currentVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
