package web

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/cases"
	"jinguo/internal/dicts"
	"jinguo/internal/store"
)

// The online door of the 12338 hotline: a help form and a status page for
// women without an account. Every POST is size-limited and rate-limited
// through counters in the database, so the limits hold across servers.

// maxPublicBody bounds a public form or JSON body.
const maxPublicBody = 32 << 10

// rateLimit is one counter a public request must pass.
type rateLimit struct {
	key    string
	limit  int
	window time.Duration
}

// helpLimits guard submissions: five per client an hour, and a ceiling for
// everyone together so a botnet cannot bury the hotline's inbox.
func helpLimits(ip string) []rateLimit {
	return []rateLimit{
		{key: "help:ip:" + ip, limit: 5, window: time.Hour},
		{key: "help:all", limit: 500, window: time.Hour},
	}
}

// statusLimits guard status lookups: twenty per client in ten minutes, and
// ten an hour per tracking code, so spreading guesses of the last four
// digits over many clients does not help. The code is keyed-hashed: the
// table never holds it.
func (s *Server) statusLimits(ip, code string) []rateLimit {
	out := []rateLimit{{key: "status:ip:" + ip, limit: 20, window: 10 * time.Minute}}
	if norm := cases.NormalizeTrackingCode(code); norm != "" {
		h := hex.EncodeToString(s.store.Box().Hash(norm, "rate_limits.tracking")[:12])
		out = append(out, rateLimit{key: "status:code:" + h, limit: 10, window: time.Hour})
	}
	return out
}

// errRateLimited is the answer past a limit, with the way to get help now.
var errRateLimited = apperr.New(apperr.RateLimited, "提交过于频繁，请稍后再试，紧急情况请拨打12338或110").WithCode("rate_limited")

// checkLimits counts the request against each limit in turn, stopping at
// the first it exceeds. Past a limit it sets Retry-After and returns
// errRateLimited.
func (s *Server) checkLimits(ctx context.Context, w http.ResponseWriter, limits []rateLimit) error {
	for _, l := range limits {
		ok, err := s.store.RateLimit(ctx, l.key, l.limit, l.window)
		if err != nil {
			return err
		}
		if !ok {
			w.Header().Set("Retry-After", strconv.FormatInt(retryAfter(s.now(), l.window), 10))
			return errRateLimited
		}
	}
	return nil
}

// retryAfter is the seconds until the current fixed window ends.
func retryAfter(now time.Time, window time.Duration) int64 {
	w := window.Milliseconds()
	left := w - now.UnixMilli()%w
	return (left + 999) / 1000
}

func (s *Server) publicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /help", s.helpPage)
	mux.HandleFunc("POST /help", s.helpSubmit)
	mux.HandleFunc("GET /help/status", s.helpStatusPage)
	mux.HandleFunc("POST /help/status", s.helpStatusSubmit)
}

// categoryGroup is one group of the category select.
type categoryGroup struct {
	Code, Name string
	Items      []dicts.Item // empty: the group is itself the option
}

type helpPageData struct {
	Categories []categoryGroup
}

// helpCategories lists the enabled case categories as groups of options.
func (s *Server) helpCategories(ctx context.Context) ([]categoryGroup, error) {
	d, err := s.store.Dictionary(ctx, dicts.CaseCategory)
	if err != nil {
		return nil, err
	}
	var groups []categoryGroup
	index := map[string]int{}
	for _, it := range d.Items {
		if it.Enabled && it.ParentCode == "" {
			index[it.Code] = len(groups)
			groups = append(groups, categoryGroup{Code: it.Code, Name: it.Name})
		}
	}
	for _, it := range d.Items {
		if i, ok := index[it.ParentCode]; ok && it.Enabled {
			groups[i].Items = append(groups[i].Items, it)
		}
	}
	return groups, nil
}

// renderHelp shows the form with what was typed and what was wrong.
func (s *Server) renderHelp(w http.ResponseWriter, r *http.Request, status int, f *form) {
	cats, err := s.helpCategories(r.Context())
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	v := s.newView(r, "12338 网上求助")
	v.Form = f
	v.Data = helpPageData{Categories: cats}
	s.renderStatus(w, r, status, "public_help", v)
}

func (s *Server) helpPage(w http.ResponseWriter, r *http.Request) {
	s.renderHelp(w, r, http.StatusOK, newForm(nil))
}

// parsePublicForm reads a size-limited urlencoded body, ignoring the query.
func parsePublicForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxPublicBody)
	return r.ParseForm()
}

// helpFormRequest reads the fields of the help form, and keeps what was
// typed (but the honeypot) for re-showing the form.
func helpFormRequest(r *http.Request) (store.HelpRequest, *form) {
	p := r.PostForm
	kept := url.Values{}
	for _, k := range []string{"category", "description", "phone", "anonymous"} {
		if v := p.Get(k); v != "" {
			kept.Set(k, v)
		}
	}
	return store.HelpRequest{
		Category: p.Get("category"), Description: p.Get("description"), Phone: p.Get("phone"),
		Anonymous: p.Get("anonymous") != "", IP: clientIP(r),
	}, newForm(kept)
}

type helpDoneData struct {
	Code     string
	HasPhone bool
}

func (s *Server) helpSubmit(w http.ResponseWriter, r *http.Request) {
	if err := parsePublicForm(w, r); err != nil {
		s.publicFail(w, r, err)
		return
	}
	in, f := helpFormRequest(r)
	// A field people never see: only a robot fills it. A person whose
	// browser filled it by mistake sees why and can send again at once.
	if r.PostForm.Get("website") != "" {
		f.Error = "提交未成功，请检查后重新提交"
		s.renderHelp(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err := in.Validate(); err != nil {
		f.fail(err)
		s.renderHelp(w, r, statusOf(err), f)
		return
	}
	if err := s.checkLimits(r.Context(), w, helpLimits(in.IP)); err != nil {
		s.publicFail(w, r, err)
		return
	}
	code, err := s.store.SubmitHelpRequest(r.Context(), in)
	if err != nil {
		if f.fail(err) {
			s.renderHelp(w, r, statusOf(err), f)
			return
		}
		s.publicFail(w, r, err)
		return
	}
	v := s.newView(r, "求助已提交")
	v.Data = helpDoneData{Code: code, HasPhone: strings.TrimSpace(in.Phone) != ""}
	s.render(w, r, "public_help_done", v)
}

func (s *Server) helpStatusPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "查询求助进度")
	s.render(w, r, "public_status", v)
}

// helpStatusSubmit answers by POST, so the code never sits in a URL, a
// browser history or an access log.
func (s *Server) helpStatusSubmit(w http.ResponseWriter, r *http.Request) {
	if err := parsePublicForm(w, r); err != nil {
		s.publicFail(w, r, err)
		return
	}
	code, last4 := r.PostForm.Get("code"), r.PostForm.Get("phone_last4")
	f := newForm(url.Values{"code": {code}, "phone_last4": {last4}})
	if err := s.checkLimits(r.Context(), w, s.statusLimits(clientIP(r), code)); err != nil {
		s.publicFail(w, r, err)
		return
	}
	st, err := s.store.HelpStatus(r.Context(), code, last4)
	if err != nil {
		if f.fail(err) {
			v := s.newView(r, "查询求助进度")
			v.Form = f
			s.renderStatus(w, r, statusOf(err), "public_status", v)
			return
		}
		s.publicFail(w, r, err)
		return
	}
	v := s.newView(r, "求助进度")
	v.Data = st
	s.render(w, r, "public_status_result", v)
}

// publicFail answers a public page with err on a page that leads back to
// the help form and the hotline, never to the staff sign-in.
func (s *Server) publicFail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status >= 500 {
		s.log.Error("public request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = apperr.New(apperr.TooLarge, "提交的内容过长，请精简后再提交")
	}
	v := s.newView(r, "未能完成")
	v.Data = errorPage{Status: status, Message: publicError(err).Message}
	s.renderStatus(w, r, status, "public_error", v)
}
