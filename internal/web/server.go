// Package web serves Jinguo's Chinese web UI (server-rendered html/template
// with htmx) and its JSON API under /api/v1. Handlers check permissions and
// shape input; the store enforces data scope.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"jinguo/internal/demo"
	"jinguo/internal/store"
)

// Config tunes the server.
type Config struct {
	// Demo lists demo accounts on the sign-in page.
	Demo bool
	// SecureCookies marks cookies Secure (set when served over HTTPS).
	SecureCookies bool
	// Version is shown in the footer and /healthz.
	Version string
	// MaxImportBytes limits uploaded spreadsheets (default 10 MiB).
	MaxImportBytes int64
}

// Server is the HTTP side of Jinguo.
type Server struct {
	store   *store.Store
	cfg     Config
	log     *slog.Logger
	tmpl    *templates
	metrics *metrics
	demo    []demo.Account
	now     func() time.Time
	apiList []apiRoute
	reg     *prometheus.Registry
}

// New returns a server over st. reg receives the Prometheus metrics (a new
// registry when nil).
func New(st *store.Store, cfg Config, log *slog.Logger, reg *prometheus.Registry) (*Server, error) {
	if cfg.MaxImportBytes == 0 {
		cfg.MaxImportBytes = 10 << 20
	}
	if log == nil {
		log = slog.Default()
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{store: st, cfg: cfg, log: log, tmpl: t, metrics: newMetrics(reg), now: st.Now, reg: reg}
	if cfg.Demo {
		s.demo = demo.Accounts()
	}
	return s, nil
}

// Handler returns the root handler with every route and middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	var h http.Handler = mux
	h = csrf.Handler(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	h = s.recoverPanics(h)
	return h
}

// ListenAndServe serves on addr until ctx is cancelled, then shuts down
// gracefully, letting requests in flight finish.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(addr string)) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
