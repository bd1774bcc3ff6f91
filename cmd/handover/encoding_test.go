package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
)

// TestEncodingFlag: --encoding forces how preview and run read the file; a
// name outside every encoding is a usage error.
func TestEncodingFlag(t *testing.T) {
	dsn := namesDirectory(t, "sqlite", "Łukasz Wróbel", "Ondřej Čapek", "Zoë Ørsted")
	as := itoa(namesOperator)
	central, err := charmap.Windows1250.NewEncoder().String("From User ID,To User ID,Name\n101,102,Łukasz Wróbel\n")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "central.csv")
	if err := os.WriteFile(path, []byte(central), 0o600); err != nil {
		t.Fatal(err)
	}
	codes := func(r hostileResult) []string {
		var doc namesPreview
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("preview JSON: %v\n%s", err, r)
		}
		out := []string{}
		for _, row := range doc.Rows {
			for _, is := range row.Issues {
				out = append(out, string(is.Code))
			}
		}
		return out
	}
	// Detected: the names tell Windows-1250.
	if got := codes(hostileMust(t, 0, nil, "preview", path, "--format", "json", "--db", dsn, "--as", as)); len(got) != 0 {
		t.Errorf("detected: issues %v", got)
	}
	if got := codes(hostileMust(t, 0, nil, "preview", path, "--encoding", "windows-1250", "--format", "json", "--db", dsn, "--as", as)); len(got) != 0 {
		t.Errorf("--encoding windows-1250: issues %v", got)
	}
	// Forced wrong: the name comes out as £ukasz.
	if got := codes(hostileMust(t, 2, nil, "preview", path, "--encoding", "cp1252", "--format", "json", "--db", dsn, "--as", as)); !cmp.Equal(got, []string{"name_mismatch"}) {
		t.Errorf("--encoding cp1252: issues %v, want name_mismatch", got)
	}
	r := hostileMust(t, 2, nil, "preview", path, "--encoding", "utf-8", "--db", dsn, "--as", as)
	if !strings.Contains(r.stdout+r.stderr, "not valid UTF-8, which --encoding asked for") {
		t.Errorf("--encoding utf-8 on a Windows-1250 file:\n%s", r)
	}
	r = hostileMust(t, 2, nil, "preview", path, "--encoding", "ebcdic", "--db", dsn, "--as", as)
	if !strings.Contains(r.stderr, `--encoding "ebcdic"`) || !strings.Contains(r.stderr, "windows-1250") {
		t.Errorf("an unknown --encoding must name the valid ones:\n%s", r)
	}
	hostileMust(t, 0, nil, "run", path, "--encoding", "windows-1250", "--yes", "--db", dsn, "--as", as)
}
