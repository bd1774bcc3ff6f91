package web

import (
	"context"
	"net/http"
	"strings"

	"handover"
	"handover/transfer"
)

// sessionCookie names the cookie holding the session token.
const sessionCookie = "handover_session"

// signinHelp is what the sign-in page says when there is no valid link.
type signinHelp struct {
	Problem string // why the last attempt failed; empty on a first visit
	// Proxy is the header a single-sign-on proxy signs people in with
	// (serve --auth-header); empty when sign-in links are used.
	Proxy string
}

// handleSignin uses the one-time link's token, when there is one, and
// starts a session; otherwise it explains how to get a link.
func (s *Server) handleSignin(w http.ResponseWriter, r *http.Request) {
	if s.AuthHeader != "" {
		s.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Data: signinHelp{Proxy: s.AuthHeader}})
		return
	}
	token := r.URL.Query().Get("token")
	// A HEAD (a link preview) must not use up the link.
	if token == "" || r.Method == http.MethodHead {
		s.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Data: signinHelp{}})
		return
	}
	session, _, err := s.Service.Signin(r.Context(), token)
	if code := handover.ErrorCode(err); code == handover.ErrUnauthenticated || code == handover.ErrForbidden {
		s.render(w, r, status(err), "signin", page{Title: "Sign in", Data: signinHelp{Problem: message(err)}})
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(session, 0))
	// Away from the link, so that its token leaves the address bar.
	http.Redirect(w, r, "/jobs", http.StatusSeeOther)
}

// handleSignout ends the session and clears its cookie.
func (s *Server) handleSignout(w http.ResponseWriter, r *http.Request) {
	if s.AuthHeader != "" {
		s.render(w, r, http.StatusOK, "signin", page{Title: "Signed in by single sign-on", Data: signinHelp{Proxy: s.AuthHeader,
			Problem: "The console cannot sign you out: your organisation's single sign-on signs you in on every page. Sign out there, or close the browser."}})
		return
	}
	if err := s.Service.Signout(r.Context(), sessionToken(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie("", -1))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// cookie returns the session cookie holding token; maxAge -1 deletes it,
// 0 makes it last until the browser closes (the server ends idle sessions).
func (s *Server) cookie(token string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.BaseURL.Scheme == "https"}
}

// sessionToken returns the request's session token, "" without one.
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// operatorHandler is a page handler that runs for a signed-in operator.
type operatorHandler func(w http.ResponseWriter, r *http.Request, a transfer.Access) error

// signedIn checks the session and the operator afresh on every request: no
// session (or an idle one) goes to the sign-in page; an operator who may
// no longer operate (deactivated, demoted) has the session ended and gets
// 403. The handler's error becomes the error page.
func (s *Server) signedIn(h operatorHandler) http.Handler {
	proxied := s.proxySignedIn(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.AuthHeader != "" { // set after NewServer: decided per request
			proxied.ServeHTTP(w, r)
			return
		}
		token := sessionToken(r)
		a, err := s.Service.Session(r.Context(), token)
		switch handover.ErrorCode(err) {
		case "":
			err = h(w, withAccess(r, a), a)
		case handover.ErrUnauthenticated:
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		case handover.ErrForbidden:
			if end := s.Service.Signout(r.Context(), token); end != nil {
				err = end
			}
			http.SetCookie(w, s.cookie("", -1))
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// proxySignedIn signs every request in by the single-sign-on proxy's
// header, which holds the user's email, checked afresh each time: no
// header goes to the sign-in page, which explains the proxy; an email
// that names no operator (unknown, a supervisor, deactivated) is 403.
func (s *Server) proxySignedIn(h operatorHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email := strings.TrimSpace(r.Header.Get(s.AuthHeader))
		if email == "" {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		a, err := s.Service.AuthorizeEmail(r.Context(), email)
		if err == nil {
			err = h(w, withAccess(r, a), a)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// withAccess returns r carrying the signed-in operator's access.
func withAccess(r *http.Request, a transfer.Access) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), accessKey{}, a))
}

// accessKey keys the signed-in operator's access in a request's context,
// for what every page shows them (see busy).
type accessKey struct{}

// busy returns the job running for the tenant of the request's signed-in
// operator, for the banner every page shows while one runs: from memory
// when this server runs it, else from the ledger (another process); nil
// when none runs or nobody is signed in (op nil). A failed look-up is logged and
// shows no banner: it must not take the page down.
func (s *Server) busy(r *http.Request, op *handover.User) *transfer.RunningJob {
	a, ok := r.Context().Value(accessKey{}).(transfer.Access)
	if op == nil || !ok {
		return nil
	}
	if job, by, ok := s.jobs.tenantJob(a.Op.TenantID); ok {
		return &transfer.RunningJob{Job: job, By: by}
	}
	run, err := s.Service.Running(r.Context(), a)
	if err != nil {
		s.Log.Warn().Err(err).Int64("tenant", a.Op.TenantID).Msg("could not look up the tenant's running job for the banner")
	}
	return run
}
