package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLimitNamesMaxPairs gives preview and run a file with more pairs than
// --max-pairs allows: the file is rejected (limit_exceeded, exit 2) with a
// message that names --max-pairs as the way to raise the limit, in text
// and in the preview's JSON.
func TestLimitNamesMaxPairs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], a[3], a[4], a[5]))
		for _, args := range [][]string{{"preview", file}, {"run", file, "--yes"}} {
			r := f.mustCLI(t, 2, append(args, "--max-pairs", "2")...)
			if !strings.Contains(r.stderr, "more than 2 pairs") || !strings.Contains(r.stderr, "--max-pairs") {
				t.Errorf("want the limit's message naming --max-pairs, got:\n%s", r)
			}
		}
		doc := decodePreview(t, f.mustCLI(t, 2, "preview", file, "--max-pairs", "2", "--format", "json").stdout)
		if len(doc.FileErrors) != 1 || doc.FileErrors[0].Code != "limit_exceeded" || !strings.Contains(doc.FileErrors[0].Message, "--max-pairs") {
			t.Errorf("preview JSON: file_errors %+v, want limit_exceeded naming --max-pairs", doc.FileErrors)
		}
		if r := f.mustCLI(t, 2, "preview", file, "--max-pairs", "0"); !strings.Contains(r.stderr, "--max-pairs 0") {
			t.Errorf("--max-pairs 0: %s", r)
		}
	})
}

// TestShowJSONShapes runs a file with a valid pair, a pair whose To User ID
// is not an ID and a self transfer, then checks `show --format json` against
// the preview's shapes: an ID that was not a valid ID is null (not 0), and
// a pair's issues are an issues array of {"code", "message"}, empty for a
// pair without any.
func TestShowJSONShapes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], "abc", a[3], a[3]))
		f.mustCLI(t, 1, "run", file, "--skip-invalid", "--yes", "--audit", f.path("audit.csv"))
		r := f.mustCLI(t, 0, "show", "1", "--format", "json")
		checkKeys(t, "show", []byte(r.stdout), "job", "pairs")
		var doc struct {
			Pairs []json.RawMessage `json:"pairs"`
		}
		mustDecode(t, r.stdout, &doc)
		if len(doc.Pairs) != 3 {
			t.Fatalf("want 3 pairs, got:\n%s", r.stdout)
		}
		rows := map[int]previewRow{}
		for _, p := range doc.Pairs {
			checkKeys(t, "pairs[]", p, "row", "from", "from_name", "to", "to_name", "status", "issues", "moves", "at")
			var lists struct {
				Issues []json.RawMessage `json:"issues"`
			}
			mustDecode(t, string(p), &lists)
			for _, is := range lists.Issues {
				checkKeys(t, "pairs[].issues[]", is, "code", "message")
			}
			var row previewRow
			mustDecode(t, string(p), &row)
			if row.Issues == nil || row.Moves == nil {
				t.Errorf("row %d: issues and moves must be arrays, never null:\n%s", row.Row, p)
			}
			rows[row.Row] = row
		}
		if r := rows[2]; r.Status != "done" || len(r.Issues) != 0 || r.From == nil || *r.From != a[0] || r.To == nil || *r.To != a[1] {
			t.Errorf("the valid pair: %+v", r)
		}
		if r := rows[3]; r.To != nil || r.From == nil || *r.From != a[2] || strings.Join(r.codes(), ",") != "bad_id" || r.Issues[0].Message == "" {
			t.Errorf("the pair with To User ID \"abc\": want to null and the issue bad_id, got %+v", r)
		}
		if r := rows[4]; r.Status != "failed" || strings.Join(r.codes(), ",") != "self_transfer" {
			t.Errorf("the self transfer: want failed with the issue self_transfer, got %+v", r)
		}
	})
}

// TestRejectedRunJSON runs files with rows with errors, without
// --skip-invalid, with --format json: exit 2, and on stdout the preview's
// JSON, the very object `preview --format json` prints, and nothing else;
// with JSON logs too. A run refused for another reason prints the error
// document instead.
func TestRejectedRunJSON(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a := f.info.ActiveAgents
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], a[2], a[3], 99999999))
		preview := f.mustCLI(t, 2, "preview", file, "--format", "json")
		before := f.dump(t)
		for _, logs := range []string{"text", "json"} {
			r := f.mustCLI(t, 2, "run", file, "--yes", "--format", "json", "--log-format", logs)
			if r.stdout != preview.stdout {
				t.Errorf("--log-format %s: run's stdout is not preview's JSON:\n%s\n--- preview\n%s", logs, r, preview.stdout)
			}
			if doc := decodePreview(t, r.stdout); doc.Errors != 2 {
				t.Errorf("--log-format %s: %d errors, want 2", logs, doc.Errors)
			}
		}
		r := f.mustCLI(t, 2, "run", "--from", itoa(a[4]), "--to", itoa(a[4]), "--yes", "--format", "json")
		if doc := decodePreview(t, r.stdout); len(doc.Rows) != 1 || strings.Join(doc.Rows[0].codes(), ",") != "self_transfer" {
			t.Errorf("a refused single pair: want its preview with self_transfer, got:\n%s", r)
		}
		if d := cmp.Diff(before, f.dump(t)); d != "" {
			t.Errorf("a refused run changed the database (-before +after):\n%s", d)
		}
		bad := writeFile(t, f.path("bad.csv"), "Leaver,Successor\n1,2\n")
		r = f.mustCLI(t, 2, "run", bad, "--yes", "--format", "json")
		var doc struct {
			Error issueDoc `json:"error"`
		}
		checkKeys(t, "error document", []byte(r.stdout), "error")
		if mustDecode(t, r.stdout, &doc); doc.Error.Code != "bad_header" {
			t.Errorf("a file without the ID columns: want the error document with bad_header, got:\n%s", r)
		}
	})
}

// TestJSONLogsOnly runs commands with --log-format json and parses every
// line of stderr as a JSON log line: a run refused for rows with errors (a
// file, and a single pair), a run, the same file again (already
// transferred), an undo, a run stopped halfway and its resume, and a
// prompt answered on a terminal. Nothing human reaches stderr.
func TestJSONLogsOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 1000, 1)
		a := f.info.ActiveAgents
		events := func(r cliResult) []string {
			t.Helper()
			var out []string
			for _, l := range jobLogs(t, r.stderr) {
				out = append(out, l.Event)
			}
			return out
		}
		want := func(r cliResult, event string, n int) {
			t.Helper()
			got := events(r)
			if m := len(slices.DeleteFunc(slices.Clone(got), func(e string) bool { return e != event })); m != n {
				t.Errorf("want %d %s events, got %v:\n%s", n, event, got, r)
			}
		}
		rejected := writeFile(t, f.path("rejected.csv"), pairs(a[0], a[1], a[2], a[2], a[3], 99999999))
		want(f.mustCLI(t, 2, "run", rejected, "--yes", "--log-format", "json"), "row_error", 2)
		want(f.mustCLI(t, 2, "run", "--from", itoa(a[2]), "--to", itoa(a[2]), "--yes", "--log-format", "json"), "error", 1)
		file := writeFile(t, f.path("pairs.csv"), pairs(a[0], a[1], a[2], a[3]))
		want(f.mustCLI(t, 0, "run", file, "--yes", "--log-format", "json"), "pair", 2)
		want(f.mustCLI(t, 0, "run", file, "--yes", "--log-format", "json"), "already_transferred", 2)
		want(f.mustCLI(t, 0, "undo", "1", "--yes", "--log-format", "json"), "pair", 2)

		var cells []any
		for i := 0; i < 300; i++ {
			cells = append(cells, a[10+2*i], a[11+2*i])
		}
		big := writeFile(t, f.path("big.csv"), pairs(cells...))
		stopped := runStoppedAfterAPair(t, f, "run", big, "--yes", "--log-format", "json")
		if stopped.code != 3 || !strings.Contains(stopped.stderr, "handover resume 4") {
			t.Fatalf("want run stopped with job 4 to resume, got:\n%s", stopped)
		}
		events(stopped)
		want(f.mustCLI(t, 0, "resume", "4", "--log-format", "json"), "job_end", 1)

		master, tty := sigPTY(t)
		if _, err := master.WriteString("no\n"); err != nil {
			t.Fatal(err)
		}
		want(f.cli(t, tty, "run", "--from", itoa(a[4]), "--to", itoa(a[5]), "--log-format", "json"), "confirm", 1)
	})
}

// runStoppedAfterAPair runs the command in-process and cancels its
// context, as SIGINT does, once its log has a pair event: the job has
// pairs ended and pairs pending.
func runStoppedAfterAPair(t *testing.T, f *fixture, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	stderr := &cancelOnPair{cancel: cancel}
	args = f.withDB(args)
	err := Run(ctx, args, strings.NewReader(""), &stdout, stderr)
	code := exitCode(err, &stderr.buf)
	return cliResult{args: args, code: code, err: err, stdout: stdout.String(), stderr: stderr.buf.String()}
}

// cancelOnPair is a stderr that cancels the command's context once a pair
// event is written to it.
type cancelOnPair struct {
	buf    bytes.Buffer
	cancel func()
}

func (w *cancelOnPair) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"event":"pair"`)) {
		w.cancel()
	}
	return w.buf.Write(p)
}

// columnWords are the words of a message about the people CSV rather than
// about a pair given by --from and --to.
var columnWords = regexp.MustCompile(`(?i)\brows?\b|from user id|to user id|people file|\bfile\b|column`)

// TestSinglePairSpeaksOfFlags refuses `run --from ID --to ID` pairs for
// each reason a single pair can have: the one line on stderr names --from
// or --to, and not a row, a file or its columns; the preview JSON of
// --format json speaks the same way. Nothing changes. A pair refused with
// --skip-invalid goes to an audit file with the columns of an audit of an
// edited export, the source's Name included.
func TestSinglePairSpeaksOfFlags(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 60, 1)
		a, in, admin := f.info.ActiveAgents, f.info.InactiveAgents, f.viewAdmin(t)
		before := f.dump(t)
		for _, args := range [][]string{
			{"--from", itoa(a[0]), "--to", itoa(a[0])},
			{"--from", itoa(a[0]), "--to", "99999999"},
			{"--from", itoa(f.info.TenantAdmin), "--to", itoa(a[0])},
			{"--from", itoa(a[0]), "--to", itoa(f.info.TenantAdmin)},
			{"--from", itoa(admin.OutOfView[0]), "--to", itoa(admin.InView[0]), "--as", itoa(admin.ID)},
			{"--from", itoa(a[1]), "--to", itoa(in[0]), "--deactivate-source"},
			{"--from", "abc", "--to", itoa(a[0])},
			{"--from", itoa(a[0]), "--to", "1.5"},
			{"--from", "-5", "--to", itoa(a[0])},
			{"--from", itoa(a[0]), "--to", "0"},
		} {
			r := f.mustCLI(t, 2, append([]string{"run", "--yes"}, args...)...)
			said := strings.TrimPrefix(r.stderr, "handover: ")
			if !strings.Contains(said, "--from") && !strings.Contains(said, "--to") || columnWords.MatchString(said) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("want one line speaking of --from or --to, not of rows, files or columns, got:\n%s", r)
			}
			r = f.cli(t, nil, append([]string{"run", "--yes", "--format", "json"}, args...)...)
			if strings.Contains(r.stdout, `"pairs"`) {
				for _, row := range decodePreview(t, r.stdout).Rows {
					for _, is := range row.Issues {
						if columnWords.MatchString(is.Message) {
							t.Errorf("preview JSON of a single pair speaks of the file: %+v", is)
						}
					}
				}
			}
		}
		if d := cmp.Diff(before, f.dump(t)); d != "" {
			t.Errorf("a refused run changed the database (-before +after):\n%s", d)
		}

		auditPath := f.path("single.csv")
		r := f.mustCLI(t, 1, "run", "--from", itoa(a[2]), "--to", "99999999", "--yes", "--skip-invalid", "--audit", auditPath)
		if strings.Contains(r.stdout, "Row ") || !strings.Contains(r.stdout, "--to 99999999 is not a user") {
			t.Errorf("the summary of a refused single pair: want no row and --to named, got:\n%s", r)
		}
		people := f.path("people.csv")
		f.mustCLI(t, 0, "export", "-o", people)
		s := readSheet(t, auditPath)
		if want := append(readSheet(t, people).header, "Error"); !slices.Equal(s.header, want) {
			t.Errorf("audit header %q, want an edited export's %q", s.header, want)
		}
		if len(s.rows) != 1 || s.rows[0][s.col(t, "Name")] != f.name(t, a[2]) || s.rows[0][s.col(t, "From User ID")] != itoa(a[2]) ||
			s.rows[0][s.col(t, "To User ID")] != "99999999" || !strings.HasPrefix(s.rows[0][s.col(t, "Error")], "unknown_user: ") {
			t.Errorf("audit rows %q, want %d (%s) → 99999999 with unknown_user", s.rows, a[2], f.name(t, a[2]))
		}
	})
}
