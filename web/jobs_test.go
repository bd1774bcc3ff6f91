package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"

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
			"Row 3", template.HTMLEscapeString(person(c.name(out), out)), "self_transfer"} {
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
