package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/transfer"
)

// getJSON fetches path and decodes its JSON body into v.
func (b *browser) getJSON(path string, v any) {
	b.c.t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		b.c.t.Fatalf("%s: %s %s\n%s", path, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		b.c.t.Fatalf("%s: %v\n%s", path, err, body)
	}
}

// TestWebJobProgress: while a job runs in the server its page shows its
// progress (also without JS) and loads job.js, its JSON follows it pair by
// pair, and every admin of the tenant sees on every page who started it;
// once it ends the page says Data Transfer Successful and the data is
// what the preview said, row by row.
func TestWebJobProgress(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		c.db.ChunkSize = 1
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		c.serve(srv)
		pairs := c.agentPairs(3)
		up := upload(t, bulkCSV(pairs))
		before := c.rows()
		open, step := make(chan struct{}), make(chan struct{})
		job, err := srv.start(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
			return c.svc.Run(ctx, a, up, handover.RunOptions{}, unprompted{}, stepper{p, open, step})
		})
		if err != nil {
			t.Fatal(err)
		}
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		path := "/jobs/" + itoa(job.ID)
		_, body := b.get(path)
		for _, want := range []string{"Running in the server", "0 of 3 pairs done, 0 rows moved", `<script src="/static/job.js">`, `value="0"`} {
			if !strings.Contains(body, want) {
				t.Errorf("running job page lacks %q:\n%s", want, body)
			}
		}
		var p progressLine
		b.getJSON(path+"/progress", &p)
		if p.Status != handover.JobRunning || p.Pairs != 3 || p.Ended != 0 {
			t.Errorf("progress before any pair: %+v", p)
		}
		open <- struct{}{} // the first pair's chunk has committed; its report goes through
		<-step
		b.getJSON(path+"/progress", &p)
		if p.Ended != 1 || p.Moved == 0 || p.SecondsLeft == nil || !strings.HasPrefix(p.Text, "1 of 3 pairs done, ") {
			t.Errorf("progress after one pair: %+v", p)
		}
		other := c.browser()
		other.signIn(c.info.Admins[0].ID)
		banner := fmt.Sprintf(`<a href="/jobs/%d">job %d</a> (run), started by %s`, job.ID, job.ID, template.HTMLEscapeString(person(c.name(c.info.TenantAdmin), c.info.TenantAdmin)))
		for _, page := range []string{"/jobs", "/jobs/" + itoa(c.job)} {
			if _, body := other.get(page); !strings.Contains(body, banner) {
				t.Errorf("%s while job %d runs: no banner %q:\n%s", page, job.ID, banner, body)
			}
		}
		close(open)
		c.waitJob(a, job.ID)
		_, body = b.get(path)
		if !strings.Contains(body, "Data Transfer Successful") || strings.Contains(body, "job.js") || strings.Contains(body, `class="busy"`) {
			t.Errorf("finished job page:\n%s", body)
		}
		b.getJSON(path+"/progress", &p)
		if p.Status != handover.JobDone || p.Ended != 3 || p.SecondsLeft != nil {
			t.Errorf("progress of the finished job: %+v", p)
		}
		c.checkRows(transferred(before, pairs))
	})
}

// stepper lets a test take a job pair by pair: each Pair waits for open,
// then reports and says so on step (when a test listens).
type stepper struct {
	transfer.Progress
	open <-chan struct{}
	step chan<- struct{}
}

func (s stepper) Pair(p handover.JobPair) {
	_, more := <-s.open
	s.Progress.Pair(p)
	if more {
		s.step <- struct{}{}
	}
}

// TestWebJobFailures: a run with rows skipped for errors ends with the
// failure sentence, the list of pairs not transferred and the audit link,
// whose CSV is the upload's rows with their Error column; an admin who
// cannot see a user of a failed row sees "(ID)", on the page and in the
// file.
func TestWebJobFailures(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		c.serve(srv)
		pairs := c.agentPairs(1)
		out := c.info.Admins[0].OutOfView[1]
		csv := fmt.Sprintf("From User ID,To User ID,Name\n%d,%d,%s\n%d,%d,%s\n", pairs[0].From, pairs[0].To, c.name(pairs[0].From), out, out, c.name(out))
		up := upload(t, csv)
		job, err := srv.start(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
			return c.svc.Run(ctx, a, up, handover.RunOptions{SkipInvalid: true}, unprompted{}, p)
		})
		if err != nil {
			t.Fatal(err)
		}
		c.waitJob(a, job.ID)
		path := "/jobs/" + itoa(job.ID)
		ta, admin := c.browser(), c.browser()
		ta.signIn(c.info.TenantAdmin)
		admin.signIn(c.info.Admins[0].ID)
		_, body := ta.get(path)
		link := `<a class="download" href="` + path + `/audit.csv" download>Click here to download an audit log of the errors that occurred in the most recent data transfer operation.</a>`
		for _, want := range []string{"Errors occurred during data transfer. The user IDs listed below were not transferred.", link,
			"Row 3", template.HTMLEscapeString(person(c.name(out), out)), "self_transfer",
			"<dt>Operator</dt><dd>" + template.HTMLEscapeString(person(c.name(c.info.TenantAdmin), c.info.TenantAdmin)) + "</dd>"} {
			if !strings.Contains(body, want) {
				t.Errorf("end screen lacks %q:\n%s", want, body)
			}
		}
		resp, csvBody := ta.get(path + "/audit.csv")
		wantCSV := fmt.Sprintf("\ufeffFrom User ID,To User ID,Name,Error\n%d,%d,%s,self_transfer: ", out, out, c.name(out))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(csvBody, wantCSV) ||
			strings.Count(csvBody, "\n") != 2 {
			t.Errorf("audit download: %s %v\n%q\nwant it to begin %q", resp.Status, resp.Header, csvBody, wantCSV)
		}
		_, body = admin.get(path)
		_, hidden := admin.get(path + "/audit.csv")
		if strings.Contains(body+hidden, c.name(out)) || strings.Contains(body+hidden, template.HTMLEscapeString(c.name(out))) ||
			!strings.Contains(body, "("+itoa(out)+") → ("+itoa(out)+")") || !strings.Contains(hidden, fmt.Sprintf("%d,%d,,self_transfer", out, out)) {
			t.Errorf("an admin who cannot see %d:\npage %s\naudit %q", out, body, hidden)
		}
	})
}

// post sends a same-origin form POST of path.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.c.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// TestWebUndo: the Jobs page offers Undo, Verify and the per-type counts;
// the confirmation page shows the totals; a stale confirmation, a job
// running for the tenant (409) and an admin who cannot see every user of
// the job (403, out_of_view) change nothing; the confirmed undo runs in
// the background and gives every row back, which Verify confirms.
func TestWebUndo(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		c.serve(srv)
		before := c.rows()
		view := c.info.Admins[0].InView
		run := c.runPair(c.info.TenantAdmin, view[1], view[2])
		ta, admin := c.browser(), c.browser()
		ta.signIn(c.info.TenantAdmin)
		admin.signIn(c.info.Admins[0].ID)

		_, body := ta.get("/jobs")
		for _, want := range []string{`action="/jobs/` + itoa(run) + `/undo"`, `data-pairs="1"`, `href="/jobs/` + itoa(run) + `/verify"`, "Contacts (recordings) 1, Evaluations 2", `<dialog class="confirm" id="undo-dialog"`} {
			if !strings.Contains(body, want) {
				t.Errorf("jobs page lacks %q:\n%s", want, body)
			}
		}
		undo := "/jobs/" + itoa(c.job) + "/undo"
		if resp, body := admin.get(undo); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "outside your view") {
			t.Errorf("admin's undo page of a job with a user outside the view: %s\n%s", resp.Status, body)
		}
		if resp, body := admin.post(undo, url.Values{fieldPairs: {"1"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "outside your view") {
			t.Errorf("admin's undo of a job with a user outside the view: %s\n%s", resp.Status, body)
		}
		undo = "/jobs/" + itoa(run) + "/undo"
		if resp, body := ta.get(undo); resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="confirm_pairs" value="1"`) || !strings.Contains(body, "back to their sources") {
			t.Errorf("undo confirmation page: %s\n%s", resp.Status, body)
		}
		if resp, body := ta.post(undo, url.Values{fieldPairs: {"2"}}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "nothing was undone") {
			t.Errorf("stale undo confirmation: %s\n%s", resp.Status, body)
		}
		if resp, body := ta.post(undo, url.Values{}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("undo without its confirmation: %s\n%s", resp.Status, body)
		}
		c.checkBusyRefusal(srv, a, ta, undo)
		after := c.rows()
		if cmp.Equal(before, after) {
			t.Fatal("the runs moved nothing")
		}
		resp, _ := ta.post(undo, url.Values{fieldPairs: {"1"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs/") {
			t.Fatalf("undo: %s, Location %q", resp.Status, loc)
		}
		undoJob, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/jobs/"), 10, 64)
		if end := c.waitJob(a, undoJob); end.Status != handover.JobDone || end.UndoOf == nil || *end.UndoOf != run {
			t.Fatalf("undo job %+v", end)
		}
		c.checkRows(before)
		if resp, body := ta.get(loc + "/undo"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "cannot be undone: it is an undo, done") {
			t.Errorf("undo page of the undo job: %s\n%s", resp.Status, body)
		}
		if _, body := ta.get(loc); !strings.Contains(body, "Undo successful") {
			t.Errorf("undo job page:\n%s", body)
		}
		if resp, body := ta.get(loc + "/verify"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Verified: the data matches") {
			t.Errorf("verify of the undo: %s\n%s", resp.Status, body)
		}
	})
}

// checkBusyRefusal holds a job running for the tenant and checks that an
// undo posted meanwhile is refused with 409 naming it, changing nothing.
func (c *console) checkBusyRefusal(srv *Server, a transfer.Access, b *browser, undo string) {
	c.t.Helper()
	job, open := c.startHeld(srv, a, upload(c.t, bulkCSV(c.agentPairs(2))))
	before := c.rows()
	resp, body := b.post(undo, url.Values{fieldPairs: {"1"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "job "+itoa(job.ID)) {
		c.t.Errorf("undo while job %d runs: %s\n%s", job.ID, resp.Status, body)
	}
	c.checkRows(before)
	close(open)
	c.idle(srv)
	// Undo that job too, so that the data is as before it ran.
	if _, err := c.svc.Undo(context.Background(), a, job.ID, unprompted{}, quiet{}); err != nil {
		c.t.Fatal(err)
	}
}

// TestWebPairsPages: a job's pairs are listed pairsShown a page; a page
// out of range or not a number is the first.
func TestWebPairsPages(t *testing.T) {
	for _, tc := range []struct {
		name, query        string
		total              int
		page, pages, first int
		last, prev, next   int
	}{
		{"one pair", "", 1, 1, 1, 1, 1, 0, 0},
		{"no pairs", "", 0, 1, 1, 1, 0, 0, 0},
		{"first of three", "", 2*pairsShown + 1, 1, 3, 1, pairsShown, 0, 2},
		{"middle", "page=2", 2*pairsShown + 1, 2, 3, pairsShown + 1, 2 * pairsShown, 1, 3},
		{"last", "page=3", 2*pairsShown + 1, 3, 3, 2*pairsShown + 1, 2*pairsShown + 1, 2, 0},
		{"past the end", "page=4", 2*pairsShown + 1, 1, 3, 1, pairsShown, 0, 2},
		{"not a number", "page=x", 2 * pairsShown, 1, 2, 1, pairsShown, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/jobs/1?"+tc.query, nil)
			p := pagedPairs(r, tc.total)
			got := []int{p.Page, p.Pages, p.First, p.Last, p.Prev(), p.Next()}
			want := []int{tc.page, tc.pages, tc.first, tc.last, tc.prev, tc.next}
			if !slices.Equal(got, want) {
				t.Errorf("page, pages, first, last, prev, next = %v, want %v", got, want)
			}
		})
	}
}
