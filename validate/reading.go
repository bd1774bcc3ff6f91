package validate

import "handover"

// readingsOf returns the texts the upload may be: its readings when its
// encoding was open, else the upload as read.
func readingsOf(up *handover.Upload) []handover.Reading {
	if len(up.Readings) > 0 {
		return up.Readings
	}
	return []handover.Reading{{Encoding: up.Format.Encoding, Header: up.Header, Rows: up.Rows}}
}

// pickReading returns the index of the reading whose Name cells match the
// names of their From users best, given each reading's parsed rows: the
// code page under which the admin's names come out as the directory's.
// Ties go to the earlier reading, the reader's own pick.
func pickReading(readings []handover.Reading, parsed [][]handover.PlanRow, v *view) int {
	best, bestScore := 0, -1
	for i, rd := range readings {
		if score := nameMatches(rd, parsed[i], v); score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// nameMatches counts the rows of a reading whose Name cell matches the
// visible From user's name.
func nameMatches(rd handover.Reading, rows []handover.PlanRow, v *view) int {
	n := 0
	for j, r := range rows {
		if r.From == nil {
			continue
		}
		u, st := v.find(*r.From)
		if name := rd.Rows[j].Name; st == visible && !isBlank(name) && sameName(name, u.Name, rd.Replaces) {
			n++
		}
	}
	return n
}
