package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"handover"
)

// apiClient calls a console's HTTP API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// apiResp is one API answer.
type apiResp struct {
	status int
	header http.Header
	body   string
}

// api serves the console's database on a fresh server, configured by
// configure (nil: as NewServer makes it), and returns it.
func (c *console) api(configure func(*Server)) (*Server, string) {
	c.t.Helper()
	srv := c.server()
	if configure != nil {
		configure(srv)
	}
	ts := httptest.NewServer(srv)
	c.t.Cleanup(ts.Close)
	return srv, ts.URL
}

// token creates an API token for operator op.
func (c *console) token(op int64, name string) string {
	c.t.Helper()
	tok, _, err := c.svc.CreateToken(context.Background(), c.access(op), name, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	return tok
}

// client returns an API client of base as op, with a fresh token.
func (c *console) client(base string, op int64) *apiClient {
	return &apiClient{t: c.t, base: base, token: c.token(op, fmt.Sprintf("test-%d-%d", op, time.Now().UnixNano()))}
}

// do sends one request; header holds extra headers.
func (a *apiClient) do(method, path, contentType, body string, header map[string]string) apiResp {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return apiResp{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (a *apiClient) get(path string) apiResp { return a.do(http.MethodGet, path, "", "", nil) }

// want fails the test unless the answer has status.
func (r apiResp) want(t *testing.T, what string, status int) apiResp {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d, want %d\n%s", what, r.status, status, r.body)
	}
	return r
}

// decode decodes the answer's JSON body into v.
func (r apiResp) decode(t *testing.T, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json\n%s", ct, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorCode returns the code of an {"error": {"code", "message"}} body.
func (r apiResp) errorCode(t *testing.T) handover.Code {
	t.Helper()
	var e struct {
		Error struct {
			Code    handover.Code `json:"code"`
			Message string        `json:"message"`
		} `json:"error"`
	}
	r.decode(t, &e)
	if e.Error.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	return e.Error.Code
}

// apiJob is a job as the API answers it.
type apiJob struct {
	Job      int64  `json:"job"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Operator int64  `json:"operator"`
	Pairs    int    `json:"pairs"`
	Done     int    `json:"done"`
	Failed   int    `json:"failed"`
	Notified *struct {
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
	} `json:"notified"`
}

// poll fetches the job at path until it is no longer running. The
// deadline only catches a hung job; nothing is timed.
func (a *apiClient) poll(path string) apiJob {
	a.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var j apiJob
		a.get(path).want(a.t, "GET "+path, http.StatusOK).decode(a.t, &j)
		if j.Status != string(handover.JobRunning) {
			return j
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s still running after 2 minutes: %+v", path, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobCount counts the tenant's jobs in the ledger.
func (c *console) jobCount() int {
	c.t.Helper()
	var n int
	if err := c.db.SQL().Get(&n, c.db.SQL().Rebind(`SELECT count(*) FROM handover_jobs WHERE tenant_id = ?`), c.info.Tenant); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// TestAPIFlow: people CSV, preview, a job started with an Idempotency-Key
// and polled to its end, its pairs and audit CSV, and a repeat of the key
// answering the first job; the data ends as the pairs say.
func TestAPIFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		people := api.get("/api/v1/people").want(t, "people", http.StatusOK)
		if !strings.HasPrefix(people.body, "\uFEFFFrom User ID,To User ID,Name") || !strings.Contains(people.body, c.name(c.inside)) {
			t.Fatalf("people CSV:\n%.300s", people.body)
		}
		pairs := c.agentPairs(3)
		csv := bulkCSV(pairs) + "999999999,12\n" // an unknown user: an error row
		var prev struct {
			Pairs, OK, Errors int
			Rows              []struct{ Status string }
		}
		api.do(http.MethodPost, "/api/v1/previews", "text/csv", csv, nil).want(t, "preview", http.StatusOK).decode(t, &prev)
		if prev.Pairs != 4 || prev.Errors != 1 || len(prev.Rows) != 4 {
			t.Fatalf("preview: %+v", prev)
		}
		refused := api.do(http.MethodPost, "/api/v1/jobs", "text/csv", csv, nil).want(t, "run with an error row", http.StatusUnprocessableEntity)
		var again struct{ Pairs, Errors int }
		refused.decode(t, &again)
		if again.Pairs != 4 || again.Errors != 1 || c.jobCount() != 1 {
			t.Fatalf("refused run: %+v, %d jobs", again, c.jobCount())
		}
		before := c.rows()
		key := map[string]string{"Idempotency-Key": "nightly-2026-03-02"}
		started := api.do(http.MethodPost, "/api/v1/jobs?skip_invalid=true", "text/csv", csv, key).want(t, "start", http.StatusAccepted)
		loc := started.header.Get("Location")
		var job apiJob
		started.decode(t, &job)
		if loc != fmt.Sprintf("/api/v1/jobs/%d", job.Job) || job.Kind != "run" || job.Pairs != 4 {
			t.Fatalf("started: Location %q, %+v", loc, job)
		}
		checkJobKeys(t, started.body)
		end := api.poll(loc)
		if end.Status != string(handover.JobFailed) || end.Done != 3 || end.Failed != 1 {
			t.Fatalf("ended: %+v", end)
		}
		c.checkRows(transferred(before, pairs))
		repeat := api.do(http.MethodPost, "/api/v1/jobs?skip_invalid=true", "text/csv", csv, key).want(t, "repeated key", http.StatusAccepted)
		if repeat.header.Get("Location") != loc || c.jobCount() != 2 {
			t.Fatalf("repeated key: Location %q (want %q), %d jobs", repeat.header.Get("Location"), loc, c.jobCount())
		}
		var show struct {
			Job   apiJob `json:"job"`
			Pairs []struct {
				Row    int    `json:"row"`
				Status string `json:"status"`
			} `json:"pairs"`
		}
		api.get(loc+"/pairs").want(t, "pairs", http.StatusOK).decode(t, &show)
		if show.Job.Job != job.Job || len(show.Pairs) != 4 {
			t.Fatalf("pairs: %+v", show)
		}
		audit := api.get(loc+"/audit.csv").want(t, "audit", http.StatusOK)
		if lines := strings.Split(strings.TrimSpace(audit.body), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "999999999") || !strings.Contains(lines[1], "unknown_user") {
			t.Fatalf("audit CSV:\n%s", audit.body)
		}
		var list []apiJob
		api.get("/api/v1/jobs").want(t, "jobs", http.StatusOK).decode(t, &list)
		if len(list) != 2 || list[0].Job != job.Job {
			t.Fatalf("jobs: %+v", list)
		}
	})
}

// checkJobKeys checks that a job's JSON has exactly the keys of `jobs
// --format json`.
func checkJobKeys(t *testing.T, body string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"done", "failed", "job", "kind", "operator", "pairs", "started", "status"}; !slices.Equal(keys, want) {
		t.Errorf("job keys %v, want %v", keys, want)
	}
}

// TestAPIUndo: an undo started through the API restores the data.
func TestAPIUndo(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		before := c.rows()
		started := api.do(http.MethodPost, "/api/v1/jobs", "application/json", fmt.Sprintf(`{"from": %d, "to": %d}`, c.agentPairs(1)[0].From, c.agentPairs(1)[0].To), nil)
		loc := started.want(t, "start a pair", http.StatusAccepted).header.Get("Location")
		if j := api.poll(loc); j.Status != "done" || j.Done != 1 {
			t.Fatalf("pair: %+v", j)
		}
		key := map[string]string{"Idempotency-Key": "undo-nightly-1"}
		undo := api.do(http.MethodPost, loc+"/undo", "", "", key).want(t, "undo", http.StatusAccepted)
		var u apiJob
		undo.decode(t, &u)
		if u.Kind != "undo" || undo.header.Get("Location") != fmt.Sprintf("/api/v1/jobs/%d", u.Job) {
			t.Fatalf("undo: %+v, Location %q", u, undo.header.Get("Location"))
		}
		if j := api.poll(undo.header.Get("Location")); j.Status != "done" {
			t.Fatalf("undo ended: %+v", j)
		}
		c.checkRows(before)
		// A client retrying its undo (the answer was lost) gets the undo it
		// started, not a refusal for a job already undone.
		jobs := c.jobCount()
		again := api.do(http.MethodPost, loc+"/undo", "", "", key).want(t, "repeated undo key", http.StatusAccepted)
		if again.header.Get("Location") != undo.header.Get("Location") || c.jobCount() != jobs {
			t.Errorf("repeated undo key: Location %q (want %q), %d jobs (want %d)", again.header.Get("Location"), undo.header.Get("Location"), c.jobCount(), jobs)
		}
		if r := api.do(http.MethodPost, loc+"/resume", "", "", key); r.want(t, "the undo's key on a resume", http.StatusUnprocessableEntity).errorCode(t) != handover.ErrIdempotencyMismatch {
			t.Errorf("the undo's key on a resume: %s", r.body)
		}
		undone := api.do(http.MethodPost, loc+"/undo", "", "", nil)
		if undone.want(t, "undo again without the key", http.StatusBadRequest).errorCode(t) == "" || c.jobCount() != jobs {
			t.Errorf("undo again without the key: %s", undone.body)
		}
		resume := api.do(http.MethodPost, loc+"/resume", "", "", nil)
		if resume.want(t, "resume of a finished job", http.StatusBadRequest).errorCode(t) != handover.ErrUsage {
			t.Errorf("resume of a finished job: %s", resume.body)
		}
	})
}

// TestAPIRefusesTokens: no token, an unknown, revoked or expired one are
// 401; the token of an admin since demoted to supervisor or deactivated
// is 403 on every call; nothing is started.
func TestAPIRefusesTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		admin := c.info.Admins[0].ID
		api := c.client(base, admin)
		api.get("/api/v1/jobs").want(t, "a valid token", http.StatusOK)
		for _, tc := range []struct{ name, token string }{{"no token", ""}, {"unknown token", "hov_nothing"}} {
			r := (&apiClient{t: t, base: base, token: tc.token}).get("/api/v1/jobs").want(t, tc.name, http.StatusUnauthorized)
			if r.errorCode(t) != handover.ErrUnauthenticated || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: %s %v", tc.name, r.body, r.header)
			}
		}
		expiring, _, err := c.svc.CreateToken(context.Background(), c.access(admin), "expiring", 1)
		if err != nil {
			t.Fatal(err)
		}
		(&apiClient{t: t, base: base, token: expiring}).get("/api/v1/jobs").want(t, "a fresh token", http.StatusOK)
		c.clock.advance(24 * time.Hour)
		(&apiClient{t: t, base: base, token: expiring}).get("/api/v1/jobs").want(t, "an expired token", http.StatusUnauthorized)
		revoked := c.client(base, admin)
		tokens, _ := c.svc.Tokens(context.Background(), c.access(admin))
		if err := c.svc.RevokeToken(context.Background(), c.access(admin), tokens[len(tokens)-1].Name); err != nil {
			t.Fatal(err)
		}
		revoked.get("/api/v1/jobs").want(t, "a revoked token", http.StatusUnauthorized)
		c.exec(`UPDATE users SET role = ? WHERE id = ?`, handover.RoleSupervisor, admin)
		jobs := c.jobCount()
		for _, path := range []string{"/api/v1/jobs", "/api/v1/people", fmt.Sprintf("/api/v1/jobs/%d", c.job)} {
			if r := api.get(path).want(t, "supervisor "+path, http.StatusForbidden); r.errorCode(t) != handover.ErrForbidden {
				t.Errorf("%s: %s", path, r.body)
			}
		}
		api.do(http.MethodPost, "/api/v1/jobs", "text/csv", bulkCSV(c.agentPairs(1)), nil).want(t, "supervisor start", http.StatusForbidden)
		c.exec(`UPDATE users SET role = ?, active = ? WHERE id = ?`, handover.RoleAdmin, false, admin)
		api.get("/api/v1/jobs").want(t, "deactivated admin", http.StatusForbidden)
		if c.jobCount() != jobs {
			t.Errorf("refused tokens started jobs: %d, want %d", c.jobCount(), jobs)
		}
	})
}

// TestAPIOtherTenantJob: another tenant's job does not exist (404), and
// an admin's view blanks the names outside it.
func TestAPIOtherTenantJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		other := c.client(base, c.otherTenantAdmin())
		for _, path := range []string{"", "/pairs", "/audit.csv"} {
			r := other.get(fmt.Sprintf("/api/v1/jobs/%d%s", c.job, path)).want(t, "other tenant "+path, http.StatusNotFound)
			if r.errorCode(t) != handover.ErrNotFound {
				t.Errorf("%s: %s", path, r.body)
			}
		}
		other.do(http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/undo", c.job), "", "", nil).want(t, "other tenant undo", http.StatusNotFound)
		admin := c.client(base, c.info.Admins[0].ID)
		r := admin.get(fmt.Sprintf("/api/v1/jobs/%d/pairs", c.job)).want(t, "admin's pairs", http.StatusOK)
		if strings.Contains(r.body, "Zo") {
			t.Errorf("an out-of-view name is shown: %s", r.body)
		}
		admin.do(http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/undo", c.job), "", "", nil).want(t, "undo out of view", http.StatusForbidden)
	})
}

// TestAPILocked: while a bulk job holds the tenant's guard, starts are 409
// and change nothing, also with an Idempotency-Key, which stays free for
// the retry that succeeds once the guard is released.
func TestAPILocked(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		guard, err := c.db.LockTenant(context.Background(), c.access(c.info.Admins[0].ID).Op, "run")
		if err != nil {
			t.Fatal(err)
		}
		csv := bulkCSV(c.agentPairs(2))
		key := map[string]string{"Idempotency-Key": "k-locked"}
		jobs := c.jobCount()
		for _, h := range []map[string]string{nil, key} {
			r := api.do(http.MethodPost, "/api/v1/jobs", "text/csv", csv, h).want(t, "start while locked", http.StatusConflict)
			if r.errorCode(t) != handover.ErrLocked {
				t.Errorf("locked: %s", r.body)
			}
			if got := r.header.Get("Retry-After"); got != "5" {
				t.Errorf("locked: Retry-After %q, want 5 (seconds)", got)
			}
		}
		if c.jobCount() != jobs {
			t.Fatalf("a locked start recorded a job")
		}
		guard.Release()
		loc := api.do(http.MethodPost, "/api/v1/jobs", "text/csv", csv, key).want(t, "retry after the lock", http.StatusAccepted).header.Get("Location")
		if j := api.poll(loc); j.Status != "done" {
			t.Fatalf("retry: %+v", j)
		}
	})
}

// TestAPIWhileBulkRuns: while a bulk job runs in the server, a start
// through the API is 409 naming that job, and changes nothing.
func TestAPIWhileBulkRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		srv, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		pairs := c.agentPairs(3)
		running, open := c.startHeld(srv, c.access(c.info.TenantAdmin), upload(t, bulkCSV(pairs)))
		jobs := c.jobCount()
		r := api.do(http.MethodPost, "/api/v1/jobs", "application/json", fmt.Sprintf(`{"from": %d, "to": %d}`, pairs[0].From, pairs[0].To), nil)
		if r.want(t, "start while a bulk job runs", http.StatusConflict).errorCode(t) != handover.ErrLocked || !strings.Contains(r.body, fmt.Sprintf("job %d", running.ID)) {
			t.Errorf("409 does not name the running job %d: %s", running.ID, r.body)
		}
		if c.jobCount() != jobs {
			t.Errorf("a refused start recorded a job")
		}
		close(open)
		if j := api.poll(fmt.Sprintf("/api/v1/jobs/%d", running.ID)); j.Status != "done" {
			t.Fatalf("the bulk job: %+v", j)
		}
	})
}

// TestAPITooLarge: a body over MaxUpload is 413 and changes nothing.
func TestAPITooLarge(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(func(s *Server) { s.MaxUpload = 1 << 10 })
		api := c.client(base, c.info.TenantAdmin)
		csv := bulkCSV(c.agentPairs(2)) + strings.Repeat(",,\n", 1<<10)
		before, jobs := c.rows(), c.jobCount()
		for _, path := range []string{"/api/v1/previews", "/api/v1/jobs"} {
			if r := api.do(http.MethodPost, path, "text/csv", csv, nil).want(t, path, http.StatusRequestEntityTooLarge); r.errorCode(t) != handover.ErrTooLarge {
				t.Errorf("%s: %s", path, r.body)
			}
		}
		body := fmt.Sprintf(`{"from": 1, "to": 2, "types": "%s"}`, strings.Repeat("x", 2<<10))
		api.do(http.MethodPost, "/api/v1/jobs", "application/json", body, nil).want(t, "a large JSON body", http.StatusRequestEntityTooLarge)
		if c.jobCount() != jobs {
			t.Errorf("a refused body recorded a job")
		}
		c.checkRows(before)
	})
}

// TestAPIIdempotencyRace: requests racing with one Idempotency-Key and one
// body all answer the one job they started; another body under the key is
// 422 idempotency_mismatch.
func TestAPIIdempotencyRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		csv := bulkCSV(c.agentPairs(8))
		key := map[string]string{"Idempotency-Key": "race-1"}
		jobs := c.jobCount()
		const racers = 6
		got := make([]apiResp, racers)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i] = api.do(http.MethodPost, "/api/v1/jobs", "text/csv", csv, key) })
		}
		wg.Wait()
		for i, r := range got {
			r.want(t, fmt.Sprintf("racer %d", i), http.StatusAccepted)
			if r.header.Get("Location") != got[0].header.Get("Location") {
				t.Errorf("racer %d: Location %q, racer 0: %q", i, r.header.Get("Location"), got[0].header.Get("Location"))
			}
		}
		if n := c.jobCount(); n != jobs+1 {
			t.Fatalf("%d racing requests recorded %d jobs, want 1", racers, n-jobs)
		}
		api.poll(got[0].header.Get("Location"))
		other := api.do(http.MethodPost, "/api/v1/jobs", "text/csv", bulkCSV(c.agentPairs(1)), key).want(t, "another body", http.StatusUnprocessableEntity)
		if other.errorCode(t) != handover.ErrIdempotencyMismatch {
			t.Errorf("another body: %s", other.body)
		}
		api.do(http.MethodPost, "/api/v1/jobs?deactivate_source=true", "text/csv", csv, key).want(t, "other options", http.StatusUnprocessableEntity)
	})
}

// TestAPISlowUploadHoldsNothing: an upload still arriving holds neither
// the tenant's guard nor a job: a start meanwhile runs to its end, and
// the slow upload's job starts once its body is complete.
func TestAPISlowUploadHoldsNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		pairs := c.agentPairs(4)
		body, feed := io.Pipe()
		slow := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/jobs", body)
			req.Header.Set("Authorization", "Bearer "+api.token)
			req.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				slow <- 0
				return
			}
			resp.Body.Close()
			slow <- resp.StatusCode
		}()
		whole := bulkCSV(pairs[:2])
		if _, err := io.WriteString(feed, whole[:len(whole)/2]); err != nil { // sent: the server is reading it
			t.Fatal(err)
		}
		loc := api.do(http.MethodPost, "/api/v1/jobs", "text/csv", bulkCSV(pairs[2:]), nil).want(t, "a start beside a slow upload", http.StatusAccepted).header.Get("Location")
		if j := api.poll(loc); j.Status != "done" || j.Done != 2 {
			t.Fatalf("the job beside the slow upload: %+v", j)
		}
		if _, err := io.WriteString(feed, whole[len(whole)/2:]); err != nil {
			t.Fatal(err)
		}
		feed.Close()
		if code := <-slow; code != http.StatusAccepted {
			t.Fatalf("the slow upload, once complete: %d", code)
		}
	})
}
