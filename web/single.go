package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// picker is one of the Single tab's user pickers: the text typed, the user
// it names once it names exactly one, or the candidates it matches.
type picker struct {
	Field, Label string // the query parameter, the input's label
	Text         string
	User         *handover.User
	Candidates   []choice
	Problem      string // why the text picks nobody
}

// choice is one candidate of a picker, with the link that picks it.
type choice struct {
	handover.User
	Href string
}

// singlePage is the Single tab: both pickers and, once both are chosen,
// the pair's preview.
type singlePage struct {
	Target, Source picker
	Inactive       bool
	Pair           *pairPreview
}

// pairPreview is the preview of one pair, the fragment the page shows and
// the JSON endpoint returns for the page's script to show.
type pairPreview struct {
	Plan     *handover.Plan
	Row      handover.PlanRow
	From, To int64
	Confirm  confirmPage
}

// handleSingle shows the Single tab. Without JavaScript the pickers are a
// form: the text of each (a name, an email, an ID, or "Name (ID)" as the
// script fills it in) picks the one user it names, or lists candidates.
func (s *Server) handleSingle(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	q := r.URL.Query()
	p := singlePage{Inactive: q.Get("inactive") == "1",
		Target: picker{Field: "to", Label: "Target User", Text: q.Get("to")},
		Source: picker{Field: "from", Label: "Source User", Text: q.Get("from")}}
	for _, pk := range []*picker{&p.Target, &p.Source} {
		if err := s.pick(r, a, pk, p.Inactive); err != nil {
			return err
		}
	}
	p.links()
	if p.Target.User != nil && p.Source.User != nil {
		pair, err := s.previewPair(r, a, p.Source.User.ID, p.Target.User.ID)
		if err != nil {
			return err
		}
		p.Pair = &pair
	}
	s.render(w, r, http.StatusOK, "single", page{Title: "Single", Op: &a.Op, Tab: "single", Data: p})
	return nil
}

// labelID finds the ID in "Jenny Andrews (11)", as a picker shows a choice.
var labelID = regexp.MustCompile(`\((\d{1,19})\)\s*$`)

// pick resolves a picker's text to one user in the operator's view.
func (s *Server) pick(r *http.Request, a transfer.Access, pk *picker, inactive bool) error {
	text := strings.TrimSpace(pk.Text)
	if text == "" {
		return nil
	}
	if m := labelID.FindStringSubmatch(text); m != nil {
		text = m[1]
	}
	if id, err := strconv.ParseInt(text, 10, 64); err == nil {
		u, err := s.Service.User(r.Context(), a, id)
		switch {
		case handover.ErrorCode(err) == handover.ErrNotFound:
			pk.Problem = handover.ErrorMessage(err)
		case err != nil:
			return err
		case !u.Active && !inactive:
			pk.Problem = person(u.Name, u.ID) + " is inactive: tick Show inactive users to pick them"
		default:
			pk.User = &u
		}
		return nil
	}
	users, err := s.Service.FindUsers(r.Context(), a, text, inactive)
	switch {
	case err != nil:
		return err
	case len(users) == 1:
		pk.User = &users[0]
	case len(users) == 0:
		pk.Problem = "nobody in your view matches " + strconv.Quote(text) + ": search by the start of a name or email, or by ID (tick Show inactive users to include inactive ones)"
	default:
		for _, u := range users {
			pk.Candidates = append(pk.Candidates, choice{User: u})
		}
	}
	return nil
}

// links sets each candidate's link: the page with that user picked and
// the other picker as it is.
func (p *singlePage) links() {
	for _, pair := range [][2]*picker{{&p.Target, &p.Source}, {&p.Source, &p.Target}} {
		this, other := pair[0], pair[1]
		for i, c := range this.Candidates {
			v := url.Values{this.Field: {strconv.FormatInt(c.ID, 10)}, other.Field: {other.value()}}
			if p.Inactive {
				v.Set("inactive", "1")
			}
			this.Candidates[i].Href = "/single?" + v.Encode()
		}
	}
}

// value is what the picker's input holds: the picked user's ID, or the
// text as typed.
func (pk *picker) value() string {
	if pk.User != nil {
		return strconv.FormatInt(pk.User.ID, 10)
	}
	return pk.Text
}

// previewPair previews the pair from → to.
func (s *Server) previewPair(r *http.Request, a transfer.Access, from, to int64) (pairPreview, error) {
	plan, err := s.Service.PreviewPair(r.Context(), a, from, to, handover.RunOptions{})
	if err != nil {
		return pairPreview{}, err
	}
	if len(plan.Rows) != 1 {
		return pairPreview{}, handover.Errorf(handover.ErrInternal, "the preview of %d → %d has %d rows", from, to, len(plan.Rows))
	}
	row := plan.Rows[0]
	return pairPreview{Plan: plan, Row: row, From: from, To: to,
		Confirm: confirmPage{ID: "single", Dialog: true, Action: "/single/run", Would: newWouldRun(plan), Arrow: row.Arrow(),
			Hidden: map[string]string{"from": strconv.FormatInt(from, 10), "to": strconv.FormatInt(to, 10)}}}, nil
}

// userJSON is one user as the pickers' search returns it.
type userJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Team   string `json:"team"`
	Active bool   `json:"active"`
	Label  string `json:"label"` // "Jenny Andrews (11)", what the input shows once picked
}

// handleUsersJSON answers a picker's search: the users in the operator's
// view matching q (see transfer.FindUsers).
func (s *Server) handleUsersJSON(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	users, err := s.Service.FindUsers(r.Context(), a, r.URL.Query().Get("q"), r.URL.Query().Get("inactive") == "1")
	if err != nil {
		return err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = userJSON{ID: u.ID, Name: u.Name, Email: u.Email, Team: u.Team, Active: u.Active, Label: person(u.Name, u.ID)}
	}
	return writeJSON(w, map[string]any{"users": out})
}

// handlePairJSON answers the page's script once both users are chosen:
// the pair's preview as `preview --format json` prints it, and the
// fragment the page shows for it.
func (s *Server) handlePairJSON(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	pair, err := s.requestedPair(r, a)
	if err != nil {
		return err
	}
	var preview, html bytes.Buffer
	if err := audit.PreviewJSON(&preview, pair.Plan); err != nil {
		return err
	}
	if err := s.pages["single"].ExecuteTemplate(&html, "pair", pair); err != nil {
		return err
	}
	return writeJSON(w, map[string]any{"preview": json.RawMessage(preview.Bytes()), "html": html.String()})
}

// requestedPair previews the pair a request names by its from and to IDs.
func (s *Server) requestedPair(r *http.Request, a transfer.Access) (pairPreview, error) {
	from, to, err := pairIDs(r)
	if err != nil {
		return pairPreview{}, err
	}
	return s.previewPair(r, a, from, to)
}

// pairIDs reads the from and to IDs of a pair request.
func pairIDs(r *http.Request) (from, to int64, err error) {
	from, errFrom := strconv.ParseInt(r.FormValue("from"), 10, 64)
	to, errTo := strconv.ParseInt(r.FormValue("to"), 10, 64)
	if errFrom != nil || errTo != nil {
		return 0, 0, handover.Errorf(handover.ErrUsage, "choose both users: from=%.20q and to=%.20q must be user IDs", r.FormValue("from"), r.FormValue("to"))
	}
	return from, to, nil
}

// asJSON makes h's errors JSON, {"error": {"code", "message"}} with their
// status, for the page's script to show.
func (s *Server) asJSON(h operatorHandler) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
		err := h(w, r, a)
		if err == nil {
			return nil
		}
		code := status(err)
		if code == http.StatusInternalServerError {
			s.Log.Error().Err(err).Str("method", r.Method).Str("path", r.URL.Path).Msg("request failed")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		body := map[string]any{"error": map[string]string{"code": string(handover.ErrorCode(err)), "message": message(err)}}
		return writeJSON(w, body)
	}
}

// writeJSON writes v as the response's JSON body.
func writeJSON(w http.ResponseWriter, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(body)
	return err
}

// handleSingleConfirm asks to confirm the run of one pair, for a browser
// without JavaScript.
func (s *Server) handleSingleConfirm(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	pair, err := s.requestedPair(r, a)
	if err != nil {
		return err
	}
	if err := pairRunnable(pair.Row); err != nil {
		return err
	}
	c := pair.Confirm
	c.Dialog, c.Back = false, "/single?"+url.Values{"from": {c.Hidden["from"]}, "to": {c.Hidden["to"]}, "inactive": {"1"}}.Encode()
	s.render(w, r, http.StatusOK, "confirm", page{Title: "Confirm the transfer", Op: &a.Op, Tab: "single", Data: c})
	return nil
}

// pairRunnable refuses a single pair with an error, in its own words.
func pairRunnable(row handover.PlanRow) error {
	for _, i := range row.Issues {
		if !i.Code.IsWarning() {
			return handover.Errorf(i.Code, "%s cannot run: %s", row.Arrow(), i.Message)
		}
	}
	return nil
}
