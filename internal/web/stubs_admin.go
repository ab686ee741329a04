package web

import "net/http"

func (s *Server) adminRoutes(mux *http.ServeMux)    {}
func (s *Server) apiAdminRoutes(mux *http.ServeMux) {}
