package engine

import (
	"errors"
	"strings"
	"testing"

	"handover"
)

// TestRedact masks the password of every DSN form the drivers accept and
// leaves the rest as written.
func TestRedact(t *testing.T) {
	for _, tc := range []struct{ name, dsn, want string }{
		{"url", "postgres://app:s3cret@db:5432/x?sslmode=disable", "postgres://app:****@db:5432/x?sslmode=disable"},
		{"url with @ in the password", "postgresql://app:s3@cr@t@db/x", "postgresql://app:****@db/x"},
		{"url without password", "postgres://app@db/x", "postgres://app@db/x"},
		{"url without user", "postgres://db:5432/x?sslmode=disable", "postgres://db:5432/x?sslmode=disable"},
		{"query parameter", "postgres://app@db/x?sslmode=disable&password=s3cret", "postgres://app@db/x?sslmode=disable&password=****"},
		{"both", "postgres://app:s3cret@db/x?PassWord=other&sslpassword=third", "postgres://app:****@db/x?PassWord=****&sslpassword=****"},
		{"key=value", "host=db user=app password=s3cret dbname=x", "host=db user=app password=**** dbname=x"},
		{"key = 'quoted value'", "host=db password = 'it\\'s secret' dbname=x", "host=db password = **** dbname=x"},
		{"sslpassword setting", "host=db sslpassword=s3cret", "host=db sslpassword=****"},
		{"sqlite file", "/tmp/handover.db", "/tmp/handover.db"},
		{"sqlite URI", "file:handover.db?_pragma=busy_timeout(5000)", "file:handover.db?_pragma=busy_timeout(5000)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Redact(tc.dsn); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.dsn, got, tc.want)
			}
		})
	}
}

// TestUnavailableScrubsDriverErrors: a driver's error that quotes the DSN
// (a URL that does not parse) does not carry the password into the message.
func TestUnavailableScrubsDriverErrors(t *testing.T) {
	dsn := "postgres://app:s3%21cret@db:notaport/x"
	msg := handover.ErrorMessage(unavailable(dsn, errors.New(`parse "`+dsn+`": invalid port; password s3!cret`)))
	if strings.Contains(msg, "s3%21cret") || strings.Contains(msg, "s3!cret") {
		t.Errorf("the password shows: %s", msg)
	}
}
