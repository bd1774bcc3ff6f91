package main

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"handover"
)

// jobProxy is a TCP proxy on 127.0.0.1 between the tool and PostgreSQL that
// a test can cut, as a server restart or a network failure would, without
// touching the shared server.
type jobProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	down   bool
}

// jobStartProxy listens on a free port and forwards to target (host:port).
func jobStartProxy(t *testing.T, target string) *jobProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &jobProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut(false) })
	return p
}

func (p *jobProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *jobProxy) forward(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close() // the server is "restarting": the connection is dropped at once
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			c.Close()
			s.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, s)
			p.mu.Unlock()
		})
	}
	go func() { _, _ = io.Copy(s, c); closeBoth() }()
	_, _ = io.Copy(c, s)
	closeBoth()
}

// cut closes every open connection; with down, new connections are dropped
// too until up is called.
func (p *jobProxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	for c := range p.conns {
		c.Close()
	}
}

func (p *jobProxy) up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// jobProxied seeds a PostgreSQL database and points the tool (not the test's
// own connection) at it through a proxy.
func jobProxied(t *testing.T, users int) (*jobTenant, *jobProxy) {
	t.Helper()
	if os.Getenv(testPGEnv) == "" {
		t.Skip(testPGEnv + " is not set: the connection tests need PostgreSQL")
	}
	d := jobSeed(t, "postgres", users)
	u, err := url.Parse(d.dsn)
	if err != nil {
		t.Skipf("%s is not a URL: %v", testPGEnv, err)
	}
	p := jobStartProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	d.dsn = u.String()
	return d, p
}

// TestConnectionCutMidRun cuts every connection of a run in the middle of
// its job, as a PostgreSQL restart would, and at once starts a second run on
// the same tenant. The first run either reconnects, takes its guard back and
// carries on, or stops with exit 3; the guard keeps the two from running
// together; whatever was interrupted is resumed; and the tables end as if
// each pair had run once.
func TestConnectionCutMidRun(t *testing.T) {
	t.Parallel()
	d, proxy := jobProxied(t, 1000)
	d.env = []string{"HANDOVER_CHUNK_SIZE=2"}
	people := d.people(1)
	first, second := jobPairing(people, 0, 200), jobPairing(people, 400, 20)
	before := d.dump()
	p, job := crashStartJob(t, d, "run", d.writePairs("first.csv", first), "--yes")
	proxy.cut(false)
	out2 := d.run("run", d.writePairs("second.csv", second), "--yes")
	out1 := p.wait()
	t.Logf("first run after the cut: exit %d %s", out1.code, strings.TrimSpace(out1.stderr))
	t.Logf("second run: exit %d %s", out2.code, strings.TrimSpace(out2.stderr))
	switch {
	case out1.code == 0 && out2.code == handover.ExitBlocked:
		// carried on, guard taken back first
	case out1.code == handover.ExitBlocked && out2.code == 0:
		if !strings.Contains(out1.stderr, "handover resume "+strconv.FormatInt(job, 10)) {
			t.Errorf("the stopped run does not point to resume: %s", out1)
		}
		d.mustRun("resume", strconv.FormatInt(job, 10))
	default:
		t.Fatalf("after a cut, want exactly one of the runs to proceed at a time and the other to exit 3:\nfirst: %s\nsecond: %s", out1, out2)
	}
	if out2.code == handover.ExitBlocked {
		d.mustRun("run", "second.csv", "--yes")
	}
	if diff := jobDiff(jobApply(before, append(first, second...), false), d.dump()); diff != "" {
		t.Fatalf("after the cut (-expected +found):\n%s", diff)
	}
}

// TestConnectionBlipMidRun cuts every connection of a run once, in the
// middle of its job, with the database reachable again at once: the run
// reconnects, takes its guard back and finishes by itself; the guard still
// keeps others out afterwards; nothing is lost.
func TestConnectionBlipMidRun(t *testing.T) {
	t.Parallel()
	d, proxy := jobProxied(t, 1000)
	d.env = []string{"HANDOVER_CHUNK_SIZE=2"}
	pairs := jobPairing(d.people(1), 0, 200)
	before := d.dump()
	p, job := crashStartJob(t, d, "run", d.writePairs("night.csv", pairs), "--yes", "--log-format", "json")
	holder := jobGuardSession(t, d)
	proxy.cut(false)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if pid := jobGuardSession(t, d); pid != 0 && pid != holder {
			break // a new session holds the guard: the run took it back
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not take its guard back after the blip: %s", p.wait())
		}
	}
	if out := d.run("run", "--from", jobID(pairs[0].To), "--to", jobID(pairs[1].To), "--yes"); out.code != handover.ExitBlocked {
		t.Errorf("a run after the blip: want exit 3 while job %d runs, got %s", job, out)
	}
	out := p.wait()
	if out.code != 0 {
		t.Fatalf("run after a connection blip: want it to carry on and finish, got %s", out)
	}
	if !strings.Contains(out.stderr, "took the tenant's guard again") {
		t.Errorf("the log does not say the guard was taken again:\n%s", out.stderr)
	}
	if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
		t.Fatalf("after the blip (-expected +found):\n%s", diff)
	}
}

// jobGuardSession returns the PostgreSQL session (pid) holding an advisory
// lock in the tenant's database, 0 when none does.
func jobGuardSession(t *testing.T, d *jobTenant) int64 {
	t.Helper()
	var pids []int64
	err := d.sql().Select(&pids, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil || len(pids) > 1 {
		t.Fatalf("guard sessions %v: %v", pids, err)
	}
	if len(pids) == 0 {
		return 0
	}
	return pids[0]
}

// TestDatabaseDownMidRun cuts every connection and keeps the database
// unreachable for longer than the retries last: the run stops with exit 3
// pointing to resume; once the database is back, resume completes it and
// nothing is lost.
func TestDatabaseDownMidRun(t *testing.T) {
	t.Parallel()
	d, proxy := jobProxied(t, 1000)
	d.env = []string{"HANDOVER_CHUNK_SIZE=2"}
	pairs := jobPairing(d.people(1), 0, 200)
	before := d.dump()
	p, job := crashStartJob(t, d, "run", d.writePairs("night.csv", pairs), "--yes")
	proxy.cut(true)
	start := time.Now()
	out := p.wait()
	t.Logf("stopped after %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out.stderr))
	if out.code != handover.ExitBlocked || !strings.Contains(out.stderr, "handover resume "+strconv.FormatInt(job, 10)) {
		t.Fatalf("run with the database down: want exit 3 pointing to resume, got %s", out)
	}
	if out := d.run("resume", strconv.FormatInt(job, 10)); out.code != handover.ExitBlocked {
		t.Fatalf("resume with the database down: want exit 3, got %s", out)
	}
	proxy.up()
	d.mustRun("resume", strconv.FormatInt(job, 10))
	if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
		t.Fatalf("after the outage and resume (-expected +found):\n%s", diff)
	}
	if s := d.show(job); s.Job.Status != "done" || s.Job.Done != len(pairs) {
		t.Errorf("job after resume: %+v", s.Job)
	}
}

// TestSQLiteBusy holds a write transaction on the SQLite file from another
// connection while a run is under way: the run waits for it, then
// completes.
func TestSQLiteBusy(t *testing.T) {
	t.Parallel()
	d := jobSeed(t, "sqlite", 1000)
	d.env = []string{"HANDOVER_CHUNK_SIZE=5"}
	pairs := jobPairing(d.people(1), 0, 150)
	before := d.dump()
	p, job := crashStartJob(t, d, "run", d.writePairs("night.csv", pairs), "--yes")
	ctx := context.Background()
	tx, err := d.sql().BeginTxx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE tenants SET name = name WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	doneBefore := d.count(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = 'done'`, job)
	time.Sleep(1500 * time.Millisecond)
	doneDuring := d.count(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = 'done'`, job)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if doneDuring != doneBefore {
		t.Errorf("%d pairs were done while another connection held the write lock", doneDuring-doneBefore)
	}
	if out := p.wait(); out.code != 0 {
		t.Fatalf("run while the database was busy: %s", out)
	}
	if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
		t.Fatalf("after a busy database (-expected +found):\n%s", diff)
	}
}
