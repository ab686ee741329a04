package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

const adminNewPassword = "Changed-Pass-2025!"

// adminEnv is a server over a fresh store with the storetest tree.
type adminEnv struct {
	t    *testing.T
	st   *store.Store
	tree storetest.Tree
	srv  *httptest.Server
}

func adminSetup(t *testing.T) *adminEnv {
	t.Helper()
	st := storetest.Open(t, store.SQLite, storetest.Options{})
	tree := storetest.BuildTree(t, st)
	s, err := New(st, Config{}, nil, nil)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &adminEnv{t: t, st: st, tree: tree, srv: srv}
}

type adminResp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r adminResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return m
}

// errorField returns error.fields[name] of a JSON error answer.
func (r adminResp) errorField(t *testing.T, name string) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	s, _ := f[name].(string)
	return s
}

// do sends a request without following redirects. body is JSON unless it
// is url.Values (a form). token goes in a Bearer header for the API and in
// the session cookie for pages.
func (e *adminEnv) do(method, path, token string, body any, header map[string]string) adminResp {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return adminResp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// form posts a page form the way a browser on this site does.
func (e *adminEnv) form(path, token string, v url.Values) adminResp {
	e.t.Helper()
	return e.do(http.MethodPost, path, token, v, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

func (e *adminEnv) want(r adminResp, status int, what string) {
	e.t.Helper()
	if r.Status != status {
		e.t.Fatalf("%s: got status %d, want %d; body: %.600s", what, r.Status, status, r.Body)
	}
}

// signIn creates an account, signs in through the API and changes the
// password it must change, checking that nothing else is open before.
func (e *adminEnv) signIn(username string, orgID int64, role string) (auth.User, string) {
	e.t.Helper()
	org := e.tree.City
	for _, o := range e.tree.All {
		if o.ID == orgID {
			org = o
		}
	}
	u := storetest.NewUser(e.t, e.st, org, username, role)
	r := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": username, "password": storetest.TestPassword}, nil)
	e.want(r, http.StatusOK, "login "+username)
	login := r.json(e.t)
	if login["must_change_password"] != true {
		e.t.Fatalf("login %s: must_change_password = %v, want true", username, login["must_change_password"])
	}
	token := login["token"].(string)
	r = e.do(http.MethodGet, "/api/v1/dictionaries", token, nil, nil)
	e.want(r, http.StatusForbidden, "API before password change")
	if code := r.json(e.t)["error"].(map[string]any)["code"]; code != "password_change_required" {
		e.t.Fatalf("before password change: got code %v, want password_change_required", code)
	}
	r = e.do(http.MethodPost, "/api/v1/auth/password", token, map[string]string{"old_password": storetest.TestPassword, "new_password": adminNewPassword}, nil)
	e.want(r, http.StatusOK, "change password of "+username)
	return u, token
}

func TestAdminUsers(t *testing.T) {
	e := adminSetup(t)
	tr := e.tree
	_, city := e.signIn("city_admin", tr.City.ID, auth.RoleOrgAdmin)
	_, d1 := e.signIn("d1_admin", tr.D1.ID, auth.RoleOrgAdmin)
	other := storetest.NewUser(t, e.st, tr.V3, "d2_cadre", auth.RoleCadre)

	// A city admin creates a cadre through the API.
	r := e.do(http.MethodPost, "/api/v1/users", city, map[string]any{"username": "cadre_api", "password": "Strong-Pass-2024x",
		"org_id": tr.T1.ID, "role": auth.RoleCadre, "display_name": "张丽", "scope_org_ids": []int64{}}, nil)
	e.want(r, http.StatusCreated, "API create cadre")
	if bytes.Contains(r.Body, []byte("hash")) || bytes.Contains(r.Body, []byte("argon2")) {
		t.Fatalf("user JSON leaks the password hash: %s", r.Body)
	}
	u := r.json(t)
	if u["username"] != "cadre_api" || u["org_name"] != tr.T1.Name || u["role"] != auth.RoleCadre || u["must_change_password"] != true || u["locked_until"] != nil {
		t.Fatalf("created user: got %s", r.Body)
	}
	id := int64(u["id"].(float64))
	r = e.do(http.MethodGet, fmt.Sprintf("/api/v1/users/%d", id), city, nil, nil)
	e.want(r, http.StatusOK, "API get user")

	// A weak password is refused beside the field.
	r = e.do(http.MethodPost, "/api/v1/users", city, map[string]any{"username": "cadre_weak", "password": "abc", "org_id": tr.T1.ID, "role": auth.RoleCadre}, nil)
	e.want(r, http.StatusUnprocessableEntity, "API weak password")
	if r.errorField(t, "password") == "" {
		t.Fatalf("weak password: no fields.password in %s", r.Body)
	}

	// The same through the page form.
	form := url.Values{"username": {"cadre_ui"}, "display_name": {"李娜"}, "password": {"Strong-Pass-2024y"}, "confirm_password": {"Strong-Pass-2024y"},
		"org_id": {fmt.Sprint(tr.V1.ID)}, "role": {auth.RoleCadre}}
	r = e.form("/users", city, form)
	e.want(r, http.StatusSeeOther, "UI create cadre")
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/users/") {
		t.Fatalf("UI create: redirected to %q, want /users/{id}", loc)
	}
	e.want(e.do(http.MethodGet, loc, city, nil, nil), http.StatusOK, "user detail page")
	r = e.do(http.MethodGet, "/api/v1/users?q=cadre_ui", city, nil, nil)
	e.want(r, http.StatusOK, "API list users")
	if items := r.json(t)["items"].([]any); len(items) != 1 {
		t.Fatalf("list q=cadre_ui: got %d items, want 1", len(items))
	}
	weak := url.Values{"username": {"cadre_ui2"}, "password": {"short"}, "confirm_password": {"short"}, "org_id": {fmt.Sprint(tr.V1.ID)}, "role": {auth.RoleCadre}}
	r = e.form("/users", city, weak)
	e.want(r, http.StatusUnprocessableEntity, "UI weak password")
	if !bytes.Contains(r.Body, []byte(`value="cadre_ui2"`)) || !bytes.Contains(r.Body, []byte("field-error")) {
		t.Fatalf("UI weak password: form lost the typed username or the field error: %.2000s", r.Body)
	}

	// A cross-site form post is refused.
	r = e.do(http.MethodPost, "/users", city, form, map[string]string{"Sec-Fetch-Site": "cross-site"})
	e.want(r, http.StatusForbidden, "cross-site POST /users")

	// A district admin sees nothing of another district and cannot grant
	// a wider role.
	r = e.do(http.MethodGet, fmt.Sprintf("/api/v1/users/%d", other.ID), d1, nil, nil)
	e.want(r, http.StatusNotFound, "district admin reads another district's user")
	e.want(e.do(http.MethodGet, fmt.Sprintf("/users/%d", other.ID), d1, nil, nil), http.StatusNotFound, "district admin opens another district's user page")
	r = e.do(http.MethodPost, "/api/v1/users", d1, map[string]any{"username": "d1_root", "password": "Strong-Pass-2024z", "org_id": tr.D1.ID, "role": auth.RoleSuperAdmin}, nil)
	e.want(r, http.StatusUnprocessableEntity, "district admin grants super_admin")
	if r.errorField(t, "role") == "" {
		t.Fatalf("grant super_admin: no fields.role in %s", r.Body)
	}
	r = e.form("/users", d1, url.Values{"username": {"d1_root"}, "password": {"Strong-Pass-2024z"}, "confirm_password": {"Strong-Pass-2024z"},
		"org_id": {fmt.Sprint(tr.D1.ID)}, "role": {auth.RoleSuperAdmin}})
	e.want(r, http.StatusUnprocessableEntity, "UI grant super_admin")
	if !bytes.Contains(r.Body, []byte("无权授予该角色")) {
		t.Fatalf("UI grant super_admin: no message beside role: %.2000s", r.Body)
	}

	// Pages and account actions.
	for _, p := range []string{"/users", "/users?org_id=" + fmt.Sprint(tr.T1.ID), "/users/new", fmt.Sprintf("/users/%d/edit", id), "/roles"} {
		e.want(e.do(http.MethodGet, p, city, nil, nil), http.StatusOK, "GET "+p)
	}
	r = e.form(fmt.Sprintf("/users/%d", id), city, url.Values{"display_name": {"张丽丽"}, "org_id": {fmt.Sprint(tr.V2.ID)}, "role": {auth.RoleViewer}})
	e.want(r, http.StatusSeeOther, "UI edit user")
	r = e.form(fmt.Sprintf("/users/%d/reset-password", id), city, url.Values{})
	e.want(r, http.StatusOK, "reset password (generated)")
	if !bytes.Contains(r.Body, []byte("只显示这一次")) {
		t.Fatalf("reset password: generated password not shown: %.2000s", r.Body)
	}
	r = e.form(fmt.Sprintf("/users/%d/reset-password", id), city, url.Values{"password": {"weak"}, "confirm_password": {"weak"}})
	e.want(r, http.StatusUnprocessableEntity, "reset password (weak)")
	for _, action := range []string{"disable", "enable", "unlock"} {
		e.want(e.form(fmt.Sprintf("/users/%d/%s", id, action), city, url.Values{}), http.StatusSeeOther, action)
	}
	r = e.do(http.MethodGet, "/api/v1/roles", city, nil, nil)
	e.want(r, http.StatusOK, "API roles")
	if !bytes.Contains(r.Body, []byte(`"code":"super_admin"`)) || !bytes.Contains(r.Body, []byte(`"next_cursor":null`)) {
		t.Fatalf("API roles: %s", r.Body)
	}
}

func TestAdminAudit(t *testing.T) {
	e := adminSetup(t)
	_, city := e.signIn("city_admin", e.tree.City.ID, auth.RoleOrgAdmin)
	e.signIn("t1_cadre", e.tree.T1.ID, auth.RoleCadre)

	r := e.do(http.MethodGet, "/audit", city, nil, nil)
	e.want(r, http.StatusOK, "audit page")
	if !bytes.Contains(r.Body, []byte("登录成功")) || !bytes.Contains(r.Body, []byte("t1_cadre")) {
		t.Fatalf("audit page lacks the login entries: %.3000s", r.Body)
	}
	r = e.do(http.MethodGet, "/audit?action=password_change&entity=user&username=t1_cadre", city, nil, nil)
	e.want(r, http.StatusOK, "filtered audit page")
	r = e.do(http.MethodGet, "/audit?from=2024-13-40&to=2024-01-01", city, nil, nil)
	e.want(r, http.StatusUnprocessableEntity, "audit page with a bad date")
	if !bytes.Contains(r.Body, []byte("日期格式应为")) {
		t.Fatalf("bad date: no message beside the field: %.3000s", r.Body)
	}

	r = e.do(http.MethodGet, "/api/v1/audit?action=login", city, nil, nil)
	e.want(r, http.StatusOK, "API audit action=login")
	items := r.json(t)["items"].([]any)
	if len(items) < 2 {
		t.Fatalf("API audit action=login: got %d items, want at least 2", len(items))
	}
	for _, it := range items {
		if a := it.(map[string]any)["action"]; a != "login" {
			t.Fatalf("API audit action=login: got an entry with action %v", a)
		}
	}
	today := localtime.Date(e.st.Now()) // the audit filter reads dates in China time
	r = e.do(http.MethodGet, "/api/v1/audit?username=t1_cadre&from="+today+"&to="+today+"&limit=1", city, nil, nil)
	e.want(r, http.StatusOK, "API audit by user and day")
	if items := r.json(t)["items"].([]any); len(items) != 1 || r.json(t)["next_cursor"] == nil {
		t.Fatalf("API audit limit=1: got %s", r.Body)
	}
	e.want(e.do(http.MethodGet, "/api/v1/audit?from=yesterday", city, nil, nil), http.StatusBadRequest, "API audit bad date")

	r = e.do(http.MethodGet, "/audit/export.xlsx", city, nil, nil)
	e.want(r, http.StatusOK, "audit export")
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("审计日志-")) {
		t.Fatalf("export Content-Disposition: got %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("open export: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows("审计日志")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 || rows[0][0] != "时间" || rows[0][3] != "操作" {
		t.Fatalf("export: got %d rows, header %v", len(rows), rows[0])
	}
	r = e.do(http.MethodGet, "/api/v1/audit?action=export&entity=audit", city, nil, nil)
	e.want(r, http.StatusOK, "API audit of the export")
	if items := r.json(t)["items"].([]any); len(items) != 1 {
		t.Fatalf("export not audited: %s", r.Body)
	}
}

func TestAdminDictsAndRoles(t *testing.T) {
	e := adminSetup(t)
	_, root := e.signIn("root_admin", e.tree.City.ID, auth.RoleSuperAdmin)
	_, cadre := e.signIn("v1_cadre", e.tree.V1.ID, auth.RoleCadre)

	r := e.do(http.MethodGet, "/api/v1/dictionaries", cadre, nil, nil)
	e.want(r, http.StatusOK, "API dictionaries as a cadre")
	r = e.do(http.MethodGet, "/api/v1/dictionaries/person_tag", cadre, nil, nil)
	e.want(r, http.StatusOK, "API dictionary person_tag")
	e.want(e.do(http.MethodGet, "/dicts", cadre, nil, nil), http.StatusForbidden, "dict page as a cadre")

	add := func(code, name, parent string) adminResp {
		return e.form("/dicts/person_tag/items", root, url.Values{"mode": {"new"}, "code": {code}, "name": {name}, "parent_code": {parent}, "sort": {"900"}, "enabled": {"1"}})
	}
	e.want(add("t_parent", "测试上级", ""), http.StatusSeeOther, "add item")
	e.want(add("t_child", "测试下级", "t_parent"), http.StatusSeeOther, "add child item")
	r = add("t_parent", "重复", "")
	e.want(r, http.StatusUnprocessableEntity, "add a duplicate code")
	r = e.form("/dicts/person_tag/items", root, url.Values{"mode": {"edit"}, "code": {"t_child"}, "name": {"测试下级改"}, "sort": {"x"}})
	e.want(r, http.StatusUnprocessableEntity, "edit with a bad sort")
	if !bytes.Contains(r.Body, []byte("排序号应为整数")) {
		t.Fatalf("bad sort: no message: %.2000s", r.Body)
	}
	for _, p := range []string{"/dicts", "/dicts/person_tag", "/dicts/person_tag/items/t_child"} {
		e.want(e.do(http.MethodGet, p, root, nil, nil), http.StatusOK, "GET "+p)
	}

	// t_parent is the parent of t_child: in use, so refused.
	r = e.form("/dicts/person_tag/items/t_parent/delete", root, url.Values{})
	e.want(r, http.StatusSeeOther, "delete a used code")
	if msg := adminFlash(r); !strings.Contains(msg, "该代码正在使用，不能删除，可以停用") {
		t.Fatalf("delete a used code: flash %q", msg)
	}
	r = e.do(http.MethodGet, "/api/v1/dictionaries/person_tag", root, nil, nil)
	if !bytes.Contains(r.Body, []byte(`"code":"t_parent"`)) {
		t.Fatalf("used code was deleted: %s", r.Body)
	}
	r = e.form("/dicts/person_tag/items/t_child/delete", root, url.Values{})
	e.want(r, http.StatusSeeOther, "delete an unused code")
	if msg := adminFlash(r); !strings.Contains(msg, "已删除") {
		t.Fatalf("delete an unused code: flash %q", msg)
	}

	// Roles: custom ones can be made, edited and deleted; built-in ones not.
	role := url.Values{"code": {"district_viewer"}, "name": {"区县查看"}, "scope": {"subtree"}, "permissions": {"orgs:read", "people:read"}}
	e.want(e.form("/roles", root, role), http.StatusSeeOther, "create role")
	e.want(e.form("/roles", root, role), http.StatusConflict, "create a duplicate role")
	role.Set("name", "区县只读")
	e.want(e.form("/roles/district_viewer", root, role), http.StatusSeeOther, "edit role")
	e.want(e.do(http.MethodGet, "/roles/district_viewer/edit", root, nil, nil), http.StatusOK, "role edit page")
	e.want(e.do(http.MethodGet, "/roles/new", root, nil, nil), http.StatusOK, "role new page")
	r = e.form("/roles/super_admin", root, role)
	if r.Status != http.StatusSeeOther || !strings.Contains(adminFlash(r), "内置角色") {
		t.Fatalf("edit a built-in role: got %d, flash %q", r.Status, adminFlash(r))
	}
	e.want(e.form("/roles/district_viewer/delete", root, url.Values{}), http.StatusSeeOther, "delete role")
	r = e.do(http.MethodGet, "/api/v1/roles", root, nil, nil)
	if bytes.Contains(r.Body, []byte("district_viewer")) {
		t.Fatalf("role not deleted: %s", r.Body)
	}
}

// adminFlash decodes the flash message a response sets.
func adminFlash(r adminResp) string {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name != "jinguo_flash" {
			continue
		}
		_, enc, _ := strings.Cut(c.Value, ":")
		b, _ := base64.RawURLEncoding.DecodeString(enc)
		return string(b)
	}
	return ""
}
