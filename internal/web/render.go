package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/demo"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
)

//go:embed templates
var templateFS embed.FS

// templates holds every page parsed once at start: each page is the layout
// plus its own file, so pages cannot clash over block names.
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates() (*templates, error) {
	base, err := template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t.pages[name], err = clone.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
	}
	return t, nil
}

// view is what every page template receives.
type view struct {
	Title   string
	Crumbs  []crumb
	Nav     []navGroup
	Actor   auth.Actor
	User    auth.User
	Flash   *flash
	Form    *form
	Data    any
	Demo    []demo.Account
	Version string
	Path    string
	Query   url.Values
	Unread  int // the signed-in user's unread notifications, for the top bar
}

type crumb struct {
	Label string
	Href  string
}

type flash struct {
	Kind    string // ok or error
	Message string
}

// newView starts the view of a page for the signed-in actor (if any).
func (s *Server) newView(r *http.Request, title string, crumbs ...crumb) *view {
	a := actorFrom(r)
	v := &view{Title: title, Crumbs: crumbs, Actor: a, User: userFrom(r), Version: s.cfg.Version, Path: r.URL.Path, Query: r.URL.Query(), Form: newForm(nil)}
	if a.UserID != 0 {
		v.Nav = navFor(a, r.URL.Path)
		// One indexed count per page; a failure only hides the badge.
		n, err := s.store.CountUnread(r.Context(), a)
		if err != nil {
			s.log.Warn("count unread notifications", "err", err)
		}
		v.Unread = n
	}
	v.Flash = readFlash(r)
	return v
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, page string, v *view) {
	s.renderStatus(w, r, http.StatusOK, page, v)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := s.tmpl.pages[page]
	if !ok {
		s.log.Error("unknown template", "page", page)
		http.Error(w, "template missing", http.StatusInternalServerError)
		return
	}
	if v.Flash != nil {
		clearFlash(w)
	}
	var buf bytes.Buffer
	entry := "layout"
	if r.Header.Get("HX-Request") == "true" && t.Lookup("fragment") != nil {
		entry = "fragment"
	}
	if err := t.ExecuteTemplate(&buf, entry, v); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "页面渲染失败", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pager holds the links of a keyset-paginated list: back to the first
// page and on to the next ("" when there is none).
type pager struct {
	First, Next string
}

// pagerFor builds the pager of a list at path filtered by q, showing
// the page after cursor whose last row leads to next.
func pagerFor(path string, q url.Values, cursor, next int64) pager {
	var p pager
	c := url.Values{}
	for k, v := range q {
		c[k] = slices.Clone(v)
	}
	if cursor > 0 {
		c.Del("cursor")
		p.First = path
		if enc := c.Encode(); enc != "" {
			p.First += "?" + enc
		}
	}
	if next > 0 {
		c.Set("cursor", strconv.FormatInt(next, 10))
		p.Next = path + "?" + c.Encode()
	}
	return p
}

// form carries what the user typed and what was wrong with it, so a page
// can show errors beside the fields and keep the values.
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string
}

func newForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{Values: values, Errors: map[string]string{}}
}

// Get returns the typed value of a field.
func (f *form) Get(name string) string { return f.Values.Get(name) }

// Has reports whether value is among the field's values (checkboxes, multi-selects).
func (f *form) Has(name, value string) bool { return slices.Contains(f.Values[name], value) }

// Err returns the error message for a field.
func (f *form) Err(name string) string { return f.Errors[name] }

// fail records err on the form: field messages beside fields, the rest as
// a banner. It reports whether err was a user error worth re-showing the
// form for.
func (f *form) fail(err error) bool {
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal {
		return false
	}
	for k, v := range e.Fields {
		f.Errors[k] = v
	}
	f.Error = e.Message
	return true
}

func setFlash(w http.ResponseWriter, kind, msg string) {
	http.SetCookie(w, &http.Cookie{Name: "jinguo_flash", Value: kind + ":" + base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func readFlash(r *http.Request) *flash {
	c, err := r.Cookie("jinguo_flash")
	if err != nil {
		return nil
	}
	kind, enc, ok := strings.Cut(c.Value, ":")
	msg, err := base64.RawURLEncoding.DecodeString(enc)
	if !ok || err != nil {
		return nil
	}
	return &flash{Kind: kind, Message: string(msg)}
}

func clearFlash(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: "jinguo_flash", Value: "", Path: "/", MaxAge: -1})
}

// redirectOK sends the browser on with a success message.
func redirectOK(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		setFlash(w, "ok", msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

var templateFuncs = template.FuncMap{
	"date":      localtime.Date,
	"datetime":  localtime.Format,
	"dateOnly":  func(t time.Time) string { return t.Format("2006-01-02") },
	"money":     formatFen,
	"maskName":  people.MaskName,
	"orgKind":   func(k orgs.Kind) string { return k.Label() },
	"orgStatus": func(s orgs.Status) string { return s.Label() },
	"sexLabel":  func(s people.Sex) string { return s.Label() },
	"relation":  func(r people.Relation) string { return r.Label() },
	"action":    func(a audit.Action) string { return a.Label() },
	"entity":    audit.EntityLabel,
	"scopeKind": func(k auth.ScopeKind) string { return k.Label() },
	"perm":      func(p auth.Permission) string { return p.Label() },
	"roleName": func(code string) string {
		for _, r := range auth.BuiltInRoles() {
			if r.Code == code {
				return r.Name
			}
		}
		return code
	},
	"can": func(a auth.Actor, p string) bool { return a.Can(auth.Permission(p)) },
	"age": func(birth time.Time) int {
		return people.AgeOn(birth, localtime.Today(time.Now()))
	},
	"label": func(m map[string]string, code string) string {
		if l, ok := m[code]; ok {
			return l
		}
		return code
	},
	"itoa": func(v int64) string { return strconv.FormatInt(v, 10) },
	"join": strings.Join,
	// with returns q with key set to value, for pager and filter links.
	"with": func(q url.Values, key, value string) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = slices.Clone(v)
		}
		if value == "" {
			c.Del(key)
		} else {
			c.Set(key, value)
		}
		return c.Encode()
	},
	"contains": func(list []string, v string) bool { return slices.Contains(list, v) },
	"add":      func(a, b int) int { return a + b },
	"percent": func(done, total int) int {
		if total <= 0 {
			return 0
		}
		return done * 100 / total
	},
}

// formatFen shows integer fen as ¥10,000.00.
func formatFen(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	yuan := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, c := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	sign := ""
	if neg {
		sign = "-"
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, b.String(), fen%100)
}
