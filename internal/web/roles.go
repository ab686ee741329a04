package web

import (
	"net/http"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
)

type roleListData struct {
	Roles []auth.Role
}

func (s *Server) roleListPage(w http.ResponseWriter, r *http.Request) {
	roles, err := s.store.ListRoles(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "角色", crumb{Label: "系统管理"}, crumb{Label: "角色"})
	v.Data = roleListData{Roles: roles}
	s.render(w, r, "role_list", v)
}

type roleFormData struct {
	IsNew  bool
	Code   string
	Perms  []auth.Permission
	Scopes []auth.ScopeKind
}

func newRoleFormData(isNew bool, code string) roleFormData {
	return roleFormData{IsNew: isNew, Code: code, Perms: auth.Permissions(), Scopes: auth.ScopeKinds()}
}

func roleFrom(r *http.Request, code string) auth.Role {
	f := r.PostForm
	role := auth.Role{Code: code, Name: f.Get("name"), Scope: auth.ScopeKind(f.Get("scope"))}
	for _, p := range f["permissions"] {
		role.Permissions = append(role.Permissions, auth.Permission(p))
	}
	return role
}

func (s *Server) roleNewPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "新建角色", crumb{Label: "角色", Href: "/roles"}, crumb{Label: "新建角色"})
	v.Form.Values.Set("scope", string(auth.ScopeSubtree))
	v.Data = newRoleFormData(true, "")
	s.render(w, r, "role_form", v)
}

func (s *Server) roleCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	role := roleFrom(r, strings.TrimSpace(r.PostForm.Get("code")))
	// SaveRole updates a role that exists: a new one must not take the
	// code of another.
	_, err := s.store.GetRole(r.Context(), role.Code)
	switch {
	case err == nil:
		err = &apperr.Error{Kind: apperr.Conflict, Message: "该角色代码已被使用", Fields: map[string]string{"code": "该角色代码已被使用，请换一个"}}
	case apperr.Is(err, apperr.NotFound):
		if role, err = s.store.SaveRole(r.Context(), actorFrom(r), role); err == nil {
			redirectOK(w, r, "/roles", "已新建角色“"+role.Name+"”")
			return
		}
	}
	v := s.newView(r, "新建角色", crumb{Label: "角色", Href: "/roles"}, crumb{Label: "新建角色"})
	v.Form = newForm(r.PostForm)
	if !v.Form.fail(err) {
		s.fail(w, r, err)
		return
	}
	v.Data = newRoleFormData(true, "")
	s.renderStatus(w, r, statusOf(err), "role_form", v)
}

// customRole fetches the role named in the path; built-in roles cannot be
// edited, so asking for one answers with a message on the role list.
func (s *Server) customRole(w http.ResponseWriter, r *http.Request) (auth.Role, bool) {
	role, err := s.store.GetRole(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return role, false
	}
	if role.BuiltIn {
		setFlash(w, "error", "内置角色“"+role.Name+"”不能修改或删除")
		http.Redirect(w, r, "/roles", http.StatusSeeOther)
		return role, false
	}
	return role, true
}

func (s *Server) roleEditPage(w http.ResponseWriter, r *http.Request) {
	role, ok := s.customRole(w, r)
	if !ok {
		return
	}
	v := s.newView(r, "修改角色", crumb{Label: "角色", Href: "/roles"}, crumb{Label: role.Name}, crumb{Label: "修改"})
	v.Form.Values.Set("name", role.Name)
	v.Form.Values.Set("scope", string(role.Scope))
	for _, p := range role.Permissions {
		v.Form.Values.Add("permissions", string(p))
	}
	v.Data = newRoleFormData(false, role.Code)
	s.render(w, r, "role_form", v)
}

func (s *Server) roleUpdate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	old, ok := s.customRole(w, r)
	if !ok {
		return
	}
	role, err := s.store.SaveRole(r.Context(), actorFrom(r), roleFrom(r, old.Code))
	if err == nil {
		redirectOK(w, r, "/roles", "已保存角色“"+role.Name+"”，持有该角色的账号下次操作时即按新权限")
		return
	}
	v := s.newView(r, "修改角色", crumb{Label: "角色", Href: "/roles"}, crumb{Label: old.Name}, crumb{Label: "修改"})
	v.Form = newForm(r.PostForm)
	if !v.Form.fail(err) {
		s.fail(w, r, err)
		return
	}
	v.Data = newRoleFormData(false, old.Code)
	s.renderStatus(w, r, statusOf(err), "role_form", v)
}

func (s *Server) roleDelete(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	role, ok := s.customRole(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteRole(r.Context(), actorFrom(r), role.Code); err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal && e.Kind != apperr.NotFound {
			setFlash(w, "error", "未能删除角色“"+role.Name+"”："+firstMessage(e))
			http.Redirect(w, r, "/roles", http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, "/roles", "已删除角色“"+role.Name+"”")
}
