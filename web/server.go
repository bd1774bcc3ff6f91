// Package web is the web console face of handover: server-rendered pages
// (html/template, embedded, parsed once) over the transfer flow. Like the
// command line it only parses a request, calls package transfer, renders
// the result and maps errors to HTTP statuses (see status); it never opens
// a transaction or builds SQL. Every page asks transfer for the signed-in
// operator's access afresh.
package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/zerolog"

	"handover"
	"handover/transfer"
)

// DefaultMaxUploadMB is the default of serve --max-upload-mb.
const DefaultMaxUploadMB = 50

// Server serves the web console for one database.
type Server struct {
	// Service is the transfer flow every page calls.
	Service *transfer.Service
	// BaseURL is where browsers reach the console; an https URL makes the
	// session cookie Secure.
	BaseURL *url.URL
	// Log receives internal error detail; it defaults to a no-op logger.
	Log zerolog.Logger
	// MaxUpload is the most bytes one request body may hold (an upload, an
	// API call); a longer body is refused with 413 and changes nothing.
	MaxUpload int64
	// Notify, when set, is told of every job that ends (serve
	// --notify-url); set it before serving.
	Notify *Notifier
	// AuthHeader, when set, names the request header in which a
	// single-sign-on proxy in front of the console sends the signed-in
	// user's email; it then signs every request in, and sessions and
	// sign-in links are not used (serve --auth-header).
	AuthHeader string

	pages   pages
	handler http.Handler
	jobs    *runner
}

// NewServer returns a server for svc reached at baseURL (such as
// http://127.0.0.1:8080), with its templates parsed and routes registered.
func NewServer(svc *transfer.Service, baseURL string) (*Server, error) {
	u, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{Service: svc, BaseURL: u, Log: zerolog.Nop(), MaxUpload: DefaultMaxUploadMB << 20, pages: p}
	s.jobs = newRunner(&s.Log)
	s.jobs.ended = func(a transfer.Access, out transfer.Outcome) { s.Notify.jobEnded(a, out) }
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = secure(http.NewCrossOriginProtection().Handler(mux))
	return s, nil
}

// ParseBaseURL checks a base URL of the console (--base-url): http or
// https with a host, and returns it without a trailing slash.
func ParseBaseURL(baseURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, handover.Errorf(handover.ErrUsage, "--base-url %q: give an http:// or https:// URL with a host, such as http://127.0.0.1:8080", baseURL)
	}
	return u, nil
}

// routes registers one small handler per route.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.FileServerFS(staticFS))
	mux.HandleFunc("GET /signin", s.handleSignin)
	mux.HandleFunc("POST /signout", s.handleSignout)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/jobs", http.StatusSeeOther)
	})
	s.jobRoutes(mux)
	mux.Handle("GET /jobs", s.signedIn(s.handleJobs))
	mux.Handle("GET /jobs/{id}", s.signedIn(s.handleJob))
	s.consoleRoutes(mux)
	s.apiRoutes(mux)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// secure sets the headers every response carries: no script or frame from
// anywhere, no type sniffing, no referrer (a sign-in link's token is in
// its URL), and nothing cached but the static assets (pages show names).
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "public, max-age=3600")
		} else {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
