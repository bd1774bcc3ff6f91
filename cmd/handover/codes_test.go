package main

// Every validation code, fired from a file through the CLI.

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// codeCase is a file made to trigger one validation code.
type codeCase struct {
	name string
	code string
	exit int                                     // of preview: 2 for errors, 0 for warnings only
	as   func(f *fixture) int64                  // the operator; the tenant admin when nil
	file func(f *fixture) string                 // the CSV
	args []string                                // more flags
	prep func(t *testing.T, f *fixture)          // runs before the file is previewed
	hide func(t *testing.T, f *fixture) []string // text that must appear in no output
}

// pairs renders a minimal upload of ID pairs.
func pairs(cells ...any) string {
	var b strings.Builder
	b.WriteString("From User ID,To User ID\n")
	for i := 0; i+1 < len(cells); i += 2 {
		fmt.Fprintf(&b, "%v,%v\n", cells[i], cells[i+1])
	}
	return b.String()
}

func codeCases() []codeCase {
	a := func(f *fixture, i int) int64 { return f.info.ActiveAgents[i] }
	admin := func(f *fixture) int64 { return f.viewAdmin(nil).ID }
	return []codeCase{
		{name: "bad_header", code: "bad_header", exit: 2,
			file: func(f *fixture) string { return "Employee,Successor\n" + itoa(a(f, 0)) + "," + itoa(a(f, 1)) + "\n" }},
		{name: "limit_exceeded", code: "limit_exceeded", exit: 2, args: []string{"--max-pairs", "3"},
			file: func(f *fixture) string {
				return pairs(a(f, 0), a(f, 1), a(f, 2), a(f, 3), a(f, 4), a(f, 5), a(f, 6), a(f, 7))
			}},
		{name: "unreadable/binary", code: "unreadable", exit: 2,
			file: func(*fixture) string { return "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" }},
		{name: "unreadable/empty", code: "unreadable", exit: 2, file: func(*fixture) string { return "" }},
		{name: "bad_id/letters", code: "bad_id", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), "abc") }},
		{name: "bad_id/scientific", code: "bad_id", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), "1.23457E+17") }},
		{name: "missing_from", code: "missing_from", exit: 2, file: func(f *fixture) string { return pairs("", a(f, 1)) }},
		{name: "unknown_user/nonexistent", code: "unknown_user", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), 99999999) }},
		{name: "unknown_user/other_tenant", code: "unknown_user", exit: 2,
			file: func(f *fixture) string { return pairs(a(f, 0), f.info.OtherTenantUsers[0]) },
			hide: func(t *testing.T, f *fixture) []string {
				other := f.name(t, f.info.OtherTenantUsers[0])
				if strings.Contains(f.name(t, a(f, 0)), other) {
					t.Fatalf("pick another source: %q shares the other tenant's user's name", other)
				}
				return []string{other, "Globex", "globex"}
			}},
		{name: "out_of_view", code: "out_of_view", exit: 2, as: admin,
			file: func(f *fixture) string {
				ad := f.viewAdmin(nil)
				return pairs(ad.InView[0], ad.OutOfView[0])
			},
			hide: func(t *testing.T, f *fixture) []string {
				ad := f.viewAdmin(t)
				hidden := f.name(t, ad.OutOfView[0])
				if strings.Contains(f.name(t, ad.InView[0]), hidden) {
					t.Fatalf("pick another source: %q shares the hidden user's name", hidden)
				}
				return []string{hidden}
			}},
		{name: "self_transfer", code: "self_transfer", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 0)) }},
		{name: "fan_out", code: "fan_out", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 1), a(f, 0), a(f, 2)) }},
		{name: "fan_in", code: "fan_in", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 2), a(f, 1), a(f, 2)) }},
		{name: "chain", code: "chain", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 1), a(f, 1), a(f, 2)) }},
		{name: "tenant_admin/target", code: "tenant_admin", exit: 2, file: func(f *fixture) string { return pairs(a(f, 0), f.info.TenantAdmin) }},
		{name: "tenant_admin/source", code: "tenant_admin", exit: 2, file: func(f *fixture) string { return pairs(f.info.TenantAdmin, a(f, 0)) }},
		{name: "name_mismatch", code: "name_mismatch", exit: 2,
			file: func(f *fixture) string {
				return fmt.Sprintf("From User ID,To User ID,Name\n%d,%d,Somebody Else Entirely\n", a(f, 0), a(f, 1))
			}},
		{name: "duplicate_row", code: "duplicate_row", exit: 0, file: func(f *fixture) string { return pairs(a(f, 0), a(f, 1), a(f, 0), a(f, 1)) }},
		{name: "inactive_target", code: "inactive_target", exit: 0, file: func(f *fixture) string { return pairs(a(f, 0), f.info.InactiveAgents[0]) }},
		{name: "already_transferred", code: "already_transferred", exit: 0,
			prep: func(t *testing.T, f *fixture) {
				f.mustCLI(t, 0, "run", "--from", itoa(a(f, 40)), "--to", itoa(a(f, 41)), "--yes")
			},
			file: func(f *fixture) string { return pairs(a(f, 40), a(f, 41)) }},
	}
}

// TestValidationCodes feeds the command one file per validation code: the
// preview reports the code (exit 2 for errors, 0 for warnings only), and
// running a rejected file exits 2 leaving every table exactly as it was.
func TestValidationCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 120, 5)
		for _, c := range codeCases() {
			t.Run(c.name, func(t *testing.T) { checkCode(t, f, c) })
		}
	})
}

func checkCode(t *testing.T, f *fixture, c codeCase) {
	if c.prep != nil {
		c.prep(t, f)
	}
	op := f.info.TenantAdmin
	if c.as != nil {
		op = c.as(f)
	}
	base := strings.ReplaceAll(c.name, "/", "-")
	file := writeFile(t, f.path(base+".csv"), c.file(f))
	errs := f.path(base + "-errors.csv")
	r := f.mustCLI(t, c.exit, append([]string{"preview", file, "--format", "json", "--errors", errs, "--as", itoa(op)}, c.args...)...)
	doc := decodePreview(t, r.stdout)
	seen := r.stdout + r.stderr
	var found []previewRow
	for _, fe := range doc.FileErrors {
		if fe.Code == c.code {
			found = append(found, previewRow{Status: "error", Issues: []issueDoc{fe}})
		}
	}
	for _, row := range doc.Rows {
		if slices.Contains(row.codes(), c.code) {
			found = append(found, row)
		}
	}
	if len(found) == 0 {
		t.Fatalf("no %s in the preview:\n%s", c.code, r.stdout)
	}
	wantStatus := "error"
	if c.exit == 0 {
		wantStatus = "warning"
		if doc.Errors != 0 || doc.Warnings == 0 {
			t.Errorf("a warnings-only file has %d errors and %d warnings", doc.Errors, doc.Warnings)
		}
	}
	for _, row := range found {
		if row.Status != wantStatus {
			t.Errorf("row %d with %s has status %q, want %q", row.Row, c.code, row.Status, wantStatus)
		}
	}
	if c.code == "bad_id" && strings.Contains(c.name, "scientific") && !strings.Contains(r.stdout, "as Text") {
		t.Errorf("bad_id for scientific notation does not explain the fix (format the column as Text):\n%s", r.stdout)
	}
	if body, err := os.ReadFile(errs); err == nil {
		seen += string(body)
		if c.exit == 2 && len(doc.FileErrors) == 0 && !strings.Contains(string(body), c.code+": ") {
			t.Errorf("--errors file lacks %s:\n%s", c.code, body)
		}
	}
	if c.exit == 2 {
		before := f.dump(t)
		rr := f.cli(t, nil, append([]string{"run", file, "--yes", "--as", itoa(op)}, c.args...)...)
		if rr.code != 2 {
			t.Errorf("run of a rejected file: want exit 2, got:\n%s", rr)
		}
		if d := cmp.Diff(before, f.dump(t)); d != "" {
			t.Errorf("run of a rejected file changed the database (-before +after):\n%s", d)
		}
		seen += rr.stdout + rr.stderr
	}
	if c.hide != nil {
		for _, s := range c.hide(t, f) {
			if strings.Contains(seen, s) {
				t.Errorf("the output shows %q, which belongs to another tenant:\n%s", s, seen)
			}
		}
	}
	if c.code == "already_transferred" {
		// Running a completed file again changes no data.
		before := f.owners(t)
		f.mustCLI(t, 0, "run", file, "--yes")
		if d := cmp.Diff(before, f.owners(t)); d != "" {
			t.Errorf("re-running a completed pair moved data (-before +after):\n%s", d)
		}
	}
}
