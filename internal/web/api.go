package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
)

// apiRoute is one registered API endpoint, kept so the OpenAPI document can
// be checked against what is really served.
type apiRoute struct {
	Method, Path string
	Perm         auth.Permission
	Public       bool
}

// api registers an API endpoint: public ones need no session, the others
// need a session and, when perm is set, that permission.
func (s *Server) api(mux *http.ServeMux, pattern string, perm auth.Permission, public bool, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.apiList = append(s.apiList, apiRoute{Method: method, Path: path, Perm: perm, Public: public})
	switch {
	case public:
		mux.HandleFunc(pattern, h)
	case perm != "":
		mux.HandleFunc(pattern, s.need(perm, h))
	default:
		mux.HandleFunc(pattern, s.signedIn(h))
	}
}

// APIRoutes returns the registered API endpoints.
func (s *Server) APIRoutes() []apiRoute { return s.apiList }

// apiRoutes registers the JSON API under /api/v1.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	s.apiList = nil
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.api(mux, "POST /api/v1/auth/login", "", true, s.apiLogin)
	s.api(mux, "POST /api/v1/auth/logout", "", false, s.apiLogout)
	s.api(mux, "POST /api/v1/auth/password", "", false, s.apiPassword)
	s.api(mux, "GET /api/v1/orgs", auth.OrgsRead, false, s.apiListOrgs)
	s.api(mux, "POST /api/v1/orgs", auth.OrgsWrite, false, s.apiCreateOrg)
	s.api(mux, "GET /api/v1/orgs/{id}", auth.OrgsRead, false, s.apiGetOrg)
	s.api(mux, "PATCH /api/v1/orgs/{id}", auth.OrgsWrite, false, s.apiPatchOrg)
	s.apiPeopleRoutes(mux)
	s.apiAdminRoutes(mux)
	s.apiCaseRoutes(mux)
	s.apiPublicRoutes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, apperr.New(apperr.NotFound, "接口不存在"))
	})
}

const maxJSONBytes = 1 << 20

// decodeJSON reads one JSON object of bounded size into dst. Unknown fields
// and trailing data are errors, so typos in field names are not silently
// ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return apperr.New(apperr.BadRequest, "请求体为空，应为JSON对象")
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return &apperr.Error{Kind: apperr.BadRequest, Message: "字段类型不正确：" + ute.Field, Fields: map[string]string{ute.Field: "类型不正确"}, Err: err}
		}
		return apperr.Wrap(apperr.BadRequest, "请求体不是有效的JSON："+err.Error(), err)
	}
	if dec.More() {
		return apperr.New(apperr.BadRequest, "请求体只能包含一个JSON对象")
	}
	return nil
}

// listResponse is the shape of every list: items and an opaque cursor for
// the next page (null on the last page).
type listResponse struct {
	Items      any     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newList[T any](items []T, next int64) listResponse {
	if items == nil {
		items = []T{}
	}
	lr := listResponse{Items: items}
	if next != 0 {
		c := strconv.FormatInt(next, 10)
		lr.NextCursor = &c
	}
	return lr
}

// pageParams reads limit and cursor; bad values are a 400.
func pageParams(r *http.Request) (limit int, cursor int64, err error) {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 1000 {
			return 0, 0, &apperr.Error{Kind: apperr.BadRequest, Message: "limit 应为1到1000之间的整数", Fields: map[string]string{"limit": "应为1到1000之间的整数"}}
		}
		limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, &apperr.Error{Kind: apperr.BadRequest, Message: "cursor 无效", Fields: map[string]string{"cursor": "无效"}}
		}
		cursor = n
	}
	return limit, cursor, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token              string `json:"token"`
	MustChangePassword bool   `json:"must_change_password"`
	ExpiresIn          int    `json:"idle_timeout_seconds"`
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	f := apperr.Fields{}
	if strings.TrimSpace(req.Username) == "" {
		f.Add("username", "请填写用户名")
	}
	if req.Password == "" {
		f.Add("password", "请填写密码")
	}
	if err := f.Err(); err != nil {
		s.fail(w, r, err)
		return
	}
	u, sess, err := s.store.Login(r.Context(), strings.TrimSpace(req.Username), req.Password, clientIP(r), r.UserAgent())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: sess.Token, MustChangePassword: u.MustChangePassword, ExpiresIn: int(auth.IdleTimeout.Seconds())})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	token, _ := r.Context().Value(tokenKey).(string)
	if err := s.store.Logout(r.Context(), actorFrom(r), token); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func (s *Server) apiPassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.ChangePassword(r.Context(), actorFrom(r), req.OldPassword, req.NewPassword); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}
