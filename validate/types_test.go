package validate_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/validate"
)

// typedUpload builds an upload from {From, To, Data Types} cells; rows
// start at line 2.
func typedUpload(cells ...[3]string) *handover.Upload {
	up := &handover.Upload{Name: "people.csv", Header: []string{"From User ID", "To User ID", "Data Types"},
		FromCol: 0, ToCol: 1, NameCol: -1}
	for i, c := range cells {
		up.Rows = append(up.Rows, handover.Row{Line: i + 2, From: c[0], To: c[1], Types: c[2], Record: c[:]})
	}
	return up
}

// TestValidateTypes: the codes a Data Types column gives, and the rules
// of a split (one source on several rows).
func TestValidateTypes(t *testing.T) {
	tests := []struct {
		name     string
		defaults string // --types
		rows     [][3]string
		want     [][]handover.Code
		msg      string // message of the first issue of the first row with issues
	}{
		{name: "bad_type", rows: [][3]string{{"13", "11", "contacts, calendars"}},
			want: [][]handover.Code{{handover.BadType}},
			msg: `Data Types "contacts, calendars": "calendars" is not a data type; the data types are ` + handover.TypeList() +
				", separated by , ; or |, or only exclusions such as -schedules (empty means every type)"},
		{name: "bad_type mix", rows: [][3]string{{"13", "11", "contacts, -schedules"}},
			want: [][]handover.Code{{handover.BadType}}},
		{name: "bad_type conflicts with no other row", rows: [][3]string{{"13", "11", "contacts"}, {"13", "12", "calendars"}},
			want: [][]handover.Code{{}, {handover.BadType}}},
		{name: "bad_type with a bad ID too", rows: [][3]string{{"x", "11", "nope"}},
			want: [][]handover.Code{{handover.BadID, handover.BadType}}},
		{name: "split with disjoint types", rows: [][3]string{{"13", "11", "contacts, evaluations"}, {"13", "12", "schedules|work shifts"}},
			want: [][]handover.Code{{}, {}}},
		{name: "split with exclusions and the excluded type", rows: [][3]string{{"13", "11", "-schedules"}, {"13", "12", "Schedules"}},
			want: [][]handover.Code{{}, {}}},
		{name: "split to one successor", rows: [][3]string{{"13", "11", "contacts"}, {"13", "11", "schedules"}},
			want: [][]handover.Code{{}, {}}},
		{name: "fan_out overlapping types", rows: [][3]string{{"13", "11", "contacts, schedules"}, {"13", "12", "schedules; work_shifts"}},
			want: [][]handover.Code{{handover.FanOut}, {handover.FanOut}},
			msg:  "From User ID 13 hands Schedules over on rows 2 and 3: each data type of a user can go to only one successor; give these rows Data Types that do not overlap, or keep one of them"},
		{name: "fan_out every type and some", rows: [][3]string{{"13", "11", ""}, {"13", "12", "productivity"}},
			want: [][]handover.Code{{handover.FanOut}, {handover.FanOut}},
			msg:  "From User ID 13 hands Productivity over on rows 2 and 3: each data type of a user can go to only one successor; give these rows Data Types that do not overlap, or keep one of them"},
		{name: "fan_out one successor overlapping", rows: [][3]string{{"13", "11", "contacts, schedules"}, {"13", "11", "schedules"}},
			want: [][]handover.Code{{handover.FanOut}, {handover.FanOut}}},
		{name: "fan_out unchanged without types", rows: [][3]string{{"13", "11", ""}, {"13", "12", ""}},
			want: [][]handover.Code{{handover.FanOut}, {handover.FanOut}},
			msg:  "From User ID 13 is handed over to 2 different users (rows 2 and 3): one user's data can go to only one successor; keep one of these rows"},
		{name: "fan_out names every conflicting row", rows: [][3]string{{"13", "11", "contacts"}, {"13", "12", "schedules"}, {"13", "50", "contacts, schedules"}},
			want: [][]handover.Code{{handover.FanOut}, {handover.FanOut}, {handover.FanOut}},
			msg:  "From User ID 13 hands Contacts (recordings) over on rows 2 and 4: each data type of a user can go to only one successor; give these rows Data Types that do not overlap, or keep one of them"},
		{name: "duplicate_row same types in other words", rows: [][3]string{{"13", "11", "contacts, schedules"}, {"13", "11", "Schedules | Contacts (recordings)"}},
			want: [][]handover.Code{{}, {handover.DuplicateRow}}},
		{name: "fan_in unchanged by types", rows: [][3]string{{"13", "11", "contacts"}, {"12", "11", "schedules"}},
			want: [][]handover.Code{{handover.FanIn}, {handover.FanIn}}},
		{name: "chain unchanged by types", rows: [][3]string{{"13", "11", "contacts"}, {"11", "12", "schedules"}},
			want: [][]handover.Code{{handover.Chain}, {handover.Chain}}},
		{name: "self_transfer unchanged by types", rows: [][3]string{{"13", "13", "contacts"}},
			want: [][]handover.Code{{handover.SelfTransfer}}},
		{name: "--types is the default for empty cells", defaults: "contacts", rows: [][3]string{{"13", "11", ""}, {"13", "12", "schedules"}},
			want: [][]handover.Code{{}, {}}},
		{name: "--types overlapping a cell", defaults: "schedules", rows: [][3]string{{"13", "11", ""}, {"13", "12", "schedules"}},
			want: [][]handover.Code{{handover.FanOut}, {handover.FanOut}}},
		{name: "already_transferred of other types is no warning", rows: [][3]string{{"19", "11", "-contacts"}},
			want: [][]handover.Code{{handover.AlreadyTransferred}}},
	}
	dir := newDir(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defaults, err := handover.ParseTypes(tt.defaults)
			if err != nil {
				t.Fatal(err)
			}
			v := &validate.Validator{Dir: dir, Types: defaults}
			plan, err := v.Validate(context.Background(), adam, typedUpload(tt.rows...))
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

// TestValidateRowTypes: each row's plan carries the types of its cell, or
// --types for an empty cell.
func TestValidateRowTypes(t *testing.T) {
	v := &validate.Validator{Dir: newDir(t), Types: handover.TypesOf("schedules")}
	plan, err := v.Validate(context.Background(), adam, typedUpload(
		[3]string{"13", "11", "Contacts; evaluations"}, [3]string{"13", "12", ""}, [3]string{"50", "40", "-productivity"}))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(plan.Rows))
	for i, r := range plan.Rows {
		got[i] = r.Types.Names()
	}
	want := []string{"Contacts (recordings), Evaluations", "Schedules", "every data type but Productivity"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("row types (-want +got):\n%s", diff)
	}
}

// TestAlreadyTransferredPerType: a pair whose earlier job handed over
// only some types warns only for rows choosing those types; a row moving
// the remaining types later is valid; an undo hands its types back.
func TestAlreadyTransferredPerType(t *testing.T) {
	dir := newDir(t)
	at := transferredAt.Add(12 * time.Hour)
	dir.transferTypes(t, handover.Pair{From: lou.ID, To: kim.ID}, handover.TypesOf("schedules", "work_shifts"), at)
	check := func(step, cell string, want []handover.Code, msg string) {
		t.Helper()
		plan, err := (&validate.Validator{Dir: dir}).Validate(context.Background(), adam, typedUpload([3]string{"13", "12", cell}))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]handover.Code{want}, codes(plan)); diff != "" {
			t.Errorf("%s: codes (-want +got):\n%s", step, diff)
		}
		if got := firstMessage(plan); msg != "" && got != msg {
			t.Errorf("%s: message\n got %s\nwant %s", step, got, msg)
		}
	}
	check("the remaining types", "-schedules, -work shifts", []handover.Code{}, "")
	check("one of the moved types", "schedules", []handover.Code{handover.AlreadyTransferred},
		"pair already transferred by job 2 on 2026-11-21 for Schedules; it will only move rows of those types the source has gained since")
	check("every type", "", []handover.Code{handover.AlreadyTransferred},
		"pair already transferred by job 2 on 2026-11-21 for Schedules, Work shifts; it will only move rows of those types the source has gained since")
	dir.transferTypes(t, handover.Pair{From: lou.ID, To: kim.ID}, handover.TypesOf("contacts"), at.Add(time.Hour))
	check("a later job's type", "contacts", []handover.Code{handover.AlreadyTransferred},
		"pair already transferred by job 3 on 2026-11-21 for Contacts (recordings); it will only move rows of those types the source has gained since")
	dir.undo(t, 2, at.Add(2*time.Hour))
	check("undone types", "schedules, work shifts", []handover.Code{}, "")
	check("types of the job not undone", "", []handover.Code{handover.AlreadyTransferred},
		"pair already transferred by job 3 on 2026-11-21 for Contacts (recordings); it will only move rows of those types the source has gained since")
	if !strings.Contains(firstMessage(mustPlan(t, dir, "19", "11")), "by job 1 on 2026-11-20;") {
		t.Error("a job of every type no longer reads as before")
	}
}

func mustPlan(t *testing.T, dir *dbDir, from, to string) *handover.Plan {
	t.Helper()
	plan, err := (&validate.Validator{Dir: dir}).Validate(context.Background(), adam, typedUpload([3]string{from, to, ""}))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestLeftBehind: once the prediction says what stays, every runnable row
// of a source that keeps rows gets left_behind; error rows and sources
// keeping nothing do not.
func TestLeftBehind(t *testing.T) {
	row := func(n int, from int64, stays ...handover.Stay) handover.PlanRow {
		return handover.PlanRow{Row: n, From: ptr(from), FromName: "Lou Park", To: ptr(11), Stays: stays}
	}
	many := []handover.Stay{{Type: "contact_goals", Rows: 1}, {Type: "storage_files", Rows: 2}, {Type: "requests", Rows: 3}, {Type: "schedules", Rows: 1}}
	plan := &handover.Plan{Rows: []handover.PlanRow{
		row(2, 13, handover.Stay{Type: "schedules", Rows: 1}),
		row(3, 14),
		row(4, 15, many...),
		row(5, 16, handover.Stay{Type: "schedules", Rows: 1}, handover.Stay{Type: "work_shifts", Rows: 2}),
		{Row: 6, Issues: []handover.Issue{{Code: handover.BadID, Message: "x"}}, Stays: many},
	}}
	plan.Tally()
	validate.LeftBehind(plan)
	if diff := cmp.Diff([][]handover.Code{{handover.LeftBehind}, {}, {handover.LeftBehind}, {handover.LeftBehind}, {handover.BadID}}, codes(plan)); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	for i, want := range map[int]string{
		0: "--deactivate-source would deactivate Lou Park (13), who keeps 1 row of Schedules that no row hands over: choose those types on a row too (Data Types), or run without --deactivate-source",
		2: "--deactivate-source would deactivate Lou Park (15), who keeps 7 rows of Contact goals, Storage files, Requests and 1 more types that no row hands over: choose those types on a row too (Data Types), or run without --deactivate-source",
		3: "--deactivate-source would deactivate Lou Park (16), who keeps 3 rows of Schedules and Work shifts that no row hands over: choose those types on a row too (Data Types), or run without --deactivate-source",
	} {
		if got := plan.Rows[i].Issues[0].Message; got != want {
			t.Errorf("row %d:\n got %s\nwant %s", plan.Rows[i].Row, got, want)
		}
	}
	if plan.Warnings != 3 || plan.OK != 1 || plan.Errors != 1 {
		t.Errorf("totals %d ok, %d warnings, %d errors", plan.OK, plan.Warnings, plan.Errors)
	}
}

// TestValidateSplitDirectoryCalls: a split file asks the directory the
// same three questions however many rows it has.
func TestValidateSplitDirectoryCalls(t *testing.T) {
	for _, sources := range []int{1, 1000} {
		t.Run(strconv.Itoa(sources), func(t *testing.T) {
			d := newDir(t)
			var users []handover.User
			var cells [][3]string
			for i := range sources {
				id := int64(1000 + 3*i)
				users = append(users, user(id, 1, 10, "Source "+strconv.Itoa(i), handover.RoleAgent, true),
					user(id+1, 1, 20, "First "+strconv.Itoa(i), handover.RoleAgent, true),
					user(id+2, 1, 20, "Second "+strconv.Itoa(i), handover.RoleAgent, true))
				cells = append(cells, [3]string{strconv.FormatInt(id, 10), strconv.FormatInt(id+1, 10), "contacts; evaluations"},
					[3]string{strconv.FormatInt(id, 10), strconv.FormatInt(id+2, 10), "-contacts, -evaluations"})
			}
			d.add(t, users...)
			plan, err := (&validate.Validator{Dir: d}).Validate(context.Background(), adam, typedUpload(cells...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]int{"Users": 1, "VisibleTeams": 1, "Transferred": 1}, d.calls); diff != "" {
				t.Errorf("directory calls (-want +got):\n%s", diff)
			}
			if plan.OK != 2*sources {
				t.Errorf("ok = %d of %d split rows", plan.OK, 2*sources)
			}
		})
	}
}
