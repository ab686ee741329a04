package store

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
)

// UserInput is what a form or the command line supplies to create or edit
// an account. UpdateUser ignores Username and Password.
type UserInput struct {
	Username, DisplayName, Password string
	OrgID                           int64
	Role                            string
	ScopeOrgIDs                     []int64 // for roles with auth.ScopeSubtrees
}

// UserFilter selects accounts.
type UserFilter struct {
	OrgID  int64  // accounts of this org and its subtree
	Q      string // username or display name contains
	Role   string
	Cursor int64 // accounts with id > Cursor
	Limit  int
}

var (
	usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,32}$`)
	errUserNotFound = apperr.New(apperr.NotFound, "账号不存在或无权访问")
	errCannotManage = apperr.New(apperr.Forbidden, "无权管理该账号")
	errNotSignedIn  = apperr.New(apperr.Unauthenticated, "请先登录")
)

const userColumns = `u.id, u.username, u.display_name, u.org_id, o.name, u.role, u.scope_orgs, u.password_hash,
	u.must_change, u.disabled, u.failed_logins, u.locked_until, u.last_login_at, u.created_at, u.updated_at`

const userFrom = ` FROM users u JOIN orgs o ON o.id = u.org_id`

func scanUser(row interface{ Scan(...any) error }) (auth.User, error) {
	var u auth.User
	var scopeOrgs string
	var locked, lastLogin, created, updated int64
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.OrgName, &u.Role, &scopeOrgs, &u.PasswordHash,
		&u.MustChangePassword, &u.Disabled, &u.FailedLogins, &locked, &lastLogin, &created, &updated)
	u.ScopeOrgIDs = splitIDs(scopeOrgs)
	u.LockedUntil, u.LastLoginAt, u.CreatedAt, u.UpdatedAt = fromMS(locked), fromMS(lastLogin), fromMS(created), fromMS(updated)
	return u, err
}

// withoutHash strips the password hash from a user handed out of the
// store, so no template or JSON encoder can leak it.
func withoutHash(u auth.User) auth.User {
	u.PasswordHash = ""
	return u
}

// userByID fetches an account whose org lies inside the actor's scope;
// outside it is NotFound.
func userByID(ctx context.Context, q queryer, a auth.Actor, id int64) (auth.User, error) {
	var ar args
	query := `SELECT ` + userColumns + userFrom + ` WHERE u.id = ` + ar.add(id) + ` AND ` + scopeFilter(&ar, a.Scope, "u.org_id")
	u, err := scanUser(q.QueryRowContext(ctx, query, ar...))
	if err == sql.ErrNoRows {
		return u, errUserNotFound
	}
	return u, normalize(err)
}

func userByUsername(ctx context.Context, q queryer, username string) (auth.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.username = $1`, username))
	if err == sql.ErrNoRows {
		return u, errUserNotFound
	}
	return u, normalize(err)
}

func (in UserInput) normalized() UserInput {
	in.Username = strings.TrimSpace(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Role = strings.TrimSpace(in.Role)
	var ids []int64
	for _, id := range in.ScopeOrgIDs {
		if id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	in.ScopeOrgIDs = ids
	return in
}

// checkAssignment checks the org, role and scope orgs of in against the
// database and the actor, adding problems to f. It returns the org and the
// role, and in.ScopeOrgIDs cleared unless the role needs them.
// keepOrg accepts a closed org when the account already sits there.
func checkAssignment(ctx context.Context, q queryer, a auth.Actor, in UserInput, keepOrg int64, f apperr.Fields) (orgs.Org, auth.Role, []int64, error) {
	var org orgs.Org
	var role auth.Role
	if in.OrgID == 0 {
		f.Add("org_id", "请选择所属组织")
	} else {
		var err error
		org, err = orgByID(ctx, q, a, in.OrgID)
		switch {
		case apperr.Is(err, apperr.NotFound):
			f.Add("org_id", "所属组织不存在或无权访问")
		case err != nil:
			return org, role, nil, err
		case org.Status != orgs.Active && org.ID != keepOrg:
			f.Add("org_id", "所属组织已撤销，不能在其下设置账号")
		}
	}
	if in.Role == "" {
		f.Add("role", "请选择角色")
		return org, role, nil, nil
	}
	role, err := roleByCode(ctx, q, in.Role)
	if apperr.Is(err, apperr.NotFound) {
		f.Add("role", "角色不存在")
		return org, role, nil, nil
	}
	if err != nil {
		return org, role, nil, err
	}
	scopeOrgs := in.ScopeOrgIDs
	if role.Scope != auth.ScopeSubtrees {
		scopeOrgs = nil
	}
	if org.ID == 0 {
		return org, role, scopeOrgs, nil
	}
	if err := checkGrant(ctx, q, a, role, org.ID, scopeOrgs, f); err != nil {
		return org, role, nil, err
	}
	return org, role, scopeOrgs, nil
}

// checkGrant adds a problem to f unless the actor may give role, at org
// and with scopeOrgs, to an account: the role's permissions must all be the
// actor's own and the data it opens must lie inside the actor's scope.
func checkGrant(ctx context.Context, q queryer, a auth.Actor, role auth.Role, orgID int64, scopeOrgs []int64, f apperr.Fields) error {
	for _, p := range role.Permissions {
		if !a.Can(p) {
			f.Add("role", "无权授予该角色")
		}
	}
	switch role.Scope {
	case auth.ScopeAll, auth.ScopeSubtrees:
		if !a.Scope.All {
			f.Add("role", "无权授予该角色")
		}
	case auth.ScopeSubtree:
		ok, err := coversSubtree(ctx, q, a.Scope, orgID)
		if err != nil {
			return err
		}
		if !ok {
			f.Add("role", "无权授予该角色")
		}
	case auth.ScopeOwn:
	default:
		f.Add("role", "角色的数据范围无效")
	}
	if role.Scope == auth.ScopeSubtrees {
		if len(scopeOrgs) == 0 {
			f.Add("scope_org_ids", "请选择可查看的组织")
		}
		for _, id := range scopeOrgs {
			ok, err := coversSubtree(ctx, q, a.Scope, id)
			if err != nil {
				return err
			}
			if !ok {
				f.Add("scope_org_ids", "可查看的组织不存在或无权访问")
			}
		}
	}
	return nil
}

// coversSubtree reports whether org exists and its whole subtree lies
// inside sc. A ScopeOwn scope covers no subtree.
func coversSubtree(ctx context.Context, q queryer, sc auth.Scope, org int64) (bool, error) {
	var ar args
	cond := scopeFilter(&ar, auth.Scope{All: sc.All, Subtrees: sc.Subtrees}, "o.id")
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs o WHERE o.id = `+ar.add(org)+` AND `+cond, ar...).Scan(&n)
	return n > 0, err
}

// checkManage refuses when the actor could not have granted u's role:
// an admin must not reset the password of, or demote, a wider account.
func checkManage(ctx context.Context, q queryer, a auth.Actor, u auth.User) error {
	role, err := roleByCode(ctx, q, u.Role)
	if err != nil {
		return err
	}
	f := apperr.Fields{}
	if err := checkGrant(ctx, q, a, role, u.OrgID, u.ScopeOrgIDs, f); err != nil {
		return err
	}
	if len(f) > 0 {
		return errCannotManage
	}
	return nil
}

func checkDisplayName(in *UserInput, f apperr.Fields) {
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	if utf8.RuneCountInString(in.DisplayName) > 30 {
		f.Add("display_name", "姓名过长（最多30个字）")
	}
}

// CreateUser creates an account that must change its password at first
// sign-in. The actor may only create accounts inside its scope with a role
// no wider than its own.
func (s *Store) CreateUser(ctx context.Context, a auth.Actor, in UserInput) (auth.User, error) {
	in = in.normalized()
	f := apperr.Fields{}
	if !usernamePattern.MatchString(in.Username) {
		f.Add("username", "用户名为3-32位字母、数字、下划线、点或连字符")
	}
	checkDisplayName(&in, f)
	if e := apperr.As(auth.ValidatePassword(in.Password, in.Username)); e != nil {
		f.Add("password", e.Fields["new_password"])
	}
	var hash string
	if len(f) == 0 {
		// Hash before the transaction: argon2 is slow and the SQLite
		// writer is shared.
		var err error
		if hash, err = auth.HashPassword(in.Password); err != nil {
			return auth.User{}, apperr.Wrap(apperr.Internal, "密码处理失败", err)
		}
	}
	var created auth.User
	err := s.transact(ctx, func(tx *Tx) error {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE LOWER(username) = LOWER($1)`, in.Username).Scan(&taken); err != nil {
			return err
		}
		org, _, scopeOrgs, err := checkAssignment(ctx, tx, a, in, 0, f)
		if err != nil {
			return err
		}
		if taken > 0 {
			f["username"] = "该用户名已被使用"
			return &apperr.Error{Kind: apperr.Conflict, Message: "该用户名已被使用", Fields: f}
		}
		if err := f.Err(); err != nil {
			return err
		}
		u := auth.User{Username: in.Username, DisplayName: in.DisplayName, OrgID: org.ID, OrgName: org.Name, Role: in.Role,
			ScopeOrgIDs: scopeOrgs, MustChangePassword: true, CreatedAt: tx.now, UpdatedAt: tx.now}
		id, err := insertID(ctx, tx, `INSERT INTO users (username, display_name, org_id, role, scope_orgs, password_hash, must_change, disabled,
			failed_logins, locked_until, last_login_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, 0, $9, $10)`,
			u.Username, u.DisplayName, u.OrgID, u.Role, joinIDs(scopeOrgs), hash, true, false, ms(tx.now), ms(tx.now))
		if err != nil {
			if apperr.Is(normalize(err), apperr.Conflict) {
				return &apperr.Error{Kind: apperr.Conflict, Message: "该用户名已被使用", Fields: map[string]string{"username": "该用户名已被使用"}}
			}
			return err
		}
		u.ID = id
		ch := audit.Changes{}
		ch.Set("username", "", u.Username)
		ch.Set("display_name", "", u.DisplayName)
		ch.Set("org_id", "", itoa(u.OrgID))
		ch.Set("role", "", u.Role)
		ch.Set("scope_orgs", "", joinIDs(scopeOrgs))
		created = u
		return tx.audit(ctx, a, audit.Create, "user", id, ch.JSON())
	})
	if err != nil {
		return auth.User{}, err
	}
	return created, nil
}

// GetUser returns the account with id if its org is inside the actor's scope.
func (s *Store) GetUser(ctx context.Context, a auth.Actor, id int64) (auth.User, error) {
	u, err := userByID(ctx, s.rdb, a, id)
	return withoutHash(u), err
}

// ListUsers returns accounts in the actor's scope matching f, by id, and
// the cursor of the next page (0 when there is none).
func (s *Store) ListUsers(ctx context.Context, a auth.Actor, f UserFilter) ([]auth.User, int64, error) {
	var ar args
	where := []string{scopeFilter(&ar, a.Scope, "u.org_id")}
	if f.OrgID != 0 {
		where = append(where, subtreeFilter(&ar, f.OrgID, "u.org_id"))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := ar.add("%" + escapeLike(q) + "%")
		where = append(where, `(u.username LIKE `+like+` ESCAPE '\' OR u.display_name LIKE `+like+` ESCAPE '\')`)
	}
	if f.Role != "" {
		where = append(where, "u.role = "+ar.add(f.Role))
	}
	if f.Cursor > 0 {
		where = append(where, "u.id > "+ar.add(f.Cursor))
	}
	limit := clampLimit(f.Limit, 50, 1000)
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+userColumns+userFrom+whereClause(where)+` ORDER BY u.id LIMIT `+ar.add(limit+1), ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, normalize(err)
		}
		out = append(out, withoutHash(u))
	}
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	out, next := keysetPage(out, limit, func(x auth.User) int64 { return x.ID })
	return out, next, nil
}

// UpdateUser changes an account's display name, org, role and scope orgs
// (not its username or password). The actor must be able to grant both the
// account's current role and the new one.
func (s *Store) UpdateUser(ctx context.Context, a auth.Actor, id int64, in UserInput) (auth.User, error) {
	in = in.normalized()
	var updated auth.User
	err := s.transact(ctx, func(tx *Tx) error {
		u, err := userByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkManage(ctx, tx, a, u); err != nil {
			return err
		}
		in.Username = u.Username
		f := apperr.Fields{}
		checkDisplayName(&in, f)
		org, _, scopeOrgs, err := checkAssignment(ctx, tx, a, in, u.OrgID, f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("display_name", u.DisplayName, in.DisplayName)
		ch.Set("org_id", itoa(u.OrgID), itoa(org.ID))
		ch.Set("role", u.Role, in.Role)
		ch.Set("scope_orgs", joinIDs(u.ScopeOrgIDs), joinIDs(scopeOrgs))
		u.DisplayName, u.OrgID, u.OrgName, u.Role, u.ScopeOrgIDs = in.DisplayName, org.ID, org.Name, in.Role, scopeOrgs
		if len(ch) == 0 {
			updated = u
			return nil
		}
		u.UpdatedAt = tx.now
		updated = u
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, org_id = $2, role = $3, scope_orgs = $4, updated_at = $5 WHERE id = $6`,
			u.DisplayName, u.OrgID, u.Role, joinIDs(scopeOrgs), ms(tx.now), id); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Update, "user", id, ch.JSON())
	})
	return withoutHash(updated), err
}

// SetUserDisabled disables an account, signing it out everywhere, or
// enables it again. Nobody can disable their own account.
func (s *Store) SetUserDisabled(ctx context.Context, a auth.Actor, id int64, disabled bool) error {
	if disabled && id == a.UserID {
		return apperr.New(apperr.Conflict, "不能停用自己的账号")
	}
	return s.transact(ctx, func(tx *Tx) error {
		u, err := userByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkManage(ctx, tx, a, u); err != nil {
			return err
		}
		if u.Disabled == disabled {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, ms(tx.now), id); err != nil {
			return err
		}
		action := audit.Unlock
		if disabled {
			action = audit.Lock
			if err := tx.deleteSessions(ctx, id); err != nil {
				return err
			}
		}
		ch := audit.Changes{}
		ch.Set("disabled", strconv.FormatBool(u.Disabled), strconv.FormatBool(disabled))
		return tx.audit(ctx, a, action, "user", id, ch.JSON())
	})
}

// UnlockUser lifts a lockout after failed sign-ins before it expires.
func (s *Store) UnlockUser(ctx context.Context, a auth.Actor, id int64) error {
	return s.transact(ctx, func(tx *Tx) error {
		u, err := userByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkManage(ctx, tx, a, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0, updated_at = $1 WHERE id = $2`, ms(tx.now), id); err != nil {
			return err
		}
		ch := audit.Changes{}
		ch.Set("failed_logins", strconv.Itoa(u.FailedLogins), "0")
		return tx.audit(ctx, a, audit.Unlock, "user", id, ch.JSON())
	})
}

// ResetPassword sets a new password chosen by an administrator. The account
// must change it at next sign-in; its sessions end and any lockout is lifted.
func (s *Store) ResetPassword(ctx context.Context, a auth.Actor, id int64, newPassword string) error {
	return s.transact(ctx, func(tx *Tx) error {
		u, err := userByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkManage(ctx, tx, a, u); err != nil {
			return err
		}
		if err := auth.ValidatePassword(newPassword, u.Username); err != nil {
			return err
		}
		hash, err := auth.HashPassword(newPassword)
		if err != nil {
			return apperr.Wrap(apperr.Internal, "密码处理失败", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change = $2, failed_logins = 0, locked_until = 0, updated_at = $3 WHERE id = $4`,
			hash, true, ms(tx.now), id); err != nil {
			return err
		}
		if err := tx.deleteSessions(ctx, id); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.PasswordReset, "user", id, "")
	})
}

// ChangePassword changes the actor's own password after checking the old one.
func (s *Store) ChangePassword(ctx context.Context, a auth.Actor, oldPassword, newPassword string) error {
	if a.UserID == 0 {
		return errNotSignedIn
	}
	return s.transact(ctx, func(tx *Tx) error {
		u, err := userByID(ctx, tx, auth.System(), a.UserID)
		if apperr.Is(err, apperr.NotFound) {
			return errNotSignedIn
		}
		if err != nil {
			return err
		}
		ok, err := auth.CheckPassword(u.PasswordHash, oldPassword)
		if err != nil {
			return apperr.Wrap(apperr.Internal, "密码校验失败", err)
		}
		if !ok {
			return apperr.Fields{"old_password": "原密码不正确"}.Err()
		}
		if err := auth.ValidatePassword(newPassword, u.Username); err != nil {
			return err
		}
		if newPassword == oldPassword {
			return apperr.Fields{"new_password": "新密码不能与原密码相同"}.Err()
		}
		hash, err := auth.HashPassword(newPassword)
		if err != nil {
			return apperr.Wrap(apperr.Internal, "密码处理失败", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change = $2, updated_at = $3 WHERE id = $4`,
			hash, false, ms(tx.now), u.ID); err != nil {
			return err
		}
		// A changed password ends every other session of the user: one
		// opened with the old password must not outlive it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, u.ID, a.Session); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.PasswordChange, "user", u.ID, "")
	})
}

// UserByUsername returns the account with username, whatever its org: it
// is for the command line, which acts as the system.
func (s *Store) UserByUsername(ctx context.Context, username string) (auth.User, error) {
	u, err := userByUsername(ctx, s.rdb, strings.TrimSpace(username))
	return withoutHash(u), err
}

// CountUsers returns the number of accounts, so first start knows whether
// to create the administrator.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, normalize(err)
}
