package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"handover"
	"handover/engine"
	"handover/sample"
	"handover/transfer"
)

// benchPairs is the size of the upload the API benchmark works with: the
// most pairs one upload may hold.
const benchPairs = handover.DefaultMaxPairs

// BenchmarkAPI measures each API route's latency on a tenant with a
// 2,000-pair upload (previewed, started, its job's pairs and audit), on
// SQLite, or PostgreSQL when HANDOVER_TEST_PG is set; each sub-benchmark
// reports its median as p50-ms. Starting, undoing and waiting are timed
// up to the 202; the jobs' own work is not.
//
//	go test ./web/ -run '^$' -bench BenchmarkAPI -benchtime 20x
func BenchmarkAPI(b *testing.B) {
	backend := "sqlite"
	if os.Getenv("HANDOVER_TEST_PG") != "" {
		backend = "postgres"
	}
	ctx := context.Background()
	db, err := engine.Open(ctx, freshDSN(b, backend))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	info, err := sample.Build(ctx, db, sample.Options{Users: 6000, RowsPerUser: 3})
	if err != nil {
		b.Fatal(err)
	}
	if len(info.ActiveAgents) < 2*benchPairs {
		b.Fatalf("%d active agents for %d pairs", len(info.ActiveAgents), benchPairs)
	}
	pairs := make([]handover.Pair, benchPairs)
	for i := range pairs {
		pairs[i] = handover.Pair{From: info.ActiveAgents[i], To: info.ActiveAgents[benchPairs+i]}
	}
	svc := &transfer.Service{DB: db}
	srv, err := NewServer(svc, "http://127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	a, err := svc.Authorize(ctx, info.TenantAdmin)
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.CreateToken(ctx, a, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	bench := &apiBench{base: ts.URL, token: token, csv: bulkCSV(pairs)}
	job := bench.startAndWait(b)
	for _, r := range []struct{ name, method, path, body string }{
		{"POST previews", http.MethodPost, "/api/v1/previews", bench.csv},
		{"GET people", http.MethodGet, "/api/v1/people", ""},
		{"GET jobs", http.MethodGet, "/api/v1/jobs", ""},
		{"GET job", http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", job), ""},
		{"GET pairs", http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d/pairs", job), ""},
		{"GET audit.csv", http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d/audit.csv", job), ""},
		{"GET openapi.json", http.MethodGet, "/api/v1/openapi.json", ""},
		{"GET healthz", http.MethodGet, "/healthz", ""},
		{"GET readyz", http.MethodGet, "/readyz", ""},
	} {
		b.Run(r.name, func(b *testing.B) {
			bench.measure(b, func() time.Duration { return bench.call(b, r.method, r.path, r.body, http.StatusOK).took })
		})
	}
	b.Run("POST jobs", func(b *testing.B) {
		bench.measure(b, func() time.Duration {
			started := bench.call(b, http.MethodPost, "/api/v1/jobs", bench.csv, http.StatusAccepted)
			bench.wait(b, started.location)
			return started.took
		})
	})
	b.Run("POST undo", func(b *testing.B) {
		bench.measure(b, func() time.Duration {
			run := bench.startAndWait(b)
			undo := bench.call(b, http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/undo", run), "", http.StatusAccepted)
			bench.wait(b, undo.location)
			return undo.took
		})
	})
}

// apiBench calls one server's API with one token.
type apiBench struct {
	base, token, csv string
}

// called is one timed call.
type called struct {
	took     time.Duration
	location string
	body     string
}

// measure runs one timed call per iteration and reports their median.
func (x *apiBench) measure(b *testing.B, call func() time.Duration) {
	took := make([]time.Duration, 0, b.N)
	for b.Loop() {
		took = append(took, call())
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}

// call makes one request and checks its status; the timer covers the
// request until its body is read.
func (x *apiBench) call(b *testing.B, method, path, body string, want int) called {
	req, err := http.NewRequest(method, x.base+path, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+x.token)
	if body != "" {
		req.Header.Set("Content-Type", "text/csv")
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil || resp.StatusCode != want {
		b.Fatalf("%s %s: %d (%v)\n%.300s", method, path, resp.StatusCode, err, got)
	}
	return called{took: took, location: resp.Header.Get("Location"), body: string(got)}
}

// startAndWait starts the 2,000-pair job, waits for its end and returns it.
func (x *apiBench) startAndWait(b *testing.B) int64 {
	started := x.call(b, http.MethodPost, "/api/v1/jobs", x.csv, http.StatusAccepted)
	x.wait(b, started.location)
	var id int64
	if _, err := fmt.Sscanf(started.location, "/api/v1/jobs/%d", &id); err != nil {
		b.Fatalf("Location %q: %v", started.location, err)
	}
	return id
}

// wait polls the job at loc until it is no longer running.
func (x *apiBench) wait(b *testing.B, loc string) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		if !strings.Contains(x.call(b, http.MethodGet, loc, "", http.StatusOK).body, `"status": "running"`) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s still running after 10 minutes", loc)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
