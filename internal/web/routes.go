package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"jinguo/internal/auth"
)

//go:embed static
var staticFS embed.FS

// routes registers every UI page and API endpoint. API routes go through
// s.api so the OpenAPI document can be checked against them.
func (s *Server) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))

	// Sign-in and account.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("POST /logout", s.signedIn(s.logout))
	mux.HandleFunc("GET /account/password", s.signedIn(s.passwordPage))
	mux.HandleFunc("POST /account/password", s.signedIn(s.passwordSubmit))
	mux.HandleFunc("GET /{$}", s.signedIn(s.home))

	// Organisations.
	mux.HandleFunc("GET /orgs", s.need(auth.OrgsRead, s.orgTreePage))
	mux.HandleFunc("GET /orgs/new", s.need(auth.OrgsWrite, s.orgNewPage))
	mux.HandleFunc("POST /orgs", s.need(auth.OrgsWrite, s.orgCreate))
	mux.HandleFunc("GET /orgs/{id}", s.need(auth.OrgsRead, s.orgDetailPage))
	mux.HandleFunc("GET /orgs/{id}/edit", s.need(auth.OrgsWrite, s.orgEditPage))
	mux.HandleFunc("POST /orgs/{id}", s.need(auth.OrgsWrite, s.orgUpdate))
	mux.HandleFunc("POST /orgs/{id}/move", s.need(auth.OrgsWrite, s.orgMove))
	mux.HandleFunc("POST /orgs/{id}/status", s.need(auth.OrgsWrite, s.orgSetStatus))

	s.peopleRoutes(mux)
	s.familyRoutes(mux)
	s.importRoutes(mux)
	s.adminRoutes(mux)
	s.caseRoutes(mux)
	s.caseRecordRoutes(mux)
	s.caseAdminRoutes(mux)
	s.screeningRoutes(mux)
	s.publicRoutes(mux)
	s.apiRoutes(mux)
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": string(s.store.Engine())})
}
