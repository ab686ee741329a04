package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

const pubScript = `<script>alert(1)</script>`

// pubEnv is a server over a fresh SQLite store with the test tree, called
// in-process so each request can come from a chosen client address.
type pubEnv struct {
	st    *store.Store
	tree  storetest.Tree
	h     http.Handler
	clock *storetest.Clock
}

func pubStart(t *testing.T) *pubEnv {
	t.Helper()
	clock := storetest.NewClock(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
	st := storetest.Open(t, store.SQLite, storetest.Options{Now: clock.Now})
	tree := storetest.BuildTree(t, st)
	srv, err := New(st, Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pubEnv{st: st, tree: tree, h: srv.Handler(), clock: clock}
}

type pubResp struct {
	status int
	header http.Header
	body   string
}

// do sends one request from client ip.
func (e *pubEnv) do(method, path, ip, contentType, body string) pubResp {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if strings.Contains(ip, ":") {
		req.RemoteAddr = "[" + ip + "]:40000"
	} else {
		req.RemoteAddr = ip + ":40000"
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return pubResp{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func (e *pubEnv) form(path, ip string, v url.Values) pubResp {
	return e.do(http.MethodPost, path, ip, "application/x-www-form-urlencoded", v.Encode())
}

func (e *pubEnv) json(method, path, ip string, body any) pubResp {
	s := ""
	if body != nil {
		b, _ := json.Marshal(body)
		s = string(b)
	}
	return e.do(method, path, ip, "application/json", s)
}

func pubHelp(desc, phone, category string) url.Values {
	return url.Values{"category": {category}, "description": {desc}, "phone": {phone}}
}

var pubCodeRE = regexp.MustCompile(`[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}`)

// submit sends a good request through the form and returns its code.
func (e *pubEnv) submit(t *testing.T, ip string, v url.Values) string {
	t.Helper()
	r := e.form("/help", ip, v)
	if r.status != http.StatusOK {
		t.Fatalf("POST /help = %d, want 200: %s", r.status, r.body)
	}
	code := pubCodeRE.FindString(r.body)
	if code == "" {
		t.Fatalf("no tracking code on the success page: %s", r.body)
	}
	return code
}

// pubClean checks a page shows typed script only escaped, and loads script
// only from files.
func pubClean(t *testing.T, what, body string) {
	t.Helper()
	if strings.Contains(body, pubScript) || strings.Contains(body, "alert(1)</script>") {
		t.Errorf("%s renders typed script unescaped", what)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("%s has an inline script %s", what, tag)
		}
	}
	if strings.Contains(body, " style=") || strings.Contains(body, " onclick=") {
		t.Errorf("%s has inline style or handlers, which the CSP blocks", what)
	}
}

func TestPublicHelpPages(t *testing.T) {
	e := pubStart(t)
	r := e.do(http.MethodGet, "/help", "203.0.113.1", "", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /help = %d, want 200 without an account", r.status)
	}
	for _, want := range []string{"12338", "如遇紧急危险请立即拨打110", `name="description"`, `name="phone"`, `name="anonymous"`,
		`name="website"`, `value="dv"`, "家庭暴力", `<body class="public">`, `href="/help/status"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("GET /help lacks %q", want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	pubClean(t, "GET /help", r.body)
	if r := e.do(http.MethodGet, "/help/status", "203.0.113.1", "", ""); r.status != http.StatusOK || !strings.Contains(r.body, `name="phone_last4"`) {
		t.Errorf("GET /help/status = %d", r.status)
	}
}

func TestPublicHelpAbuse(t *testing.T) {
	e := pubStart(t)
	ctx := context.Background()

	// Over-long description: 422, the message beside the field, typed
	// values kept.
	long := strings.Repeat("家", store.MaxHelpDescription+1)
	r := e.form("/help", "203.0.113.2", pubHelp(long, "13912345678", "dv"))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "情况描述不能超过2000个字") ||
		!strings.Contains(r.body, `<div class="field has-error"><label for="description"`) || !strings.Contains(r.body, long) ||
		!strings.Contains(r.body, `value="13912345678"`) {
		t.Errorf("2001 runes: %d, want 422 with the error beside the description and the values kept", r.status)
	}
	api := e.json(http.MethodPost, "/api/v1/public/help-requests", "203.0.113.2", map[string]any{"category": "dv", "description": long, "phone": "13912345678"})
	if api.status != http.StatusUnprocessableEntity || !strings.Contains(api.body, `"description"`) {
		t.Errorf("API 2001 runes = %d %s, want 422 naming description", api.status, api.body)
	}

	// Script in every field: refused fields show it escaped.
	r = e.form("/help", "203.0.113.2", url.Values{"category": {pubScript}, "description": {pubScript}, "phone": {pubScript}, "anonymous": {pubScript}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("script everywhere: %d, want 422 showing it escaped", r.status)
	}
	pubClean(t, "refused form", r.body)
	api = e.json(http.MethodPost, "/api/v1/public/help-requests", "203.0.113.2", map[string]any{"category": pubScript, "description": pubScript, "phone": pubScript})
	if api.status != http.StatusUnprocessableEntity || strings.Contains(api.body, "<script") {
		t.Errorf("API script everywhere = %d %s", api.status, api.body)
	}

	// Honeypot: refused, nothing stored, its value not echoed.
	hp := pubHelp("丈夫经常打我，我很害怕。", "13912345678", "dv")
	hp.Set("website", "http://spam.example")
	if r := e.form("/help", "203.0.113.2", hp); r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "spam.example") {
		t.Errorf("honeypot: %d, want 422 without echoing it", r.status)
	}

	// Too large a body.
	if r := e.form("/help", "203.0.113.2", pubHelp(strings.Repeat("a", 40<<10), "13912345678", "dv")); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "过长") {
		t.Errorf("40 KiB body = %d, want 413", r.status)
	}
	if r := e.do(http.MethodPost, "/api/v1/public/help-requests", "203.0.113.2", "application/json",
		`{"category":"dv","description":"`+strings.Repeat("a", 40<<10)+`"}`); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("API 40 KiB body = %d, want 413", r.status)
	}
	city := storetest.ActorFor(t, e.st, e.tree.City, auth.RoleCadre)
	if l, _, _ := e.st.ListCases(ctx, city, store.CaseFilter{}); len(l) != 0 {
		t.Fatalf("refused requests stored %d cases", len(l))
	}

	// A good request with script in the description: the success page,
	// the status page and the JSON never carry it raw, nor anything but
	// the status and public notes.
	desc := "丈夫酒后打我，孩子受到惊吓。" + pubScript
	code := e.submit(t, "203.0.113.3", pubHelp(desc, "139 1234 5678", "dv"))
	list, _, err := e.st.ListCases(ctx, city, store.CaseFilter{})
	if err != nil || len(list) != 1 || list[0].Channel != cases.Online || list[0].HandlingOrgID != e.tree.City.ID {
		t.Fatalf("city list = %+v, %v; want the online case at the city", list, err)
	}
	admin := storetest.ActorFor(t, e.st, e.tree.City, auth.RoleOrgAdmin)
	if _, err := e.st.Transition(ctx, admin, list[0].ID, cases.Accept, cases.Input{Note: "内部备注"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Transition(ctx, admin, list[0].ID, cases.Assign, cases.Input{OrgID: e.tree.T1.ID, Note: "请清波街道核实"}); err != nil {
		t.Fatal(err)
	}
	r = e.form("/help/status", "203.0.113.4", url.Values{"code": {code}, "phone_last4": {"5678"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "办理中") || !strings.Contains(r.body, "您的求助已转交相关妇联组织办理。") {
		t.Fatalf("status page = %d: %s", r.status, r.body)
	}
	pubClean(t, "status page", r.body)
	api = e.json(http.MethodGet, "/api/v1/public/help-requests/"+code+"?phone_last4=5678", "203.0.113.4", nil)
	if api.status != http.StatusOK {
		t.Fatalf("API status = %d %s", api.status, api.body)
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(api.body), &js); err != nil {
		t.Fatal(err)
	}
	if js["status"] != "in_progress" || js["status_label"] != "办理中" || js["submitted_at"] == nil || js["updated_at"] == nil {
		t.Errorf("API status = %s", api.body)
	}
	if notes, _ := js["notes"].([]any); len(notes) != 3 {
		t.Errorf("API notes = %v, want 3", js["notes"])
	}
	if len(js) != 5 {
		t.Errorf("API status has fields %v, want only status, status_label, submitted_at, updated_at, notes", js)
	}
	for _, page := range []struct{ what, body string }{{"status page", r.body}, {"status JSON", api.body}} {
		for _, o := range e.tree.All {
			if o.ID != e.tree.City.ID && strings.Contains(page.body, o.Name) {
				t.Errorf("%s names org %s", page.what, o.Name)
			}
		}
		for _, secret := range []string{"丈夫酒后", "alert(1)", "内部备注", "清波", list[0].Number, "139", "test-"} {
			if strings.Contains(page.body, secret) {
				t.Errorf("%s shows %q", page.what, secret)
			}
		}
	}
	// The status form never puts the code in a URL.
	if strings.Contains(e.do(http.MethodGet, "/help/status", "203.0.113.4", "", "").body, `method="get"`) {
		t.Error("status form submits by GET")
	}

	// Wrong digits for a real code and a guessed code: the same 404.
	guess := cases.NewTrackingCode()
	wrong := e.form("/help/status", "203.0.113.5", url.Values{"code": {code}, "phone_last4": {"0000"}})
	guessed := e.form("/help/status", "203.0.113.5", url.Values{"code": {guess}, "phone_last4": {"0000"}})
	if wrong.status != http.StatusNotFound || guessed.status != http.StatusNotFound {
		t.Fatalf("wrong digits %d, guessed code %d; want 404 both", wrong.status, guessed.status)
	}
	// The pages differ only in echoing the code each one typed.
	if strings.ReplaceAll(wrong.body, code, "CODE") != strings.ReplaceAll(guessed.body, guess, "CODE") {
		t.Errorf("wrong-digits page differs from guessed-code page:\n%s\n---\n%s", wrong.body, guessed.body)
	}
	if !strings.Contains(wrong.body, "未找到该求助记录，请核对查询码和手机号后四位") {
		t.Errorf("not-found page lacks its message")
	}
	wrongAPI := e.json(http.MethodGet, "/api/v1/public/help-requests/"+code+"?phone_last4=0000", "203.0.113.5", nil)
	guessAPI := e.json(http.MethodGet, "/api/v1/public/help-requests/"+guess+"?phone_last4=0000", "203.0.113.5", nil)
	if wrongAPI.status != http.StatusNotFound || wrongAPI.body != guessAPI.body || guessAPI.status != http.StatusNotFound {
		t.Errorf("API wrong digits %d %s, guessed %d %s; want the same 404", wrongAPI.status, wrongAPI.body, guessAPI.status, guessAPI.body)
	}
	noDigits := e.json(http.MethodGet, "/api/v1/public/help-requests/"+code, "203.0.113.6", nil)
	if noDigits.status != http.StatusNotFound || noDigits.body != guessAPI.body {
		t.Errorf("API without digits = %d %s, want the same 404", noDigits.status, noDigits.body)
	}

	// A thousand guessed codes, from many clients so the limits stay out
	// of the way: every one a 404.
	for i := 0; i < 1000; i++ {
		g := cases.NewTrackingCode()
		ip := fmt.Sprintf("10.1.%d.%d", i/250, i%250+1)
		r := e.json(http.MethodGet, "/api/v1/public/help-requests/"+g+"?phone_last4=5678", ip, nil)
		if r.status != http.StatusNotFound || r.body != guessAPI.body {
			t.Fatalf("guess %d (%s) = %d %s, want the 404", i, g, r.status, r.body)
		}
	}
}

func TestPublicHelpRateLimits(t *testing.T) {
	e := pubStart(t)
	good := pubHelp("丈夫经常打我，我很害怕。", "13912345678", "dv")

	// Typos cost nothing.
	for i := 0; i < 8; i++ {
		if r := e.form("/help", "203.0.113.10", pubHelp("太短", "13912345678", "dv")); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid %d = %d, want 422", i, r.status)
		}
	}
	for i := 1; i <= 5; i++ {
		e.submit(t, "203.0.113.10", good)
	}
	r := e.form("/help", "203.0.113.10", good)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "提交过于频繁，请稍后再试，紧急情况请拨打12338或110") {
		t.Errorf("6th POST in the hour = %d, want 429 with the Chinese message", r.status)
	}
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	pubClean(t, "429 page", r.body)
	api := e.json(http.MethodPost, "/api/v1/public/help-requests", "203.0.113.10", map[string]any{"category": "dv", "description": "丈夫经常打我，我很害怕。", "phone": "13912345678"})
	if api.status != http.StatusTooManyRequests || !strings.Contains(api.body, `"code":"rate_limited"`) {
		t.Errorf("API after the form's limit = %d %s, want 429 rate_limited (shared counter)", api.status, api.body)
	}
	e.submit(t, "2001:db8::10", good) // another client passes
	api = e.json(http.MethodPost, "/api/v1/public/help-requests", "203.0.113.11", map[string]any{"category": "dv", "description": "丈夫经常打我，我很害怕。", "anonymous": true})
	var created map[string]string
	json.Unmarshal([]byte(api.body), &created)
	if api.status != http.StatusCreated || cases.NormalizeTrackingCode(created["tracking_code"]) != created["tracking_code"] || created["tracking_code"] == "" {
		t.Errorf("API submit = %d %s, want 201 with a tracking code", api.status, api.body)
	}
	anon := created["tracking_code"]
	if r := e.json(http.MethodGet, "/api/v1/public/help-requests/"+anon, "203.0.113.11", nil); r.status != http.StatusOK {
		t.Errorf("anonymous request by code alone = %d %s", r.status, r.body)
	}
	e.clock.Advance(time.Hour)
	e.submit(t, "203.0.113.10", good) // a new hour

	// Status lookups: twenty per client in ten minutes.
	for i := 1; i <= 20; i++ {
		if r := e.form("/help/status", "203.0.113.20", url.Values{"code": {cases.NewTrackingCode()}, "phone_last4": {"1234"}}); r.status != http.StatusNotFound {
			t.Fatalf("lookup %d = %d, want 404", i, r.status)
		}
	}
	if r := e.form("/help/status", "203.0.113.20", url.Values{"code": {anon}}); r.status != http.StatusTooManyRequests {
		t.Errorf("21st lookup = %d, want 429", r.status)
	}
	if r := e.form("/help/status", "203.0.113.21", url.Values{"code": {anon}}); r.status != http.StatusOK {
		t.Errorf("another client's lookup = %d, want 200", r.status)
	}
	// Ten an hour per code, however many clients ask.
	target := cases.NewTrackingCode()
	for i := 1; i <= 10; i++ {
		if r := e.json(http.MethodGet, "/api/v1/public/help-requests/"+target+"?phone_last4="+fmt.Sprintf("%04d", i), fmt.Sprintf("10.2.0.%d", i), nil); r.status != http.StatusNotFound {
			t.Fatalf("digit guess %d = %d, want 404", i, r.status)
		}
	}
	if r := e.json(http.MethodGet, "/api/v1/public/help-requests/"+target+"?phone_last4=0011", "10.2.0.11", nil); r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "rate_limited") {
		t.Errorf("11th guess at one code = %d %s, want 429", r.status, r.body)
	}
}
