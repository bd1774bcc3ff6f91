package main

// Tests of the console's background jobs through the built binary: a
// server killed (SIGKILL) or stopped (SIGTERM) in the middle of a bulk job
// resumes it when it starts again, and the tables end as an uninterrupted
// run leaves them.

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// servePairs is how many pairs the served bulk jobs have: with one pair to
// a transaction, enough for a signal to land in the middle of the job.
const servePairs = 200

// serveProc is `handover serve` running in the background.
type serveProc struct {
	*sigProc
	base string
}

// serveStart starts the binary's console on d and waits for its URL.
func serveStart(t *testing.T, d *jobTenant) *serveProc {
	t.Helper()
	cmd, _, _ := d.command("serve", "--listen", "127.0.0.1:0")
	p := &serveProc{sigProc: sigStart(t, cmd)}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	for deadline := time.Now().Add(sigBound); p.base == ""; time.Sleep(5 * time.Millisecond) {
		p.base = url.FindString(p.stdout.String())
		select {
		case <-p.done:
			t.Fatalf("serve ended before printing its URL:\n%s\n%s", p.stdout, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL:\n%s", p.stderr)
		}
	}
	return p
}

// signIn returns a browser signed in to the console as d's operator.
func (p *serveProc) signIn(t *testing.T, d *jobTenant) *http.Client {
	t.Helper()
	link := strings.TrimSpace(d.mustRun("signin-link", "--base-url", p.base).stdout)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	if body := fetch(t, client, link); !strings.Contains(body, "<h1>Jobs</h1>") {
		t.Fatalf("the link did not sign in:\n%s", body)
	}
	return client
}

// undo posts the Jobs page's confirmed Undo of job and returns the undo
// job the console started.
func (p *serveProc) undo(t *testing.T, client *http.Client, job int64, pairs int) int64 {
	t.Helper()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { client.CheckRedirect = nil }()
	resp, err := client.PostForm(p.base+"/jobs/"+jobID(job)+"/undo", url.Values{"confirm_pairs": {strconv.Itoa(pairs)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/jobs/"), 10, 64)
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("undo of job %d: %s, Location %q", job, resp.Status, loc)
	}
	return id
}

// waitMidway waits until job has more than since pairs done and some
// still pending, and returns how many are done.
func waitMidway(t *testing.T, d *jobTenant, job, since int64) int64 {
	t.Helper()
	for deadline := time.Now().Add(sigBound); ; time.Sleep(2 * time.Millisecond) {
		done := d.count(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = 'done'`, job)
		if done == servePairs {
			t.Fatalf("job %d finished before the signal could land in its middle", job)
		}
		if done > since {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: no pair done", job)
		}
	}
}

// waitStatus waits until job has status.
func waitStatus(t *testing.T, d *jobTenant, job int64, status string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(sigBound); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := d.sql().Get(&got, d.sql().Rebind(`SELECT status FROM handover_jobs WHERE id = ?`), job); err == nil && got == status {
			return
		}
	}
	t.Fatalf("job %d is %q, not %s", job, got, status)
}

// TestServeResumesKilledAndStoppedJobs: a bulk undo run by the console is
// cut by SIGKILL, then by SIGTERM (which records it interrupted and exits
// 0); each time the console started again resumes it, and the tables end
// row by row as before the run it undid, the state an uninterrupted undo
// leaves.
func TestServeResumesKilledAndStoppedJobs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 2*servePairs+100)
		d.env = []string{"HANDOVER_CHUNK_SIZE=1"}
		pairs := jobPairing(d.people(1), 0, servePairs)
		file := d.writePairs("night.csv", pairs)
		before := d.dump()
		for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
			d.mustRun("run", file, "--yes")
			run := d.newestJob().Job
			if diff := jobDiff(jobApply(before, pairs, false), d.dump()); diff != "" {
				t.Fatalf("the run's tables (-want +got):\n%s", diff)
			}
			p := serveStart(t, d)
			job := p.undo(t, p.signIn(t, d), run, servePairs)
			waitMidway(t, d, job, 0)
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			<-p.done
			if sig == syscall.SIGTERM {
				waitStatus(t, d, job, "interrupted")
				if code := p.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(p.stderr.String(), "console stopped") {
					t.Errorf("SIGTERM: exit %d\n%s", code, p.stderr)
				}
			}
			if n := d.count(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = 'pending'`, job); n == 0 {
				t.Fatalf("%s left no pair of job %d pending", sig, job)
			}
			again := serveStart(t, d)
			waitStatus(t, d, job, "done")
			if diff := jobDiff(before, d.dump()); diff != "" {
				t.Fatalf("after %s and the resume, the tables differ from before the run (-want +got):\n%s", sig, diff)
			}
			_ = again.cmd.Process.Signal(syscall.SIGTERM)
			<-again.done
		}
	})
}

// TestServeResumesKilledRun: a bulk run killed in the command line is
// resumed by the console when it starts; the console is SIGKILLed in the
// middle of it, started again, resumes it again, and the tables end row
// by row as an uninterrupted run leaves them.
func TestServeResumesKilledRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 2*servePairs+100)
		d.env = []string{"HANDOVER_CHUNK_SIZE=1"}
		pairs := jobPairing(d.people(1), 0, servePairs)
		want := jobApply(d.dump(), pairs, false)
		cli, job := crashStartJob(t, d, "run", d.writePairs("night.csv", pairs), "--yes")
		cli.kill()
		<-cli.done
		done := d.count(`SELECT count(*) FROM handover_pairs WHERE job_id = ? AND status = 'done'`, job)
		p := serveStart(t, d)
		waitMidway(t, d, job, done)
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		again := serveStart(t, d)
		waitStatus(t, d, job, "done")
		if diff := jobDiff(want, d.dump()); diff != "" {
			t.Fatalf("after the kills and resumes, the tables differ from an uninterrupted run (-want +got):\n%s", diff)
		}
		_ = again.cmd.Process.Signal(syscall.SIGTERM)
		<-again.done
	})
}
