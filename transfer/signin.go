package transfer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"handover"
)

// How long sign-in secrets of the web console last.
const (
	// SigninLinkTTL is how long a sign-in link works (once).
	SigninLinkTTL = 15 * time.Minute
	// SessionIdle is how long a session lasts without a request.
	SessionIdle = 8 * time.Hour
)

// SigninLink issues a one-time sign-in link token for the operator of a,
// valid for SigninLinkTTL. Only its hash is stored; the token is returned
// once, to be printed in the link and nowhere else.
func (s *Service) SigninLink(ctx context.Context, a Access) (token string, expires time.Time, err error) {
	token, err = newToken()
	if err != nil {
		return "", time.Time{}, err
	}
	expires = s.DB.Now().Add(SigninLinkTTL)
	if err := s.DB.CreateSigninLink(ctx, tokenHash(token), a.Op.ID, expires); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// Signin uses a sign-in link token (it works once) and, when its user may
// still operate, starts a session: it returns the session token (for the
// cookie; only its hash is stored) and the operator's access.
func (s *Service) Signin(ctx context.Context, link string) (session string, a Access, err error) {
	if link == "" {
		return "", Access{}, handover.Errorf(handover.ErrUnauthenticated, "the sign-in link has no token: ask for a new one with `handover signin-link --as YOUR_USER_ID`")
	}
	user, err := s.DB.UseSigninLink(ctx, tokenHash(link))
	if err != nil {
		return "", Access{}, err
	}
	if a, err = s.Authorize(ctx, user); err != nil {
		return "", Access{}, err
	}
	if session, err = newToken(); err != nil {
		return "", Access{}, err
	}
	if err := s.DB.CreateSession(ctx, tokenHash(session), user, SessionIdle); err != nil {
		return "", Access{}, err
	}
	return session, a, nil
}

// Session returns the access of a session's operator, checked afresh (a
// deactivated admin is out at once), and keeps the session alive.
func (s *Service) Session(ctx context.Context, session string) (Access, error) {
	if session == "" {
		return Access{}, handover.Errorf(handover.ErrUnauthenticated, "you are not signed in: sign in with a link from `handover signin-link --as YOUR_USER_ID`")
	}
	user, err := s.DB.TouchSession(ctx, tokenHash(session), SessionIdle)
	if err != nil {
		return Access{}, err
	}
	return s.Authorize(ctx, user)
}

// Signout ends a session.
func (s *Service) Signout(ctx context.Context, session string) error {
	if session == "" {
		return nil
	}
	return s.DB.EndSession(ctx, tokenHash(session))
}

// newToken returns 32 random bytes, URL-safe base64 without padding.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenHash is what the database keeps of a token: its SHA-256, in hex.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
