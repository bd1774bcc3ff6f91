package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// Retry settings for transient failures.
var (
	retryAttempts = 6
	retryBase     = 100 * time.Millisecond
	retryMax      = 5 * time.Second
)

// retry runs fn, retrying transient failures (serialization failures,
// deadlocks, lock timeouts, SQLite busy, a dropped connection) with bounded
// exponential backoff. A connection still failing after the last attempt is
// returned as an unavailable database. Nothing is retried once ctx has
// ended: a cancelled statement can look like a dropped connection.
func retry(ctx context.Context, db *DB, fn func() error) error {
	wait := retryBase
	var err error
	for attempt := 1; attempt <= retryAttempts; attempt++ {
		if err = fn(); err == nil || ctx.Err() != nil || !isTransient(err) {
			return err
		}
		db.Log.Warn().Err(err).Int("attempt", attempt).Dur("backoff", wait).Msg("transient database error; retrying")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, retryMax)
	}
	if isConnectionError(err) {
		return unavailable(db.DSN, err)
	}
	return err
}

// isTransient reports whether err is worth retrying.
func isTransient(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006":
			return true
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "SQLITE_LOCKED") {
		return true
	}
	return isConnectionError(err)
}

// isConnectionError reports whether err means the connection was lost.
func isConnectionError(err error) bool {
	var ne net.Error
	var pe *pq.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return true
	case errors.As(err, &pe):
		return pe.Code.Class() == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "bad connection")
}
