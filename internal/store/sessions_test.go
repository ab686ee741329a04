package store_test

import (
	"context"
	"encoding/base64"
	"regexp"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

var sessionStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// wantLoginError fails unless err is Unauthenticated with code and message.
func wantLoginError(t *testing.T, name string, err error, code, message string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Unauthenticated || apperr.CodeOf(err) != code || e.Message != message {
		t.Errorf("%s: error = %v, want unauthenticated/%s %q", name, err, code, message)
	}
}

const (
	badLogin  = "用户名或密码错误"
	lockedMsg = "登录失败次数过多，账号已锁定，请15分钟后再试或联系管理员"
)

func TestLoginLockout(t *testing.T) {
	clock := storetest.NewClock(sessionStart)
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(sessionStart)
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)

		for i := 1; i < auth.MaxFailedLogins; i++ {
			_, _, err := s.Login(ctx, u.Username, "Wrong-Password-1", "10.0.0.9", "test-agent")
			wantLoginError(t, "failure", err, "unauthenticated", badLogin)
			clock.Advance(time.Second)
		}
		_, _, err := s.Login(ctx, u.Username, "Wrong-Password-1", "10.0.0.9", "test-agent")
		wantLoginError(t, "fifth failure", err, "locked", lockedMsg)
		lockedAt := clock.Now()

		_, _, err = s.Login(ctx, u.Username, storetest.TestPassword, "10.0.0.9", "test-agent")
		wantLoginError(t, "right password while locked", err, "locked", lockedMsg)
		got, _ := s.GetUser(ctx, auth.System(), u.ID)
		if !got.Locked(clock.Now()) || got.FailedLogins != auth.MaxFailedLogins {
			t.Errorf("locked user = %+v, want locked with %d failures", got, auth.MaxFailedLogins)
		}

		clock.Set(lockedAt.Add(auth.LockoutDuration - time.Second))
		_, _, err = s.Login(ctx, u.Username, storetest.TestPassword, "", "")
		wantLoginError(t, "right password just before the lock ends", err, "locked", lockedMsg)

		clock.Set(lockedAt.Add(auth.LockoutDuration))
		// After the lock, the count starts again: one failure does not relock.
		_, _, err = s.Login(ctx, u.Username, "Wrong-Password-1", "", "")
		wantLoginError(t, "failure after the lock", err, "unauthenticated", badLogin)
		in, sess, err := s.Login(ctx, u.Username, storetest.TestPassword, "", "")
		if err != nil {
			t.Fatalf("login after the lock: %v", err)
		}
		if in.FailedLogins != 0 || !in.LastLoginAt.Equal(clock.Now()) || sess.Token == "" || sess.UserID != u.ID {
			t.Errorf("login = %+v, %+v; want counter reset and last login now", in, sess)
		}
		got, _ = s.GetUser(ctx, auth.System(), u.ID)
		if got.FailedLogins != 0 || !got.LockedUntil.IsZero() || !got.LastLoginAt.Equal(clock.Now()) {
			t.Errorf("stored user = %+v, want counter and lock cleared", got)
		}

		sys := auth.System()
		failed, _, err := s.ListAudit(ctx, sys, audit.Filter{UserID: u.ID, Action: audit.LoginFailed})
		if err != nil || len(failed) != auth.MaxFailedLogins+3 {
			t.Errorf("login_failed entries = %d, %v; want %d", len(failed), err, auth.MaxFailedLogins+3)
		}
		last := failed[len(failed)-1] // the oldest
		if last.Entity != "session" || last.IP != "10.0.0.9" || last.UserAgent != "test-agent" || last.Username != u.Username || last.OrgID != tr.V1.ID {
			t.Errorf("login_failed entry = %+v, want entity session with IP, agent, user and org", last)
		}
		ok, _, err := s.ListAudit(ctx, sys, audit.Filter{UserID: u.ID, Action: audit.Login})
		if err != nil || len(ok) != 1 || ok[0].Entity != "session" {
			t.Errorf("login entries = %+v, %v; want one", ok, err)
		}
	})
}

func TestUnlockUser(t *testing.T) {
	clock := storetest.NewClock(sessionStart)
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		for range auth.MaxFailedLogins {
			s.Login(ctx, u.Username, "Wrong-Password-1", "", "")
		}
		_, _, err := s.Login(ctx, u.Username, storetest.TestPassword, "", "")
		wantLoginError(t, "locked", err, "locked", lockedMsg)

		admin := storetest.ActorFor(t, s, tr.T1, auth.RoleOrgAdmin)
		if err := s.UnlockUser(ctx, admin, u.ID); err != nil {
			t.Fatalf("UnlockUser: %v", err)
		}
		if _, _, err := s.Login(ctx, u.Username, storetest.TestPassword, "", ""); err != nil {
			t.Errorf("login after unlock: %v", err)
		}
		entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{Entity: "user", EntityID: u.ID, Action: audit.Unlock})
		if err != nil || len(entries) != 1 {
			t.Errorf("unlock audit = %+v, %v; want one entry", entries, err)
		}
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		off := storetest.NewUser(t, s, tr.V1, "v1.off", auth.RoleCadre)
		if err := s.SetUserDisabled(ctx, auth.System(), off.ID, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct{ name, username, password, reason string }{
			{"unknown user", "ghost", storetest.TestPassword, "unknown_user"},
			{"wrong password", u.Username, "Wrong-Password-1", "wrong_password"},
			{"disabled", off.Username, storetest.TestPassword, "disabled"},
			{"empty", "", "", "unknown_user"},
		}
		for _, tt := range tests {
			_, _, err := s.Login(ctx, tt.username, tt.password, "10.1.1.1", "ua")
			wantLoginError(t, tt.name, err, "unauthenticated", badLogin)
			entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{Action: audit.LoginFailed, Limit: 1})
			if err != nil || len(entries) != 1 || entries[0].Username != tt.username || entries[0].IP != "10.1.1.1" ||
				!regexp.MustCompile(`"reason":"`+tt.reason+`"`).MatchString(entries[0].Detail) {
				t.Errorf("%s: latest login_failed entry = %+v, %v; want username %q, reason %s", tt.name, entries, err, tt.username, tt.reason)
			}
		}
	})
}

func TestSessionToken(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.T1, "t1.admin", auth.RoleOrgAdmin)
		in, sess, err := s.Login(ctx, u.Username, storetest.TestPassword, "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if !in.MustChangePassword || in.PasswordHash != "" {
			t.Errorf("login user = %+v, want must change and no hash", in)
		}
		raw, err := base64.RawURLEncoding.DecodeString(sess.Token)
		if err != nil || len(raw) != 32 {
			t.Errorf("token %q: want 32 bytes base64url without padding (%v)", sess.Token, err)
		}
		var stored string
		if err := s.DB().QueryRowContext(ctx, `SELECT token_hash FROM sessions`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == sess.Token || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(stored) {
			t.Errorf("stored token_hash = %q, want hex SHA-256, not the token", stored)
		}

		a, got, err := s.Authenticate(ctx, sess.Token, "10.0.0.2", "ua2")
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if a.UserID != u.ID || a.Username != u.Username || a.OrgID != tr.T1.ID || a.OrgName != tr.T1.Name ||
			a.Role.Code != auth.RoleOrgAdmin || !a.Can(auth.UsersWrite) || a.Can(auth.RolesWrite) ||
			len(a.Scope.Subtrees) != 1 || a.Scope.Subtrees[0] != tr.T1.ID || a.Scope.All || a.IP != "10.0.0.2" || a.UserAgent != "ua2" {
			t.Errorf("actor = %+v", a)
		}
		if !got.MustChangePassword || got.PasswordHash != "" {
			t.Errorf("authenticated user = %+v, want must change and no hash", got)
		}
		if err := s.ChangePassword(ctx, a, storetest.TestPassword, "Lotus-Pond-88"); err != nil {
			t.Fatal(err)
		}
		if _, got, _ = s.Authenticate(ctx, sess.Token, "", ""); got.MustChangePassword {
			t.Errorf("after ChangePassword: must change still set")
		}

		for _, bad := range []string{"", "nope", sess.Token + "x"} {
			_, _, err := s.Authenticate(ctx, bad, "", "")
			wantLoginError(t, "unknown token", err, "unauthenticated", "请先登录")
		}

		other := storetest.NewUser(t, s, tr.T1, "t1.other", auth.RoleCadre)
		_, otherActor := storetest.SignIn(t, s, other)
		if err := s.Logout(ctx, otherActor, sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, sess.Token, "", ""); err != nil {
			t.Errorf("another user's Logout ended the session: %v", err)
		}
		if err := s.Logout(ctx, a, sess.Token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if _, _, err := s.Authenticate(ctx, sess.Token, "", ""); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("after Logout: error = %v, want unauthenticated", err)
		}
		entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{UserID: u.ID, Action: audit.Logout})
		if err != nil || len(entries) != 1 || entries[0].Entity != "session" {
			t.Errorf("logout audit = %+v, %v; want one entry", entries, err)
		}
	})
}

func TestSessionIdleTimeout(t *testing.T) {
	clock := storetest.NewClock(sessionStart)
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(sessionStart)
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		_, sess, err := s.Login(ctx, u.Username, storetest.TestPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		lastSeen := func() time.Time {
			var v int64
			if err := s.DB().QueryRowContext(ctx, `SELECT last_seen_at FROM sessions`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return time.UnixMilli(v).UTC()
		}

		clock.Advance(30 * time.Second)
		if _, _, err := s.Authenticate(ctx, sess.Token, "", ""); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(); !got.Equal(sessionStart) {
			t.Errorf("last_seen_at after 30s = %v, want unchanged %v (no write per request)", got, sessionStart)
		}
		clock.Advance(29 * time.Minute)
		if _, _, err := s.Authenticate(ctx, sess.Token, "", ""); err != nil {
			t.Fatalf("after 29.5 min idle: %v", err)
		}
		if got := lastSeen(); !got.Equal(clock.Now()) {
			t.Errorf("last_seen_at = %v, want %v", got, clock.Now())
		}
		clock.Advance(31 * time.Minute)
		_, _, err = s.Authenticate(ctx, sess.Token, "", "")
		wantLoginError(t, "31 min idle", err, "session_expired", "登录已超时，请重新登录")
		_, _, err = s.Authenticate(ctx, sess.Token, "", "")
		wantLoginError(t, "expired session again", err, "unauthenticated", "请先登录")
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 0 {
			t.Errorf("sessions left = %d, %v; want the expired one deleted", n, err)
		}
	})
}

func TestSessionAbsoluteTimeout(t *testing.T) {
	clock := storetest.NewClock(sessionStart)
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(sessionStart)
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		u := storetest.NewUser(t, s, tr.V1, "v1.cadre", auth.RoleCadre)
		_, sess, err := s.Login(ctx, u.Username, storetest.TestPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		// Active every 10 minutes: never idle, but 12 hours is the limit.
		for clock.Now().Sub(sessionStart) < auth.AbsoluteTimeout {
			clock.Advance(10 * time.Minute)
			if _, _, err := s.Authenticate(ctx, sess.Token, "", ""); err != nil {
				t.Fatalf("after %v: %v", clock.Now().Sub(sessionStart), err)
			}
		}
		clock.Advance(time.Minute)
		_, _, err = s.Authenticate(ctx, sess.Token, "", "")
		wantLoginError(t, "12 h 1 min after login", err, "session_expired", "登录已超时，请重新登录")
		_, _, err = s.Authenticate(ctx, sess.Token, "", "")
		wantLoginError(t, "after expiry", err, "unauthenticated", "请先登录")
		entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{UserID: u.ID, Action: audit.Logout})
		if err != nil || len(entries) != 1 {
			t.Errorf("timeout logout audit = %+v, %v; want one entry", entries, err)
		}
	})
}
