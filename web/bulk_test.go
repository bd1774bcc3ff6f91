package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strings"
	"testing"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// bulkFile is an edited export of the tenant admin's view: pairs valid
// pairs of active agents (sources and targets disjoint, none of the
// console's own job) and two rows with errors: a self-transfer and a
// successor who does not exist.
type bulkFile struct {
	csv          string
	pairs        map[int64]int64 // the valid pairs, source → target
	self, ghost  int64           // the sources of the error rows
	export       string
	sources, all []int64
}

const ghostID = 987654321

func (c *console) bulkFile(b *browser, pairs int) bulkFile {
	c.t.Helper()
	resp, export := b.get("/bulk/people.csv")
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("export: %s\n%s", resp.Status, export)
	}
	return c.editedFile(export, pairs)
}

// editedFile is bulkFile made from an export downloaded elsewhere.
func (c *console) editedFile(export string, pairs int) bulkFile {
	c.t.Helper()
	var agents []int64
	for _, id := range c.info.ActiveAgents {
		if id != c.inside && id != c.outside {
			agents = append(agents, id)
		}
	}
	if len(agents) < 2*pairs+2 {
		c.t.Fatalf("%d agents, want %d", len(agents), 2*pairs+2)
	}
	f := bulkFile{pairs: map[int64]int64{}, export: export, self: agents[2*pairs], ghost: agents[2*pairs+1]}
	edits := map[int64]int64{f.self: f.self, f.ghost: ghostID}
	for i := range pairs {
		f.pairs[agents[i]], edits[agents[i]] = agents[pairs+i], agents[pairs+i]
		f.sources = append(f.sources, agents[i])
	}
	f.csv = editExport(c.t, export, edits)
	return f
}

// uploadedConsole is a console whose tenant admin, signed in on b, has
// uploaded (as name) an edited export with pairs valid pairs; path is the
// upload's preview.
func uploadedConsole(t *testing.T, backend string, pairs int, name string) (c *console, b *browser, f bulkFile, path string) {
	t.Helper()
	c = newConsole(t, backend)
	b = c.signedIn(c.info.TenantAdmin)
	f = c.bulkFile(b, pairs)
	return c, b, f, b.uploadCSV(name, f.csv)
}

// TestWebBulkExport: the export link downloads exactly what `handover
// export` writes for the operator.
func TestWebBulkExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		resp, page := b.get("/bulk")
		for _, want := range []string{`href="/bulk/people.csv"`, "Click here to download an export of all users",
			`<label for="upload-file">Upload User Data Transfer File</label>`, `enctype="multipart/form-data"`} {
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
				t.Fatalf("bulk page: %s, lacks %q\n%s", resp.Status, want, page)
			}
		}
		resp, got := b.get("/bulk/people.csv")
		var want bytes.Buffer
		if _, err := c.svc.Export(context.Background(), c.access(c.info.TenantAdmin), &want); err != nil {
			t.Fatal(err)
		}
		if got != want.String() || !strings.HasPrefix(got, "\ufeffFrom User ID,To User ID,Name") {
			t.Fatalf("export differs from transfer's:\n%.300s\nwant\n%.300s", got, want.String())
		}
		checkAttachment(t, resp, "people.csv")
	})
}

// TestWebBulkPreview: an upload is kept and previewed: the totals, the
// per-type totals, the arrow with both names, issues with their fixes,
// Rows per page and the page arrows, the errors-only filter and the
// search; nothing changes in the database.
func TestWebBulkPreview(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		f := c.bulkFile(b, 11)
		jobs := c.count(`SELECT count(*) FROM handover_jobs`)
		path := b.uploadCSV("people edited.csv", f.csv)
		if n := c.count(`SELECT count(*) FROM handover_uploads WHERE operator_id = ? AND job_id IS NULL`, c.info.TenantAdmin); n != 1 {
			t.Fatalf("%d uploads stored, want 1", n)
		}
		plan := c.plan(c.info.TenantAdmin, f.csv)
		resp, body := b.get(path + "?per=10")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %s\n%s", resp.Status, body)
		}
		for _, want := range []string{"people edited.csv", `<span class="label">Pairs</span> <span class="value">13</span>`,
			`<span class="label">Errors</span> <span class="value">2</span>`, "Rows 1–10 of 13", `aria-label="Next page"`,
			"Rows per page", "Skip rows with errors", "Run Transfer</button>", "disabled", "What would move"} {
			if !strings.Contains(body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		checkTypeTotals(t, body, plan)
		first := plan.Rows[0]
		if !strings.Contains(body, template.HTMLEscapeString(first.Arrow())) {
			t.Errorf("preview lacks the arrow %q", first.Arrow())
		}
		_, page2 := b.get(path + "?per=10&page=2")
		if !strings.Contains(page2, "Rows 11–13 of 13") || !strings.Contains(page2, `aria-label="Previous page"`) || strings.Contains(page2, `aria-label="Next page"`) {
			t.Errorf("page 2 of 10 rows: wrong range or arrows:\n%s", page2)
		}
		_, errs := b.get(path + "?errors=1")
		if !strings.Contains(errs, "Rows 1–2 of 2") || !strings.Contains(errs, "self_transfer") || !strings.Contains(errs, "unknown_user") ||
			strings.Contains(errs, template.HTMLEscapeString(first.Arrow())) {
			t.Errorf("errors-only page shows other rows or misses errors:\n%s", errs)
		}
		for _, issue := range errorIssues(plan) {
			if !strings.Contains(errs, template.HTMLEscapeString(issue.Message)) {
				t.Errorf("errors-only page lacks the message %q", issue.Message)
			}
		}
		_, found := b.get(path + "?q=" + itoa(*plan.Rows[5].To))
		if !strings.Contains(found, "Rows 1–1 of 1") || !strings.Contains(found, template.HTMLEscapeString(plan.Rows[5].Arrow())) {
			t.Errorf("search by the target's ID does not find row %d alone", plan.Rows[5].Row)
		}
		if n := c.count(`SELECT count(*) FROM handover_jobs`); n != jobs {
			t.Errorf("a preview recorded %d jobs", n-jobs)
		}
	})
}

// checkTypeTotals checks the page's per-type totals against the plan's
// rows that would run, with thousands separators.
func checkTypeTotals(t *testing.T, body string, plan *handover.Plan) {
	t.Helper()
	sums := map[string]int64{}
	for _, r := range plan.Rows {
		if r.Runnable() && !r.Repeats() {
			for _, m := range r.Moves {
				sums[m.Type] += m.Rows
			}
		}
	}
	if len(sums) == 0 {
		t.Fatal("the plan moves nothing: the fixture is wrong")
	}
	for table, rows := range sums {
		dt, _ := handover.LookupType(table)
		want := "<td>" + template.HTMLEscapeString(dt.Name) + "</td><td>" + string(dt.Mode) + `</td><td class="num">` + thousands(rows) + "</td>"
		if rows > 0 && !strings.Contains(body, want) {
			t.Errorf("per-type totals lack %s", want)
		}
	}
}

// checkAttachment checks that resp is a download named name.
func checkAttachment(t *testing.T, resp *http.Response, name string) {
	t.Helper()
	if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename="+name {
		t.Errorf("Content-Disposition %q, want the attachment %s", cd, name)
	}
}

func errorIssues(p *handover.Plan) []handover.Issue {
	var out []handover.Issue
	for _, r := range p.Rows {
		for _, i := range r.Issues {
			if !i.Code.IsWarning() {
				out = append(out, i)
			}
		}
	}
	return out
}

// plan is the preview transfer makes of content for operator op: what the
// command line's preview shows.
func (c *console) plan(op int64, content string) *handover.Plan {
	c.t.Helper()
	up, err := transfer.Read(strings.NewReader(content), "people.csv", 0, "")
	if err != nil {
		c.t.Fatal(err)
	}
	plan, err := c.svc.Preview(context.Background(), c.access(op), up, handover.RunOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return plan
}

// TestWebBulkErrorsCSV: the errors download is the file `preview --errors`
// writes for the same upload.
func TestWebBulkErrorsCSV(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c, b, f, path := uploadedConsole(t, backend, 3, "people.csv")
		resp, got := b.get(path + "/errors.csv")
		plan := c.plan(c.info.TenantAdmin, f.csv)
		var want bytes.Buffer
		if err := audit.WriteErrors(&want, plan.Upload, audit.PlanErrors(plan)); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || got != want.String() {
			t.Fatalf("errors CSV: %s\n%s\nwant\n%s", resp.Status, got, want.String())
		}
		if !strings.Contains(got, itoa(f.self)) || !strings.Contains(got, itoa(f.ghost)) || strings.Contains(got, itoa(f.sources[0])+",") {
			t.Errorf("errors CSV holds the wrong rows:\n%s", got)
		}
		checkAttachment(t, resp, "people-errors.csv")
	})
}

// TestWebBulkFileErrors: a file rejected as a whole (no ID columns, not
// text, more pairs than the limit) shows its code and fix, with 422 and
// nothing to run.
func TestWebBulkFileErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		c.svc.MaxPairs = 2 // the setting's limit, made small
		b := c.signedIn(c.info.TenantAdmin)
		three := bulkCSV(c.agentPairs(3))
		for name, content := range map[string]string{"bad_header": "Name,Email\nA,a@x\n", "unreadable": "", "limit_exceeded": three} {
			resp, body := b.get(b.uploadCSV(name+".csv", content))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<span class="code">`+name+`</span>`) ||
				!strings.Contains(body, "This file cannot be used") || strings.Contains(body, "Run Transfer") {
				t.Errorf("%s: %s\n%s", name, resp.Status, body)
			}
		}
	})
}

// TestWebBulkPartialView: an admin's export, preview and errors download
// hold only their view: a user outside it is "(ID)" with an out_of_view
// error, never a name, and another tenant's users are unknown.
func TestWebBulkPartialView(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		admin := c.info.Admins[0]
		b := c.signedIn(admin.ID)
		_, export := b.get("/bulk/people.csv")
		hidden := []string{"Neil", c.name(admin.OutOfView[1]), c.name(c.info.OtherTenantUsers[0])}
		for _, name := range hidden {
			if strings.Contains(export, name) {
				t.Errorf("the admin's export holds %q, outside their view", name)
			}
		}
		edited := editExport(t, export, map[int64]int64{admin.InView[3]: c.outside, admin.InView[4]: admin.InView[5]})
		edited += itoa(admin.OutOfView[1]) + "," + itoa(admin.InView[6]) + "\n" + itoa(c.info.OtherTenantUsers[0]) + "," + itoa(admin.InView[7]) + "\n"
		path := b.uploadCSV("people.csv", edited)
		for _, p := range []string{path, path + "?errors=1", path + "/errors.csv", path + "/confirm?skip=1"} {
			resp, body := b.get(p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s\n%s", p, resp.Status, body)
			}
			for _, name := range hidden {
				if strings.Contains(body, template.HTMLEscapeString(name)) || strings.Contains(body, name) {
					t.Errorf("%s shows %q, outside the admin's view", p, name)
				}
			}
		}
		_, page := b.get(path)
		for _, want := range []string{"→ (" + itoa(c.outside) + ")", "(" + itoa(admin.OutOfView[1]) + ") →", "out_of_view", "unknown_user"} {
			if !strings.Contains(page, want) {
				t.Errorf("the preview lacks %q", want)
			}
		}
	})
}

// TestWebBulkNothingToRun: a file whose every row has an error offers no
// way to run it, ticked or not.
func TestWebBulkNothingToRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		agent := c.info.ActiveAgents[7]
		path := b.uploadCSV("self.csv", "From User ID,To User ID\n"+itoa(agent)+","+itoa(agent)+"\n")
		_, body := b.get(path)
		if !strings.Contains(body, "No pair of this file can run") || strings.Contains(body, "Skip rows with errors</label>") {
			t.Errorf("a file with nothing to run:\n%s", body)
		}
		if resp, body := b.get(path + "/confirm?skip=1"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no pair that can run") {
			t.Errorf("its confirmation: %s\n%s", resp.Status, body)
		}
	})
}
