package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"handover"
	"handover/audit"
	"handover/transfer"
)

// Headers of a job's end notification. The signature is
// "sha256=" and the hex HMAC-SHA256, keyed with the shared secret, of the
// timestamp header's value, a ".", and the body.
const (
	SignatureHeader = "X-Handover-Signature"
	TimestampHeader = "X-Handover-Timestamp"
)

// DefaultBackoff are the waits between the attempts of a notification:
// six attempts over about half a minute.
var DefaultBackoff = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}

// notifyTimeout bounds one delivery attempt.
const notifyTimeout = 10 * time.Second

// Notifier posts a job's JSON (as GET /api/v1/jobs/N answers it) to a
// URL when the job ends, signed with HMAC-SHA256, retrying with backoff.
// It runs beside the job, never blocking or failing it, and records each
// job's delivery so that `show`, the API and the job page say how it went.
type Notifier struct {
	// URL receives the POSTs.
	URL *url.URL
	// Backoff are the waits between attempts; len(Backoff)+1 attempts.
	Backoff []time.Duration
	// Client sends the POSTs.
	Client *http.Client

	secret []byte
	svc    *transfer.Service
	log    zerolog.Logger
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// NewNotifier returns a notifier posting to rawURL (http or https, with a
// host) signed with secret (not empty). It never shows the secret.
func NewNotifier(svc *transfer.Service, rawURL string, secret []byte, log zerolog.Logger) (*Notifier, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, handover.Errorf(handover.ErrUsage, "--notify-url %q: give the http:// or https:// URL that receives the job notifications", redactURL(rawURL))
	}
	if len(bytes.TrimSpace(secret)) == 0 {
		return nil, handover.Errorf(handover.ErrUsage, "the --notify-secret-file is empty: put the secret the receiver checks the signatures with in it")
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Notifier{URL: u, Backoff: DefaultBackoff, Client: &http.Client{Timeout: notifyTimeout},
		secret: bytes.TrimSpace(secret), svc: svc, log: log, ctx: ctx, cancel: cancel}, nil
}

// redactURL returns a URL as it may be shown: without a password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// String names the receiver as it may be shown (no password).
func (n *Notifier) String() string { return n.URL.Redacted() }

// Sign returns the signature header's value for a notification of body
// sent at timestamp (Unix seconds), keyed with secret: what a receiver
// computes to verify one.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// jobEnded sends the notification of a job whose function ended, in the
// background; a job that did not end (interrupted, never recorded) is not
// notified.
func (n *Notifier) jobEnded(a transfer.Access, out transfer.Outcome) {
	if n == nil || out.Job.ID == 0 {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.deliver(a, out.Job.ID)
	}()
}

// Close stops the deliveries still retrying (they stay recorded pending)
// and waits for them, until ctx ends.
func (n *Notifier) Close(ctx context.Context) {
	if n == nil {
		return
	}
	n.cancel()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// deliver posts the ended job's JSON until the receiver accepts it or the
// attempts run out, recording the delivery after each attempt.
func (n *Notifier) deliver(a transfer.Access, id int64) {
	job, err := n.svc.Job(n.ctx, a, id)
	if err != nil || (job.Status != handover.JobDone && job.Status != handover.JobFailed) {
		return // interrupted, or the server is stopping: nothing ended
	}
	var body bytes.Buffer
	job.Notified = nil
	if err := audit.JobJSON(&body, job); err != nil {
		n.log.Error().Err(err).Int64("job", id).Msg("notification not sent")
		return
	}
	d := handover.Delivery{Status: handover.DeliveryPending}
	for attempt := 0; ; attempt++ {
		err := n.post(body.Bytes(), id)
		d.Attempts, d.At, d.Error = attempt+1, time.Now().UTC(), ""
		switch {
		case err == nil:
			d.Status = handover.DeliveryDelivered
		case attempt == len(n.Backoff):
			d.Status, d.Error = handover.DeliveryFailed, err.Error()
		default:
			d.Error = err.Error()
		}
		n.record(id, d)
		if d.Status != handover.DeliveryPending || !n.wait(n.Backoff[attempt]) {
			return
		}
	}
}

// wait sleeps d, or returns false once the notifier is closing.
func (n *Notifier) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}

// post makes one signed attempt; a non-2xx answer is an error.
func (n *Notifier) post(body []byte, id int64) error {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, n.URL.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify job %d: %w", id, err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", jsonType)
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(n.secret, ts, body))
	resp, err := n.Client.Do(req)
	if err != nil {
		return fmt.Errorf("notify job %d: the receiver did not answer", id)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify job %d: the receiver answered %s", id, resp.Status)
	}
	return nil
}

// record stores a delivery; failing to is logged, never the job's failure.
func (n *Notifier) record(id int64, d handover.Delivery) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(n.ctx), notifyTimeout)
	defer cancel()
	if err := n.svc.RecordDelivery(ctx, id, d); err != nil {
		n.log.Error().Err(err).Int64("job", id).Msg("record notification")
	}
	ev := n.log.Info()
	if d.Status != handover.DeliveryDelivered {
		ev = n.log.Warn().Str("error", d.Error)
	}
	ev.Int64("job", id).Str("status", string(d.Status)).Int("attempt", d.Attempts).Str("url", n.String()).Msg("job notification")
}
