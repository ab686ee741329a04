package web

import "net/http"

// apiPublicRoutes is a placeholder until the feature lands.
func (s *Server) apiPublicRoutes(mux *http.ServeMux) {}
