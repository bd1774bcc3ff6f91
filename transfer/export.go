package transfer

import (
	"context"
	"io"

	"handover"
	"handover/csvio"
)

// Export writes the people CSV of every user, active and inactive, in the
// operator's view to w, and returns how many. It streams: memory does not
// grow with the tenant.
func (s *Service) Export(ctx context.Context, a Access, w io.Writer) (int, error) {
	n := 0
	pw := csvio.NewPeopleWriter(w)
	if err := s.DB.People(ctx, a.Op, func(u handover.User) error { n++; return pw.Write(u) }); err != nil {
		return n, err
	}
	return n, pw.Flush()
}
