package store_test

import (
	"context"
	"slices"
	"testing"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// acctWantField fails unless err has kind and a message on field.
func acctWantField(t *testing.T, name string, err error, kind apperr.Kind, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Kind != kind {
		t.Errorf("%s: error = %v, want kind %s", name, err, kind)
		return
	}
	if field != "" && e.Fields[field] == "" {
		t.Errorf("%s: error = %v, want a message on field %q", name, err, field)
	}
}

func userIDs(us []auth.User) []int64 {
	var ids []int64
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestCreateUserValidation(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		sys := auth.System()
		if _, err := s.SetOrgStatus(ctx, sys, tr.V2.ID, orgs.Closed); err != nil {
			t.Fatal(err)
		}
		storetest.NewUser(t, s, tr.V1, "alice", auth.RoleCadre)

		valid := store.UserInput{Username: "bob.w", DisplayName: "王小波", Password: "Lotus-Pond-88", OrgID: tr.V1.ID, Role: auth.RoleCadre}
		tests := []struct {
			name  string
			edit  func(in *store.UserInput)
			kind  apperr.Kind
			field string
		}{
			{"username too short", func(in *store.UserInput) { in.Username = "ab" }, apperr.Invalid, "username"},
			{"username with space", func(in *store.UserInput) { in.Username = "bob w" }, apperr.Invalid, "username"},
			{"username in Chinese", func(in *store.UserInput) { in.Username = "王小波" }, apperr.Invalid, "username"},
			{"display name too long", func(in *store.UserInput) {
				in.DisplayName = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"
			}, apperr.Invalid, "display_name"},
			{"weak password", func(in *store.UserInput) { in.Password = "short" }, apperr.Invalid, "password"},
			{"password contains username", func(in *store.UserInput) { in.Password = "Xx-bob.w-2024" }, apperr.Invalid, "password"},
			{"no org", func(in *store.UserInput) { in.OrgID = 0 }, apperr.Invalid, "org_id"},
			{"unknown org", func(in *store.UserInput) { in.OrgID = 9999 }, apperr.Invalid, "org_id"},
			{"closed org", func(in *store.UserInput) { in.OrgID = tr.V2.ID }, apperr.Invalid, "org_id"},
			{"no role", func(in *store.UserInput) { in.Role = "" }, apperr.Invalid, "role"},
			{"unknown role", func(in *store.UserInput) { in.Role = "boss" }, apperr.Invalid, "role"},
			{"duplicate username", func(in *store.UserInput) { in.Username = "alice" }, apperr.Conflict, "username"},
			{"duplicate username other case", func(in *store.UserInput) { in.Username = "Alice" }, apperr.Conflict, "username"},
		}
		for _, tt := range tests {
			in := valid
			tt.edit(&in)
			_, err := s.CreateUser(ctx, sys, in)
			acctWantField(t, tt.name, err, tt.kind, tt.field)
		}
		_, err := s.CreateUser(ctx, sys, store.UserInput{Username: "alice", Password: "Lotus-Pond-88", OrgID: tr.V1.ID, Role: auth.RoleCadre})
		if e := apperr.As(err); e == nil || e.Fields["username"] != "该用户名已被使用" {
			t.Errorf("duplicate username error = %v, want 该用户名已被使用", err)
		}

		u, err := s.CreateUser(ctx, sys, valid)
		if err != nil {
			t.Fatalf("CreateUser(valid): %v", err)
		}
		if !u.MustChangePassword || u.OrgName != tr.V1.Name || u.PasswordHash != "" || u.ID == 0 {
			t.Errorf("created user = %+v, want must_change, org name, no hash", u)
		}
		got, err := s.GetUser(ctx, sys, u.ID)
		if err != nil || got.Username != "bob.w" || got.DisplayName != "王小波" || got.OrgName != tr.V1.Name || !got.MustChangePassword || got.PasswordHash != "" {
			t.Errorf("GetUser = %+v, %v", got, err)
		}
		entries, _, err := s.ListAudit(ctx, sys, audit.Filter{Entity: "user", EntityID: u.ID})
		if err != nil || len(entries) != 1 || entries[0].Action != audit.Create {
			t.Errorf("audit of created user = %+v, %v; want one create entry", entries, err)
		}
	})
}

func TestUserScope(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u1 := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		u3 := storetest.NewUser(t, s, tr.V3, "v3.cadre", auth.RoleCadre)
		u13 := storetest.NewUser(t, s, tr.Prefix13, "p13.viewer", auth.RoleViewer)
		uD2 := storetest.NewUser(t, s, tr.Prefix3, "d2.admin", auth.RoleOrgAdmin)

		t1Admin := storetest.ActorFor(t, s, tr.T1, auth.RoleOrgAdmin)
		if _, err := s.GetUser(ctx, t1Admin, u3.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("T1 admin GetUser(user in D2) error = %v, want not_found", err)
		}
		if got, err := s.GetUser(ctx, t1Admin, u1.ID); err != nil || got.OrgName != tr.V1.Name {
			t.Errorf("T1 admin GetUser(user in V1) = %+v, %v", got, err)
		}
		list, _, err := s.ListUsers(ctx, t1Admin, store.UserFilter{})
		if want := []int64{u1.ID, u13.ID}; err != nil || !slices.Equal(userIDs(list), want) {
			t.Errorf("T1 admin ListUsers = %v, %v; want %v", userIDs(list), err, want)
		}

		// Org 3 (D2) must not see org 13 (under T1): no prefix matching.
		d2Admin := storetest.ActorFor(t, s, tr.Prefix3, auth.RoleOrgAdmin)
		list, _, err = s.ListUsers(ctx, d2Admin, store.UserFilter{})
		if want := []int64{u3.ID, uD2.ID}; err != nil || !slices.Equal(userIDs(list), want) {
			t.Errorf("D2 admin ListUsers = %v, %v; want %v", userIDs(list), err, want)
		}
		if _, err := s.GetUser(ctx, d2Admin, u13.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("org 3 admin GetUser(user of org 13) error = %v, want not_found", err)
		}

		if _, err := s.UpdateUser(ctx, t1Admin, u3.ID, store.UserInput{DisplayName: "x", OrgID: tr.V1.ID, Role: auth.RoleCadre}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("T1 admin UpdateUser(user in D2) error = %v, want not_found", err)
		}
		if err := s.ResetPassword(ctx, t1Admin, u3.ID, "Lotus-Pond-88"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("T1 admin ResetPassword(user in D2) error = %v, want not_found", err)
		}
		if err := s.SetUserDisabled(ctx, t1Admin, u3.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("T1 admin SetUserDisabled(user in D2) error = %v, want not_found", err)
		}
		if err := s.UnlockUser(ctx, t1Admin, u3.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("T1 admin UnlockUser(user in D2) error = %v, want not_found", err)
		}
		_, err = s.CreateUser(ctx, t1Admin, store.UserInput{Username: "intruder", Password: "Lotus-Pond-88", OrgID: tr.V3.ID, Role: auth.RoleViewer})
		acctWantField(t, "T1 admin creates user in D2", err, apperr.Invalid, "org_id")
		_, err = s.UpdateUser(ctx, t1Admin, u1.ID, store.UserInput{DisplayName: "x", OrgID: tr.V3.ID, Role: auth.RoleCadre})
		acctWantField(t, "T1 admin moves user to D2", err, apperr.Invalid, "org_id")

		// Filters and paging, as the system.
		sys := auth.System()
		tests := []struct {
			name string
			f    store.UserFilter
			want []int64
		}{
			{"subtree of D1", store.UserFilter{OrgID: tr.D1.ID}, []int64{u1.ID, u13.ID}},
			{"subtree of D2", store.UserFilter{OrgID: tr.D2.ID}, []int64{u3.ID, uD2.ID}},
			{"query", store.UserFilter{Q: "cadre"}, []int64{u1.ID, u3.ID}},
			{"query is literal", store.UserFilter{Q: "%"}, nil},
			{"role", store.UserFilter{Role: auth.RoleViewer}, []int64{u13.ID}},
		}
		for _, tt := range tests {
			got, _, err := s.ListUsers(ctx, sys, tt.f)
			if err != nil || !slices.Equal(userIDs(got), tt.want) {
				t.Errorf("ListUsers(%s) = %v, %v; want %v", tt.name, userIDs(got), err, tt.want)
			}
		}
		var all []int64
		var cursor int64
		for range 10 {
			page, next, err := s.ListUsers(ctx, sys, store.UserFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, userIDs(page)...)
			if cursor = next; cursor == 0 {
				break
			}
		}
		if want := []int64{u1.ID, u3.ID, u13.ID, uD2.ID}; !slices.Equal(all, want) {
			t.Errorf("paged ListUsers = %v, want %v", all, want)
		}
	})
}

func TestGrantRules(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		sys := auth.System()
		for _, r := range []auth.Role{
			{Code: "city_reader", Name: "全市查看", Scope: auth.ScopeAll, Permissions: []auth.Permission{auth.PeopleRead}},
			{Code: "multi_reader", Name: "多区查看", Scope: auth.ScopeSubtrees, Permissions: []auth.Permission{auth.PeopleRead}},
			{Code: "role_keeper", Name: "角色管理", Scope: auth.ScopeOwn, Permissions: []auth.Permission{auth.RolesWrite}},
			{Code: "own_admin", Name: "本级管理", Scope: auth.ScopeOwn, Permissions: []auth.Permission{auth.UsersRead, auth.UsersWrite, auth.PeopleRead, auth.OrgsRead}},
			{Code: "own_reader", Name: "本级查看", Scope: auth.ScopeOwn, Permissions: []auth.Permission{auth.PeopleRead}},
		} {
			if _, err := s.SaveRole(ctx, sys, r); err != nil {
				t.Fatalf("SaveRole(%s): %v", r.Code, err)
			}
		}
		t1Admin := storetest.ActorFor(t, s, tr.T1, auth.RoleOrgAdmin)
		in := func(username string, org orgs.Org, role string, scopeOrgs ...int64) store.UserInput {
			return store.UserInput{Username: username, Password: "Lotus-Pond-88", OrgID: org.ID, Role: role, ScopeOrgIDs: scopeOrgs}
		}
		refused := []struct {
			name  string
			a     auth.Actor
			in    store.UserInput
			field string
		}{
			{"township admin grants super_admin", t1Admin, in("boss1", tr.V1, auth.RoleSuperAdmin), "role"},
			{"township admin grants scope all", t1Admin, in("boss2", tr.V1, "city_reader"), "role"},
			{"township admin grants chosen subtrees", t1Admin, in("boss3", tr.V1, "multi_reader", tr.V1.ID), "role"},
			{"township admin grants a permission it lacks", t1Admin, in("boss4", tr.V1, "role_keeper"), "role"},
			{"own-scope admin grants a subtree role", storetestActor(t, s, tr.T1, "own_admin"), in("boss5", tr.T1, auth.RoleViewer), "role"},
			{"subtrees role without orgs", sys, in("multi1", tr.V1, "multi_reader"), "scope_org_ids"},
			{"subtrees role with unknown org", sys, in("multi2", tr.V1, "multi_reader", 9999), "scope_org_ids"},
		}
		for _, tt := range refused {
			_, err := s.CreateUser(ctx, tt.a, tt.in)
			acctWantField(t, tt.name, err, apperr.Invalid, tt.field)
			if e := apperr.As(err); tt.field == "role" && e != nil && e.Fields["role"] != "无权授予该角色" {
				t.Errorf("%s: role message = %q, want 无权授予该角色", tt.name, e.Fields["role"])
			}
		}

		allowed := []struct {
			name string
			a    auth.Actor
			in   store.UserInput
		}{
			{"township admin grants org_admin below", t1Admin, in("v1.admin", tr.V1, auth.RoleOrgAdmin)},
			{"township admin grants cadre at its own org", t1Admin, in("t1.cadre", tr.T1, auth.RoleCadre)},
			{"township admin grants own-scope role", t1Admin, in("t1.reader", tr.T1, "own_reader")},
			{"own-scope admin grants own-scope role", storetestActor(t, s, tr.T1, "own_admin"), in("t1.reader2", tr.T1, "own_reader")},
			{"system grants chosen subtrees", sys, in("multi3", tr.City, "multi_reader", tr.D1.ID, tr.T2.ID, tr.D1.ID)},
		}
		for _, tt := range allowed {
			u, err := s.CreateUser(ctx, tt.a, tt.in)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if u.Role == "multi_reader" && !slices.Equal(u.ScopeOrgIDs, []int64{tr.D1.ID, tr.T2.ID}) {
				t.Errorf("%s: scope orgs = %v, want D1 and T2 once each", tt.name, u.ScopeOrgIDs)
			}
		}

		// Accounts wider than the actor can be seen but not managed.
		boss := storetest.NewUser(t, s, tr.V1, "v1.super", auth.RoleSuperAdmin)
		cadre := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		if err := s.ResetPassword(ctx, t1Admin, boss.ID, "Lotus-Pond-88"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("township admin resets super_admin password: error = %v, want forbidden", err)
		}
		if err := s.SetUserDisabled(ctx, t1Admin, boss.ID, true); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("township admin disables super_admin: error = %v, want forbidden", err)
		}
		if _, err := s.UpdateUser(ctx, t1Admin, boss.ID, store.UserInput{OrgID: tr.V1.ID, Role: auth.RoleViewer}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("township admin demotes super_admin: error = %v, want forbidden", err)
		}
		_, err := s.UpdateUser(ctx, t1Admin, cadre.ID, store.UserInput{OrgID: tr.V1.ID, Role: auth.RoleSuperAdmin})
		acctWantField(t, "township admin promotes cadre to super_admin", err, apperr.Invalid, "role")

		got, err := s.UpdateUser(ctx, t1Admin, cadre.ID, store.UserInput{DisplayName: "李四", OrgID: tr.V2.ID, Role: auth.RoleViewer, ScopeOrgIDs: []int64{tr.D1.ID}})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got.DisplayName != "李四" || got.OrgID != tr.V2.ID || got.OrgName != tr.V2.Name || got.Role != auth.RoleViewer || got.ScopeOrgIDs != nil || got.Username != "v1.cadre" {
			t.Errorf("UpdateUser = %+v", got)
		}
		entries, _, err := s.ListAudit(ctx, sys, audit.Filter{Entity: "user", EntityID: cadre.ID, Action: audit.Update})
		if err != nil || len(entries) != 1 {
			t.Errorf("update audit = %+v, %v; want one entry", entries, err)
		}
	})
}

// storetestActor is storetest.ActorFor for custom roles, read from the store.
func storetestActor(t *testing.T, s *store.Store, org orgs.Org, role string) auth.Actor {
	t.Helper()
	r, err := s.GetRole(context.Background(), role)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Actor{Username: "test-" + role, OrgID: org.ID, OrgName: org.Name, Role: r, Scope: auth.ResolveScope(r.Scope, auth.User{OrgID: org.ID})}
}

func TestSetUserDisabled(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		admin := storetest.NewUser(t, s, tr.City, "city.admin", auth.RoleSuperAdmin)
		_, adminActor := storetest.SignIn(t, s, admin)
		if err := s.SetUserDisabled(ctx, adminActor, admin.ID, true); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("disable self: error = %v, want conflict", err)
		}

		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		token, _ := storetest.SignIn(t, s, u)
		if err := s.SetUserDisabled(ctx, adminActor, u.ID, true); err != nil {
			t.Fatalf("disable: %v", err)
		}
		if _, _, err := s.Authenticate(ctx, token, "", ""); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("session of disabled user: error = %v, want unauthenticated", err)
		}
		_, _, err := s.Login(ctx, u.Username, storetest.TestPassword, "", "")
		if !apperr.Is(err, apperr.Unauthenticated) || apperr.As(err).Message != "用户名或密码错误" {
			t.Errorf("login of disabled user: error = %v, want 用户名或密码错误", err)
		}
		if got, _ := s.GetUser(ctx, adminActor, u.ID); !got.Disabled {
			t.Errorf("GetUser after disable: Disabled = false")
		}
		if err := s.SetUserDisabled(ctx, adminActor, u.ID, false); err != nil {
			t.Fatalf("enable: %v", err)
		}
		storetest.SignIn(t, s, u)
		for _, action := range []audit.Action{audit.Lock, audit.Unlock} {
			entries, _, err := s.ListAudit(ctx, adminActor, audit.Filter{Entity: "user", EntityID: u.ID, Action: action})
			if err != nil || len(entries) != 1 || entries[0].UserID != admin.ID {
				t.Errorf("%s audit = %+v, %v; want one entry by the admin", action, entries, err)
			}
		}
	})
}

func TestResetPassword(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		admin := storetest.ActorFor(t, s, tr.D1, auth.RoleOrgAdmin)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		token, a := storetest.SignIn(t, s, u)
		if err := s.ChangePassword(ctx, a, storetest.TestPassword, "Lotus-Pond-88"); err != nil {
			t.Fatal(err)
		}

		err := s.ResetPassword(ctx, admin, u.ID, "weak")
		acctWantField(t, "weak reset password", err, apperr.Invalid, "new_password")
		if err := s.ResetPassword(ctx, admin, u.ID, "Plum-Blossom-77"); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		if _, _, err := s.Authenticate(ctx, token, "", ""); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("session after reset: error = %v, want unauthenticated", err)
		}
		if _, _, err := s.Login(ctx, u.Username, "Lotus-Pond-88", "", ""); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("login with the old password: error = %v, want unauthenticated", err)
		}
		got, _, err := s.Login(ctx, u.Username, "Plum-Blossom-77", "", "")
		if err != nil || !got.MustChangePassword {
			t.Errorf("login with the reset password = %+v, %v; want must change", got, err)
		}
		entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{EntityID: u.ID, Action: audit.PasswordReset})
		if err != nil || len(entries) != 1 {
			t.Errorf("reset audit = %+v, %v; want one entry", entries, err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		_, a := storetest.SignIn(t, s, u)

		err := s.ChangePassword(ctx, a, "Wrong-Password-1", "Lotus-Pond-88")
		acctWantField(t, "wrong old password", err, apperr.Invalid, "old_password")
		if e := apperr.As(err); e == nil || e.Fields["old_password"] != "原密码不正确" {
			t.Errorf("wrong old password message = %v, want 原密码不正确", err)
		}
		err = s.ChangePassword(ctx, a, storetest.TestPassword, storetest.TestPassword)
		if e := apperr.As(err); e == nil || e.Fields["new_password"] != "新密码不能与原密码相同" {
			t.Errorf("same password error = %v, want 新密码不能与原密码相同", err)
		}
		err = s.ChangePassword(ctx, a, storetest.TestPassword, "alllowercase")
		acctWantField(t, "weak new password", err, apperr.Invalid, "new_password")
		err = s.ChangePassword(ctx, a, storetest.TestPassword, "My-v1.cadre-Pass")
		acctWantField(t, "new password contains username", err, apperr.Invalid, "new_password")
		if err := s.ChangePassword(ctx, auth.Actor{}, storetest.TestPassword, "Lotus-Pond-88"); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("ChangePassword without a user: error = %v, want unauthenticated", err)
		}

		if err := s.ChangePassword(ctx, a, storetest.TestPassword, "Lotus-Pond-88"); err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		got, err := s.GetUser(ctx, auth.System(), u.ID)
		if err != nil || got.MustChangePassword {
			t.Errorf("after change: must change = %v, %v; want false", got.MustChangePassword, err)
		}
		if _, _, err := s.Login(ctx, u.Username, "Lotus-Pond-88", "", ""); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{UserID: u.ID, Action: audit.PasswordChange})
		if err != nil || len(entries) != 1 || entries[0].EntityID != u.ID {
			t.Errorf("change audit = %+v, %v; want one entry", entries, err)
		}
	})
}

func TestUserByUsernameAndCount(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers = %d, %v; want 0", n, err)
		}
		u := storetest.NewUser(t, s, tr.V3, "v3.cadre", auth.RoleCadre)
		storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		if n, err := s.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
		got, err := s.UserByUsername(ctx, "v3.cadre")
		if err != nil || got.ID != u.ID || got.OrgName != tr.V3.Name || got.PasswordHash != "" {
			t.Errorf("UserByUsername = %+v, %v", got, err)
		}
		if _, err := s.UserByUsername(ctx, "nobody"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("UserByUsername(nobody) error = %v, want not_found", err)
		}
	})
}
