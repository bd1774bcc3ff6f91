package web

import (
	"errors"
	"io"
	"net/http"

	"handover"
	"handover/transfer"
)

// uploadField is the name of the multipart part holding the file.
const uploadField = "file"

// handleUpload keeps the file of a multipart form POST (the Bulk tab's
// form, or a drop on its drop zone) and shows its preview. The body is
// cut off at s.MaxUpload bytes: a longer one is refused with 413 before
// anything is stored. The parts are streamed, so nothing lands on disk.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload)
	name, content, err := s.readUpload(r)
	if err != nil {
		return err
	}
	stored, err := s.Service.StoreUpload(r.Context(), a, name, content)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/bulk/uploads/"+stored.ID, http.StatusSeeOther)
	return nil
}

// readUpload returns the name and bytes of the request's file part.
func (s *Server) readUpload(r *http.Request) (string, []byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, handover.Errorf(handover.ErrUsage, "the upload is not a file form (%v): choose the file with Upload User Data Transfer File on the Bulk tab", err)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return "", nil, s.uploadError(err, "no file was sent: choose the file with Upload User Data Transfer File")
		}
		if part.FormName() != uploadField {
			continue
		}
		if part.FileName() == "" {
			return "", nil, handover.Errorf(handover.ErrUsage, "no file was chosen: choose the edited people CSV with Upload User Data Transfer File")
		}
		content, err := io.ReadAll(part)
		if err != nil {
			return "", nil, s.uploadError(err, "the upload broke off before the end of the file: upload it again")
		}
		return part.FileName(), content, nil
	}
}

// uploadError says why reading an upload failed: too large (413), or
// what other says.
func (s *Server) uploadError(err error, other string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return handover.Errorf(handover.ErrTooLarge, "the file is larger than %s, the most this console accepts (serve --max-upload-mb): nothing was stored or changed; split the file, or ask whoever runs the console to raise the limit",
			megabytes(s.MaxUpload))
	}
	if errors.Is(err, io.EOF) {
		return handover.Errorf(handover.ErrUsage, "%s", other)
	}
	return handover.Errorf(handover.ErrUsage, "%s (%v)", other, err)
}

// megabytes renders a size limit as "50 MB" (or bytes when under 1 MB).
func megabytes(n int64) string {
	if n >= 1<<20 {
		return thousands(n>>20) + " MB"
	}
	return thousands(n) + " bytes"
}
