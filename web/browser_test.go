package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the browser to drive, skipping the test when there is
// none unless HANDOVER_REQUIRE_BROWSER=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("HANDOVER_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium found, and HANDOVER_REQUIRE_BROWSER=1")
	}
	t.Skip("no chromium found (set HANDOVER_REQUIRE_BROWSER=1 to require it)")
	return ""
}

// TestWebBrowser signs in through a link in headless Chromium, takes
// screenshots of the Jobs pages at 1,400 and 420 px wide (into
// HANDOVER_SCREENSHOTS when set), and signs out with the page's button: a
// real browser's same-origin POST passes the cross-origin protection.
func TestWebBrowser(t *testing.T) {
	bin := chromium(t)
	c := newConsole(t, "sqlite")
	shots := os.Getenv("HANDOVER_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx := headless(t, bin)

	err := chromedp.Do(ctx,
		chromedp.Navigate(c.ts.URL+c.link(c.info.Admins[0].ID)),
		chromedp.WaitVisible(chromedp.CSS(`table.jobs`)))
	if err != nil {
		t.Fatal(err)
	}
	if heading := text(ctx, t, "h1"); heading != "Jobs" {
		t.Fatalf("after the link: heading %q", heading)
	}
	for _, width := range []int64{1400, 420} {
		for _, page := range [][2]string{{"jobs", "/jobs"}, {"job", "/jobs/" + itoa(c.job)}} { // the job page last: the arrow is read from it
			name, path := page[0], page[1]
			err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(c.ts.URL+path), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
			if err != nil {
				t.Fatalf("%s at %d px: %v", path, width, err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s at %d px: %v", path, width, err)
			}
			if err := os.WriteFile(filepath.Join(shots, name+"-"+itoa(width)+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if arrow, want := text(ctx, t, ".pair .arrow"), "→ ("+itoa(c.outside)+")"; !strings.HasSuffix(arrow, want) {
		t.Errorf("arrow %q, want the out-of-view target as %s", arrow, want)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.CSS(`pre code`)))
	if err != nil {
		t.Fatal(err)
	}
	if heading := text(ctx, t, "h1"); heading != "Sign in" {
		t.Errorf("after Sign out: heading %q", heading)
	}
}

// headless starts the Chromium at bin for the test, ended with it, and
// returns its context, bounded against a hung browser (not a timing
// assertion).
func headless(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// text returns the visible text of the first element matching css.
func text(ctx context.Context, t *testing.T, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}
