package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"handover"
	"handover/audit"
	"handover/engine"
	"handover/sample"
	"handover/transfer"
	"handover/web"
)

// demoCmd builds a sample tenant and walks the whole flow on it.
type demoCmd struct {
	users    int
	seed     int64
	dataOnly bool
	dir      string
	serve    bool
	listen   string
}

func (c *demoCmd) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.users, "users", 500, "users in the sample tenant")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the sample data: the same seed builds the same tenant")
	fs.BoolVar(&c.dataOnly, "data-only", false, "stop after building the tenant")
	fs.StringVar(&c.dir, "dir", "handover-demo", "folder for the demo's files (and its database, unless --db is given)")
	fs.BoolVar(&c.serve, "serve", false, "after building the tenant, serve the web console on it and print a sign-in link for its tenant admin")
	fs.StringVar(&c.listen, "listen", defaultListen, "with --serve: address the console listens on (host:port)")
}

func (c *demoCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	if _, err := e.logger(); err != nil {
		return err
	}
	db, info, err := c.build(ctx, e)
	if err != nil {
		return err
	}
	e.db = db
	fmt.Fprintf(e.stdout, "1. Built tenant %d in %s with %d users, and a second tenant with %d users; %d data rows in all; tenant admin %d.\n",
		info.Tenant, engine.Redact(e.dsn), info.Users-info.OtherUsers, info.OtherUsers, info.Rows, info.TenantAdmin)
	if c.serve {
		return c.console(ctx, e, db, info)
	}
	if c.dataOnly {
		return nil
	}
	e.as = itoa(info.TenantAdmin)
	return c.walk(ctx, e, db, info)
}

// console serves the web console on the demo's database until stopped,
// printing a sign-in link for the tenant admin once it listens.
func (c *demoCmd) console(ctx context.Context, e *env, db *engine.DB, info sample.Info) error {
	sc := &serveCmd{listen: c.listen, maxUploadMB: web.DefaultMaxUploadMB}
	return sc.serve(ctx, e, db, func(srv *web.Server) error {
		a, err := srv.Service.Authorize(ctx, info.TenantAdmin)
		if err != nil {
			return err
		}
		token, _, err := srv.Service.SigninLink(ctx, a)
		if err != nil {
			return err
		}
		again := c.pasteable(e, a.Op.ID).cmd("signin-link", "--base-url", srv.BaseURL.String())
		fmt.Fprintf(e.stdout, "2. Open this link to sign in as %s, the demo's tenant admin (it works once, for 15 minutes; `%s` makes another):\n\n   %s/signin?token=%s\n\n",
			audit.Clean(a.Op.Name), again, srv.BaseURL, token)
		return nil
	})
}

// build creates a fresh database and seeds it.
func (c *demoCmd) build(ctx context.Context, e *env) (*engine.DB, sample.Info, error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, sample.Info{}, handover.Errorf(handover.ErrUsage, "cannot create %s: %v", c.dir, err)
	}
	if os.Getenv("HANDOVER_DB") == "" && e.dsn == "handover.db" {
		e.dsn = filepath.Join(c.dir, "handover.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(e.dsn + suffix) // the demo's own database is always built afresh
		}
	}
	db, err := engine.Open(ctx, e.dsn)
	if err != nil {
		return nil, sample.Info{}, err
	}
	db.Log = e.log
	if err := db.Init(ctx); err != nil {
		db.Close()
		return nil, sample.Info{}, err
	}
	info, err := sample.Build(ctx, db, sample.Options{Users: c.users, Seed: c.seed})
	if err != nil {
		db.Close()
	}
	return db, info, err
}

// walk exports, edits, previews and runs, printing each step.
func (c *demoCmd) walk(ctx context.Context, e *env, db *engine.DB, info sample.Info) error {
	svc := &transfer.Service{DB: db, MaxPairs: e.maxPairs}
	a, err := svc.Authorize(ctx, info.TenantAdmin)
	if err != nil {
		return err
	}
	op := a.Op
	people, transfers := filepath.Join(c.dir, "people.csv"), filepath.Join(c.dir, "transfers.csv")
	n, err := export(ctx, svc, a, people, e)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "2. Exported %d people to %s (as %s, the tenant admin).\n", n, people, op.Name)
	edits := demoEdits(info)
	if err := editPeople(people, transfers, edits); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "3. Typed %d successors into To User ID and saved %s (some rows are wrong on purpose).\n", len(edits), transfers)
	up, err := e.readUpload(transfers)
	if err != nil {
		return err
	}
	plan, err := svc.Preview(ctx, a, up, handover.RunOptions{})
	if err != nil {
		return err
	}
	p := c.pasteable(e, op.ID)
	fmt.Fprintf(e.stdout, "4. Preview (`%s`):\n\n", p.cmd("preview", up.Name))
	if err := audit.PreviewText(e.stdout, plan, 1, 25); err != nil {
		return err
	}
	return c.runValid(ctx, e, svc, a, up, p)
}

// runValid runs the file's valid pairs and shows the summary and audit.
func (c *demoCmd) runValid(ctx context.Context, e *env, svc *transfer.Service, a transfer.Access, up *handover.Upload, p pasteable) error {
	prog := &demoProgress{cliProgress: cliProgress{e: e}, c: c, p: p, file: up.Name}
	out, err := svc.Run(ctx, a, up, handover.RunOptions{SkipInvalid: true}, terminalConfirm{e: e, yes: true}, prog)
	if err := prog.finish(ctx, out, err); err != nil {
		return err
	}
	err = e.reportOutcome(out, prog.auditPath, "text")
	if handover.ErrorCode(err) != handover.ErrPartial && err != nil {
		return err
	}
	job := out.Job
	if err := c.showAudit(ctx, e, svc.DB, job.ID, prog.auditPath); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nTry next, from this same folder (preview exits 2 while the file has rows with errors, but writes the page):")
	for _, cmd := range []string{p.cmd("jobs"), p.cmd("show", itoa(job.ID)),
		p.cmd("preview", up.Name, "--format", "html", "-o", filepath.Join(c.dir, "preview.html")), p.cmd("undo", itoa(job.ID), "--yes")} {
		fmt.Fprintln(e.stdout, "  "+cmd)
	}
	if p.masked {
		fmt.Fprintln(e.stdout, "(The password is masked as ****: type it in, or set HANDOVER_DB and leave --db out.)")
	}
	return nil
}

// demoProgress is the CLI's progress, headed by step 5 once the job (and
// so its audit file's name) is known.
type demoProgress struct {
	cliProgress
	c         *demoCmd
	p         pasteable
	file      string
	auditPath string
}

func (d *demoProgress) Start(job handover.Job, pairs []handover.JobPair, resumed bool) {
	d.auditPath = d.e.defaultAuditPath(d.c.dir, job.ID)
	fmt.Fprintf(d.e.stdout, "\n5. Running the valid pairs (`%s`):\n\n", d.p.cmd("run", d.file, "--skip-invalid", "--yes", "--audit", d.auditPath))
	d.cliProgress.Start(job, pairs, resumed)
}

// showAudit prints the job's audit file and says what its rows are: rows
// validation refused, which never ran, and pairs that failed while running.
func (c *demoCmd) showAudit(ctx context.Context, e *env, db *engine.DB, job int64, path string) error {
	failed, err := db.FailedPairs(ctx, job)
	if err != nil || len(failed) == 0 {
		return err
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	notRun := 0
	for _, jp := range failed {
		if jp.Error != nil && jp.Error.Code != handover.TransferFailed {
			notRun++
		}
	}
	var what []string
	if notRun > 0 {
		what = append(what, countOf(notRun, "row", "rows")+" that were not run because of errors in the file")
	}
	if broke := len(failed) - notRun; broke > 0 {
		what = append(what, countOf(broke, "pair", "pairs")+" that failed while transferring and changed nothing")
	}
	fmt.Fprintf(e.stdout, "\n6. The errors-only audit file %s lists the %s: fix them and run it to re-run just those pairs.\n\n%s",
		path, strings.Join(what, ", and the "), strings.TrimPrefix(string(body), "\uFEFF"))
	return nil
}

// pasteable renders the commands the demo prints for the reader to paste
// into a shell in the folder the demo ran in: started the way the demo
// was, on its database (password masked) and as its tenant admin, every
// argument quoted for the shell where it needs it.
type pasteable struct {
	prog   string
	flags  []string
	masked bool
}

// pasteable returns how the demo prints commands on its database, as the
// operator as.
func (c *demoCmd) pasteable(e *env, as int64) pasteable {
	wd, _ := os.Getwd()
	shown := engine.Redact(e.dsn)
	return pasteable{prog: launcher(os.Args[0], wd), flags: []string{"--db", shown, "--as", itoa(as)}, masked: shown != e.dsn}
}

// cmd renders one command: the subcommand, its arguments, then --db and --as.
func (p pasteable) cmd(args ...string) string {
	words := []string{p.prog}
	for _, a := range append(args, p.flags...) {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// path and URL characters, or begins with "=" (which zsh expands).
func shellQuote(s string) string {
	if s != "" && !strings.HasPrefix(s, "=") && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// goRunBinary matches where `go run` puts the binary of ./cmd/handover: a
// go-build work folder's bNNN/exe/, or its build cache entry (Go 1.24 on).
var goRunBinary = regexp.MustCompile(`(?:/go-build[0-9]+/b[0-9]+/exe|/[0-9a-f]{2}/[0-9a-f]{64}-d)/handover(?:\.exe)?$`)

// launcher returns how a reader in folder dir starts handover the way
// arg0 (os.Args[0]) was started: `go run` and the path of this package
// from dir when arg0 is a binary go run built, else `handover`.
func launcher(arg0, dir string) string {
	if !goRunBinary.MatchString(filepath.ToSlash(arg0)) {
		return "handover"
	}
	root := moduleRoot(dir)
	if root == "" {
		return "go run ./cmd/handover"
	}
	rel, err := filepath.Rel(dir, filepath.Join(root, "cmd", "handover"))
	if err != nil {
		return "go run ./cmd/handover"
	}
	rel = filepath.ToSlash(rel)
	if rel != "." && rel != ".." && !strings.HasPrefix(rel, "../") {
		rel = "./" + rel
	}
	return "go run " + shellQuote(rel)
}

// moduleRoot returns the folder of the go.mod of module handover that
// holds dir, or "".
func moduleRoot(dir string) string {
	for d := dir; d != ""; d = filepath.Dir(d) {
		if body, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if modulePath(body) != "handover" {
				return "" // another module: go run could not have started us from here
			}
			return d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return ""
}

// modulePath returns the module path a go.mod declares.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// demoEdits picks the successors typed into the sheet: valid pairs and one
// row for each of several deliberate mistakes. Keyed by From User ID.
func demoEdits(info sample.Info) map[int64]string {
	a, in := info.ActiveAgents, info.InactiveAgents
	edits := map[int64]string{
		a[0]: itoa(a[1]), a[2]: itoa(a[3]), a[4]: itoa(a[5]), a[6]: itoa(a[7]), // valid pairs
		a[9]:  itoa(a[9]),                     // self_transfer
		a[10]: "99999999",                     // unknown_user
		a[11]: "1.23457E+17",                  // bad_id: spreadsheet damage
		a[12]: itoa(info.TenantAdmin),         // tenant_admin
		a[13]: itoa(info.OtherTenantUsers[0]), // unknown_user: another tenant
	}
	if len(in) > 1 {
		edits[in[0]] = itoa(a[8])  // a leaver already deactivated: valid
		edits[a[14]] = itoa(in[1]) // inactive_target: a warning
	}
	return edits
}

// editPeople copies the people CSV, typing successors into To User ID the
// way an admin would in a spreadsheet.
func editPeople(src, dst string, edits map[int64]string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return handover.WriteFile(dst, nil, func(w io.Writer) error {
		r, out := csv.NewReader(f), csv.NewWriter(w)
		io.WriteString(w, "\uFEFF")
		for first := true; ; first = false {
			rec, err := r.Read()
			if err == io.EOF {
				out.Flush()
				return out.Error()
			}
			if err != nil {
				return err
			}
			if id, err := strconv.ParseInt(strings.TrimPrefix(rec[0], "\uFEFF"), 10, 64); err == nil && !first {
				rec[1] = edits[id]
			}
			if err := out.Write(rec); err != nil {
				return err
			}
		}
	})
}
