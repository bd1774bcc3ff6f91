// Command handover hands one user's data over to another inside the
// contact-centre application database: one pair with --from/--to, or in bulk
// from an edited people spreadsheet. Run `handover help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"handover"
)

func main() {
	// SIGINT or SIGTERM cancels ctx: the command stops and says what is
	// left. A second signal ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode ends the command: it prints err on stderr as its last line,
// unless help was asked for or the error is in the JSON log already, and
// returns the exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == errHelp {
		return handover.ExitOK
	}
	var logged loggedError
	if err != nil && !errors.As(err, &logged) {
		fmt.Fprintln(stderr, "handover: "+handover.ErrorMessage(err))
	}
	return handover.ExitCode(err)
}
