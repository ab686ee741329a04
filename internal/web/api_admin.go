package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/store"
)

// apiAdminRoutes registers the API of accounts, roles, dictionaries and
// the audit log.
func (s *Server) apiAdminRoutes(mux *http.ServeMux) {
	s.api(mux, "GET /api/v1/users", auth.UsersRead, false, s.apiListUsers)
	s.api(mux, "POST /api/v1/users", auth.UsersWrite, false, s.apiCreateUser)
	s.api(mux, "GET /api/v1/users/{id}", auth.UsersRead, false, s.apiGetUser)
	s.api(mux, "GET /api/v1/roles", auth.UsersRead, false, s.apiListRoles)
	s.api(mux, "GET /api/v1/dictionaries", "", false, s.apiListDictionaries)
	s.api(mux, "GET /api/v1/dictionaries/{name}", "", false, s.apiGetDictionary)
	s.api(mux, "GET /api/v1/audit", auth.AuditRead, false, s.apiListAudit)
}

// userJSON is an account as the API shows it; it never carries the
// password hash.
type userJSON struct {
	ID                 int64      `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	OrgID              int64      `json:"org_id"`
	OrgName            string     `json:"org_name"`
	Role               string     `json:"role"`
	ScopeOrgIDs        []int64    `json:"scope_org_ids"`
	MustChangePassword bool       `json:"must_change_password"`
	Disabled           bool       `json:"disabled"`
	LockedUntil        *time.Time `json:"locked_until"` // null unless locked out now
	LastLoginAt        *time.Time `json:"last_login_at"`
	CreatedAt          time.Time  `json:"created_at"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) toUserJSON(u auth.User) userJSON {
	j := userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, OrgID: u.OrgID, OrgName: u.OrgName, Role: u.Role,
		ScopeOrgIDs: u.ScopeOrgIDs, MustChangePassword: u.MustChangePassword, Disabled: u.Disabled,
		LastLoginAt: optionalTime(u.LastLoginAt), CreatedAt: u.CreatedAt}
	if j.ScopeOrgIDs == nil {
		j.ScopeOrgIDs = []int64{}
	}
	if u.Locked(s.now()) {
		j.LockedUntil = optionalTime(u.LockedUntil)
	}
	return j
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	list, next, err := s.store.ListUsers(r.Context(), actorFrom(r), store.UserFilter{Q: q.Get("q"), OrgID: queryID(r, "org_id"), Role: q.Get("role"), Cursor: cursor, Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]userJSON, len(list))
	for i, u := range list {
		out[i] = s.toUserJSON(u)
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.store.GetUser(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toUserJSON(u))
}

type userRequest struct {
	Username    string  `json:"username"`
	Password    string  `json:"password"`
	OrgID       int64   `json:"org_id"`
	Role        string  `json:"role"`
	DisplayName string  `json:"display_name"`
	ScopeOrgIDs []int64 `json:"scope_org_ids"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var req userRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.store.CreateUser(r.Context(), actorFrom(r), store.UserInput{Username: req.Username, DisplayName: req.DisplayName,
		Password: req.Password, OrgID: req.OrgID, Role: req.Role, ScopeOrgIDs: req.ScopeOrgIDs})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.toUserJSON(u))
}

type roleJSON struct {
	Code        string            `json:"code"`
	Name        string            `json:"name"`
	Scope       auth.ScopeKind    `json:"scope"`
	Permissions []auth.Permission `json:"permissions"`
	BuiltIn     bool              `json:"built_in"`
}

func (s *Server) apiListRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := s.store.ListRoles(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]roleJSON, len(roles))
	for i, role := range roles {
		out[i] = roleJSON{Code: role.Code, Name: role.Name, Scope: role.Scope, Permissions: role.Permissions, BuiltIn: role.BuiltIn}
		if out[i].Permissions == nil {
			out[i].Permissions = []auth.Permission{}
		}
	}
	writeJSON(w, http.StatusOK, newList(out, 0))
}

type dictionaryJSON struct {
	Name      string `json:"name"`
	Label     string `json:"label"`
	BuiltIn   bool   `json:"built_in"`
	ItemCount int    `json:"item_count"`
}

type dictItemJSON struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Enabled    bool   `json:"enabled"`
	ParentCode string `json:"parent_code"`
	Sort       int    `json:"sort"`
}

type dictionaryItemsJSON struct {
	Name  string         `json:"name"`
	Label string         `json:"label"`
	Items []dictItemJSON `json:"items"`
}

func (s *Server) apiListDictionaries(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.ListDictionaries(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]dictionaryJSON, len(list))
	for i, d := range list {
		out[i] = dictionaryJSON{Name: d.Name, Label: d.Label, BuiltIn: d.BuiltIn, ItemCount: d.ItemCount}
	}
	writeJSON(w, http.StatusOK, newList(out, 0))
}

func (s *Server) apiGetDictionary(w http.ResponseWriter, r *http.Request) {
	d, err := s.store.Dictionary(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := dictionaryItemsJSON{Name: d.Name, Label: d.Label, Items: make([]dictItemJSON, len(d.Items))}
	for i, it := range d.Items {
		out.Items[i] = dictItemJSON{Code: it.Code, Name: it.Name, Enabled: it.Enabled, ParentCode: it.ParentCode, Sort: it.Sort}
	}
	writeJSON(w, http.StatusOK, out)
}

type auditJSON struct {
	ID        int64        `json:"id"`
	At        time.Time    `json:"at"`
	UserID    *int64       `json:"user_id"`
	Username  string       `json:"username"`
	OrgID     *int64       `json:"org_id"`
	OrgName   string       `json:"org_name"`
	Action    audit.Action `json:"action"`
	Entity    string       `json:"entity"`
	EntityID  *int64       `json:"entity_id"`
	Detail    any          `json:"detail"`
	IP        string       `json:"ip"`
	UserAgent string       `json:"user_agent"`
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// auditDetailJSON is the detail as a JSON object when it is one, else the
// text as it is.
func auditDetailJSON(detail string) any {
	b := bytes.TrimSpace([]byte(detail))
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return json.RawMessage(b)
	}
	return detail
}

func (s *Server) apiListAudit(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, bad := auditFilterFrom(r.URL.Query())
	if len(bad) > 0 {
		s.fail(w, r, &apperr.Error{Kind: apperr.BadRequest, Message: "查询参数有误", Fields: bad})
		return
	}
	f.Limit, f.Cursor = limit, cursor
	list, next, err := s.store.ListAudit(r.Context(), actorFrom(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]auditJSON, len(list))
	for i, e := range list {
		out[i] = auditJSON{ID: e.ID, At: e.At, UserID: optionalID(e.UserID), Username: e.Username, OrgID: optionalID(e.OrgID),
			OrgName: e.OrgName, Action: e.Action, Entity: e.Entity, EntityID: optionalID(e.EntityID),
			Detail: auditDetailJSON(e.Detail), IP: e.IP, UserAgent: e.UserAgent}
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}
