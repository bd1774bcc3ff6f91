package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"handover"
	"handover/audit"
)

// do runs browser steps, failing the test with what was being done.
func do(ctx context.Context, t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) in the page.
func eval[T any](ctx context.Context, t *testing.T, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition in the page until it holds, across
// navigations (an evaluation during one fails and is tried again); the
// minute's deadline only catches a hung page.
func waitFor(ctx context.Context, t *testing.T, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("waiting for %s (%s): %v\npage:\n%s", what, cond, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fetchBytes downloads the href of the first link matching css with the
// page's session, exactly as the browser receives it.
func fetchBytes(ctx context.Context, t *testing.T, css string) string {
	t.Helper()
	b64 := eval[string](ctx, t, `fetch(document.querySelector(`+jsString(css)+`).href).then(r => r.arrayBuffer()).then(b => {
		let s = ""; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// shoot saves full-page screenshots of the current page at 1,400 and 420
// px wide as NAME-WIDTH.png (into HANDOVER_SCREENSHOTS when set), checking
// that the page itself never scrolls sideways.
func shoot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("HANDOVER_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, width := range []int64{1400, 420} {
		do(ctx, t, "viewport", chromedp.EmulateViewport(width, 900))
		if wide := eval[bool](ctx, t, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("%s at %d px scrolls sideways (%d px wide): %s", name, width, eval[int](ctx, t, `document.documentElement.scrollWidth`),
				eval[string](ctx, t, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
					.slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`))
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s at %d px: %v", name, width, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+itoa(width)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(ctx, t, "viewport", chromedp.EmulateViewport(1400, 900))
}

// uploadInBrowser chooses content as the file of the Bulk tab's input and
// submits it, waiting for the preview.
func uploadInBrowser(ctx context.Context, t *testing.T, c *console, name, content string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	do(ctx, t, "upload "+name, chromedp.Navigate(c.ts.URL+"/bulk"),
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-file`), []string{path}),
		chromedp.Click(chromedp.CSS(`form.upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`main h1 .file`)))
}

// dropInBrowser drops content as a file named name on the Bulk tab's drop
// zone, as a file dragged from the desktop arrives, and waits for the
// preview.
func dropInBrowser(ctx context.Context, t *testing.T, c *console, name, content string) {
	t.Helper()
	do(ctx, t, "the Bulk tab", chromedp.Navigate(c.ts.URL+"/bulk"), chromedp.WaitVisible(chromedp.CSS(`form[data-dropzone]`)))
	do(ctx, t, "drop "+name, chromedp.Evaluate[chromedp.Void](`(() => {
		const bytes = Uint8Array.from(atob('`+base64.StdEncoding.EncodeToString([]byte(content))+`'), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], `+jsString(name)+`, {type: 'text/csv'}));
		const zone = document.querySelector('form[data-dropzone]');
		zone.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
		zone.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
	})()`))
	waitFor(ctx, t, "the dropped file's preview", `location.pathname.startsWith('/bulk/uploads/') && document.querySelector('main h1 .file')?.textContent === `+jsString(name))
}

// rangeIs is the condition that the preview's pager says want.
func rangeIs(want string) string {
	return `(document.querySelector('.pager .range') || {}).textContent?.startsWith(` + jsString(want) + `)`
}

// TestWebBrowserBulk carries the Bulk flow in headless Chromium on each
// backend: sign in by link, download the export, upload it edited, page
// through the preview, filter the errors, download the errors CSV, run
// with Skip rows with errors through the dialog (Escape closes it) to the
// job page, then fix a row of the errors CSV, drop it on the upload form
// and run it. The data is
// checked row by row after each run.
func TestWebBrowserBulk(t *testing.T) {
	bin := chromium(t)
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		ctx := headless(t, bin)
		do(ctx, t, "sign in", chromedp.Navigate(c.ts.URL+c.link(c.info.TenantAdmin)), chromedp.WaitVisible(chromedp.CSS(`main h1`)),
			chromedp.Click(chromedp.CSS(`nav.tabs a[href="/bulk"]`)), chromedp.WaitVisible(chromedp.CSS(`#upload-file`)))
		export := fetchBytes(ctx, t, `a[href="/bulk/people.csv"]`)
		var want bytes.Buffer
		if _, err := c.svc.Export(context.Background(), c.access(c.info.TenantAdmin), &want); err != nil || export != want.String() {
			t.Fatalf("export through the link differs from transfer's (%v)", err)
		}
		f := c.editedFile(export, 11)
		before := c.rows()
		uploadInBrowser(ctx, t, c, "people-edited.csv", f.csv)
		waitFor(ctx, t, "the preview's pager", rangeIs("Rows 1–13 of 13"))
		shoot(ctx, t, "bulk-preview")

		do(ctx, t, "Rows per page 10", chromedp.Evaluate[chromedp.Void](`const s = document.querySelector('#per'); s.value = '10'; s.dispatchEvent(new Event('change', {bubbles: true}))`))
		waitFor(ctx, t, "page 1 of 10 rows", rangeIs("Rows 1–10 of 13"))
		do(ctx, t, "next page", chromedp.Click(chromedp.CSS(`a[aria-label="Next page"]`)))
		waitFor(ctx, t, "page 2", rangeIs("Rows 11–13 of 13"))
		do(ctx, t, "errors only", chromedp.Click(chromedp.CSS(`input[name=errors]`)))
		waitFor(ctx, t, "the errors-only filter", rangeIs("Rows 1–2 of 2"))
		shoot(ctx, t, "bulk-errors")

		errorsCSV := fetchBytes(ctx, t, `a[href$="/errors.csv"]`)
		plan := c.plan(c.info.TenantAdmin, f.csv)
		var wantErrors bytes.Buffer
		if err := audit.WriteErrors(&wantErrors, plan.Upload, audit.PlanErrors(plan)); err != nil || errorsCSV != wantErrors.String() {
			t.Fatalf("errors CSV differs from preview --errors (%v):\n%s", err, errorsCSV)
		}
		runSkipping(ctx, t, "Errors occurred during data transfer")
		after := transferred(before, pairsOf(f.pairs))
		c.checkRows(after)

		do(ctx, t, "the Bulk tab again", chromedp.Navigate(c.ts.URL+"/bulk"), chromedp.WaitVisible(chromedp.CSS(`table.uploads`)))
		shoot(ctx, t, "bulk")

		successor := f.sources[0] // transferred its data away: free to receive
		fixed := strings.Replace(errorsCSV, ","+itoa(ghostID)+",", ","+itoa(successor)+",", 1)
		dropInBrowser(ctx, t, c, "people-errors-fixed.csv", fixed)
		waitFor(ctx, t, "the fixed file's preview", rangeIs("Rows 1–2 of 2"))
		if got := text(ctx, t, ".total-error .value"); got != "1" {
			t.Fatalf("fixed file: %s errors, want 1 (the self-transfer)", got)
		}
		runSkipping(ctx, t, "Errors occurred during data transfer")
		c.checkRows(transferred(after, []handover.Pair{{From: f.ghost, To: successor}}))
	})
}

// runSkipping ticks Skip rows with errors on the preview, checks that it
// enables Run Transfer, confirms in the dialog and waits for the job's end
// sentence.
func runSkipping(ctx context.Context, t *testing.T, end string) {
	t.Helper()
	if !eval[bool](ctx, t, `document.querySelector('button[data-run]').disabled`) {
		t.Fatal("Run Transfer is enabled while rows have errors")
	}
	do(ctx, t, "tick Skip rows with errors", chromedp.Click(chromedp.CSS(`input[data-skip]`)))
	if eval[bool](ctx, t, `document.querySelector('button[data-run]').disabled`) {
		t.Fatal("Run Transfer stays disabled with Skip rows with errors ticked")
	}
	do(ctx, t, "Run Transfer", chromedp.Click(chromedp.CSS(`button[data-run]`)), chromedp.WaitVisible(chromedp.CSS(`dialog#confirm-bulk`)))
	if focus := eval[string](ctx, t, `document.activeElement.closest('dialog')?.id || ''`); focus != "confirm-bulk" {
		t.Errorf("the dialog opened without the focus (on %q)", focus)
	}
	do(ctx, t, "Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(ctx, t, "Escape to close the dialog", `!document.querySelector('dialog#confirm-bulk').open`)
	do(ctx, t, "Run Transfer again", chromedp.Click(chromedp.CSS(`button[data-run]`)), chromedp.WaitVisible(chromedp.CSS(`dialog#confirm-bulk`)))
	if summary := text(ctx, t, "dialog#confirm-bulk .summary"); !strings.Contains(summary, "Rows with errors, skipped") {
		t.Errorf("the dialog's totals: %q", summary)
	}
	shoot(ctx, t, "bulk-confirm")
	do(ctx, t, "the dialog's Run Transfer", chromedp.Click(chromedp.CSS(`dialog#confirm-bulk button[type=submit]`)))
	waitFor(ctx, t, "the job's end", `location.pathname.startsWith('/jobs/') && document.body.innerText.includes(`+jsString(end)+`)`)
}

func pairsOf(m map[int64]int64) []handover.Pair {
	var pairs []handover.Pair
	for from, to := range m {
		pairs = append(pairs, handover.Pair{From: from, To: to})
	}
	return pairs
}

// TestWebBrowserSingle carries a single-pair transfer with an inactive
// source in headless Chromium on each backend: tick Show inactive users,
// find the source by typing and pick it by keyboard, pick the target by
// click, see the live preview, confirm in the dialog and reach the job's
// Data Transfer Successful; the data is checked row by row.
func TestWebBrowserSingle(t *testing.T) {
	bin := chromium(t)
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		ctx := headless(t, bin)
		from, to := c.info.InactiveAgents[0], c.info.ActiveAgents[5]
		before := c.rows()
		do(ctx, t, "sign in", chromedp.Navigate(c.ts.URL+c.link(c.info.TenantAdmin)), chromedp.WaitVisible(chromedp.CSS(`main h1`)),
			chromedp.Click(chromedp.CSS(`nav.tabs a[href="/single"]`)), chromedp.WaitVisible(chromedp.CSS(`#pick-to`)))
		do(ctx, t, "type the source", chromedp.SendKeys(chromedp.CSS(`#pick-from`), c.name(from)))
		waitFor(ctx, t, "no inactive match", `document.querySelector('#pick-from-list li.none')`)
		do(ctx, t, "Show inactive users", chromedp.Click(chromedp.CSS(`input[data-inactive]`)))
		waitFor(ctx, t, "the inactive source listed", `document.querySelector('#pick-from-list li[data-id="`+itoa(from)+`"]')`)
		do(ctx, t, "back to the picker", chromedp.Focus(chromedp.CSS(`#pick-from`)))
		at := eval[int](ctx, t, `[...document.querySelectorAll('#pick-from-list li')].findIndex(li => li.dataset.id === '`+itoa(from)+`')`)
		do(ctx, t, "move down the list", chromedp.KeyEvent(strings.Repeat(kb.ArrowDown, at+1)))
		do(ctx, t, "pick it by keyboard", chromedp.KeyEvent(kb.Enter))
		if got := eval[string](ctx, t, `document.querySelector('#pick-from').value + ' ' + location.search`); got != c.name(from)+" ("+itoa(from)+") " {
			t.Fatalf("after Enter, the source picker holds %q (and the page did not stay)", got)
		}
		do(ctx, t, "type the target", chromedp.SendKeys(chromedp.CSS(`#pick-to`), itoa(to)))
		waitFor(ctx, t, "the target listed", `document.querySelector('#pick-to-list li[data-id="`+itoa(to)+`"]')`)
		do(ctx, t, "pick it by click", chromedp.Click(chromedp.CSS(`#pick-to-list li[data-id="`+itoa(to)+`"]`)))
		arrow := c.name(from) + " (" + itoa(from) + ") → " + c.name(to) + " (" + itoa(to) + ")"
		waitFor(ctx, t, "the live preview", `document.querySelector('#pair-preview .arrow')?.textContent === `+jsString(arrow))
		if search := eval[string](ctx, t, `location.search`); search != "" {
			t.Errorf("the Single tab reloaded (%s) instead of picking in the page", search)
		}
		shoot(ctx, t, "single-preview")
		do(ctx, t, "Run Transfer", chromedp.Click(chromedp.CSS(`#pair-preview button[data-run]`)), chromedp.WaitVisible(chromedp.CSS(`dialog#confirm-single`)))
		if summary := text(ctx, t, "dialog#confirm-single .summary"); !strings.Contains(summary, "Pairs to run") {
			t.Errorf("the dialog's totals: %q", summary)
		}
		do(ctx, t, "the dialog's Run Transfer", chromedp.Click(chromedp.CSS(`dialog#confirm-single button[type=submit]`)))
		waitFor(ctx, t, "the job's end", `location.pathname.startsWith('/jobs/') && document.body.innerText.includes('Data Transfer Successful')`)
		c.checkRows(transferred(before, []handover.Pair{{From: from, To: to}}))
	})
}
