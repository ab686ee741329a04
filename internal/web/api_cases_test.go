package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
)

// apiCaseStart is Thursday 7 March 2024, 10:00 in China.
var apiCaseStart = time.Date(2024, 3, 7, 2, 0, 0, 0, time.UTC)

// apiCaseView is a case as the API answers it.
type apiCaseView struct {
	ID            int64      `json:"id"`
	Number        string     `json:"number"`
	State         string     `json:"state"`
	Urgency       string     `json:"urgency"`
	Restricted    bool       `json:"restricted"`
	RiskLevel     *string    `json:"risk_level"`
	DueAt         *time.Time `json:"due_at"`
	Channel       string     `json:"channel"`
	Category      string     `json:"category"`
	Summary       *string    `json:"summary"`
	Description   *string    `json:"description"`
	OrgID         int64      `json:"org_id"`
	OrgName       string     `json:"org_name"`
	IntakeOrgID   int64      `json:"intake_org_id"`
	HandlerUserID *int64     `json:"handler_user_id"`
	Overdue       bool       `json:"overdue"`
	Extended      bool       `json:"extended"`
	Result        *string    `json:"result"`
	Satisfaction  *string    `json:"satisfaction"`
	Supervise     *struct {
		OrgID        int64     `json:"org_id"`
		Instructions *string   `json:"instructions"`
		DueAt        time.Time `json:"due_at"`
	} `json:"supervise"`
	UpdatedAt time.Time `json:"updated_at"`
	Parties   []struct {
		Role  string `json:"role"`
		Name  string `json:"name"`
		Phone string `json:"phone"`
		Minor bool   `json:"minor"`
	} `json:"parties"`
	Hidden   bool `json:"hidden"`
	Opened   bool `json:"opened"`
	CanOpen  bool `json:"can_open"`
	Timeline []struct {
		Action      string  `json:"action"`
		ActionLabel string  `json:"action_label"`
		From        *string `json:"from"`
		To          *string `json:"to"`
		Username    string  `json:"username"`
		Note        *string `json:"note"`
	} `json:"timeline"`
}

type apiCaseList struct {
	Items      []apiCaseView `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

type apiCaseError struct {
	Error struct {
		Code   string            `json:"code"`
		Fields map[string]string `json:"fields"`
	} `json:"error"`
}

// apiCaseBody is a minimal valid intake for the handling org.
func apiCaseBody(org orgs.Org, category, summary string) map[string]any {
	return map[string]any{"channel": "hotline", "category": category, "summary": summary, "org_id": org.ID}
}

// apiCaseCreate registers a case and fails the test unless it is a 201.
func (ts *testEnv) apiCaseCreate(t *testing.T, token string, body map[string]any) apiCaseView {
	t.Helper()
	var c apiCaseView
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/cases", token, body, &c); code != http.StatusCreated {
		t.Fatalf("create case %v: status %d", body, code)
	}
	return c
}

// apiCaseStep posts a transition and fails the test unless it is a 200 to want.
func (ts *testEnv) apiCaseStep(t *testing.T, token string, id int64, body map[string]any, want string) apiCaseView {
	t.Helper()
	var c apiCaseView
	code := ts.apiInto(t, http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/transitions", id), token, body, &c)
	if code != http.StatusOK || c.State != want {
		t.Fatalf("%v: status %d state %q, want 200 %q", body, code, c.State, want)
	}
	return c
}

func (ts *testEnv) apiCaseIDs(t *testing.T, token, query string) []int64 {
	t.Helper()
	var l apiCaseList
	if code := ts.apiInto(t, http.MethodGet, "/api/v1/cases?"+query, token, nil, &l); code != http.StatusOK {
		t.Fatalf("list ?%s: status %d", query, code)
	}
	ids := []int64{}
	for _, c := range l.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestAPICaseCreate(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.City, "op_city", auth.RoleCadre)

	body := apiCaseBody(ts.tree.D1, "divorce", "离婚财产纠纷")
	body["description"] = "求助人称丈夫转移共同财产。"
	body["contact_phone"] = "13912345678"
	body["parties"] = []map[string]any{{"role": "complainant", "name": "张某", "phone": "13912345678"}, {"role": "respondent", "name": "李某"}}
	c := ts.apiCaseCreate(t, op, body)
	if c.ID == 0 || len(c.Number) != len("WQ2024-000001") || c.Number[:6] != "WQ2024" {
		t.Errorf("id %d number %q, want a WQ2024-nnnnnn number", c.ID, c.Number)
	}
	if c.State != "registered" || c.Urgency != "normal" || c.Restricted || c.RiskLevel != nil || c.Hidden || c.Overdue {
		t.Errorf("state %s urgency %s restricted %v risk %v hidden %v overdue %v, want registered, normal, open to see, not assessed",
			c.State, c.Urgency, c.Restricted, c.RiskLevel, c.Hidden, c.Overdue)
	}
	if c.OrgID != ts.tree.D1.ID || c.OrgName != ts.tree.D1.Name || c.IntakeOrgID != ts.tree.City.ID || c.Channel != "hotline" || c.Category != "divorce" {
		t.Errorf("org %d %q intake %d channel %s category %s", c.OrgID, c.OrgName, c.IntakeOrgID, c.Channel, c.Category)
	}
	// 3 working days from Thursday: Friday 8, Monday 11, Tuesday 12.
	if c.DueAt == nil || c.DueAt.In(time.FixedZone("CST", 8*3600)).Format(time.DateTime) != "2024-03-12 23:59:59" {
		t.Errorf("due_at %v, want 2024-03-12 23:59:59 China time", c.DueAt)
	}
	if c.Summary == nil || *c.Summary != "离婚财产纠纷" || c.Description == nil || *c.Description != "求助人称丈夫转移共同财产。" {
		t.Errorf("summary %v description %v", c.Summary, c.Description)
	}
	if len(c.Parties) != 2 || c.Parties[0].Phone != "139****5678" || c.Parties[0].Role != "complainant" || c.Parties[1].Name != "李某" {
		t.Errorf("parties %+v, want two with the phone masked", c.Parties)
	}

	// High risk: urgent, restricted, first contact within 24 hours.
	body = apiCaseBody(ts.tree.D1, "dv", "丈夫扬言杀人")
	body["risk_answers"] = []string{"threat_to_kill", "substance"}
	c = ts.apiCaseCreate(t, op, body)
	if c.Urgency != "urgent" || !c.Restricted || c.RiskLevel == nil || *c.RiskLevel != "high" || c.Hidden {
		t.Errorf("high risk: urgency %s restricted %v risk %v hidden %v, want urgent, restricted, high, visible to its operator", c.Urgency, c.Restricted, c.RiskLevel, c.Hidden)
	}
	if c.DueAt == nil || !c.DueAt.Equal(apiCaseStart.Add(24*time.Hour)) {
		t.Errorf("high risk due_at %v, want %s", c.DueAt, apiCaseStart.Add(24*time.Hour))
	}

	viewer := ts.signIn(t, ts.tree.City, "viewer_city", auth.RoleViewer)
	for _, tt := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
		fields []string
	}{
		{"missing category", op, map[string]any{"channel": "hotline", "summary": "x", "org_id": ts.tree.D1.ID}, 422, []string{"category"}},
		{"missing org", op, map[string]any{"channel": "hotline", "category": "divorce", "summary": "x"}, 422, []string{"org_id"}},
		{"missing everything", op, map[string]any{}, 422, []string{"channel", "category", "summary", "org_id"}},
		{"unknown category", op, apiCaseBody(ts.tree.D1, "nope", "x"), 422, []string{"category"}},
		{"unknown channel", op, map[string]any{"channel": "fax", "category": "divorce", "summary": "x", "org_id": ts.tree.D1.ID}, 422, []string{"channel"}},
		{"unknown risk item", op, map[string]any{"channel": "visit", "category": "dv", "summary": "x", "org_id": ts.tree.D1.ID, "risk_answers": []string{"nope"}}, 422, []string{"risk_answers"}},
		{"bad party role", op, map[string]any{"channel": "visit", "category": "dv", "summary": "x", "org_id": ts.tree.D1.ID, "parties": []map[string]any{{"role": "judge", "name": "王某"}}}, 422, []string{"parties"}},
		{"org out of scope", op, apiCaseBody(orgs.Org{ID: 9999}, "divorce", "x"), 422, []string{"org_id"}},
		{"unknown field", op, map[string]any{"channel": "hotline", "category": "divorce", "summary": "x", "org_id": ts.tree.D1.ID, "nmae": "x"}, 400, nil},
		{"no intake permission", viewer, apiCaseBody(ts.tree.D1, "divorce", "x"), 403, nil},
		{"not signed in", "", apiCaseBody(ts.tree.D1, "divorce", "x"), 401, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e apiCaseError
			if code := ts.apiInto(t, http.MethodPost, "/api/v1/cases", tt.token, tt.body, &e); code != tt.status {
				t.Fatalf("status %d, want %d", code, tt.status)
			}
			for _, f := range tt.fields {
				if e.Error.Fields[f] == "" {
					t.Errorf("fields %v, want a message for %s", e.Error.Fields, f)
				}
			}
		})
	}
}

func TestAPICaseList(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.City, "op_city", auth.RoleCadre)
	d1 := ts.signIn(t, ts.tree.D1, "admin_d1", auth.RoleOrgAdmin)
	d2 := ts.signIn(t, ts.tree.D2, "admin_d2", auth.RoleOrgAdmin)

	divorce := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.D1, "divorce", "离婚财产纠纷"))
	visit := apiCaseBody(ts.tree.T1, "wages", "拖欠工资")
	visit["channel"] = "visit"
	wages := ts.apiCaseCreate(t, op, visit)
	urgent := apiCaseBody(ts.tree.D2, "custody", "抚养费纠纷")
	urgent["urgent"] = true
	custody := ts.apiCaseCreate(t, op, urgent)
	ts.apiCaseStep(t, d1, divorce.ID, map[string]any{"action": "accept"}, "accepted")

	for _, tt := range []struct {
		token, query string
		want         []int64
	}{
		{op, "", []int64{custody.ID, wages.ID, divorce.ID}},
		{op, "state=accepted", []int64{divorce.ID}},
		{op, "state=registered", []int64{custody.ID, wages.ID}},
		{op, "category=wages", []int64{wages.ID}},
		{op, "category=marriage", []int64{custody.ID, divorce.ID}},
		{op, fmt.Sprintf("org_id=%d", ts.tree.D1.ID), []int64{wages.ID, divorce.ID}},
		{op, fmt.Sprintf("org_id=%d", ts.tree.T1.ID), []int64{wages.ID}},
		{op, "channel=visit", []int64{wages.ID}},
		{op, "urgency=urgent", []int64{custody.ID}},
		{op, "urgency=normal&channel=hotline", []int64{divorce.ID}},
		{op, "q=" + url.QueryEscape(custody.Number), []int64{custody.ID}},
		{op, "q=" + url.QueryEscape("工资"), []int64{wages.ID}},
		{op, "overdue=true", []int64{}},
		{op, "overdue=false", []int64{custody.ID, wages.ID, divorce.ID}},
		{d1, "", []int64{wages.ID, divorce.ID}},
		{d2, "", []int64{custody.ID}},
	} {
		if got := ts.apiCaseIDs(t, tt.token, tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("?%s: got %v, want %v", tt.query, got, tt.want)
		}
	}

	// Pages follow the cursor.
	var page apiCaseList
	ts.apiInto(t, http.MethodGet, "/api/v1/cases?limit=2", op, nil, &page)
	if len(page.Items) != 2 || page.NextCursor == nil {
		t.Fatalf("limit=2: %d items, cursor %v, want 2 and a cursor", len(page.Items), page.NextCursor)
	}
	ts.apiInto(t, http.MethodGet, "/api/v1/cases?limit=2&cursor="+*page.NextCursor, op, nil, &page)
	if len(page.Items) != 1 || page.Items[0].ID != divorce.ID || page.NextCursor != nil {
		t.Errorf("second page: %+v, want only case %d and no cursor", page, divorce.ID)
	}

	for _, tt := range []struct{ query, field string }{
		{"state=open", "state"}, {"overdue=maybe", "overdue"}, {"org_id=abc", "org_id"}, {"org_id=-1", "org_id"},
		{"channel=fax", "channel"}, {"urgency=high", "urgency"}, {"limit=0", "limit"}, {"cursor=x", "cursor"},
	} {
		var e apiCaseError
		if code := ts.apiInto(t, http.MethodGet, "/api/v1/cases?"+tt.query, op, nil, &e); code != http.StatusBadRequest || e.Error.Fields[tt.field] == "" {
			t.Errorf("?%s: status %d fields %v, want 400 naming %s", tt.query, code, e.Error.Fields, tt.field)
		}
	}
}

func TestAPICaseOverdue(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.City, "op_city", auth.RoleCadre)
	d1 := ts.signIn(t, ts.tree.D1, "admin_d1", auth.RoleOrgAdmin)
	d2 := ts.signIn(t, ts.tree.D2, "admin_d2", auth.RoleOrgAdmin)
	late := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.T1, "divorce", "一直没人管的案件"))
	later := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.D1, "housing", "房产纠纷"))
	done := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.D1, "legal_consult", "咨询离婚程序"))
	ts.apiCaseStep(t, d1, done.ID, map[string]any{"action": "close", "result": "已解答"}, "closed")

	overdue := func(token string) []int64 {
		t.Helper()
		var l apiCaseList
		if code := ts.apiInto(t, http.MethodGet, "/api/v1/cases/overdue", token, nil, &l); code != http.StatusOK {
			t.Fatalf("overdue: status %d (captured by /cases/{id}?)", code)
		}
		ids := []int64{}
		for _, c := range l.Items {
			if !c.Overdue {
				t.Errorf("case %d in the overdue list has overdue=false", c.ID)
			}
			ids = append(ids, c.ID)
		}
		return ids
	}
	if got := overdue(d1); len(got) != 0 {
		t.Errorf("before any deadline: %v, want none", got)
	}
	// Wednesday 13 March, past Tuesday's deadline.
	ts.clock.Set(time.Date(2024, 3, 13, 1, 0, 0, 0, time.UTC))
	d1, d2 = ts.login(t, "admin_d1"), ts.login(t, "admin_d2")
	if got, want := overdue(d1), []int64{later.ID, late.ID}; !slices.Equal(got, want) {
		t.Errorf("district overdue list %v, want %v (newest first, the closed consultation left out)", got, want)
	}
	if got, want := ts.apiCaseIDs(t, d1, "overdue=true"), []int64{later.ID, late.ID}; !slices.Equal(got, want) {
		t.Errorf("?overdue=true: %v, want %v", got, want)
	}
	if got := overdue(d2); len(got) != 0 {
		t.Errorf("peer district overdue list %v, want none", got)
	}
	var page apiCaseList
	ts.apiInto(t, http.MethodGet, "/api/v1/cases/overdue?limit=1", d1, nil, &page)
	if len(page.Items) != 1 || page.Items[0].ID != later.ID || page.NextCursor == nil {
		t.Errorf("overdue?limit=1: %+v, want case %d and a cursor", page, later.ID)
	}
	var c apiCaseView
	ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", late.ID), d1, nil, &c)
	if !c.Overdue {
		t.Errorf("GET case past its deadline: overdue=false")
	}
}

func TestAPICaseWorkflow(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.City, "op_city", auth.RoleCadre)
	city := ts.signIn(t, ts.tree.City, "admin_city", auth.RoleOrgAdmin)
	d1 := ts.signIn(t, ts.tree.D1, "admin_d1", auth.RoleOrgAdmin)
	t1, t1User := ts.signInUser(t, ts.tree.T1, "cadre_t1", auth.RoleCadre)
	t1ID := t1User.ID
	c := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.D1, "divorce", "离婚财产纠纷"))
	path := fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID)

	ts.apiCaseStep(t, d1, c.ID, map[string]any{"action": "accept"}, "accepted")
	got := ts.apiCaseStep(t, d1, c.ID, map[string]any{"action": "assign", "org_id": ts.tree.T1.ID, "note": "请街道办理"}, "assigned")
	if got.OrgID != ts.tree.T1.ID {
		t.Errorf("after assign handling org %d, want %d", got.OrgID, ts.tree.T1.ID)
	}
	// Supervision by the city, with a date meaning the end of that day.
	var e apiCaseError
	if code := ts.apiInto(t, http.MethodPost, path, op, map[string]any{"action": "supervise", "instructions": "尽快", "due_at": "2024-03-20"}, &e); code != http.StatusForbidden {
		t.Errorf("supervise without cases:supervise: status %d, want 403", code)
	}
	got = ts.apiCaseStep(t, city, c.ID, map[string]any{"action": "supervise", "instructions": "请于20日前办结", "due_at": "2024-03-20"}, "assigned")
	wantDue := time.Date(2024, 3, 20, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
	if got.Supervise == nil || got.Supervise.OrgID != ts.tree.City.ID || !got.Supervise.DueAt.Equal(wantDue) || *got.Supervise.Instructions != "请于20日前办结" {
		t.Errorf("supervise = %+v, want the city's, due %s", got.Supervise, wantDue)
	}
	ts.apiCaseStep(t, t1, c.ID, map[string]any{"action": "take"}, "in_progress")
	got = ts.apiCaseStep(t, t1, c.ID, map[string]any{"action": "extend", "reason": "需等待法院判决"}, "in_progress")
	if !got.Extended {
		t.Errorf("extended = false after extend")
	}
	got = ts.apiCaseStep(t, t1, c.ID, map[string]any{"action": "close", "result": "调解达成协议", "measures": "转介法律援助"}, "closed")
	if got.Result == nil || *got.Result != "调解达成协议" || got.HandlerUserID == nil || *got.HandlerUserID != t1ID || got.DueAt != nil {
		t.Errorf("closed: result %v handler %v due %v", got.Result, got.HandlerUserID, got.DueAt)
	}
	got = ts.apiCaseStep(t, op, c.ID, map[string]any{"action": "follow_up", "satisfaction": "satisfied"}, "followed_up")
	if got.Satisfaction == nil || *got.Satisfaction != "satisfied" {
		t.Errorf("satisfaction %v, want satisfied", got.Satisfaction)
	}
	ts.apiCaseStep(t, op, c.ID, map[string]any{"action": "archive"}, "archived")

	var full apiCaseView
	if code := ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), op, nil, &full); code != http.StatusOK {
		t.Fatalf("get: status %d", code)
	}
	var actions []string
	for _, ev := range full.Timeline {
		actions = append(actions, ev.Action)
	}
	want := []string{"register", "accept", "assign", "supervise", "take", "extend", "close", "follow_up", "archive"}
	if !slices.Equal(actions, want) {
		t.Errorf("timeline %v, want %v", actions, want)
	}
	if ev := full.Timeline[1]; ev.ActionLabel != "受理" || ev.From == nil || *ev.From != "registered" || *ev.To != "accepted" || ev.Username != "admin_d1" {
		t.Errorf("accept event %+v", ev)
	}
	if ev := full.Timeline[0]; ev.From != nil {
		t.Errorf("register event from %v, want null", *ev.From)
	}
	if ev := full.Timeline[5]; ev.Note == nil || *ev.Note != "需等待法院判决" {
		t.Errorf("extend event note %v, want the reason", ev.Note)
	}
}

func TestAPICaseTransitionRefused(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.City, "op_city", auth.RoleCadre)
	d1 := ts.signIn(t, ts.tree.D1, "admin_d1", auth.RoleOrgAdmin)
	d2 := ts.signIn(t, ts.tree.D2, "admin_d2", auth.RoleOrgAdmin)
	c := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.D1, "divorce", "离婚财产纠纷"))
	ts.apiCaseStep(t, d1, c.ID, map[string]any{"action": "accept"}, "accepted")
	path := fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID)
	get := func() apiCaseView {
		t.Helper()
		var v apiCaseView
		if code := ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), d1, nil, &v); code != http.StatusOK {
			t.Fatalf("get: status %d", code)
		}
		return v
	}
	before := get()
	ts.clock.Advance(time.Minute) // a change would move updated_at

	for _, tt := range []struct {
		name   string
		token  string
		body   any
		status int
		code   string
		field  string
	}{
		{"accept twice", d1, map[string]any{"action": "accept"}, 409, "invalid_transition", ""},
		{"close before taking", d1, map[string]any{"action": "close", "result": "x"}, 409, "invalid_transition", ""},
		{"archive an open case", d1, map[string]any{"action": "archive"}, 409, "invalid_transition", ""},
		{"follow up an open case", op, map[string]any{"action": "follow_up", "satisfaction": "satisfied"}, 409, "invalid_transition", ""},
		{"take by a non-handling org", op, map[string]any{"action": "take"}, 403, "forbidden", ""},
		{"extend without reason", d1, map[string]any{"action": "extend"}, 422, "invalid", "reason"},
		{"assign to a peer district", d1, map[string]any{"action": "assign", "org_id": ts.tree.D2.ID}, 422, "invalid", "org_id"},
		{"unknown action", d1, map[string]any{"action": "escalate"}, 422, "invalid", "action"},
		{"no action", d1, map[string]any{"reason": "x"}, 422, "invalid", "action"},
		{"bad due date", d1, map[string]any{"action": "supervise", "instructions": "x", "due_at": "next week"}, 422, "invalid", "due_at"},
		{"supervise own case", d1, map[string]any{"action": "supervise", "instructions": "x", "due_at": "2024-04-01"}, 403, "forbidden", ""},
		{"unknown field", d1, map[string]any{"action": "extend", "reasons": "x"}, 400, "bad_request", ""},
		{"peer district", d2, map[string]any{"action": "extend", "reason": "x"}, 404, "not_found", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e apiCaseError
			if code := ts.apiInto(t, http.MethodPost, path, tt.token, tt.body, &e); code != tt.status || e.Error.Code != tt.code {
				t.Fatalf("status %d code %q, want %d %q", code, e.Error.Code, tt.status, tt.code)
			}
			if tt.field != "" && e.Error.Fields[tt.field] == "" {
				t.Errorf("fields %v, want a message for %s", e.Error.Fields, tt.field)
			}
		})
	}
	after := get()
	if after.State != before.State || !after.UpdatedAt.Equal(before.UpdatedAt) || after.Extended || len(after.Timeline) != len(before.Timeline) || after.Supervise != nil {
		t.Errorf("refused actions changed the case: before %s %s %d events, after %s %s %d events",
			before.State, before.UpdatedAt, len(before.Timeline), after.State, after.UpdatedAt, len(after.Timeline))
	}
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/cases/999999/transitions", d1, map[string]any{"action": "accept"}, nil); code != http.StatusNotFound {
		t.Errorf("unknown case: status %d, want 404", code)
	}
}

func TestAPICasePeerDistrict(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.D1, "op_d1", auth.RoleCadre)
	d2 := ts.signIn(t, ts.tree.D2, "admin_d2", auth.RoleOrgAdmin)
	t2 := ts.signIn(t, ts.tree.Prefix13, "cadre_p13", auth.RoleCadre)
	c := ts.apiCaseCreate(t, op, apiCaseBody(ts.tree.T1, "divorce", "离婚财产纠纷"))
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID)},
		{http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/open", c.ID)},
	} {
		var e apiCaseError
		if code := ts.apiInto(t, req.method, req.path, d2, nil, &e); code != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Errorf("peer district %s %s: status %d code %q, want 404 not_found", req.method, req.path, code, e.Error.Code)
		}
	}
	if got := ts.apiCaseIDs(t, d2, ""); len(got) != 0 {
		t.Errorf("peer district list %v, want empty", got)
	}
	// A village below the handling township does not see it either.
	if code := ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), t2, nil, nil); code != http.StatusNotFound {
		t.Errorf("village below: status %d, want 404", code)
	}
	if code := ts.apiInto(t, http.MethodGet, "/api/v1/cases/abc", op, nil, nil); code != http.StatusNotFound {
		t.Errorf("non-numeric id: status %d, want 404", code)
	}
}

func TestAPICaseHidden(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.T1, "op_t1", auth.RoleCadre)
	colleague := ts.signIn(t, ts.tree.T1, "colleague_t1", auth.RoleCadre)
	d1 := ts.signIn(t, ts.tree.D1, "admin_d1", auth.RoleOrgAdmin)
	body := apiCaseBody(ts.tree.T1, "dv", "丈夫持刀威胁")
	body["description"] = "求助人称丈夫酒后持刀威胁。"
	body["risk_answers"] = []string{"weapon"}
	body["contact_phone"] = "13912345678"
	body["parties"] = []map[string]any{{"role": "complainant", "name": "张某", "phone": "13912345678", "address": "清波街12号"}}
	c := ts.apiCaseCreate(t, op, body)
	if !c.Restricted || c.Hidden {
		t.Fatalf("restricted %v hidden %v for the operator, want restricted and visible", c.Restricted, c.Hidden)
	}
	// Accepting it puts a second event with a note-free line on the timeline.
	ts.apiCaseStep(t, op, c.ID, map[string]any{"action": "accept"}, "accepted")

	var raw map[string]any
	if code := ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), colleague, nil, &raw); code != http.StatusOK {
		t.Fatalf("colleague GET: status %d", code)
	}
	if raw["hidden"] != true || raw["restricted"] != true || raw["number"] != c.Number || raw["state"] != "accepted" {
		t.Errorf("colleague sees hidden=%v restricted=%v number=%v state=%v, want a hidden restricted case that exists", raw["hidden"], raw["restricted"], raw["number"], raw["state"])
	}
	for _, k := range []string{"summary", "description", "parties", "result", "measures", "contact_phone", "person_id", "risk_rule"} {
		v, ok := raw[k]
		if !ok || v != nil {
			t.Errorf("colleague sees %s = %v (present %v), want null", k, v, ok)
		}
	}
	if raw["can_open"] != false || raw["opened"] != false {
		t.Errorf("colleague can_open=%v opened=%v, want false", raw["can_open"], raw["opened"])
	}
	// A hidden case shows no timeline at all: its steps would tell who
	// referred, mediated or filed what.
	timeline, _ := raw["timeline"].([]any)
	if len(timeline) != 0 {
		t.Fatalf("colleague timeline %v, want none", timeline)
	}
	for _, ev := range timeline {
		if note := ev.(map[string]any)["note"]; note != nil {
			t.Errorf("colleague sees timeline note %v, want null", note)
		}
	}
	var l struct {
		Items []map[string]any `json:"items"`
	}
	ts.apiInto(t, http.MethodGet, "/api/v1/cases", colleague, nil, &l)
	if len(l.Items) != 1 || l.Items[0]["hidden"] != true || l.Items[0]["summary"] != nil {
		t.Errorf("colleague list %v, want the case hidden with summary null", l.Items)
	}
	// Searching the summary does not find it either.
	if got := ts.apiCaseIDs(t, colleague, "q="+url.QueryEscape("持刀")); len(got) != 0 {
		t.Errorf("colleague search found %v, want nothing", got)
	}

	// Its operator sees everything, phones masked and no address.
	var mine apiCaseView
	ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), op, nil, &mine)
	if mine.Hidden || mine.Description == nil || *mine.Description != "求助人称丈夫酒后持刀威胁。" || len(mine.Parties) != 1 || mine.Parties[0].Phone != "139****5678" {
		t.Errorf("operator view: hidden %v description %v parties %+v", mine.Hidden, mine.Description, mine.Parties)
	}
	var opRaw map[string]any
	ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), op, nil, &opRaw)
	if b, _ := json.Marshal(opRaw); bytes.Contains(b, []byte("清波街12号")) || bytes.Contains(b, []byte("13912345678")) {
		t.Errorf("operator view carries an address or an unmasked phone: %s", b)
	}

	// The district supervisor sees it hidden until she opens it.
	var sup apiCaseView
	ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), d1, nil, &sup)
	if !sup.Hidden || !sup.CanOpen || sup.Opened {
		t.Errorf("supervisor before opening: hidden %v can_open %v opened %v, want hidden and can open", sup.Hidden, sup.CanOpen, sup.Opened)
	}
}

func TestAPICaseOpenAudited(t *testing.T) {
	ts := newTestEnv(t, withClock(apiCaseStart))
	op := ts.signIn(t, ts.tree.T1, "op_t1", auth.RoleCadre)
	d1 := ts.signIn(t, ts.tree.D1, "admin_d1", auth.RoleOrgAdmin)
	colleague := ts.signIn(t, ts.tree.T1, "colleague_t1", auth.RoleCadre)
	body := apiCaseBody(ts.tree.T1, "child_abuse", "儿童遭受家暴")
	body["description"] = "邻居反映孩子常被打。"
	c := ts.apiCaseCreate(t, op, body)
	if !c.Restricted {
		t.Fatalf("a child category case is not restricted")
	}
	ctx := context.Background()
	reveals := func() []audit.Entry {
		t.Helper()
		list, _, err := ts.st.ListAudit(ctx, auth.System(), audit.Filter{Action: audit.Reveal, Entity: "case", EntityID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	// Reading never opens: GET refuses the old open parameter, whatever its
	// value, and points to the POST route; nothing is written.
	for _, q := range []string{"open=true", "open=1", "open=false", "open=maybe"} {
		var e apiCaseError
		code := ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d?%s", c.ID, q), d1, nil, &e)
		if code != http.StatusBadRequest || !strings.Contains(e.Error.Fields["open"], "POST /api/v1/cases/{id}/open") {
			t.Errorf("GET ?%s: status %d fields %v, want 400 with open pointing to the POST route", q, code, e.Error.Fields)
		}
	}
	if n := len(reveals()); n != 0 {
		t.Errorf("%d reveal entries after GETs with open, want 0", n)
	}
	var sup apiCaseView
	ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), d1, nil, &sup)
	if !sup.Hidden || sup.Opened || !sup.CanOpen {
		t.Errorf("supervisor after GETs with open: hidden %v opened %v can_open %v, want still hidden and can open", sup.Hidden, sup.Opened, sup.CanOpen)
	}

	// A same-org colleague (no cases:supervise) may not open, and nothing is
	// written.
	openPath := fmt.Sprintf("/api/v1/cases/%d/open", c.ID)
	var v apiCaseView
	if code := ts.apiInto(t, http.MethodPost, openPath, colleague, nil, &v); code != http.StatusForbidden {
		t.Errorf("colleague POST open: status %d, want 403", code)
	}
	if n := len(reveals()); n != 0 {
		t.Errorf("%d reveal entries after the colleague's request, want 0", n)
	}
	// A body other than empty or {} is refused, and nothing is written.
	if code := ts.apiInto(t, http.MethodPost, openPath, d1, map[string]any{"open": true}, nil); code != http.StatusBadRequest {
		t.Errorf("POST open with an unknown field: status %d, want 400", code)
	}
	if n := len(reveals()); n != 0 {
		t.Errorf("%d reveal entries after a refused body, want 0", n)
	}

	// The supervisor opens it on purpose with an empty body.
	if code := ts.apiInto(t, http.MethodPost, openPath, d1, nil, &v); code != http.StatusOK {
		t.Fatalf("supervisor open: status %d", code)
	}
	if v.Hidden || !v.Opened || v.CanOpen || v.Description == nil || *v.Description != "邻居反映孩子常被打。" || v.Summary == nil {
		t.Errorf("supervisor open: hidden %v opened %v description %v, want the details", v.Hidden, v.Opened, v.Description)
	}
	if len(v.Timeline) == 0 {
		t.Fatalf("supervisor open: no timeline")
	}
	if last := v.Timeline[len(v.Timeline)-1]; last.Action != "open_restricted" || last.Username != "admin_d1" {
		t.Errorf("last timeline event %+v, want open_restricted by admin_d1", last)
	}
	entries := reveals()
	if len(entries) != 1 || entries[0].Username != "admin_d1" {
		t.Errorf("reveal audit entries %+v, want one by admin_d1", entries)
	}
	// The opening holds: a plain GET shows the details without another
	// entry.
	var again apiCaseView
	ts.apiInto(t, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", c.ID), d1, nil, &again)
	if again.Hidden || !again.Opened || again.Description == nil {
		t.Errorf("supervisor GET after opening: hidden %v opened %v, want the details", again.Hidden, again.Opened)
	}
	if n := len(reveals()); n != 1 {
		t.Errorf("%d reveal entries after reading again, want 1", n)
	}
	// An empty JSON object is a body too; opening again is audited again.
	if code := ts.apiInto(t, http.MethodPost, openPath, d1, map[string]any{}, &v); code != http.StatusOK || v.Hidden || !v.Opened {
		t.Errorf("supervisor open with {}: status %d hidden %v opened %v, want 200 with the details", code, v.Hidden, v.Opened)
	}
	if n := len(reveals()); n != 2 {
		t.Errorf("%d reveal entries after the second opening, want 2", n)
	}

	// The operator who registered it sees it anyway: nothing to open, and
	// nothing written (cadres have no cases:supervise, so she is refused).
	if code := ts.apiInto(t, http.MethodPost, openPath, op, nil, nil); code != http.StatusForbidden {
		t.Errorf("operator POST open: status %d, want 403", code)
	}
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/cases/999999/open", d1, nil, nil); code != http.StatusNotFound {
		t.Errorf("open an unknown case: status %d, want 404", code)
	}
}

// TestAPICaseRoutesDocumented checks the case routes against the OpenAPI
// document (the whole document is checked by TestOpenAPIMatchesRoutes).
func TestAPICaseRoutesDocumented(t *testing.T) {
	doc := openAPILoad(t)
	srv, _ := openAPIServer(t)
	ops := openAPIOps(t, doc)
	n := 0
	for _, r := range srv.APIRoutes() {
		if len(r.Path) < len("/api/v1/cases") || r.Path[:len("/api/v1/cases")] != "/api/v1/cases" {
			continue
		}
		n++
		o, ok := ops[r.Method+" "+r.Path]
		if !ok {
			t.Errorf("%s %s is not documented", r.Method, r.Path)
			continue
		}
		if perm, _ := o["x-permission"].(string); perm != string(r.Perm) {
			t.Errorf("%s %s: x-permission %q, want %q", r.Method, r.Path, perm, r.Perm)
		}
	}
	if n != 6 {
		t.Errorf("%d case routes registered, want 6", n)
	}
}
