package web

import "net/http"

func (s *Server) importRoutes(mux *http.ServeMux) {}
