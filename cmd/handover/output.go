package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"handover"
	"handover/engine"
)

// output is a file a command is about to write, named by flag: what kind
// of file it writes decides which existing files it may replace.
type output struct {
	flag, path string
	kind       outputKind
	force      bool // export --force: an existing file may be replaced
}

// outputKind is what an output file holds.
type outputKind int

const (
	// peopleOutput is export's people CSV: it replaces, with --force only,
	// a CSV handover wrote (a people or an audit file).
	peopleOutput outputKind = iota
	// auditOutput is an errors-only audit CSV: it replaces an audit file.
	auditOutput
	// previewOutput is a text, JSON or HTML preview: it replaces a preview.
	previewOutput
)

// what names the files a kind of output may replace, for messages.
func (k outputKind) what() string {
	switch k {
	case auditOutput:
		return "an errors-only audit CSV"
	case previewOutput:
		return "a preview"
	}
	return "a people or audit CSV"
}

// checkOutputs refuses, before anything runs, outputs that would destroy
// something: the database or one of its files (whatever the spelling: a
// symlink, ./x.db), the file being read (input, "" or "-" for none), another
// output of the same command, or an existing file that is not the kind of
// file the output may replace. A path of "" (not asked for) or "-"
// (stdout) is always fine.
func (e *env) checkOutputs(input string, outs ...output) error {
	for i, o := range outs {
		if o.path == "" || o.path == "-" {
			continue
		}
		if engine.IsDatabaseFile(e.dsn, o.path) {
			return handover.Errorf(handover.ErrUsage, "%s %s is the database %s or one of its files: writing there would destroy it; choose another file name",
				o.flag, o.path, engine.Redact(e.dsn))
		}
		if input != "" && input != "-" && samePath(input, o.path) {
			return handover.Errorf(handover.ErrUsage, "%s %s is the file being read: choose another file name, so that it stays as it is", o.flag, o.path)
		}
		for _, prev := range outs[:i] {
			if prev.path != "" && prev.path != "-" && samePath(prev.path, o.path) {
				return handover.Errorf(handover.ErrUsage, "%s and %s both name %s: give each its own file", prev.flag, o.flag, o.path)
			}
		}
		if err := o.checkExisting(); err != nil {
			return err
		}
	}
	return nil
}

// checkExisting refuses to replace an existing file that o may not
// replace; export asks for --force before it replaces anything.
func (o output) checkExisting() error {
	st, err := os.Stat(o.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return handover.Errorf(handover.ErrUsage, "cannot write %s %s: %v", o.flag, o.path, err)
	}
	if st.IsDir() {
		return handover.Errorf(handover.ErrUsage, "%s %s is a folder: give a file name", o.flag, o.path)
	}
	if o.kind == peopleOutput && !o.force {
		return handover.Errorf(handover.ErrUsage, "%s %s exists (it may hold typed successors): pass --force to replace it, or choose another file name", o.flag, o.path)
	}
	if st.Mode().IsRegular() && (st.Size() == 0 || o.kind.recognises(o.path)) {
		return nil
	}
	return handover.Errorf(handover.ErrUsage, "%s %s exists and is not %s that handover wrote, so it is left as it is: choose another file name, or move the file away first",
		o.flag, o.path, o.kind.what())
}

// recognises reports whether the file at path is one that k may replace:
// handover's own CSV (a header with From User ID and To User ID; an audit
// file also has the Error column) or one of its previews.
func (k outputKind) recognises(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 8<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch k {
	case previewOutput:
		return isPreview(head)
	case auditOutput:
		return csvHeaderHas(head, "from user id", "to user id", "error")
	}
	return csvHeaderHas(head, "from user id", "to user id")
}

// previewStart matches the first bytes of each preview format: the text
// preview's totals line, the JSON object's first key, the page's title.
var previewStart = regexp.MustCompile(`\A(?:\d+ pairs?: \d+ ok, |\s*\{\s*"pairs"\s*:|<!DOCTYPE html>(?s:.*)<title>Handover preview</title>)`)

func isPreview(head []byte) bool { return previewStart.Match(head) }

// csvHeaderHas reports whether the first line of head, a CSV with any of
// the delimiters uploads use and an optional BOM, has every cell of want
// (compared case-insensitively).
func csvHeaderHas(head []byte, want ...string) bool {
	line, _, _ := bytes.Cut(bytes.TrimPrefix(head, []byte("\uFEFF")), []byte("\n"))
	for _, delim := range []rune{',', ';', '\t', '|'} {
		r := csv.NewReader(bytes.NewReader(line))
		r.Comma, r.LazyQuotes = delim, true
		cells, err := r.Read()
		if err != nil {
			continue
		}
		have := map[string]bool{}
		for _, c := range cells {
			have[strings.ToLower(strings.TrimSpace(c))] = true
		}
		all := true
		for _, w := range want {
			all = all && have[w]
		}
		if all {
			return true
		}
	}
	return false
}

// defaultAuditPath names the audit file of job when --audit is not given:
// in dir, named after the database as well as the job, so that the audit
// files of two databases never replace each other. A name taken by a file
// that is not an audit file gets a number.
func (e *env) defaultAuditPath(dir string, job int64) string {
	base := filepath.Join(dir, fmt.Sprintf("handover-%s-job-%d-errors", engine.DatabaseTag(e.dsn), job))
	path := base + ".csv"
	for i := 2; i < 100 && e.checkOutputs("", output{flag: "--audit", path: path, kind: auditOutput}) != nil; i++ {
		path = fmt.Sprintf("%s-%d.csv", base, i)
	}
	return path
}

// samePath reports whether a and b name one file: the same existing file
// (however spelled), or the same absolute path.
func samePath(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
