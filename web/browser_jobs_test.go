package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"handover"
	"handover/transfer"
)

// TestWebBrowserJobs drives the job pages in headless Chromium on each
// backend: the admin watches a run's progress advance live, leaves for the
// Jobs page (which names the running job) and comes back to more progress,
// then sees Data Transfer Successful; a run with a skipped row ends with
// the failure sentence and its audit link downloads the errors-only CSV;
// the first run is undone from the Jobs page through its dialog. The data
// is then checked row by row: only the second run's valid pair moved.
// Screenshots of the pages go to HANDOVER_SCREENSHOTS when set.
func TestWebBrowserJobs(t *testing.T) {
	bin := chromium(t)
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		c.db.ChunkSize = 1
		srv, a := c.server(), c.access(c.info.TenantAdmin)
		c.serve(srv)
		ctx := headless(t, bin)
		before := c.rows()
		pairs := c.agentPairs(5)
		first := c.watchRun(ctx, srv, a, pairs[:4])
		audit := c.downloadAudit(ctx, srv, a, pairs[4])
		if !strings.HasPrefix(audit, "\ufeffFrom User ID,To User ID,Error\n") || !strings.Contains(audit, "self_transfer") {
			t.Errorf("downloaded audit log:\n%q", audit)
		}
		c.undoInBrowser(ctx, first)
		c.checkRows(transferred(before, pairs[4:]))
	})
}

// shot saves a screenshot of the page as name (at 1,400 and 420 px wide)
// into HANDOVER_SCREENSHOTS, when set.
func (c *console) shot(ctx context.Context, name string) {
	c.t.Helper()
	dir := os.Getenv("HANDOVER_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, width := range []int64{1400, 420} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			c.t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			c.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 900)); err != nil {
		c.t.Fatal(err)
	}
}

// browse runs chromedp actions, failing the test on error.
func (c *console) browse(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// waitText waits until the element css's text begins with prefix, as
// job.js updates it without a reload.
func (c *console) waitText(ctx context.Context, css, prefix string) {
	c.t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q)?.textContent || "").trim().startsWith(%q)`, css, prefix)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
		c.t.Fatalf("%s never began %q (it says %q): %v", css, prefix, got, err)
	}
}

// watchRun runs pairs in the server one pair at a time while the browser,
// signed in as the tenant admin, watches its page, leaves and comes back;
// it returns the job once its end screen shows.
func (c *console) watchRun(ctx context.Context, srv *Server, a transfer.Access, pairs []handover.Pair) int64 {
	c.t.Helper()
	up := upload(c.t, bulkCSV(pairs))
	open, step := make(chan struct{}), make(chan struct{})
	job, err := srv.start(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return c.svc.Run(ctx, a, up, handover.RunOptions{}, unprompted{}, stepper{p, open, step})
	})
	if err != nil {
		c.t.Fatal(err)
	}
	page := c.ts.URL + "/jobs/" + itoa(job.ID)
	c.browse(ctx, "sign in and open the running job", chromedp.Navigate(c.ts.URL+c.link(c.info.TenantAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`table.jobs`)), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#progress-text`)))
	c.waitText(ctx, "#progress-text", fmt.Sprintf("0 of %d pairs done", len(pairs)))
	open <- struct{}{}
	<-step
	c.waitText(ctx, "#progress-text", fmt.Sprintf("1 of %d pairs done", len(pairs)))
	c.shot(ctx, "job-running")
	c.browse(ctx, "leave for the Jobs page", chromedp.Navigate(c.ts.URL+"/jobs"), chromedp.WaitVisible(chromedp.CSS(`.busy`)))
	c.waitText(ctx, ".busy", "A bulk job is running for this tenant: job "+itoa(job.ID))
	open <- struct{}{}
	<-step
	c.browse(ctx, "come back", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#progress-text`)))
	c.waitText(ctx, "#progress-text", fmt.Sprintf("2 of %d pairs done", len(pairs)))
	close(open)
	c.browse(ctx, "the end screen", chromedp.WaitVisible(chromedp.CSS(`.outcome-ok`)))
	c.waitText(ctx, ".outcome-ok .outcome-title", "✓ Data Transfer Successful")
	c.shot(ctx, "job-done")
	return job.ID
}

// downloadAudit runs pair with a self-transfer row skipped, opens its end
// screen and clicks the audit link; it returns the downloaded file.
func (c *console) downloadAudit(ctx context.Context, srv *Server, a transfer.Access, pair handover.Pair) string {
	c.t.Helper()
	c.idle(srv)
	up := upload(c.t, fmt.Sprintf("From User ID,To User ID\n%d,%d\n%d,%d\n", pair.From, pair.To, pair.To, pair.To))
	job, err := srv.start(a, func(ctx context.Context, p transfer.Progress) (transfer.Outcome, error) {
		return c.svc.Run(ctx, a, up, handover.RunOptions{SkipInvalid: true}, unprompted{}, p)
	})
	if err != nil {
		c.t.Fatal(err)
	}
	c.waitJob(a, job.ID)
	c.idle(srv)
	dir := c.t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		c.t.Fatal(err)
	}
	link := `//a[normalize-space()="Click here to download an audit log of the errors that occurred in the most recent data transfer operation."]`
	c.browse(ctx, "the failed run's end screen", chromedp.Navigate(c.ts.URL+"/jobs/"+itoa(job.ID)), chromedp.WaitVisible(chromedp.Search(link)))
	c.waitText(ctx, ".outcome-failed .outcome-title", "✗ Errors occurred during data transfer. The user IDs listed below were not transferred.")
	c.shot(ctx, "job-failed")
	c.browse(ctx, "click the audit link", chromedp.Click(chromedp.Search(link)))
	want := filepath.Join(dir, fmt.Sprintf("handover-job-%d-errors.csv", job.ID))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(want); err == nil && len(b) > 0 {
			return string(b)
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			c.t.Fatalf("no %s downloaded; the folder holds %v", want, entries)
		}
	}
}

// undoInBrowser undoes job from the Jobs page: its Undo button opens the
// dialog with the totals, whose Undo button runs it; the undo job's page
// ends saying so.
func (c *console) undoInBrowser(ctx context.Context, job int64) {
	c.t.Helper()
	row := fmt.Sprintf(`form.undo[data-job="%d"] button`, job)
	c.browse(ctx, "open the undo dialog", chromedp.Navigate(c.ts.URL+"/jobs"), chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.Click(chromedp.CSS(row)), chromedp.WaitVisible(chromedp.CSS(`#undo-dialog[open]`)))
	c.waitText(ctx, "#undo-title", fmt.Sprintf("Undo job %d?", job))
	c.waitText(ctx, "#undo-summary", "This gives the data of 4 pairs back to their sources")
	c.shot(ctx, "jobs-undo-dialog")
	c.browse(ctx, "confirm the undo", chromedp.Click(chromedp.Search(`//dialog[@id="undo-dialog"]//button[normalize-space()="Undo"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.outcome-ok`)))
	c.waitText(ctx, ".outcome-ok .outcome-title", "✓ Undo successful")
	c.shot(ctx, "undo-done")
}
