package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"handover"
	"handover/engine"
	"handover/transfer"
	"handover/web"
)

// serveShutdown is how long serve lets requests in flight finish once
// stopped; it stays under stopGrace so that the stop is clean.
const serveShutdown = 3 * time.Second

// defaultListen is where serve listens, and signin-link's links point,
// unless told otherwise.
const defaultListen = "127.0.0.1:8080"

// serveJobsStop is how long serve lets its running jobs reach the end of
// their chunk once stopped; past it they are cancelled (the chunk rolls
// back, whole) and resume at the next start either way.
const serveJobsStop = 20 * time.Second

// serveCmd serves the web console until SIGINT or SIGTERM.
type serveCmd struct {
	listen, baseURL string
	maxUploadMB     int64
	authHeader      string
	notify          notifyFlags
}

func (c *serveCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.listen, "listen", defaultListen, "address to listen on (host:port)")
	fs.StringVar(&c.baseURL, "base-url", "", "URL browsers reach the console at (default: http:// and the listen address); https makes the session cookie Secure")
	fs.Int64Var(&c.maxUploadMB, "max-upload-mb", web.DefaultMaxUploadMB, "the largest upload or API request body accepted, in MB")
	fs.StringVar(&c.authHeader, "auth-header", "", "sign users in by this request header, holding their email, set by a single-sign-on proxy in front of the console (only ever serve it behind that proxy)")
	c.notify.flags(fs)
}

func (c *serveCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	return c.serve(ctx, e, db, nil)
}

// serve serves the console on db until ctx ends (SIGINT, SIGTERM): it
// resumes the interrupted jobs first; when stopped it stops taking
// requests, lets each running job commit its chunk and be recorded
// interrupted, and returns. ready, when set, is called once it listens.
func (c *serveCmd) serve(ctx context.Context, e *env, db *engine.DB, ready func(*web.Server) error) error {
	if c.maxUploadMB < 1 {
		return handover.Errorf(handover.ErrUsage, "--max-upload-mb %d: give at least 1 (MB)", c.maxUploadMB)
	}
	if err := upToDate(ctx, db); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return handover.Errorf(handover.ErrUsage, "cannot listen on %s: %v; pass another --listen address", c.listen, err)
	}
	defer ln.Close()
	srv, err := c.server(e, db, ln.Addr())
	if err != nil {
		return err
	}
	if err := srv.ResumeInterrupted(ctx); err != nil {
		return err
	}
	hs := httpServer(srv)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "handover console: %s/ (%s; Ctrl-C stops it)\n", srv.BaseURL, c.signinHint())
	if ready != nil {
		if err := ready(srv); err != nil {
			_ = c.stop(ctx, e, hs, srv)
			return err
		}
	}
	select {
	case err := <-served:
		_ = c.stop(ctx, e, hs, srv)
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	return c.stop(ctx, e, hs, srv)
}

// server builds the console's server for db, listening on addr.
func (c *serveCmd) server(e *env, db *engine.DB, addr net.Addr) (*web.Server, error) {
	base := c.baseURL
	if base == "" {
		base = "http://" + reachable(addr)
	}
	srv, err := web.NewServer(&transfer.Service{DB: db, MaxPairs: e.maxPairs}, base)
	if err != nil {
		return nil, err
	}
	srv.Log = e.log
	srv.MaxUpload = c.maxUploadMB << 20
	srv.AuthHeader = c.authHeader
	if srv.Notify, err = c.notify.notifier(srv.Service, e); err != nil {
		return nil, err
	}
	return srv, nil
}

// signinHint says how people sign in to this console.
func (c *serveCmd) signinHint() string {
	if c.authHeader != "" {
		return "signed in by the single-sign-on proxy's " + c.authHeader + " header"
	}
	return "sign in with a link from `handover signin-link --as YOUR_USER_ID`"
}

// stop stops taking requests (those in flight get serveShutdown), then
// stops the jobs at their chunk boundary (serveJobsStop).
func (c *serveCmd) stop(ctx context.Context, e *env, hs *http.Server, srv *web.Server) error {
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdown)
	defer cancel()
	if err := hs.Shutdown(stop); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop serving: %w", err)
	}
	jobs, cancelJobs := context.WithTimeout(context.WithoutCancel(ctx), serveJobsStop)
	defer cancelJobs()
	if err := srv.Shutdown(jobs); err != nil {
		fmt.Fprintln(e.stderr, "handover: "+handover.ErrorMessage(err))
	}
	srv.Notify.Close(jobs)
	fmt.Fprintln(e.stderr, "handover console stopped")
	return nil
}

// upToDate refuses a database whose schema predates the web console's
// tables: `handover init` upgrades it.
func upToDate(ctx context.Context, db *engine.DB) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest, err := db.LatestSchema()
	if err != nil {
		return err
	}
	if v < latest {
		return handover.Errorf(handover.ErrUnavailable, "the database %s has schema version %d and the console needs %d: upgrade it with `handover init --db %s`",
			engine.Redact(db.DSN), v, latest, engine.Redact(db.DSN))
	}
	return nil
}

// reachable returns addr as a browser can reach it: an unspecified host
// (listening on every interface) becomes localhost.
func reachable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// signinLinkCmd prints a one-time sign-in link for the web console.
type signinLinkCmd struct{ baseURL string }

func (c *signinLinkCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.baseURL, "base-url", "http://"+defaultListen, "URL browsers reach the console at (as given to serve)")
}

func (c *signinLinkCmd) run(ctx context.Context, e *env, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	base, err := web.ParseBaseURL(c.baseURL)
	if err != nil {
		return err
	}
	svc, a, err := e.service(ctx)
	if err != nil {
		return err
	}
	if err := upToDate(ctx, svc.DB); err != nil {
		return err
	}
	token, expires, err := svc.SigninLink(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s/signin?token=%s\n", base, token)
	fmt.Fprintf(e.stderr, "This link signs in %s once, until %s UTC (15 minutes). Do not share it.\n",
		handover.Label(a.Op.Name, &a.Op.ID), expires.UTC().Format("15:04"))
	return nil
}
