package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

// adminRoutes registers the system administration pages: accounts, roles,
// dictionaries and the audit log.
func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /users", s.need(auth.UsersRead, s.userListPage))
	mux.HandleFunc("GET /users/new", s.need(auth.UsersWrite, s.userNewPage))
	mux.HandleFunc("POST /users", s.need(auth.UsersWrite, s.userCreate))
	mux.HandleFunc("GET /users/{id}", s.need(auth.UsersRead, s.userDetailPage))
	mux.HandleFunc("GET /users/{id}/edit", s.need(auth.UsersWrite, s.userEditPage))
	mux.HandleFunc("POST /users/{id}", s.need(auth.UsersWrite, s.userUpdate))
	mux.HandleFunc("POST /users/{id}/reset-password", s.need(auth.UsersWrite, s.userResetPassword))
	mux.HandleFunc("POST /users/{id}/disable", s.need(auth.UsersWrite, s.userSetDisabled(true)))
	mux.HandleFunc("POST /users/{id}/enable", s.need(auth.UsersWrite, s.userSetDisabled(false)))
	mux.HandleFunc("POST /users/{id}/unlock", s.need(auth.UsersWrite, s.userUnlock))

	mux.HandleFunc("GET /roles", s.need(auth.UsersRead, s.roleListPage))
	mux.HandleFunc("GET /roles/new", s.need(auth.RolesWrite, s.roleNewPage))
	mux.HandleFunc("POST /roles", s.need(auth.RolesWrite, s.roleCreate))
	mux.HandleFunc("GET /roles/{code}/edit", s.need(auth.RolesWrite, s.roleEditPage))
	mux.HandleFunc("POST /roles/{code}", s.need(auth.RolesWrite, s.roleUpdate))
	mux.HandleFunc("POST /roles/{code}/delete", s.need(auth.RolesWrite, s.roleDelete))

	mux.HandleFunc("GET /dicts", s.need(auth.DictsWrite, s.dictListPage))
	mux.HandleFunc("GET /dicts/{name}", s.need(auth.DictsWrite, s.dictPage))
	mux.HandleFunc("GET /dicts/{name}/items/{code}", s.need(auth.DictsWrite, s.dictItemPage))
	mux.HandleFunc("POST /dicts/{name}/items", s.need(auth.DictsWrite, s.dictItemSave))
	mux.HandleFunc("POST /dicts/{name}/items/{code}/delete", s.need(auth.DictsWrite, s.dictItemDelete))

	mux.HandleFunc("GET /audit", s.need(auth.AuditRead, s.auditPage))
	mux.HandleFunc("GET /audit/export.xlsx", s.need(auth.AuditRead, s.auditExport))
}

// userRow is an account as lists and the detail page show it.
type userRow struct {
	auth.User
	RoleName string
	IsLocked bool
}

func (s *Server) userRows(list []auth.User, roles []auth.Role) []userRow {
	now := s.now()
	out := make([]userRow, len(list))
	for i, u := range list {
		out[i] = userRow{User: u, RoleName: roleName(roles, u.Role), IsLocked: u.Locked(now)}
	}
	return out
}

func roleName(roles []auth.Role, code string) string {
	for _, r := range roles {
		if r.Code == code {
			return r.Name
		}
	}
	return code
}

type userListData struct {
	Rows  []userRow
	Orgs  []option
	Roles []auth.Role
	Pager pager
}

func (s *Server) userListPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	cursor := queryID(r, "cursor")
	f := store.UserFilter{Q: strings.TrimSpace(q.Get("q")), OrgID: queryID(r, "org_id"), Role: q.Get("role"), Cursor: cursor, Limit: 50}
	list, next, err := s.store.ListUsers(ctx, a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	roles, err := s.store.ListRoles(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgList, err := s.filterOrgs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "账号", crumb{Label: "系统管理"}, crumb{Label: "账号"})
	v.Form = newForm(q)
	v.Data = userListData{Rows: s.userRows(list, roles), Orgs: orgList, Roles: roles, Pager: pagerFor("/users", q, cursor, next)}
	s.render(w, r, "user_list", v)
}

type userFormData struct {
	IsNew bool
	User  auth.User
	Orgs  []orgs.Org
	Roles []auth.Role
	// ScopeOrgs are the orgs a role with chosen subtrees may open; empty
	// when the actor can grant no such role, and the field is then hidden.
	ScopeOrgs     []orgs.Org
	SubtreesRoles string
}

// userFormData loads the choices of the account form: active orgs in the
// actor's scope, every role (the store refuses those the actor may not
// grant) and, for roles with chosen subtrees, the orgs to choose from.
func (s *Server) userFormData(r *http.Request, isNew bool, u auth.User) (userFormData, error) {
	a := actorFrom(r)
	ctx := r.Context()
	d := userFormData{IsNew: isNew, User: u}
	var err error
	if d.Orgs, _, err = s.store.ListOrgs(ctx, a, store.OrgFilter{Status: orgs.Active, Limit: 5000}); err != nil {
		return d, err
	}
	if u.OrgID != 0 && !slices.ContainsFunc(d.Orgs, func(o orgs.Org) bool { return o.ID == u.OrgID }) {
		// A closed org stays selectable for the account already there.
		if o, err := s.store.GetOrg(ctx, a, u.OrgID); err == nil {
			d.Orgs = append([]orgs.Org{o}, d.Orgs...)
		}
	}
	if d.Roles, err = s.store.ListRoles(ctx); err != nil {
		return d, err
	}
	var names []string
	for _, role := range d.Roles {
		if role.Scope == auth.ScopeSubtrees {
			names = append(names, role.Name)
		}
	}
	// Only an actor who sees everything may grant chosen subtrees.
	if len(names) > 0 && (a.Scope.All || len(u.ScopeOrgIDs) > 0) {
		d.SubtreesRoles = strings.Join(names, "、")
		for _, o := range d.Orgs {
			if o.Kind != orgs.Village || slices.Contains(u.ScopeOrgIDs, o.ID) {
				d.ScopeOrgs = append(d.ScopeOrgs, o)
			}
		}
	}
	return d, nil
}

func userInputFrom(r *http.Request) store.UserInput {
	f := r.PostForm
	in := store.UserInput{
		Username:    f.Get("username"),
		DisplayName: f.Get("display_name"),
		Password:    f.Get("password"),
		OrgID:       formID(r, "org_id"),
		Role:        f.Get("role"),
	}
	for _, v := range f["scope_org_ids"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			in.ScopeOrgIDs = append(in.ScopeOrgIDs, id)
		}
	}
	return in
}

func (s *Server) userNewPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.userFormData(r, true, auth.User{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "新建账号", crumb{Label: "账号", Href: "/users"}, crumb{Label: "新建账号"})
	if org := queryID(r, "org_id"); org != 0 {
		v.Form.Values.Set("org_id", strconv.FormatInt(org, 10))
	}
	v.Data = d
	s.render(w, r, "user_form", v)
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := userInputFrom(r)
	var err error
	if in.Password != r.PostForm.Get("confirm_password") {
		err = apperr.Fields{"confirm_password": "两次输入的密码不一致"}.Err()
	} else {
		var u auth.User
		if u, err = s.store.CreateUser(r.Context(), actorFrom(r), in); err == nil {
			redirectOK(w, r, "/users/"+strconv.FormatInt(u.ID, 10), "已新建账号“"+u.Username+"”，首次登录须修改密码")
			return
		}
	}
	v := s.newView(r, "新建账号", crumb{Label: "账号", Href: "/users"}, crumb{Label: "新建账号"})
	v.Form = newForm(r.PostForm)
	v.Form.Values.Del("password")
	v.Form.Values.Del("confirm_password")
	if !v.Form.fail(err) {
		s.fail(w, r, err)
		return
	}
	d, derr := s.userFormData(r, true, auth.User{})
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	v.Data = d
	s.renderStatus(w, r, statusOf(err), "user_form", v)
}

type userDetailData struct {
	U         userRow
	ScopeOrgs []orgs.Org
	// NewPassword is a password just generated by a reset, shown once.
	NewPassword string
	Self        bool
}

// userDetail loads the account id with what its page shows.
func (s *Server) userDetail(r *http.Request, id int64) (userDetailData, error) {
	a := actorFrom(r)
	ctx := r.Context()
	u, err := s.store.GetUser(ctx, a, id)
	if err != nil {
		return userDetailData{}, err
	}
	roles, err := s.store.ListRoles(ctx)
	if err != nil {
		return userDetailData{}, err
	}
	d := userDetailData{U: s.userRows([]auth.User{u}, roles)[0], Self: u.ID == a.UserID}
	for _, oid := range u.ScopeOrgIDs {
		o, err := s.store.GetOrg(ctx, a, oid)
		if apperr.Is(err, apperr.NotFound) {
			o = orgs.Org{ID: oid, Name: "组织 " + strconv.FormatInt(oid, 10)}
		} else if err != nil {
			return d, err
		}
		d.ScopeOrgs = append(d.ScopeOrgs, o)
	}
	return d, nil
}

func (s *Server) userDetailPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.userDetail(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, d.U.Username, crumb{Label: "账号", Href: "/users"}, crumb{Label: d.U.Username})
	v.Data = d
	s.render(w, r, "user_detail", v)
}

func (s *Server) userEditPage(w http.ResponseWriter, r *http.Request) {
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
	d, err := s.userFormData(r, false, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "修改账号", crumb{Label: "账号", Href: "/users"}, crumb{Label: u.Username, Href: "/users/" + strconv.FormatInt(u.ID, 10)}, crumb{Label: "修改"})
	v.Form.Values.Set("display_name", u.DisplayName)
	v.Form.Values.Set("org_id", strconv.FormatInt(u.OrgID, 10))
	v.Form.Values.Set("role", u.Role)
	for _, oid := range u.ScopeOrgIDs {
		v.Form.Values.Add("scope_org_ids", strconv.FormatInt(oid, 10))
	}
	v.Data = d
	s.render(w, r, "user_form", v)
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	a := actorFrom(r)
	u, err := s.store.UpdateUser(r.Context(), a, id, userInputFrom(r))
	if err == nil {
		redirectOK(w, r, "/users/"+strconv.FormatInt(u.ID, 10), "已保存")
		return
	}
	if apperr.Is(err, apperr.Forbidden) {
		setFlash(w, "error", apperr.As(err).Message)
		http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	old, gerr := s.store.GetUser(r.Context(), a, id)
	v := s.newView(r, "修改账号", crumb{Label: "账号", Href: "/users"}, crumb{Label: old.Username, Href: "/users/" + strconv.FormatInt(id, 10)}, crumb{Label: "修改"})
	v.Form = newForm(r.PostForm)
	if gerr != nil || !v.Form.fail(err) {
		s.fail(w, r, err)
		return
	}
	d, derr := s.userFormData(r, false, old)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	v.Data = d
	s.renderStatus(w, r, statusOf(err), "user_form", v)
}

// userResetPassword sets the password the admin typed or, when none was
// typed, a generated one shown once on the page that answers. Either way
// the account must change it at next sign-in.
func (s *Server) userResetPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	pw, confirm := r.PostForm.Get("password"), r.PostForm.Get("confirm_password")
	var err error
	generated := pw == "" && confirm == ""
	if generated {
		pw = auth.GeneratePassword()
	}
	if !generated && pw != confirm {
		err = apperr.Fields{"confirm_password": "两次输入的密码不一致"}.Err()
	} else {
		err = s.store.ResetPassword(r.Context(), actorFrom(r), id, pw)
	}
	to := "/users/" + strconv.FormatInt(id, 10)
	if err != nil {
		e := apperr.As(err)
		switch {
		case e == nil || e.Kind == apperr.Internal || e.Kind == apperr.NotFound:
			s.fail(w, r, err)
		case e.Kind == apperr.Invalid:
			s.userDetailWithForm(w, r, id, err)
		default:
			setFlash(w, "error", "未能重置密码："+firstMessage(e))
			http.Redirect(w, r, to, http.StatusSeeOther)
		}
		return
	}
	if !generated {
		redirectOK(w, r, to, "密码已重置，该账号下次登录时须修改密码")
		return
	}
	d, err := s.userDetail(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.NewPassword = pw
	v := s.newView(r, d.U.Username, crumb{Label: "账号", Href: "/users"}, crumb{Label: d.U.Username})
	v.Data = d
	s.render(w, r, "user_detail", v)
}

// userDetailWithForm shows the account page again with the reset form's
// errors beside its fields.
func (s *Server) userDetailWithForm(w http.ResponseWriter, r *http.Request, id int64, err error) {
	d, derr := s.userDetail(r, id)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	v := s.newView(r, d.U.Username, crumb{Label: "账号", Href: "/users"}, crumb{Label: d.U.Username})
	v.Form.fail(err)
	if m, ok := v.Form.Errors["new_password"]; ok {
		v.Form.Errors["password"] = m
		delete(v.Form.Errors, "new_password")
	}
	v.Data = d
	s.renderStatus(w, r, statusOf(err), "user_detail", v)
}

func (s *Server) userSetDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := "已启用账号"
		if disabled {
			msg = "已停用账号，该账号已在所有设备上退出"
		}
		s.userAction(w, r, msg, func(a auth.Actor, id int64) error {
			return s.store.SetUserDisabled(r.Context(), a, id, disabled)
		})
	}
}

func (s *Server) userUnlock(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, "已解除锁定", func(a auth.Actor, id int64) error {
		return s.store.UnlockUser(r.Context(), a, id)
	})
}

// userAction runs a one-button change on an account and returns to its
// page with the outcome as a message.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, okMsg string, do func(a auth.Actor, id int64) error) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	to := "/users/" + strconv.FormatInt(id, 10)
	if err := do(actorFrom(r), id); err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal && e.Kind != apperr.NotFound {
			setFlash(w, "error", firstMessage(e))
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, to, okMsg)
}
