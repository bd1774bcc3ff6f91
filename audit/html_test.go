package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"handover"
)

func TestPreviewHTMLSelfContained(t *testing.T) {
	if n := strings.Count(page, placeholder); n != 1 {
		t.Fatalf("template has %d placeholders, want 1", n)
	}
	var buf bytes.Buffer
	if err := PreviewHTML(&buf, samplePlan(30)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, names[7]) || strings.Count(out, "</script>") != 2 {
		t.Error("a hostile name reached the page unescaped")
	}
	if !strings.Contains(out, `\u003c/script\u003e\u003cscript\u003edocument.title`) {
		t.Error("the hostile name is not in the page's data, escaped")
	}
	for _, s := range []string{"http:", "https:", "<a ", "href=", "src=", "url(", "@import", "<link", "<iframe", "innerHTML"} {
		if strings.Contains(out, s) {
			t.Errorf("page contains %q: it must be self-contained and link-free", s)
		}
	}
}

// shown is what the test driver records of the page after each step.
type shown struct {
	Rows []int  `json:"rows"`
	Info string `json:"info"`
}

// driver acts on the page like a user and writes what it saw into
// <pre id="test-result"> for the test to read from the dumped DOM.
const driver = `<script>
(function () {
  function $(id) { return document.getElementById(id); }
  function snap() {
    return { rows: Array.prototype.map.call(document.querySelectorAll("#rows tr"),
               function (tr) { return Number(tr.getAttribute("data-row")); }),
             info: $("page-info").textContent };
  }
  function change(id, v) { var s = $(id); s.value = v; s.dispatchEvent(new Event("change", { bubbles: true })); }
  var r = { steps: {} };
  try {
    r.steps.initial = snap();
    $("page-next").click(); r.steps.next = snap();
    change("status-filter", "error"); r.steps.errors = snap();
    change("status-filter", ""); change("per-page", "10"); r.steps.per10 = snap();
    $("page-next").click(); r.steps.per10next = snap();
    $("page-prev").click(); r.steps.per10prev = snap();
    change("sort", "desc"); r.steps.desc = snap();
    change("sort", "asc"); change("code-filter", "inactive_target"); r.steps.code = snap();
    change("code-filter", ""); change("per-page", "100"); r.steps.all = snap();
    var hostile = document.querySelector('#rows tr[data-row="9"] .from');
    r.hostile = hostile ? hostile.textContent : null;
    var moves = document.querySelectorAll('#rows tr[data-row="2"] .moves li');
    r.moves = Array.prototype.map.call(moves, function (li) { return li.textContent; });
    var stays = document.querySelectorAll('#rows tr[data-row="7"] .stays li');
    r.stays = Array.prototype.map.call(stays, function (li) { return li.textContent; });
    r.wouldRun = $("would-run").textContent;
    r.total = $("total-errors").textContent;
  } catch (e) { window.__errors.push(String(e)); }
  r.title = document.title;
  r.errors = window.__errors;
  var pre = document.createElement("pre");
  pre.id = "test-result";
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
})();
</script>`

const errorCatcher = `<head><script>window.__errors = [];
addEventListener("error", function (e) { window.__errors.push(String(e.message)); });</script>`

// chromium returns the path of a Chromium binary, skipping the test without.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("HANDOVER_REQUIRE_BROWSER") != "" {
		t.Fatal("HANDOVER_REQUIRE_BROWSER is set but no Chromium is on PATH: install the chromium package")
	}
	t.Skip("no Chromium on PATH: install the chromium package to run the HTML preview test")
	return ""
}

// runChromium runs headless Chromium with args and a fresh profile.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// writePreview writes the HTML preview of plan as dir/preview.html and
// returns its path and the page.
func writePreview(t *testing.T, plan *handover.Plan, dir string) (path, page string) {
	t.Helper()
	var buf bytes.Buffer
	if err := PreviewHTML(&buf, plan); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "preview.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, buf.String()
}

var resultRE = regexp.MustCompile(`(?s)<pre id="test-result">(.*?)</pre>`)

func TestPreviewHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	plan := samplePlan(30)
	dir := t.TempDir()
	pagePath, page := writePreview(t, plan, dir)
	driven := strings.Replace(page, "<head>", errorCatcher, 1)
	driven = strings.Replace(driven, "</body>", driver+"\n</body>", 1)
	drivenPath := filepath.Join(dir, "driven.html")
	if err := os.WriteFile(drivenPath, []byte(driven), 0o600); err != nil {
		t.Fatal(err)
	}

	dom := runChromium(t, bin, "--dump-dom", "file://"+drivenPath)
	m := resultRE.FindSubmatch(dom)
	if m == nil {
		t.Fatalf("no test result in the dumped page:\n%s", dom)
	}
	var got struct {
		Steps    map[string]shown `json:"steps"`
		Hostile  *string          `json:"hostile"`
		Moves    []string         `json:"moves"`
		Stays    []string         `json:"stays"`
		WouldRun string           `json:"wouldRun"`
		Total    string           `json:"total"`
		Title    string           `json:"title"`
		Errors   []string         `json:"errors"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &got); err != nil {
		t.Fatalf("test result: %v\n%s", err, m[1])
	}
	if len(got.Errors) > 0 {
		t.Fatalf("script errors on the page: %v", got.Errors)
	}
	if diff := cmp.Diff(expectedSteps(plan), got.Steps); diff != "" {
		t.Errorf("what the page showed (-want +got):\n%s", diff)
	}
	checkPageDetails(t, plan, got.Hostile, got.Moves, got.WouldRun, got.Total, got.Title)
	if want := []string{"Left with the source:", "Schedules1 row", "Work shifts3 rows"}; !cmp.Equal(want, got.Stays) {
		t.Errorf("what row 7 leaves with its source: %q, want %q", got.Stays, want)
	}

	shot := filepath.Join(dir, "preview.png")
	runChromium(t, bin, "--screenshot="+shot, "--window-size=1280,1800", "--hide-scrollbars", "file://"+pagePath)
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Errorf("no screenshot: %v", err)
	}
}

func checkPageDetails(t *testing.T, p *handover.Plan, hostile *string, moves []string, would, total, title string) {
	t.Helper()
	if title != "Handover preview" {
		t.Errorf("title = %q: a name ran as script", title)
	}
	if hostile == nil || *hostile != handover.Label(names[7], p.Rows[7].From) {
		t.Errorf("hostile name shown as %v, want it as plain text", hostile)
	}
	var want []string
	for _, m := range p.Rows[0].Moves {
		if m.Rows > 0 || m.Overwritten > 0 {
			s := typeName(m.Type) + plural(m.Rows, "row", "rows")
			if m.Overwritten > 0 {
				s += ", overwrites " + plural(m.Overwritten, "row", "rows")
			}
			want = append(want, s)
		}
	}
	if diff := cmp.Diff(want, moves); diff != "" {
		t.Errorf("moves of row 2 (-want +got):\n%s", diff)
	}
	if want := WouldRun(p); would != want {
		t.Errorf("would run = %q, want %q", would, want)
	}
	if total != fmt.Sprint(p.Errors) {
		t.Errorf("errors total = %q, want %d", total, p.Errors)
	}
}

// expectedSteps computes, from the plan, what each step of the driver
// should show.
func expectedSteps(p *handover.Plan) map[string]shown {
	rows := func(keep func(handover.PlanRow) bool) []int {
		var out []int
		for _, r := range p.Rows {
			if keep(r) {
				out = append(out, r.Row)
			}
		}
		return out
	}
	all := rows(func(handover.PlanRow) bool { return true })
	errs := rows(func(r handover.PlanRow) bool { return r.Status == handover.StatusError })
	inactive := rows(func(r handover.PlanRow) bool {
		return slices.ContainsFunc(r.Issues, func(i handover.Issue) bool { return i.Code == handover.InactiveTarget })
	})
	desc := slices.Clone(all)
	slices.Reverse(desc)
	step := func(list []int, page, per int) shown {
		first, last := (page-1)*per, min(page*per, len(list))
		pages := (len(list) + per - 1) / per
		return shown{Rows: list[first:last],
			Info: fmt.Sprintf("Page %d of %d (pairs %d–%d of %d)", page, pages, first+1, last, len(list))}
	}
	return map[string]shown{
		"initial": step(all, 1, 25), "next": step(all, 2, 25), "errors": step(errs, 1, 25),
		"per10": step(all, 1, 10), "per10next": step(all, 2, 10), "per10prev": step(all, 1, 10),
		"desc": step(desc, 1, 10), "code": step(inactive, 1, 10), "all": step(all, 1, 100),
	}
}

// TestPreviewHTMLFitsNarrowScreens opens the preview in a 420 px viewport,
// with a long issue message holding an unbroken value, and checks that
// nothing sticks out sideways: on a phone each pair is a card whose cells
// are labelled, not a table wider than the screen. (Chromium's command line
// cannot make a window narrower than 500 px, so this drives it.)
func TestPreviewHTMLFitsNarrowScreens(t *testing.T) {
	bin := chromium(t)
	plan := samplePlan(12)
	long := handover.Issue{Code: handover.BadType, Message: `"evaluationsxx" is not a data type: use one of contacts, evaluations, evaluation_comments, contact_goals, storage_files, audit_events, requests, request_comments, saved_views, schedules, skill_mappings, vacation_balances, work_shifts, productivity; value 99999999999999999999999999999999999999`}
	plan.Rows[0].Issues = append(plan.Rows[0].Issues, long)
	plan.Rows[0].Status = handover.StatusError
	plan.Tally()
	dir := t.TempDir()
	path, _ := writePreview(t, plan, dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(filepath.Join(dir, "profile")))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(420, 900), chromedp.Navigate("file://"+path),
		chromedp.WaitVisible(chromedp.CSS(`#rows tr`)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Scroll, Inner int
		Labels        []string
	}](`({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  labels: Array.prototype.map.call(document.querySelectorAll('#rows tr:first-child td'), function (td) { return td.getAttribute("data-label"); })})`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Inner != 420 {
		t.Fatalf("viewport is %d px wide, want 420", got.Inner)
	}
	if got.Scroll > got.Inner {
		t.Errorf("at %d px the page is %d px wide: it scrolls sideways", got.Inner, got.Scroll)
	}
	if want := []string{"Row", "Pair", "Status", "Issues", "Data that will move"}; !cmp.Equal(want, got.Labels) {
		t.Errorf("cell labels %q, want %q", got.Labels, want)
	}
	if shots := os.Getenv("HANDOVER_SCREENSHOTS"); shots != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, "preview-html-420.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
