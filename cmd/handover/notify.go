package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"handover"
	"handover/transfer"
	"handover/web"
)

// The limits of every request serve answers: a slow client holds neither a
// job nor a database connection (bodies are read whole before the flow
// is called, answers rendered whole before they are written), and gives up
// its connection after these.
const (
	serveReadHeaderTimeout = 10 * time.Second
	serveReadTimeout       = 2 * time.Minute // a whole request, body included
	serveWriteTimeout      = 2 * time.Minute // from the request read to the answer written
	serveIdleTimeout       = time.Minute
)

// httpServer returns the HTTP server of serve for h, with its timeouts.
func httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: serveReadHeaderTimeout, ReadTimeout: serveReadTimeout,
		WriteTimeout: serveWriteTimeout, IdleTimeout: serveIdleTimeout}
}

// notifyFlags are serve's job notification flags.
type notifyFlags struct{ url, secretFile string }

func (n *notifyFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&n.url, "notify-url", "", "POST each ended job's JSON to this URL, signed with HMAC-SHA256 (needs --notify-secret-file)")
	fs.StringVar(&n.secretFile, "notify-secret-file", "", "file holding the secret that signs the notifications")
}

// notifier returns the notifier the flags ask for, nil without
// --notify-url. The secret is read from its file and never shown.
func (n *notifyFlags) notifier(svc *transfer.Service, e *env) (*web.Notifier, error) {
	if n.url == "" {
		if n.secretFile != "" {
			return nil, handover.Errorf(handover.ErrUsage, "--notify-secret-file needs --notify-url: the URL that receives the notifications")
		}
		return nil, nil
	}
	if n.secretFile == "" {
		return nil, handover.Errorf(handover.ErrUsage, "--notify-url needs --notify-secret-file: a file holding the secret that signs each notification, so that the receiver can check it came from here")
	}
	secret, err := os.ReadFile(n.secretFile)
	if err != nil {
		return nil, handover.Errorf(handover.ErrUsage, "cannot read --notify-secret-file %s: %v", n.secretFile, err)
	}
	nf, err := web.NewNotifier(svc, n.url, secret, e.log)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "Job notifications go to %s, signed in the %s header.\n", nf, web.SignatureHeader)
	return nf, nil
}
