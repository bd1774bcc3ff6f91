package web

import (
	_ "embed"
	"net/http"
)

// openAPI is the API's OpenAPI 3 description, served as it is.
//
//go:embed openapi.json
var openAPI []byte

// apiOpenAPI answers the API's description; it needs no token.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", jsonType)
	_, _ = w.Write(openAPI)
}
