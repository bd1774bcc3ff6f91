package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"handover"
)

// confirmForm is the form the confirmation dialog posts for plan.
func confirmForm(plan *handover.Plan, skip bool) url.Values {
	pairs, moved, over := plan.WouldRun()
	v := url.Values{"confirm_pairs": {itoa(int64(pairs))}, "confirm_moved": {itoa(moved)}, "confirm_overwritten": {itoa(over)}}
	if skip {
		v.Set("skip", "1")
	}
	return v
}

// TestWebBulkRun: Run Transfer is refused while rows have errors unless
// Skip rows with errors is ticked (the server checks, not only the page),
// and refused when the totals confirmed are not the file's; ticked, it
// starts the job, goes to its page, and the data ends row by row as the
// valid pairs say. The job records the upload.
func TestWebBulkRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c, b, f, path := uploadedConsole(t, backend, 4, "people.csv")
		plan := c.plan(c.info.TenantAdmin, f.csv)
		before, jobs := c.rows(), c.count(`SELECT count(*) FROM handover_jobs`)

		resp, body := b.post(path+"/run", confirmForm(plan, false))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "tick Skip rows with errors") {
			t.Fatalf("run without the tick: %s\n%s", resp.Status, body)
		}
		if resp, _ := b.get(path + "/confirm"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("confirmation page without the tick: %s", resp.Status)
		}
		wrong := confirmForm(plan, true)
		wrong.Set("confirm_moved", "1")
		if resp, body := b.post(path+"/run", wrong); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "changed since your preview") {
			t.Errorf("run with other totals: %s\n%s", resp.Status, body)
		}
		if n := c.count(`SELECT count(*) FROM handover_jobs`); n != jobs {
			t.Fatalf("a refused run recorded %d jobs", n-jobs)
		}
		c.checkRows(before)

		if resp, body := b.get(path + "/confirm?skip=1"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Rows with errors, skipped") {
			t.Errorf("confirmation page with the tick: %s\n%s", resp.Status, body)
		}
		job := b.run(path+"/run", confirmForm(plan, true))
		if job.Done != 4 || job.Failed != 2 {
			t.Errorf("job %d: %d done, %d failed; want 4 and 2", job.ID, job.Done, job.Failed)
		}
		var pairs []handover.Pair
		for from, to := range f.pairs {
			pairs = append(pairs, handover.Pair{From: from, To: to})
		}
		c.checkRows(transferred(before, pairs))
		id := strings.TrimPrefix(path, "/bulk/uploads/")
		if n := c.count(`SELECT count(*) FROM handover_uploads WHERE id = ? AND job_id = ?`, id, job.ID); n != 1 {
			t.Errorf("job %d does not record upload %s", job.ID, id)
		}
		if _, page := b.get("/bulk"); !strings.Contains(page, `<a href="`+path+`">people.csv</a>`) || !strings.Contains(page, `<a href="/jobs/`+itoa(job.ID)+`">Job `+itoa(job.ID)+`</a>`) {
			t.Errorf("the Bulk tab does not list the upload with its job:\n%s", page)
		}
		if _, page := c.signedIn(c.info.Admins[0].ID).get("/bulk"); strings.Contains(page, path) {
			t.Errorf("another admin's Bulk tab lists the upload")
		}
	})
}

// run posts a confirmed Run Transfer form to path, checks that it goes to
// the job's page, and returns the job once it has ended.
func (b *browser) run(path string, form url.Values) handover.Job {
	b.c.t.Helper()
	resp, body := b.post(path, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs/") {
		b.c.t.Fatalf("run %s: %s, Location %q\n%s", path, resp.Status, loc, body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/jobs/"), 10, 64)
	if err != nil {
		b.c.t.Fatalf("run %s: Location %q is not a job page", path, loc)
	}
	return b.c.waitJob(b.c.access(b.c.info.TenantAdmin), id) // who sees every job
}

// TestWebUploadTooLarge: a 1 GB upload is cut off at the limit with 413
// and a message naming it; nothing is stored and nothing changes.
func TestWebUploadTooLarge(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		before := c.rows()
		huge := io.LimitReader(zeros{}, 1<<30)
		resp, body := b.uploadCutOff("huge.csv", huge)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 50 MB") ||
			!strings.Contains(body, "nothing was stored or changed") {
			t.Fatalf("1 GB upload: %s\n%.2000s", resp.Status, body)
		}
		if n := c.count(`SELECT count(*) FROM handover_uploads`); n != 0 {
			t.Errorf("%d uploads stored", n)
		}
		c.checkRows(before)
	})
}

// zeros reads as an endless file of "0,0" lines.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "0,0\n"[i%4]
	}
	return len(p), nil
}

// TestWebUploadOwnerOnly: an upload's ID reaches nothing for anyone but
// its uploader: another admin of the tenant and another tenant's admin
// get 404 on every page of it, and a stranger without a session goes to
// the sign-in page.
func TestWebUploadOwnerOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c, _, f, path := uploadedConsole(t, backend, 2, "people.csv")
		plan := c.plan(c.info.TenantAdmin, f.csv)
		for _, op := range []int64{c.info.Admins[0].ID, c.otherTenantAdmin()} {
			b := c.signedIn(op)
			for _, p := range []string{path, path + "/errors.csv", path + "/confirm?skip=1"} {
				if resp, body := b.get(p); resp.StatusCode != http.StatusNotFound || strings.Contains(body, c.name(f.sources[0])) {
					t.Errorf("operator %d, %s: %s", op, p, resp.Status)
				}
			}
			if resp, _ := b.post(path+"/run", confirmForm(plan, true)); resp.StatusCode != http.StatusNotFound {
				t.Errorf("operator %d runs another's upload: %s", op, resp.Status)
			}
		}
		stranger := c.browser()
		for _, p := range []string{"/bulk", "/single", "/bulk/people.csv", path, path + "/errors.csv", "/single/users.json?q=a"} {
			checkToSignin(t, stranger, p)
		}
		if resp, _ := stranger.upload("people.csv", strings.NewReader(f.csv)); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("a stranger's upload: %s, Location %q", resp.Status, resp.Header.Get("Location"))
		}
		if n := c.count(`SELECT count(*) FROM handover_uploads`); n != 1 {
			t.Errorf("%d uploads stored, want the owner's only", n)
		}
		if n := c.count(`SELECT count(*) FROM handover_jobs WHERE id <> ?`, c.job); n != 0 {
			t.Errorf("%d jobs started by others", n)
		}
	})
}

// TestWebBulkBusy: while a bulk job runs for the tenant, another admin's
// preview offers no Run Transfer, and a run posted anyway is refused
// (409) with nothing changed.
func TestWebBulkBusy(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c, b, f, path := uploadedConsole(t, backend, 2, "people.csv")
		c.db.ChunkSize = 1
		running := c.agentPairs(6)[4:]
		srv := c.server()
		job, open := c.startHeld(srv, c.access(c.info.TenantAdmin), upload(t, bulkCSV(running)))
		before := c.rows()
		_, page := b.get(path)
		if !strings.Contains(page, "data-busy disabled") || !strings.Contains(page, "A bulk job is running") {
			t.Errorf("the preview offers Run Transfer while job %d runs:\n%s", job.ID, page)
		}
		if resp, body := b.post(path+"/run", confirmForm(c.plan(c.info.TenantAdmin, f.csv), true)); resp.StatusCode != http.StatusConflict {
			t.Errorf("a run while job %d runs: %s\n%s", job.ID, resp.Status, body)
		}
		c.checkRows(before)
		close(open)
		c.waitJob(c.access(c.info.TenantAdmin), job.ID)
	})
}
