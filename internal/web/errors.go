package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"jinguo/internal/apperr"
)

// statusOf is the one map from error kind to HTTP status.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.BadRequest:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// publicError is what a user may see of err.
func publicError(err error) *apperr.Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "提交的内容过大")
	}
	if e := apperr.As(err); e != nil && e.Kind != apperr.Internal {
		return e
	}
	return apperr.New(apperr.Internal, "服务器内部错误，请稍后重试")
}

// fail answers a request with err: JSON for the API, a page for the UI.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	pe := publicError(err)
	if isAPI(r) {
		writeJSONError(w, status, pe)
		return
	}
	switch {
	case status == http.StatusUnauthorized:
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			next = "/"
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	case apperr.CodeOf(pe) == "password_change_required":
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		return
	}
	v := s.newView(r, "出错了")
	v.Data = errorPage{Status: status, Message: pe.Message}
	s.renderStatus(w, r, status, "error", v)
}

type errorPage struct {
	Status  int
	Message string
}

type jsonError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func writeJSONError(w http.ResponseWriter, status int, e *apperr.Error) {
	code := e.Code
	if code == "" {
		code = string(e.Kind)
	}
	writeJSON(w, status, map[string]jsonError{"error": {Code: code, Message: e.Message, Fields: e.Fields}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
