package web

import (
	"fmt"
	"net/http"
	"testing"

	"handover"
)

// TestAPITypes: a pair started with "types" hands over only those data
// types; the source keeps the rest. A name that is not a data type is 400
// with the valid names, and starts nothing.
func TestAPITypes(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		api := c.client(base, c.info.TenantAdmin)
		p := c.agentPairs(1)[0]
		count := func(table, col string, user int64) int {
			t.Helper()
			var n int
			if err := c.db.SQL().Get(&n, c.db.SQL().Rebind(fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = ?`, table, col)), user); err != nil {
				t.Fatal(err)
			}
			return n
		}
		contacts, work := count("contacts", "agent_id", p.From), count("work_shifts", "user_id", p.From)
		if contacts == 0 || work == 0 {
			t.Fatalf("source %d owns %d contacts and %d work shifts; the test needs some of each", p.From, contacts, work)
		}
		jobs := c.jobCount()
		bad := api.do(http.MethodPost, "/api/v1/jobs", "application/json", fmt.Sprintf(`{"from": %d, "to": %d, "types": "contacts, holidays"}`, p.From, p.To), nil)
		if bad.want(t, "a type that does not exist", http.StatusBadRequest).errorCode(t) != handover.ErrUsage || c.jobCount() != jobs {
			t.Fatalf("bad types: %s; %d jobs, want %d", bad.body, c.jobCount(), jobs)
		}
		started := api.do(http.MethodPost, "/api/v1/jobs", "application/json", fmt.Sprintf(`{"from": %d, "to": %d, "types": "Contacts"}`, p.From, p.To), nil)
		loc := started.want(t, "start a pair of one type", http.StatusAccepted).header.Get("Location")
		if j := api.poll(loc); j.Status != "done" || j.Done != 1 {
			t.Fatalf("pair: %+v", j)
		}
		if n := count("contacts", "agent_id", p.From); n != 0 {
			t.Errorf("the source kept %d of its %d contacts", n, contacts)
		}
		if n := count("work_shifts", "user_id", p.From); n != work {
			t.Errorf("the source has %d work shifts after a contacts-only transfer; want its %d", n, work)
		}
	})
}
