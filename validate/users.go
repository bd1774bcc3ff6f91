package validate

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"handover"
)

// checkUsers checks a row's users against the directory: unknown_user,
// out_of_view, tenant_admin, name_mismatch and inactive_target (or
// both_inactive when deactivate: sources are deactivated). It fills in the
// names of the users the operator may see. nameCell is the row's Name
// cell, "" when the upload has none; replaced reports the characters that
// the file's code page writes as "?" (see sameName).
func checkUsers(r *handover.PlanRow, v *view, nameCell string, replaced func(rune) bool, deactivate bool) {
	from, fromOK := findUser(r, v, fromColumn, r.From)
	to, toOK := findUser(r, v, toColumn, r.To)
	if fromOK {
		r.FromName = from.Name
		checkTenantAdmin(r, fromColumn, from, "remove this row")
		checkName(r, from, nameCell, replaced)
	}
	if toOK {
		r.ToName = to.Name
		checkTenantAdmin(r, toColumn, to, "pick another successor")
		switch {
		case !to.Active && deactivate:
			add(r, handover.BothInactive,
				"%s %d (%s) is inactive, and --deactivate-source would also deactivate the source, %s: both would end inactive, with the data on a user who cannot sign in. Is the pair reversed? Check the arrow; pick an active successor, reactivate this one, or run without --deactivate-source",
				toColumn, to.ID, to.Name, handover.Label(r.FromName, r.From))
		case !to.Active:
			add(r, handover.InactiveTarget,
				"%s %d (%s) is inactive: the data will go to a user who cannot sign in; reactivate them or pick an active successor",
				toColumn, to.ID, to.Name)
		}
	}
}

// findUser looks up the ID of a row's cell, adding unknown_user or
// out_of_view; ok is true when the operator may see the user.
func findUser(r *handover.PlanRow, v *view, column string, id *int64) (u handover.User, ok bool) {
	if id == nil {
		return handover.User{}, false
	}
	u, st := v.find(*id)
	switch st {
	case unknown:
		add(r, handover.UnknownUser,
			"%s %d is not a user in your tenant: check the ID against the exported people file",
			column, *id)
	case hidden:
		add(r, handover.OutOfView,
			"%s %d is not in a team you can see: ask a tenant admin, or an admin whose view includes the user, to hand this pair over",
			column, *id)
	}
	return u, st == visible
}

// checkTenantAdmin refuses a tenant admin as source or target.
func checkTenantAdmin(r *handover.PlanRow, column string, u handover.User, fix string) {
	if u.Role != handover.RoleTenantAdmin {
		return
	}
	add(r, handover.TenantAdmin,
		"%s %d is %s, a tenant admin: tenant admins' data cannot be handed over; %s",
		column, u.ID, u.Name, fix)
}

// checkName compares the row's Name cell with the source's name: a mismatch
// means the sheet was probably re-sorted one column at a time, so the To User
// ID typed on this row was meant for someone else.
func checkName(r *handover.PlanRow, from handover.User, nameCell string, replaced func(rune) bool) {
	if isBlank(nameCell) || sameName(nameCell, from.Name, replaced) {
		return
	}
	add(r, handover.NameMismatch,
		"Name %s does not match %s %d (%s): the sheet may have been sorted one column at a time; re-export and re-enter the To User IDs",
		quote(strings.TrimSpace(nameCell)), fromColumn, from.ID, from.Name)
}

// sameName reports whether a Name cell names the directory's user: the two
// are equal ignoring case, surrounding spaces, runs of inner spaces and the
// Unicode form; a control character equals its control picture (the export
// writes ESC as ␛); and a "?" in the cell stands for any character for which
// replaced is true: one that the code page the file was saved in cannot
// hold, so the spreadsheet wrote "?" instead (Łukasz saved in Windows-1252 is
// ?ukasz). A nil replaced makes "?" only a question mark.
func sameName(cell, name string, replaced func(rune) bool) bool {
	a, b := []rune(foldName(cell)), []rune(foldName(name))
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameLetter(a[i], b[i]) && (a[i] != '?' || replaced == nil || !replaced(b[i])) {
			return false
		}
	}
	return true
}

// sameLetter reports whether a and b are equal under simple case folding,
// as strings.EqualFold compares each rune.
func sameLetter(a, b rune) bool {
	for r := a; ; {
		if r == b {
			return true
		}
		if r = unicode.SimpleFold(r); r == a {
			return false
		}
	}
}

// foldName shows control characters as the export writes them, collapses
// white space and puts accents in one Unicode form, so "Zoë" typed on a Mac
// (decomposed) matches "Zoë" in the directory.
func foldName(s string) string {
	return norm.NFC.String(strings.Join(strings.Fields(handover.VisibleControls(s)), " "))
}

// checkSelf refuses a row whose source is its target.
func checkSelf(r *handover.PlanRow) {
	if p, ok := r.Pair(); ok && p.From == p.To {
		add(r, handover.SelfTransfer,
			"%s and %s are both %d: a user cannot hand data over to themselves; type the successor's ID in %s",
			fromColumn, toColumn, p.From, toColumn)
	}
}
