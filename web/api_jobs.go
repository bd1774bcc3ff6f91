package web

import (
	"net/http"

	"handover/transfer"
)

func (s *Server) apiStartJob(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	return nil
}

func (s *Server) apiUndo(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	return nil
}

func (s *Server) apiResume(w http.ResponseWriter, r *http.Request, a transfer.Access) error {
	return nil
}
