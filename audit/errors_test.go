package audit

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

var peopleHeader = []string{"From User ID", "To User ID", "Name", "Email", "Role", "Status", "Team"}

func upload(delim rune, crlf bool, header ...string) *handover.Upload {
	return &handover.Upload{
		Name: "transfers.csv", Header: header, FromCol: 0, ToCol: 1, NameCol: 2,
		Format: handover.Format{Delimiter: delim, Encoding: handover.UTF8BOM, CRLF: crlf},
	}
}

func unknown(id string) handover.Issue {
	return handover.Issue{Code: handover.UnknownUser, Message: "To User ID " + id + " is not a user in your tenant"}
}

// peopleRows are failed rows of an edited people CSV with awkward cells.
var peopleRows = []ErrorRow{
	{Record: []string{"19", "999", "Smith, John", "john@example.com", "agent", "Active", "Team; A"},
		Issues: []handover.Issue{unknown("999")}},
	{Record: []string{"0020", " 21 ", `Bob "the Builder" Ray`, "bob@example.com", "agent", "Inactive", "Sales"},
		Issues: []handover.Issue{
			{Code: handover.InactiveTarget, Message: "Bob (21) is inactive"},
			{Code: handover.FanIn, Message: "target 21 also receives from row 5"},
		}},
	{Record: []string{"22", "1.23457E+17", "'=Eve Formula", "eve@example.com", "agent", "Active", "Ops"},
		Issues: []handover.Issue{{Code: handover.BadID, Message: `To User ID "1.23457E+17" is in scientific notation`}}},
	{Record: []string{"23", "24", "Ann\nLee", "ann@example.com"}, // short row
		Issues: []handover.Issue{{Code: handover.TransferFailed, Message: "moving Schedules failed"}}},
	{Record: []string{"25", "26", "Seán O'Brien", "sean@example.com", "agent", "Active", "Ops", "", "note", ""}, // long row
		Issues: []handover.Issue{{Code: handover.TransferFailed, Message: "moving Contacts failed"}}},
}

func TestWriteErrors(t *testing.T) {
	formula := []ErrorRow{
		{Record: []string{"=1+1", "+19", "@SUM(A1)", "-1", "=HYPERLINK(\"http://x\")", "\tTab", "'+already"},
			Issues: []handover.Issue{{Code: handover.BadID, Message: `From User ID "=1+1" is not a whole number`}}},
		{Record: []string{"\t19", " 20", "=Eve", "'=Eve", "''=Eve", "-", "x"},
			Issues: []handover.Issue{unknown("20")}},
	}
	reaudit := append(peopleHeader[:3:3], "Email", "Error", "Team")
	for _, tc := range []struct {
		name string
		up   *handover.Upload
		rows []ErrorRow
	}{
		{"comma.csv", upload(',', false, peopleHeader...), peopleRows},
		{"semicolon_crlf.csv", upload(';', true, peopleHeader...), peopleRows},
		{"tab.csv", upload('\t', true, peopleHeader...), peopleRows[:2]},
		{"default_delimiter.csv", upload(0, false, peopleHeader...), peopleRows[:1]},
		{"formula.csv", upload(',', false, peopleHeader...), formula},
		{"reaudit.csv", upload(',', false, reaudit...), []ErrorRow{
			{Record: []string{"19", "999", "Smith, John", "john@example.com", "unknown_user: old message", "A"},
				Issues: []handover.Issue{unknown("999")}},
			{Record: []string{"20", "21", "Ann", "ann@example.com", "", "B"},
				Issues: []handover.Issue{{Code: handover.TransferFailed, Message: "moving Schedules failed"}}},
		}},
		{"empty.csv", upload(',', false, peopleHeader...), nil},
		{"single_pair.csv", nil, FailedRows(nil, failedPairs())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteErrors(&buf, tc.up, tc.rows); err != nil {
				t.Fatal(err)
			}
			golden(t, "errors_csv/"+tc.name, buf.Bytes())
		})
	}
}

// readAudit parses an audit file the way an upload is read.
func readAudit(t *testing.T, data []byte, delim rune) [][]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Fatal("audit file has no BOM")
	}
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.Comma, r.FieldsPerRecord = delim, -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestWriteErrorsRoundTrip checks that re-reading an audit file gives back
// the same pairs (ID cells exactly as read), the same other cells, and the
// issues in one Error column, also when the audit file is audited again.
func TestWriteErrorsRoundTrip(t *testing.T) {
	for _, delim := range []rune{',', ';', '\t'} {
		up := upload(delim, delim != ',', peopleHeader...)
		var first bytes.Buffer
		if err := WriteErrors(&first, up, peopleRows); err != nil {
			t.Fatal(err)
		}
		recs := readAudit(t, first.Bytes(), delim)
		wantHeader := append(append([]string{}, peopleHeader...), "Error")
		if diff := cmp.Diff(wantHeader, recs[0]); diff != "" {
			t.Fatalf("header (-want +got):\n%s", diff)
		}
		for i, rec := range recs[1:] {
			in := peopleRows[i]
			if rec[0] != in.Record[0] || rec[1] != in.Record[1] {
				t.Errorf("row %d: IDs %q, %q; want %q, %q", i, rec[0], rec[1], in.Record[0], in.Record[1])
			}
			if rec[2] != in.Record[2] {
				t.Errorf("row %d: name %q, want %q", i, rec[2], in.Record[2])
			}
			if got, want := rec[7], joinIssues(in.Issues); got != want {
				t.Errorf("row %d: Error %q, want %q", i, got, want)
			}
		}

		// Audit the audit file: one Error column, replaced, nothing else changed.
		again := upload(delim, false, recs[0]...)
		var rows []ErrorRow
		for _, rec := range recs[1:] {
			rows = append(rows, ErrorRow{Record: rec, Issues: []handover.Issue{unknown("7")}})
		}
		var second bytes.Buffer
		if err := WriteErrors(&second, again, rows); err != nil {
			t.Fatal(err)
		}
		recs2 := readAudit(t, second.Bytes(), delim)
		for i := range recs2 {
			want := recs[i]
			if i > 0 {
				want = append(append([]string{}, recs[i][:7]...), unknown("7").String())
				want = append(want, recs[i][8:]...)
			}
			if diff := cmp.Diff(want, recs2[i]); diff != "" {
				t.Errorf("re-audit record %d (-want +got):\n%s", i, diff)
			}
		}
	}
}

func TestWriteErrorsLineEnds(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteErrors(&buf, upload(',', crlf, peopleHeader...), peopleRows[:2]); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "\r\n"); got != crlf {
			t.Errorf("CRLF %v: file has CRLF = %v", crlf, got)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	p := samplePlan(12)
	rows := PlanErrors(p)
	if len(rows) != p.Errors {
		t.Fatalf("%d error rows, want %d", len(rows), p.Errors)
	}
	for _, r := range rows {
		if handover.StatusOf(r.Issues) != handover.StatusError || r.Record == nil {
			t.Errorf("row %v is not an error row with its cells", r)
		}
	}
}

func TestFailedRowsRebuildsRecord(t *testing.T) {
	up := upload(';', false, "Name", "To User ID", "Team", "From User ID")
	up.NameCol, up.ToCol, up.FromCol = 0, 1, 3
	jp := samplePairs()[2]
	jp.Record = nil
	got := FailedRows(up, []handover.JobPair{jp})
	want := []ErrorRow{{Record: []string{"'=Eve Formula", "23", "", "22"}, Issues: []handover.Issue{*jp.Error}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// failedPairs returns a failed pair with its cells and one whose ledger
// record has none, as a --from/--to pair.
func failedPairs() []handover.JobPair {
	jp := samplePairs()[2]
	bare := jp
	bare.Row, bare.From, bare.To, bare.FromName, bare.Record = 0, 30, 31, "+Plus Name", nil
	return []handover.JobPair{jp, bare}
}
