package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"handover"
	"handover/transfer"
)

// logBuffer is a log sink safe to read while jobs write it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// waitLog waits until the log holds want. The deadline only catches a
// hang.
func waitLog(t *testing.T, l *logBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(l.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", want, l.String())
		}
	}
}

// shutDown stops srv while its job is held between two chunks (see
// startHeld): once srv is stopping, meanwhile runs, then the job is let go
// and srv records it interrupted.
func (c *console) shutDown(srv *Server, open chan struct{}, meanwhile func()) {
	c.t.Helper()
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Shutdown(context.Background()) }()
	for !srv.jobs.isStopping() {
		time.Sleep(time.Millisecond)
	}
	meanwhile()
	close(open)
	if err := <-stopped; err != nil {
		c.t.Fatalf("Shutdown: %v", err)
	}
}

// restarted starts a server on the console's database as serve does,
// resuming the unfinished jobs, and returns its log.
func (c *console) restarted() *logBuffer {
	c.t.Helper()
	log := &logBuffer{}
	srv := c.server()
	srv.Log = zerolog.New(log)
	if err := srv.ResumeInterrupted(context.Background()); err != nil {
		c.t.Fatal(err)
	}
	return log
}

// heldRun is a run of agent pairs started on its own server and held after
// its first chunk (see startHeld), with the data as it was before.
type heldRun struct {
	c      *console
	srv    *Server
	a      transfer.Access
	pairs  []handover.Pair
	before map[string][]string
	job    handover.Job
	open   chan struct{}
}

// heldRun starts a run of n pairs, one per chunk, as the tenant admin and
// holds it after its first chunk.
func (c *console) heldRun(n int) heldRun {
	c.t.Helper()
	c.db.ChunkSize = 1
	h := heldRun{c: c, srv: c.server(), a: c.access(c.info.TenantAdmin), pairs: c.agentPairs(n)}
	up := upload(c.t, bulkCSV(h.pairs))
	h.before = c.rows()
	h.job, h.open = c.startHeld(h.srv, h.a, up)
	return h
}

// checkDone waits for the run's job to end and fails unless every pair is
// done and the data is as if each had been run once.
func (h heldRun) checkDone(log *logBuffer) {
	h.c.t.Helper()
	if end := h.c.waitJob(h.a, h.job.ID); end.Status != handover.JobDone || end.Done != len(h.pairs) {
		h.c.t.Fatalf("job ended %+v\n%s", end, log.String())
	}
	h.c.checkRows(transferred(h.before, h.pairs))
}

// TestWebShutdownAndResume: Shutdown refuses new jobs and stops a running
// one once its running chunk has committed, recorded interrupted; a new
// server resumes it as its operator, authorised afresh: a deactivated
// operator leaves it interrupted (logged), and once active again it
// finishes with the data row by row as if it had never stopped.
func TestWebShutdownAndResume(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		c.db.ChunkSize = 1
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		pairs := c.agentPairs(4)
		up := upload(t, bulkCSV(pairs))
		before := c.rows()
		job, open := c.startHeld(srv, a, up) // its first chunk has committed
		c.shutDown(srv, open, func() {
			if _, err := srv.start(a, c.runFunc(a, up, unprompted{})); handover.ErrorCode(err) != handover.ErrCancelled {
				t.Errorf("start while stopping: %v, want cancelled", err)
			}
		})
		got, _, err := c.svc.Show(context.Background(), a, job.ID)
		if err != nil || got.Status != handover.JobInterrupted || got.Done != 1 {
			t.Fatalf("after Shutdown job %+v (%v), want interrupted with its first chunk's pair done", got, err)
		}

		c.serve(c.server())
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		_, body := b.get("/jobs/" + itoa(job.ID))
		for _, want := range []string{"This job was interrupted before it finished: 1 of 4 pairs done", `action="/jobs/` + itoa(job.ID) + `/resume"`} {
			if !strings.Contains(body, want) {
				t.Errorf("interrupted job page lacks %q:\n%s", want, body)
			}
		}

		c.exec(`UPDATE users SET active = ? WHERE id = ?`, false, c.info.TenantAdmin)
		log := c.restarted()
		waitLog(t, log, "its operator may no longer operate")
		if got, _, _ := c.svc.Show(context.Background(), a, job.ID); got.Status != handover.JobInterrupted {
			t.Fatalf("a deactivated operator's job was resumed: %+v", got)
		}
		c.exec(`UPDATE users SET active = ? WHERE id = ?`, true, c.info.TenantAdmin)
		again := c.server()
		if err := again.ResumeInterrupted(context.Background()); err != nil {
			t.Fatal(err)
		}
		if end := c.waitJob(a, job.ID); end.Status != handover.JobDone || end.Done != len(pairs) {
			t.Fatalf("resumed job ended %+v", end)
		}
		c.checkRows(transferred(before, pairs))
	})
}

// TestWebResumeWaitsForDyingHolder: a console killed mid-job leaves its
// job recorded running, and its tenant's guard held until the database sees
// its connections close. A console started meanwhile finds the job locked;
// it tries again, rather than leaving the job interrupted, and finishes it
// once the guard is free.
func TestWebResumeWaitsForDyingHolder(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		h := c.heldRun(3)
		c.shutDown(h.srv, h.open, func() {})

		// The dead console: its guard still held, its job still running.
		dying, err := c.db.LockTenant(context.Background(), h.a.Op, "run")
		if err != nil {
			t.Fatal(err)
		}
		c.exec(`UPDATE handover_jobs SET status = ? WHERE id = ?`, handover.JobRunning, h.job.ID)

		log := c.restarted()
		waitLog(t, log, "interrupted job waits for the tenant's guard")
		dying.Release()
		h.checkDone(log)
	})
}

// TestWebResumeLeavesLiveHoldersJob: a console started while another
// process is running a job finds that job locked and waits; once the other
// process has finished it, the waiting console leaves it alone, logged,
// rather than resume it again or call it interrupted.
func TestWebResumeLeavesLiveHoldersJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		h := c.heldRun(3) // running, its guard held

		log := c.restarted()
		waitLog(t, log, "interrupted job waits for the tenant's guard")
		close(h.open)
		waitLog(t, log, "job ended elsewhere meanwhile; not resumed here")
		if strings.Contains(log.String(), "stays interrupted") {
			t.Errorf("the waiting console called a finished job interrupted:\n%s", log.String())
		}
		h.checkDone(log)
	})
}

// userEmail returns a user's email.
func (c *console) userEmail(id int64) string {
	c.t.Helper()
	var email string
	if err := c.db.SQL().Get(&email, c.db.SQL().Rebind(`SELECT email FROM users WHERE id = ?`), id); err != nil {
		c.t.Fatal(err)
	}
	return email
}

// TestWebAuthHeader: behind a single-sign-on proxy (AuthHeader) the
// header's email signs each request in, without a session; no header goes
// to the sign-in page, which speaks of the proxy; an unknown email or a
// supervisor's is 403; sign-out explains the proxy. Without AuthHeader the
// header is ignored.
func TestWebAuthHeader(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		plain := c.ts
		srv := c.server()
		srv.AuthHeader = "X-Forwarded-Email"
		c.serve(srv)
		b := c.browser()
		as := func(email, path string) (*http.Response, string) {
			req, _ := http.NewRequest(http.MethodGet, c.ts.URL+path, nil)
			if email != "" {
				req.Header.Set("X-Forwarded-Email", email)
			}
			return b.do(req)
		}
		admin := strings.ToUpper(c.userEmail(c.info.TenantAdmin))
		if resp, body := as(admin, "/jobs"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Job "+itoa(c.job)) || len(resp.Cookies()) != 0 {
			t.Fatalf("proxy header of the tenant admin: %s, cookies %v\n%s", resp.Status, resp.Cookies(), body)
		}
		checkToSignin(t, b, "/jobs")
		if _, body := as("", "/signin"); !strings.Contains(body, "single sign-on") || strings.Contains(body, "signin-link") {
			t.Errorf("sign-in page behind the proxy:\n%s", body)
		}
		for name, email := range map[string]string{"unknown": "nobody@nowhere.example", "supervisor": c.userEmail(c.info.Supervisors[0])} {
			if resp, body := as(email, "/jobs"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Job "+itoa(c.job)) {
				t.Errorf("%s email: %s, want 403\n%s", name, resp.Status, body)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, c.ts.URL+"/signout", nil)
		req.Header.Set("X-Forwarded-Email", admin)
		if resp, body := b.do(req); resp.StatusCode != http.StatusOK || !strings.Contains(body, "single sign-on signs you in") {
			t.Errorf("sign out behind the proxy: %s\n%s", resp.Status, body)
		}
		c.ts = plain
		req, _ = http.NewRequest(http.MethodGet, c.ts.URL+"/jobs", nil)
		req.Header.Set("X-Forwarded-Email", admin)
		if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("header without AuthHeader: %s, want the sign-in redirect", resp.Status)
		}
	})
}
