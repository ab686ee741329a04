package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/store/storetest"
	"jinguo/internal/workdays"
)

// adm2Env is the test server, whose clock the test sets, and the test.
type adm2Env struct {
	*testEnv
	t *testing.T
}

// adm2CST is a time in China, in UTC.
func adm2CST(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, localtime.Zone).UTC()
}

func adm2Setup(t *testing.T) *adm2Env {
	t.Helper()
	return &adm2Env{testEnv: newTestEnv(t, withClock(adm2CST(2024, 9, 26, 10, 0))), t: t} // Thursday
}

// signIn creates a user of org with role, past the first password change,
// and returns the actor and a session token.
func (e *adm2Env) signIn(name string, org orgs.Org, role string) (auth.Actor, string) {
	e.t.Helper()
	token, u := e.signInStore(e.t, org, name, role)
	a := storetest.ActorFor(e.t, e.st, org, role)
	a.UserID, a.Username = u.ID, u.Username
	return a, token
}

// do sends a browser-like request: session cookie, same-origin form
// posts, no redirects followed.
func (e *adm2Env) do(method, path, token string, form url.Values) pageResp {
	e.t.Helper()
	return e.visit(e.t, e.browser(e.t, token), method, path, form)
}

func (e *adm2Env) want(r pageResp, status int, what string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("%s: status %d, want %d; body: %.800s", what, r.status, status, r.body)
	}
}

// adm2FieldError returns the error shown beside the named field.
func adm2FieldError(body, field string) string {
	re := regexp.MustCompile(`name="` + field + `"[^>]*>\s*(?:<div class="hint">[^<]*</div>\s*)?(?:<div class="field-error">([^<]*)</div>)?`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "(no field)"
	}
	return m[1]
}

func TestAdm2PolicyValidation(t *testing.T) {
	e := adm2Setup(t)
	_, cadre := e.signIn("adm2_cadre", e.tree.T1, auth.RoleCadre)
	e.want(e.do("GET", "/settings/cases", cadre, nil), http.StatusForbidden, "cadre opens the settings")
	e.want(e.do("POST", "/settings/cases/policy", cadre, url.Values{"accept_days": {"9"}}), http.StatusForbidden, "cadre saves the policy")

	_, admin := e.signIn("adm2_admin", e.tree.City, auth.RoleSuperAdmin)
	r := e.do("GET", "/settings/cases", admin, nil)
	e.want(r, http.StatusOK, "settings page")
	if !strings.Contains(r.body, `name="accept_days" type="number" min="1" inputmode="numeric" value="3"`) {
		t.Errorf("policy form does not show the default 3 accept days")
	}
	// No holidays yet: Fri 27, Mon 30, Tue 1 October.
	if want := "从今天（2024-09-26）起3个工作日后是：<strong>2024-10-01（星期二）</strong>"; !strings.Contains(r.body, want) {
		t.Errorf("preview missing %q", want)
	}

	bad := url.Values{"urgent_first_contact_hours": {"abc"}, "accept_days": {"0"}, "finish_days": {"15"}, "urgent_finish_days": {"5"}, "extend_days": {"91"}}
	r = e.do("POST", "/settings/cases/policy", admin, bad)
	e.want(r, http.StatusUnprocessableEntity, "invalid policy")
	for field, want := range map[string]string{
		"urgent_first_contact_hours": "请填写整数",
		"accept_days":                "应为1到90个工作日",
		"finish_days":                "",
		"extend_days":                "应为1到90个工作日",
	} {
		if got := adm2FieldError(r.body, field); got != want {
			t.Errorf("error beside %s = %q, want %q", field, got, want)
		}
	}
	if !strings.Contains(r.body, `value="91"`) || !strings.Contains(r.body, "办理时限未保存") {
		t.Errorf("invalid form lost what was typed or the banner")
	}
	if p, _ := e.st.CasePolicy(context.Background()); p != cases.DefaultPolicy() {
		t.Errorf("invalid form changed the policy to %+v", p)
	}

	good := url.Values{"urgent_first_contact_hours": {"12"}, "accept_days": {"2"}, "finish_days": {"10"}, "urgent_finish_days": {"3"}, "extend_days": {"10"}}
	r = e.do("POST", "/settings/cases/policy", admin, good)
	e.want(r, http.StatusSeeOther, "valid policy")
	want := cases.Policy{UrgentFirstContact: 12 * time.Hour, AcceptDays: 2, FinishDays: 10, UrgentFinishDays: 3, ExtendDays: 10}
	if p, _ := e.st.CasePolicy(context.Background()); p != want {
		t.Errorf("policy = %+v, want %+v", p, want)
	}
}

func TestAdm2HolidayChangesDeadline(t *testing.T) {
	e := adm2Setup(t)
	ctx := context.Background()
	_, admin := e.signIn("adm2_admin", e.tree.City, auth.RoleSuperAdmin)
	cadre := storetest.ActorFor(t, e.st, e.tree.T1, auth.RoleCadre)
	register := func() string {
		t.Helper()
		c, _, err := e.st.CreateCase(ctx, cadre, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "离婚纠纷", OrgID: e.tree.T1.ID})
		if err != nil {
			t.Fatal(err)
		}
		return c.DueAt.In(localtime.Zone).Format("2006-01-02 15:04:05")
	}
	if got := register(); got != "2024-10-01 23:59:59" {
		t.Fatalf("deadline without holidays %s, want 2024-10-01 23:59:59", got)
	}

	r := e.do("POST", "/settings/cases/holidays", admin, url.Values{"date": {"2024-10-01"}, "kind": {"holiday"}, "name": {"国庆节"}})
	e.want(r, http.StatusSeeOther, "add a holiday")
	if r.location != "/settings/cases?year=2024" {
		t.Errorf("after adding: location %q", r.location)
	}
	if got := register(); got != "2024-10-02 23:59:59" {
		t.Errorf("deadline with 1 October off %s, want 2024-10-02 23:59:59", got)
	}
	r = e.do("POST", "/settings/cases/holidays", admin, url.Values{"date": {"2024-09-29"}, "kind": {"workday"}, "name": {"国庆节调休"}})
	e.want(r, http.StatusSeeOther, "add a make-up working day")
	if got := register(); got != "2024-09-30 23:59:59" {
		t.Errorf("deadline with Sunday 29 worked %s, want 2024-09-30 23:59:59", got)
	}
	// Changing a date: the same day saved again.
	r = e.do("POST", "/settings/cases/holidays", admin, url.Values{"date": {"2024-10-01"}, "kind": {"holiday"}, "name": {"国庆"}})
	e.want(r, http.StatusSeeOther, "rename a holiday")

	for _, c := range []struct {
		form  url.Values
		field string
		want  string
	}{
		{url.Values{"date": {"10/02"}, "kind": {"holiday"}}, "date", "请按2024-10-01的格式填写日期"},
		{url.Values{"date": {"2024-10-02"}, "kind": {"workday"}}, "kind", "调休上班日应为周六或周日，工作日本来就要上班"},
		{url.Values{"date": {"2024-10-02"}, "kind": {""}}, "kind", "请选择放假或调休上班"},
		{url.Values{"date": {"2024-10-02"}, "kind": {"holiday"}, "name": {strings.Repeat("节", 31)}}, "name", "名称不能超过30个字"},
	} {
		r := e.do("POST", "/settings/cases/holidays", admin, c.form)
		e.want(r, http.StatusUnprocessableEntity, "invalid holiday "+c.form.Encode())
		re := regexp.MustCompile(`name="` + c.field + `"[\s\S]*?<div class="field-error">([^<]*)</div>`)
		if m := re.FindStringSubmatch(r.body); m == nil || m[1] != c.want {
			t.Errorf("%s: error beside %s = %v, want %q", c.form.Encode(), c.field, m, c.want)
		}
	}

	r = e.do("GET", "/settings/cases?year=2024", admin, nil)
	e.want(r, http.StatusOK, "settings 2024")
	for _, want := range []string{"2024-09-29", "国庆节调休", "2024-10-01", "<td>国庆</td>", "调休上班</span>", "放假</span>",
		"从今天（2024-09-26）起3个工作日后是：<strong>2024-09-30（星期一）</strong>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("2024 page lacks %q", want)
		}
	}
	r = e.do("GET", "/settings/cases?year=2025&days=10", admin, nil)
	if !strings.Contains(r.body, "2025年还没有录入放假安排") || !strings.Contains(r.body, `<a href="/settings/cases?year=2024">2024年</a>`) {
		t.Errorf("2025 page: no empty note or no link back to 2024")
	}
	// 10 working days: 27, 29, 30 September, then 2–4 and 7–10 October.
	if !strings.Contains(r.body, "起10个工作日后是：<strong>2024-10-10（星期四）</strong>") {
		t.Errorf("preview of 10 working days missing")
	}

	e.want(e.do("POST", "/settings/cases/holidays/2024-09-29/delete", admin, nil), http.StatusSeeOther, "delete a date")
	e.want(e.do("POST", "/settings/cases/holidays/nonsense/delete", admin, nil), http.StatusNotFound, "delete a bad date")
	list, _ := e.st.Holidays(ctx)
	if len(list) != 1 || list[0].Kind != workdays.Holiday || list[0].Name != "国庆" {
		t.Errorf("calendar after deleting = %+v, want only 1 October 国庆", list)
	}
}

func TestAdm2NotificationsOfEscalation(t *testing.T) {
	e := adm2Setup(t)
	ctx := context.Background()
	cadre := storetest.ActorFor(t, e.st, e.tree.T1, auth.RoleCadre)
	c, _, err := e.st.CreateCase(ctx, cadre, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "无人处理的案件", OrgID: e.tree.T1.ID})
	if err != nil {
		t.Fatal(err)
	}
	// Due at the end of Tuesday 1 October; on Wednesday it goes up to D1.
	e.clock.Set(adm2CST(2024, 10, 2, 9, 0))
	if n, err := e.st.EscalateOverdue(ctx, 200); err != nil || n != 1 {
		t.Fatalf("escalated %d (%v), want 1", n, err)
	}
	d1, d1Token := e.signIn("adm2_d1", e.tree.D1, auth.RoleOrgAdmin)
	_, d1Colleague := e.signIn("adm2_d1b", e.tree.D1, auth.RoleCadre)
	_, d2Token := e.signIn("adm2_d2", e.tree.D2, auth.RoleOrgAdmin)
	list, _, err := e.st.ListNotifications(ctx, d1, false, 0, 10)
	if err != nil || len(list) != 1 || list[0].Kind != "escalated" || list[0].CaseID != c.ID {
		t.Fatalf("D1 notifications %+v (%v), want one escalation of case %d", list, err, c.ID)
	}
	n := list[0]
	readAction := `action="/notifications/` + strconv.FormatInt(n.ID, 10) + `/read"`
	badge := `消息 <span class="tag tag-red">1<span class="visually-hidden">条未读</span></span>`

	for _, who := range []struct {
		name, token string
	}{{"D1 admin", d1Token}, {"D1 colleague", d1Colleague}} {
		r := e.do("GET", "/notifications", who.token, nil)
		e.want(r, http.StatusOK, who.name+" notifications")
		for _, want := range []string{badge, "超期上报", "案件 " + c.Number + " 超期未办结，已上报至本单位，请督促办理", readAction, `<span class="tag tag-red">未读</span>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: page lacks %q", who.name, want)
			}
		}
	}
	r := e.do("GET", "/notifications", d2Token, nil)
	if strings.Contains(r.body, c.Number) || strings.Contains(r.body, `class="tag tag-red"`) {
		t.Errorf("another district sees D1's notification or a badge")
	}
	e.want(e.do("POST", "/notifications/"+strconv.FormatInt(n.ID, 10)+"/read", d2Token, nil), http.StatusNotFound, "D2 reads D1's notification")

	r = e.do("POST", "/notifications/"+strconv.FormatInt(n.ID, 10)+"/read", d1Token, nil)
	e.want(r, http.StatusSeeOther, "read the notification")
	if want := "/cases/" + strconv.FormatInt(c.ID, 10); r.location != want {
		t.Errorf("after reading: location %q, want %q", r.location, want)
	}
	// Read for the whole org: the colleague's badge is gone, the link stays.
	r = e.do("GET", "/notifications", d1Colleague, nil)
	if strings.Contains(r.body, badge) || strings.Contains(r.body, readAction) {
		t.Errorf("notification still unread after reading it")
	}
	if !strings.Contains(r.body, `<a href="/cases/`+strconv.FormatInt(c.ID, 10)+`">查看案件</a>`) {
		t.Errorf("read notification has no link to its case")
	}
	if r = e.do("GET", "/notifications?unread=1", d1Token, nil); !strings.Contains(r.body, "没有未读消息") {
		t.Errorf("unread filter still lists the read notification")
	}
	r = e.do("POST", "/notifications/read", d1Token, nil)
	e.want(r, http.StatusSeeOther, "mark all read")
}
