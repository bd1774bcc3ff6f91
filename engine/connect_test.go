package engine

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"handover"
)

// TestSessionDefaults checks which connection settings the tool adds to a
// PostgreSQL DSN: a connect timeout, and the session's statement and lock
// timeouts, each only where the DSN leaves it unset.
func TestSessionDefaults(t *testing.T) {
	tests := []struct {
		name, dsn, env      string // env: PGCONNECT_TIMEOUT
		connect             time.Duration
		statement, lockWait string
	}{
		{name: "URL without settings", dsn: "postgres://u@db.example/app?sslmode=disable",
			connect: ConnectTimeout, statement: "600000", lockWait: "5000"},
		{name: "key=value without settings", dsn: "host=db.example dbname=app",
			connect: ConnectTimeout, statement: "600000", lockWait: "5000"},
		{name: "URL connect_timeout wins", dsn: "postgres://u@db.example/app?connect_timeout=3",
			connect: 3 * time.Second, statement: "600000", lockWait: "5000"},
		{name: "key=value connect_timeout wins", dsn: "host=db.example connect_timeout=2",
			connect: 2 * time.Second, statement: "600000", lockWait: "5000"},
		{name: "explicit zero waits forever", dsn: "postgres://u@db.example/app?connect_timeout=0",
			connect: 0, statement: "600000", lockWait: "5000"},
		{name: "PGCONNECT_TIMEOUT=0 waits forever", dsn: "postgres://u@db.example/app", env: "0",
			connect: 0, statement: "600000", lockWait: "5000"},
		{name: "DSN statement_timeout wins", dsn: "postgres://u@db.example/app?statement_timeout=1000",
			connect: ConnectTimeout, statement: "1000", lockWait: "5000"},
		{name: "options lock_timeout wins", dsn: "host=db.example options='-c lock_timeout=100'",
			connect: ConnectTimeout, statement: "600000", lockWait: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := pq.NewConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			cfg = sessionDefaults(cfg, tt.dsn, func(name string) string {
				if name == "PGCONNECT_TIMEOUT" {
					return tt.env
				}
				return ""
			})
			if cfg.ConnectTimeout != tt.connect {
				t.Errorf("connect timeout %v, want %v", cfg.ConnectTimeout, tt.connect)
			}
			if got := cfg.Runtime["statement_timeout"]; got != tt.statement {
				t.Errorf("statement_timeout %q, want %q", got, tt.statement)
			}
			if got := cfg.Runtime["lock_timeout"]; got != tt.lockWait {
				t.Errorf("lock_timeout %q, want %q", got, tt.lockWait)
			}
		})
	}
}

// silentListener accepts TCP connections on 127.0.0.1 and never answers;
// accepted is closed at the first connection.
func silentListener(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		var once sync.Once
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			once.Do(func() { close(first) })
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), first
}

// TestOpenSilentServerDefaultTimeout opens a DSN without connect_timeout on
// a server that never answers: Open gives up after ConnectTimeout (lowered
// here so the test is quick) and says the database did not answer.
func TestOpenSilentServerDefaultTimeout(t *testing.T) {
	// Not parallel: it changes ConnectTimeout, which every Open reads.
	defer func(d time.Duration) { ConnectTimeout = d }(ConnectTimeout)
	ConnectTimeout = 500 * time.Millisecond
	addr, _ := silentListener(t)
	_, err := Open(context.Background(), "postgres://u@"+addr+"/app") // sslmode=prefer: pq tries twice
	if handover.ErrorCode(err) != handover.ErrUnavailable || !strings.Contains(handover.ErrorMessage(err), "did not answer within 500ms") {
		t.Fatalf("want unavailable, did not answer within 500ms; got %v", err)
	}
}

// TestOpenSilentServerCancelled cancels the context while Open waits for a
// server that never answers, with a connect timeout of an hour: Open
// returns the context's error at once.
func TestOpenSilentServerCancelled(t *testing.T) {
	t.Parallel()
	addr, accepted := silentListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-accepted
		cancel()
	}()
	_, err := Open(ctx, "postgres://u@"+addr+"/app?sslmode=disable&connect_timeout=3600")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

// TestSQLiteBusyTimeoutAdded checks that a file: DSN without busy_timeout
// gets one, and that one with its own keeps it.
func TestSQLiteBusyTimeoutAdded(t *testing.T) {
	d := sqliteDialect{}
	if got := sqliteConnString(d, "file:/tmp/x.db?mode=rwc"); got != "file:/tmp/x.db?mode=rwc&_pragma=busy_timeout(30000)" {
		t.Errorf("file: DSN without busy_timeout: %q", got)
	}
	if got := sqliteConnString(d, "file:/tmp/x.db?_pragma=busy_timeout(5)"); got != "file:/tmp/x.db?_pragma=busy_timeout(5)" {
		t.Errorf("file: DSN with busy_timeout: %q", got)
	}
}
