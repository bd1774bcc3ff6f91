package transfer

import (
	"context"
	"strconv"

	"handover"
	"handover/engine"
)

// UsersFound is the most users one search of the console's pickers returns.
const UsersFound = 20

// maxSearchText is the most characters of a search that are used: more
// than any name or email holds.
const maxSearchText = 200

// FindUsers searches the users in the operator's view by the start of their
// name or email, or their ID (see engine.SearchUsers), active ones only
// unless inactive; at most UsersFound, by name.
func (s *Service) FindUsers(ctx context.Context, a Access, text string, inactive bool) ([]handover.User, error) {
	if r := []rune(text); len(r) > maxSearchText {
		text = string(r[:maxSearchText])
	}
	return s.DB.SearchUsers(ctx, a.Op, engine.UserQuery{Text: text, Inactive: inactive, Limit: UsersFound})
}

// User returns the user with id when the operator sees them; anyone else
// (another tenant's user, one outside the view, no such user) is not found.
func (s *Service) User(ctx context.Context, a Access, id int64) (handover.User, error) {
	users, err := s.DB.Users(ctx, a.Op.TenantID, []int64{id})
	if err != nil {
		return handover.User{}, err
	}
	if u, ok := users[id]; ok && a.Sees(u) {
		return u, nil
	}
	return handover.User{}, handover.Errorf(handover.ErrNotFound, "there is no user %d in your view: search by name, ID or email", id)
}

// PreviewPair is Preview of one pair, from (the source) to (the target):
// the plan `preview` shows for a file holding only that pair.
func (s *Service) PreviewPair(ctx context.Context, a Access, from, to int64, opts handover.RunOptions) (*handover.Plan, error) {
	return s.Preview(ctx, a, pairUpload(from, to), opts)
}

// RunPair is Run of one pair, from (the source) to (the target).
func (s *Service) RunPair(ctx context.Context, a Access, from, to int64, opts handover.RunOptions, confirm Confirmer, prog Progress) (Outcome, error) {
	return s.Run(ctx, a, pairUpload(from, to), opts, confirm, prog)
}

// pairUpload is the upload of one pair given by IDs.
func pairUpload(from, to int64) *handover.Upload {
	return handover.PairUpload(strconv.FormatInt(from, 10), strconv.FormatInt(to, 10))
}
