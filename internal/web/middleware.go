package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
)

const sessionCookie = "jinguo_session"

var errCrossOrigin = apperr.New(apperr.Forbidden, "请求来源不被允许，请刷新页面后重试").WithCode("csrf")

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// securityHeaders sets the headers every response carries. The CSP allows
// no inline script: behaviour lives in /static/app.js.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jinguo_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jinguo_http_request_duration_seconds", Help: "HTTP request duration by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe records metrics and logs server errors and slow requests.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, fmt.Sprint(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
		if sw.status >= 500 || d > 2*time.Second {
			s.log.Warn("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
		}
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", p)
				s.fail(w, r, apperr.Wrap(apperr.Internal, "服务器内部错误", fmt.Errorf("panic: %v", p)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const (
	actorKey ctxKey = iota
	userKey
	tokenKey
)

// actorFrom returns the signed-in actor of the request.
func actorFrom(r *http.Request) auth.Actor {
	a, _ := r.Context().Value(actorKey).(auth.Actor)
	return a
}

func userFrom(r *http.Request) auth.User {
	u, _ := r.Context().Value(userKey).(auth.User)
	return u
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// clientIP is the peer address. Behind a reverse proxy, configure the proxy
// to overwrite X-Real-IP; it is trusted only from loopback.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if real := strings.TrimSpace(r.Header.Get("X-Real-IP")); real != "" && net.ParseIP(real) != nil {
			return real
		}
	}
	return host
}

func requestToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// signedIn wraps handlers that need a session. While a password change is
// due, only the password change and sign-out are reachable.
func (s *Server) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := requestToken(r)
		if token == "" {
			s.fail(w, r, apperr.New(apperr.Unauthenticated, "请先登录"))
			return
		}
		a, u, err := s.store.Authenticate(r.Context(), token, clientIP(r), r.UserAgent())
		if err != nil {
			if !isAPI(r) {
				s.clearSessionCookie(w)
			}
			s.fail(w, r, err)
			return
		}
		if u.MustChangePassword && !passwordChangeAllowed(r) {
			s.fail(w, r, apperr.New(apperr.Forbidden, "首次登录或密码已重置，请先修改密码").WithCode("password_change_required"))
			return
		}
		ctx := context.WithValue(r.Context(), actorKey, a)
		ctx = context.WithValue(ctx, userKey, u)
		ctx = context.WithValue(ctx, tokenKey, token)
		next(w, r.WithContext(ctx))
	}
}

func passwordChangeAllowed(r *http.Request) bool {
	switch r.URL.Path {
	case "/account/password", "/logout", "/api/v1/auth/password", "/api/v1/auth/logout":
		return true
	}
	return false
}

// need wraps handlers that need a session and a permission.
func (s *Server) need(p auth.Permission, next http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if !actorFrom(r).Can(p) {
			s.fail(w, r, apperr.New(apperr.Forbidden, "您没有进行此操作的权限"))
			return
		}
		next(w, r)
	})
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}
