package main

import (
	"os"
	"path/filepath"
	"testing"

	"handover"
)

// TestDefaultAuditNamePerDatabase runs a file with a failing row on two
// databases from one folder: both are job 1, and each default audit file
// survives the other.
func TestDefaultAuditNamePerDatabase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		one, two := jobSeed(t, backend, 60), jobSeed(t, backend, 60)
		two.dir = one.dir
		var audits []string
		for _, d := range []*jobTenant{one, two} {
			d.writeFile("pairs.csv", "From User ID,To User ID\n2,99999999\n")
			res := jobResult(t, d.want(handover.ExitPartial, "run", "pairs.csv", "--skip-invalid", "--yes", "--format", "json"))
			if res.Job != 1 || res.Audit == "" {
				t.Fatalf("run: %+v, want job 1 with an audit file", res)
			}
			audits = append(audits, res.Audit)
		}
		if audits[0] == audits[1] {
			t.Fatalf("both databases' job 1 wrote the audit file %s", audits[0])
		}
		for _, p := range audits {
			if _, err := os.Stat(filepath.Join(one.dir, p)); err != nil {
				t.Errorf("audit file %s: %v", p, err)
			}
		}
	})
}
