// Package sample builds the deterministic sample data that `handover demo`,
// the tests and the benchmarks run on: a main tenant with users of every
// role and admin views over some of its teams, owning rows of every data
// type, and a smaller second tenant. The same Options build the same
// database.
package sample

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"handover"
	"handover/engine"
)

// Options says what sample data Build builds. Zero fields take their
// defaults.
type Options struct {
	// Users is the number of users of the main tenant (default 500, at
	// least 50).
	Users int
	// Seed picks the data: the same options build the same database
	// (default 1).
	Seed int64
	// RowsPerUser is the average number of rows a user owns across the 14
	// data types (default 30).
	RowsPerUser int
	// OtherUsers is the size of the second tenant (default Users/10, kept
	// between 30 and 2,000).
	OtherUsers int
	// Heavy agents of the main tenant, spread evenly over its agents, own
	// about HeavyRows rows each instead of RowsPerUser: the sources and
	// targets of a benchmark (see Workload).
	Heavy, HeavyRows int
}

// Info is what the demo and the benchmark need to know about the data
// Build built, to pick valid and deliberately invalid pairs. ID lists are
// of the main tenant and sorted.
type Info struct {
	Tenant, OtherTenant int64
	TenantAdmin         int64
	// Admins are the main tenant's active admins, each with its view.
	Admins []Admin
	// InactiveAdmin is an admin who may no longer operate.
	InactiveAdmin                             int64
	ActiveAgents, InactiveAgents, Supervisors []int64
	// Formula is the user whose name begins with "=".
	Formula int64
	// OtherTenantUsers are the agents of the second tenant (its other
	// users are not listed; OtherUsers counts them all).
	OtherTenantUsers []int64
	// Heavy are the heavy agents (Options.Heavy), by ID.
	Heavy []int64
	// Users counts the users of both tenants, OtherUsers those of the
	// second tenant; Rows the data rows of both.
	Users, OtherUsers int
	Rows              int64
}

// Admin is an admin with the teams of its view and the active agents
// inside and (some) outside of it.
type Admin struct {
	ID                int64
	Teams             []int64
	InView, OutOfView []int64
}

// HeavyPairs pairs off the heavy agents: the first half hand their data
// over to the second half, so sources and targets are disjoint.
func (i Info) HeavyPairs() []handover.Pair {
	n := len(i.Heavy) / 2
	pairs := make([]handover.Pair, n)
	for k := range pairs {
		pairs[k] = handover.Pair{From: i.Heavy[k], To: i.Heavy[n+k]}
	}
	return pairs
}

// Workload returns the options that build the benchmark's workload W at
// scale (1.0: 20,000 users and 2,000 pairs of agents owning about 1,000 rows
// each; other users own about 20).
func Workload(scale float64) Options {
	pairs := max(1, int(2000*scale))
	return Options{Users: max(50, int(20000*scale)), Seed: 4, RowsPerUser: 20, Heavy: 2 * pairs, HeavyRows: 1000}
}

func (o Options) withDefaults() Options {
	o.Users, o.Seed, o.RowsPerUser = cmp.Or(o.Users, 500), cmp.Or(o.Seed, 1), cmp.Or(o.RowsPerUser, 30)
	o.OtherUsers = cmp.Or(o.OtherUsers, min(max(o.Users/10, 30), 2000))
	return o
}

// Build fills a fresh database with a deterministic sample: a main tenant of
// o.Users users (a tenant admin, admins with views over some teams,
// supervisors and agents, about 10% inactive) owning rows of every data
// type, and a smaller second tenant. Names include accents, commas, quotes,
// apostrophes and one that begins with "=". It creates the schema if
// needed and refuses a database that already has users. Everything is
// written in one transaction (COPY on PostgreSQL, multi-row INSERTs on
// SQLite), then analyzed.
func Build(ctx context.Context, db *engine.DB, o Options) (Info, error) {
	o = o.withDefaults()
	if o.Users < 50 || o.OtherUsers < 30 || o.RowsPerUser < 0 || o.Heavy < 0 {
		return Info{}, handover.Errorf(handover.ErrUsage, "demo needs at least 50 users (got %d)", o.Users)
	}
	if err := db.Init(ctx); err != nil {
		return Info{}, err
	}
	n, err := db.UserCount(ctx)
	if err != nil {
		return Info{}, err
	}
	if n > 0 {
		return Info{}, handover.Errorf(handover.ErrUsage,
			"the database %s already has %d users; sample data goes only into a fresh database: pass --db with a new file or an empty database", engine.Redact(db.DSN), n)
	}
	s, err := newSeeder(o)
	if err != nil {
		return Info{}, err
	}
	err = db.Load(ctx, func(l *engine.Loader) error {
		if err := s.writeDirectory(l); err != nil {
			return err
		}
		return s.writeData(l)
	})
	if err != nil {
		return Info{}, fmt.Errorf("seed: %w", err)
	}
	// Statistics, as a live database has, so that plans use the owner indexes.
	if err := db.Analyze(ctx); err != nil {
		return Info{}, err
	}
	return s.info(), nil
}

// seedUser is one planned user with the rows it will own per data type.
type seedUser struct {
	ID, Team    int64 // Team 0: none
	Name, Email string
	Role        handover.Role
	Active      bool
	Heavy       bool
	counts      [14]int32 // rows per data type, in catalog order
	firstSkill  int
}

// seedTenant is one planned tenant.
type seedTenant struct {
	ID     int64
	Name   string
	domain string
	Teams  []int64
	Users  []seedUser
	Views  []Admin             // admins with their teams
	refs   map[string][2]int64 // table → first and last key of this tenant's rows
}

// seeder plans the sample and writes it.
type seeder struct {
	o       Options
	r       *rand.Rand
	tenants []*seedTenant
	rows    int64
}

// The second tenant's users and teams start at otherBase, so that IDs are
// unique across tenants; each tenant has numSkills skills.
const otherBase, numSkills = 1_000_000_000, 200

// newSeeder plans both tenants from o.Seed.
func newSeeder(o Options) (*seeder, error) {
	s := &seeder{o: o, r: rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed))}
	main := s.planTenant(1, "Acme Contact Centre", "acme.example", o.Users, 10, 0)
	other := s.planTenant(2, "Globex Support", "globex.example", o.OtherUsers, 3, otherBase)
	s.tenants = []*seedTenant{main, other}
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
func (s *seeder) planTenant(id int64, name, domain string, n, minTeams int, base int64) *seedTenant {
	t := &seedTenant{ID: id, Name: name, domain: domain, refs: map[string][2]int64{}}
	for k := range max(minTeams, n/40) {
		t.Teams = append(t.Teams, base+int64(k)+1)
	}
	admins := max(3, n/1000)
	for i := range n {
		u := seedUser{ID: base + int64(i) + 1, Role: handover.RoleAgent, Active: true,
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
func (s *seeder) someTeams(teams []int64) []int64 {
	perm := s.r.Perm(len(teams))[:max(2, len(teams)/3)]
	out := make([]int64, len(perm))
	for i, p := range perm {
		out[i] = teams[p]
	}
	slices.Sort(out)
	return out
}

// agents returns the indexes in t.Users of t's agents.
func agents(t *seedTenant) []int {
	var out []int
	for i, u := range t.Users {
		if u.Role == handover.RoleAgent {
			out = append(out, i)
		}
	}
	return out
}

// markHeavy marks o.Heavy agents of t, spread evenly over its agents.
func (s *seeder) markHeavy(t *seedTenant) error {
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
func (s *seeder) planRows(u *seedUser) {
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
func (s *seeder) jitter(mean float64) int {
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
func (s *seeder) info() Info {
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
func adminViews(t *seedTenant, inactive int64) []Admin {
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

// writeDirectory writes tenants, teams, users and admin views.
func (s *seeder) writeDirectory(l *engine.Loader) error {
	var tenants, teams, users, views [][]any
	for _, t := range s.tenants {
		tenants = append(tenants, []any{t.ID, t.Name})
		for k, id := range t.Teams {
			teams = append(teams, []any{id, t.ID, teamName(k)})
		}
		for _, u := range t.Users {
			users = append(users, []any{u.ID, t.ID, when(u.Team != 0, u.Team), u.Name, u.Email, string(u.Role), u.Active})
		}
		for _, v := range t.Views {
			for _, team := range v.Teams {
				views = append(views, []any{v.ID, team})
			}
		}
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"tenants", []string{"id", "name"}, tenants},
		{"teams", []string{"id", "tenant_id", "name"}, teams},
		{"users", []string{"id", "tenant_id", "team_id", "name", "email", "role", "active"}, users},
		{"admin_views", []string{"admin_id", "team_id"}, views},
	} {
		if err := writeRows(l, t.table, t.cols, t.rows); err != nil {
			return err
		}
	}
	return nil
}

// writeRows bulk-loads rows into table.
func writeRows(l *engine.Loader, table string, cols []string, rows [][]any) error {
	b, err := l.Open(table, cols)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := b.Row(r...); err != nil {
			return fmt.Errorf("write %s: %w", table, err)
		}
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	return nil
}

// teamName names the k-th team of a tenant.
func teamName(k int) string {
	name := teamNames[k%len(teamNames)]
	if k >= len(teamNames) {
		name += fmt.Sprintf(" %d", k/len(teamNames)+1)
	}
	return name
}

// seedEpoch is the start of the year the sample data spans.
var seedEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// writeData writes the rows of every data type, one table at a time in
// catalog order so that references (an evaluation's contact) point at rows
// already written. Each table draws from its own random stream.
func (s *seeder) writeData(l *engine.Loader) error {
	for i, t := range handover.Catalog {
		b, err := l.Open(t.Table, t.Columns)
		if err != nil {
			return err
		}
		g := &rowGen{r: rand.New(rand.NewPCG(uint64(s.o.Seed), uint64(i)+1)), make: rowMakers[t.Table]}
		for _, tn := range s.tenants {
			if err := g.tenantRows(tn, t.Table, i, b); err != nil {
				return fmt.Errorf("write %s: %w", t.Table, err)
			}
		}
		if err := b.Close(); err != nil {
			return fmt.Errorf("write %s: %w", t.Table, err)
		}
	}
	return nil
}

// rowGen makes the rows of one data type.
type rowGen struct {
	r      *rand.Rand
	make   func(g *rowGen, u *seedUser, k int) []any
	t      *seedTenant
	nextID int64
	id     int64
	buf    []any
}

// tenantRows writes the rows of table type i that tn's users own, and
// records the range of keys they got.
func (g *rowGen) tenantRows(tn *seedTenant, table string, i int, b *engine.Bulk) error {
	g.t = tn
	first := g.nextID + 1
	for ui := range tn.Users {
		u := &tn.Users[ui]
		for k := range int(u.counts[i]) {
			g.nextID++
			g.id = g.nextID
			if err := b.Row(g.make(g, u, k)...); err != nil {
				return err
			}
		}
	}
	tn.refs[table] = [2]int64{first, g.nextID}
	return nil
}

// row starts a row with its key and tenant.
func (g *rowGen) row(vals ...any) []any {
	g.buf = append(append(g.buf[:0], g.id, g.t.ID), vals...)
	return g.buf
}

// ref returns the key of a random row of table in the tenant, or nil.
func (g *rowGen) ref(table string) any {
	r, ok := g.t.refs[table]
	if !ok || r[1] < r[0] || g.r.IntN(10) == 0 {
		return nil
	}
	return r[0] + g.r.Int64N(r[1]-r[0]+1)
}

// user returns a random user of the tenant.
func (g *rowGen) user() int64 { return g.t.Users[g.r.IntN(len(g.t.Users))].ID }

// at returns a random time of the sample year, as RFC 3339 text.
func (g *rowGen) at() string {
	return seedEpoch.Add(time.Duration(g.r.Int64N(365*24*3600)) * time.Second).Format(time.RFC3339)
}

// day returns the date k days into the sample year.
func day(k int) string { return seedEpoch.AddDate(0, 0, k%366).Format(time.DateOnly) }

// decimal renders hundredths as a NUMERIC literal: 8750 → "87.50".
func decimal(hundredths int) string { return fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100) }

// when returns v if ok, else nil (NULL).
func when(ok bool, v any) any {
	if ok {
		return v
	}
	return nil
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// rowMakers make one row of each data type, columns in catalog order.
var rowMakers = map[string]func(g *rowGen, u *seedUser, k int) []any{
	"contacts": func(g *rowGen, u *seedUser, _ int) []any {
		ch := pick(g.r, channels)
		return g.row(u.ID, ch, g.at(), 20+g.r.IntN(1800), when(ch == "voice", fmt.Sprintf("s3://recordings/%d/%d.wav", g.t.ID, g.id)))
	},
	"evaluations": func(g *rowGen, u *seedUser, _ int) []any {
		approver := u.ID // sometimes approved by the evaluator
		if g.r.IntN(100) >= 15 {
			approver = g.user()
		}
		return g.row(g.ref("contacts"), u.ID, approver, decimal(4000+g.r.IntN(6001)), g.at())
	},
	"evaluation_comments": func(g *rowGen, u *seedUser, _ int) []any {
		return g.row(g.ref("evaluations"), u.ID, pick(g.r, comments), g.at())
	},
	"contact_goals": func(g *rowGen, u *seedUser, k int) []any {
		return g.row(u.ID, pick(g.r, metrics), decimal(g.r.IntN(10000)), fmt.Sprintf("2024-Q%d", k%4+1))
	},
	"storage_files": func(g *rowGen, u *seedUser, _ int) []any {
		return g.row(u.ID, fmt.Sprintf("/files/%d/%d%s", u.ID, g.id, pick(g.r, extensions)), 1+g.r.IntN(20<<20), g.at())
	},
	"audit_events": func(g *rowGen, u *seedUser, _ int) []any {
		detail := when(g.r.IntN(10) < 7, fmt.Sprintf(`{"ip": "10.0.%d.%d"}`, g.r.IntN(256), g.r.IntN(256)))
		return g.row(u.ID, pick(g.r, actions), detail, g.at())
	},
	"requests": func(g *rowGen, u *seedUser, _ int) []any {
		start := g.r.IntN(360)
		return g.row(u.ID, pick(g.r, requestKinds), pick(g.r, requestStatuses), day(start), day(start+g.r.IntN(6)))
	},
	"request_comments": func(g *rowGen, u *seedUser, _ int) []any {
		return g.row(g.ref("requests"), u.ID, pick(g.r, comments), g.at())
	},
	"saved_views": func(g *rowGen, u *seedUser, k int) []any {
		return g.row(u.ID, fmt.Sprintf("%s %d", pick(g.r, viewNames), k+1), fmt.Sprintf(`{"columns": ["name", "status"], "page": %d}`, k+1))
	},
	"schedules": func(g *rowGen, u *seedUser, _ int) []any {
		return g.row(u.ID, pick(g.r, scheduleNames), pick(g.r, timezones), pick(g.r, patterns))
	},
	"skill_mappings": func(g *rowGen, u *seedUser, k int) []any {
		return g.row(u.ID, g.t.ID*1000+int64((u.firstSkill+k)%numSkills)+1, 1+g.r.IntN(5))
	},
	"vacation_balances": func(g *rowGen, u *seedUser, _ int) []any {
		g.buf = append(g.buf[:0], u.ID, g.t.ID, decimal(g.r.IntN(3000)), g.at())
		return g.buf
	},
	"work_shifts": func(g *rowGen, u *seedUser, k int) []any {
		start := seedEpoch.AddDate(0, 0, k%366).Add(time.Duration(6+g.r.IntN(12)) * time.Hour)
		return g.row(u.ID, start.Format(time.RFC3339), start.Add(8*time.Hour).Format(time.RFC3339), pick(g.r, activities))
	},
	"productivity": func(g *rowGen, u *seedUser, k int) []any {
		return g.row(u.ID, day(k), g.r.IntN(120), 120+g.r.IntN(600))
	},
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
