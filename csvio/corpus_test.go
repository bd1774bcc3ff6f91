package csvio

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
)

// corpusWant is a corpus file's .want.json: the pairs (or the error) a reader
// must return. See scripts/make-corpus.sh for how the files were made.
type corpusWant struct {
	Error  handover.Code `json:"error"`
	Format *struct {
		Delimiter string            `json:"delimiter"`
		Encoding  handover.Encoding `json:"encoding"`
		CRLF      bool              `json:"crlf"`
	} `json:"format"`
	Pairs []struct {
		Line  int    `json:"line"`
		From  string `json:"from"`
		To    string `json:"to"`
		Name  string `json:"name"`
		Types string `json:"types"`
	} `json:"pairs"`
	Validation string `json:"validation"` // what validation must say; not checked here
}

const corpusDir = "testdata/corpus"

// corpusFiles returns the corpus files that have a .want.json.
func corpusFiles(t testing.TB) []string {
	wants, err := filepath.Glob(filepath.Join(corpusDir, "*.want.json"))
	if err != nil || len(wants) == 0 {
		t.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	files := make([]string, len(wants))
	for i, w := range wants {
		files[i] = strings.TrimSuffix(w, ".want.json")
	}
	return files
}

// TestCorpus reads every file LibreOffice made from the people export and
// checks it yields exactly the pairs the admin meant, or the expected error.
func TestCorpus(t *testing.T) {
	for _, file := range corpusFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := readWant(t, file+".want.json")
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			up, err := Read(f, filepath.Base(file), Options{})
			if want.Error != "" {
				wantError(t, err, want.Error)
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			checkCorpus(t, want, up)
		})
	}
}

func readWant(t *testing.T, path string) corpusWant {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w corpusWant
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w
}

func checkCorpus(t *testing.T, want corpusWant, up *handover.Upload) {
	t.Helper()
	if f := want.Format; f != nil && f.Encoding != up.Format.Encoding {
		// The bytes allow several code pages; validation picks by the
		// names (TestCorpusValidates), the reader must offer the right one.
		useReading(t, up, f.Encoding)
	}
	if f := want.Format; f != nil {
		wf := handover.Format{Delimiter: []rune(f.Delimiter)[0], Encoding: f.Encoding, CRLF: f.CRLF}
		if diff := cmp.Diff(wf, up.Format); diff != "" {
			t.Errorf("format (-want +got):\n%s", diff)
		}
	}
	wp := []pair{}
	for _, p := range want.Pairs {
		wp = append(wp, pair{p.Line, p.From, p.To, p.Name})
	}
	if diff := cmp.Diff(wp, pairsOf(up)); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	wantTypes, gotTypes := map[int]string{}, map[int]string{}
	for _, p := range want.Pairs {
		wantTypes[p.Line] = p.Types
	}
	for _, r := range up.Rows {
		gotTypes[r.Line] = r.Types
	}
	if diff := cmp.Diff(wantTypes, gotTypes); diff != "" {
		t.Errorf("Data Types cells by row (-want +got):\n%s", diff)
	}
	if up.Header[0] != "From User ID" {
		t.Errorf("first header cell %q, want From User ID without any BOM", up.Header[0])
	}
	if up.FromCol != 0 || up.ToCol != 1 || up.NameCol != 2 {
		t.Errorf("columns %d, %d, %d; want 0, 1, 2", up.FromCol, up.ToCol, up.NameCol)
	}
}

// useReading makes up use its reading in enc, which it must have.
func useReading(t *testing.T, up *handover.Upload, enc handover.Encoding) {
	t.Helper()
	for _, r := range up.Readings {
		if r.Encoding == enc {
			up.Use(r)
			return
		}
	}
	t.Errorf("read as %s, and %s is not among the readings %v", up.Format.Encoding, enc, encodings(up.Readings))
}
