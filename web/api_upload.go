package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"handover"
	"handover/transfer"
)

// apiUploadName names an upload sent to the API in messages and the job.
const apiUploadName = "upload.csv"

// cappedBody is a request body limited to the server's MaxUpload: reading
// past it fails, and hit says so, whatever the reader that got the error
// made of it.
type cappedBody struct {
	r   io.Reader
	hit bool
}

func (c *cappedBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		c.hit = true
	}
	return n, err
}

// capBody limits r's body to s.MaxUpload.
func (s *Server) capBody(w http.ResponseWriter, r *http.Request) *cappedBody {
	return &cappedBody{r: http.MaxBytesReader(w, r.Body, s.MaxUpload)}
}

// tooLarge is the error of a body over the limit: nothing was read into
// the flow and nothing changed.
func (s *Server) tooLarge() error {
	return handover.Errorf(handover.ErrTooLarge, "the request body is larger than this server accepts (%d MB; serve --max-upload-mb): nothing was changed; split the file", s.MaxUpload>>20)
}

// readCSV streams the request's CSV body through the upload reader:
// memory grows with the pairs, not with the file.
func (s *Server) readCSV(w http.ResponseWriter, r *http.Request) (*handover.Upload, error) {
	body := s.capBody(w, r)
	up, err := transfer.Read(body, apiUploadName, s.Service.MaxPairs, "")
	if body.hit {
		return nil, s.tooLarge()
	}
	return up, err
}

// runOptions reads the query's skip_invalid and deactivate_source.
func runOptions(r *http.Request) (handover.RunOptions, error) {
	var opts handover.RunOptions
	q := r.URL.Query()
	for name, dst := range map[string]*bool{"skip_invalid": &opts.SkipInvalid, "deactivate_source": &opts.DeactivateSource} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return opts, handover.Errorf(handover.ErrUsage, "%s=%q: give true or false", name, v)
		}
		*dst = b
	}
	var err error
	opts.Types, err = handover.ParseTypesFlag("types", q.Get("types"))
	return opts, err
}

// pairBody is the JSON body of a single-pair job start.
type pairBody struct {
	From  int64  `json:"from"`
	To    int64  `json:"to"`
	Types string `json:"types"`
}

// jobRequest is a job start's upload and the digest of what was asked
// (body and options), which an Idempotency-Key is held to.
type jobRequest struct {
	up     *handover.Upload
	opts   handover.RunOptions
	digest string
}

// readJobRequest reads a job start: a JSON single pair (Content-Type
// application/json) or a CSV upload, and the query's options.
func (s *Server) readJobRequest(w http.ResponseWriter, r *http.Request) (jobRequest, error) {
	opts, err := runOptions(r)
	if err != nil {
		return jobRequest{}, err
	}
	var req jobRequest
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == jsonType {
		req, err = s.readPair(w, r)
	} else {
		req.up, err = s.readCSV(w, r)
	}
	if err != nil {
		return req, err
	}
	if req.digest == "" {
		req.digest = "csv " + req.up.SHA256
	}
	if req.opts.Types != 0 { // the pair's own "types" over the query's
		opts.Types = req.opts.Types
	}
	req.opts = opts
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s skip_invalid=%t deactivate_source=%t types=%s",
		req.digest, opts.SkipInvalid, opts.DeactivateSource, r.URL.Query().Get("types"))))
	req.digest = hex.EncodeToString(sum[:])
	return req, nil
}

// readPair reads the JSON body {"from": 19, "to": 11, "types": "..."}.
func (s *Server) readPair(w http.ResponseWriter, r *http.Request) (jobRequest, error) {
	body := s.capBody(w, r)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var p pairBody
	err := dec.Decode(&p)
	switch {
	case body.hit:
		return jobRequest{}, s.tooLarge()
	case err != nil:
		return jobRequest{}, handover.Errorf(handover.ErrUsage, "the JSON body is not {\"from\": SOURCE_ID, \"to\": TARGET_ID}: %v", err)
	case p.From <= 0 || p.To <= 0:
		return jobRequest{}, handover.Errorf(handover.ErrUsage, "the JSON body needs \"from\" (the leaver) and \"to\" (the successor), each a user ID, as `handover export` lists them")
	}
	types, err := handover.ParseTypesFlag("types", p.Types)
	if err != nil {
		return jobRequest{}, err
	}
	up := handover.PairUpload(strconv.FormatInt(p.From, 10), strconv.FormatInt(p.To, 10))
	return jobRequest{up: up, opts: handover.RunOptions{Types: types}, digest: fmt.Sprintf("pair %d %d %s", p.From, p.To, p.Types)}, nil
}
