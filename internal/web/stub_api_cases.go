package web

import "net/http"

// apiCaseRoutes is a placeholder until the feature lands.
func (s *Server) apiCaseRoutes(mux *http.ServeMux) {}
