package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
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

// commands lists every subcommand: its synopsis (arguments and flags), what
// it does, and the command itself.
var commands = map[string]struct {
	synopsis, summary string
	make              func() command
}{
	"init":    {"init", "create or upgrade the schema; safe to repeat", func() command { return &initCmd{} }},
	"demo":    {"demo [--users N] [--seed S] [--data-only] [--dir DIR]", "build a sample tenant and walk the whole flow", func() command { return &demoCmd{} }},
	"export":  {"export [-o FILE] [--force]", "write the people CSV of everyone in your view", func() command { return &exportCmd{} }},
	"preview": {"preview FILE [--format text|json|html] [-o FILE] [--page N] [--per-page N] [--errors FILE] [--deactivate-source]", "validate a file and show what run would do; nothing changes", func() command { return &previewCmd{} }},
	"run":     {"run FILE | --from ID --to ID [--yes] [--audit FILE] [--skip-invalid] [--deactivate-source] [--format text|json]", "hand the data over: every pair of a file, or one pair", func() command { return &runCmd{} }},
	"jobs":    {"jobs [--format text|json] [--limit N]", "list recent jobs, newest first", func() command { return &jobsCmd{} }},
	"show":    {"show JOB [--format text|json]", "one job's pairs with per-type counts", func() command { return &showCmd{} }},
	"resume":  {"resume JOB [--audit FILE] [--format text|json]", "finish an interrupted job", func() command { return &resumeCmd{} }},
	"undo":    {"undo JOB [--yes] [--audit FILE] [--format text|json]", "restore what a job changed", func() command { return &undoCmd{} }},
	"verify":  {"verify JOB [--format text|json]", "re-check a job's end state against the ledger", func() command { return &verifyCmd{} }},
	"prune":   {"prune [--older-than DAYS] [--dry-run] [--yes]", "tenant admins: remove undo journals past the retention period", func() command { return &pruneCmd{} }},
	"version": {"version", "print the version", func() command { return &versionCmd{} }},

	"serve":       {"serve [--listen ADDR] [--base-url URL]", "serve the web console (default 127.0.0.1:8080)", func() command { return &serveCmd{} }},
	"signin-link": {"signin-link --as USER_ID [--base-url URL]", "print a one-time sign-in link for the web console", func() command { return &signinLinkCmd{} }},
	"token":       {"token create --name NAME [--expires DAYS] | list [--format text|json] | revoke NAME", "the HTTP API's bearer tokens: create (printed once), list, revoke", func() command { return &tokenCmd{} }},
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
	args, err := commonFlagsFirst(args)
	switch {
	case err != nil:
		return err
	case len(args) == 0:
		usage(stderr)
		return handover.Errorf(handover.ErrUsage, "no command given; see the list above")
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help":
		return help(stdout, args[1:])
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return handover.Errorf(handover.ErrUsage, "unknown command %q; see the list above", args[0])
	}
	cmd := c.make()
	out := &countingWriter{w: stdout}
	e := &env{ctx: ctx, stdin: stdin, stdout: out, stderr: stderr}
	fs, common := flagSet(args[0], e, cmd)
	pos, err := parseInterleaved(fs, args[1:])
	if err == errHelp {
		commandUsage(stdout, args[0], fs, common)
		return errHelp
	}
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

// flagSet returns the flags of the command called name, bound to e (the
// common flags) and cmd, and the names of the common ones. The flag package
// prints nothing: parse errors and help are the caller's to show.
func flagSet(name string, e *env, cmd command) (*flag.FlagSet, map[string]bool) {
	fs := flag.NewFlagSet("handover "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	e.flags(fs)
	common := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { common[f.Name] = true })
	cmd.flags(fs)
	return fs, common
}

// commonFlagsFirst lets the common flags come before the command
// (`handover --db X --as 1 jobs`): it moves them after the command name,
// where every command parses them. Any other flag before the command is a
// usage error.
func commonFlagsFirst(args []string) ([]string, error) {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") || isHelpFlag(args[0]) {
		return args, nil
	}
	fs, _ := flagSet("", &env{}, noFlags{})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return []string{"help"}, nil
		}
		if f, ok := undefinedFlag(err); ok {
			return nil, handover.Errorf(handover.ErrUsage, "%s is not a common flag, so it goes after the command (`handover COMMAND %s ...`); only %s may come before the command",
				spell(f), spell(f), commonFlagList(fs))
		}
		return nil, flagError("", fs, err)
	}
	rest := fs.Args()
	before := args[:len(args)-len(rest)]
	if len(before) > 0 && before[len(before)-1] == "--" {
		before = before[:len(before)-1]
	}
	if len(rest) == 0 {
		return nil, nil
	}
	return append(append([]string{rest[0]}, before...), rest[1:]...), nil
}

// noFlags is a command without flags of its own.
type noFlags struct{}

func (noFlags) flags(*flag.FlagSet)                       {}
func (noFlags) run(context.Context, *env, []string) error { return nil }
func isHelpFlag(arg string) bool                          { return arg == "-h" || arg == "--help" || arg == "-help" }

// commonFlagList lists the flags of fs as they are spelled: "--as, --db".
func commonFlagList(fs *flag.FlagSet) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, spell(f.Name)) })
	return strings.Join(names, ", ")
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
			return nil, flagError(strings.TrimPrefix(fs.Name(), "handover "), fs, err)
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

// help prints the list of commands, or with a command name that command's
// usage, on stdout.
func help(stdout io.Writer, args []string) error {
	if len(args) == 0 {
		usage(stdout)
		return errHelp
	}
	c, ok := commands[args[0]]
	if !ok || len(args) > 1 {
		return handover.Errorf(handover.ErrUsage, "no command %q: `handover help` lists the commands", strings.Join(args, " "))
	}
	fs, common := flagSet(args[0], &env{}, c.make())
	commandUsage(stdout, args[0], fs, common)
	return errHelp
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "handover hands one user's data over to another: the leaver's (From User ID) data goes to the successor (To User ID).")
	fmt.Fprintln(w, "\nusage: handover [common flags] COMMAND [arguments and flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s  %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n`handover help COMMAND` (or `handover COMMAND --help`) shows a command's arguments and flags.")
	fmt.Fprintln(w, "common flags: --db DSN (env HANDOVER_DB, default handover.db), --as USER_ID (env HANDOVER_AS), --log-format text|json")
	fmt.Fprintln(w, "exit codes: 0 success, 1 some pairs failed (audit written), 2 input rejected, 3 cannot proceed")
}

// commandUsage prints one command's usage: its synopsis, what it does, its
// own flags and then the common ones, each spelled as it is typed.
func commandUsage(w io.Writer, name string, fs *flag.FlagSet, common map[string]bool) {
	c := commands[name]
	fmt.Fprintf(w, "usage: handover %s\n\n%s.\n", c.synopsis, strings.ToUpper(c.summary[:1])+c.summary[1:])
	for _, group := range []struct {
		title  string
		common bool
	}{{"flags", false}, {"common flags", true}} {
		head := false
		fs.VisitAll(func(f *flag.Flag) {
			if common[f.Name] != group.common {
				return
			}
			if !head {
				fmt.Fprintf(w, "\n%s:\n", group.title)
				head = true
			}
			fmt.Fprintf(w, "  %s\n      %s%s\n", flagSynopsis(f), f.Usage, flagDefault(f))
		})
	}
	fmt.Fprintln(w, "\nexit codes: 0 success, 1 some pairs failed (audit written), 2 input rejected, 3 cannot proceed")
}

// valueNames names the values of flags whose type says too little.
var valueNames = map[string]string{
	"db": "DSN", "as": "USER_ID", "o": "FILE", "audit": "FILE", "errors": "FILE", "from": "ID", "to": "ID",
	"format": "FORMAT", "log-format": "FORMAT", "encoding": "NAME", "dir": "DIR", "older-than": "DAYS",
}

// flagSynopsis renders a flag as it is typed: "--audit FILE", "--yes", "-o FILE".
func flagSynopsis(f *flag.Flag) string {
	if isBool(f) {
		return spell(f.Name)
	}
	v, ok := valueNames[f.Name]
	if !ok {
		v = "TEXT"
		if _, number := f.Value.(flag.Getter).Get().(string); !number {
			v = "N"
		}
	}
	return spell(f.Name) + " " + v
}

// flagDefault renders a flag's default for its usage line, or "" when it
// has none worth saying.
func flagDefault(f *flag.Flag) string {
	if isBool(f) || f.DefValue == "" || f.DefValue == "0" {
		return ""
	}
	return " (default " + f.DefValue + ")"
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// spell spells a flag as it is typed: "-o" for a one-letter name, as
// the README writes it, "--name" otherwise.
func spell(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// The flag package's parse errors, which spell flags "-name".
var (
	undefinedRE = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	noValueRE   = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	badValueRE  = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-+([^:]+): (.*)$`)
)

// undefinedFlag returns the name of the unknown flag err reports.
func undefinedFlag(err error) (string, bool) {
	m := undefinedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	return m[1], true
}

// flagError turns a parse error of command's flags into one usage error
// that spells flags as they are typed, says what is wrong with a value and
// where the flags are listed.
func flagError(command string, fs *flag.FlagSet, err error) error {
	listed := "`handover " + command + " --help` lists its flags"
	if command == "" {
		listed = "`handover help` lists the commands and common flags"
	}
	msg := err.Error()
	if f, ok := undefinedFlag(err); ok {
		return handover.Errorf(handover.ErrUsage, "unknown flag %s: %s", spell(f), listed)
	}
	if m := noValueRE.FindStringSubmatch(msg); m != nil {
		return handover.Errorf(handover.ErrUsage, "%s needs a value: %s", spell(m[1]), listed)
	}
	if m := badValueRE.FindStringSubmatch(msg); m != nil {
		want := "is not valid: " + m[3]
		if f := fs.Lookup(m[2]); f != nil && isBool(f) {
			want = "is not true or false"
		} else if f != nil {
			if _, text := f.Value.(flag.Getter).Get().(string); !text {
				want = "is not a whole number"
			}
		}
		return handover.Errorf(handover.ErrUsage, "%s %s %s", spell(m[2]), m[1], want)
	}
	return handover.Errorf(handover.ErrUsage, "%s: %s", msg, listed)
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
