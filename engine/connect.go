package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Deadlines of waits that happen outside any transaction's SET LOCAL. They
// are variables so that tests can change them.
var (
	// ConnectTimeout bounds one connection to PostgreSQL, the whole of it,
	// when neither the DSN nor PGCONNECT_TIMEOUT sets connect_timeout.
	ConnectTimeout = 10 * time.Second
	// BusyTimeout bounds how long an SQLite statement waits for another
	// connection's lock (busy_timeout) when a file: DSN does not set one.
	BusyTimeout = 30 * time.Second
)

// openPostgres returns a handle on the PostgreSQL database of dsn whose
// connections are bounded: connecting gives up after the connect timeout,
// or as soon as the caller's context ends, and every session has a
// statement_timeout and a lock_timeout, so that statements outside
// transactions have deadlines too. What the DSN sets wins.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg = sessionDefaults(cfg, dsn, os.Getenv)
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(boundedConnector{Connector: c, timeout: cfg.ConnectTimeout}), nil
}

// sessionDefaults fills in the connect timeout and the session's statement
// and lock timeouts where dsn (or the environment pq reads) leaves them
// unset. An explicit connect_timeout=0 (wait forever) is kept.
func sessionDefaults(cfg pq.Config, dsn string, getenv func(string) string) pq.Config {
	if cfg.ConnectTimeout == 0 && !strings.Contains(dsn, "connect_timeout") && getenv("PGCONNECT_TIMEOUT") == "" {
		cfg.ConnectTimeout = ConnectTimeout
	}
	for _, s := range []struct {
		name string
		d    time.Duration
	}{{"statement_timeout", StatementTimeout}, {"lock_timeout", LockTimeout}} {
		if _, set := cfg.Runtime[s.name]; set || strings.Contains(cfg.Options, s.name) {
			continue
		}
		if cfg.Runtime == nil {
			cfg.Runtime = map[string]string{}
		}
		cfg.Runtime[s.name] = strconv.FormatInt(s.d.Milliseconds(), 10)
	}
	return cfg
}

// boundedConnector opens pq connections that give up when the caller's
// context ends or the connect timeout passes, whichever comes first. pq
// heeds neither while it waits for the server's answer to its startup
// message, and it applies connect_timeout per attempt (sslmode=prefer and
// several hosts make several), so a server that accepts connections and
// never answers would otherwise hold the caller, and ignore a signal.
type boundedConnector struct {
	*pq.Connector
	timeout time.Duration
}

// Connect opens a connection. An attempt abandoned when ctx ended goes on
// in the background until pq gives up; a connection it still makes is
// closed.
func (c boundedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	attempt := ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		attempt, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	type result struct {
		conn driver.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := c.Connector.Connect(attempt)
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		switch {
		case r.err == nil:
			return r.conn, nil
		case ctx.Err() == nil && isTimeout(r.err):
			return nil, noAnswerError{c.timeout, r.err}
		}
		return nil, r.err // not pq's typed nil
	case <-attempt.Done():
		go func() {
			if r := <-done; r.err == nil {
				r.conn.Close()
			}
		}()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, noAnswerError{c.timeout, attempt.Err()}
	}
}

// noAnswerError is a connection attempt that timed out.
type noAnswerError struct {
	timeout time.Duration
	err     error
}

func (e noAnswerError) Error() string {
	return fmt.Sprintf("no answer within %v: %v", e.timeout, e.err)
}

func (e noAnswerError) Unwrap() error { return e.err }

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sqliteConnString returns the driver's connection string for an SQLite
// DSN, with a busy timeout added to a file: URI that sets none.
func sqliteConnString(d dialect, dsn string) string {
	if strings.HasPrefix(dsn, "file:") && !strings.Contains(dsn, "busy_timeout") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += fmt.Sprintf("%s_pragma=busy_timeout(%d)", sep, BusyTimeout.Milliseconds())
	}
	return d.connString(dsn)
}
