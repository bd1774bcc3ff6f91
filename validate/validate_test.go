package validate_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/validate"
)

func user(id, tenant, team int64, name string, role handover.Role, active bool) handover.User {
	return handover.User{ID: id, TenantID: tenant, TeamID: team, Name: name, Role: role, Active: active}
}

var (
	tess  = user(1, 1, 10, "Tess Boss", handover.RoleTenantAdmin, true)
	adam  = user(2, 1, 10, "Adam Ops", handover.RoleAdmin, true)
	jenny = user(11, 1, 10, "Jenny Andrews", handover.RoleAgent, true)
	kim   = user(12, 1, 20, "Kim Lee", handover.RoleAgent, true)
	lou   = user(13, 1, 10, "Lou Park", handover.RoleSupervisor, true)
	john  = user(19, 1, 10, "John Smith", handover.RoleAgent, true)
	otto  = user(30, 1, 30, "Otto Far", handover.RoleAgent, true)
	olga  = user(31, 1, 30, "Olga Far", handover.RoleAgent, true)
	ida   = user(40, 1, 10, "Ida Gone", handover.RoleAgent, false)
	jose  = user(50, 1, 10, "José Núñez", handover.RoleAgent, true)
	zed   = user(900, 2, 99, "Zed Secret", handover.RoleAgent, true)
)

// upload builds an upload from {From, To, Name} cells; rows start at line 2.
func upload(nameCol bool, cells ...[3]string) *handover.Upload {
	up := &handover.Upload{Name: "people.csv", Header: []string{"From User ID", "To User ID", "Name"},
		FromCol: 0, ToCol: 1, NameCol: -1}
	if nameCol {
		up.NameCol = 2
	}
	for i, c := range cells {
		up.Rows = append(up.Rows, handover.Row{Line: i + 2, From: c[0], To: c[1], Name: c[2], Record: c[:]})
	}
	return up
}

func codes(p *handover.Plan) [][]handover.Code {
	out := make([][]handover.Code, len(p.Rows))
	for i, r := range p.Rows {
		out[i] = []handover.Code{}
		for _, is := range r.Issues {
			out[i] = append(out[i], is.Code)
		}
	}
	return out
}

func TestValidateCodes(t *testing.T) {
	tests := []struct {
		name       string
		op         handover.User
		nameCol    bool
		deactivate bool // --deactivate-source
		rows       [][3]string
		want       [][]handover.Code
		msg        string // message of the first issue of the first row with issues
	}{
		{name: "ok", rows: [][3]string{{"13", "11"}}, want: [][]handover.Code{{}}},
		{name: "missing_from", rows: [][3]string{{"", "11"}},
			want: [][]handover.Code{{handover.MissingFrom}},
			msg:  "From User ID is empty: type the ID of the user whose data is handed over, or clear To User ID if this row is not a handover"},
		{name: "bad_id from", rows: [][3]string{{"abc", "11"}},
			want: [][]handover.Code{{handover.BadID}},
			msg:  `From User ID "abc" is not a user ID: IDs are whole numbers made of the digits 0-9; type the ID as shown in the exported people file`},
		{name: "bad_id both cells", rows: [][3]string{{"19.5", "1.23457E+17"}},
			want: [][]handover.Code{{handover.BadID, handover.BadID}},
			msg:  `From User ID "19.5" is not a whole number: user IDs have no decimals; type the ID as shown in the exported people file`},
		{name: "unknown_user nowhere", rows: [][3]string{{"999", "11"}},
			want: [][]handover.Code{{handover.UnknownUser}},
			msg:  "From User ID 999 is not a user in your tenant: check the ID against the exported people file"},
		{name: "unknown_user other tenant", rows: [][3]string{{"19", "900"}},
			want: [][]handover.Code{{handover.UnknownUser}},
			msg:  "To User ID 900 is not a user in your tenant: check the ID against the exported people file"},
		{name: "unknown_user zero", rows: [][3]string{{"0", "11"}},
			want: [][]handover.Code{{handover.UnknownUser}},
			msg:  "From User ID 0 is not a user in your tenant: check the ID against the exported people file"},
		{name: "out_of_view", rows: [][3]string{{"30", "11"}, {"13", "31"}},
			want: [][]handover.Code{{handover.OutOfView}, {handover.OutOfView}},
			msg:  "From User ID 30 is not in a team you can see: ask a tenant admin, or an admin whose view includes the user, to hand this pair over"},
		{name: "tenant admin sees all", op: tess, rows: [][3]string{{"30", "11"}},
			want: [][]handover.Code{{}}},
		{name: "self_transfer", rows: [][3]string{{"19", "0019"}},
			want: [][]handover.Code{{handover.SelfTransfer}},
			msg:  "From User ID and To User ID are both 19: a user cannot hand data over to themselves; type the successor's ID in To User ID"},
		{name: "fan_out", rows: [][3]string{{"13", "11"}, {"12", "50"}, {"13", "12"}},
			want: [][]handover.Code{{handover.FanOut}, {handover.Chain}, {handover.FanOut, handover.Chain}},
			msg:  "From User ID 13 is handed over to 2 different users (rows 2 and 4): one user's data can go to only one successor; keep one of these rows"},
		{name: "fan_in", rows: [][3]string{{"13", "11"}, {"12", "11"}},
			want: [][]handover.Code{{handover.FanIn}, {handover.FanIn}},
			msg:  "To User ID 11 receives data from 2 different users (rows 2 and 3): overwritten data such as schedules can come from only one source; keep one of these rows and hand the others over in later files"},
		{name: "chain", rows: [][3]string{{"13", "11"}, {"11", "12"}, {"50", "19"}},
			want: [][]handover.Code{{handover.Chain}, {handover.Chain}, {}},
			msg:  "To User ID 11 is also a From User ID (row 3): data would be handed over twice in one file and where it ends up would depend on the order; put these rows in separate files and run them in the order you mean"},
		{name: "chain swap", rows: [][3]string{{"13", "12"}, {"12", "13"}},
			want: [][]handover.Code{{handover.Chain}, {handover.Chain}},
			msg:  "From User ID 13 is also a To User ID (row 3) and To User ID 12 is also a From User ID (row 3): data would be handed over twice in one file and where it ends up would depend on the order; put these rows in separate files and run them in the order you mean"},
		{name: "self and bad rows excluded from shape", rows: [][3]string{{"13", "13"}, {"13", "11"}, {"x", "11"}, {"", "11"}},
			want: [][]handover.Code{{handover.SelfTransfer}, {}, {handover.BadID}, {handover.MissingFrom}}},
		{name: "tenant_admin target", rows: [][3]string{{"19", "1"}},
			want: [][]handover.Code{{handover.TenantAdmin}},
			msg:  "To User ID 1 is Tess Boss, a tenant admin: tenant admins' data cannot be handed over; pick another successor"},
		{name: "tenant_admin source", op: tess, rows: [][3]string{{"1", "11"}},
			want: [][]handover.Code{{handover.TenantAdmin}},
			msg:  "From User ID 1 is Tess Boss, a tenant admin: tenant admins' data cannot be handed over; remove this row"},
		{name: "name_mismatch", nameCol: true,
			rows: [][3]string{{"19", "12", "Jenny Andrews"}, {"13", "11", "  lou   PARK "}, {"50", "40", ""}, {"999", "2", "Nobody"}, {"30", "0", "Wrong"}},
			want: [][]handover.Code{{handover.NameMismatch}, {}, {handover.InactiveTarget}, {handover.UnknownUser}, {handover.UnknownUser, handover.OutOfView}},
			msg:  `Name "Jenny Andrews" does not match From User ID 19 (John Smith): the sheet may have been sorted one column at a time; re-export and re-enter the To User IDs`},
		{name: "name ignored without Name column", rows: [][3]string{{"19", "12", "Jenny Andrews"}},
			want: [][]handover.Code{{}}},
		{name: "name with accents and case", nameCol: true, rows: [][3]string{{"50", "12", "JOSÉ  NÚÑEZ"}},
			want: [][]handover.Code{{}}},
		{name: "duplicate_row", rows: [][3]string{{"13", "12"}, {"13", "12"}, {"13", "12"}},
			want: [][]handover.Code{{}, {handover.DuplicateRow}, {handover.DuplicateRow}},
			msg:  "this row repeats row 2 (From User ID 13 → To User ID 12); running it again changes nothing, so it can be deleted"},
		{name: "duplicate_row of an error row", nameCol: true, rows: [][3]string{{"19", "12", "Somebody Else"}, {"19", "12", "John Smith"}},
			want: [][]handover.Code{{handover.NameMismatch, handover.DuplicateRow}, {}}},
		{name: "inactive_target", rows: [][3]string{{"13", "40"}},
			want: [][]handover.Code{{handover.InactiveTarget}},
			msg:  "To User ID 40 (Ida Gone) is inactive: the data will go to a user who cannot sign in; reactivate them or pick an active successor"},
		{name: "both_inactive with --deactivate-source", deactivate: true, rows: [][3]string{{"13", "40"}},
			want: [][]handover.Code{{handover.BothInactive}},
			msg:  "To User ID 40 (Ida Gone) is inactive, and --deactivate-source would also deactivate the source, Lou Park (13): both would end inactive, with the data on a user who cannot sign in. Is the pair reversed? Check the arrow; pick an active successor, reactivate this one, or run without --deactivate-source"},
		{name: "inactive source with --deactivate-source", deactivate: true, rows: [][3]string{{"40", "12"}},
			want: [][]handover.Code{{}}},
		{name: "already_transferred", rows: [][3]string{{"19", "11"}},
			want: [][]handover.Code{{handover.AlreadyTransferred}},
			msg:  "pair already transferred by job 1 on 2026-11-20; it will only move rows the source has gained since"},
		{name: "errors before warnings", rows: [][3]string{{"13", "40"}, {"13", "12"}, {"13", "40"}},
			want: [][]handover.Code{
				{handover.FanOut, handover.InactiveTarget},
				{handover.FanOut},
				{handover.FanOut, handover.DuplicateRow, handover.InactiveTarget},
			}},
	}
	dir := newDir(t) // validation only reads it
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := adam
			if tt.op.ID != 0 {
				op = tt.op
			}
			v := &validate.Validator{Dir: dir, DeactivateSource: tt.deactivate}
			plan, err := v.Validate(context.Background(), op, upload(tt.nameCol, tt.rows...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, codes(plan)); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if tt.msg != "" {
				if got := firstMessage(plan); got != tt.msg {
					t.Errorf("message:\n got %s\nwant %s", got, tt.msg)
				}
			}
		})
	}
}

func firstMessage(p *handover.Plan) string {
	for _, r := range p.Rows {
		if len(r.Issues) > 0 {
			return r.Issues[0].Message
		}
	}
	return ""
}

func ptr(n int64) *int64 { return &n }

// TestValidatePlan checks everything but the codes: IDs, names, records,
// totals, and that no hidden user's name leaks.
func TestValidatePlan(t *testing.T) {
	up := upload(true,
		[3]string{" 019 ", "11.0", "John Smith"},
		[3]string{"30", "900", "Otto Far"},
		[3]string{"abc", "12", "x"},
		[3]string{"13", "40", "Lou Park"},
	)
	plan, err := (&validate.Validator{Dir: newDir(t)}).Validate(context.Background(), adam, up)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Row              int
		From, To         *int64
		FromName, ToName string
		Status           handover.Status
		Record           []string
	}
	var got []row
	for _, r := range plan.Rows {
		got = append(got, row{r.Row, r.From, r.To, r.FromName, r.ToName, r.Status, r.Record})
	}
	want := []row{
		{2, ptr(19), ptr(11), "John Smith", "Jenny Andrews", handover.StatusWarning, []string{" 019 ", "11.0", "John Smith"}},
		{3, ptr(30), ptr(900), "", "", handover.StatusError, []string{"30", "900", "Otto Far"}},
		{4, nil, ptr(12), "", "Kim Lee", handover.StatusError, []string{"abc", "12", "x"}},
		{5, ptr(13), ptr(40), "Lou Park", "Ida Gone", handover.StatusWarning, []string{"13", "40", "Lou Park"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	totals := [4]int{plan.Pairs, plan.OK, plan.Warnings, plan.Errors}
	if totals != [4]int{4, 0, 2, 2} {
		t.Errorf("totals pairs/ok/warnings/errors = %v", totals)
	}
	if plan.Upload != up || plan.Operator != adam || plan.FileErrors == nil {
		t.Errorf("plan does not carry its upload, operator and non-nil file errors")
	}
	for _, r := range plan.Rows {
		for _, is := range r.Issues {
			if strings.Contains(is.Message, "Otto") || strings.Contains(is.Message, "Zed") {
				t.Errorf("row %d reveals a hidden name: %s", r.Row, is)
			}
		}
	}
}

// TestValidateTenantIsolation: even a directory that returns another
// tenant's user must not make its name appear.
func TestValidateTenantIsolation(t *testing.T) {
	d := newDir(t)
	d.leak = true
	plan, err := (&validate.Validator{Dir: d}).Validate(context.Background(), tess, upload(false, [3]string{"900", "11"}))
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Rows[0]
	if r.FromName != "" || len(r.Issues) != 1 || r.Issues[0].Code != handover.UnknownUser {
		t.Errorf("other tenant's user: name %q, issues %v", r.FromName, r.Issues)
	}
}

func TestValidateDirectoryCalls(t *testing.T) {
	for _, n := range []int{1, 2000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			d := newDir(t)
			var users []handover.User
			for i := range n {
				id := int64(1000 + 2*i)
				users = append(users, user(id, 1, 10, "Source "+strconv.Itoa(i), handover.RoleAgent, true),
					user(id+1, 1, 20, "Target "+strconv.Itoa(i), handover.RoleAgent, true))
			}
			d.add(t, users...)
			cells := make([][3]string, n)
			for i := range cells {
				cells[i] = [3]string{strconv.Itoa(1000 + 2*i), strconv.Itoa(1001 + 2*i)}
			}
			plan, err := (&validate.Validator{Dir: d}).Validate(context.Background(), adam, upload(false, cells...))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"Users": 1, "VisibleTeams": 1, "Transferred": 1}
			if diff := cmp.Diff(want, d.calls); diff != "" {
				t.Errorf("directory calls (-want +got):\n%s", diff)
			}
			if plan.OK != n {
				t.Errorf("ok = %d, want %d", plan.OK, n)
			}
		})
	}
}

func TestValidateLimit(t *testing.T) {
	three := upload(false, [3]string{"13", "11"}, [3]string{"19", "12"}, [3]string{"50", "40"})
	d := newDir(t)
	_, err := (&validate.Validator{Dir: d, MaxPairs: 2}).Validate(context.Background(), adam, three)
	if got := handover.ErrorCode(err); got != handover.LimitExceeded {
		t.Fatalf("code = %q (%v), want limit_exceeded", got, err)
	}
	want := "people.csv has 3 pairs, more than the limit of 2 pairs per file: split it into files of at most 2 pairs"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if len(d.calls) != 0 {
		t.Errorf("a rejected file asked the directory: %v", d.calls)
	}
	cells := make([][3]string, handover.DefaultMaxPairs+1)
	for i := range cells {
		cells[i] = [3]string{"13", "11"}
	}
	_, err = (&validate.Validator{Dir: d}).Validate(context.Background(), adam, upload(false, cells...))
	if got := handover.ErrorCode(err); got != handover.LimitExceeded {
		t.Errorf("default limit: code = %q, want limit_exceeded", got)
	}
}

func TestValidateForbidden(t *testing.T) {
	dir := newDir(t)
	for _, op := range []handover.User{john, user(3, 1, 10, "Old Admin", handover.RoleAdmin, false)} {
		_, err := (&validate.Validator{Dir: dir}).Validate(context.Background(), op, upload(false, [3]string{"13", "11"}))
		if got := handover.ErrorCode(err); got != handover.ErrForbidden {
			t.Errorf("%s: code = %q, want forbidden", op.Name, got)
		}
		if err != nil && !strings.Contains(err.Error(), op.Name) {
			t.Errorf("message does not name the operator: %v", err)
		}
	}
}

func TestValidateDirectoryErrors(t *testing.T) {
	for _, method := range []string{"Users", "VisibleTeams", "Transferred"} {
		t.Run(method, func(t *testing.T) {
			d := newDir(t)
			d.fail = method
			_, err := (&validate.Validator{Dir: d}).Validate(context.Background(), adam, upload(false, [3]string{"13", "11"}))
			if !errors.Is(err, errDir) {
				t.Errorf("err = %v, want it to wrap %v", err, errDir)
			}
		})
	}
}

// TestValidateDeterministic: the same input gives the same plan, so preview
// golden files are stable.
func TestValidateDeterministic(t *testing.T) {
	cells := [][3]string{{"13", "11"}, {"13", "12"}, {"12", "11"}, {"11", "19"}, {"13", "11"}, {"x", "1e5"}}
	var first *handover.Plan
	dir := newDir(t)
	for range 20 {
		plan, err := (&validate.Validator{Dir: dir}).Validate(context.Background(), adam, upload(false, cells...))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = plan
			continue
		}
		if diff := cmp.Diff(first.Rows, plan.Rows); diff != "" {
			t.Fatalf("plans differ (-first +later):\n%s", diff)
		}
	}
}

func TestValidateEmpty(t *testing.T) {
	d := newDir(t)
	plan, err := (&validate.Validator{Dir: d}).Validate(context.Background(), adam, upload(false))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Pairs != 0 || plan.Rows == nil || len(d.calls) != 0 {
		t.Errorf("empty upload: pairs %d, calls %v", plan.Pairs, d.calls)
	}
}

func BenchmarkValidate2000(b *testing.B) {
	d := newDir(b)
	cells := make([][3]string, 2000)
	var users []handover.User
	for i := range cells {
		id := int64(1000 + 2*i)
		users = append(users, user(id, 1, 10, "Source", handover.RoleAgent, true), user(id+1, 1, 10, "Target", handover.RoleAgent, true))
		cells[i] = [3]string{strconv.FormatInt(id, 10), strconv.FormatInt(id+1, 10), "Source"}
	}
	d.add(b, users...)
	up := upload(true, cells...)
	v := &validate.Validator{Dir: d}
	for b.Loop() {
		if _, err := v.Validate(context.Background(), adam, up); err != nil {
			b.Fatal(err)
		}
	}
}
