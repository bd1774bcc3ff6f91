package audit

import (
	"io"
	"strconv"
	"strings"

	"handover"
)

// VerifyJSON writes a verification as one JSON object.
func VerifyJSON(w io.Writer, v handover.Verification) error { return writeJSON(w, v) }

// VerifyText writes a verification for people: the differences found, one
// a line, then one sentence that says what was checked, with undo
// understood (a run's undone pairs are checked by the undo's verify).
func VerifyText(w io.Writer, v handover.Verification) error {
	ew := &errWriter{w: w}
	for _, d := range v.Drift {
		ew.printf("%s\n", Clean(d))
	}
	ew.printf("%s\n", verifySentence(v))
	return ew.err
}

func verifySentence(v handover.Verification) string {
	job := "job " + strconv.FormatInt(v.Job, 10)
	if v.Kind == handover.KindUndo {
		of := ""
		if v.UndoOf != nil {
			of = " (an undo of job " + strconv.FormatInt(*v.UndoOf, 10) + ")"
		}
		if len(v.Drift) > 0 {
			return job + of + ": " + plural(len(v.Drift), "difference", "differences") + " between the ledger and the data"
		}
		return job + of + " verified: the sources of its " + plural(v.Checked, "restored pair own", "restored pairs own") + " their rows again"
	}
	var undone string
	if len(v.UndoneBy) > 0 {
		ids := make([]string, len(v.UndoneBy))
		for i, id := range v.UndoneBy {
			ids[i] = strconv.FormatInt(id, 10)
		}
		undone = "; pairs of it were undone by job " + strings.Join(ids, ", job ") +
			" (check those with `handover verify " + ids[len(ids)-1] + "`)"
	}
	switch {
	case len(v.Drift) > 0:
		return job + ": " + plural(len(v.Drift), "difference", "differences") + " between the ledger and the data" + undone
	case v.Checked == 0 && undone != "":
		return job + " was undone" + strings.TrimPrefix(undone, "; pairs of it were undone")
	}
	return job + " verified: every source owns none of the transferred types and every target holds what the ledger says" + undone
}
