// Package auth holds the access model: users, roles, permissions and data
// scopes. The store enforces scopes; the web layer checks permissions.
package auth

import (
	"slices"
	"time"
)

// Permission is a capability string such as "people:write".
type Permission string

// The permissions of the platform. Later engines add their own.
const (
	OrgsRead     Permission = "orgs:read"
	OrgsWrite    Permission = "orgs:write"
	PeopleRead   Permission = "people:read"
	PeopleWrite  Permission = "people:write"
	PeopleReveal Permission = "people:reveal"
	PeopleImport Permission = "people:import"
	PeopleExport Permission = "people:export"
	UsersRead    Permission = "users:read"
	UsersWrite   Permission = "users:write"
	RolesWrite   Permission = "roles:write"
	DictsWrite   Permission = "dicts:write"
	AuditRead    Permission = "audit:read"

	CasesRead      Permission = "cases:read"
	CasesIntake    Permission = "cases:intake"
	CasesHandle    Permission = "cases:handle"
	CasesSupervise Permission = "cases:supervise"
	CasesExport    Permission = "cases:export"
	CasesAdmin     Permission = "cases:admin"
)

// permissionLabels lists every permission with its Chinese label, in display order.
var permissionLabels = []struct {
	P     Permission
	Label string
}{
	{OrgsRead, "查看组织"},
	{OrgsWrite, "管理组织"},
	{PeopleRead, "查看人员"},
	{PeopleWrite, "登记和修改人员"},
	{PeopleReveal, "查看敏感信息明文"},
	{PeopleImport, "导入人员"},
	{PeopleExport, "导出人员"},
	{UsersRead, "查看账号"},
	{UsersWrite, "管理账号"},
	{RolesWrite, "管理角色"},
	{DictsWrite, "管理字典"},
	{AuditRead, "查看审计日志"},
	{CasesRead, "查看维权案件"},
	{CasesIntake, "登记维权案件和排查"},
	{CasesHandle, "办理维权案件"},
	{CasesSupervise, "督办和查阅受限案件"},
	{CasesExport, "导出维权案件"},
	{CasesAdmin, "设置办理时限和节假日"},
}

// Permissions returns every known permission in display order.
func Permissions() []Permission {
	out := make([]Permission, len(permissionLabels))
	for i, p := range permissionLabels {
		out[i] = p.P
	}
	return out
}

// Label returns the Chinese name of p.
func (p Permission) Label() string {
	for _, l := range permissionLabels {
		if l.P == p {
			return l.Label
		}
	}
	return string(p)
}

// Valid reports whether p is a known permission.
func (p Permission) Valid() bool { return p.Label() != string(p) }

// ScopeKind says which part of the tree a role's holder may see.
type ScopeKind string

// The data scopes.
const (
	ScopeOwn      ScopeKind = "own"      // the user's org only
	ScopeSubtree  ScopeKind = "subtree"  // the user's org and everything below it
	ScopeAll      ScopeKind = "all"      // the whole tree
	ScopeSubtrees ScopeKind = "subtrees" // chosen subtrees, set on the user
)

// Label returns the Chinese name of the scope kind.
func (k ScopeKind) Label() string {
	switch k {
	case ScopeOwn:
		return "本组织"
	case ScopeSubtree:
		return "本组织及下级"
	case ScopeAll:
		return "全部"
	case ScopeSubtrees:
		return "指定组织及下级"
	}
	return string(k)
}

// Valid reports whether k is a known scope kind.
func (k ScopeKind) Valid() bool { return k.Label() != string(k) }

// ScopeKinds lists the scope kinds in display order.
func ScopeKinds() []ScopeKind { return []ScopeKind{ScopeOwn, ScopeSubtree, ScopeAll, ScopeSubtrees} }

// Role is a named set of permissions with a data scope.
type Role struct {
	Code        string
	Name        string
	Scope       ScopeKind
	Permissions []Permission
	BuiltIn     bool
}

// Has reports whether the role grants p.
func (r Role) Has(p Permission) bool { return slices.Contains(r.Permissions, p) }

// The built-in role codes.
const (
	RoleSuperAdmin = "super_admin"
	RoleOrgAdmin   = "org_admin"
	RoleCadre      = "cadre"
	RoleViewer     = "viewer"
)

// BuiltInRoles returns the roles every installation starts with.
func BuiltInRoles() []Role {
	all := Permissions()
	read := []Permission{OrgsRead, PeopleRead, UsersRead, CasesRead}
	cadre := []Permission{OrgsRead, PeopleRead, PeopleWrite, PeopleReveal, PeopleImport, PeopleExport,
		CasesRead, CasesIntake, CasesHandle, CasesExport}
	orgAdmin := slices.DeleteFunc(slices.Clone(all), func(p Permission) bool {
		return p == RolesWrite || p == DictsWrite || p == CasesAdmin
	})
	return []Role{
		{Code: RoleSuperAdmin, Name: "系统管理员", Scope: ScopeAll, Permissions: all, BuiltIn: true},
		{Code: RoleOrgAdmin, Name: "单位管理员", Scope: ScopeSubtree, Permissions: orgAdmin, BuiltIn: true},
		{Code: RoleCadre, Name: "工作人员", Scope: ScopeSubtree, Permissions: cadre, BuiltIn: true},
		{Code: RoleViewer, Name: "只读查看", Scope: ScopeSubtree, Permissions: read, BuiltIn: true},
	}
}

// User is an account. It belongs to one org and holds one role.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	OrgID              int64
	OrgName            string
	Role               string
	ScopeOrgIDs        []int64 // for roles with ScopeSubtrees
	PasswordHash       string
	MustChangePassword bool
	Disabled           bool
	FailedLogins       int
	LockedUntil        time.Time
	LastLoginAt        time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Locked reports whether the account is locked out at now.
func (u User) Locked(now time.Time) bool { return u.LockedUntil.After(now) }

// Account rules (等保 2.0 level 3).
const (
	MaxFailedLogins = 5
	LockoutDuration = 15 * time.Minute
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
)

// Scope is a resolved data scope: which orgs' records a user may see.
// The zero Scope sees nothing.
type Scope struct {
	All      bool
	Org      int64   // exactly this org (ScopeOwn)
	Subtrees []int64 // these orgs and everything below them
}

// Empty reports whether the scope sees nothing.
func (s Scope) Empty() bool { return !s.All && s.Org == 0 && len(s.Subtrees) == 0 }

// ResolveScope turns a role's scope kind into a Scope for u.
func ResolveScope(kind ScopeKind, u User) Scope {
	switch kind {
	case ScopeAll:
		return Scope{All: true}
	case ScopeOwn:
		return Scope{Org: u.OrgID}
	case ScopeSubtree:
		return Scope{Subtrees: []int64{u.OrgID}}
	case ScopeSubtrees:
		return Scope{Subtrees: slices.Clone(u.ScopeOrgIDs)}
	}
	return Scope{}
}

// Actor is who performs an operation: the signed-in user acting for their
// org, with the permissions and scope of their role. Store methods take it
// to filter by scope and to write the audit trail.
type Actor struct {
	UserID    int64
	Username  string
	OrgID     int64
	OrgName   string
	OrgDepth  int // the org's depth in the tree; the root is 0
	Role      Role
	Scope     Scope
	IP        string
	UserAgent string
	// Session identifies the signed-in session (a hash of its token), so a
	// password change can end the user's other sessions but this one.
	Session string
}

// Can reports whether the actor's role grants p.
func (a Actor) Can(p Permission) bool { return a.Role.Has(p) }

// IsSystem reports whether a is Jinguo itself (see System), which sees
// restricted records in full.
func (a Actor) IsSystem() bool { return a.UserID == 0 && a.Username == "system" && a.Scope.All }

// System is the actor for work done by Jinguo itself (first start, jobs
// without a user, the command line).
func System() Actor {
	return Actor{Username: "system", Role: Role{Code: RoleSuperAdmin, Scope: ScopeAll, Permissions: Permissions()}, Scope: Scope{All: true}}
}
