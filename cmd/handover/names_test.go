package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"handover"
	"handover/csvio"
	"handover/validate"
)

// namesOperator is the tenant admin of namesDirectory.
const namesOperator int64 = 1

// namesDirectory fills a fresh database with one tenant whose users have the
// given names (IDs 101, 102, ... in order), and returns its DSN.
func namesDirectory(t *testing.T, backend string, names ...string) string {
	t.Helper()
	dsn := freshDSN(t, backend)
	_, exec := initDirectory(t, dsn)
	exec(`INSERT INTO tenants (id, name) VALUES (1, 'Names tenant')`)
	exec(`INSERT INTO teams (id, tenant_id, name) VALUES (1, 1, 'Support')`)
	exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, 1, NULL, 'Names Admin', 'admin@example.com', 'tenant_admin', ?)`, namesOperator, true)
	for i, n := range names {
		exec(`INSERT INTO users (id, tenant_id, team_id, name, email, role, active) VALUES (?, 1, 1, ?, ?, 'agent', ?)`,
			101+i, n, "user"+strconv.Itoa(i)+"@example.com", true)
	}
	return dsn
}

// namesExport runs `handover export` and returns the file's bytes.
func namesExport(t *testing.T, dsn string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.csv")
	hostileMust(t, 0, nil, "export", "-o", path, "--db", dsn, "--as", itoa(namesOperator))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// namesFill types successors into the To User ID column of an export, by
// the From User ID of the row, and writes the file.
func namesFill(t *testing.T, export []byte, to map[string]string) string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(export)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		r[1] = to[r[0]]
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "transfers.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// namesPreview is what these tests read of `preview --format json`.
type namesPreview struct {
	Rows []struct {
		Row      int             `json:"row"`
		FromName string          `json:"from_name"`
		ToName   string          `json:"to_name"`
		Status   handover.Status `json:"status"`
		Issues   []handover.Issue
	} `json:"rows"`
}

// TestControlCharacterNames: the application allows ESC and BEL in names.
// The export shows them as control pictures, so that it is text a
// spreadsheet keeps and the reader accepts; the pair then validates without
// name_mismatch, and no escape sequence from a name reaches the terminal.
func TestControlCharacterNames(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		leaver, successor := "Eve \x1b[31mRed\x1b[0m", "Bo\a\x1b]0;pwned\a Bell"
		dsn := namesDirectory(t, backend, leaver, successor, "Plain Name")
		export := namesExport(t, dsn)
		if bytes.ContainsAny(export, "\x1b\a") {
			t.Fatalf("the export holds raw control characters:\n%q", export)
		}
		if !bytes.Contains(export, []byte("Eve ␛[31mRed␛[0m")) {
			t.Errorf("the export does not show ESC as ␛:\n%s", export)
		}
		path := namesFill(t, export, map[string]string{"101": "102"})
		as := itoa(namesOperator)

		r := hostileMust(t, 0, nil, "preview", path, "--format", "json", "--db", dsn, "--as", as)
		var doc namesPreview
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("preview JSON: %v\n%s", err, r.stdout)
		}
		if len(doc.Rows) != 1 || doc.Rows[0].Status != handover.StatusOK || doc.Rows[0].FromName != leaver || doc.Rows[0].ToName != successor {
			t.Errorf("preview rows: %+v", doc.Rows)
		}

		text := hostileMust(t, 0, nil, "preview", path, "--db", dsn, "--as", as)
		if strings.ContainsAny(text.stdout+text.stderr, "\x1b\a") {
			t.Errorf("a control character from a name reached the terminal:\n%q", text.stdout)
		}
		if !strings.Contains(text.stdout, `Eve \x1b[31mRed\x1b[0m (101) → Bo\a\x1b]0;pwned\a Bell (102)`) {
			t.Errorf("the text preview does not show the names escaped:\n%s", text.stdout)
		}

		// The same through the reader and the validator, with the engine
		// as the directory.
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		up, err := csvio.Read(f, path, csvio.Options{})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		db := hostileOpen(t, dsn)
		op, err := db.Operator(context.Background(), namesOperator)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := (&validate.Validator{Dir: db}).Validate(context.Background(), op, up)
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if plan.Errors != 0 || plan.Warnings != 0 || up.Rows[0].Name != leaver {
			t.Errorf("validation: %+v; name read %q", plan.Rows, up.Rows[0].Name)
		}
	})
}
