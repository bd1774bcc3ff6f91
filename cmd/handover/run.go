package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mattn/go-isatty"

	"handover"
)

// errHelp is returned when help was asked for: exit 0, nothing more to say.
var errHelp = errors.New("help requested")

// command is one subcommand: its flags, and what it does with them.
type command interface {
	// flags registers the command's flags on fs.
	flags(fs *flag.FlagSet)
	// run executes the command with its positional arguments.
	run(ctx context.Context, e *env, args []string) error
}

// commands lists every subcommand with its one-line usage.
var commands = map[string]struct {
	usage string
	make  func() command
}{
	"init":    {"init                      create or upgrade the schema", func() command { return &initCmd{} }},
	"demo":    {"demo [--users N] [--seed S] [--data-only]   build a sample tenant and walk the whole flow", func() command { return &demoCmd{} }},
	"export":  {"export [-o FILE]          write the people CSV of everyone in your view", func() command { return &exportCmd{} }},
	"preview": {"preview FILE [--format text|json|html] [-o FILE] [--page N] [--per-page N] [--errors FILE] [--deactivate-source]", func() command { return &previewCmd{} }},
	"run":     {"run FILE | --from ID --to ID [--yes] [--audit FILE] [--skip-invalid] [--deactivate-source]", func() command { return &runCmd{} }},
	"jobs":    {"jobs [--format text|json] [--limit N]   list recent jobs, newest first", func() command { return &jobsCmd{} }},
	"show":    {"show JOB [--format text|json]   one job's pairs with per-type counts", func() command { return &showCmd{} }},
	"resume":  {"resume JOB                finish an interrupted job", func() command { return &resumeCmd{} }},
	"undo":    {"undo JOB [--yes]          restore what a job changed", func() command { return &undoCmd{} }},
	"verify":  {"verify JOB                re-check a job's end state against the ledger", func() command { return &verifyCmd{} }},
	"prune":   {"prune [--older-than DAYS] [--dry-run] [--yes]   tenant admins: remove undo journals past the retention period", func() command { return &pruneCmd{} }},
}

// midway says what is left when a signal stops a command that may have
// changed something outside a job; any other command stopped outside a job
// has changed nothing (see stopped).
var midway = map[string]string{
	"demo":  "the demo database may be incomplete: run `handover demo` again to build it afresh",
	"prune": "the undo journals of some of the jobs may be removed already: run `handover prune` again to finish",
}

// Run runs the handover command line with args (without the program name).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return handover.Errorf(handover.ErrUsage, "no command given")
		}
		return errHelp
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return handover.Errorf(handover.ErrUsage, "unknown command %q; see the list above", args[0])
	}
	cmd := c.make()
	out := &countingWriter{w: stdout}
	e := &env{ctx: ctx, stdin: stdin, stdout: out, stderr: stderr}
	fs := flag.NewFlagSet("handover "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: handover %s\n\nflags:\n", c.usage)
		fs.PrintDefaults()
	}
	e.flags(fs)
	cmd.flags(fs)
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	abandoned, err := runStoppable(ctx, func() error { return cmd.run(ctx, e, pos) })
	if !abandoned { // else the command still uses the database
		defer e.close()
	}
	err = e.stopped(ctx, err, midway[args[0]])
	if f := fs.Lookup("format"); err != nil && err != errHelp && f != nil && f.Value.String() == "json" && out.n.Load() == 0 {
		_ = errorJSON(stdout, err) // unless the command printed its own document
	}
	return e.logged(err)
}

// loggedError is an error already written to the JSON log: main does not
// print it again, so that stderr holds only JSON lines.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// logged writes err to the log as the last JSON line (event "error", with
// its code) when logs are JSON; with text logs main prints it.
func (e *env) logged(err error) error {
	if err == nil || err == errHelp || e.logFormat != "json" {
		return err
	}
	log, lerr := e.logger()
	if lerr != nil {
		return err
	}
	log.Error().Str("event", "error").Str("code", string(handover.ErrorCode(err))).Int("exit", handover.ExitCode(err)).
		Msg(handover.ErrorMessage(err))
	return loggedError{err}
}

// parseInterleaved parses flags that may come before or after positional
// arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, handover.Errorf(handover.ErrUsage, "%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		if rest[0] == "--" {
			return append(pos[:len(pos)-1], rest[1:]...), nil
		}
		args = rest[1:]
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "handover hands one user's data over to another: the leaver's (From User ID) data goes to the successor (To User ID).")
	fmt.Fprintln(w, "\nusage: handover COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(w, "  "+commands[n].usage)
	}
	fmt.Fprintln(w, "\ncommon flags: --db DSN (env HANDOVER_DB, default handover.db), --as USER_ID (env HANDOVER_AS), --log-format text|json")
	fmt.Fprintln(w, "exit codes: 0 success, 1 some pairs failed (audit written), 2 input rejected, 3 cannot proceed")
}

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, n int, what string) error {
	if len(args) != n {
		return handover.Errorf(handover.ErrUsage, "expected %s, got %q", what, strings.Join(args, " "))
	}
	return nil
}

// isTerminal reports whether v is an interactive terminal: a file the
// terminal driver answers for, not merely a character device (/dev/null is
// one, and nobody answers a prompt there).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
