package transfer

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"handover"
)

// tokenPrefix starts every API token, so that a leaked one is recognisable
// (secret scanners, logs) for what it is.
const tokenPrefix = "hov_"

// MaxTokenDays is the longest an API token may be made to last.
const MaxTokenDays = 3650

// CreateToken issues an API token named name that acts as the operator of
// a (an active admin or tenant admin: Authorize has checked), expiring
// after days days (0: never). Only its hash is stored; the token is
// returned once, to be printed and nowhere else.
func (s *Service) CreateToken(ctx context.Context, a Access, name string, days int) (token string, expires *time.Time, err error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, isControl) {
		return "", nil, handover.Errorf(handover.ErrUsage, "--name %q: give the token a name of 1 to 100 printable characters that says who uses it, such as nightly-hr-feed", name)
	}
	if days < 0 || days > MaxTokenDays {
		return "", nil, handover.Errorf(handover.ErrUsage, "--expires %d: give the days the token lasts, 1 to %d, or 0 for a token that never expires", days, MaxTokenDays)
	}
	if days > 0 {
		t := s.DB.Now().UTC().Add(time.Duration(days) * 24 * time.Hour)
		expires = &t
	}
	raw, err := newToken()
	if err != nil {
		return "", nil, err
	}
	token = tokenPrefix + raw
	if err := s.DB.CreateToken(ctx, tokenHash(token), a.Op.TenantID, a.Op.ID, name, expires); err != nil {
		return "", nil, err
	}
	return token, expires, nil
}

// TokenAccess returns the access of an API token's operator, checked
// afresh on every call: an unknown, revoked or expired token is
// ErrUnauthenticated; a token whose admin was since deactivated or
// demoted is ErrForbidden.
func (s *Service) TokenAccess(ctx context.Context, token string) (Access, error) {
	if token == "" {
		return Access{}, handover.Errorf(handover.ErrUnauthenticated, "no API token: send `Authorization: Bearer TOKEN` with a token from `handover token create --as YOUR_USER_ID --name NAME`")
	}
	user, err := s.DB.UseToken(ctx, tokenHash(token))
	if err != nil {
		return Access{}, err
	}
	return s.Authorize(ctx, user)
}

// Tokens lists the API tokens of the operator's tenant, oldest first.
func (s *Service) Tokens(ctx context.Context, a Access) ([]handover.Token, error) {
	return s.DB.Tokens(ctx, a.Op.TenantID)
}

// RevokeToken revokes the live API token of the operator's tenant named
// name: it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, a Access, name string) error {
	return s.DB.RevokeToken(ctx, a.Op.TenantID, strings.TrimSpace(name))
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }
