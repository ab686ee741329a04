package web

import "net/http"

// publicRoutes is a placeholder until the feature lands.
func (s *Server) publicRoutes(mux *http.ServeMux) {}
