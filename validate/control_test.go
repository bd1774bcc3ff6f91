package validate_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/validate"
)

// TestValidateControlNames: a Name cell showing a control character as its
// picture (as the export writes it) matches the directory's name.
func TestValidateControlNames(t *testing.T) {
	dir := newDir(t)
	dir.add(t, user(63, 1, 10, "Esc\x1b[31m Bell\a", handover.RoleAgent, true))
	up := upload(true, [3]string{"63", "11", "Esc␛[31m Bell␇"}, [3]string{"19", "12", "Esc\x1b[31m Bell\a"})
	plan, err := (&validate.Validator{Dir: dir}).Validate(context.Background(), tess, up)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]handover.Code{{}, {handover.NameMismatch}}, codes(plan)); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}
