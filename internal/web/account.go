package web

import (
	"net/http"
	"net/url"
	"strings"

	"jinguo/internal/apperr"
)

const maxFormBytes = 1 << 20

// parseForm reads a urlencoded form of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		if statusOf(err) == http.StatusRequestEntityTooLarge {
			return err
		}
		return apperr.Wrap(apperr.BadRequest, "提交的表单无法解析", err)
	}
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "登录")
	v.Demo = s.demo
	v.Form.Values.Set("next", safeNext(r.URL.Query().Get("next")))
	s.render(w, r, "login", v)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "登录")
	v.Demo = s.demo
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	v.Form = newForm(url.Values{"username": {username}, "next": {r.PostForm.Get("next")}})
	if username == "" {
		v.Form.Errors["username"] = "请填写用户名"
	}
	if password == "" {
		v.Form.Errors["password"] = "请填写密码"
	}
	if len(v.Form.Errors) > 0 {
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "login", v)
		return
	}
	u, sess, err := s.store.Login(r.Context(), username, password, clientIP(r), r.UserAgent())
	if err != nil {
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		s.renderStatus(w, r, statusOf(err), "login", v)
		return
	}
	s.setSessionCookie(w, sess.Token)
	if u.MustChangePassword {
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site: a path, with no
// scheme, no host, and none of the characters browsers drop or turn into a
// slash ("/\t/evil.com" becomes "//evil.com").
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	token, _ := r.Context().Value(tokenKey).(string)
	if err := s.store.Logout(r.Context(), actorFrom(r), token); err != nil {
		s.log.Warn("logout", "err", err)
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "password", s.newView(r, "修改密码", crumb{Label: "修改密码"}))
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "修改密码", crumb{Label: "修改密码"})
	oldPw, newPw, confirm := r.PostForm.Get("old_password"), r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	if newPw != confirm {
		v.Form.Errors["confirm_password"] = "两次输入的新密码不一致"
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "password", v)
		return
	}
	if err := s.store.ChangePassword(r.Context(), actorFrom(r), oldPw, newPw); err != nil {
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		s.renderStatus(w, r, statusOf(err), "password", v)
		return
	}
	redirectOK(w, r, "/", "密码已修改")
}

// idAndForm reads the numeric path value name and the posted form, the
// start of every handler that changes a record. On failure it has answered
// the request and ok is false.
func (s *Server) idAndForm(w http.ResponseWriter, r *http.Request, name string) (id int64, ok bool) {
	id, err := pathID(r, name)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, true
}
