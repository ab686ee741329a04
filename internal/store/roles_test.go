package store_test

import (
	"context"
	"strings"
	"testing"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

func TestEnsureBuiltInRoles(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for range 2 { // idempotent
			if err := s.EnsureBuiltInRoles(ctx); err != nil {
				t.Fatalf("EnsureBuiltInRoles: %v", err)
			}
		}
		roles, err := s.ListRoles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := auth.BuiltInRoles()
		if len(roles) != len(want) {
			t.Fatalf("got %d roles, want %d", len(roles), len(want))
		}
		for i, r := range roles {
			w := want[i]
			if r.Code != w.Code || r.Name != w.Name || r.Scope != w.Scope || !r.BuiltIn || len(r.Permissions) != len(w.Permissions) {
				t.Errorf("role %d = %+v, want %+v", i, r, w)
			}
		}
		got, err := s.GetRole(ctx, auth.RoleOrgAdmin)
		if err != nil || got.Has(auth.RolesWrite) || !got.Has(auth.UsersWrite) {
			t.Errorf("GetRole(org_admin) = %+v, %v; want users:write without roles:write", got, err)
		}
		if _, err := s.GetRole(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetRole(nope) error = %v, want not_found", err)
		}
	})
}

func TestSaveRoleValidation(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.EnsureBuiltInRoles(ctx); err != nil {
			t.Fatal(err)
		}
		ok := auth.Role{Code: "stats_reader", Name: "统计查看", Scope: auth.ScopeSubtree, Permissions: []auth.Permission{auth.PeopleRead}}
		tests := []struct {
			name  string
			edit  func(r *auth.Role)
			field string
		}{
			{"code upper case", func(r *auth.Role) { r.Code = "Stats" }, "code"},
			{"code too short", func(r *auth.Role) { r.Code = "s" }, "code"},
			{"code starts with digit", func(r *auth.Role) { r.Code = "1stats" }, "code"},
			{"code too long", func(r *auth.Role) { r.Code = strings.Repeat("s", 33) }, "code"},
			{"no name", func(r *auth.Role) { r.Name = "  " }, "name"},
			{"name too long", func(r *auth.Role) {
				r.Name = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"
			}, "name"},
			{"bad scope", func(r *auth.Role) { r.Scope = "region" }, "scope"},
			{"no permissions", func(r *auth.Role) { r.Permissions = nil }, "permissions"},
			{"unknown permission", func(r *auth.Role) { r.Permissions = []auth.Permission{"people:delete"} }, "permissions"},
		}
		for _, tt := range tests {
			r := ok
			r.Permissions = append([]auth.Permission(nil), ok.Permissions...)
			tt.edit(&r)
			_, err := s.SaveRole(ctx, auth.System(), r)
			acctWantField(t, tt.name, err, apperr.Invalid, tt.field)
		}
		if _, err := s.SaveRole(ctx, auth.System(), ok); err != nil {
			t.Fatalf("SaveRole(valid): %v", err)
		}
	})
}

func TestSaveAndDeleteRole(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		sys := auth.System()

		for _, code := range []string{auth.RoleSuperAdmin, auth.RoleViewer} {
			_, err := s.SaveRole(ctx, sys, auth.Role{Code: code, Name: "改名", Scope: auth.ScopeOwn, Permissions: []auth.Permission{auth.OrgsRead}})
			if !apperr.Is(err, apperr.Conflict) || apperr.As(err).Message != "内置角色不能修改" {
				t.Errorf("SaveRole(%s) error = %v, want conflict 内置角色不能修改", code, err)
			}
			if err := s.DeleteRole(ctx, sys, code); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("DeleteRole(%s) error = %v, want conflict", code, err)
			}
		}

		r := auth.Role{Code: "reader", Name: "查看员", Scope: auth.ScopeOwn,
			Permissions: []auth.Permission{auth.PeopleRead, auth.OrgsRead, auth.PeopleRead}}
		got, err := s.SaveRole(ctx, sys, r)
		if err != nil {
			t.Fatalf("SaveRole(create): %v", err)
		}
		if len(got.Permissions) != 2 || got.Permissions[0] != auth.OrgsRead || got.BuiltIn {
			t.Errorf("saved role = %+v, want 2 deduplicated permissions in display order, not built-in", got)
		}
		r.Name, r.Scope = "人员查看员", auth.ScopeSubtree
		if _, err := s.SaveRole(ctx, sys, r); err != nil {
			t.Fatalf("SaveRole(update): %v", err)
		}
		stored, err := s.GetRole(ctx, "reader")
		if err != nil || stored.Name != "人员查看员" || stored.Scope != auth.ScopeSubtree {
			t.Errorf("GetRole(reader) = %+v, %v; want updated name and scope", stored, err)
		}
		roles, _ := s.ListRoles(ctx)
		if n := len(roles); n != 5 || roles[4].Code != "reader" {
			t.Errorf("ListRoles gave %d roles, want the 4 built-in ones then reader", n)
		}
		entries, _, err := s.ListAudit(ctx, sys, audit.Filter{Entity: "role"})
		if err != nil || len(entries) != 2 || entries[0].Action != audit.Update || entries[1].Action != audit.Create {
			t.Errorf("role audit = %+v, %v; want update then create", entries, err)
		}

		u := storetest.NewUser(t, s, tr.V1, "reader1", "reader")
		err = s.DeleteRole(ctx, sys, "reader")
		if !apperr.Is(err, apperr.Conflict) || apperr.As(err).Message != "该角色仍有账号在使用，不能删除" {
			t.Errorf("DeleteRole(in use) error = %v, want conflict 该角色仍有账号在使用，不能删除", err)
		}
		if _, err := s.UpdateUser(ctx, sys, u.ID, store.UserInput{DisplayName: "张三", OrgID: tr.V1.ID, Role: auth.RoleViewer}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRole(ctx, sys, "reader"); err != nil {
			t.Fatalf("DeleteRole(unused): %v", err)
		}
		if _, err := s.GetRole(ctx, "reader"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetRole after delete error = %v, want not_found", err)
		}
		if err := s.DeleteRole(ctx, sys, "reader"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("DeleteRole twice error = %v, want not_found", err)
		}
	})
}
