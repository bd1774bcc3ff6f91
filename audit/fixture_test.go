package audit

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"handover"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./audit -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func id(n int64) *int64 { return &n }

// names holds the awkward names a real tenant has, and a hostile one.
var names = []string{
	"John Smith", "Jenny Andrews", "Zoë Ångström", "Smith, Anna", `Bob "the Builder" Ray`,
	"Seán O'Brien", "=Eve Formula", "</script><script>document.title='pwned'</script>",
	"Łukasz Żółć", "Mary-Jane Watson", "Ana María Pérez", "李小龍",
}

// samplePlan builds a tallied plan of n pair rows (spreadsheet rows 2 to
// n+1) in which every status, both warnings and errors, and moves of every
// kind appear.
func samplePlan(n int) *handover.Plan {
	p := &handover.Plan{}
	for i := range n {
		p.Rows = append(p.Rows, sampleRow(i))
	}
	p.Tally()
	return p
}

func sampleRow(i int) handover.PlanRow {
	from, to := int64(100+i), int64(200+i)
	r := handover.PlanRow{
		Row: i + 2, From: id(from), To: id(to),
		FromName: names[i%len(names)], ToName: names[(i+1)%len(names)],
		Record: []string{itoa64(from), itoa64(to), names[i%len(names)]},
	}
	switch i % 6 {
	case 0:
		r.Moves = sampleMoves(i)
	case 5: // a split source: schedules and work shifts stay
		r.Types = handover.TypesOf("schedules", "work_shifts").Complement()
		for _, m := range sampleMoves(i) {
			if r.Types.Has(m.Type) {
				r.Moves = append(r.Moves, m)
			}
		}
		r.Stays = []handover.Stay{{Type: "schedules", Rows: 1}, {Type: "work_shifts", Rows: 3}}
	case 1:
		r.Moves = sampleMoves(i)
		r.Issues = []handover.Issue{{Code: handover.InactiveTarget,
			Message: handover.Label(r.ToName, r.To) + " is inactive; the data will go to an inactive user"}}
	case 2: // ok, but the source owns nothing
	case 3:
		r.From, r.Record[0] = nil, "1.23457E+17"
		r.Issues = []handover.Issue{{Code: handover.BadID,
			Message: `From User ID "1.23457E+17" is a number in scientific notation: the spreadsheet damaged it; format the column as Text and type the ID again`}}
	case 4:
		r.Issues = []handover.Issue{
			{Code: handover.DuplicateRow, Message: "the same pair is also on row 3"},
			{Code: handover.FanIn, Message: "target " + itoa64(to) + " also receives from row 3"},
		}
	}
	return r
}

// sampleMoves returns a move for every catalog type; some move nothing.
func sampleMoves(i int) []handover.Move {
	var ms []handover.Move
	for j, t := range handover.Catalog {
		m := handover.Move{Type: t.Table, Mode: t.Mode, Rows: int64((i*7 + j*3) % 5)}
		if t.Mode == handover.Overwrite && m.Rows > 0 && (i+j)%2 == 0 {
			m.Overwritten = int64(1 + j%3)
		}
		ms = append(ms, m)
	}
	return ms
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

var started = time.Date(2025, 3, 14, 22, 5, 9, 123456789, time.UTC)

func sampleJobs() []handover.Job {
	fin := started.Add(90 * time.Second)
	return []handover.Job{
		{ID: 8, Kind: handover.KindUndo, Status: handover.JobDone, Operator: 1, Started: started.Add(time.Hour),
			Pairs: 2, Done: 2, UndoOf: id(7)},
		{ID: 7, Kind: handover.KindRun, Status: handover.JobFailed, Operator: 1, Started: started, Finished: &fin,
			Pairs: 3, Done: 2, Failed: 1, File: "transfers.csv"},
	}
}

func samplePairs() []handover.JobPair {
	at := started.Add(time.Minute)
	return []handover.JobPair{
		{Row: 2, From: 19, FromName: "John Smith", To: 11, ToName: "Jenny Andrews", Status: handover.PairDone,
			Moves: []handover.Move{
				{Type: "contacts", Mode: handover.Combine, Rows: 40},
				{Type: "evaluations", Mode: handover.Combine, Rows: 12},
				{Type: "schedules", Mode: handover.Overwrite, Rows: 1, Overwritten: 1},
				{Type: "productivity", Mode: handover.Overwrite},
			}, At: &at, Record: []string{"19", "11", "John Smith"}},
		{Row: 3, From: 20, FromName: "Smith, Anna", To: 21, ToName: "Zoë Ångström", Status: handover.PairDone, At: &at},
		{Row: 4, From: 22, FromName: "=Eve Formula", To: 23, ToName: "Bob Ray", Status: handover.PairFailed,
			Error: &handover.Issue{Code: handover.TransferFailed, Message: "moving Schedules failed; nothing of this pair changed"},
			At:    &at, Record: []string{"22", "23", "'=Eve Formula"}},
	}
}
