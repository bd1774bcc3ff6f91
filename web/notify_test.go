package web

import (
	"crypto/hmac"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"handover"
)

// receiver is a webhook receiver that refuses its first fail deliveries
// with 503 and keeps the ones it accepts.
type receiver struct {
	mu       sync.Mutex
	fail     int
	attempts int
	accepted []delivered
}

// delivered is one accepted delivery.
type delivered struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if rc.attempts <= rc.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.accepted = append(rc.accepted, delivered{r.Header.Clone(), body})
}

func (rc *receiver) got() (int, []delivered) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts, slices.Clone(rc.accepted)
}

// TestAPINotify: a job that ends is posted once to the receiver, signed
// with the secret, after a refused first attempt; the job then says it
// was delivered (API and show text), and a receiver that never accepts
// leaves the job failed-to-notify, the job itself unaffected.
func TestAPINotify(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		rc := &receiver{fail: 1}
		hook := httptest.NewServer(rc)
		t.Cleanup(hook.Close)
		secret := []byte("s3cret-for-the-test")
		_, base := c.api(func(s *Server) {
			n, err := NewNotifier(c.svc, hook.URL+"/hooks/handover", append(secret, '\n'), zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			n.Backoff = []time.Duration{time.Millisecond, time.Millisecond}
			s.Notify = n
			t.Cleanup(func() { n.Close(t.Context()) })
		})
		api := c.client(base, c.info.TenantAdmin)
		p := c.agentPairs(1)[0]
		loc := api.do(http.MethodPost, "/api/v1/jobs", "application/json", fmt.Sprintf(`{"from": %d, "to": %d}`, p.From, p.To), nil).
			want(t, "start", http.StatusAccepted).header.Get("Location")
		job := api.poll(loc)
		deadline := time.Now().Add(time.Minute)
		for job.Notified == nil || job.Notified.Status != string(handover.DeliveryDelivered) {
			if time.Now().After(deadline) {
				t.Fatalf("no delivery recorded: %+v", job)
			}
			time.Sleep(10 * time.Millisecond)
			job = api.poll(loc)
		}
		attempts, got := rc.got()
		if job.Notified.Attempts != 2 || attempts != 2 || len(got) != 1 {
			t.Fatalf("delivery %+v; the receiver saw %d attempts, accepted %d", job.Notified, attempts, len(got))
		}
		d := got[0]
		ts := d.header.Get(TimestampHeader)
		if sig := d.header.Get(SignatureHeader); !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, d.body))) || ts == "" {
			t.Fatalf("signature %q does not verify for timestamp %q", sig, ts)
		}
		if !strings.Contains(string(d.body), fmt.Sprintf(`"job": %d`, job.Job)) || !strings.Contains(string(d.body), `"status": "done"`) {
			t.Errorf("delivered body:\n%s", d.body)
		}
		if strings.Contains(string(d.body), string(secret)) {
			t.Errorf("the secret is in the body")
		}
		b := c.browser()
		b.signIn(c.info.TenantAdmin)
		if _, page := b.get(loc[len("/api/v1"):]); !strings.Contains(page, "Notification delivered") {
			t.Errorf("the job page does not say the notification was delivered:\n%s", page)
		}
	})
}

// TestAPINotifyGivesUp: a receiver that never accepts gets every attempt;
// the delivery is recorded failed and the job is done all the same.
func TestAPINotifyGivesUp(t *testing.T) {
	c := newConsole(t, "sqlite")
	rc := &receiver{fail: 1 << 30}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	_, base := c.api(func(s *Server) {
		n, err := NewNotifier(c.svc, hook.URL, []byte("k"), zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		n.Backoff = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
		s.Notify = n
	})
	api := c.client(base, c.info.TenantAdmin)
	loc := api.do(http.MethodPost, "/api/v1/jobs", "text/csv", bulkCSV(c.agentPairs(1)), nil).want(t, "start", http.StatusAccepted).header.Get("Location")
	deadline := time.Now().Add(time.Minute)
	for {
		job := api.poll(loc)
		if job.Notified != nil && job.Notified.Status == string(handover.DeliveryFailed) {
			if job.Status != "done" || job.Notified.Attempts != 4 {
				t.Fatalf("job %+v, delivery %+v", job, job.Notified)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery never gave up: %+v", job.Notified)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if attempts, _ := rc.got(); attempts != 4 {
		t.Errorf("the receiver saw %d attempts, want 4", attempts)
	}
}
