package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"handover"
	"handover/audit"
	"handover/engine"
	"handover/transfer"
)

// env is what every command shares: the common flags, standard streams,
// the logger and the open database.
type env struct {
	// ctx is the command's context, for the confirmation prompt, whose
	// callers do not pass one.
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	dsn            string
	as             string
	logFormat      string
	maxPairs       int
	encoding       string
	log            zerolog.Logger
	logErr         error
	logOnce        sync.Once
	// op is the operator once authorised (see service).
	op handover.User
	// trail follows the job the command runs, from its log events.
	trail jobTrail
	db    *engine.DB
	// opened is db once open, for reading while the command may still run.
	opened atomic.Pointer[engine.DB]
}

func (e *env) flags(fs *flag.FlagSet) {
	fs.StringVar(&e.dsn, "db", envOr("HANDOVER_DB", "handover.db"), "database: a postgres:// URL or an SQLite file (env HANDOVER_DB)")
	fs.Lookup("db").DefValue = engine.Redact(fs.Lookup("db").DefValue) // usage text shows it
	fs.StringVar(&e.as, "as", os.Getenv("HANDOVER_AS"), "your user ID: an active admin or tenant admin (env HANDOVER_AS)")
	fs.StringVar(&e.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.IntVar(&e.maxPairs, "max-pairs", handover.DefaultMaxPairs, "most pairs accepted in one file")
	fs.StringVar(&e.encoding, "encoding", "", "read the file in this encoding (utf-8, utf-16, windows-1252, windows-1250, ...) instead of detecting it")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// logger builds the logger once, from --log-format. Whatever the format,
// every job event also reaches e.trail.
func (e *env) logger() (zerolog.Logger, error) {
	e.logOnce.Do(func() {
		switch e.logFormat {
		case "json":
			e.log = zerolog.New(zerolog.MultiLevelWriter(e.stderr, &e.trail)).With().Timestamp().Logger()
		case "text", "":
			console := zerolog.ConsoleWriter{Out: e.stderr, NoColor: !isTerminal(e.stderr), TimeFormat: time.TimeOnly}
			shown := &zerolog.FilteredLevelWriter{Writer: zerolog.LevelWriterAdapter{Writer: console}, Level: zerolog.ErrorLevel}
			e.log = zerolog.New(zerolog.MultiLevelWriter(shown, &e.trail)).With().Timestamp().Logger().Level(zerolog.InfoLevel)
		default:
			e.logErr = handover.Errorf(handover.ErrUsage, "--log-format %q: use text or json", e.logFormat)
		}
	})
	return e.log, e.logErr
}

// open connects to the database, which must already have the schema.
func (e *env) open(ctx context.Context) (*engine.DB, error) {
	if _, err := e.logger(); err != nil {
		return nil, err
	}
	if !engine.IsPostgres(e.dsn) {
		if _, err := os.Stat(e.dsn); err != nil {
			return nil, handover.Errorf(handover.ErrUnavailable, "no database at %s: create one with `handover init --db %s`, or point --db (HANDOVER_DB) at yours", e.dsn, e.dsn)
		}
	}
	db, err := engine.Open(ctx, e.dsn)
	if err != nil {
		return nil, err
	}
	db.Log = e.log
	e.db = db
	e.opened.Store(db)
	// Hidden knobs for tests and tuning: most pairs, and most predicted
	// rows, per transaction.
	if n, err := strconv.Atoi(os.Getenv("HANDOVER_CHUNK_SIZE")); err == nil && n > 0 {
		db.ChunkSize = n
	}
	if n, err := strconv.ParseInt(os.Getenv("HANDOVER_CHUNK_ROWS"), 10, 64); err == nil && n > 0 {
		db.ChunkRows = n
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	} else if v == 0 {
		return nil, handover.Errorf(handover.ErrUnavailable, "the database %s has no handover schema; run `handover init` first", engine.Redact(e.dsn))
	}
	if latest, err := db.LatestSchema(); err != nil {
		return nil, err
	} else if v < latest {
		return nil, handover.Errorf(handover.ErrUnavailable, "the database %s has schema version %d and this handover needs %d: upgrade it with `handover init --db %s`",
			engine.Redact(e.dsn), v, latest, engine.Redact(e.dsn))
	}
	return db, nil
}

func (e *env) close() {
	if e.db != nil {
		e.db.Close()
	}
}

// readUpload reads an upload from a file, or stdin for "-".
func (e *env) readUpload(path string) (*handover.Upload, error) {
	enc, err := handover.ParseEncoding(e.encoding)
	if err != nil {
		return nil, err
	}
	if e.maxPairs < 1 {
		return nil, handover.Errorf(handover.ErrUsage, "--max-pairs %d accepts no pair: give the most pairs one file may hold, at least 1 (the default is %d)", e.maxPairs, handover.DefaultMaxPairs)
	}
	r := e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, handover.Errorf(handover.ErrUsage, "cannot open %s: %v", path, err)
		}
		defer f.Close()
		r = f
	}
	up, err := transfer.Read(r, path, e.maxPairs, enc)
	if handover.ErrorCode(err) == handover.LimitExceeded {
		return nil, handover.Errorf(handover.LimitExceeded, "%s; --max-pairs N raises the limit for this command", handover.ErrorMessage(err))
	}
	return up, err
}

// confirm asks the operator to type "yes" (or "y", in any case) unless
// they passed --yes; it refuses when there is no terminal to ask. The
// question is followed by the database and the tenant that will change. It
// returns the context's error as soon as the command's context ends (a
// signal), answer or not.
func (e *env) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !isTerminal(e.stdin) {
		return handover.Errorf(handover.ErrUsage, "not confirmed: there is no terminal to ask; after checking the preview, pass --yes")
	}
	if e.logFormat == "json" { // JSON logs keep stderr to JSON lines
		e.log.Info().Str("event", "confirm").Msg(question + "\n" + e.changes() + "\nType yes to go on.")
	} else {
		fmt.Fprintf(e.stderr, "%s\n%s\nType yes to go on: ", question, e.changes())
	}
	answer := make(chan string, 1)
	go func() { // left blocked on the terminal if the context ends first
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		answer <- line
	}()
	var line string
	select {
	case line = <-answer:
	case <-e.ctx.Done():
		if e.logFormat != "json" {
			fmt.Fprintln(e.stderr) // end the prompt's line
		}
		return e.ctx.Err()
	}
	if a := strings.ToLower(strings.TrimSpace(line)); a != "yes" && a != "y" {
		return handover.Errorf(handover.ErrUsage, "not confirmed: nothing was changed")
	}
	return nil
}

// changes says what a confirmed command changes: the operator's tenant in
// the database, its password masked.
func (e *env) changes() string {
	return audit.Clean(fmt.Sprintf("This changes tenant %d in the database %s (you are %s).",
		e.op.TenantID, engine.Redact(e.dsn), handover.Label(e.op.Name, &e.op.ID)))
}

// parseJobID parses a JOB argument.
func parseJobID(args []string) (int64, error) {
	if err := wantArgs(args, 1, "one JOB number"); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, handover.Errorf(handover.ErrUsage, "JOB %q is not a job number; list jobs with `handover jobs`", args[0])
	}
	return id, nil
}
