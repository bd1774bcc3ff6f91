package csvio

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// trickyNames are names the export must bring back unchanged.
var trickyNames = []string{
	"John Smith",
	"Zoë Ørsted-Łukasiewicz",
	"Smith, Jo",
	`Jo "JJ" Smith`,
	"O'Brien",
	"'quoted'",
	"=HYPERLINK(\"http://evil.example\",\"click\")",
	"+44 20 7946 0000",
	"-minus",
	"@mention",
	"\tTab",
	"'=already quoted",
	"Multi\nLine",
	"  spaced  ",
	"李小龍",
	"",
	"Esc\x1b[31mRed\x1b[0m Bell\a",
	"\x1b]0;title\a",
	"=\x1b",
	"Nul\x00Del\x7f\v\f",
}

func trickyUsers() []handover.User {
	users := make([]handover.User, len(trickyNames))
	for i, n := range trickyNames {
		users[i] = handover.User{ID: int64(100 + i), Name: n, Email: "u@example.com", Role: handover.RoleAgent, Active: i%3 != 0, Team: "=Team, " + n}
	}
	return users
}

func exportBytes(t *testing.T, users []handover.User) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewPeopleWriter(&b)
	for _, u := range users {
		if err := w.Write(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPeopleWriterFormat(t *testing.T) {
	got := string(exportBytes(t, []handover.User{
		{ID: 19, Name: "=SUM(A1)", Email: "j@example.com", Role: handover.RoleAgent, Active: true, Team: "Support"},
		{ID: 11, Name: "Smith, Jo", Email: "-x@example.com", Role: handover.RoleAdmin, Team: "@Sales"},
	}))
	want := "\uFEFFFrom User ID,To User ID,Name,Email,Role,Status,Team,Data Types\n" +
		"19,,'=SUM(A1),j@example.com,agent,Active,Support,\n" +
		"11,,\"Smith, Jo\",'-x@example.com,admin,Inactive,'@Sales,\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
}

// TestPeopleWriterShowsControls: control characters in a name reach the
// file as their visible pictures, so that it stays text a spreadsheet shows
// and a terminal prints harmlessly.
func TestPeopleWriterShowsControls(t *testing.T) {
	got := string(exportBytes(t, []handover.User{{ID: 19, Name: "Jo\x1b[2J\aSmith", Email: "j@example.com", Role: handover.RoleAgent, Active: true, Team: "=\x1bTeam"}}))
	want := "\uFEFFFrom User ID,To User ID,Name,Email,Role,Status,Team,Data Types\n" +
		"19,,Jo␛[2J␇Smith,j@example.com,agent,Active,'=␛Team,\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
}

func TestPeopleWriterEmpty(t *testing.T) {
	got := string(exportBytes(t, nil))
	if want := "\uFEFFFrom User ID,To User ID,Name,Email,Role,Status,Team,Data Types\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	up := mustRead(t, []byte(got), Options{})
	if len(up.Rows) != 0 || up.Format.Encoding != handover.UTF8BOM {
		t.Errorf("read back: %+v", up)
	}
}

// TestRoundTrip reads the export back after an admin fills To User ID on
// some rows: the names come back exactly as they were in the directory.
func TestRoundTrip(t *testing.T) {
	users := trickyUsers()
	data := exportBytes(t, users)
	to := map[int]string{}
	var want []pair
	line := 2
	for i, u := range users {
		if i%2 == 0 {
			to[i+2] = "7"
			want = append(want, pair{line, strconv.FormatInt(u.ID, 10), "7", u.Name})
		}
		line++
	}
	up := mustRead(t, fillTo(t, data, to), Options{})
	if diff := cmp.Diff(want, pairsOf(up)); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
}
