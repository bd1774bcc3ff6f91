package main

import (
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoServe: `demo --serve` builds the demo tenant, serves the console
// on it and prints a link that signs its tenant admin in; SIGTERM stops it
// cleanly.
func TestDemoServe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	p := sigStart(t, sigCommand(t, "demo", "--serve", "--users", "60", "--listen", "127.0.0.1:0", "--dir", dir))
	linkRE := regexp.MustCompile(`http://127\.0\.0\.1:\d+/signin\?token=[A-Za-z0-9_-]{43}`)
	var link string
	for deadline := time.Now().Add(sigBound); link == ""; time.Sleep(10 * time.Millisecond) {
		link = linkRE.FindString(p.stdout.String())
		select {
		case <-p.done:
			t.Fatalf("demo --serve ended:\n%s\n%s", p.stdout, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --serve printed no sign-in link:\n%s\n%s", p.stdout, p.stderr)
		}
	}
	if !strings.Contains(p.stdout.String(), "Built tenant 1") || !strings.Contains(p.stdout.String(), "signin-link --base-url") {
		t.Errorf("demo --serve's output:\n%s", p.stdout)
	}
	jar, _ := cookiejar.New(nil)
	body := fetch(t, &http.Client{Jar: jar}, link)
	if !strings.Contains(body, "<h1>Jobs</h1>") || !regexp.MustCompile(`Signed in as [^<]+ \(1\)`).MatchString(body) {
		t.Fatalf("the demo's link did not sign the tenant admin (1) in:\n%s", body)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if code := p.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(p.stderr.String(), "console stopped") {
		t.Errorf("demo --serve after SIGTERM: exit %d\n%s", code, p.stderr)
	}
}
