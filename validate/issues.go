package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"handover"
)

// issueOrder is the order of issues within a row: errors about the row's own
// cells, then errors about the file's shape, then warnings.
var issueOrder = []handover.Code{
	handover.MissingFrom,
	handover.BadID,
	handover.BadType,
	handover.UnknownUser,
	handover.OutOfView,
	handover.SelfTransfer,
	handover.TenantAdmin,
	handover.NameMismatch,
	handover.BothInactive,
	handover.FanOut,
	handover.FanIn,
	handover.Chain,
	handover.DuplicateRow,
	handover.InactiveTarget,
	handover.AlreadyTransferred,
	handover.LeftBehind,
}

// sortIssues puts issues in issueOrder, keeping the order of issues with the
// same code (From before To).
func sortIssues(issues []handover.Issue) {
	slices.SortStableFunc(issues, func(a, b handover.Issue) int {
		return rank(a.Code) - rank(b.Code)
	})
}

func rank(c handover.Code) int {
	if i := slices.Index(issueOrder, c); i >= 0 {
		return i
	}
	return len(issueOrder)
}

func issue(code handover.Code, format string, args ...any) *handover.Issue {
	return &handover.Issue{Code: code, Message: fmt.Sprintf(format, args...)}
}

// add appends an issue to a plan row.
func add(r *handover.PlanRow, code handover.Code, format string, args ...any) {
	r.Issues = append(r.Issues, *issue(code, format, args...))
}

// maxQuoted is how many characters of a cell a message quotes: a hostile
// 10 MB cell must not become a 10 MB message.
const maxQuoted = 40

// quote returns s in double quotes, Go-escaped so that control characters
// show, and cut short when long.
func quote(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == maxQuoted {
			return strconv.Quote(s[:i] + "…")
		}
		n++
	}
	return strconv.Quote(s)
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// maxListed is how many row numbers a message lists before "and N more".
const maxListed = 5

// rowList renders spreadsheet row numbers: "rows 5, 8 and 12", cut short
// after a few.
func rowList(lines []int) string {
	if len(lines) == 1 {
		return "row " + strconv.Itoa(lines[0])
	}
	shown := lines
	if len(lines) > maxListed {
		shown = lines[:maxListed]
	}
	parts := make([]string, len(shown))
	for i, l := range shown {
		parts[i] = strconv.Itoa(l)
	}
	if len(shown) < len(lines) {
		return "rows " + strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(lines)-len(shown))
	}
	return "rows " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
