package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
)

// Session is a signed-in session; Token is only set when created.
type Session struct {
	Token      string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
}

var (
	errBadLogin       = apperr.New(apperr.Unauthenticated, "用户名或密码错误")
	errLockedOut      = apperr.New(apperr.Unauthenticated, "登录失败次数过多，账号已锁定，请15分钟后再试或联系管理员").WithCode("locked")
	errSessionExpired = apperr.New(apperr.Unauthenticated, "登录已超时，请重新登录").WithCode("session_expired")
	errUserDisabled   = apperr.New(apperr.Unauthenticated, "账号已停用，请联系管理员")
)

// touchInterval is how stale last_seen_at may get before Authenticate
// writes it: far below the idle timeout, far above one write per request.
const touchInterval = time.Minute

// dummyHash is checked against when the username is unknown, so the answer
// takes as long as for a real account and timing reveals nothing.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword(rand.Text())
	return h
})

// newToken returns 32 random bytes, base64url encoded without padding.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the sessions table keeps: a stolen database yields no
// usable token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (tx *Tx) deleteSessions(ctx context.Context, userID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}

// Login checks username and password and opens a session. Every attempt is
// audited. Unknown users, wrong passwords and disabled accounts get the same
// answer; a locked account is told so only once its password was checked
// into the lock or while the lock holds.
func (s *Store) Login(ctx context.Context, username, password, ip, userAgent string) (auth.User, Session, error) {
	username = strings.TrimSpace(username)
	who := auth.Actor{Username: truncate(username, 64), IP: ip, UserAgent: userAgent}
	u, err := userByUsername(ctx, s.rdb, username)
	if apperr.Is(err, apperr.NotFound) {
		_, _ = auth.CheckPassword(dummyHash(), password)
		return s.loginFailed(ctx, who, "unknown_user", errBadLogin)
	}
	if err != nil {
		return auth.User{}, Session{}, err
	}
	who.UserID, who.Username, who.OrgID, who.OrgName = u.ID, u.Username, u.OrgID, u.OrgName
	if u.Locked(s.now()) {
		return s.loginFailed(ctx, who, "locked", errLockedOut)
	}
	// The password is checked outside any transaction: argon2 is slow and
	// the SQLite writer is shared.
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil {
		return auth.User{}, Session{}, apperr.Wrap(apperr.Internal, "密码校验失败", err)
	}
	if !ok {
		return s.countFailure(ctx, who)
	}
	if u.Disabled {
		return s.loginFailed(ctx, who, "disabled", errBadLogin)
	}

	var sess Session
	var lockedMeanwhile bool
	err = s.transact(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		// The conditions catch a lock or disable that landed after the read.
		res, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = $1
			WHERE id = $2 AND locked_until <= $1 AND disabled = $3`, now, u.ID, false)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			lockedMeanwhile = true
			return err
		}
		// Sweep this user's dead sessions so the table does not grow.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND (last_seen_at < $2 OR created_at < $3)`,
			u.ID, ms(tx.now.Add(-auth.IdleTimeout)), ms(tx.now.Add(-auth.AbsoluteTimeout))); err != nil {
			return err
		}
		sess = Session{Token: newToken(), UserID: u.ID, CreatedAt: fromMS(now), LastSeenAt: fromMS(now)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)`,
			hashToken(sess.Token), u.ID, now, now, truncate(ip, 64), truncate(userAgent, 300)); err != nil {
			return err
		}
		u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, time.Time{}, fromMS(now)
		return tx.audit(ctx, who, audit.Login, "session", 0, "")
	})
	if err != nil {
		return auth.User{}, Session{}, err
	}
	if lockedMeanwhile {
		return s.loginFailed(ctx, who, "locked", errLockedOut)
	}
	return withoutHash(u), sess, nil
}

// countFailure records a wrong password and locks the account at the
// MaxFailedLogins-th consecutive one. The counter restarts once an earlier
// lock has expired. One UPDATE does it, so concurrent guesses all count.
func (s *Store) countFailure(ctx context.Context, who auth.Actor) (auth.User, Session, error) {
	var locked bool
	err := s.transact(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		var failed int
		var until int64
		err := tx.QueryRowContext(ctx, `UPDATE users SET
			failed_logins = CASE WHEN locked_until > 0 AND locked_until <= $1 THEN 1 ELSE failed_logins + 1 END,
			locked_until = CASE
				WHEN locked_until > $1 THEN locked_until
				WHEN (CASE WHEN locked_until > 0 AND locked_until <= $1 THEN 1 ELSE failed_logins + 1 END) >= $2 THEN $3
				ELSE 0 END
			WHERE id = $4 RETURNING failed_logins, locked_until`,
			now, auth.MaxFailedLogins, ms(tx.now.Add(auth.LockoutDuration)), who.UserID).Scan(&failed, &until)
		if err != nil {
			return err
		}
		locked = until > now
		note := map[string]string{"reason": "wrong_password", "failed_logins": strconv.Itoa(failed)}
		if locked {
			note["locked_until"] = fromMS(until).Format(time.RFC3339)
		}
		return tx.audit(ctx, who, audit.LoginFailed, "session", 0, audit.Note(note))
	})
	if err != nil {
		return auth.User{}, Session{}, err
	}
	if locked {
		return auth.User{}, Session{}, errLockedOut
	}
	return auth.User{}, Session{}, errBadLogin
}

// loginFailed audits a refused sign-in in its own transaction, so the entry
// stays although Login answers with an error.
func (s *Store) loginFailed(ctx context.Context, who auth.Actor, reason string, answer error) (auth.User, Session, error) {
	if err := s.Audit(ctx, who, audit.LoginFailed, "session", 0, audit.Note(map[string]string{"reason": reason})); err != nil {
		return auth.User{}, Session{}, err
	}
	return auth.User{}, Session{}, answer
}

// scanWith appends extra destinations to a row's Scan, so scanUser can
// read a row that carries more than the user.
type scanWith struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (r scanWith) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra...)...) }

// Authenticate resolves a session token into the actor: the user acting for
// their org with their role's permissions and resolved scope. The user is
// returned too, for its MustChangePassword flag.
func (s *Store) Authenticate(ctx context.Context, token, ip, userAgent string) (auth.Actor, auth.User, error) {
	if token == "" {
		return auth.Actor{}, auth.User{}, errNotSignedIn
	}
	tokenHash := hashToken(token)
	var created, lastSeen int64
	var role auth.Role
	var scope, perms string
	var depth int
	row := s.rdb.QueryRowContext(ctx, `SELECT `+userColumns+`, s.created_at, s.last_seen_at, `+roleColumns+`,
		(SELECT ro.depth FROM orgs ro WHERE ro.id = u.org_id)`+userFrom+`
		JOIN sessions s ON s.user_id = u.id JOIN roles r ON r.code = u.role
		WHERE s.token_hash = $1`, tokenHash)
	u, err := scanUser(scanWith{row, []any{&created, &lastSeen, &role.Code, &role.Name, &scope, &perms, &role.BuiltIn, &depth}})
	if apperr.Is(normalize(err), apperr.NotFound) {
		return auth.Actor{}, auth.User{}, errNotSignedIn
	}
	if err != nil {
		return auth.Actor{}, auth.User{}, normalize(err)
	}
	role.Scope, role.Permissions = auth.ScopeKind(scope), splitPermissions(perms)
	a := auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, OrgName: u.OrgName, Role: role,
		Scope: auth.ResolveScope(role.Scope, u), OrgDepth: depth, IP: ip, UserAgent: userAgent, Session: tokenHash}
	if role.Scope == auth.ScopeSubtree && depth == 0 {
		// The root's subtree is the whole tree: say so, and every query
		// drops its scope filter instead of joining the closure table.
		a.Scope = auth.Scope{All: true}
	}

	now := s.now()
	if now.Sub(fromMS(lastSeen)) > auth.IdleTimeout || now.Sub(fromMS(created)) > auth.AbsoluteTimeout {
		err := s.transact(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err // another request expired it first
			}
			return tx.audit(ctx, a, audit.Logout, "session", 0, audit.Note(map[string]string{"reason": "timeout"}))
		})
		if err != nil {
			return auth.Actor{}, auth.User{}, err
		}
		return auth.Actor{}, auth.User{}, errSessionExpired
	}
	if u.Disabled {
		return auth.Actor{}, auth.User{}, errUserDisabled
	}
	if now.Sub(fromMS(lastSeen)) > touchInterval {
		err := s.transact(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, ms(tx.now), tokenHash)
			return err
		})
		if err != nil {
			return auth.Actor{}, auth.User{}, err
		}
	}
	return a, withoutHash(u), nil
}

// Logout ends the actor's session with token.
func (s *Store) Logout(ctx context.Context, a auth.Actor, token string) error {
	return s.transact(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2`, hashToken(token), a.UserID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return tx.audit(ctx, a, audit.Logout, "session", 0, "")
	})
}
