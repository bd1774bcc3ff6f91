package csvio

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"handover"
)

// formulaNames are names a spreadsheet would evaluate if the export did not
// neutralise them.
var formulaNames = []string{
	"=1+2",
	"=HYPERLINK(\"http://example.com\",\"click me\")",
	"+1+2",
	"-1-2",
	"@SUM(1,2)",
	"=cmd|' /C calc'!A0",
	"'=1+2",
	"Plain Name",
}

// libreOffice converts file with soffice, opening it with infilter, and
// returns the path of the result with extension ext.
func libreOffice(t *testing.T, profile, infilter, convertTo, file string) string {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("soffice", "-env:UserInstallation=file://"+profile, "--headless",
		"--infilter="+infilter, "--convert-to", convertTo, "--outdir", out, file)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	ext, _, _ := strings.Cut(convertTo, ":")
	res := filepath.Join(out, strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))+"."+ext)
	if _, err := os.Stat(res); err != nil {
		t.Fatalf("soffice wrote no %s: %v", res, err)
	}
	return res
}

// TestLibreOfficeFormulaSafety opens our export in LibreOffice, with formula
// evaluation off (a double-click) and on, saves it as CSV (cells as shown)
// and as a flat ODS document (cell types, formulas and values), and checks
// that no name became a formula and that re-uploading gives the names back.
// A control file with a raw formula shows the check would catch one.
func TestLibreOfficeFormulaSafety(t *testing.T) {
	if _, err := exec.LookPath("soffice"); err != nil {
		t.Skip("soffice (LibreOffice) not installed; lo-formulas-evaluated.csv in the corpus covers its output")
	}
	if testing.Short() {
		t.Skip("runs LibreOffice; skipped under -short")
	}
	dir, profile := t.TempDir(), t.TempDir()
	users := make([]handover.User, len(formulaNames))
	to := map[int]string{}
	for i, n := range formulaNames {
		users[i] = handover.User{ID: int64(i + 1), Name: n, Email: n, Team: n, Role: handover.RoleAgent, Active: true}
		to[i+2] = "99"
	}
	export := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(export, fillTo(t, exportBytes(t, users), to), 0o600); err != nil {
		t.Fatal(err)
	}
	const textIDs = "CSV:44,34,76,1,1/2/2/2"
	for mode, infilter := range map[string]string{"double-click": textIDs, "evaluate formulas": textIDs + ",1033,false,false,false,false,false,-1,true"} {
		t.Run(mode, func(t *testing.T) {
			fods := readFile(t, libreOffice(t, profile, infilter, "fods", export))
			if bytes.Contains(fods, []byte("table:formula=")) {
				t.Errorf("LibreOffice read a cell of the export as a formula")
			}
			csvOut := libreOffice(t, profile, infilter, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", export)
			up := mustRead(t, readFile(t, csvOut), Options{})
			if len(up.Rows) != len(formulaNames) {
				t.Fatalf("got %d pairs back, want %d", len(up.Rows), len(formulaNames))
			}
			for i, r := range up.Rows {
				if r.Name != formulaNames[i] {
					t.Errorf("row %d: name %q came back as %q", r.Line, formulaNames[i], r.Name)
				}
			}
		})
	}
	t.Run("control: a raw formula is evaluated", func(t *testing.T) {
		raw := filepath.Join(dir, "raw.csv")
		os.WriteFile(raw, []byte("From User ID,To User ID,Name\n1,2,=1+2\n"), 0o600)
		fods := readFile(t, libreOffice(t, profile, textIDs+",1033,false,false,false,false,false,-1,true", "fods", raw))
		if !bytes.Contains(fods, []byte("table:formula=")) {
			t.Errorf("the control formula was not evaluated: the check above proves nothing")
		}
	})
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
