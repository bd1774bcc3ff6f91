package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"handover"
	"handover/transfer"
)

// TestWebSigninLinkWorksOnce: a link signs in once, its replay is refused,
// and the session it started opens the Jobs page.
func TestWebSigninLinkWorksOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		link := c.link(c.info.TenantAdmin)
		head, _ := http.NewRequest(http.MethodHead, c.ts.URL+link, nil)
		if resp, _ := b.do(head); resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
			t.Fatalf("HEAD of the link: %s, cookies %v", resp.Status, resp.Cookies())
		}
		resp, _ := b.get(link)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/jobs" {
			t.Fatalf("first use: %s, Location %q", resp.Status, resp.Header.Get("Location"))
		}
		checkSessionCookie(t, resp, false)
		if resp, body := b.get("/jobs"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Job "+itoa(c.job)) {
			t.Fatalf("jobs after sign-in: %s\n%s", resp.Status, body)
		}
		replay := c.browser()
		resp, body := replay.get(link)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "already used or expired") {
			t.Fatalf("replayed link: %s\n%s", resp.Status, body)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("a replayed link set a cookie: %v", resp.Cookies())
		}
	})
}

// TestWebSigninLinkExpires: a link is refused 15 minutes after it was made.
func TestWebSigninLinkExpires(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		link := c.link(c.info.TenantAdmin)
		c.clock.advance(transfer.SigninLinkTTL)
		resp, body := c.browser().get(link)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "handover signin-link --as") {
			t.Fatalf("expired link: %s\n%s", resp.Status, body)
		}
	})
}

// TestWebSessionIdleExpiry: a session ends after 8 idle hours, and use
// keeps it alive.
func TestWebSessionIdleExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		c.clock.advance(transfer.SessionIdle - time.Minute)
		if resp, _ := b.get("/jobs"); resp.StatusCode != http.StatusOK {
			t.Fatalf("just under 8 idle hours: %s", resp.Status)
		}
		c.clock.advance(transfer.SessionIdle - time.Minute)
		if resp, _ := b.get("/jobs"); resp.StatusCode != http.StatusOK {
			t.Fatalf("a used session ended: %s", resp.Status)
		}
		c.clock.advance(transfer.SessionIdle)
		checkToSignin(t, b, "/jobs")
	})
}

// TestWebNoSessionGoesToSignin: pages without a session redirect to the
// sign-in page, which explains how to get a link.
func TestWebNoSessionGoesToSignin(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		for _, path := range []string{"/jobs", "/jobs/" + itoa(c.job)} {
			checkToSignin(t, b, path)
		}
		req, _ := http.NewRequest(http.MethodGet, c.ts.URL+"/jobs", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "forged"})
		if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("forged session: %s, Location %q", resp.Status, resp.Header.Get("Location"))
		}
		resp, body := b.get("/signin")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "handover signin-link --as YOUR_USER_ID") {
			t.Fatalf("sign-in page: %s\n%s", resp.Status, body)
		}
	})
}

// TestWebSignout: signing out ends the session; a cross-site POST cannot
// sign anyone out (CSRF), and the session survives it.
func TestWebSignout(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		for name, h := range map[string]map[string]string{
			"Sec-Fetch-Site": {"Sec-Fetch-Site": "cross-site"},
			"Origin":         {"Origin": "https://evil.example"},
		} {
			req, _ := http.NewRequest(http.MethodPost, c.ts.URL+"/signout", nil)
			for k, v := range h {
				req.Header.Set(k, v)
			}
			if resp, _ := b.do(req); resp.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site POST /signout by %s: %s, want 403", name, resp.Status)
			}
		}
		if resp, _ := b.get("/jobs"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session after refused cross-site sign-out: %s", resp.Status)
		}
		req, _ := http.NewRequest(http.MethodPost, c.ts.URL+"/signout", nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, _ := b.do(req)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Fatalf("sign out: %s, Location %q", resp.Status, resp.Header.Get("Location"))
		}
		checkToSignin(t, b, "/jobs")
	})
}

// TestWebSecurityHeaders: every page forbids scripts and frames from
// elsewhere and sniffing, and pages that show names are not cached.
func TestWebSecurityHeaders(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		for _, path := range []string{"/signin", "/jobs", "/jobs/" + itoa(c.job), "/jobs/999999"} {
			resp, _ := b.get(path)
			for k, want := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           "no-store",
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s: %s %q, want %q", path, k, got, want)
				}
			}
		}
		if resp, body := b.get("/static/style.css"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "font-family") {
			t.Errorf("style sheet: %s", resp.Status)
		}
	})
}

// TestWebJobs: the Jobs page lists the tenant's jobs newest first with
// status and counts; a job's page shows the arrow with both names,
// escaped.
func TestWebJobs(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		second := c.runPair(c.info.TenantAdmin, c.info.Admins[0].InView[1], c.info.Admins[0].InView[2])
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		_, body := b.get("/jobs")
		first, newer := strings.Index(body, "Job "+itoa(c.job)+"<"), strings.Index(body, "Job "+itoa(second)+"<")
		if first < 0 || newer < 0 || newer > first {
			t.Fatalf("jobs not listed newest first (job %d at %d, job %d at %d):\n%s", second, newer, c.job, first, body)
		}
		if !strings.Contains(body, `status-done">done<`) {
			t.Errorf("jobs page shows no status:\n%s", body)
		}
		resp, body := b.get("/jobs/" + itoa(c.job))
		arrow := template.HTMLEscapeString(c.name(c.inside)) + " (" + itoa(c.inside) + ") → " +
			template.HTMLEscapeString(hostile) + " (" + itoa(c.outside) + ")"
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, arrow) {
			t.Fatalf("job page: %s, want the arrow %q:\n%s", resp.Status, arrow, body)
		}
		if strings.Contains(body, hostile) {
			t.Errorf("job page shows a name unescaped:\n%s", body)
		}
		if !strings.Contains(body, "1 done, 0 failed") || !strings.Contains(body, "Rows moved") {
			t.Errorf("job page lacks counts:\n%s", body)
		}
		for path, want := range map[string]int{"/jobs/999999": 404, "/jobs/x": 404} {
			if resp, _ := b.get(path); resp.StatusCode != want {
				t.Errorf("%s: %s, want %d", path, resp.Status, want)
			}
		}
	})
}

// TestWebOtherTenant: another tenant's admin finds no job of this tenant
// and sees none of its names.
func TestWebOtherTenant(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		b.signIn(c.otherTenantAdmin())
		resp, body := b.get("/jobs/" + itoa(c.job))
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("other tenant's job: %s, want 404\n%s", resp.Status, body)
		}
		_, list := b.get("/jobs")
		for _, id := range []int64{c.inside, c.outside} {
			name := template.HTMLEscapeString(c.name(id))
			if strings.Contains(body+list, name) {
				t.Errorf("another tenant's admin sees %q", name)
			}
		}
		if strings.Contains(list, "/jobs/"+itoa(c.job)) {
			t.Errorf("another tenant's admin sees job %d listed:\n%s", c.job, list)
		}
	})
}

// TestWebPartialView: an admin sees a user outside their view as "(ID)",
// never by name.
func TestWebPartialView(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		b := c.browser()
		b.signIn(c.info.Admins[0].ID)
		_, body := b.get("/jobs/" + itoa(c.job))
		want := template.HTMLEscapeString(c.name(c.inside)) + " (" + itoa(c.inside) + ") → (" + itoa(c.outside) + ")"
		if !strings.Contains(body, want) {
			t.Fatalf("want the arrow %q:\n%s", want, body)
		}
		if strings.Contains(body, template.HTMLEscapeString(hostile)) || strings.Contains(body, "Neil") {
			t.Errorf("an admin sees the name of a user outside their view:\n%s", body)
		}
	})
}

// TestWebDeactivatedAdmin: an admin deactivated while signed in is out on
// the next request, and stays out when reactivated (the session ended).
func TestWebDeactivatedAdmin(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		admin := c.info.Admins[0].ID
		b := c.browser()
		b.signIn(admin)
		if resp, _ := b.get("/jobs"); resp.StatusCode != http.StatusOK {
			t.Fatalf("jobs: %s", resp.Status)
		}
		c.exec(`UPDATE users SET active = ? WHERE id = ?`, false, admin)
		if resp, body := b.get("/jobs"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Job "+itoa(c.job)) {
			t.Fatalf("deactivated admin: %s, want 403\n%s", resp.Status, body)
		}
		c.exec(`UPDATE users SET active = ? WHERE id = ?`, true, admin)
		checkToSignin(t, b, "/jobs")
	})
}

// TestWebSecureCookie: under an https base URL the session cookie is
// Secure.
func TestWebSecureCookie(t *testing.T) {
	s, err := NewServer(&transfer.Service{}, "https://console.example")
	if err != nil {
		t.Fatal(err)
	}
	rec := &http.Response{Header: http.Header{"Set-Cookie": {s.cookie(strings.Repeat("t", 43), 0).String()}}}
	checkSessionCookie(t, rec, true)
	for _, bad := range []string{"", "console.example", "ftp://x", "http://"} {
		if _, err := NewServer(&transfer.Service{}, bad); err == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
}

// TestWebStatuses: the one error-to-status mapping.
func TestWebStatuses(t *testing.T) {
	for code, want := range map[handover.Code]int{
		handover.ErrUsage: 400, handover.ErrUnauthenticated: 401, handover.ErrForbidden: 403,
		handover.ErrNotFound: 404, handover.ErrLocked: 409, handover.LimitExceeded: 413,
		handover.ErrInvalid: 422, handover.BadHeader: 422, handover.ErrUnavailable: 503,
	} {
		if got := status(handover.Errorf(code, "x")); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
	internal := errString("database exploded: secret detail")
	if status(internal) != 500 || strings.Contains(message(internal), "secret") {
		t.Errorf("internal error: %d %q", status(internal), message(internal))
	}
}

// TestAPIRetryAfter: an API refusal that waiting cures says when to try
// again; one that needs the client to act does not.
func TestAPIRetryAfter(t *testing.T) {
	srv, err := NewServer(&transfer.Service{}, "http://console.example")
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[handover.Code]string{
		handover.ErrLocked: "5", handover.ErrUnavailable: "5", handover.ErrCancelled: "5",
		handover.ErrInterrupted: "", handover.ErrChanged: "", handover.ErrUsage: "", handover.ErrInvalid: "",
	} {
		rec := httptest.NewRecorder()
		srv.apiFail(rec, httptest.NewRequest(http.MethodPost, "/api/v1/jobs", nil), handover.Errorf(code, "x"))
		if got := rec.Header().Get("Retry-After"); got != want {
			t.Errorf("%s (%d): Retry-After %q, want %q", code, rec.Code, got, want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// checkToSignin checks that path redirects to the sign-in page.
func checkToSignin(t *testing.T, b *browser, path string) {
	t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("%s: %s, Location %q, want a redirect to /signin\n%s", path, resp.Status, resp.Header.Get("Location"), body)
	}
}

// checkSessionCookie checks the session cookie's attributes.
func checkSessionCookie(t *testing.T, resp *http.Response, secure bool) {
	t.Helper()
	for _, ck := range resp.Cookies() {
		if ck.Name != sessionCookie {
			continue
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != secure || ck.Path != "/" || len(ck.Value) < 40 {
			t.Errorf("session cookie %s: want HttpOnly, SameSite=Strict, Secure=%v", ck, secure)
		}
		return
	}
	t.Errorf("no session cookie in %v", resp.Header["Set-Cookie"])
}
