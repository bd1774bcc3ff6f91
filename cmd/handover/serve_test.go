package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestServeSignsInByLink: `serve` prints its URL and serves the console on
// either backend; a link from `signin-link` signs the admin in once; the
// server stops cleanly (exit 0) when its context ends, as on SIGINT.
func TestServeSignsInByLink(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 50, 1)
		base, stop := f.serve(t)
		r := f.mustCLI(t, 0, "signin-link", "--base-url", base)
		link := strings.TrimSpace(r.stdout)
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/signin\?token=[A-Za-z0-9_-]{43}$`).MatchString(link) {
			t.Fatalf("signin-link printed %q, want one link under %s", r.stdout, base)
		}
		if token := link[strings.Index(link, "=")+1:]; strings.Contains(r.stderr, token) {
			t.Errorf("the token reached stderr: %s", r.stderr)
		}
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		if body := fetch(t, client, link); !strings.Contains(body, "<h1>Jobs</h1>") {
			t.Fatalf("the link did not open the Jobs page:\n%s", body)
		}
		if body := fetch(t, &http.Client{}, link); !strings.Contains(body, "already used or expired") {
			t.Errorf("a used link signed in again:\n%s", body)
		}
		if code, stderr := stop(); code != 0 || !strings.Contains(stderr, "console stopped") {
			t.Errorf("serve ended with exit %d:\n%s", code, stderr)
		}
	})
}

// TestSigninLinkOnlyForOperators: an agent gets no link (exit 3), and a
// bad --base-url is a usage error.
func TestSigninLinkOnlyForOperators(t *testing.T) {
	f := newFixture(t, "sqlite", 50, 1)
	if r := f.mustCLI(t, 3, "signin-link", "--as", itoa(f.info.ActiveAgents[0])); r.stdout != "" {
		t.Errorf("an agent got a link: %s", r)
	}
	f.mustCLI(t, 2, "signin-link", "--base-url", "console.example")
	f.mustCLI(t, 2, "serve", "--base-url", "ftp://console.example", "--listen", "127.0.0.1:0")
}

// TestServeWantsCurrentSchema: a database from before the console is
// refused with the command that upgrades it, and works after it.
func TestServeWantsCurrentSchema(t *testing.T) {
	f := newFixture(t, "sqlite", 50, 1)
	db := f.open(t)
	// Forgetting 0006 makes the schema read as 5 whatever came after it;
	// its tables are created IF NOT EXISTS, so init applies it again.
	if _, err := db.Exec(`DELETE FROM handover_schema WHERE version = 6`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve", "--listen", "127.0.0.1:0"}, {"signin-link"}} {
		if r := f.mustCLI(t, 3, args...); !strings.Contains(r.stderr, "handover init") {
			t.Errorf("%s on an old schema:\n%s", args[0], r)
		}
	}
	f.mustCLI(t, 0, "init")
	f.mustCLI(t, 0, "signin-link")
}

// serve starts `serve` on a free port and returns its printed base URL and
// a function that stops it (as a signal does) and returns its exit code
// and stderr.
func (f *fixture) serve(t *testing.T) (string, func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, f.withDB([]string{"serve", "--listen", "127.0.0.1:0"}), strings.NewReader(""), w, &stderr)
		w.Close()
		done <- err
	}()
	stop := sync.OnceValues(func() (int, string) {
		cancel()
		err := <-done
		return exitCode(err, &stderr), stderr.String()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if base == "" {
		code, stderr := stop()
		t.Fatalf("serve printed %q (%v); exit %d:\n%s", line, err, code, stderr)
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

// fetch GETs url, following redirects, and returns the body.
func fetch(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
