package store

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
)

var (
	roleCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
	errRoleNotFound = apperr.New(apperr.NotFound, "角色不存在")
)

const roleColumns = `r.code, r.name, r.scope, r.permissions, r.built_in`

func scanRole(row interface{ Scan(...any) error }) (auth.Role, error) {
	var r auth.Role
	var scope, perms string
	err := row.Scan(&r.Code, &r.Name, &scope, &perms, &r.BuiltIn)
	r.Scope, r.Permissions = auth.ScopeKind(scope), splitPermissions(perms)
	return r, err
}

func joinPermissions(ps []auth.Permission) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(p)
	}
	return strings.Join(parts, ",")
}

func splitPermissions(s string) []auth.Permission {
	if s == "" {
		return nil
	}
	var out []auth.Permission
	for _, p := range strings.Split(s, ",") {
		out = append(out, auth.Permission(p))
	}
	return out
}

// roleByCode fetches a role; roles are not scoped.
func roleByCode(ctx context.Context, q queryer, code string) (auth.Role, error) {
	r, err := scanRole(q.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles r WHERE r.code = $1`, code))
	if err == sql.ErrNoRows {
		return r, errRoleNotFound
	}
	return r, normalize(err)
}

// EnsureBuiltInRoles creates the built-in roles or brings them up to date
// with the code, so a new release can widen them. It is setup, run at every
// start, so it writes no audit entry.
func (s *Store) EnsureBuiltInRoles(ctx context.Context) error {
	return s.transact(ctx, func(tx *Tx) error {
		for _, r := range auth.BuiltInRoles() {
			_, err := tx.ExecContext(ctx, `INSERT INTO roles (code, name, scope, permissions, built_in) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, scope = excluded.scope,
					permissions = excluded.permissions, built_in = excluded.built_in`,
				r.Code, r.Name, string(r.Scope), joinPermissions(r.Permissions), true)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ListRoles returns every role, built-in ones first in their defined order,
// then custom ones by code.
func (s *Store) ListRoles(ctx context.Context) ([]auth.Role, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+roleColumns+` FROM roles r ORDER BY r.code`)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []auth.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, normalize(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, normalize(err)
	}
	builtIn := auth.BuiltInRoles()
	rank := func(r auth.Role) int {
		if i := slices.IndexFunc(builtIn, func(b auth.Role) bool { return b.Code == r.Code }); i >= 0 && r.BuiltIn {
			return i
		}
		return len(builtIn)
	}
	slices.SortStableFunc(out, func(a, b auth.Role) int { return rank(a) - rank(b) })
	return out, nil
}

// GetRole returns the role with code.
func (s *Store) GetRole(ctx context.Context, code string) (auth.Role, error) {
	return roleByCode(ctx, s.rdb, code)
}

// validateRole normalises r and checks it as a custom role definition.
func validateRole(r auth.Role) (auth.Role, error) {
	r.Code = strings.TrimSpace(r.Code)
	r.Name = strings.TrimSpace(r.Name)
	f := apperr.Fields{}
	if !roleCodePattern.MatchString(r.Code) {
		f.Add("code", "角色代码为2-32位小写字母、数字或下划线，以字母开头")
	}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		f.Add("name", "请填写角色名称")
	case n > 30:
		f.Add("name", "角色名称过长（最多30个字）")
	}
	if !r.Scope.Valid() {
		f.Add("scope", "请选择数据范围")
	}
	var perms []auth.Permission
	for _, p := range r.Permissions {
		if !p.Valid() {
			f.Add("permissions", "包含未知的权限")
			continue
		}
		if !slices.Contains(perms, p) {
			perms = append(perms, p)
		}
	}
	if len(r.Permissions) == 0 {
		f.Add("permissions", "请至少选择一项权限")
	}
	// Keep the display order so audit diffs compare like with like.
	r.Permissions = slices.DeleteFunc(auth.Permissions(), func(p auth.Permission) bool { return !slices.Contains(perms, p) })
	r.BuiltIn = false
	return r, f.Err()
}

// SaveRole creates a custom role or updates one. Built-in roles cannot be
// changed.
func (s *Store) SaveRole(ctx context.Context, a auth.Actor, r auth.Role) (auth.Role, error) {
	r, err := validateRole(r)
	if err != nil {
		return auth.Role{}, err
	}
	err = s.transact(ctx, func(tx *Tx) error {
		old, err := roleByCode(ctx, tx, r.Code)
		exists := err == nil
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if (exists && old.BuiltIn) || (!exists && isBuiltInCode(r.Code)) {
			return apperr.New(apperr.Conflict, "内置角色不能修改")
		}
		ch := audit.Changes{}
		ch.Set("name", old.Name, r.Name)
		ch.Set("scope", string(old.Scope), string(r.Scope))
		ch.Set("permissions", joinPermissions(old.Permissions), joinPermissions(r.Permissions))
		if !exists {
			if _, err := tx.ExecContext(ctx, `INSERT INTO roles (code, name, scope, permissions, built_in) VALUES ($1, $2, $3, $4, $5)`,
				r.Code, r.Name, string(r.Scope), joinPermissions(r.Permissions), false); err != nil {
				return err
			}
			ch.Set("code", "", r.Code)
			return tx.audit(ctx, a, audit.Create, "role", 0, ch.JSON())
		}
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE roles SET name = $1, scope = $2, permissions = $3 WHERE code = $4`,
			r.Name, string(r.Scope), joinPermissions(r.Permissions), r.Code); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Update, "role", 0, withCode(ch, r.Code))
	})
	if err != nil {
		return auth.Role{}, err
	}
	return r, nil
}

// DeleteRole deletes a custom role no account holds.
func (s *Store) DeleteRole(ctx context.Context, a auth.Actor, code string) error {
	return s.transact(ctx, func(tx *Tx) error {
		r, err := roleByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		if r.BuiltIn {
			return apperr.New(apperr.Conflict, "内置角色不能删除")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1`, code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "该角色仍有账号在使用，不能删除")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM roles WHERE code = $1`, code); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Delete, "role", 0, audit.Note(map[string]string{"code": code, "name": r.Name}))
	})
}

func isBuiltInCode(code string) bool {
	return slices.ContainsFunc(auth.BuiltInRoles(), func(r auth.Role) bool { return r.Code == code })
}

// withCode names the role in an update's audit diff: roles are keyed by
// code, not by a numeric id the audit entry could hold.
func withCode(ch audit.Changes, code string) string {
	ch["code"] = audit.Change{From: code, To: code}
	return ch.JSON()
}
