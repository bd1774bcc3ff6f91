package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is the password put into the test's DSNs; the local server trusts
// every connection, so any password connects.
const secret = "s3cret"

// TestSecretsNeverShown gives every command a PostgreSQL DSN with a
// password — as a URL, as a URL query parameter, as key=value settings and
// through HANDOVER_DB — and checks that the password appears in no output:
// not in init's or demo's lines (demo's "Try next" commands included), not
// in export, preview, run or their logs, and not in error messages (an
// unreachable server, a malformed URL, a database without the schema, a
// usage message listing the flags' defaults).
func TestSecretsNeverShown(t *testing.T) {
	if os.Getenv(testPGEnv) == "" {
		t.Skip(testPGEnv + " is not set")
	}
	u, err := url.Parse(freshDSN(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), secret)
	dsn := u.String()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	check := func(want int, args ...string) cliResult {
		t.Helper()
		r := mustCLI(t, want, nil, args...)
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("the password shows:\n%s", r)
		}
		return r
	}

	r := check(0, "demo", "--users", "60", "--db", dsn, "--dir", path("demo"))
	if !strings.Contains(r.stdout, "Try next") {
		t.Errorf("demo output lacks its Try next lines:\n%s", r)
	}
	check(0, "init", "--db", dsn)
	as := "--as=" + itoa(seedInfo(t, 60, 1).TenantAdmin)
	a := seedInfo(t, 60, 1).ActiveAgents
	check(0, "export", "--db", dsn, as, "-o", path("people.csv"))
	file := writeFile(t, path("pairs.csv"), pairs(a[20], a[21], a[22], 99999999))
	check(2, "preview", file, "--db", dsn, as)
	check(2, "preview", file, "--db", dsn, as, "--format", "json", "--log-format", "json")
	check(1, "run", file, "--db", dsn, as, "--skip-invalid", "--yes", "--audit", path("audit.csv"), "--log-format", "json")
	check(0, "jobs", "--db", dsn, as)

	q := *u
	q.User = url.User(u.User.Username())
	q.RawQuery += "&password=" + secret
	check(0, "init", "--db", q.String())
	kv := "host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username() + " password=" + secret + " dbname=" + strings.TrimPrefix(u.Path, "/") + " sslmode=disable"
	check(0, "init", "--db", kv)
	check(0, "jobs", "--db", kv, as, "--log-format", "json")

	down := *u
	down.Host = "127.0.0.1:1"
	check(3, "jobs", "--db", down.String(), as)
	check(3, "init", "--db", "postgres://postgres:"+secret+"@127.0.0.1:notaport/x")
	empty, err := url.Parse(freshDSN(t, "postgres")) // no schema
	if err != nil {
		t.Fatal(err)
	}
	empty.User = url.UserPassword(u.User.Username(), secret)
	check(3, "jobs", "--db", empty.String(), as)
	check(3, "jobs", "--db", empty.String(), as, "--log-format", "json")

	t.Setenv("HANDOVER_DB", dsn)
	check(2, "export", "--no-such-flag")
	check(0, "export", "-h")
	check(0, "export", as, "-o", path("again.csv"))
}
