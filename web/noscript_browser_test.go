package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"handover"
)

// pageText returns the text of the page's body, read through the DOM
// (page scripts may be off).
func pageText(ctx context.Context, t *testing.T) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	if err != nil {
		t.Fatalf("text of the page: %v", err)
	}
	return s
}

// reloadUntil reloads the page until its text holds want, as an admin
// without JavaScript does on a job's page; the deadline only catches a
// hung job.
func reloadUntil(ctx context.Context, t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(pageText(ctx, t), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the page never said %q:\n%s", want, pageText(ctx, t))
		}
		time.Sleep(100 * time.Millisecond)
		do(ctx, t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	}
}

// TestWebBrowserNoScript carries both tabs in Chromium with JavaScript
// off, on each backend: the Bulk upload, Skip rows with errors and the
// confirmation page to the job; the Single pickers as a form, an inactive
// source, its confirmation page and the job. The data is checked row by
// row after each.
func TestWebBrowserNoScript(t *testing.T) {
	bin := chromium(t)
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		ctx := headless(t, bin)
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		do(ctx, t, "sign in", chromedp.Navigate(c.ts.URL+c.link(c.info.TenantAdmin)), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		b := c.signedIn(c.info.TenantAdmin)
		f := c.bulkFile(b, 3)
		before := c.rows()
		uploadInBrowser(ctx, t, c, "people.csv", f.csv)
		do(ctx, t, "skip and continue", chromedp.Click(chromedp.CSS(`input[data-skip]`)),
			chromedp.WaitVisible(chromedp.CSS(`button[data-run][disabled]`)), // no script enabled it
			chromedp.Click(chromedp.CSS(`form[data-confirm] noscript button, form[data-confirm] button:not([data-run])`)),
			chromedp.WaitVisible(chromedp.CSS(`form.confirm-form`)))
		if text := pageText(ctx, t); !strings.Contains(text, "Rows with errors, skipped") || !strings.Contains(text, "Pairs to run") {
			t.Fatalf("the confirmation page:\n%s", text)
		}
		do(ctx, t, "the confirmation's Run Transfer", chromedp.Click(chromedp.CSS(`form.confirm-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		reloadUntil(ctx, t, "Errors occurred during data transfer")
		after := transferred(before, pairsOf(f.pairs))
		c.checkRows(after)

		from, to := c.info.InactiveAgents[0], c.info.ActiveAgents[5]
		do(ctx, t, "the Single tab", chromedp.Navigate(c.ts.URL+"/single"), chromedp.WaitVisible(chromedp.CSS(`#pick-to`)),
			chromedp.SendKeys(chromedp.CSS(`#pick-to`), itoa(to)), chromedp.SendKeys(chromedp.CSS(`#pick-from`), itoa(from)),
			chromedp.Click(chromedp.CSS(`input[data-inactive]`)), chromedp.Click(chromedp.CSS(`button[data-nojs]`)),
			chromedp.WaitVisible(chromedp.CSS(`#pair-preview .arrow`)))
		arrow := c.name(from) + " (" + itoa(from) + ") → " + c.name(to) + " (" + itoa(to) + ")"
		if got := strings.TrimSpace(text(ctx, t, "#pair-preview .arrow")); got != arrow {
			t.Fatalf("the pair: %q, want %q", got, arrow)
		}
		do(ctx, t, "Run Transfer", chromedp.Click(chromedp.CSS(`#pair-preview button[data-run]`)), chromedp.WaitVisible(chromedp.CSS(`form.confirm-form`)),
			chromedp.Click(chromedp.CSS(`form.confirm-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		reloadUntil(ctx, t, "Data Transfer Successful")
		c.checkRows(transferred(after, []handover.Pair{{From: from, To: to}}))
	})
}
