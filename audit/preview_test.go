package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"handover"
)

func TestPreviewText(t *testing.T) {
	p := samplePlan(30)
	for _, tc := range []struct {
		name string
		page int
	}{{"page1", 1}, {"page2", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PreviewText(&buf, p, tc.page, 25); err != nil {
				t.Fatal(err)
			}
			golden(t, "preview_text/"+tc.name+".txt", buf.Bytes())
		})
	}
}

func TestPreviewTextNoErrors(t *testing.T) {
	p := &handover.Plan{Rows: []handover.PlanRow{sampleRow(0), sampleRow(2)}}
	p.Tally()
	var buf bytes.Buffer
	if err := PreviewText(&buf, p, 1, 25); err != nil {
		t.Fatal(err)
	}
	golden(t, "preview_text/clean.txt", buf.Bytes())
}

func TestPreviewTextFileErrors(t *testing.T) {
	p := &handover.Plan{FileErrors: []handover.Issue{{Code: handover.BadHeader,
		Message: "the file has no To User ID column; the header row is: From User ID, Name"}}}
	p.Tally()
	var buf bytes.Buffer
	if err := PreviewText(&buf, p, 1, 25); err != nil {
		t.Fatal(err)
	}
	golden(t, "preview_text/file_errors.txt", buf.Bytes())
}

func TestPreviewTextPageOutOfRange(t *testing.T) {
	p := samplePlan(30)
	for _, tc := range []struct{ page, perPage int }{{0, 25}, {3, 25}, {31, 1}, {1, 0}} {
		err := PreviewText(&bytes.Buffer{}, p, tc.page, tc.perPage)
		var e *handover.Error
		if !errors.As(err, &e) || e.Code != handover.ErrUsage {
			t.Fatalf("page %d per %d: err = %v, want a usage error", tc.page, tc.perPage, err)
		}
		if tc.perPage > 0 && !strings.Contains(e.Message, "pages 1 to") {
			t.Errorf("message %q does not name the valid range", e.Message)
		}
	}
}

func TestPreviewJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := PreviewJSON(&buf, samplePlan(12)); err != nil {
		t.Fatal(err)
	}
	golden(t, "preview_json/plan.json", buf.Bytes())
}

// TestPreviewJSONEmptyLists checks that lists are [] even for a plan that
// was never tallied, and that the plan itself is left alone.
func TestPreviewJSONEmptyLists(t *testing.T) {
	p := &handover.Plan{Pairs: 1, OK: 1, Rows: []handover.PlanRow{{Row: 2, From: id(1), To: id(2), Status: handover.StatusOK}}}
	var buf bytes.Buffer
	if err := PreviewJSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	var got struct {
		FileErrors json.RawMessage `json:"file_errors"`
		Rows       []struct {
			Issues json.RawMessage `json:"issues"`
			Moves  json.RawMessage `json:"moves"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string]json.RawMessage{
		"file_errors": got.FileErrors, "issues": got.Rows[0].Issues, "moves": got.Rows[0].Moves,
	} {
		if string(raw) != "[]" {
			t.Errorf("%s = %s, want []", name, raw)
		}
	}
	if p.FileErrors != nil || p.Rows[0].Issues != nil {
		t.Error("PreviewJSON modified the plan")
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"John Smith":           "John Smith",
		"Zoë Ångström 李":       "Zoë Ångström 李",
		"Ann\nLee":             `Ann\nLee`,
		"\x1b[2Jgone":          `\x1b[2Jgone`,
		"Bob\u202e(11) → (19)": `Bob\u202e(11) → (19)`,
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
