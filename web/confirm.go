package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"handover"
	"handover/transfer"
)

// The form fields in which a confirmation dialog sends back the totals it
// showed.
const (
	fieldPairs       = "confirm_pairs"
	fieldMoved       = "confirm_moved"
	fieldOverwritten = "confirm_overwritten"
)

// confirmed is the Confirmer of a request whose operator already confirmed
// in a dialog: it carries the totals the dialog showed and refuses,
// changing nothing, when what is about to change differs from them (the
// data changed between the preview and the click).
type confirmed struct {
	Pairs              int
	Moved, Overwritten int64
}

// confirmedForm reads the totals a confirmation dialog showed from the
// request's form fields confirm_pairs, confirm_moved and
// confirm_overwritten (whole numbers; an undo sends only confirm_pairs).
func confirmedForm(r *http.Request) (confirmed, error) {
	var c confirmed
	pairs, err := formCount(r, fieldPairs, true)
	if err != nil {
		return c, err
	}
	c.Pairs = int(pairs)
	if c.Moved, err = formCount(r, fieldMoved, false); err != nil {
		return c, err
	}
	c.Overwritten, err = formCount(r, fieldOverwritten, false)
	return c, err
}

// formCount parses a whole-number form field; a missing optional one is 0.
func formCount(r *http.Request, field string, required bool) (int64, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" && !required {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, handover.Errorf(handover.ErrUsage, "the confirmation's %s is %q, not a count: nothing was run; open the page again and confirm in its dialog", field, v)
	}
	return n, nil
}

// Confirm agrees when the confirmation's totals are the ones the operator
// saw, and otherwise refuses with ErrChanged, naming each total that moved.
func (c confirmed) Confirm(_ context.Context, got transfer.Confirmation) error {
	var diffs []string
	diff := func(what string, saw, now int64) {
		if saw != now {
			diffs = append(diffs, fmt.Sprintf("%s %d, now %d", what, saw, now))
		}
	}
	pairs := "pairs to run"
	if got.Undo != nil {
		pairs = "pairs to restore"
	}
	diff(pairs, int64(c.Pairs), int64(got.Pairs))
	diff("rows to move", c.Moved, got.Moved)
	diff("rows to overwrite", c.Overwritten, got.Overwritten)
	if len(diffs) == 0 {
		return nil
	}
	if got.Undo != nil {
		return handover.Errorf(handover.ErrChanged, "job %d changed since you confirmed its undo: you saw %s; nothing was undone: look at the job again",
			got.Undo.ID, strings.Join(diffs, "; "))
	}
	return handover.Errorf(handover.ErrChanged, "the data changed since your preview: you saw %s; nothing was run: look at the preview again",
		strings.Join(diffs, "; "))
}

// unprompted is the Confirmer of a call that needs no dialog (an API
// client states its intent in the request itself).
type unprompted struct{}

// Confirm always agrees.
func (unprompted) Confirm(context.Context, transfer.Confirmation) error { return nil }
