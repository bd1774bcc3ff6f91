package main

// Tests of bounded waits and signals, through the built binary: a database
// that accepts connections but never answers, SIGINT and SIGTERM while
// connecting, at the confirmation prompt and in the middle of a job.

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"handover"
)

// sigBound is how long a test waits for the binary to end after what should
// end it. It is a safety net against a hang, not a measure of speed: every
// test first waits for the condition it is about (a connection, a prompt,
// a pair done).
const sigBound = 60 * time.Second

// sigSilent is a TCP listener on 127.0.0.1 that accepts connections and
// never answers them, as a database host whose server is stuck does.
type sigSilent struct {
	ln       net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted chan struct{} // closed at the first connection
}

func sigListenSilent(t *testing.T) *sigSilent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sigSilent{ln: ln, accepted: make(chan struct{})}
	go func() {
		for first := true; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			if first {
				close(s.accepted)
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			c.Close()
		}
	})
	return s
}

// dsn returns a PostgreSQL URL pointing at the listener, with query.
func (s *sigSilent) dsn(query string) string {
	return "postgres://postgres@" + s.ln.Addr().String() + "/handover?" + query
}

// sigBuffer is a bytes.Buffer safe to read while the process writes it.
type sigBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *sigBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *sigBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// sigProc is the binary running in the background.
type sigProc struct {
	t              *testing.T
	cmd            *exec.Cmd
	args           []string
	stdout, stderr *sigBuffer
	done           chan struct{}
}

// sigStart starts cmd with stdout and stderr captured.
func sigStart(t *testing.T, cmd *exec.Cmd) *sigProc {
	t.Helper()
	p := &sigProc{t: t, cmd: cmd, args: cmd.Args[1:], stdout: &sigBuffer{}, stderr: &sigBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// sigCommand returns the binary ready to run args without a database of
// the tests' own, with none of the caller's HANDOVER_ settings.
func sigCommand(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(jobBinary(t), args...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HANDOVER_") && !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// signal sends sig to the process.
func (p *sigProc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the process to end by itself, at most sigBound.
func (p *sigProc) wait() jobOut {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(sigBound):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("handover %s still running %v after it should have ended; killed it:\nstdout:\n%s\nstderr:\n%s",
			strings.Join(p.args, " "), sigBound, p.stdout, p.stderr)
	}
	return jobOut{code: p.cmd.ProcessState.ExitCode(), stdout: p.stdout.String(), stderr: p.stderr.String()}
}

// waitFor waits until cond holds, failing if the process ends first or
// sigBound passes.
func (p *sigProc) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(sigBound)
	for !cond() {
		select {
		case <-p.done:
			p.t.Fatalf("handover %s ended before %s:\nstdout:\n%s\nstderr:\n%s", strings.Join(p.args, " "), what, p.stdout, p.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("handover %s: not %s after %v:\nstderr:\n%s", strings.Join(p.args, " "), what, sigBound, p.stderr)
		}
	}
}

// sigOneSentence checks that the command ended with exit 3 and printed one
// line on stderr holding want, and no internal detail.
func sigOneSentence(t *testing.T, out jobOut, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out.stderr), "\n")
	if out.code != handover.ExitBlocked || len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("want exit 3 and one line on stderr saying %q, got %s", want, out)
	}
	for _, bad := range []string{"internal error", "pq:", "context canceled"} {
		if strings.Contains(out.stderr, bad) {
			t.Errorf("stderr shows %q: %s", bad, out.stderr)
		}
	}
}

// TestConnectTimeout points `jobs` at a server that accepts the connection
// and never answers: the command gives up within the DSN's connect_timeout
// with exit 3 and says the database did not answer; with --format json the
// error is also a JSON object on stdout.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	silent := sigListenSilent(t)
	dsn := silent.dsn("sslmode=disable&connect_timeout=1")
	t.Cleanup(func() { // after the subtests
		select {
		case <-silent.accepted:
		default:
			t.Errorf("the listener saw no connection: the command did not try the database")
		}
	})
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		out := sigStart(t, sigCommand(t, "jobs", "--db", dsn, "--as", "1")).wait()
		sigOneSentence(t, out, "did not answer within 1s")
		if !strings.Contains(out.stderr, silent.ln.Addr().String()) {
			t.Errorf("the message does not name the database: %s", out.stderr)
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		out := sigStart(t, sigCommand(t, "jobs", "--db", dsn, "--as", "1", "--format", "json")).wait()
		sigOneSentence(t, out, "did not answer within 1s")
		var doc struct {
			Error issueDoc `json:"error"`
		}
		checkKeys(t, "error document", []byte(out.stdout), "error")
		mustDecode(t, out.stdout, &doc)
		if doc.Error.Code != string(handover.ErrUnavailable) || !strings.Contains(doc.Error.Message, "did not answer within 1s") {
			t.Errorf("stdout: want {\"error\": {\"code\": \"unavailable\", ...}}, got %s", out.stdout)
		}
	})
}

// TestSignalWhileConnecting sends SIGINT, and SIGTERM, to `jobs` while it
// waits for a server that never answers, with a connect timeout far longer
// than the test's patience: the command ends at once with exit 3 and one
// sentence saying nothing changed.
func TestSignalWhileConnecting(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			silent := sigListenSilent(t)
			p := sigStart(t, sigCommand(t, "jobs", "--db", silent.dsn("sslmode=disable&connect_timeout=3600"), "--as", "1"))
			p.waitFor("connected to the listener", func() bool {
				select {
				case <-silent.accepted:
					return true
				default:
					return false
				}
			})
			p.signal(sig)
			sigOneSentence(t, p.wait(), "nothing changed")
		})
	}
}

// sigPTY opens a pseudo-terminal and returns its two ends: the command gets
// the terminal end as stdin, so that it asks for confirmation.
func sigPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestSignalAtPrompt sends SIGTERM to `run` while it waits at "Type yes to
// go on:" on a terminal: exit 3, one sentence saying nothing changed, and
// the database holds no job and the same data as before.
func TestSignalAtPrompt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 200)
		pairs := jobPairing(d.people(1), 0, 5)
		before, jobsBefore := d.dump(), d.jobs()
		_, tty := sigPTY(t)
		cmd, _, _ := d.command("run", d.writePairs("night.csv", pairs))
		cmd.Stdin = tty
		p := sigStart(t, cmd)
		p.waitFor("at the prompt", func() bool { return strings.HasSuffix(p.stderr.String(), "Type yes to go on: ") })
		asked := len(p.stderr.String())
		p.signal(syscall.SIGTERM)
		out := p.wait()
		out.stderr = out.stderr[asked:] // what it said after the signal
		sigOneSentence(t, out, "nothing changed")
		if diff := jobDiff(before, d.dump()); diff != "" {
			t.Errorf("the data changed (-before +after):\n%s", diff)
		}
		if jobs := d.jobs(); len(jobs) != len(jobsBefore) {
			t.Errorf("jobs before %+v, after %+v", jobsBefore, jobs)
		}
		d.mustRun("run", "night.csv", "--yes") // and the guard is free
	})
}

// sigStopped is the sentence of a job stopped by a signal.
var sigStopped = regexp.MustCompile("job ([0-9]+) stopped after ([0-9]+) of ([0-9]+) pairs: `handover resume ([0-9]+)` finishes it")

// sigStartJob starts args and waits, polling `jobs --format json`, until
// the tenant has a new running job with a pair done.
func sigStartJob(t *testing.T, d *jobTenant, args ...string) (*sigProc, jobJSON) {
	t.Helper()
	last := d.newestJob().Job
	cmd, _, _ := d.command(args...)
	p := sigStart(t, cmd)
	var job jobJSON
	p.waitFor("running a job with a pair done", func() bool {
		job = d.newestJob()
		return job.Job > last && job.Status == "running" && job.Done > 0
	})
	return p, job
}

// sigCheckStopped checks the sentence of a job stopped by a signal and
// returns the X and Y of "stopped after X of Y pairs".
func sigCheckStopped(t *testing.T, out jobOut, job int64, pairs int) (int, int) {
	t.Helper()
	sigOneSentence(t, out, fmt.Sprintf("job %d stopped after ", job))
	m := sigStopped.FindStringSubmatch(out.stderr)
	if m == nil || m[1] != m[4] {
		t.Fatalf("want %q, got %s", sigStopped, out)
	}
	t.Logf("stderr: %s", strings.TrimSpace(out.stderr))
	x, _ := strconv.Atoi(m[2])
	y, _ := strconv.Atoi(m[3])
	if y != pairs || x >= y {
		t.Errorf("stopped after %d of %d pairs; the job has %d pairs and was stopped before its end", x, y, pairs)
	}
	return x, y
}

// TestSignalDuringRun sends SIGINT to a bulk run between its chunks (one
// pair each): exit 3 with one sentence naming the job, how many of its
// pairs ended and the resume command; the job is interrupted with exactly
// that many pairs ended; `resume` finishes it and the tables end as if the
// run had never stopped.
func TestSignalDuringRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 1000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=1"}
		pairs := jobPairing(d.people(1), 0, 300)
		before := d.dump()
		p, job := sigStartJob(t, d, "run", d.writePairs("night.csv", pairs), "--yes")
		p.signal(syscall.SIGINT)
		x, _ := sigCheckStopped(t, p.wait(), job.Job, len(pairs))
		s := d.show(job.Job).Job
		if s.Status != "interrupted" || s.Done+s.Failed != x {
			t.Errorf("the sentence says %d pairs ended; the job is %+v", x, s)
		}
		d.env = nil // resume in chunks of the default size
		d.mustRun("resume", strconv.FormatInt(job.Job, 10))
		if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
			t.Fatalf("after the signal and resume (-expected +found):\n%s", diff)
		}
		if s := d.show(job.Job).Job; s.Status != "done" || s.Done != len(pairs) {
			t.Errorf("job after resume: %+v", s)
		}
	})
}

// sigFreezer is a TCP proxy to PostgreSQL that can freeze: from then on it
// forwards nothing, either way, on old and new connections alike, as a
// server that hangs mid-run does, until the test ends.
type sigFreezer struct {
	ln     net.Listener
	target string
	frozen chan struct{}
	closed chan struct{}
	mu     sync.Mutex
	conns  []net.Conn
}

func sigStartFreezer(t *testing.T, target string) *sigFreezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &sigFreezer{ln: ln, target: target, frozen: make(chan struct{}), closed: make(chan struct{})}
	go f.serve()
	t.Cleanup(f.close)
	return f
}

func (f *sigFreezer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, c, s)
		f.mu.Unlock()
		go f.pipe(s, c)
		go f.pipe(c, s)
	}
}

// pipe copies src to dst until either closes, holding every byte once frozen.
func (f *sigFreezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case <-f.frozen:
				<-f.closed
				return
			default:
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *sigFreezer) freeze() { close(f.frozen) }

// close drops every connection, which ends their server sessions.
func (f *sigFreezer) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.closed:
		return
	default:
	}
	close(f.closed)
	f.ln.Close()
	for _, c := range f.conns {
		c.Close()
	}
}

// TestSignalWithFrozenDatabase freezes the connection to PostgreSQL in the
// middle of a run, so that no statement ever returns and no cancel request
// reaches the server, then sends SIGINT: the command still ends with exit 3
// and the sentence naming the job and its resume command. Once the database
// answers again, resume finishes the job.
func TestSignalWithFrozenDatabase(t *testing.T) {
	t.Parallel()
	if os.Getenv(testPGEnv) == "" {
		t.Skip(testPGEnv + " is not set: the frozen database test needs PostgreSQL")
	}
	d := jobSeed(t, "postgres", 1000)
	d.env = []string{"HANDOVER_CHUNK_SIZE=1"}
	u, err := url.Parse(d.dsn)
	if err != nil {
		t.Skipf("%s is not a URL: %v", testPGEnv, err)
	}
	freezer := sigStartFreezer(t, u.Host)
	u.Host = freezer.ln.Addr().String()
	frozen := *d
	frozen.dsn = u.String()
	pairs := jobPairing(d.people(1), 0, 300)
	before := d.dump()
	p, job := sigStartJob(t, &frozen, "run", d.writePairs("night.csv", pairs), "--yes")
	freezer.freeze()
	p.signal(syscall.SIGINT)
	sigCheckStopped(t, p.wait(), job.Job, len(pairs))
	freezer.close()
	d.env = nil // resume in chunks of the default size
	for deadline := time.Now().Add(sigBound); ; {
		out := d.run("resume", strconv.FormatInt(job.Job, 10))
		if out.code == handover.ExitBlocked && strings.Contains(out.stderr, crashLocked) && time.Now().Before(deadline) {
			continue // the server has not yet ended the frozen session holding the guard
		}
		if out.code != 0 {
			t.Fatalf("resume after the freeze: %s", out)
		}
		break
	}
	if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
		t.Fatalf("after the freeze, the signal and resume (-expected +found):\n%s", diff)
	}
}

// TestSignalWhileSQLiteBusy holds the SQLite file's write lock from another
// connection in the middle of a run, so that the run's next chunk waits
// for it (SQLite's busy wait does not heed the cancelled context), then
// sends SIGINT: the command still ends, with exit 3 and the sentence naming
// the job; once the lock is free, resume finishes the job.
func TestSignalWhileSQLiteBusy(t *testing.T) {
	t.Parallel()
	d := jobSeed(t, "sqlite", 1000)
	d.env = []string{"HANDOVER_CHUNK_SIZE=1"}
	pairs := jobPairing(d.people(1), 0, 300)
	before := d.dump()
	p, job := sigStartJob(t, d, "run", d.writePairs("night.csv", pairs), "--yes")
	tx, err := d.sql().Beginx() // BEGIN IMMEDIATE: takes the write lock between two chunks
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE tenants SET name = name WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGINT)
	x, _ := sigCheckStopped(t, p.wait(), job.Job, len(pairs))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if s := d.show(job.Job).Job; s.Done+s.Failed != x {
		t.Errorf("the sentence says %d pairs ended; the job is %+v", x, s)
	}
	d.env = nil
	d.mustRun("resume", strconv.FormatInt(job.Job, 10))
	if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
		t.Fatalf("after the signal and resume (-expected +found):\n%s", diff)
	}
}
