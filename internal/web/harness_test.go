package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// The shared HTTP test harness: a running server over a fresh SQLite store
// with the storetest tree, users signed in through the API, JSON calls with
// a Bearer token and browser-like page requests with the session cookie.

// testEnvPassword replaces storetest.TestPassword at the first sign-in.
const testEnvPassword = "Renewed-Pass-2024!"

// testEnv is a running server over a fresh store with the storetest tree.
// clock is nil unless the env was made withClock.
type testEnv struct {
	st    *store.Store
	tree  storetest.Tree
	srv   *Server
	http  *httptest.Server
	clock *storetest.Clock
}

// testEnvOption sets up a testEnv before its store is opened.
type testEnvOption func(*testEnvSetup)

// testEnvSetup is what the options set: the store's options, its clock
// and the server's config.
type testEnvSetup struct {
	store storetest.Options
	clock *storetest.Clock
	cfg   Config
}

// withClock gives the store a settable clock starting at start.
func withClock(start time.Time) testEnvOption {
	return func(s *testEnvSetup) {
		s.clock = storetest.NewClock(start)
		s.store.Now = s.clock.Now
	}
}

// withConfig serves with cfg instead of the zero Config.
func withConfig(cfg Config) testEnvOption {
	return func(s *testEnvSetup) { s.cfg = cfg }
}

func newTestEnv(t *testing.T, opts ...testEnvOption) *testEnv {
	t.Helper()
	var set testEnvSetup
	for _, opt := range opts {
		opt(&set)
	}
	st := storetest.Open(t, store.SQLite, set.store)
	tree := storetest.BuildTree(t, st)
	srv, err := New(st, set.cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{st: st, tree: tree, srv: srv, http: hs, clock: set.clock}
}

// signIn creates a user at org with role, signs in through the API,
// changes the first-login password to testEnvPassword and returns the
// session token.
func (e *testEnv) signIn(t *testing.T, org orgs.Org, username, role string) string {
	t.Helper()
	token, _ := e.signInUser(t, org, username, role)
	return token
}

// signInUser is signIn that also returns the user.
func (e *testEnv) signInUser(t *testing.T, org orgs.Org, username, role string) (string, auth.User) {
	t.Helper()
	u := storetest.NewUser(t, e.st, org, username, role)
	token := e.loginWith(t, username, storetest.TestPassword)
	body := map[string]string{"old_password": storetest.TestPassword, "new_password": testEnvPassword}
	if code := e.apiInto(t, http.MethodPost, "/api/v1/auth/password", token, body, nil); code != http.StatusOK {
		t.Fatalf("change password of %s: status %d", username, code)
	}
	return token, u
}

// signInStore is signInUser through the store rather than the API: the
// first-login password change and the sign-in are made there.
func (e *testEnv) signInStore(t *testing.T, org orgs.Org, username, role string) (string, auth.User) {
	t.Helper()
	ctx := context.Background()
	u := storetest.NewUser(t, e.st, org, username, role)
	if err := e.st.ChangePassword(ctx, auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID}, storetest.TestPassword, testEnvPassword); err != nil {
		t.Fatalf("change password of %s: %v", username, err)
	}
	_, sess, err := e.st.Login(ctx, username, testEnvPassword, "127.0.0.1", "test")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return sess.Token, u
}

// login signs a user made by signIn in again, as after the clock has moved
// past the idle timeout.
func (e *testEnv) login(t *testing.T, username string) string {
	t.Helper()
	return e.loginWith(t, username, testEnvPassword)
}

func (e *testEnv) loginWith(t *testing.T, username, password string) string {
	t.Helper()
	var login struct {
		Token string `json:"token"`
	}
	if code := e.apiInto(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, &login); code != http.StatusOK {
		t.Fatalf("login %s: status %d", username, code)
	}
	return login.Token
}

// apiJSON sends an API request with the Bearer token (if any) and returns
// the status, the answer decoded as a JSON object (nil if it is not one)
// and the raw answer. A string body is sent as it is, anything else but
// nil as JSON.
func (e *testEnv) apiJSON(t *testing.T, method, path, token string, body any) (int, map[string]any, []byte) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &obj)
	}
	return res.StatusCode, obj, raw
}

// apiInto is apiJSON that decodes a non-empty answer into out (if not
// nil), failing the test if it does not decode, and returns the status.
func (e *testEnv) apiInto(t *testing.T, method, path, token string, body, out any) int {
	t.Helper()
	code, _, raw := e.apiJSON(t, method, path, token, body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return code
}

// sameOriginTransport marks every request Sec-Fetch-Site: same-origin, as
// a browser does on our own pages and forms, unless the request says
// otherwise.
type sameOriginTransport struct{ base http.RoundTripper }

func (s sameOriginTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Sec-Fetch-Site") != "" {
		return s.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return s.base.RoundTrip(req)
}

// browser is a client that keeps cookies, starting with the session cookie
// of token (if any), marks its requests same-origin and does not follow
// redirects.
func (e *testEnv) browser(t *testing.T, token string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		base, err := url.Parse(e.http.URL)
		if err != nil {
			t.Fatal(err)
		}
		jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
	}
	return &http.Client{
		Jar:           jar,
		Transport:     sameOriginTransport{base: http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fetch sends a request with the client, the form (if not nil) encoded as
// the body, and returns the status, headers and body.
func (e *testEnv) fetch(t *testing.T, c *http.Client, method, path string, form url.Values) (int, http.Header, []byte) {
	t.Helper()
	r := e.visit(t, c, method, path, form)
	return r.status, r.header, r.raw
}

// visit is fetch that returns the answer as a pageResp.
func (e *testEnv) visit(t *testing.T, c *http.Client, method, path string, form url.Values) pageResp {
	t.Helper()
	if form == nil {
		return e.send(t, c, method, path, "", nil, nil)
	}
	return e.send(t, c, method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
}

// pageResp is an answer as the page tests read it.
type pageResp struct {
	status   int
	header   http.Header
	location string
	body     string
	raw      []byte
}

// send sends a request with the client, the body (if not nil) with
// contentType (if not empty) and the extra header, and returns the answer.
func (e *testEnv) send(t *testing.T, c *http.Client, method, path, contentType string, body io.Reader, header map[string]string) pageResp {
	t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return pageResp{status: res.StatusCode, header: res.Header, location: res.Header.Get("Location"), body: string(data), raw: data}
}

// page sends one request from a fresh browser with the session of token.
func (e *testEnv) page(t *testing.T, token, method, path string, form url.Values) (int, http.Header, []byte) {
	t.Helper()
	return e.fetch(t, e.browser(t, token), method, path, form)
}

// postForm posts form from a fresh browser with the session of token.
func (e *testEnv) postForm(t *testing.T, token, path string, form url.Values) (int, http.Header, []byte) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return e.page(t, token, http.MethodPost, path, form)
}
