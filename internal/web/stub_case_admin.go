package web

import "net/http"

// caseAdminRoutes is a placeholder until the feature lands.
func (s *Server) caseAdminRoutes(mux *http.ServeMux) {}
