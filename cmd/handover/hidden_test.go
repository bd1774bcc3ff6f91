package main

// Another tenant stays hidden: its users read like unknown IDs and its
// names appear in no output.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"handover"
	"handover/sample"
)

// hostileSheet is a people CSV the command exported, as a spreadsheet
// holds it.
type hostileSheet struct {
	header []string
	rows   [][]string
}

// hostileExport exports the people of the operator's view to path and
// reads the file back.
func hostileExport(t *testing.T, dsn, as, path string) *hostileSheet {
	t.Helper()
	hostileMust(t, 0, nil, "export", "-o", path, "--db", dsn, "--as", as)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("read %s: %d records, %v", path, len(recs), err)
	}
	return &hostileSheet{header: recs[0], rows: recs[1:]}
}

// edit types successors into To User ID (keyed by From User ID), appends
// rows, and saves the sheet as UTF-8 with BOM.
func (s *hostileSheet) edit(t *testing.T, path string, to map[int64]int64, extra ...[]string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.Write(s.header)
	for _, r := range s.rows {
		r = slices.Clone(r)
		if id, err := strconv.ParseInt(r[0], 10, 64); err == nil && to[id] != 0 {
			r[1] = strconv.FormatInt(to[id], 10)
		}
		w.Write(r)
	}
	w.WriteAll(extra)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// hostileStrangers picks n users of the second tenant whose names are not
// part of any name in the operator's tenant, so that finding one of those
// names in the output can only be a leak.
func hostileStrangers(t *testing.T, dsn string, info sample.Info, n int) (ids []int64, names []string) {
	t.Helper()
	x := hostileOpen(t, dsn).SQL()
	var mine []string
	if err := x.Select(&mine, x.Rebind(`SELECT name FROM users WHERE tenant_id = ?`), info.Tenant); err != nil {
		t.Fatal(err)
	}
	for _, id := range info.OtherTenantUsers {
		var name string
		if err := x.Get(&name, x.Rebind(`SELECT name FROM users WHERE id = ?`), id); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(mine, func(m string) bool { return strings.Contains(m, name) }) || slices.Contains(names, name) {
			continue
		}
		ids, names = append(ids, id), append(names, name)
		if len(ids) == n {
			return ids, names
		}
	}
	t.Fatalf("fewer than %d users of the second tenant have names of their own", n)
	return nil, nil
}

// TestOtherTenantStaysHidden names users of another tenant in an upload and
// on the command line: they are unknown_user, and no output of any command
// — previews in every format, the errors CSV, the audit CSV, run summaries,
// JSON logs, job listings, show, verify, undo — holds their names.
func TestOtherTenantStaysHidden(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn, info := hostileSeed(t, backend)
		dir, as, a := t.TempDir(), strconv.FormatInt(info.TenantAdmin, 10), info.ActiveAgents
		strangers, names := hostileStrangers(t, dsn, info, 2)
		path := func(name string) string { return filepath.Join(dir, name) }
		db := func(args ...string) []string { return append(args, "--db", dsn, "--as", as, "--log-format", "json") }
		var outputs []hostileResult
		run := func(code int, args ...string) hostileResult {
			t.Helper()
			r := hostileMust(t, code, nil, db(args...)...)
			outputs = append(outputs, r)
			return r
		}

		sheet := hostileExport(t, dsn, as, path("people.csv"))
		// Row of a[0]: a successor from another tenant; an appended row:
		// a leaver from another tenant; row of a[1]: a valid pair.
		sheet.edit(t, path("edited.csv"), map[int64]int64{a[0]: strangers[0], a[1]: a[2]},
			[]string{strconv.FormatInt(strangers[1], 10), strconv.FormatInt(a[3], 10), "", "", "", "", ""})

		run(2, "preview", path("edited.csv"))
		doc := run(2, "preview", path("edited.csv"), "--format", "json")
		hostileCheckUnknown(t, doc.stdout, strangers)
		run(2, "preview", path("edited.csv"), "--format", "html", "-o", path("preview.html"))
		run(2, "preview", path("edited.csv"), "--errors", path("errors.csv"))
		run(2, "run", path("edited.csv"), "--yes")
		if r := run(1, "run", path("edited.csv"), "--yes", "--skip-invalid", "--audit", path("audit.csv")); !strings.Contains(r.stderr, `"event":"pair"`) {
			t.Errorf("the run logged no pair events to check:\n%s", r)
		}
		run(2, "run", "--from", strconv.FormatInt(a[4], 10), "--to", strconv.FormatInt(strangers[0], 10), "--yes")
		run(2, "run", "--from", strconv.FormatInt(strangers[1], 10), "--to", strconv.FormatInt(a[4], 10), "--yes", "--format", "json")
		job := hostileNewestJob(t, run(0, "jobs", "--format", "json").stdout)
		run(0, "jobs")
		run(0, "show", job)
		run(0, "show", job, "--format", "json")
		run(0, "verify", job)
		run(0, "undo", job, "--yes", "--audit", path("undo.csv"))
		undo := hostileNewestJob(t, run(0, "jobs", "--format", "json").stdout)
		run(0, "show", undo, "--format", "json")
		for _, f := range []string{"preview.html", "errors.csv", "audit.csv"} {
			body, err := os.ReadFile(path(f))
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, hostileResult{args: []string{"(file " + f + ")"}, stdout: string(body)})
		}
		for _, r := range outputs {
			for _, name := range names {
				if strings.Contains(r.stdout+r.stderr, name) {
					t.Errorf("the output shows %q, a user of another tenant:\n%s", name, r)
				}
			}
		}
	})
}

// hostileCheckUnknown checks that every row naming one of ids says
// unknown_user for it and shows no name for it.
func hostileCheckUnknown(t *testing.T, out string, ids []int64) {
	t.Helper()
	var doc struct {
		Rows []struct {
			Row      int    `json:"row"`
			From     *int64 `json:"from"`
			FromName string `json:"from_name"`
			To       *int64 `json:"to"`
			ToName   string `json:"to_name"`
			Issues   []struct {
				Code    handover.Code `json:"code"`
				Message string        `json:"message"`
			} `json:"issues"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("preview JSON: %v\n%s", err, out)
	}
	seen := 0
	for _, r := range doc.Rows {
		for _, side := range []struct {
			id   *int64
			name string
		}{{r.From, r.FromName}, {r.To, r.ToName}} {
			if side.id == nil || !slices.Contains(ids, *side.id) {
				continue
			}
			seen++
			if side.name != "" {
				t.Errorf("row %d: user %d of another tenant is shown as %q", r.Row, *side.id, side.name)
			}
			want := fmt.Sprintf("%d is not a user in your tenant", *side.id)
			if !slices.ContainsFunc(r.Issues, func(is struct {
				Code    handover.Code `json:"code"`
				Message string        `json:"message"`
			}) bool {
				return is.Code == handover.UnknownUser && strings.Contains(is.Message, want)
			}) {
				t.Errorf("row %d: user %d of another tenant is not unknown_user: %+v", r.Row, *side.id, r.Issues)
			}
		}
	}
	if seen != len(ids) {
		t.Errorf("found %d of the %d other tenant's users in the preview:\n%s", seen, len(ids), out)
	}
}

// hostileNewestJob returns the newest job's number from `jobs --format json`.
func hostileNewestJob(t *testing.T, out string) string {
	t.Helper()
	var jobs []struct {
		Job int64 `json:"job"`
	}
	if err := json.Unmarshal([]byte(out), &jobs); err != nil || len(jobs) == 0 {
		t.Fatalf("jobs JSON: %v\n%s", err, out)
	}
	return strconv.FormatInt(jobs[0].Job, 10)
}
