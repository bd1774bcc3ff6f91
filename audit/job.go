package audit

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"handover"
)

// The closing lines of a job summary. Admins and scripts look for them
// verbatim.
const (
	Success     = "Data transfer successful"
	Failure     = "Errors occurred during data transfer. The user IDs listed below were not transferred."
	NotRun      = "Not run: errors in the file. Fix these rows and run the audit file again:"
	UndoSuccess = "Undo successful: every pair's data is back with its source"
	UndoFailure = "These pairs were not undone; nothing was changed for them:"
)

// RunSummary writes the human summary of a run, resume or undo: the
// counts, then for a run Success or, per kind of failure, its sentence
// followed by one line per pair (row, from → to, error): pairs that failed
// while running (Failure) apart from rows that validation refused and that
// never ran (NotRun). An undo says UndoSuccess or UndoFailure. The audit
// file's path ends it when one was written.
func RunSummary(w io.Writer, job handover.Job, res handover.Result, failed []handover.JobPair) error {
	ew := &errWriter{w: w}
	if job.Kind == handover.KindUndo {
		of := ""
		if job.UndoOf != nil {
			of = " (undo of job " + strconv.FormatInt(*job.UndoOf, 10) + ")"
		}
		ew.printf("Job %d%s: %s, %d restored, %d not undone\n", res.Job, of, plural(res.Pairs, "pair", "pairs"), res.Done, res.Failed)
		writeFailed(ew, UndoSuccess, UndoFailure, failed)
	} else {
		ew.printf("Job %d: %s, %d done, %d failed\n", res.Job, plural(res.Pairs, "pair", "pairs"), res.Done, res.Failed)
		var broke, refused []handover.JobPair
		for _, jp := range failed {
			if jp.Error != nil && jp.Error.Code != handover.TransferFailed {
				refused = append(refused, jp)
			} else {
				broke = append(broke, jp)
			}
		}
		switch {
		case len(broke) == 0 && len(refused) == 0:
			ew.printf("%s\n", Success)
		case len(broke) > 0:
			writeFailed(ew, "", Failure, broke)
		}
		if len(refused) > 0 {
			writeFailed(ew, "", NotRun, refused)
		}
	}
	if res.Audit != "" {
		ew.printf("Audit file: %s\n", Clean(res.Audit))
	}
	return ew.err
}

// writeFailed writes success when no pair failed, or failure and a line
// per failed pair.
func writeFailed(ew *errWriter, success, failure string, failed []handover.JobPair) {
	if len(failed) == 0 {
		ew.printf("%s\n", success)
		return
	}
	ew.printf("%s\n", failure)
	for _, jp := range failed {
		ew.printf("  %s\n", Clean(failedLine(jp)))
	}
}

// failedLine renders "Row 5  John Smith (19) → Jenny Andrews (11)  code: message".
func failedLine(jp handover.JobPair) string {
	s := pairArrow(jp)
	if jp.Row > 0 {
		s = "Row " + strconv.Itoa(jp.Row) + "  " + s
	}
	if jp.Error != nil {
		s += "  " + jp.Error.String()
	}
	return s
}

// pairArrow renders a ledger pair like the preview does. The ledger records
// an ID cell that was not a valid ID as 0: it shows as "?", not "(0)".
func pairArrow(jp handover.JobPair) string {
	return handover.Label(jp.FromName, knownID(jp.From)) + " → " + handover.Label(jp.ToName, knownID(jp.To))
}

func knownID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// ResultJSON writes the result of a run, resume or undo as
// {"job": 7, "pairs": 3, "done": 2, "failed": 1, "audit": "path"}.
func ResultJSON(w io.Writer, res handover.Result) error {
	return writeJSON(w, res)
}

// toJSONJob truncates the start time to the second, so that it marshals as
// plain RFC 3339 ("2025-03-14T22:05:09Z") which every consumer parses.
func toJSONJob(j handover.Job) handover.Job {
	j.Started = j.Started.Truncate(time.Second)
	return j
}

// JobJSON writes one job as one element of JobsJSON's array, with its
// live done and failed counts.
func JobJSON(w io.Writer, job handover.Job) error {
	return writeJSON(w, toJSONJob(job))
}

// JobsJSON writes the jobs as a JSON array in the order given (the ledger
// lists newest first), each as the README specifies.
func JobsJSON(w io.Writer, jobs []handover.Job) error {
	out := make([]handover.Job, len(jobs))
	for i, j := range jobs {
		out[i] = toJSONJob(j)
	}
	return writeJSON(w, out)
}

// JobsText writes the jobs as a table, in the order given.
func JobsText(w io.Writer, jobs []handover.Job) error {
	if len(jobs) == 0 {
		_, err := io.WriteString(w, "No jobs yet.\n")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ew := &errWriter{w: tw}
	ew.printf("JOB\tKIND\tSTATUS\tOPERATOR\tSTARTED\tPAIRS\tDONE\tFAILED\n")
	for _, j := range jobs {
		ew.printf("%d\t%s\t%s\t%d\t%s\t%d\t%d\t%d\n", j.ID, j.Kind, j.Status, j.Operator,
			j.Started.Format(time.RFC3339), j.Pairs, j.Done, j.Failed)
	}
	if ew.err != nil {
		return ew.err
	}
	return tw.Flush()
}

// ShowJSON writes one job and its pairs as {"job": {...}, "pairs": [...]},
// each pair in the preview's shapes: an ID cell that was not a valid ID
// (the ledger's 0) is null, and the pair's issue is in an "issues" array
// of {"code", "message"}, empty when there is none.
func ShowJSON(w io.Writer, job handover.Job, pairs []handover.JobPair) error {
	out := make([]showPair, len(pairs))
	for i, jp := range pairs {
		out[i] = toShowPair(jp)
	}
	return writeJSON(w, struct {
		Job   handover.Job `json:"job"`
		Pairs []showPair   `json:"pairs"`
	}{toJSONJob(job), out})
}

// showPair is one pair of `show --format json`.
type showPair struct {
	Row      int                 `json:"row"`
	From     *int64              `json:"from"`
	FromName string              `json:"from_name"`
	To       *int64              `json:"to"`
	ToName   string              `json:"to_name"`
	Status   handover.PairStatus `json:"status"`
	Issues   []handover.Issue    `json:"issues"`
	Types    handover.TypeSet    `json:"types,omitempty"` // the data types the pair hands over, when only some
	Moves    []handover.Move     `json:"moves"`
	At       *time.Time          `json:"at"` // null until the pair ended
}

func toShowPair(jp handover.JobPair) showPair {
	p := showPair{Row: jp.Row, From: knownID(jp.From), FromName: jp.FromName, To: knownID(jp.To), ToName: jp.ToName,
		Status: jp.Status, Issues: []handover.Issue{}, Types: jp.Types, Moves: jp.Moves}
	if jp.Error != nil {
		p.Issues = append(p.Issues, *jp.Error)
	}
	if p.Moves == nil {
		p.Moves = []handover.Move{}
	}
	if jp.At != nil {
		at := jp.At.Truncate(time.Second)
		p.At = &at
	}
	return p
}

// ShowText writes one job and, per pair, its status, the data types it
// hands over when only some, its error and the rows of each data type it
// moved and overwrote.
func ShowText(w io.Writer, job handover.Job, pairs []handover.JobPair) error {
	ew := &errWriter{w: w}
	kind := string(job.Kind)
	if job.UndoOf != nil {
		kind = "undo of job " + strconv.FormatInt(*job.UndoOf, 10)
	}
	ew.printf("Job %d  %s  %s  operator %d  started %s\n", job.ID, kind, job.Status,
		job.Operator, job.Started.Format(time.RFC3339))
	if job.Finished != nil {
		ew.printf("Finished %s\n", job.Finished.Format(time.RFC3339))
	}
	if job.File != "" {
		ew.printf("File %s\n", Clean(job.File))
	}
	ew.printf("%s: %d done, %d failed\n", plural(job.Pairs, "pair", "pairs"), job.Done, job.Failed)
	if job.Notified != nil {
		ew.printf("%s\n", Clean(NotifiedText(*job.Notified)))
	}
	for _, jp := range pairs {
		ew.printf("\n")
		writeJobPair(ew, jp)
	}
	return ew.err
}

// NotifiedText says how a job's end notification went, in one line.
func NotifiedText(d handover.Delivery) string {
	at := d.At.UTC().Format(time.RFC3339)
	switch d.Status {
	case handover.DeliveryDelivered:
		return fmt.Sprintf("Notification delivered %s (%s)", at, plural(d.Attempts, "attempt", "attempts"))
	case handover.DeliveryFailed:
		return fmt.Sprintf("Notification not delivered after %s, the last at %s: %s", plural(d.Attempts, "attempt", "attempts"), at, d.Error)
	}
	return fmt.Sprintf("Notification pending: %s so far, the last at %s", plural(d.Attempts, "attempt", "attempts"), at)
}

func writeJobPair(ew *errWriter, jp handover.JobPair) {
	head := pairArrow(jp) + "  " + string(jp.Status)
	if jp.Row > 0 {
		head = "Row " + strconv.Itoa(jp.Row) + "  " + head
	}
	ew.printf("%s\n", Clean(head))
	writeTypes(ew, jp.Types)
	if jp.Error != nil {
		ew.printf("  error   %s\n", Clean(jp.Error.String()))
	}
	switch jp.Status {
	case handover.PairDone, handover.PairUndone:
		writeMoves(ew, jp.Moves, "moved", "target")
	}
}
