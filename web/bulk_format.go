package web

import (
	"strconv"

	"handover"
)

// The helpers the Bulk and Single pages add to the templates' funcs.
func init() {
	funcs["num"] = thousands
	funcs["plural"] = func(n any, one, many string) string {
		if thousands(n) == "1" {
			return "1 " + one
		}
		return thousands(n) + " " + many
	}
	funcs["arrow"] = func(r handover.PlanRow) string { return r.Arrow() }
	funcs["staysText"] = handover.StaysText
}

// thousands renders a count with thousands separators: 12,345.
func thousands(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	}
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
