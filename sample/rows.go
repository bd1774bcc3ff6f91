package sample

import (
	"fmt"
	"math/rand/v2"
	"time"

	"handover"
	"handover/engine"
)

// writeDirectory writes tenants, teams, users and admin views.
func (s *builder) writeDirectory(l *engine.Loader) error {
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

// epoch is the start of the year the sample data spans.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// writeData writes the rows of every data type, one table at a time in
// catalog order so that references (an evaluation's contact) point at rows
// already written. Each table draws from its own random stream.
func (s *builder) writeData(l *engine.Loader) error {
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
	make   func(g *rowGen, u *user, k int) []any
	t      *tenant
	nextID int64
	id     int64
	buf    []any
}

// tenantRows writes the rows of table type i that tn's users own, and
// records the range of keys they got.
func (g *rowGen) tenantRows(tn *tenant, table string, i int, b *engine.Bulk) error {
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
	return epoch.Add(time.Duration(g.r.Int64N(365*24*3600)) * time.Second).Format(time.RFC3339)
}

// day returns the date k days into the sample year.
func day(k int) string { return epoch.AddDate(0, 0, k%366).Format(time.DateOnly) }

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
var rowMakers = map[string]func(g *rowGen, u *user, k int) []any{
	"contacts": func(g *rowGen, u *user, _ int) []any {
		ch := pick(g.r, channels)
		return g.row(u.ID, ch, g.at(), 20+g.r.IntN(1800), when(ch == "voice", fmt.Sprintf("s3://recordings/%d/%d.wav", g.t.ID, g.id)))
	},
	"evaluations": func(g *rowGen, u *user, _ int) []any {
		approver := u.ID // sometimes approved by the evaluator
		if g.r.IntN(100) >= 15 {
			approver = g.user()
		}
		return g.row(g.ref("contacts"), u.ID, approver, decimal(4000+g.r.IntN(6001)), g.at())
	},
	"evaluation_comments": func(g *rowGen, u *user, _ int) []any {
		return g.row(g.ref("evaluations"), u.ID, pick(g.r, comments), g.at())
	},
	"contact_goals": func(g *rowGen, u *user, k int) []any {
		return g.row(u.ID, pick(g.r, metrics), decimal(g.r.IntN(10000)), fmt.Sprintf("2024-Q%d", k%4+1))
	},
	"storage_files": func(g *rowGen, u *user, _ int) []any {
		return g.row(u.ID, fmt.Sprintf("/files/%d/%d%s", u.ID, g.id, pick(g.r, extensions)), 1+g.r.IntN(20<<20), g.at())
	},
	"audit_events": func(g *rowGen, u *user, _ int) []any {
		detail := when(g.r.IntN(10) < 7, fmt.Sprintf(`{"ip": "10.0.%d.%d"}`, g.r.IntN(256), g.r.IntN(256)))
		return g.row(u.ID, pick(g.r, actions), detail, g.at())
	},
	"requests": func(g *rowGen, u *user, _ int) []any {
		start := g.r.IntN(360)
		return g.row(u.ID, pick(g.r, requestKinds), pick(g.r, requestStatuses), day(start), day(start+g.r.IntN(6)))
	},
	"request_comments": func(g *rowGen, u *user, _ int) []any {
		return g.row(g.ref("requests"), u.ID, pick(g.r, comments), g.at())
	},
	"saved_views": func(g *rowGen, u *user, k int) []any {
		return g.row(u.ID, fmt.Sprintf("%s %d", pick(g.r, viewNames), k+1), fmt.Sprintf(`{"columns": ["name", "status"], "page": %d}`, k+1))
	},
	"schedules": func(g *rowGen, u *user, _ int) []any {
		return g.row(u.ID, pick(g.r, scheduleNames), pick(g.r, timezones), pick(g.r, patterns))
	},
	"skill_mappings": func(g *rowGen, u *user, k int) []any {
		return g.row(u.ID, g.t.ID*1000+int64((u.firstSkill+k)%numSkills)+1, 1+g.r.IntN(5))
	},
	"vacation_balances": func(g *rowGen, u *user, _ int) []any {
		g.buf = append(g.buf[:0], u.ID, g.t.ID, decimal(g.r.IntN(3000)), g.at())
		return g.buf
	},
	"work_shifts": func(g *rowGen, u *user, k int) []any {
		start := epoch.AddDate(0, 0, k%366).Add(time.Duration(6+g.r.IntN(12)) * time.Hour)
		return g.row(u.ID, start.Format(time.RFC3339), start.Add(8*time.Hour).Format(time.RFC3339), pick(g.r, activities))
	},
	"productivity": func(g *rowGen, u *user, k int) []any {
		return g.row(u.ID, day(k), g.r.IntN(120), 120+g.r.IntN(600))
	},
}
