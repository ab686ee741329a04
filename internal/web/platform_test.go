package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/store/storetest"
)

// ptNow is Friday 8 March 2024, 9:00 in China.
var ptNow = time.Date(2024, 3, 8, 1, 0, 0, 0, time.UTC)

// ptBrowser is a client with a cookie jar that does not follow redirects.
// It sets no Sec-Fetch-Site: ptPostForm says which site a form comes from.
func ptBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func ptPostForm(t *testing.T, c *http.Client, u string, form url.Values, site string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func ptBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestSecurityHeadersAndHealth(t *testing.T) {
	e := newTestEnv(t, withClock(ptNow))
	for _, path := range []string{"/login", "/healthz", "/readyz"} {
		resp, err := http.Get(e.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s CSP = %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s missing nosniff or Referrer-Policy", path)
		}
	}
	resp, _ := http.Get(e.http.URL + "/metrics")
	body := ptBody(t, resp)
	if !strings.Contains(body, "jinguo_http_requests_total") {
		t.Errorf("/metrics lacks the request counter")
	}
	// Static assets are embedded and served.
	for _, p := range []string{"/static/app.css", "/static/app.js", "/static/vendor/htmx.min.js"} {
		resp, _ := http.Get(e.http.URL + p)
		if b := ptBody(t, resp); resp.StatusCode != 200 || len(b) < 100 {
			t.Errorf("GET %s = %d, %d bytes", p, resp.StatusCode, len(b))
		}
	}
}

func TestLoginLockoutOverHTTP(t *testing.T) {
	e := newTestEnv(t, withClock(ptNow))
	u := storetest.NewUser(t, e.st, e.tree.T1, "qingbo", auth.RoleCadre)
	c := ptBrowser(t)
	for i := range auth.MaxFailedLogins {
		resp := ptPostForm(t, c, e.http.URL+"/login", url.Values{"username": {u.Username}, "password": {"wrong-Password-1"}}, "same-origin")
		body := ptBody(t, resp)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, resp.StatusCode)
		}
		if i < auth.MaxFailedLogins-1 && !strings.Contains(body, "用户名或密码错误") {
			t.Errorf("failure %d: page lacks the Chinese error", i+1)
		}
		if !strings.Contains(body, `value="qingbo"`) {
			t.Errorf("failure %d: typed username not kept", i+1)
		}
	}
	resp := ptPostForm(t, c, e.http.URL+"/login", url.Values{"username": {u.Username}, "password": {storetest.TestPassword}}, "same-origin")
	if body := ptBody(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "锁定") {
		t.Errorf("right password while locked: status %d, want 401 with a lockout message", resp.StatusCode)
	}
	e.clock.Advance(auth.LockoutDuration + time.Second)
	resp = ptPostForm(t, c, e.http.URL+"/login", url.Values{"username": {u.Username}, "password": {storetest.TestPassword}}, "same-origin")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/password" {
		t.Errorf("login after lockout: %d → %q, want 303 to the forced password change", resp.StatusCode, resp.Header.Get("Location"))
	}
	entries, _, _ := e.st.ListAudit(context.Background(), auth.System(), audit.Filter{Username: u.Username})
	var fails, oks int
	for _, en := range entries {
		switch en.Action {
		case audit.LoginFailed:
			fails++
			if en.IP == "" {
				t.Errorf("failed-login entry without an IP")
			}
		case audit.Login:
			oks++
		}
	}
	if fails != auth.MaxFailedLogins+1 || oks != 1 {
		t.Errorf("audit: %d failed and %d successful logins, want %d and 1", fails, oks, auth.MaxFailedLogins+1)
	}
}

func TestForcedPasswordChangeAndIdleTimeout(t *testing.T) {
	e := newTestEnv(t, withClock(ptNow))
	u := storetest.NewUser(t, e.st, e.tree.T1, "qingbo", auth.RoleCadre)
	status, body, _ := e.apiJSON(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": storetest.TestPassword})
	if status != 200 || body["must_change_password"] != true {
		t.Fatalf("login: %d %v, want 200 with must_change_password", status, body)
	}
	token := body["token"].(string)
	status, body, _ = e.apiJSON(t, "GET", "/api/v1/orgs", token, nil)
	if status != http.StatusForbidden || errCode(body) != "password_change_required" {
		t.Errorf("call before the change: %d %v, want 403 password_change_required", status, body)
	}
	status, body, _ = e.apiJSON(t, "POST", "/api/v1/auth/password", token, map[string]string{"old_password": storetest.TestPassword, "new_password": "short"})
	if f, _ := body["error"].(map[string]any)["fields"].(map[string]any); status != 422 || f["new_password"] == nil {
		t.Errorf("weak new password: %d %v, want 422 with fields.new_password", status, body)
	}
	status, _, _ = e.apiJSON(t, "POST", "/api/v1/auth/password", token, map[string]string{"old_password": storetest.TestPassword, "new_password": "Street-Lane-2024!"})
	if status != 200 {
		t.Fatalf("password change: %d", status)
	}
	if status, _, _ = e.apiJSON(t, "GET", "/api/v1/orgs", token, nil); status != 200 {
		t.Errorf("call after the change: %d, want 200", status)
	}
	e.clock.Advance(auth.IdleTimeout + time.Minute)
	status, body, _ = e.apiJSON(t, "GET", "/api/v1/orgs", token, nil)
	if status != http.StatusUnauthorized || errCode(body) != "session_expired" {
		t.Errorf("after %s idle: %d %v, want 401 session_expired", auth.IdleTimeout, status, body)
	}
}

func TestCrossOriginPostRejected(t *testing.T) {
	e := newTestEnv(t, withClock(ptNow))
	c := ptBrowser(t)
	resp := ptPostForm(t, c, e.http.URL+"/login", url.Values{"username": {"admin"}, "password": {"x"}}, "cross-site")
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /login = %d, want 403", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", e.http.URL+"/orgs", strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /orgs from another origin = %d, want 403", resp.StatusCode)
	}
}

func TestAPIBadBodies(t *testing.T) {
	e := newTestEnv(t, withClock(ptNow))
	u := storetest.NewUser(t, e.st, e.tree.City, "shiadmin", auth.RoleOrgAdmin)
	if err := e.st.ChangePassword(context.Background(), auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID}, storetest.TestPassword, "Shi-Admin-2024!"); err != nil {
		t.Fatal(err)
	}
	_, body, _ := e.apiJSON(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": "Shi-Admin-2024!"})
	token, _ := body["token"].(string)
	if token == "" {
		t.Fatalf("login: %v", body)
	}
	cases := []struct {
		name   string
		body   string
		status int
	}{
		{"malformed", `{"name":`, 400},
		{"not an object", `[1,2]`, 400},
		{"unknown field", `{"nmae":"x","parent_id":1}`, 400},
		{"wrong type", `{"name":1,"parent_id":1}`, 400},
		{"oversized", `{"name":"` + strings.Repeat("妇", 1<<20) + `","parent_id":1}`, 413},
		{"invalid", `{"name":"","kind":"village","parent_id":1}`, 422},
	}
	for _, c := range cases {
		status, body, _ := e.apiJSON(t, "POST", "/api/v1/orgs", token, c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, body)
		}
		if body["error"] == nil {
			t.Errorf("%s: no error object in %v", c.name, body)
		}
	}
	if status, _, _ := e.apiJSON(t, "GET", "/api/v1/orgs/abc", token, nil); status != 404 {
		t.Errorf("GET /api/v1/orgs/abc = %d, want 404", status)
	}
	if status, _, _ := e.apiJSON(t, "GET", "/api/v1/nothing", token, nil); status != 404 {
		t.Errorf("GET /api/v1/nothing = %d, want 404", status)
	}
	if status, _, _ := e.apiJSON(t, "GET", "/api/v1/orgs", "", nil); status != 401 {
		t.Errorf("GET /api/v1/orgs without a token = %d, want 401", status)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "/",
		"/people?q=王":      "/people?q=王",
		"/cases/12":        "/cases/12",
		"//evil.com":       "/",
		"/\\evil.com":      "/",
		"/\t/evil.com":     "/",
		"/\n/evil.com":     "/",
		"https://evil.com": "/",
		"evil.com":         "/",
		"/%09/evil.com":    "/%09/evil.com", // stays a path on this site: Go sends it encoded
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newTestEnv(t, withClock(ptNow))
	u := storetest.NewUser(t, e.st, e.tree.T1, "qingbo", auth.RoleCadre)
	login := func() string {
		t.Helper()
		_, body, _ := e.apiJSON(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": storetest.TestPassword})
		tok, _ := body["token"].(string)
		if tok == "" {
			t.Fatalf("login: %v", body)
		}
		return tok
	}
	here, elsewhere := login(), login()
	if status, _, _ := e.apiJSON(t, "POST", "/api/v1/auth/password", here, map[string]string{"old_password": storetest.TestPassword, "new_password": "Street-Lane-2024!"}); status != 200 {
		t.Fatalf("password change: %d", status)
	}
	if status, _, _ := e.apiJSON(t, "GET", "/api/v1/orgs", here, nil); status != 200 {
		t.Errorf("the session that changed the password: %d, want 200", status)
	}
	if status, _, _ := e.apiJSON(t, "GET", "/api/v1/orgs", elsewhere, nil); status != http.StatusUnauthorized {
		t.Errorf("another session after the change: %d, want 401", status)
	}
}
