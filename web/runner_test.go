package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/transfer"
)

// server returns a second web server on the console's database, for tests
// that call its methods (start, Shutdown) directly.
func (c *console) server() *Server {
	c.t.Helper()
	srv, err := NewServer(c.svc, "http://127.0.0.1")
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

// access returns the access of operator id.
func (c *console) access(id int64) transfer.Access {
	c.t.Helper()
	a, err := c.svc.Authorize(context.Background(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	return a
}

// agentPairs returns n pairs of distinct active agents of the tenant (none
// of them in the console's first job), sources and targets disjoint.
func (c *console) agentPairs(n int) []handover.Pair {
	c.t.Helper()
	var free []int64
	for _, id := range c.info.ActiveAgents {
		if id != c.inside && id != c.outside {
			free = append(free, id)
		}
	}
	if len(free) < 2*n {
		c.t.Fatalf("%d pairs wanted, %d free agents", n, len(free))
	}
	pairs := make([]handover.Pair, n)
	for i := range pairs {
		pairs[i] = handover.Pair{From: free[i], To: free[n+i]}
	}
	return pairs
}

// bulkCSV is the people CSV that hands each pair's data over.
func bulkCSV(pairs []handover.Pair) string {
	var b strings.Builder
	b.WriteString("From User ID,To User ID\n")
	for _, p := range pairs {
		fmt.Fprintf(&b, "%d,%d\n", p.From, p.To)
	}
	return b.String()
}

// upload reads a CSV as the flow's upload.
func upload(t *testing.T, csv string) *handover.Upload {
	t.Helper()
	up, err := transfer.Read(strings.NewReader(csv), "transfers.csv", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// preview returns what the dialog of up's preview shows as operator a.
func (c *console) preview(a transfer.Access, up *handover.Upload) confirmed {
	c.t.Helper()
	plan, err := c.svc.Plan(context.Background(), a, up, handover.RunOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	pairs, moved, over := plan.WouldRun()
	return confirmed{Pairs: pairs, Moved: moved, Overwritten: over}
}

// runFunc is the job function of a bulk run confirmed with c.
func (c *console) runFunc(a transfer.Access, up *handover.Upload, conf transfer.Confirmer) jobFunc {
	return func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return c.svc.Run(ctx, a, up, handover.RunOptions{}, conf, p)
	}
}

// waitJob polls job until it has ended (not running, not interrupted
// waiting to be resumed) and returns it. The deadline only catches a hung
// job; nothing is timed.
func (c *console) waitJob(a transfer.Access, id int64) handover.Job {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		job, _, err := c.svc.Show(context.Background(), a, id)
		if err != nil {
			c.t.Fatal(err)
		}
		if job.Status != handover.JobRunning && job.Status != handover.JobInterrupted {
			return job
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("job %d still %s after 2 minutes", id, job.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rows returns every data row of the tenant's data tables, table by
// table, each rendered with all its columns and sorted.
func (c *console) rows() map[string][]string {
	c.t.Helper()
	out := map[string][]string{}
	for _, dt := range handover.Catalog {
		q := "SELECT " + strings.Join(dt.Columns, ", ") + " FROM " + dt.Table
		rs, err := c.db.SQL().Queryx(q)
		if err != nil {
			c.t.Fatal(err)
		}
		for rs.Next() {
			cells, err := rs.SliceScan()
			if err != nil {
				c.t.Fatal(err)
			}
			out[dt.Table] = append(out[dt.Table], rowKey(dt, cells))
		}
		if err := rs.Close(); err != nil {
			c.t.Fatal(err)
		}
		slices.Sort(out[dt.Table])
	}
	return out
}

// rowKey renders a row's cells as "col=value|col=value".
func rowKey(dt handover.DataType, cells []any) string {
	parts := make([]string, len(cells))
	for i, v := range cells {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		parts[i] = fmt.Sprintf("%s=%v", dt.Columns[i], v)
	}
	return strings.Join(parts, "|")
}

// transferred computes, row by row, what the data should be after the
// pairs ran on before: combine types' owner cells move from source to
// target; an overwrite type the source has replaces the target's rows.
func transferred(before map[string][]string, pairs []handover.Pair) map[string][]string {
	after := map[string][]string{}
	for _, dt := range handover.Catalog {
		rows := slices.Clone(before[dt.Table])
		for _, p := range pairs {
			rows = transferRows(dt, rows, p)
		}
		slices.Sort(rows)
		after[dt.Table] = rows
	}
	return after
}

func transferRows(dt handover.DataType, rows []string, p handover.Pair) []string {
	from, to := fmt.Sprint(p.From), fmt.Sprint(p.To)
	owned := func(row, col, id string) bool { return slices.Contains(strings.Split(row, "|"), col+"="+id) }
	if dt.Mode == handover.Overwrite {
		col := dt.Owners[0]
		if !slices.ContainsFunc(rows, func(r string) bool { return owned(r, col, from) }) {
			return rows
		}
		rows = slices.DeleteFunc(rows, func(r string) bool { return owned(r, col, to) })
	}
	for i, r := range rows {
		cells := strings.Split(r, "|")
		for j, cell := range cells {
			for _, col := range dt.Owners {
				if cell == col+"="+from {
					cells[j] = col + "=" + to
				}
			}
		}
		rows[i] = strings.Join(cells, "|")
	}
	return rows
}

// checkRows compares the data with want, row by row.
func (c *console) checkRows(want map[string][]string) {
	c.t.Helper()
	if diff := cmp.Diff(want, c.rows()); diff != "" {
		c.t.Errorf("data rows (-want +got):\n%s", diff)
	}
}

// gate holds a job between its chunks: its Pair says it was reached on
// reached (when set, once) and waits until open is closed, so that a test
// sees the job running with its first chunk committed.
type gate struct {
	transfer.Progress
	open    chan struct{}
	reached chan struct{}
}

func (g gate) Pair(p handover.JobPair) {
	select {
	case g.reached <- struct{}{}:
	default:
	}
	<-g.open
	g.Progress.Pair(p)
}

// startHeld starts a run of up as a on srv, held by a gate at its first
// Pair report, and returns the job and the gate's open channel (close it
// to let the job go on). When it returns, the first chunk has committed.
func (c *console) startHeld(srv *Server, a transfer.Access, up *handover.Upload) (handover.Job, chan struct{}) {
	c.t.Helper()
	open, reached := make(chan struct{}), make(chan struct{}, 1)
	job, err := srv.start(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return c.svc.Run(ctx, a, up, handover.RunOptions{}, unprompted{}, gate{p, open, reached})
	})
	if err != nil {
		c.t.Fatal(err)
	}
	<-reached
	return job, open
}

// idle waits until srv runs no job (its goroutines have returned, the
// tenant's guard released). The deadline only catches a hung job.
func (c *console) idle(srv *Server) {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		srv.jobs.mu.Lock()
		n := len(srv.jobs.running)
		srv.jobs.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d jobs still running after 2 minutes", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWebRunnerStart: start returns the recorded job while it runs in the
// server's goroutine, which runs it to the end the preview showed; a
// confirmation whose totals no longer match is refused with 409 and
// changes nothing; an invalid file is refused before any job exists.
func TestWebRunnerStart(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		c.db.ChunkSize = 2
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		pairs := c.agentPairs(5)
		up := upload(t, bulkCSV(pairs))
		saw := c.preview(a, up)
		before := c.rows()

		stale := saw
		stale.Moved++
		_, err := srv.start(a, c.runFunc(a, up, stale))
		if handover.ErrorCode(err) != handover.ErrChanged || status(err) != http.StatusConflict ||
			!strings.Contains(err.Error(), "look at the preview again") {
			t.Fatalf("stale confirmation: %v (status %d), want changed, 409", err, status(err))
		}
		bad := upload(t, bulkCSV([]handover.Pair{{From: pairs[0].From, To: pairs[0].From}}))
		if _, err := srv.start(a, c.runFunc(a, bad, unprompted{})); handover.ErrorCode(err) != handover.ErrInvalid {
			t.Fatalf("self transfer: %v, want invalid", err)
		}
		if jobs, _ := c.svc.Jobs(context.Background(), a, 10); len(jobs) != 1 {
			t.Fatalf("refused starts recorded jobs: %+v", jobs)
		}
		c.checkRows(before)

		job, err := srv.start(a, c.runFunc(a, up, saw))
		if err != nil {
			t.Fatal(err)
		}
		if job.ID <= c.job || job.Status != handover.JobRunning || job.Pairs != len(pairs) {
			t.Fatalf("started job %+v, want a new running job of %d pairs", job, len(pairs))
		}
		if end := c.waitJob(a, job.ID); end.Status != handover.JobDone || end.Done != len(pairs) {
			t.Fatalf("job ended %+v, want done with %d pairs", end, len(pairs))
		}
		want := transferred(before, pairs)
		if cmp.Equal(before, want) {
			t.Fatal("the pairs move no rows: the check below proves nothing")
		}
		c.checkRows(want)
		_, all, err := c.svc.Show(context.Background(), a, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, page, err := c.svc.ShowPage(context.Background(), a, job.ID, 1, 2)
		if err != nil || !cmp.Equal(page, all.Pairs[1:3]) {
			t.Errorf("pairs 2 and 3 of job %d: %v\n%s", job.ID, err, cmp.Diff(all.Pairs[1:3], page))
		}
	})
}

// TestWebRunnerOneJobPerTenant: while a job runs in the server, another
// start for the tenant is refused with 409 naming the running job; its
// live progress is kept until it ends.
func TestWebRunnerOneJobPerTenant(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		c.db.ChunkSize = 1
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		pairs := c.agentPairs(4)
		up := upload(t, bulkCSV(pairs[:3]))
		job, open := c.startHeld(srv, a, up)
		other := upload(t, bulkCSV(pairs[3:]))
		admin := c.access(c.info.Admins[0].ID)
		_, err := srv.start(admin, c.runFunc(admin, other, unprompted{}))
		if handover.ErrorCode(err) != handover.ErrLocked || status(err) != http.StatusConflict ||
			!strings.Contains(err.Error(), fmt.Sprintf("job %d", job.ID)) {
			t.Fatalf("second start: %v, want locked naming job %d", err, job.ID)
		}
		live := srv.jobs.live(job.ID)
		if live == nil {
			t.Fatalf("no live progress for running job %d", job.ID)
		}
		if p := live.snapshot(); p.Pairs != 3 || p.Done != 0 || p.Status != handover.JobRunning {
			t.Errorf("progress before any pair was reported: %+v", p)
		}
		close(open)
		if end := c.waitJob(a, job.ID); end.Status != handover.JobDone {
			t.Fatalf("job ended %+v", end)
		}
	})
}

// serve makes srv the server the console's browsers talk to.
func (c *console) serve(srv *Server) {
	c.t.Helper()
	c.ts = httptest.NewServer(srv)
	c.t.Cleanup(c.ts.Close)
}
