package store

import (
	"context"
	"fmt"

	"jinguo/internal/auth"
	"jinguo/internal/orgs"
)

// FirstStart describes the root org and the administrator created on an
// empty database.
type FirstStart struct {
	RootName      string
	RootDivision  string
	AdminPassword string
	// AdminMustChange forces a password change at the first sign-in (for a
	// generated password).
	AdminMustChange bool
}

// EnsureRoot creates the root org when the tree is empty and the admin
// account when there is none. It reports what it created.
func (s *Store) EnsureRoot(ctx context.Context, fs FirstStart) (createdRoot, createdAdmin bool, err error) {
	sys := auth.System()
	has, err := s.HasRoot(ctx)
	if err != nil {
		return false, false, err
	}
	if !has {
		if _, err := s.CreateOrg(ctx, sys, orgs.Input{Name: fs.RootName, Kind: orgs.City, DivisionCode: fs.RootDivision}); err != nil {
			return false, false, fmt.Errorf("create root org: %w", err)
		}
		createdRoot = true
	}
	if _, err := s.UserByUsername(ctx, "admin"); err == nil {
		return createdRoot, false, nil
	}
	root, err := s.RootOrg(ctx)
	if err != nil {
		return createdRoot, false, err
	}
	u, err := s.CreateUser(ctx, sys, UserInput{Username: "admin", DisplayName: "系统管理员", Password: fs.AdminPassword, OrgID: root.ID, Role: auth.RoleSuperAdmin})
	if err != nil {
		return createdRoot, false, fmt.Errorf("create admin: %w", err)
	}
	if !fs.AdminMustChange {
		if _, err := s.wdb.ExecContext(ctx, `UPDATE users SET must_change = $1 WHERE id = $2`, false, u.ID); err != nil {
			return createdRoot, true, normalize(err)
		}
	}
	return createdRoot, true, nil
}
