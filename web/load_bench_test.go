package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"handover"
	"handover/engine"
	"handover/sample"
	"handover/transfer"
)

// The console's load benchmark: loadSessions signed-in admins browse the
// job pages on loopback while a bulk job of loadPairs pairs runs in the
// server, against the same job run alone on an identical database.
const (
	loadSessions = 50
	loadPairs    = 2000
)

// loadOptions builds the benchmark's tenant: 2,000 pairs of heavy agents
// owning about 200 rows each among 5,000 users.
var loadOptions = sample.Options{Users: 5000, Seed: 4, RowsPerUser: 20, Heavy: 2 * loadPairs, HeavyRows: 200}

// BenchmarkConsoleLoad reports, per iteration, how long the 2,000-pair job
// takes alone (the mean of a run before and one after) and while 50
// sessions browse (and their ratio), and the
// sessions' page times at the median and the 99th percentile. Each
// session waits HANDOVER_LOAD_THINK between pages (default 1s, the job
// page's poll; 0 fetches back to back). SQLite, or PostgreSQL when
// HANDOVER_TEST_PG is set and HANDOVER_LOAD_PG=1.
//
//	go test ./web -run '^$' -bench BenchmarkConsoleLoad -benchtime 1x
func BenchmarkConsoleLoad(b *testing.B) {
	backend := "sqlite"
	if os.Getenv("HANDOVER_LOAD_PG") == "1" && os.Getenv("HANDOVER_TEST_PG") != "" {
		backend = "postgres"
	}
	think, err := time.ParseDuration(cmp.Or(os.Getenv("HANDOVER_LOAD_THINK"), "1s"))
	if err != nil {
		b.Fatalf("HANDOVER_LOAD_THINK: %v", err)
	}
	for range b.N {
		b.StopTimer()
		before, loaded, after := loadConsole(b, backend), loadConsole(b, backend), loadConsole(b, backend)
		sessions := loaded.sessions()
		b.StartTimer()
		// Alone before and after the loaded run, on identical databases: the
		// machine's own load drifts, and the mean of the two follows it.
		aloneTook := before.runJob(nil)
		var times []time.Duration
		loadedTook := loaded.runJob(func(job int64, stop <-chan struct{}) { times = loaded.browse(sessions, job, think, stop) })
		aloneTook = (aloneTook + after.runJob(nil)) / 2
		slices.Sort(times)
		b.ReportMetric(aloneTook.Seconds(), "alone-s")
		b.ReportMetric(loadedTook.Seconds(), "loaded-s")
		b.ReportMetric(loadedTook.Seconds()/aloneTook.Seconds(), "slowdown-x")
		b.ReportMetric(ms(percentile(times, 0.50)), "p50-ms")
		b.ReportMetric(ms(percentile(times, 0.99)), "p99-ms")
		b.ReportMetric(float64(len(times)), "pages")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the p-th of sorted durations (0 when none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// loadRig is one seeded database served by the console.
type loadRig struct {
	b    *testing.B
	svc  *transfer.Service
	srv  *Server
	ts   *httptest.Server
	info sample.Info
	a    transfer.Access
	old  int64 // a finished job, for the sessions to browse
}

func loadConsole(b *testing.B, backend string) *loadRig {
	b.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, freshDSN(b, backend))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	info, err := sample.Build(ctx, db, loadOptions)
	if err != nil {
		b.Fatal(err)
	}
	r := &loadRig{b: b, svc: &transfer.Service{DB: db}, info: info}
	if r.a, err = r.svc.Authorize(ctx, info.TenantAdmin); err != nil {
		b.Fatal(err)
	}
	if r.srv, err = NewServer(r.svc, "http://127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	r.ts = httptest.NewServer(r.srv)
	b.Cleanup(r.ts.Close)
	others := slices.DeleteFunc(slices.Clone(info.ActiveAgents), func(id int64) bool { return slices.Contains(info.Heavy, id) })
	out, err := r.svc.Run(ctx, r.a, handover.PairUpload(itoa(others[0]), itoa(others[1])), handover.RunOptions{}, unprompted{}, quiet{})
	if err != nil {
		b.Fatalf("the finished job: %v", err)
	}
	r.old = out.Job.ID
	return r
}

// runJob runs the heavy pairs as one bulk job in the server and returns
// how long it took from start to end; during it, load (when set) runs
// until stop is closed.
func (r *loadRig) runJob(load func(job int64, stop <-chan struct{})) time.Duration {
	r.b.Helper()
	var csv []byte
	csv = append(csv, "From User ID,To User ID\n"...)
	for _, p := range r.info.HeavyPairs() {
		csv = fmt.Appendf(csv, "%d,%d\n", p.From, p.To)
	}
	up, err := transfer.Read(bytes.NewReader(csv), "load.csv", 0, "")
	if err != nil {
		r.b.Fatal(err)
	}
	start := time.Now()
	job, err := r.srv.start(r.a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return r.svc.Run(ctx, r.a, up, handover.RunOptions{}, unprompted{}, p)
	})
	if err != nil {
		r.b.Fatal(err)
	}
	stop, loaded := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(loaded)
		if load != nil {
			load(job.ID, stop)
		}
	}()
	r.srv.jobs.wg.Wait() // the job's goroutine, the server's only one
	took := time.Since(start)
	close(stop)
	<-loaded
	end, _, err := r.svc.Show(context.Background(), r.a, job.ID)
	if err != nil || end.Status != handover.JobDone || end.Done != loadPairs {
		r.b.Fatalf("job %d ended %+v: %v", job.ID, end, err)
	}
	return took
}

// browse runs the signed-in sessions until stop is closed, each fetching
// job pages one after the other, think apart, and returns every page's
// time.
func (r *loadRig) browse(sessions []*http.Client, job int64, think time.Duration, stop <-chan struct{}) []time.Duration {
	paths := []string{"/jobs", "/jobs/" + itoa(job), "/jobs/" + itoa(job) + "/progress", "/jobs/" + itoa(r.old), "/jobs/" + itoa(r.old) + "/audit.csv"}
	var mu sync.Mutex
	var all []time.Duration
	var failed error
	var wg sync.WaitGroup
	for i, client := range sessions {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 1))
			var mine []time.Duration
			var err error
			for err == nil {
				select {
				case <-stop:
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
					return
				default:
				}
				var took time.Duration
				path := paths[rng.IntN(len(paths))]
				took, err = r.page(client, path)
				mine = append(mine, took)
				select {
				case <-stop:
				case <-time.After(think):
				}
			}
			mu.Lock()
			failed = err
			mu.Unlock()
		}(uint64(i))
	}
	wg.Wait()
	if failed != nil {
		r.b.Error(failed)
	}
	return all
}

// sessions signs loadSessions browsers in, as the tenant admin and the
// tenant's admins in turn.
func (r *loadRig) sessions() []*http.Client {
	ops := []int64{r.info.TenantAdmin}
	for _, a := range r.info.Admins {
		ops = append(ops, a.ID)
	}
	clients := make([]*http.Client, loadSessions)
	for i := range clients {
		clients[i] = r.session(ops[i%len(ops)])
	}
	return clients
}

// session signs op in and returns their browser.
func (r *loadRig) session(op int64) *http.Client {
	a, err := r.svc.Authorize(context.Background(), op)
	if err != nil {
		r.b.Fatal(err)
	}
	token, _, err := r.svc.SigninLink(context.Background(), a)
	if err != nil {
		r.b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(r.ts.URL + "/signin?token=" + url.QueryEscape(token))
	if err != nil || resp.StatusCode != http.StatusOK {
		r.b.Fatalf("sign in %d: %v %v", op, err, resp)
	}
	resp.Body.Close()
	return client
}

// page fetches path in full and returns how long it took.
func (r *loadRig) page(client *http.Client, path string) (time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(r.ts.URL + path)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return time.Since(start), nil
}
