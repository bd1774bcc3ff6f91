package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"handover"
)

// usersFound is the pickers' search answer.
type usersFound struct {
	Users []userJSON `json:"users"`
}

func (b *browser) search(text string, inactive bool) []int64 {
	b.c.t.Helper()
	v := url.Values{"q": {text}}
	if inactive {
		v.Set("inactive", "1")
	}
	var found usersFound
	b.getJSON("/single/users.json?"+v.Encode(), &found)
	ids := make([]int64, len(found.Users))
	for i, u := range found.Users {
		ids[i] = u.ID
	}
	return ids
}

func has(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestWebSingleSearch: the pickers find users of the operator's view by
// name, email or ID; inactive ones only with Show inactive users; an admin
// never finds, by any text, a user outside their view.
func TestWebSingleSearch(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		agent, gone := c.info.ActiveAgents[3], c.info.InactiveAgents[0]
		var email string
		if err := c.db.SQL().Get(&email, c.db.SQL().Rebind(`SELECT email FROM users WHERE id = ?`), agent); err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{c.name(agent), strings.ToUpper(c.name(agent)[:len(c.name(agent))-1]), email, itoa(agent)} {
			if !has(b.search(text, false), agent) {
				t.Errorf("search %q does not find %d", text, agent)
			}
		}
		if has(b.search(itoa(gone), false), gone) || !has(b.search(itoa(gone), true), gone) {
			t.Errorf("inactive %d: found without Show inactive users, or not with it", gone)
		}
		admin := c.signedIn(c.info.Admins[0].ID)
		for _, text := range []string{itoa(c.outside), "<b>", "Zoë", c.name(c.info.OtherTenantUsers[0])} {
			if found := admin.search(text, true); has(found, c.outside) || has(found, c.info.OtherTenantUsers[0]) {
				t.Errorf("admin's search %q finds a user outside their view: %v", text, found)
			}
		}
		if !has(admin.search(itoa(c.inside), false), c.inside) {
			t.Errorf("admin does not find %d of their view", c.inside)
		}
	})
}

// TestWebSinglePreview: without JavaScript the pickers are a form: IDs or
// "Name (ID)" pick the pair and show its preview with the arrow, per-type
// counts and Run Transfer; an inactive source needs Show inactive users;
// the JSON endpoint gives the preview as `preview --format json` does,
// with the same fragment.
func TestWebSinglePreview(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		from, to := c.info.InactiveAgents[0], c.info.ActiveAgents[5]
		resp, body := b.get("/single?" + url.Values{"from": {itoa(from)}, "to": {c.name(to) + " (" + itoa(to) + ")"}}.Encode())
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "is inactive: tick Show inactive users") || strings.Contains(body, "Run Transfer") {
			t.Fatalf("inactive source without the tick: %s\n%s", resp.Status, body)
		}
		_, body = b.get("/single?" + url.Values{"from": {itoa(from)}, "to": {itoa(to)}, "inactive": {"1"}}.Encode())
		arrow := template.HTMLEscapeString(c.name(from) + " (" + itoa(from) + ") → " + c.name(to) + " (" + itoa(to) + ")")
		for _, want := range []string{`<label for="pick-to">Target User</label>`, `<label for="pick-from">Source User</label>`,
			"Show inactive users", arrow, "Rows moved", "Run Transfer</button>", `<dialog class="confirm"`, `name="confirm_pairs" value="1"`} {
			if !strings.Contains(body, want) {
				t.Errorf("single page lacks %q", want)
			}
		}
		var got struct {
			Preview handover.Plan `json:"preview"`
			HTML    string        `json:"html"`
		}
		b.getJSON("/single/preview.json?from="+itoa(from)+"&to="+itoa(to), &got)
		plan := c.plan(c.info.TenantAdmin, "From User ID,To User ID\n"+itoa(from)+","+itoa(to)+"\n")
		if len(got.Preview.Rows) != 1 || *got.Preview.Rows[0].From != from || len(got.Preview.Rows[0].Moves) != len(plan.Rows[0].Moves) ||
			!strings.Contains(got.HTML, arrow) {
			t.Errorf("preview JSON: %+v\n%s", got.Preview, got.HTML)
		}
		for i, m := range plan.Rows[0].Moves {
			if got.Preview.Rows[0].Moves[i] != m {
				t.Errorf("move %d: %+v, want %+v", i, got.Preview.Rows[0].Moves[i], m)
			}
		}
	})
}

// TestWebSingleInactiveTarget: an inactive successor is picked only with
// Show inactive users, and the preview warns of it and may still run.
func TestWebSingleInactiveTarget(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		from, to := c.info.ActiveAgents[6], c.info.InactiveAgents[0]
		_, body := b.get("/single?" + url.Values{"from": {itoa(from)}, "to": {itoa(to)}, "inactive": {"1"}}.Encode())
		if !strings.Contains(body, `<span class="code">inactive_target</span>`) || !strings.Contains(body, "Warning") ||
			!strings.Contains(body, "Run Transfer</button>") || strings.Contains(body, "data-run disabled") {
			t.Errorf("an inactive target:\n%s", body)
		}
	})
}

// TestWebSingleCandidates: a text matching several users lists them as
// links that keep the other picker.
func TestWebSingleCandidates(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		to := c.info.ActiveAgents[5]
		resp, body := b.get("/single?" + url.Values{"from": {"a"}, "to": {itoa(to)}}.Encode())
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Several users match") ||
			!strings.Contains(body, template.HTMLEscapeString("to="+itoa(to))) {
			t.Fatalf("candidates: %s\n%s", resp.Status, body)
		}
	})
}

// TestWebSingleOutOfView: an admin cannot pick a user outside their view,
// and their name shows nowhere.
func TestWebSingleOutOfView(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.Admins[0].ID)
		_, body := b.get("/single?from=" + itoa(c.inside) + "&to=" + itoa(c.outside))
		if !strings.Contains(body, "there is no user "+itoa(c.outside)+" in your view") || strings.Contains(body, "Run Transfer") ||
			strings.Contains(body, "Neil") {
			t.Errorf("out-of-view target:\n%s", body)
		}
		resp, body := b.get("/single/preview.json?from=" + itoa(c.inside) + "&to=" + itoa(c.outside))
		if strings.Contains(body, "Neil") || resp.StatusCode != http.StatusOK || !strings.Contains(body, "out_of_view") {
			t.Errorf("preview JSON of an out-of-view pair: %s\n%s", resp.Status, body)
		}
	})
}

// TestWebSingleRun: a pair with an inactive source runs from the Single
// tab to its job page, and the data moves row by row.
func TestWebSingleRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.signedIn(c.info.TenantAdmin)
		from, to := c.info.InactiveAgents[0], c.info.ActiveAgents[5]
		plan := c.plan(c.info.TenantAdmin, "From User ID,To User ID\n"+itoa(from)+","+itoa(to)+"\n")
		before := c.rows()
		form := confirmForm(plan, false)
		form.Set("from", itoa(from))
		form.Set("to", itoa(to))
		if resp, body := b.get("/single/confirm?" + form.Encode()); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Run Transfer</button>") {
			t.Fatalf("confirmation page: %s\n%s", resp.Status, body)
		}
		job := b.run("/single/run", form)
		if job.Done != 1 || job.Failed != 0 {
			t.Errorf("job %d: %d done, %d failed", job.ID, job.Done, job.Failed)
		}
		c.checkRows(transferred(before, []handover.Pair{{From: from, To: to}}))
	})
}
