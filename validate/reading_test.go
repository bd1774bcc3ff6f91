package validate_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"handover"
	"handover/validate"
)

var (
	lukasz = user(60, 1, 10, "Łukasz Wróbel", handover.RoleAgent, true)
	ondrej = user(61, 1, 10, "Ondřej Čapek", handover.RoleAgent, true)
	zoe    = user(62, 1, 10, "Zoë Ørsted", handover.RoleAgent, true)
)

// centralDir is newDir with Central and Western European names.
func centralDir(t *testing.T) *dbDir {
	d := newDir(t)
	d.add(t, lukasz, ondrej, zoe)
	return d
}

// reading builds one reading of an upload from {From, To, Name} cells.
func reading(enc handover.Encoding, repertoire string, cells ...[3]string) handover.Reading {
	up := upload(true, cells...)
	return handover.Reading{Encoding: enc, Header: up.Header, Rows: up.Rows, Repertoire: repertoire}
}

// withReadings is an upload whose encoding is open, the first reading in use.
func withReadings(readings ...handover.Reading) *handover.Upload {
	up := upload(true)
	up.Readings = readings
	up.Use(readings[0])
	return up
}

// Repertoires in the tests hold the non-ASCII characters the names need.
const (
	western = "óëØ"   // Windows-1252 has these, not Ł, ř or Č
	central = "óëŁřČ" // Windows-1250 has these, not Ø
)

// TestValidatePicksCodePage: of the readings of an 8-bit file, validation
// uses the one whose Name cells come out as the directory's names, and
// settles the upload on it.
func TestValidatePicksCodePage(t *testing.T) {
	tests := []struct {
		name     string
		readings []handover.Reading
		want     handover.Encoding
		names    []string
	}{
		{"Central European file", []handover.Reading{
			reading(handover.Windows1252, western, [3]string{"60", "11", "£ukasz Wróbel"}, [3]string{"62", "12", "Zoë ?rsted"}),
			reading(handover.Windows1250, central, [3]string{"60", "11", "Łukasz Wróbel"}, [3]string{"62", "12", "Zoë ?rsted"}),
		}, handover.Windows1250, []string{"Łukasz Wróbel", "Zoë ?rsted"}},
		{"Western file", []handover.Reading{
			reading(handover.Windows1252, western, [3]string{"60", "11", "?ukasz Wróbel"}, [3]string{"62", "12", "Zoë Ørsted"}),
			reading(handover.Windows1250, central, [3]string{"60", "11", "?ukasz Wróbel"}, [3]string{"62", "12", "Zoë Řrsted"}),
		}, handover.Windows1252, []string{"?ukasz Wróbel", "Zoë Ørsted"}},
		{"ASCII file saved in a code page", []handover.Reading{
			reading(handover.UTF8, "", [3]string{"19", "50", "John Smith"}, [3]string{"61", "12", "Ond?ej ?apek"}),
			reading(handover.Windows1250, central, [3]string{"19", "50", "John Smith"}, [3]string{"61", "12", "Ond?ej ?apek"}),
			reading(handover.Windows1252, western, [3]string{"19", "50", "John Smith"}, [3]string{"61", "12", "Ond?ej ?apek"}),
		}, handover.Windows1252, []string{"John Smith", "Ond?ej ?apek"}},
		{"ASCII file: UTF-8 when the names do not tell", []handover.Reading{
			reading(handover.UTF8, "", [3]string{"19", "50", "John Smith"}, [3]string{"13", "12", "Lou Park"}),
			reading(handover.Windows1252, western, [3]string{"19", "50", "John Smith"}, [3]string{"13", "12", "Lou Park"}),
		}, handover.UTF8, []string{"John Smith", "Lou Park"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := centralDir(t)
			up := withReadings(tt.readings...)
			plan, err := (&validate.Validator{Dir: dir}).Validate(context.Background(), tess, up)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([][]handover.Code{{}, {}}, codes(plan)); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if up.Format.Encoding != tt.want || plan.Upload.Format.Encoding != tt.want {
				t.Errorf("settled on %s, want %s", up.Format.Encoding, tt.want)
			}
			var names []string
			for _, r := range up.Rows {
				names = append(names, r.Name)
			}
			if diff := cmp.Diff(tt.names, names); diff != "" {
				t.Errorf("names in use (-want +got):\n%s", diff)
			}
			if dir.calls["Users"] != 1 || dir.calls["VisibleTeams"] != 1 {
				t.Errorf("directory calls %v: one question each, whatever the number of readings", dir.calls)
			}
		})
	}
}

// TestValidateQuestionMarkNeedsACodePage: a "?" stands for a character only
// in a file a code page could have written; in UTF-8 it is a question mark.
func TestValidateQuestionMarkNeedsACodePage(t *testing.T) {
	unicodeFile := upload(true, [3]string{"60", "11", "?ukasz Wróbel"})
	unicodeFile.Format.Encoding = handover.UTF8
	plan, err := (&validate.Validator{Dir: centralDir(t)}).Validate(context.Background(), tess, unicodeFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]handover.Code{{handover.NameMismatch}}, codes(plan)); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	// In a Central European file, ? cannot stand for Ł, which it holds.
	central := withReadings(reading(handover.Windows1250, central, [3]string{"60", "11", "?ukasz Wróbel"}))
	plan, err = (&validate.Validator{Dir: centralDir(t)}).Validate(context.Background(), tess, central)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]handover.Code{{handover.NameMismatch}}, codes(plan)); diff != "" {
		t.Errorf("windows-1250 codes (-want +got):\n%s", diff)
	}
}
