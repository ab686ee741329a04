package web

import "net/http"

func (s *Server) peopleRoutes(mux *http.ServeMux)    {}
func (s *Server) familyRoutes(mux *http.ServeMux)    {}
func (s *Server) apiPeopleRoutes(mux *http.ServeMux) {}
