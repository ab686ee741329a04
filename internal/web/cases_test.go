package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// caseBrowser is a signed-in user's browser: it keeps cookies (the
// session and flash messages) and does not follow redirects.
type caseBrowser struct {
	env    *testEnv
	user   auth.User
	client *http.Client
}

// caseSignIn creates a user at org with role, changes the first-login
// password and signs in.
func caseSignIn(t *testing.T, e *testEnv, org orgs.Org, username, role string) *caseBrowser {
	t.Helper()
	token, u := e.signInStore(t, org, username, role)
	return &caseBrowser{env: e, user: u, client: e.browser(t, token)}
}

type caseResp struct{ pageResp }

func (b *caseBrowser) do(t *testing.T, method, path string, form url.Values) caseResp {
	t.Helper()
	return caseResp{b.env.visit(t, b.client, method, path, form)}
}

func (b *caseBrowser) get(t *testing.T, path string) caseResp {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil)
}

func (b *caseBrowser) post(t *testing.T, path string, form url.Values) caseResp {
	t.Helper()
	return b.do(t, http.MethodPost, path, form)
}

// want fails unless r has status and its body contains every part.
func (r caseResp) want(t *testing.T, what string, status int, parts ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, caseExcerpt(r.body))
	}
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Errorf("%s: body lacks %q\n%s", what, p, caseExcerpt(r.body))
		}
	}
}

// wantNot fails if r's body contains any part.
func (r caseResp) wantNot(t *testing.T, what string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(r.body, p) {
			t.Errorf("%s: body contains %q", what, p)
		}
	}
}

// caseExcerpt is the <main> of a page, enough to see what went wrong.
func caseExcerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 4000 {
		body = body[:4000]
	}
	return body
}

// act posts a workflow action and expects a redirect back to the case.
func (b *caseBrowser) act(t *testing.T, id int64, action string, form url.Values) caseResp {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	r := b.post(t, caseLink(id)+"/actions/"+action, form)
	if r.status != http.StatusSeeOther || r.location != caseLink(id) {
		t.Fatalf("%s: status %d location %q, want 303 to %s\n%s", action, r.status, r.location, caseLink(id), caseExcerpt(r.body))
	}
	return r
}

// caseSection returns the part of body from the element with id to the
// next card.
func caseSection(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest[1:], `<div class="card"`); j >= 0 {
		return rest[:j+1]
	}
	return rest
}

// TestCaseWebWorkflow drives the hotline scenario through the pages: a
// high-risk call registered by the city operator, opened on purpose by
// the district, assigned to the township, taken and closed there.
func TestCaseWebWorkflow(t *testing.T) {
	// Monday 4 March 2024, 10:00 in China.
	t0 := time.Date(2024, 3, 4, 2, 0, 0, 0, time.UTC)
	e := newTestEnv(t, withClock(t0))
	ctx := context.Background()
	tr := e.tree

	// Cases registered two days ago, so that some are overdue now.
	t1Actor := storetest.ActorFor(t, e.st, tr.T1, auth.RoleCadre)
	t2Actor := storetest.ActorFor(t, e.st, tr.T2, auth.RoleCadre)
	register := func(a auth.Actor, in cases.Intake) store.CaseRecord {
		t.Helper()
		c, _, err := e.st.CreateCase(ctx, a, in)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	dueSoon := register(t1Actor, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "离婚财产纠纷乙", OrgID: tr.T1.ID})
	overdue := register(t1Actor, cases.Intake{Channel: cases.Hotline, Category: "custody", Summary: "抚养费纠纷丙", OrgID: tr.T1.ID, Urgent: true})
	otherDistrict := register(t2Actor, cases.Intake{Channel: cases.Letter, Category: "elder_support", Summary: "赡养纠纷丁", OrgID: tr.T2.ID, Urgent: true})
	// Wednesday 10:00: the urgent ones (24 hours) are overdue, the normal
	// one (3 working days, Thursday 23:59) is due within two days.
	e.clock.Set(t0.Add(48 * time.Hour))

	operator := caseSignIn(t, e, tr.City, "operator", auth.RoleCadre)
	d1 := caseSignIn(t, e, tr.D1, "d1admin", auth.RoleOrgAdmin)
	t1 := caseSignIn(t, e, tr.T1, "t1cadre", auth.RoleCadre)
	d2 := caseSignIn(t, e, tr.D2, "d2admin", auth.RoleOrgAdmin)

	// The intake form: keyboard first, categories grouped, the checklist
	// with its rule.
	operator.get(t, "/cases/new").want(t, "intake form", http.StatusOK,
		`autofocus`, `<optgroup label="婚姻家庭">`, `value="hotline" selected`, `name="risk_answers" value="threat_to_kill"`,
		`达到6分及以上`, `hx-get="/cases/person-lookup"`, `value="`+strconv.FormatInt(tr.City.ID, 10)+`" selected`)

	// A missing category: the error beside the field, the typing kept.
	form := url.Values{
		"channel": {"hotline"}, "summary": {"丈夫扬言杀人"}, "description": {"第一行\n<script>alert(1)</script>第二行"},
		"org_id": {strconv.FormatInt(tr.D1.ID, 10)}, "contact_name": {"王女士"}, "phone": {"13912345678"},
		"respondent_name": {"李某"}, "risk_answers": {"threat_to_kill", "substance"}, "urgent": {"1"},
	}
	operator.post(t, "/cases", form).want(t, "intake without category", http.StatusUnprocessableEntity,
		`请选择案件类别`, `value="丈夫扬言杀人"`, `value="threat_to_kill" checked`, `value="substance" checked`,
		`name="urgent" value="1" checked`, `value="李某"`)

	// Registered: high risk, so urgent and restricted, and the flash says so.
	form.Set("category", "dv")
	r := operator.post(t, "/cases", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/cases/") {
		t.Fatalf("intake: status %d location %q\n%s", r.status, r.location, caseExcerpt(r.body))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.location, "/cases/"), 10, 64)
	if err != nil {
		t.Fatalf("intake redirect %q: %v", r.location, err)
	}
	c, err := e.st.GetCase(ctx, auth.System(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Urgency != cases.Urgent || !c.Restricted || c.RiskLevel != cases.RiskHigh {
		t.Errorf("urgency/restricted/risk = %s/%v/%s, want urgent/true/high", c.Urgency, c.Restricted, c.RiskLevel)
	}
	page := operator.get(t, r.location)
	page.want(t, "case after intake", http.StatusOK, "已登记案件 "+c.Number, "高风险：已标记为紧急、受限，并已通知上级",
		"<p>第一行</p>", "&lt;script&gt;", "139****5678", "高风险")
	page.wantNot(t, "case after intake", "<script>alert", "13912345678")

	// The district sees only that the restricted case exists, and opens
	// it on purpose.
	hidden := d1.get(t, caseLink(id))
	hidden.want(t, "district before opening", http.StatusOK, "受限案件，仅承办人和上级督办人员可查看详情",
		`action="/cases/`+strconv.FormatInt(id, 10)+`/open"`, c.Number)
	hidden.wantNot(t, "district before opening", "第一行", "丈夫扬言杀人", "王女士")
	d1.post(t, caseLink(id)+"/open", url.Values{}).want(t, "district opens", http.StatusOK, "<p>第一行</p>", "丈夫扬言杀人", "有意查阅")
	entries, _, err := e.st.ListAudit(ctx, auth.System(), audit.Filter{Action: audit.Reveal, Entity: "case", EntityID: id})
	if err != nil || len(entries) != 1 {
		t.Errorf("reveal audit entries = %d (%v), want 1", len(entries), err)
	}

	// Accept, then assign: a missing target is an error beside the field
	// of the assign form, with the note kept.
	d1.act(t, id, "accept", nil)
	d1.get(t, caseLink(id)).want(t, "after accept", http.StatusOK, "已受理", `/actions/assign"`)
	d1.post(t, caseLink(id)+"/actions/assign", url.Values{"org_id": {""}, "note": {"请尽快联系"}}).want(t, "assign without target",
		http.StatusUnprocessableEntity, "请选择分派到的下级组织", `value="请尽快联系"`, `<optgroup label="直属下级">`)
	d1.act(t, id, "assign", url.Values{"org_id": {strconv.FormatInt(tr.T1.ID, 10)}})

	// The township cadre takes it without seeing it first, then sees it.
	t1.get(t, caseLink(id)).want(t, "township before taking", http.StatusOK, "受限案件", `/actions/take"`)
	t1.act(t, id, "take", nil)
	t1.get(t, caseLink(id)).want(t, "township after taking", http.StatusOK, "<p>第一行</p>", `/actions/close"`, "t1cadre")

	// Refused actions come back as a flash and change nothing.
	t1.act(t, id, "accept", nil)
	t1.get(t, caseLink(id)).want(t, "refused accept", http.StatusOK, "flash-error", "不能执行“受理”")
	t1.act(t, id, "supervise", url.Values{"instructions": {"x"}})
	t1.get(t, caseLink(id)).want(t, "supervise without permission", http.StatusOK, "flash-error", "您没有进行此操作的权限")
	d1.act(t, id, "close", url.Values{"result": {"越级办结"}})
	d1.get(t, caseLink(id)).want(t, "district closes the township's case", http.StatusOK, "flash-error", "只有承办单位可以办结")
	if got, _ := e.st.GetCase(ctx, auth.System(), id, false); got.State != cases.InProgress {
		t.Errorf("after refused actions state %s, want in_progress", got.State)
	}

	// Close: the result is required; the measures typed are kept.
	t1.post(t, caseLink(id)+"/actions/close", url.Values{"measures": {"转介公安"}}).want(t, "close without result",
		http.StatusUnprocessableEntity, "请填写办理结果", ">转介公安</textarea>")
	t1.act(t, id, "close", url.Values{"result": {"已协助申请人身安全保护令"}, "measures": {"转介公安、法律援助"}})
	if got, _ := e.st.GetCase(ctx, auth.System(), id, false); got.State != cases.Closed {
		t.Errorf("after close state %s, want closed", got.State)
	}
	t1.get(t, caseLink(id)).want(t, "closed case", http.StatusOK, "已办结", "已协助申请人身安全保护令", "办理记录")

	// Another district sees nothing of it.
	if r := d2.get(t, caseLink(id)); r.status != http.StatusNotFound {
		t.Errorf("other district GET case: status %d, want 404", r.status)
	}

	// The lists: the township sees its cases, the other district its own.
	list := t1.get(t, "/cases")
	list.want(t, "township list", http.StatusOK, c.Number, dueSoon.Number, overdue.Number, "已超期", "登记求助")
	list.wantNot(t, "township list", otherDistrict.Number)
	list = d2.get(t, "/cases")
	list.want(t, "other district list", http.StatusOK, otherDistrict.Number)
	list.wantNot(t, "other district list", c.Number, dueSoon.Number, overdue.Number)
	list = t1.get(t, "/cases?state=closed")
	list.want(t, "closed filter", http.StatusOK, c.Number)
	list.wantNot(t, "closed filter", dueSoon.Number, overdue.Number)
	list = t1.get(t, "/cases?category=custody")
	list.want(t, "category filter", http.StatusOK, overdue.Number)
	list.wantNot(t, "category filter", c.Number, dueSoon.Number)
	d1.get(t, "/cases").want(t, "district list", http.StatusOK, "（受限案件）", "受限")
	t1.get(t, "/cases?state=bogus").want(t, "bad filter", http.StatusBadRequest, "状态无效")

	// The overdue page, per scope.
	od := t1.get(t, "/cases/overdue")
	od.want(t, "township overdue", http.StatusOK, "自动上报")
	if s := caseSection(od.body, "overdue"); !strings.Contains(s, overdue.Number) || strings.Contains(s, dueSoon.Number) {
		t.Errorf("township overdue table: want %s only\n%s", overdue.Number, s)
	}
	if s := caseSection(od.body, "due-soon"); !strings.Contains(s, dueSoon.Number) || strings.Contains(s, overdue.Number) {
		t.Errorf("township due-soon table: want %s only\n%s", dueSoon.Number, s)
	}
	od.wantNot(t, "township overdue", otherDistrict.Number)
	od = d2.get(t, "/cases/overdue")
	od.want(t, "other district overdue", http.StatusOK, otherDistrict.Number)
	od.wantNot(t, "other district overdue", overdue.Number, dueSoon.Number)
	// The org filter narrows to a subtree.
	d1.get(t, "/cases/overdue?org_id="+strconv.FormatInt(tr.V1.ID, 10)).wantNot(t, "overdue under a village", overdue.Number)
}

// TestCasePersonLookup checks the intake form's registry search: people
// in scope by full phone number, with a radio button to link them.
func TestCasePersonLookup(t *testing.T) {
	e := newTestEnv(t, withClock(time.Date(2024, 3, 4, 2, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	first17 := "33010219900307002"
	p, err := e.st.CreatePerson(ctx, storetest.ActorFor(t, e.st, e.tree.T1, auth.RoleCadre), people.Input{
		Name: "张晓红", IDNumber: first17 + string(people.CheckDigit(first17)), Phone: "13800138000", OrgID: e.tree.T1.ID})
	if err != nil {
		t.Fatal(err)
	}
	operator := caseSignIn(t, e, e.tree.City, "operator", auth.RoleCadre)
	d2 := caseSignIn(t, e, e.tree.D2, "d2admin", auth.RoleOrgAdmin)
	radio := `name="person_id" value="` + strconv.FormatInt(p.ID, 10) + `"`
	r := operator.get(t, "/cases/person-lookup?q=13800138000")
	r.want(t, "lookup by phone", http.StatusOK, radio, "张晓红", "138****8000")
	r.wantNot(t, "lookup by phone", "<html")
	d2.get(t, "/cases/person-lookup?q=13800138000").wantNot(t, "lookup from another district", radio)

	// The link survives a failed submission.
	form := url.Values{"channel": {"visit"}, "summary": {"咨询离婚"}, "org_id": {strconv.FormatInt(e.tree.City.ID, 10)},
		"person_id": {strconv.FormatInt(p.ID, 10)}}
	operator.post(t, "/cases", form).want(t, "intake keeps the linked person", http.StatusUnprocessableEntity, radio+" checked", "请选择案件类别")
	form.Set("category", "legal_consult")
	r = operator.post(t, "/cases", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("intake with a linked person: status %d\n%s", r.status, caseExcerpt(r.body))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.location, "/cases/"), 10, 64)
	c, err := e.st.GetCase(ctx, auth.System(), id, false)
	if err != nil || c.PersonID != p.ID {
		t.Errorf("linked person %d (%v), want %d", c.PersonID, err, p.ID)
	}
	// A consultation may be closed at intake; others may not.
	operator.get(t, r.location).want(t, "consultation", http.StatusOK, `/actions/close"`, `/actions/accept"`)
}
