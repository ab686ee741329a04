package web

import "net/http"

// screeningRoutes is a placeholder until the feature lands.
func (s *Server) screeningRoutes(mux *http.ServeMux) {}
