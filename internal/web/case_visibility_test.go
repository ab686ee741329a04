package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
)

// The markers of the restricted case: every field that tells what happened
// or who is involved carries one, so a body that contains "CVQ" shows some
// of the details.
const (
	cvMarker      = "CVQ"
	cvSummary     = "摘要标记CVQ1"
	cvDescription = "丈夫多次殴打并扬言杀人。描述标记CVQ2"
	cvComplainant = "王标记CVQ3"
	cvRespondent  = "李标记CVQ4"
	cvAgency      = "派出所标记CVQ5"
	cvPhone       = "13800005678"
	cvPhoneMasked = "138****5678"
	// The online request's description.
	cvPublicMarker = "CVP"
	cvPublicDesc   = "丈夫经常打我，我不敢回家。公开标记CVP1"
	cvPublicPhone  = "13912340000"
)

// cvEnv is the test server with the case's helpers.
type cvEnv struct{ *testEnv }

// cvUser is a signed-in user's client: the session cookie, no redirects
// followed.
type cvUser struct {
	env    *cvEnv
	name   string
	client *http.Client
}

func (e *cvEnv) signIn(t *testing.T, org orgs.Org, username, role string) *cvUser {
	t.Helper()
	token, _ := e.signInStore(t, org, username, role)
	return &cvUser{env: e, name: username, client: e.browser(t, token)}
}

// cvAnonymous is a client without an account: the public.
func (e *cvEnv) anonymous(t *testing.T) *cvUser {
	return &cvUser{env: e, name: "public", client: e.browser(t, "")}
}

func (u *cvUser) do(t *testing.T, method, path, contentType string, body io.Reader) pageResp {
	t.Helper()
	return u.env.send(t, u.client, method, path, contentType, body, nil)
}

func (u *cvUser) get(t *testing.T, path string) pageResp {
	t.Helper()
	return u.do(t, http.MethodGet, path, "", nil)
}

func (u *cvUser) post(t *testing.T, path string, form url.Values) pageResp {
	t.Helper()
	return u.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func (u *cvUser) postJSON(t *testing.T, path string, v any) pageResp {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return u.do(t, http.MethodPost, path, "application/json", bytes.NewReader(b))
}

// transition performs a workflow action through the API and expects 200.
func (u *cvUser) transition(t *testing.T, id int64, body map[string]any) {
	t.Helper()
	r := u.postJSON(t, "/api/v1/cases/"+strconv.FormatInt(id, 10)+"/transitions", body)
	if r.status != http.StatusOK {
		t.Fatalf("%s: %v: status %d\n%s", u.name, body, r.status, cvExcerpt(r.body))
	}
}

func cvExcerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}

// cvCaseJSON is what the tests read of a case in the API.
type cvCaseJSON struct {
	ID          int64   `json:"id"`
	Number      string  `json:"number"`
	State       string  `json:"state"`
	Summary     *string `json:"summary"`
	Description *string `json:"description"`
	Hidden      bool    `json:"hidden"`
	Opened      bool    `json:"opened"`
	CanOpen     bool    `json:"can_open"`
	Parties     []struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"parties"`
	Timeline []struct {
		Action string `json:"action"`
	} `json:"timeline"`
}

func cvDecode[T any](t *testing.T, what string, r pageResp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.raw, &v); err != nil {
		t.Fatalf("%s: decode %q: %v", what, cvExcerpt(r.body), err)
	}
	return v
}

// cvCount counts a case's reveal audit entries and its open_restricted
// timeline events.
func (e *cvEnv) openings(t *testing.T, id int64) (audits, events int) {
	t.Helper()
	ctx := context.Background()
	entries, _, err := e.st.ListAudit(ctx, auth.System(), audit.Filter{Action: audit.Reveal, Entity: "case", EntityID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := e.st.CaseTimeline(ctx, auth.System(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range tl {
		if ev.Action == "open_restricted" {
			events++
		}
	}
	return len(entries), events
}

// cvLastOpener is the user of the latest reveal entry of the case.
func (e *cvEnv) lastOpener(t *testing.T, id int64) string {
	t.Helper()
	entries, _, err := e.st.ListAudit(context.Background(), auth.System(), audit.Filter{Action: audit.Reveal, Entity: "case", EntityID: id, Limit: 1})
	if err != nil || len(entries) == 0 {
		t.Fatalf("no reveal entry for case %d (%v)", id, err)
	}
	return entries[0].Username
}

// cvXLSXText is every cell of every sheet of a workbook, one per line.
func cvXLSXText(t *testing.T, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open the export: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			b.WriteString(strings.Join(row, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// cvSees is what a viewer sees of the restricted case.
type cvSees int

const (
	cvFull       cvSees = iota // handler and registering operator: everything
	cvExistence                // in scope, no supervise: number and state only
	cvSupervisor               // supervisor up the chain: the stub until opened on purpose
	cvNothing                  // out of scope: not found
)

func (k cvSees) String() string {
	return [...]string{"full", "existence", "supervisor", "nothing"}[k]
}

// TestCaseVisibilityMatrix checks what each viewer sees of a high-risk
// (restricted) case handled at a township, on every page and endpoint that
// shows a case, and what the public status page tells about an online
// request.
func TestCaseVisibilityMatrix(t *testing.T) {
	e := &cvEnv{newTestEnv(t)}
	tree := e.tree

	operator := e.signIn(t, tree.City, "hotline_op", auth.RoleCadre)
	cityLead := e.signIn(t, tree.City, "city_lead", auth.RoleOrgAdmin)
	d1Lead := e.signIn(t, tree.D1, "d1_lead", auth.RoleOrgAdmin)
	d1Cadre := e.signIn(t, tree.D1, "d1_cadre", auth.RoleCadre)
	d2Lead := e.signIn(t, tree.D2, "d2_lead", auth.RoleOrgAdmin)
	handler := e.signIn(t, tree.T1, "t1_handler", auth.RoleCadre)
	colleague := e.signIn(t, tree.T1, "t1_colleague", auth.RoleCadre)

	// The operator registers a high-risk call for the district.
	r := operator.post(t, "/cases", url.Values{
		"channel": {"hotline"}, "category": {"dv"}, "summary": {cvSummary}, "description": {cvDescription},
		"org_id": {strconv.FormatInt(tree.D1.ID, 10)}, "contact_name": {cvComplainant}, "phone": {cvPhone},
		"respondent_name": {cvRespondent}, "risk_answers": {"threat_to_kill"},
	})
	m := regexp.MustCompile(`^/cases/([0-9]+)$`).FindStringSubmatch(r.location)
	if r.status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: status %d location %q\n%s", r.status, r.location, cvExcerpt(r.body))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	ids := strconv.FormatInt(id, 10)
	created := cvDecode[cvCaseJSON](t, "the operator's read", operator.get(t, "/api/v1/cases/"+ids))
	if !created.Hidden && created.Number == "" {
		t.Fatalf("the registered case has no number")
	}
	number := created.Number

	// The district assigns it to the township without opening it; the
	// handler takes it and records a referral.
	d1Lead.transition(t, id, map[string]any{"action": "accept"})
	d1Lead.transition(t, id, map[string]any{"action": "assign", "org_id": tree.T1.ID})
	handler.transition(t, id, map[string]any{"action": "take"})
	r = handler.post(t, "/cases/"+ids+"/referrals", url.Values{"agency_type": {"police"}, "agency_name": {cvAgency}, "note": {"转介备注CVQ6"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("record the referral: status %d\n%s", r.status, cvExcerpt(r.body))
	}
	c := cvDecode[cvCaseJSON](t, "the handler's read", handler.get(t, "/api/v1/cases/"+ids))
	if c.State != "in_progress" || c.Hidden {
		t.Fatalf("after take: state %s hidden %v, want in_progress and the details for the handler", c.State, c.Hidden)
	}
	if a, ev := e.openings(t, id); a != 0 || ev != 0 {
		t.Fatalf("before anyone opened the case: %d reveal entries and %d opening events, want none", a, ev)
	}

	// Export: skip that column when the route does not exist.
	exportExists := operator.get(t, "/cases/export.xlsx").status != http.StatusNotFound
	if !exportExists {
		t.Log("GET /cases/export.xlsx is 404: the export column is skipped")
	} else {
		t.Log("GET /cases/export.xlsx exists: checking it for every viewer")
	}

	viewers := []struct {
		user *cvUser
		sees cvSees
	}{
		{handler, cvFull},
		{operator, cvFull},
		{colleague, cvExistence},
		{d1Cadre, cvExistence},
		{d1Lead, cvSupervisor},
		{cityLead, cvSupervisor},
		{d2Lead, cvNothing},
	}
	details := []string{cvSummary, cvDescription, cvComplainant, cvRespondent, cvAgency}
	for _, v := range viewers {
		u, who := v.user, v.user.name+" ("+v.sees.String()+")"
		noMarker := func(what string, r pageResp) {
			t.Helper()
			if strings.Contains(r.body, cvMarker) {
				i := strings.Index(r.body, cvMarker)
				t.Errorf("%s: %s shows details of the restricted case: …%s…", who, what, r.body[max(0, i-120):min(len(r.body), i+40)])
			}
		}
		full := func(what string, r pageResp, parts ...string) {
			t.Helper()
			for _, p := range parts {
				if !strings.Contains(r.body, p) {
					t.Errorf("%s: %s lacks %q", who, what, p)
				}
			}
		}
		noPhone := func(what string, r pageResp) {
			t.Helper()
			if strings.Contains(r.body, cvPhone) {
				t.Errorf("%s: %s shows the caller's phone %s unmasked", who, what, cvPhone)
			}
		}
		audits0, events0 := e.openings(t, id)

		// The detail page, with its sections.
		page := u.get(t, "/cases/"+ids)
		noPhone("the detail page", page)
		switch v.sees {
		case cvFull:
			if page.status != http.StatusOK {
				t.Fatalf("%s: detail page status %d", who, page.status)
			}
			full("the detail page", page, append(details, cvPhoneMasked, `id="referrals"`)...)
		case cvExistence, cvSupervisor:
			if page.status != http.StatusOK {
				t.Fatalf("%s: detail page status %d, want 200 with the stub", who, page.status)
			}
			noMarker("the detail page", page)
			full("the detail page", page, number, "办理中", "受限案件")
			for _, sec := range []string{`id="referrals"`, `id="orders"`, `id="mediations"`, `id="attachments"`, `id="timeline"`, `id="parties"`, `id="description"`} {
				if strings.Contains(page.body, sec) {
					t.Errorf("%s: the stub renders the section %s", who, sec)
				}
			}
			if strings.Contains(page.body, cvPhoneMasked) {
				t.Errorf("%s: the stub shows the masked contact phone", who)
			}
			openForm := strings.Contains(page.body, `action="/cases/`+ids+`/open"`)
			if openForm != (v.sees == cvSupervisor) {
				t.Errorf("%s: the stub offers the open form: %v, want %v", who, openForm, v.sees == cvSupervisor)
			}
		case cvNothing:
			if page.status != http.StatusNotFound {
				t.Errorf("%s: detail page status %d, want 404", who, page.status)
			}
			noMarker("the detail page", page)
			if strings.Contains(page.body, number) {
				t.Errorf("%s: the 404 page names the case number", who)
			}
		}

		// The API read.
		api := u.get(t, "/api/v1/cases/"+ids)
		noPhone("the API read", api)
		switch v.sees {
		case cvFull:
			c := cvDecode[cvCaseJSON](t, who+" API read", api)
			if api.status != http.StatusOK || c.Hidden || c.Description == nil || *c.Description != cvDescription || len(c.Parties) != 2 {
				t.Errorf("%s: API read status %d hidden %v description %v parties %d, want everything", who, api.status, c.Hidden, c.Description, len(c.Parties))
			}
			full("the API read", api, cvSummary, cvComplainant, cvRespondent, cvPhoneMasked)
		case cvExistence, cvSupervisor:
			c := cvDecode[cvCaseJSON](t, who+" API read", api)
			if api.status != http.StatusOK || !c.Hidden || c.Summary != nil || c.Description != nil || len(c.Parties) != 0 ||
				c.Number != number || c.State != "in_progress" {
				t.Errorf("%s: API read status %d number %q state %q hidden %v summary %v description %v parties %d, want the number and state only",
					who, api.status, c.Number, c.State, c.Hidden, c.Summary, c.Description, len(c.Parties))
			}
			if c.CanOpen != (v.sees == cvSupervisor) {
				t.Errorf("%s: API can_open %v, want %v", who, c.CanOpen, v.sees == cvSupervisor)
			}
			noMarker("the API read", api)
			if strings.Contains(api.body, cvPhoneMasked) {
				t.Errorf("%s: the API read of the hidden case shows the masked contact phone", who)
			}
			// The timeline of a hidden case shows at most the workflow: not
			// how many referrals, orders, mediations or files it has.
			for _, ev := range c.Timeline {
				switch ev.Action {
				case "referral", "referral_status", "protection_order", "order_expiring", "mediation", "attachment", "attachment_deleted":
					t.Errorf("%s: the API timeline of the hidden case lists a %q record event (the detail page hides the records)", who, ev.Action)
				}
			}
		case cvNothing:
			if api.status != http.StatusNotFound {
				t.Errorf("%s: API read status %d, want 404", who, api.status)
			}
			noMarker("the API read", api)
			if strings.Contains(api.body, number) {
				t.Errorf("%s: the API 404 names the case number", who)
			}
		}

		// The list page, its number search, and the API search.
		list := u.get(t, "/cases")
		byNumber := u.get(t, "/cases?"+url.Values{"q": {number}}.Encode())
		apiList := u.get(t, "/api/v1/cases?"+url.Values{"q": {number}}.Encode())
		apiWords := u.get(t, "/api/v1/cases?"+url.Values{"q": {cvSummary}}.Encode())
		for what, r := range map[string]pageResp{"the list": list, "the list searched by number": byNumber, "the API searched by number": apiList} {
			if r.status != http.StatusOK {
				t.Errorf("%s: %s status %d", who, what, r.status)
			}
			noPhone(what, r)
			switch v.sees {
			case cvFull:
				full(what, r, number, cvSummary)
			case cvExistence, cvSupervisor:
				full(what, r, number)
				noMarker(what, r)
			case cvNothing:
				noMarker(what, r)
				// The search box echoes the query, so look for the case's
				// row (its link) or, in JSON, its number.
				if strings.Contains(r.body, `href="/cases/`+ids+`"`) || (strings.HasPrefix(what, "the API") && strings.Contains(r.body, number)) ||
					(what == "the list" && strings.Contains(r.body, number)) {
					t.Errorf("%s: %s lists the case %s", who, what, number)
				}
			}
			if v.sees != cvNothing && !strings.HasPrefix(what, "the API") && !strings.Contains(r.body, `href="/cases/`+ids+`"`) {
				t.Errorf("%s: %s has no row linking to the case", who, what)
			}
		}
		type cvList struct {
			Items []cvCaseJSON `json:"items"`
		}
		found := cvDecode[cvList](t, who+" API search by summary", apiWords)
		if want := map[bool]int{true: 1, false: 0}[v.sees == cvFull]; len(found.Items) != want {
			t.Errorf("%s: the API search for the summary's words found %d cases, want %d", who, len(found.Items), want)
		}
		if v.sees != cvFull {
			// The query is echoed nowhere in JSON, so any marker is a leak.
			noMarker("the API search by the summary's words", apiWords)
		}

		// Opening on purpose: the form, then the API.
		open := u.post(t, "/cases/"+ids+"/open", url.Values{})
		noPhone("the opened page", open)
		switch v.sees {
		case cvFull, cvExistence:
			// Cadres have no cases:supervise.
			if open.status != http.StatusForbidden {
				t.Errorf("%s: POST open status %d, want 403", who, open.status)
			}
			noMarker("the refused opening", open)
		case cvSupervisor:
			if open.status != http.StatusOK {
				t.Fatalf("%s: POST open status %d\n%s", who, open.status, cvExcerpt(open.body))
			}
			full("the opened page", open, append(details, `id="referrals"`, "查阅受限案件")...)
			a, ev := e.openings(t, id)
			if a != audits0+1 || ev != events0+1 {
				t.Errorf("%s: the opening wrote %d reveal entries and %d timeline events, want 1 and 1", who, a-audits0, ev-events0)
			}
			if got := e.lastOpener(t, id); got != u.name {
				t.Errorf("%s: the reveal entry names %q", who, got)
			}
			// The opening holds for the idle timeout without another entry.
			again := u.get(t, "/cases/"+ids)
			full("the detail page after the opening", again, details...)
			if a2, ev2 := e.openings(t, id); a2 != a || ev2 != ev {
				t.Errorf("%s: reading again wrote %d more reveal entries and %d timeline events, want none", who, a2-a, ev2-ev)
			}
		case cvNothing:
			if open.status != http.StatusNotFound {
				t.Errorf("%s: POST open status %d, want 404", who, open.status)
			}
			noMarker("the refused opening", open)
			if strings.Contains(open.body, number) {
				t.Errorf("%s: the refused opening names the case number", who)
			}
		}
		audits1, events1 := e.openings(t, id)
		// A GET never opens: the old ?open=true is refused for everyone.
		if r := u.get(t, "/api/v1/cases/"+ids+"?open=true"); r.status != http.StatusBadRequest {
			t.Errorf("%s: GET ?open=true status %d, want 400", who, r.status)
		} else {
			noMarker("the refused GET ?open=true", r)
		}
		if a, ev := e.openings(t, id); a != audits1 || ev != events1 {
			t.Errorf("%s: GET ?open=true wrote %d reveal entries and %d timeline events, want none", who, a-audits1, ev-events1)
		}
		apiOpen := u.post(t, "/api/v1/cases/"+ids+"/open", nil)
		noPhone("the API opening", apiOpen)
		switch v.sees {
		case cvFull, cvExistence:
			// Cadres have no cases:supervise.
			if apiOpen.status != http.StatusForbidden {
				t.Errorf("%s: API open status %d, want 403", who, apiOpen.status)
			}
			noMarker("the API opening", apiOpen)
		case cvSupervisor:
			c := cvDecode[cvCaseJSON](t, who+" API open", apiOpen)
			if apiOpen.status != http.StatusOK || c.Hidden || !c.Opened || c.Description == nil || *c.Description != cvDescription || len(c.Parties) != 2 {
				t.Errorf("%s: API open status %d hidden %v opened %v, want the details", who, apiOpen.status, c.Hidden, c.Opened)
			}
			a, ev := e.openings(t, id)
			if a != audits1+1 || ev != events1+1 {
				t.Errorf("%s: the API opening wrote %d reveal entries and %d timeline events, want 1 and 1", who, a-audits1, ev-events1)
			}
		case cvNothing:
			if apiOpen.status != http.StatusNotFound {
				t.Errorf("%s: API open status %d, want 404", who, apiOpen.status)
			}
			noMarker("the API opening", apiOpen)
		}
		if v.sees != cvSupervisor {
			if a, ev := e.openings(t, id); a != audits0 || ev != events0 {
				t.Errorf("%s: wrote %d reveal entries and %d opening events without being a supervisor", who, a-audits0, ev-events0)
			}
		}

		// The export, where it exists: details never, and the phone never
		// unmasked.
		if exportExists {
			x := u.get(t, "/cases/export.xlsx")
			switch {
			case x.status == http.StatusForbidden:
				t.Logf("%s: the export is refused (403)", who)
			case x.status != http.StatusOK:
				t.Errorf("%s: export status %d", who, x.status)
			default:
				text := cvXLSXText(t, x.raw)
				if strings.Contains(text, cvPhone) {
					t.Errorf("%s: the export shows the phone unmasked", who)
				}
				for _, secret := range []string{cvDescription, cvComplainant, cvRespondent, cvAgency} {
					if strings.Contains(text, secret) {
						t.Errorf("%s: the export contains %q", who, secret)
					}
				}
				// The restricted case's row says "受限案件" for the summary
				// and leaves the risk level empty, even for its handler.
				for _, line := range strings.Split(text, "\n") {
					if cells := strings.Split(line, "\t"); len(cells) > 7 && cells[0] == number {
						if cells[4] != caseRestrictedLabel || cells[7] != "" {
							t.Errorf("%s: the export row of the restricted case has summary %q and risk level %q, want %q and none", who, cells[4], cells[7], caseRestrictedLabel)
						}
					}
				}
				switch v.sees {
				case cvFull:
					if !strings.Contains(text, number) {
						t.Errorf("%s: the export lacks the case %s", who, number)
					}
				case cvExistence, cvSupervisor:
					if strings.Contains(text, cvMarker) {
						t.Errorf("%s: the export shows details of the restricted case", who)
					}
				case cvNothing:
					if strings.Contains(text, number) {
						t.Errorf("%s: the export lists the case %s of another district", who, number)
					}
				}
			}
		}
	}

	// Every opening is on the timeline the handler sees.
	c = cvDecode[cvCaseJSON](t, "the handler's read", handler.get(t, "/api/v1/cases/"+ids))
	n := 0
	for _, ev := range c.Timeline {
		if ev.Action == "open_restricted" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("the timeline has %d openings, want 4 (two supervisors, the form and the API each)", n)
	}

	// The public: an online request, handled down to the township and
	// closed; its status page tells the status and the public notes only.
	public := e.anonymous(t)
	r = public.post(t, "/help", url.Values{"category": {"dv"}, "description": {cvPublicDesc}, "phone": {cvPublicPhone}})
	codeRe := regexp.MustCompile(`class="stat-value">([A-Z0-9-]+)<`)
	cm := codeRe.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || cm == nil {
		t.Fatalf("public help form: status %d, no tracking code\n%s", r.status, cvExcerpt(r.body))
	}
	code := cm[1]
	type cvList struct {
		Items []cvCaseJSON `json:"items"`
	}
	online := cvDecode[cvList](t, "the city's online cases", cityLead.get(t, "/api/v1/cases?channel=online"))
	if len(online.Items) != 1 {
		t.Fatalf("the city sees %d online cases, want 1", len(online.Items))
	}
	pid := online.Items[0].ID
	cityLead.transition(t, pid, map[string]any{"action": "accept"})
	cityLead.transition(t, pid, map[string]any{"action": "assign", "org_id": tree.D1.ID})
	d1Lead.transition(t, pid, map[string]any{"action": "assign", "org_id": tree.T1.ID})
	handler.transition(t, pid, map[string]any{"action": "take"})
	handler.transition(t, pid, map[string]any{"action": "close", "result": "办结结果CVP2，已转介上城区法院", "measures": "协助申请保护令CVP3"})

	last4 := cvPublicPhone[len(cvPublicPhone)-4:]
	status := public.post(t, "/help/status", url.Values{"code": {code}, "phone_last4": {last4}})
	statusAPI := public.get(t, "/api/v1/public/help-requests/"+url.PathEscape(code)+"?phone_last4="+last4)
	for what, r := range map[string]pageResp{"the status page": status, "the status API": statusAPI} {
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", what, r.status, cvExcerpt(r.body))
		}
		if !strings.Contains(r.body, "已办结") || !strings.Contains(r.body, "您的求助已办结") {
			t.Errorf("%s lacks the status 已办结 or its public note", what)
		}
		for _, secret := range []string{cvPublicMarker, cvPublicPhone, "13912", tree.D1.Name, tree.T1.Name, tree.D2.Name, "t1_handler", "city_lead", "d1_lead", "WQ20", cvMarker} {
			if strings.Contains(r.body, secret) {
				t.Errorf("%s contains %q", what, secret)
			}
		}
	}
	// Wrong digits for the real code answer the same as a made-up code.
	wrong := public.post(t, "/help/status", url.Values{"code": {code}, "phone_last4": {"0001"}})
	if wrong.status != http.StatusNotFound || strings.Contains(wrong.body, "已办结") || strings.Contains(wrong.body, cvPublicMarker) {
		t.Errorf("wrong digits: status %d, want 404 telling nothing", wrong.status)
	}
	// The restricted hotline case has no tracking code: the public door
	// cannot reach it, whatever the digits.
	for _, v := range []string{"", "5678"} {
		r := public.get(t, "/api/v1/public/help-requests/"+url.PathEscape(number)+"?phone_last4="+v)
		if r.status == http.StatusOK || strings.Contains(r.body, cvMarker) {
			t.Errorf("the status API answers %d for the hotline case's number", r.status)
		}
	}
}
