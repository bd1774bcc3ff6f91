package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// authorityCase is one command run by one operator, with what must come
// of it.
type authorityCase struct {
	args []string
	exit int
	// hidden are names that must appear in no output; shown must appear.
	hidden, shown []string
	changes       bool // the command may change the database (allowed undo)
}

// TestAuthority holds the README's "who may do what" as a table: every
// command that reads or changes data × operator (tenant admin, admin with
// a partial view, supervisor, agent, inactive admin, the other tenant's
// admin) × a job inside the admin's view and one partly outside it. Each
// case checks the exit code, the names in the output and, unless the case
// is an allowed change, that the database is unchanged.
func TestAuthority(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, 120, 5)
		ad := f.viewAdmin(t)
		in1, in2, in3, out := ad.InView[0], ad.InView[1], ad.InView[2], ad.OutOfView[0]
		db := f.open(t)
		for _, u := range []int64{in1, in3, out} { // names no other user has
			if _, err := db.Exec(db.Rebind(`UPDATE users SET name = ? WHERE id = ?`), fmt.Sprintf("Quill Marker %d", u), u); err != nil {
				t.Fatal(err)
			}
		}
		outName := f.name(t, out)
		var agent int64
		for _, a := range f.info.ActiveAgents {
			if a != in1 && a != in2 && a != in3 && a != out {
				agent = a
				break
			}
		}
		inside := f.runJob(t, "inside.csv", pairs(in1, in2))
		partly := f.runJob(t, "partly.csv", pairs(in3, out))
		var otherAdmin int64
		if err := db.Get(&otherAdmin, db.Rebind(`SELECT id FROM users WHERE tenant_id = ? AND role = 'tenant_admin'`), f.info.OtherTenant); err != nil {
			t.Fatal(err)
		}
		file := writeFile(t, f.path("check.csv"), pairs(in3, out))
		refusedAll := func(code int) []authorityCase {
			var cs []authorityCase
			for _, args := range [][]string{
				{"export", "-o", f.path("x.csv")}, {"preview", file}, {"run", file, "--yes"}, {"jobs"},
				{"show", itoa(partly)}, {"verify", itoa(partly)}, {"resume", itoa(partly)},
				{"undo", itoa(partly), "--yes"}, {"prune", "--older-than", "1", "--dry-run"},
			} {
				cs = append(cs, authorityCase{args: args, exit: code, hidden: []string{outName, f.name(t, in1)}})
			}
			return cs
		}
		table := []struct {
			who   string
			as    int64
			cases []authorityCase
		}{
			{"tenant_admin", f.info.TenantAdmin, []authorityCase{
				{args: []string{"jobs"}, exit: 0},
				{args: []string{"show", itoa(partly)}, exit: 0, shown: []string{outName}},
				{args: []string{"verify", itoa(partly)}, exit: 0},
				{args: []string{"resume", itoa(partly)}, exit: 2}, // not interrupted
				{args: []string{"prune", "--older-than", "1", "--dry-run"}, exit: 0},
			}},
			{"view_admin", ad.ID, []authorityCase{
				{args: []string{"export", "-o", f.path("view.csv")}, exit: 0, hidden: []string{outName}},
				{args: []string{"preview", file}, exit: 2, hidden: []string{outName}},
				{args: []string{"run", file, "--yes"}, exit: 2, hidden: []string{outName}},
				{args: []string{"jobs"}, exit: 0, hidden: []string{outName}},
				{args: []string{"show", itoa(partly)}, exit: 0, hidden: []string{outName}, shown: []string{"(" + itoa(out) + ")"}},
				{args: []string{"show", itoa(partly), "--format", "json"}, exit: 0, hidden: []string{outName}},
				{args: []string{"verify", itoa(partly)}, exit: 0, hidden: []string{outName}},
				{args: []string{"resume", itoa(partly)}, exit: 2, hidden: []string{outName}, shown: []string{"outside your view"}},
				{args: []string{"undo", itoa(partly), "--yes"}, exit: 2, hidden: []string{outName}, shown: []string{"outside your view"}},
				{args: []string{"prune", "--older-than", "1", "--dry-run"}, exit: 3},
				{args: []string{"undo", itoa(inside), "--yes"}, exit: 0, changes: true},
			}},
			{"supervisor", f.info.Supervisors[0], refusedAll(3)},
			{"agent", agent, refusedAll(3)},
			{"inactive_admin", f.info.InactiveAdmin, refusedAll(3)},
			{"other_tenant_admin", otherAdmin, []authorityCase{
				{args: []string{"jobs", "--format", "json"}, exit: 0, hidden: []string{outName}, shown: []string{"[]"}},
				{args: []string{"show", itoa(partly)}, exit: 2, hidden: []string{outName}},
				{args: []string{"verify", itoa(partly)}, exit: 2},
				{args: []string{"resume", itoa(partly)}, exit: 2},
				{args: []string{"undo", itoa(partly), "--yes"}, exit: 2, hidden: []string{outName}},
				{args: []string{"preview", file}, exit: 2, hidden: []string{outName, f.name(t, in3)}},
				{args: []string{"export", "-o", f.path("other.csv")}, exit: 0, hidden: []string{outName, f.name(t, in1)}},
			}},
		}
		for _, op := range table {
			for _, c := range op.cases {
				t.Run(op.who+"/"+strings.Join(c.args[:1], ""), func(t *testing.T) {
					before := f.dump(t)
					r := f.cli(t, nil, append(c.args, "--as", itoa(op.as))...)
					if r.code != c.exit {
						t.Errorf("handover %s as %s: want exit %d, got\n%s", strings.Join(c.args, " "), op.who, c.exit, r)
					}
					all := r.stdout + r.stderr + readIfOutput(t, c.args)
					for _, n := range c.hidden {
						if strings.Contains(all, n) {
							t.Errorf("handover %s as %s shows %q, a name outside the operator's view:\n%s", strings.Join(c.args, " "), op.who, n, all)
						}
					}
					for _, s := range c.shown {
						if !strings.Contains(all, s) {
							t.Errorf("handover %s as %s does not say %q:\n%s", strings.Join(c.args, " "), op.who, s, all)
						}
					}
					if d := cmp.Diff(before, f.dump(t)); d != "" && !c.changes {
						t.Errorf("handover %s as %s changed the database:\n%s", strings.Join(c.args, " "), op.who, d)
					}
				})
			}
		}
	})
}

// runJob runs a file as the tenant admin and returns its job.
func (f *fixture) runJob(t *testing.T, name, body string) int64 {
	t.Helper()
	r := f.mustCLI(t, 0, "run", writeFile(t, f.path(name), body), "--yes", "--format", "json")
	var res handover.Result
	mustDecode(t, r.stdout, &res)
	return res.Job
}

// readIfOutput returns the file an export wrote (-o), if any.
func readIfOutput(t *testing.T, args []string) string {
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			if b, err := os.ReadFile(args[i+1]); err == nil {
				return string(b)
			}
		}
	}
	return ""
}
