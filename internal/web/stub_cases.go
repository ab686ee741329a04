package web

import "net/http"

// caseRoutes is a placeholder until the feature lands.
func (s *Server) caseRoutes(mux *http.ServeMux) {}
