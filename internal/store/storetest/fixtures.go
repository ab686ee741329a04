package storetest

import (
	"context"
	"fmt"
	"testing"

	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

// TestPassword is the password NewUser gives every account. Usernames must
// not be contained in it (so not "jinguo" or "test").
const TestPassword = "Jinguo-Test-2024"

// Tree is a small federation built by BuildTree:
//
//	City (330100000000)
//	├── D1 (330102000000)
//	│   └── T1 (330102001000)
//	│       ├── V1, V2
//	│       └── filler villages, one of them Prefix13
//	└── D2 (330105000000) = Prefix3
//	    └── T2 (330105001000)
//	        └── V3
//
// Prefix3 is the org with id 3 and Prefix13 the org with id 13; they sit in
// different districts, so a scope check that matches ids or paths by string
// prefix lets a D2 user see D1 data and fails the tests.
type Tree struct {
	City, D1, D2, T1, T2, V1, V2, V3 orgs.Org
	Prefix3, Prefix13                orgs.Org
	All                              []orgs.Org // every org, in creation order
}

// BuildTree creates the built-in roles and the tree in an empty store.
func BuildTree(t testing.TB, s *store.Store) Tree {
	t.Helper()
	ctx := context.Background()
	if err := s.EnsureBuiltInRoles(ctx); err != nil {
		t.Fatalf("ensure built-in roles: %v", err)
	}
	var tr Tree
	add := func(parent orgs.Org, name string, kind orgs.Kind, code string) orgs.Org {
		t.Helper()
		o, err := s.CreateOrg(ctx, auth.System(), orgs.Input{ParentID: parent.ID, Name: name, Kind: kind, DivisionCode: code})
		if err != nil {
			t.Fatalf("create org %s: %v", name, err)
		}
		tr.All = append(tr.All, o)
		return o
	}
	tr.City = add(orgs.Org{}, "杭州市妇联", orgs.City, "330100000000")
	tr.D1 = add(tr.City, "上城区妇联", orgs.District, "330102000000")
	tr.D2 = add(tr.City, "拱墅区妇联", orgs.District, "330105000000")
	tr.T1 = add(tr.D1, "清波街道妇联", orgs.Township, "330102001000")
	tr.T2 = add(tr.D2, "米市巷街道妇联", orgs.Township, "330105001000")
	tr.V1 = add(tr.T1, "清波门社区妇联", orgs.Village, "330102001001")
	tr.V2 = add(tr.T1, "劳动路社区妇联", orgs.Village, "330102001002")
	tr.V3 = add(tr.T2, "米市巷社区妇联", orgs.Village, "330105001001")
	for i := 3; len(tr.All) < 14; i++ {
		add(tr.T1, fmt.Sprintf("清波第%d社区妇联", i), orgs.Village, fmt.Sprintf("330102001%03d", i))
	}
	for _, o := range tr.All {
		switch o.ID {
		case 3:
			tr.Prefix3 = o
		case 13:
			tr.Prefix13 = o
		}
	}
	if tr.Prefix3.ID != tr.D2.ID || tr.Prefix13.ParentID != tr.T1.ID {
		t.Fatalf("org ids do not start at 1: got Prefix3 %d (want D2 %d), Prefix13 %d under %d (want under T1 %d)",
			tr.Prefix3.ID, tr.D2.ID, tr.Prefix13.ID, tr.Prefix13.ParentID, tr.T1.ID)
	}
	return tr
}

// ActorFor returns an actor of org with the given built-in role code, its
// scope resolved as Authenticate would. It has no account behind it
// (UserID 0); use NewUser and Login for a signed-in user.
func ActorFor(t testing.TB, s *store.Store, org orgs.Org, role string) auth.Actor {
	t.Helper()
	for _, r := range auth.BuiltInRoles() {
		if r.Code == role {
			return auth.Actor{Username: "test-" + role, OrgID: org.ID, OrgName: org.Name, Role: r,
				Scope: auth.ResolveScope(r.Scope, auth.User{OrgID: org.ID})}
		}
	}
	t.Fatalf("no built-in role %q", role)
	return auth.Actor{}
}

// NewUser creates an account (password TestPassword) at org with role,
// acting as the system, and returns it.
func NewUser(t testing.TB, s *store.Store, org orgs.Org, username, role string) auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), auth.System(), store.UserInput{
		Username: username, DisplayName: username, Password: TestPassword, OrgID: org.ID, Role: role,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// SignIn logs u in with TestPassword and returns the session token and the
// actor Authenticate resolves for it.
func SignIn(t testing.TB, s *store.Store, u auth.User) (string, auth.Actor) {
	t.Helper()
	ctx := context.Background()
	_, sess, err := s.Login(ctx, u.Username, TestPassword, "127.0.0.1", "storetest")
	if err != nil {
		t.Fatalf("login %s: %v", u.Username, err)
	}
	a, _, err := s.Authenticate(ctx, sess.Token, "127.0.0.1", "storetest")
	if err != nil {
		t.Fatalf("authenticate %s: %v", u.Username, err)
	}
	return sess.Token, a
}
