package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// typedPair is a pair with the data types its row hands over.
type typedPair struct {
	handover.Pair
	types handover.TypeSet
}

// addRow copies from's row to the end of the sheet, as an admin copies a
// leaver's row to split their data, and returns its row number.
func (s *sheet) addRow(t *testing.T, from int64) int {
	t.Helper()
	_, r := s.row(t, from)
	s.rows = append(s.rows, slices.Clone(r))
	return len(s.rows) + 1
}

// setRow types the To User ID and Data Types cells of spreadsheet row n.
func (s *sheet) setRow(t *testing.T, n int, to, types string) {
	t.Helper()
	r := s.rows[n-2]
	r[s.col(t, "To User ID")], r[s.col(t, "Data Types")] = to, types
}

// splitSheet exports the people CSV and edits it as an admin splitting
// leavers: a[0]'s quality data to a[1] and its schedule and shifts to
// a[2] (the rest stays with a[0]); a[3]'s data but storage files to a[4];
// a[5]'s data in two rows to a[6]. It returns the pairs as the file has
// them.
func splitSheet(t *testing.T, f *fixture, path string) []typedPair {
	t.Helper()
	a := f.info.ActiveAgents
	f.mustCLI(t, 0, "export", "-o", path)
	s := readSheet(t, path)
	n, _ := s.row(t, a[0])
	s.setRow(t, n, itoa(a[1]), "Contacts (recordings); evaluations, Evaluation comments")
	s.setRow(t, s.addRow(t, a[0]), itoa(a[2]), "“Schedules” | work_shifts|")
	n, _ = s.row(t, a[3])
	s.setRow(t, n, itoa(a[3+1]), "-storage files")
	n, _ = s.row(t, a[5])
	s.setRow(t, n, itoa(a[6]), "contacts, schedules")
	s.setRow(t, s.addRow(t, a[5]), itoa(a[6]), "-contacts;-schedules")
	s.write(t, path)
	return []typedPair{
		{handover.Pair{From: a[0], To: a[1]}, handover.TypesOf("contacts", "evaluations", "evaluation_comments")},
		{handover.Pair{From: a[3], To: a[4]}, handover.TypesOf("storage_files").Complement()},
		{handover.Pair{From: a[5], To: a[6]}, handover.TypesOf("contacts", "schedules")},
		{handover.Pair{From: a[0], To: a[2]}, handover.TypesOf("schedules", "work_shifts")},
		{handover.Pair{From: a[5], To: a[6]}, handover.TypesOf("contacts", "schedules").Complement()},
	}
}

// TestSplitPreviewGolden pins the text and JSON previews of a split file on
// the deterministic demo tenant; both backends print the same bytes.
// Regenerate with `go test ./cmd/handover -run TestSplitPreviewGolden -update`.
func TestSplitPreviewGolden(t *testing.T) {
	t.Parallel()
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend, 60, 7)
			people := f.path("people.csv")
			splitSheet(t, f, people)
			for _, g := range []struct{ golden, format string }{
				{"split_preview_text.golden", "text"}, {"split_preview_json.golden", "json"},
			} {
				r := f.mustCLI(t, 0, "preview", people, "--format", g.format)
				if g.format == "json" {
					decodePreview(t, r.stdout)
				}
				checkGolden(t, g.golden, r.stdout, backend)
			}
		})
	}
}

// applyTyped returns the ownership the product promises after the typed
// pairs ran on o: apply, type by type, for the types each pair chose.
func (o ownership) applyTyped(pairs []typedPair) ownership {
	out := o.clone()
	for _, dt := range handover.Catalog {
		for _, p := range pairs {
			if !p.types.Has(dt.Table) {
				continue
			}
			moved := o.only(dt).apply([]handover.Pair{p.Pair})
			for _, col := range dt.Owners {
				k := dt.Table + "." + col
				for _, u := range []int64{p.From, p.To} {
					if keys := moved[k][u]; len(keys) > 0 {
						out[k][u] = keys
					} else {
						delete(out[k], u)
					}
				}
			}
		}
	}
	return out
}

// only returns o with the rows of dt alone.
func (o ownership) only(dt handover.DataType) ownership {
	out := ownership{}
	for _, t := range handover.Catalog {
		for _, col := range t.Owners {
			out[t.Table+"."+col] = map[int64][]string{}
		}
	}
	for _, col := range dt.Owners {
		out[dt.Table+"."+col] = o.clone()[dt.Table+"."+col]
	}
	return out
}

// dataTables is the part of a dump that undo must restore: users and the
// data types' tables.
func dataTables(dump map[string][]string) map[string][]string {
	out := map[string][]string{"users": dump["users"]}
	for _, dt := range handover.Catalog {
		out[dt.Table] = dump[dt.Table]
	}
	return out
}

// TestSplitRun: a split file run leaves each target holding exactly its
// chosen types and each source the rest, as the preview said; show and
// verify speak per type; a later file moving the remaining types is valid
// without a warning; undoing either job restores exactly its types, and
// undoing both every data table.
func TestSplitRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 7)
		a := f.info.ActiveAgents
		people := f.path("people.csv")
		pairs := splitSheet(t, f, people)
		before, dump := f.owners(t), dataTables(f.dump(t))
		doc := decodePreview(t, f.mustCLI(t, 0, "preview", people, "--format", "json").stdout)
		for _, r := range doc.Rows {
			for _, m := range r.Moves {
				chosen := slices.ContainsFunc(pairs, func(p typedPair) bool { return p.From == *r.From && p.To == *r.To && p.types.Has(m.Type) })
				if !chosen {
					t.Errorf("row %d moves %s, which it did not choose", r.Row, m.Type)
				}
			}
		}
		f.mustCLI(t, 0, "run", people, "--yes")
		if diff := cmp.Diff(before.applyTyped(pairs), f.owners(t)); diff != "" {
			t.Errorf("ownership after the split run (-want +got):\n%s", diff)
		}
		if r := f.mustCLI(t, 0, "verify", "1"); !strings.Contains(r.stdout, "verified") {
			t.Errorf("verify of the split job:\n%s", r)
		}
		var shown struct {
			Pairs []struct {
				Row   int              `json:"row"`
				Types handover.TypeSet `json:"types"`
			} `json:"pairs"`
		}
		mustDecode(t, f.mustCLI(t, 0, "show", "1", "--format", "json").stdout, &shown)
		for _, p := range shown.Pairs {
			if want := pairs[slices.IndexFunc(doc.Rows, func(r previewRow) bool { return r.Row == p.Row })].types; !p.Types.Equal(want) {
				t.Errorf("show --format json: row %d hands over %s, want %s", p.Row, p.Types.Names(), want.Names())
			}
		}
		show := f.mustCLI(t, 0, "show", "1")
		if !strings.Contains(show.stdout, "data types: Schedules, Work shifts") || !strings.Contains(show.stdout, "data types: every data type but Storage files") {
			t.Errorf("show does not name each pair's types:\n%s", show.stdout)
		}

		// The rest of a[0]'s data, later, to a[7]: valid, no warning.
		rest := writeFile(t, f.path("rest.csv"), "From User ID,To User ID,Data Types\n"+
			itoa(a[0])+","+itoa(a[7])+",\"-contacts,-evaluations,-evaluation comments,-schedules,-work shifts\"\n")
		pre := decodePreview(t, f.mustCLI(t, 0, "preview", rest, "--format", "json").stdout)
		if len(pre.Rows) != 1 || len(pre.Rows[0].Issues) != 0 {
			t.Errorf("the remaining types of a split source: %+v", pre.Rows)
		}
		afterFirst := f.owners(t)
		f.mustCLI(t, 0, "run", rest, "--yes", "--deactivate-source")
		restPair := typedPair{handover.Pair{From: a[0], To: a[7]}, pairs[0].types.Union(pairs[3].types).Complement()}
		if diff := cmp.Diff(afterFirst.applyTyped([]typedPair{restPair}), f.owners(t)); diff != "" {
			t.Errorf("ownership after the remaining types (-want +got):\n%s", diff)
		}

		// Undo of the first job: a[0] gets back what it sent to a[1] and
		// a[2]; a[7] keeps the rest.
		f.mustCLI(t, 0, "undo", "1", "--yes")
		if diff := cmp.Diff(before.applyTyped([]typedPair{restPair}), f.owners(t)); diff != "" {
			t.Errorf("ownership after undoing the split job (-want +got):\n%s", diff)
		}
		f.mustCLI(t, 0, "verify", "2")
		f.mustCLI(t, 0, "undo", "2", "--yes")
		if diff := cmp.Diff(dump, dataTables(f.dump(t))); diff != "" {
			t.Errorf("data tables after undoing both jobs (-before +after):\n%s", diff)
		}
	})
}

// TestTypesFlag: --types chooses a --from/--to pair's types and a file's
// default for empty cells; a bad list is a usage error before anything
// is asked of the database; a failed row's audit file keeps the types.
func TestTypesFlag(t *testing.T) {
	f := newFixture(t, "sqlite", 60, 7)
	a := f.info.ActiveAgents
	before := f.owners(t)
	f.mustCLI(t, 0, "run", "--from", itoa(a[0]), "--to", itoa(a[1]), "--types", "Schedules, work shifts", "--yes")
	want := before.applyTyped([]typedPair{{handover.Pair{From: a[0], To: a[1]}, handover.TypesOf("schedules", "work_shifts")}})
	if diff := cmp.Diff(want, f.owners(t)); diff != "" {
		t.Errorf("ownership after run --types (-want +got):\n%s", diff)
	}

	r := f.mustCLI(t, 2, "preview", "-", "--types", "calendars")
	if !strings.Contains(r.stderr, `--types "calendars": "calendars" is not a data type; the data types are contacts, evaluations`) {
		t.Errorf("a bad --types:\n%s", r)
	}

	file := writeFile(t, f.path("default.csv"), "From User ID,To User ID,Data Types\n"+
		itoa(a[2])+","+itoa(a[3])+",\n"+
		itoa(a[4])+",99999999,\n"+
		itoa(a[5])+","+itoa(a[6])+",holidays\n")
	doc := decodePreview(t, f.mustCLI(t, 2, "preview", file, "--types", "contacts", "--format", "json").stdout)
	if codes := [][]string{doc.Rows[0].codes(), doc.Rows[1].codes(), doc.Rows[2].codes()}; !cmp.Equal(codes, [][]string{{}, {"unknown_user"}, {"bad_type"}}) {
		t.Errorf("codes %v", codes)
	}
	for _, m := range doc.Rows[0].Moves {
		if m.Type != "contacts" {
			t.Errorf("row 2 moves %s; --types chose contacts", m.Type)
		}
	}
	auditPath := f.path("audit.csv")
	f.mustCLI(t, 1, "run", file, "--types", "contacts", "--skip-invalid", "--yes", "--audit", auditPath)
	s := readSheet(t, auditPath)
	if !slices.Contains(s.header, "Data Types") {
		t.Fatalf("the audit file lost the Data Types column: %q", s.header)
	}
	got := map[string]string{}
	for _, row := range s.rows {
		got[row[0]] = row[s.col(t, "Data Types")]
	}
	if diff := cmp.Diff(map[string]string{itoa(a[4]): "contacts", itoa(a[5]): "holidays"}, got); diff != "" {
		t.Errorf("audit Data Types by source (-want +got):\n%s", diff)
	}
}

// TestLeftBehind: --deactivate-source on a source that keeps rows is the
// warning left_behind, naming what stays; a source handing everything
// over across its rows is not warned.
func TestLeftBehind(t *testing.T) {
	f := newFixture(t, "sqlite", 60, 7)
	people := f.path("people.csv")
	pairs := splitSheet(t, f, people)
	doc := decodePreview(t, f.mustCLI(t, 0, "preview", people, "--deactivate-source", "--format", "json").stdout)
	warned := map[int64]bool{}
	for _, r := range doc.Rows {
		has := slices.Contains(r.codes(), "left_behind")
		if has != (len(r.Stays) > 0) {
			t.Errorf("row %d: left_behind %v, yet %d types stay", r.Row, has, len(r.Stays))
		}
		warned[*r.From] = warned[*r.From] || has
	}
	if !warned[pairs[0].From] || warned[pairs[2].From] {
		t.Errorf("left_behind on %v; want the split source that keeps rows, not the one handing everything over", warned)
	}
	text := f.mustCLI(t, 0, "preview", people).stdout
	if !strings.Contains(text, "  left with the source: ") || !strings.Contains(text, "would stay with their sources.") {
		t.Errorf("the text preview does not say what stays:\n%s", text)
	}
}

// TestSplitPromptSaysWhatStays: the confirmation of a run that leaves rows
// with their sources says how many, and answering no changes nothing.
func TestSplitPromptSaysWhatStays(t *testing.T) {
	f := newFixture(t, "sqlite", 60, 7)
	people := f.path("people.csv")
	splitSheet(t, f, people)
	dump := f.dump(t)
	master, tty := sigPTY(t)
	if _, err := master.WriteString("no\n"); err != nil {
		t.Fatal(err)
	}
	r := f.cli(t, tty, "run", people)
	if r.code != 2 || !strings.Contains(r.stderr, "rows of data types no row chooses will stay with their sources.") {
		t.Errorf("the prompt of a split run:\n%s", r)
	}
	if diff := cmp.Diff(dump, f.dump(t)); diff != "" {
		t.Errorf("answering no changed the database:\n%s", diff)
	}
}
