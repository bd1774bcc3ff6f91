package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"handover"
	"handover/web"
)

// The HTTP API through the built binary: `serve` as its own process, called
// with Go's HTTP client, killed with SIGKILL and started again.

// served is a running `handover serve` process.
type served struct {
	base   string
	cmd    interface{ Kill() error }
	wait   func() error
	stderr *bytes.Buffer // read it only once wait has returned
}

// serveBinary starts the binary's serve on a free port with extra flags
// and returns it once it has printed its URL.
func (d *jobTenant) serveBinary(extra ...string) *served {
	d.tb.Helper()
	cmd, _, stderr := d.command(append([]string{"serve", "--listen", "127.0.0.1:0"}, extra...)...)
	cmd.Stdout = nil // the URL is read from the pipe
	out, err := cmd.StdoutPipe()
	if err != nil {
		d.tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		d.tb.Fatal(err)
	}
	var once sync.Once
	var waitErr error
	wait := func() error { once.Do(func() { waitErr = cmd.Wait() }); return waitErr }
	d.tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if base == "" {
		_ = cmd.Process.Kill()
		_ = wait()
		d.tb.Fatalf("serve printed %q; stderr:\n%s", line, stderr)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &served{base: base, cmd: cmd.Process, wait: wait, stderr: stderr}
}

// token creates an API token through the binary and returns it.
func (d *jobTenant) token(name string) string {
	d.tb.Helper()
	out := d.mustRun("token", "create", "--name", name)
	token := strings.TrimSpace(out.stdout)
	if !strings.HasPrefix(token, "hov_") || strings.Contains(out.stderr, token) {
		d.tb.Fatalf("token create: %s", out)
	}
	return token
}

// call makes one API request with token and returns status, Location
// and body.
func call(t *testing.T, method, url, token, contentType, body string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// pollJob GETs the job at url until it is no longer running, or until
// stop says so; the deadline only catches a hung job.
func pollJob(t *testing.T, url, token string, stop func(jobJSON) bool) jobJSON {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		code, _, body := call(t, http.MethodGet, url, token, "", "")
		var j jobJSON
		if code != http.StatusOK || json.Unmarshal([]byte(body), &j) != nil {
			t.Fatalf("GET %s: %d\n%s", url, code, body)
		}
		if j.Status != string(handover.JobRunning) || (stop != nil && stop(j)) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still running after 3 minutes: %+v", url, j)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hookReceiver keeps every notification posted to it.
type hookReceiver struct {
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got, h.body = append(h.got, r), append(h.body, b)
}

func (h *hookReceiver) deliveries() ([]*http.Request, [][]byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.got...), append([][]byte(nil), h.body...)
}

// TestAPIBinary: tokens made and revoked with the binary; its serve runs
// the whole flow for Go's HTTP client (people, preview, a job started with
// an Idempotency-Key and polled to done, the audit CSV) and posts one
// signed notification, which `show` then reports.
func TestAPIBinary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 200)
		if out := d.operator(d.supervisor(t)).run("token", "create", "--name", "sup"); out.code != handover.ExitBlocked {
			t.Fatalf("a supervisor's token: %s", out)
		}
		token := d.token("nightly")
		hook := &hookReceiver{}
		hs := httptest.NewServer(hook)
		t.Cleanup(hs.Close)
		secret := "a-shared-secret"
		d.writeFile("hook.secret", secret+"\n")
		srv := d.serveBinary("--notify-url", hs.URL, "--notify-secret-file", filepath.Join(d.dir, "hook.secret"))
		api := srv.base + "/api/v1"
		if code, _, body := call(t, http.MethodGet, api+"/people", token, "", ""); code != http.StatusOK || !strings.Contains(body, "From User ID") {
			t.Fatalf("people: %d\n%.200s", code, body)
		}
		csv := pairsCSV(jobPairing(d.people(1), 0, 5))
		if code, _, body := call(t, http.MethodPost, api+"/previews", token, "text/csv", csv); code != http.StatusOK || !strings.Contains(body, `"pairs": 5`) {
			t.Fatalf("preview: %d\n%s", code, body)
		}
		code, loc, body := call(t, http.MethodPost, api+"/jobs", token, "text/csv", csv, "Idempotency-Key", "hr-feed-1")
		if code != http.StatusAccepted || loc == "" {
			t.Fatalf("start: %d %q\n%s", code, loc, body)
		}
		if j := pollJob(t, srv.base+loc, token, nil); j.Status != "done" || j.Done != 5 {
			t.Fatalf("job: %+v", j)
		}
		if code, again, _ := call(t, http.MethodPost, api+"/jobs", token, "text/csv", csv, "Idempotency-Key", "hr-feed-1"); code != http.StatusAccepted || again != loc {
			t.Fatalf("repeated key: %d %q, want %q", code, again, loc)
		}
		if code, _, body := call(t, http.MethodGet, srv.base+loc+"/audit.csv", token, "", ""); code != http.StatusOK || !strings.Contains(body, "Error") {
			t.Fatalf("audit: %d\n%s", code, body)
		}
		checkDelivery(t, d, hook, secret, loc)
		list := d.mustRun("token", "list")
		if !strings.Contains(list.stdout, "nightly") || strings.Contains(list.stdout, token) || strings.Contains(list.stdout, token[4:]) {
			t.Fatalf("token list:\n%s", list.stdout)
		}
		d.mustRun("token", "revoke", "nightly")
		if code, _, body := call(t, http.MethodGet, api+"/jobs", token, "", ""); code != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d\n%s", code, body)
		}
		_ = srv.cmd.Kill()
		_ = srv.wait()
		if log := srv.stderr.String(); strings.Contains(log, token[4:]) || strings.Contains(log, secret) || !strings.Contains(log, hs.URL) {
			t.Errorf("serve's log shows a secret, or not where notifications go:\n%s", log)
		}
	})
}

// checkDelivery waits for the one notification of the job at loc, checks
// its signature, and that `show` says it was delivered.
func checkDelivery(t *testing.T, d *jobTenant, hook *hookReceiver, secret, loc string) {
	t.Helper()
	id := loc[strings.LastIndex(loc, "/")+1:]
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(d.mustRun("show", id).stdout, "Notification delivered") {
		if time.Now().After(deadline) {
			t.Fatalf("show %s never says the notification was delivered:\n%s", id, d.mustRun("show", id).stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, bodies := hook.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	ts := got[0].Header.Get(web.TimestampHeader)
	want := web.Sign([]byte(secret), ts, bodies[0])
	if sig := got[0].Header.Get(web.SignatureHeader); !hmac.Equal([]byte(sig), []byte(want)) {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	if !strings.Contains(string(bodies[0]), `"job": `+id) {
		t.Errorf("delivered:\n%s", bodies[0])
	}
}

// supervisor returns a supervisor of tenant 1.
func (d *jobTenant) supervisor(t *testing.T) int64 {
	t.Helper()
	return d.count(`SELECT min(id) FROM users WHERE tenant_id = 1 AND role = 'supervisor'`)
}

// pairsCSV is the minimal upload of pairs.
func pairsCSV(pairs []handover.Pair) string {
	var b strings.Builder
	b.WriteString("From User ID,To User ID\n")
	for _, p := range pairs {
		fmt.Fprintf(&b, "%d,%d\n", p.From, p.To)
	}
	return b.String()
}

// TestAPIKilledServeResumes: serve is SIGKILLed while a job it started
// through the API runs; started again, it resumes the job by itself, and
// polling the API reaches done with every pair done once.
func TestAPIKilledServeResumes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		d := jobSeed(t, backend, 3000)
		d.env = []string{"HANDOVER_CHUNK_SIZE=1"}
		token := d.token("killed")
		people := d.people(1)
		const attempts, size = 2, 400
		for attempt := 0; ; attempt++ {
			if attempt == attempts {
				t.Fatalf("%d jobs of %d pairs each finished before serve could be killed", attempts, size)
			}
			pairs := jobPairing(people, 2*size*attempt, size)
			if killServeMidJob(t, d, token, pairs) {
				return
			}
		}
	})
}

// killServeMidJob starts a job of pairs on a served binary, kills it with
// SIGKILL once the job has done a pair, starts serve again and checks that
// the job resumes to done. It returns false when the job finished before
// the kill (nothing was checked).
func killServeMidJob(t *testing.T, d *jobTenant, token string, pairs []handover.Pair) bool {
	srv := d.serveBinary()
	code, loc, body := call(t, http.MethodPost, srv.base+"/api/v1/jobs", token, "text/csv", pairsCSV(pairs))
	if code != http.StatusAccepted {
		t.Fatalf("start: %d\n%s", code, body)
	}
	mid := pollJob(t, srv.base+loc, token, func(j jobJSON) bool { return j.Done > 0 })
	if err := srv.cmd.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = srv.wait()
	if mid.Status != "running" {
		t.Logf("the job finished before serve was killed: %+v", mid)
		return false
	}
	killed := srv.stderr.String()
	srv = d.serveBinary() // resumes the interrupted job beside serving
	end := pollJob(t, srv.base+loc, token, nil)
	for deadline := time.Now().Add(time.Minute); end.Status == string(handover.JobInterrupted); end = pollJob(t, srv.base+loc, token, nil) {
		if time.Now().After(deadline) {
			_ = srv.cmd.Kill()
			_ = srv.wait()
			t.Fatalf("serve started again but left the job interrupted: %+v\nthe killed serve's log:\n%s\nthe restarted serve's log:\n%s", end, killed, srv.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if end.Status != "done" || end.Done != len(pairs) || end.Failed != 0 {
		t.Fatalf("after the kill and the restart: %+v (killed at %+v)", end, mid)
	}
	var show jobShowJSON
	_, _, body = call(t, http.MethodGet, srv.base+loc+"/pairs", token, "", "")
	if err := json.Unmarshal([]byte(body), &show); err != nil || len(show.Pairs) != len(pairs) {
		t.Fatalf("pairs of the resumed job: %v\n%.300s", err, body)
	}
	for _, p := range show.Pairs {
		if p.Status != "done" {
			t.Fatalf("pair %+v of the resumed job is not done", p)
		}
	}
	return true
}
