package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"unicode/utf8"

	"handover"
)

// maxUploadName is the most characters of an upload's name that are kept.
const maxUploadName = 120

// StoreUpload keeps a file the operator uploaded in the console, named
// name (as the browser sent it), and returns it with its unguessable ID.
// The face caps content's size; the file is read only when previewed or
// run, so that a file the reader rejects still has a preview that says why.
func (s *Service) StoreUpload(ctx context.Context, a Access, name string, content []byte) (handover.StoredUpload, error) {
	id, err := newToken()
	if err != nil {
		return handover.StoredUpload{}, err
	}
	sum := sha256.Sum256(content)
	u := handover.StoredUpload{ID: id, Tenant: a.Op.TenantID, Operator: a.Op.ID, Name: uploadName(name),
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)), Created: s.DB.Now().UTC()}
	return u, s.DB.StoreUpload(ctx, u, content)
}

// uploadName is the base name of a file as a browser names it (some send
// a Windows path), without control characters, at most maxUploadName
// characters; "upload.csv" when nothing is left.
func uploadName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if r := []rune(strings.TrimSpace(name)); len(r) > maxUploadName {
		name = string(r[:maxUploadName])
	}
	if name = strings.TrimSpace(name); name == "" || name == "." || name == "/" {
		return "upload.csv"
	}
	return name
}

// UploadsListed is how many of the operator's newest uploads the Bulk tab
// lists.
const UploadsListed = 10

// Uploads lists the operator's own uploads still kept, newest first.
func (s *Service) Uploads(ctx context.Context, a Access) ([]handover.StoredUpload, error) {
	return s.DB.Uploads(ctx, a.Op.TenantID, a.Op.ID, UploadsListed)
}

// Upload reads back one of the operator's stored uploads. Another
// operator's upload, or another tenant's, is not found. A file the reader
// rejects as a whole returns its error with the stored upload.
func (s *Service) Upload(ctx context.Context, a Access, id string) (handover.StoredUpload, *handover.Upload, error) {
	stored, content, err := s.DB.Upload(ctx, a.Op.TenantID, a.Op.ID, id)
	if err != nil {
		return stored, nil, err
	}
	up, err := Read(bytes.NewReader(content), stored.Name, s.MaxPairs, "")
	if err != nil {
		return stored, nil, err
	}
	up.Stored = stored.ID
	return stored, up, nil
}

// PreviewUpload is Preview of one of the operator's stored uploads: the
// plan the command line's preview shows for the same file. A file
// rejected as a whole gives its error and a plan holding only it.
func (s *Service) PreviewUpload(ctx context.Context, a Access, id string, opts handover.RunOptions) (handover.StoredUpload, *handover.Plan, error) {
	stored, up, err := s.Upload(ctx, a, id)
	if err != nil {
		if p, ok := RejectedPlan(err); ok {
			return stored, p, err
		}
		return stored, nil, err
	}
	plan, err := s.Preview(ctx, a, up, opts)
	return stored, plan, err
}

// RunUpload is Run of one of the operator's stored uploads; the job
// records which.
func (s *Service) RunUpload(ctx context.Context, a Access, id string, opts handover.RunOptions, confirm Confirmer, prog Progress) (Outcome, error) {
	_, up, err := s.Upload(ctx, a, id)
	if err != nil {
		return Outcome{}, err
	}
	return s.Run(ctx, a, up, opts, confirm, prog)
}
