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
	os.Exit(exitCode(Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr))
}

// exitCode ends a command as main does, and as the tests run it: the
// error's message goes to stderr (unless it is already the last line of a
// JSON log, or help was asked for) and the error decides the exit code.
func exitCode(err error, stderr io.Writer) int {
	var logged loggedError
	if err != nil && err != errHelp && !errors.As(err, &logged) {
		fmt.Fprintln(stderr, "handover: "+handover.ErrorMessage(err))
	}
	if err == errHelp {
		err = nil
	}
	return handover.ExitCode(err)
}
