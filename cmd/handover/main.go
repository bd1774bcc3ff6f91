// Command handover hands one user's data over to another inside the
// contact-centre application database: one pair with --from/--to, or in bulk
// from an edited people spreadsheet. Run `handover help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
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
	var logged loggedError
	if err != nil && err != errHelp && !errors.As(err, &logged) {
		fmt.Fprintln(os.Stderr, "handover: "+handover.ErrorMessage(err))
	}
	if err == errHelp {
		err = nil
	}
	os.Exit(handover.ExitCode(err))
}
