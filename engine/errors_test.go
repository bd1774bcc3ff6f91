package engine

import (
	"context"
	"strings"
	"testing"

	"handover"
)

// TestSchemaVersionSaysWhyItFailed: a database that cannot be read is an
// error, not "version 0" (which the CLI turns into "run init").
func TestSchemaVersionSaysWhyItFailed(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		if v, err := db.SchemaVersion(context.Background()); err != nil || v == 0 {
			t.Fatalf("fresh schema: version %d, %v", v, err)
		}
		empty := MustOpenEmptyDB(t, backend)
		if v, err := empty.SchemaVersion(context.Background()); err != nil || v != 0 {
			t.Errorf("no schema: version %d, %v; want 0, nil", v, err)
		}
		db.Close()
		if v, err := db.SchemaVersion(context.Background()); err == nil {
			t.Errorf("closed database: version %d and no error; want the reason", v)
		}
	})
}

// TestDamagedLedgerIsAnError: options or upload cells the tool cannot read
// back are reported, not silently read as defaults.
func TestDamagedLedgerIsAnError(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		db := MustOpenDB(t, backend)
		fixture(t, db)
		ctx := context.Background()
		job, _ := mustRun(t, db, planFor(t, db, statePairs[:1]...), handover.RunOptions{})
		mustExec(t, db, `UPDATE handover_jobs SET options = ? WHERE id = ?`, `{"deactivate_source": "yes"`, job.ID)
		if _, err := db.Job(ctx, 1, job.ID); err == nil || !strings.Contains(err.Error(), "options") {
			t.Errorf("job with damaged options: %v; want an error naming them", err)
		}
		mustExec(t, db, `UPDATE handover_jobs SET options = '{}', upload = 'nope' WHERE id = ?`, job.ID)
		if _, err := db.JobUpload(ctx, job.ID); err == nil {
			t.Errorf("job with a damaged upload shape: no error")
		}
		mustExec(t, db, `UPDATE handover_pairs SET record = '[1' WHERE job_id = ?`, job.ID)
		if _, err := db.JobPairs(ctx, job.ID); err == nil {
			t.Errorf("pair with damaged upload cells: no error")
		}
	})
}
