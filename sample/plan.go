package sample

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"handover"
)

// user is one planned user with the rows it will own per data type.
type user struct {
	ID, Team    int64 // Team 0: none
	Name, Email string
	Role        handover.Role
	Active      bool
	Heavy       bool
	counts      [14]int32 // rows per data type, in catalog order
	firstSkill  int
}

// tenant is one planned tenant.
type tenant struct {
	ID     int64
	Name   string
	domain string
	Teams  []int64
	Users  []user
	Views  []Admin             // admins with their teams
	refs   map[string][2]int64 // table → first and last key of this tenant's rows
}

// builder plans the sample and writes it.
type builder struct {
	o       Options
	r       *rand.Rand
	tenants []*tenant
	rows    int64
}

// The second tenant's users and teams start at otherBase, so that IDs are
// unique across tenants; each tenant has numSkills skills.
const otherBase, numSkills = 1_000_000_000, 200

// newBuilder plans both tenants from o.Seed.
func newBuilder(o Options) (*builder, error) {
	s := &builder{o: o, r: rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed))}
	main := s.planTenant(1, "Acme Contact Centre", "acme.example", o.Users, 10, 0)
	other := s.planTenant(2, "Globex Support", "globex.example", o.OtherUsers, 3, otherBase)
	s.tenants = []*tenant{main, other}
	for i, ag := 0, agents(main); i < len(specialNames); i++ {
		u, name := &main.Users[ag[i]], specialNames[i]
		u.Name, u.Email, u.Active = name, email(name, u.ID, main.domain), true
	}
	if err := s.markHeavy(main); err != nil {
		return nil, err
	}
	for _, t := range s.tenants {
		for i := range t.Users {
			s.planRows(&t.Users[i])
		}
	}
	return s, nil
}

// planTenant plans a tenant's teams, users and admin views. Its users are
// base+1, base+2, …: a tenant admin (no team), admins, one inactive admin,
// one supervisor per team, then agents with some more supervisors.
func (s *builder) planTenant(id int64, name, domain string, n, minTeams int, base int64) *tenant {
	t := &tenant{ID: id, Name: name, domain: domain, refs: map[string][2]int64{}}
	for k := range max(minTeams, n/40) {
		t.Teams = append(t.Teams, base+int64(k)+1)
	}
	admins := max(3, n/1000)
	for i := range n {
		u := user{ID: base + int64(i) + 1, Role: handover.RoleAgent, Active: true,
			Team: t.Teams[s.r.IntN(len(t.Teams))]}
		switch {
		case i == 0:
			u.Role, u.Team = handover.RoleTenantAdmin, 0
		case i <= admins+1:
			u.Role, u.Active = handover.RoleAdmin, i <= admins
		case i <= admins+1+len(t.Teams):
			u.Role, u.Team = handover.RoleSupervisor, t.Teams[i-admins-2]
		case s.r.IntN(100) < 8:
			u.Role = handover.RoleSupervisor
		}
		if u.Role == handover.RoleAgent || u.Role == handover.RoleSupervisor {
			u.Active = s.r.IntN(100) >= 11
		}
		u.Name = firstNames[s.r.IntN(len(firstNames))] + " " + lastNames[s.r.IntN(len(lastNames))]
		u.Email = email(u.Name, u.ID, domain)
		t.Users = append(t.Users, u)
		if u.Role == handover.RoleAdmin {
			t.Views = append(t.Views, Admin{ID: u.ID, Teams: s.someTeams(t.Teams)})
		}
	}
	return t
}

// someTeams picks a third of teams (at least two), sorted.
func (s *builder) someTeams(teams []int64) []int64 {
	perm := s.r.Perm(len(teams))[:max(2, len(teams)/3)]
	out := make([]int64, len(perm))
	for i, p := range perm {
		out[i] = teams[p]
	}
	slices.Sort(out)
	return out
}

// agents returns the indexes in t.Users of t's agents.
func agents(t *tenant) []int {
	var out []int
	for i, u := range t.Users {
		if u.Role == handover.RoleAgent {
			out = append(out, i)
		}
	}
	return out
}

// markHeavy marks o.Heavy agents of t, spread evenly over its agents.
func (s *builder) markHeavy(t *tenant) error {
	agents := agents(t)
	if s.o.Heavy > len(agents) {
		return handover.Errorf(handover.ErrUsage, "%d heavy users asked, but the tenant has only %d agents", s.o.Heavy, len(agents))
	}
	for k := range s.o.Heavy {
		t.Users[agents[k*len(agents)/s.o.Heavy]].Heavy = true
	}
	return nil
}

// typeWeights shares a user's rows among the data types (percent, catalog
// order); schedules and vacation balances are one per agent instead.
var typeWeights = [14]int{22, 10, 8, 3, 7, 18, 4, 5, 2, 0, 4, 0, 9, 8}

// planRows decides how many rows of each type u owns. Most users own at
// least one row of every type; every agent owns exactly one schedule and
// one vacation balance, supervisors half the time, admins none.
func (s *builder) planRows(u *user) {
	budget, sparse := s.o.RowsPerUser, s.r.IntN(100) < 10
	switch {
	case u.Heavy:
		budget, sparse = s.o.HeavyRows, false
	case u.Role == handover.RoleAdmin || u.Role == handover.RoleTenantAdmin:
		budget, sparse = budget/3, true
	}
	spread := float64(max(budget-14, 0))
	if sparse {
		spread = float64(budget)
	}
	for i, w := range typeWeights {
		n := 0
		switch {
		case w == 0 && u.Role == handover.RoleAgent:
			n = 1
		case w == 0 && u.Role == handover.RoleSupervisor:
			n = s.r.IntN(2)
		case w > 0:
			n = s.jitter(spread * float64(w) / 100)
			if !sparse {
				n++
			}
		}
		u.counts[i] = int32(n)
		s.rows += int64(n)
	}
	s.rows -= int64(u.counts[10] - min(u.counts[10], numSkills))
	u.counts[10] = min(u.counts[10], numSkills)
	u.firstSkill = s.r.IntN(numSkills)
}

// jitter returns a whole number averaging mean, between half and one and a
// half times it.
func (s *builder) jitter(mean float64) int {
	x := mean * (0.5 + s.r.Float64())
	n := int(x)
	if s.r.Float64() < x-float64(n) {
		n++
	}
	return n
}

// email derives a plain-ASCII address from a name.
func email(name string, id int64, domain string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(asciiFold.Replace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' && b.Len() > 0:
			b.WriteByte('.')
		}
	}
	return fmt.Sprintf("%s.%d@%s", b.String(), id, domain)
}

// asciiFold spells the pools' accented letters without accents.
var asciiFold = strings.NewReplacer("ë", "e", "é", "e", "á", "a", "í", "i", "ó", "o", "ö", "o", "ø", "o", "ô", "o",
	"ú", "u", "ü", "u", "ñ", "n", "Ñ", "N", "ç", "c", "Ł", "L", "Ż", "Z")

// info summarises the plan for the demo and benchmark.
func (s *builder) info() Info {
	main, other := s.tenants[0], s.tenants[1]
	in := Info{Tenant: main.ID, OtherTenant: other.ID, Rows: s.rows,
		Users: len(main.Users) + len(other.Users), OtherUsers: len(other.Users)}
	for _, u := range main.Users {
		switch {
		case u.Role == handover.RoleTenantAdmin:
			in.TenantAdmin = u.ID
		case u.Role == handover.RoleAdmin && !u.Active:
			in.InactiveAdmin = u.ID
		case u.Role == handover.RoleSupervisor:
			in.Supervisors = append(in.Supervisors, u.ID)
		case u.Role == handover.RoleAgent && u.Active:
			in.ActiveAgents = append(in.ActiveAgents, u.ID)
		case u.Role == handover.RoleAgent:
			in.InactiveAgents = append(in.InactiveAgents, u.ID)
		}
		if u.Heavy {
			in.Heavy = append(in.Heavy, u.ID)
		}
		if strings.HasPrefix(u.Name, "=") {
			in.Formula = u.ID
		}
	}
	for _, u := range other.Users {
		if u.Role == handover.RoleAgent {
			in.OtherTenantUsers = append(in.OtherTenantUsers, u.ID)
		}
	}
	in.Admins = adminViews(main, in.InactiveAdmin)
	return in
}

// adminViews lists t's active admins with the active agents in and (up to
// ten) out of their views.
func adminViews(t *tenant, inactive int64) []Admin {
	var out []Admin
	for _, a := range t.Views {
		if a.ID == inactive {
			continue
		}
		for _, u := range t.Users {
			if u.Role != handover.RoleAgent || !u.Active {
				continue
			}
			if _, in := slices.BinarySearch(a.Teams, u.Team); in {
				a.InView = append(a.InView, u.ID)
			} else if len(a.OutOfView) < 10 {
				a.OutOfView = append(a.OutOfView, u.ID)
			}
		}
		out = append(out, a)
	}
	return out
}

// Names and values the sample draws from ("|"-separated). First and last
// names mix accents, apostrophes and commas; specialNames go to the first
// agents of the main tenant so that every awkward case is present at any
// size, including the one name that begins with "=".
var (
	firstNames      = split("Zoë|José|Łukasz|Siobhán|Chloé|Søren|François|Ana|John|Jenny|Mohammed|Aiko|Priya|Olu|Grace|Mateo|Björn|Ewa|Liam|Noor|Renée|Tomás")
	lastNames       = split("Ñúñez|O'Brien|Smith, Jr.|Müller|García|Andrews|Kowalski|D'Angelo|Nguyen|Okafor|Tanaka|Johansson|Smith|Brown|Żak|Côté|Patel|Williams, III")
	specialNames    = split(`Zoë Ñúñez|José O'Brien|Łukasz Kowalski|John Smith, Jr.|Robert "Bobby" Tables|Siobhán O'Connor-Żak|=Eve Formula`)
	teamNames       = split("Billing|Technical Support|Retention|Sales|Onboarding|Escalations|Claims|Collections|Back Office|Social Media|Café Line|Nordic Desk")
	channels        = split("voice|voice|chat|email")
	comments        = split(`Great call, handled the "refund" question well.|Needs work on hold time; see coaching notes.|Customer said: 'thank you, really helpful'|¡Muy bien! Cliente satisfecho.|Follow up with the supervisor, please.`)
	metrics         = split("aht|csat|fcr|adherence|occupancy")
	extensions      = split(".pdf|.png|.wav|.csv|.docx")
	actions         = split("login|logout|export|password_change|view_recording|update_profile")
	requestKinds    = split("vacation|shift_swap|training|sick_leave")
	requestStatuses = split("pending|approved|rejected")
	viewNames       = split("My queue|Team backlog|Escalations|Today's callbacks")
	scheduleNames   = split("Early 5x8|Late 5x8|Weekend 4x10|Part-time mornings")
	timezones       = split("Europe/Madrid|Europe/Warsaw|America/New_York|Asia/Tokyo|UTC")
	patterns        = split("Mon-Fri 07:00-15:00|Mon-Fri 14:00-22:00|Thu-Sun 08:00-18:00|Mon-Fri 09:00-13:00")
	activities      = split("phones|chat|email|training|meeting|break")
)

func split(s string) []string { return strings.Split(s, "|") }
