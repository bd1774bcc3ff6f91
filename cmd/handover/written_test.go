package main

// What the tool writes: owner-only files, a self-contained HTML preview,
// and a tampered journal refused.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// TestWrittenFilesOwnerOnly runs the built binary under umask 000 and checks
// that every file it writes with personal data — the export, previews in
// each format, the errors CSV, the audit CSV (replacing a world-readable
// one) — is readable by its owner only, and that no temporary file is left.
func TestWrittenFilesOwnerOnly(t *testing.T) {
	bin := jobBinary(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		path := func(name string) string { return filepath.Join(dir, name) }
		umask0 := func(want int, args ...string) {
			t.Helper()
			cmd := exec.Command("sh", append([]string{"-c", `umask 000 && exec "$0" "$@"`, bin}, append(args, "--db", dsn, "--as", as)...)...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != want {
				t.Fatalf("handover %s: want exit %d, got %d:\n%s", strings.Join(args, " "), want, code, out)
			}
		}
		umask0(0, "export", "-o", path("people.csv"))
		sheet := hostileExport(t, dsn, as, path("check.csv"))
		os.Remove(path("check.csv"))
		sheet.edit(t, path("edited.csv"), map[int64]int64{a[0]: a[1], a[2]: a[2]})
		// An old audit file (the run may replace only one of its own), world-writable.
		if err := os.WriteFile(path("audit.csv"), []byte("\uFEFFFrom User ID,To User ID,Error\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path("audit.csv"), 0o666) // whatever the test process's umask
		umask0(2, "preview", "edited.csv", "-o", path("preview.txt"), "--errors", path("errors.csv"))
		umask0(2, "preview", "edited.csv", "--format", "json", "-o", path("preview.json"))
		umask0(2, "preview", "edited.csv", "--format", "html", "-o", path("preview.html"))
		umask0(1, "run", "edited.csv", "--yes", "--skip-invalid", "--audit", path("audit.csv"))
		want := []string{"audit.csv", "edited.csv", "errors.csv", "people.csv", "preview.html", "preview.json", "preview.txt"}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != "edited.csv" && info.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v under umask 000, want -rw-------", e.Name(), info.Mode().Perm())
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("files in the folder (-want +got):\n%s", diff)
		}
		if body, _ := os.ReadFile(path("audit.csv")); !strings.Contains(string(body), "self_transfer") {
			t.Errorf("audit.csv was not replaced by the run's audit:\n%s", body)
		}
	})
}

// hostileExternal finds what would make a page load something from
// elsewhere (or leave it): URLs, src and href attributes, style imports.
var hostileExternal = regexp.MustCompile(`(?i)https?:|\bsrc\s*=|\bhref\s*=|<link\b|@import|url\(|<iframe|<object|<embed|\bftp:|//[a-z0-9.-]+\.[a-z]{2,}/`)

// TestPreviewHTMLSelfContained writes the HTML preview through the command
// and checks that it is one self-contained page — no URL, no src or href, no
// stylesheet or frame from elsewhere, a policy forbidding any — whose plan
// holds exactly the file's pairs.
func TestPreviewHTMLSelfContained(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		path := func(name string) string { return filepath.Join(dir, name) }
		sheet := hostileExport(t, dsn, as, path("people.csv"))
		for _, tc := range []struct {
			name                  string
			to                    map[int64]int64
			code                  int
			pairs, errors, movers int
		}{
			{"valid", map[int64]int64{a[7]: a[8], a[9]: a[10], a[11]: a[12], info.Formula: a[13]}, 0, 4, 0, 4},
			{"with errors", map[int64]int64{a[0]: a[1], a[2]: a[2], a[4]: info.OtherTenantUsers[0]}, 2, 3, 2, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				file, out := path(tc.name+".csv"), path(tc.name+".html")
				sheet.edit(t, file, tc.to)
				r := hostileMust(t, tc.code, nil, "preview", file, "--format", "html", "-o", out, "--db", dsn, "--as", as)
				if r.stdout != "" {
					t.Errorf("with -o, nothing goes to stdout:\n%s", r)
				}
				body, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				page := string(body)
				if !strings.HasPrefix(strings.ToLower(page), "<!doctype html>") {
					t.Errorf("the page does not start with <!DOCTYPE html>: %.80q", page)
				}
				if m := hostileExternal.FindAllString(page, 5); m != nil {
					t.Errorf("the page refers to something outside itself: %q", m)
				}
				if !strings.Contains(page, `content="default-src 'none'`) {
					t.Errorf("the page has no policy forbidding outside resources")
				}
				hostileCheckPagePlan(t, page, tc.pairs, tc.errors, tc.movers)
			})
		}
	})
}

// hostileCheckPagePlan decodes the plan a preview page embeds and checks
// its totals and rows.
func hostileCheckPagePlan(t *testing.T, page string, pairs, errs, movers int) {
	t.Helper()
	const open = `<script type="application/json" id="plan-data">`
	_, rest, ok := strings.Cut(page, open)
	island, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatalf("no plan in the page")
	}
	var data struct {
		Plan struct {
			Pairs  int `json:"pairs"`
			Errors int `json:"errors"`
			Rows   []struct {
				FromName string            `json:"from_name"`
				Moves    []json.RawMessage `json:"moves"`
			} `json:"rows"`
		} `json:"plan"`
		WouldRun string `json:"would_run"`
	}
	if err := json.Unmarshal([]byte(island), &data); err != nil {
		t.Fatalf("the page's plan: %v\n%.500s", err, island)
	}
	p := data.Plan
	if p.Pairs != pairs || len(p.Rows) != pairs || p.Errors != errs {
		t.Errorf("the page holds %d pairs (%d rows, %d errors), want %d pairs, %d errors", p.Pairs, len(p.Rows), p.Errors, pairs, errs)
	}
	n := 0
	for _, r := range p.Rows {
		if len(r.Moves) > 0 {
			n++
		}
	}
	if n != movers {
		t.Errorf("%d rows of the page have moves, want %d", n, movers)
	}
	if !strings.Contains(data.WouldRun, strconv.Itoa(pairs-errs)+" pair") {
		t.Errorf("the page's summary %q does not say %d pairs would run", data.WouldRun, pairs-errs)
	}
}

// TestTamperedJournalRefused changes the owner column a job's journal
// records into SQL: verify and undo must name the problem and change no
// data, because identifiers reach SQL from the catalog only, never from the
// database.
func TestTamperedJournalRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		db := func(args ...string) []string { return append(args, "--db", dsn, "--as", as) }
		hostileMust(t, 0, nil, db("run", "--from", strconv.FormatInt(a[0], 10), "--to", strconv.FormatInt(a[1], 10), "--yes")...)
		job := hostileNewestJob(t, hostileMust(t, 0, nil, db("jobs", "--format", "json")...).stdout)
		x := hostileOpen(t, dsn).SQL()
		var entry struct {
			Type   string `db:"data_type"`
			Column string `db:"owner_column"`
		}
		if err := x.Get(&entry, x.Rebind(`SELECT data_type, owner_column FROM handover_moves
WHERE job_id = ? AND owner_column NOT IN ('', 'active') AND moved > 0 ORDER BY data_type, owner_column LIMIT 1`), job); err != nil {
			t.Fatalf("journal of job %s: %v", job, err)
		}
		evil := entry.Column + " = " + entry.Column + " OR 1 = 1 OR " + entry.Column
		if _, err := x.Exec(x.Rebind(`UPDATE handover_moves SET owner_column = ? WHERE job_id = ? AND data_type = ? AND owner_column = ?`),
			evil, job, entry.Type, entry.Column); err != nil {
			t.Fatal(err)
		}
		data := func() map[string][]string {
			all := hostileDump(t, dsn)
			out := map[string][]string{"users": all["users"]}
			for _, dt := range handover.Catalog {
				out[dt.Table] = all[dt.Table]
			}
			return out
		}
		before := data()
		want := fmt.Sprintf("%s column %q, which is not an owner column", entry.Type, evil)
		for _, args := range [][]string{{"verify", job}, {"undo", job, "--yes", "--audit", filepath.Join(dir, "undo.csv")}} {
			r := hostileMust(t, handover.ExitPartial, nil, db(args...)...)
			if !strings.Contains(r.stdout+r.stderr, want) {
				t.Errorf("the output does not say %q:\n%s", want, r)
			}
			if diff := cmp.Diff(before, data()); diff != "" {
				t.Errorf("%s changed data (-before +after):\n%s", args[0], diff)
			}
		}
	})
}
