package web

import (
	_ "embed"
	"net/http"
)

// openapiDoc is the OpenAPI 3 description of /api/v1. A test checks that it
// lists exactly the registered routes.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiDoc)
}
