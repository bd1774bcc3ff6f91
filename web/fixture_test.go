package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"handover"
	"handover/engine"
	"handover/sample"
	"handover/transfer"
)

// The web tests run the console on a real database seeded with the demo
// tenant: an SQLite file always, and a throwaway PostgreSQL database when
// HANDOVER_TEST_PG names a server (postgres://postgres@127.0.0.1:5432/test?sslmode=disable).

// eachBackend runs fn as a parallel subtest per available backend.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	backends := []string{"sqlite"}
	if os.Getenv("HANDOVER_TEST_PG") != "" {
		backends = append(backends, "postgres")
	}
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// clock is a settable time for the database (DB.Now): tests move it
// instead of waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// console is a seeded database served by the web console over httptest.
type console struct {
	t     *testing.T
	db    *engine.DB
	svc   *transfer.Service
	ts    *httptest.Server
	clock *clock
	info  sample.Info
	// job ran a pair from an agent inside the view of info.Admins[0]
	// (inside) to one outside it (outside), with the name hostile.
	job             int64
	inside, outside int64
}

// hostile is the name given to the out-of-view target: html/template must
// escape it wherever it is shown.
const hostile = `<b>Zoë "Z" O'Neil</b>`

// newConsole seeds a fresh database on backend, runs one job as the tenant
// admin and serves the console.
func newConsole(t *testing.T, backend string) *console {
	t.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, freshDSN(t, backend))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	info, err := sample.Build(ctx, db, sample.Options{Users: 50, RowsPerUser: 3})
	if err != nil {
		t.Fatal(err)
	}
	c := &console{t: t, db: db, svc: &transfer.Service{DB: db}, info: info,
		clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	db.Now = c.clock.Now
	admin := info.Admins[0]
	c.inside, c.outside = admin.InView[0], admin.OutOfView[0]
	c.exec(`UPDATE users SET name = ? WHERE id = ?`, hostile, c.outside)
	c.job = c.runPair(info.TenantAdmin, c.inside, c.outside)
	srv, err := NewServer(c.svc, "http://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c.ts = httptest.NewServer(srv)
	t.Cleanup(c.ts.Close)
	return c
}

// exec runs one statement on the console's database.
func (c *console) exec(q string, args ...any) {
	c.t.Helper()
	if _, err := c.db.SQL().Exec(c.db.SQL().Rebind(q), args...); err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
}

// name returns a user's name.
func (c *console) name(id int64) string {
	c.t.Helper()
	var name string
	if err := c.db.SQL().Get(&name, c.db.SQL().Rebind(`SELECT name FROM users WHERE id = ?`), id); err != nil {
		c.t.Fatal(err)
	}
	return name
}

// otherTenantAdmin returns the tenant admin of the second tenant.
func (c *console) otherTenantAdmin() int64 {
	c.t.Helper()
	var id int64
	if err := c.db.SQL().Get(&id, c.db.SQL().Rebind(`SELECT id FROM users WHERE tenant_id = ? AND role = ?`),
		c.info.OtherTenant, handover.RoleTenantAdmin); err != nil {
		c.t.Fatal(err)
	}
	return id
}

// runPair runs one pair through the flow as op and returns its job.
func (c *console) runPair(op, from, to int64) int64 {
	c.t.Helper()
	ctx := context.Background()
	a, err := c.svc.Authorize(ctx, op)
	if err != nil {
		c.t.Fatal(err)
	}
	csv := "From User ID,To User ID\n" + itoa(from) + "," + itoa(to) + "\n"
	up, err := transfer.Read(strings.NewReader(csv), "pair.csv", 0, "")
	if err != nil {
		c.t.Fatal(err)
	}
	out, err := c.svc.Run(ctx, a, up, handover.RunOptions{}, agree{}, quiet{})
	if err != nil {
		c.t.Fatalf("run %d → %d: %v", from, to, err)
	}
	return out.Job.ID
}

type agree struct{}

func (agree) Confirm(context.Context, transfer.Confirmation) error { return nil }

type quiet struct{}

func (quiet) Start(handover.Job, []handover.JobPair, bool) {}
func (quiet) Pair(handover.JobPair)                        {}

// link returns a fresh sign-in link (path and query) for user.
func (c *console) link(user int64) string {
	c.t.Helper()
	a, err := c.svc.Authorize(context.Background(), user)
	if err != nil {
		c.t.Fatal(err)
	}
	token, _, err := c.svc.SigninLink(context.Background(), a)
	if err != nil {
		c.t.Fatal(err)
	}
	return "/signin?token=" + url.QueryEscape(token)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see them.
type browser struct {
	c      *console
	client *http.Client
}

func (c *console) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return &browser{c: c, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs user in through a fresh link and checks it lands on /jobs.
func (b *browser) signIn(user int64) {
	b.c.t.Helper()
	resp, _ := b.get(b.c.link(user))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/jobs" {
		b.c.t.Fatalf("sign in as %d: %s, Location %q", user, resp.Status, resp.Header.Get("Location"))
	}
}

// get fetches path and returns the response and its body.
func (b *browser) get(path string) (*http.Response, string) {
	b.c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.c.ts.URL+path, nil)
	if err != nil {
		b.c.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.c.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.c.t.Fatal(err)
	}
	return resp, string(body)
}

// freshDSN returns the DSN of a new, empty database on backend, removed
// when the test ends.
func freshDSN(t testing.TB, backend string) string {
	t.Helper()
	if backend == "sqlite" {
		return filepath.Join(t.TempDir(), "handover.db")
	}
	admin := os.Getenv("HANDOVER_TEST_PG")
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "handover_web_" + hex.EncodeToString(b)
	pg, err := sqlx.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer pg.Close()
		if _, err := pg.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	if _, err := pg.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("HANDOVER_TEST_PG must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
