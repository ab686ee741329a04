package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
)

// apiCaseRoutes registers the rights-case endpoints of /api/v1. The store
// enforces scope and confidentiality exactly as for the web pages.
func (s *Server) apiCaseRoutes(mux *http.ServeMux) {
	s.api(mux, "GET /api/v1/cases", auth.CasesRead, false, s.apiListCases)
	s.api(mux, "POST /api/v1/cases", auth.CasesIntake, false, s.apiCreateCase)
	// The literal pattern is more specific than {id}, so ServeMux routes
	// /cases/overdue here whatever the registration order.
	s.api(mux, "GET /api/v1/cases/overdue", auth.CasesRead, false, s.apiOverdueCases)
	s.api(mux, "GET /api/v1/cases/{id}", auth.CasesRead, false, s.apiGetCase)
	// Opening a restricted case writes an audit entry and a timeline event,
	// so it is a POST: a GET must not change state, or a cross-site link or
	// a prefetcher could open a case in the supervisor's name.
	s.api(mux, "POST /api/v1/cases/{id}/open", auth.CasesSupervise, false, s.apiOpenCase)
	s.api(mux, "POST /api/v1/cases/{id}/transitions", auth.CasesHandle, false, s.apiCaseTransition)
}

// caseJSON is a case as lists show it. For a hidden restricted case the
// fields that tell what happened are null.
type caseJSON struct {
	ID            int64               `json:"id"`
	Number        string              `json:"number"`
	State         cases.State         `json:"state"`
	StateLabel    string              `json:"state_label"`
	Urgency       cases.Urgency       `json:"urgency"`
	Restricted    bool                `json:"restricted"`
	RiskLevel     *cases.RiskLevel    `json:"risk_level"`
	DueAt         *time.Time          `json:"due_at"`
	Channel       cases.Channel       `json:"channel"`
	Category      string              `json:"category"`
	Summary       *string             `json:"summary"`
	OrgID         int64               `json:"org_id"`
	OrgName       string              `json:"org_name"`
	IntakeOrgID   int64               `json:"intake_org_id"`
	IntakeOrgName string              `json:"intake_org_name"`
	HandlerUserID *int64              `json:"handler_user_id"`
	HandlerName   string              `json:"handler_name"`
	Overdue       bool                `json:"overdue"`
	Extended      bool                `json:"extended"`
	Escalations   int                 `json:"escalations"`
	Result        *string             `json:"result"`
	Measures      *string             `json:"measures"`
	Satisfaction  *cases.Satisfaction `json:"satisfaction"`
	Supervise     *superviseJSON      `json:"supervise"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
	Hidden        bool                `json:"hidden"`
}

// superviseJSON is the latest supervision (督办) of a case.
type superviseJSON struct {
	OrgID        int64      `json:"org_id"`
	Instructions *string    `json:"instructions"`
	DueAt        *time.Time `json:"due_at"`
}

// caseDetailJSON is one case with its details, as answered by the create,
// read and transition endpoints.
type caseDetailJSON struct {
	caseJSON
	Description  *string         `json:"description"`
	Anonymous    bool            `json:"anonymous"`
	PersonID     *int64          `json:"person_id"`
	ContactPhone *string         `json:"contact_phone"`
	RiskRule     *string         `json:"risk_rule"`
	Parties      []casePartyJSON `json:"parties"`
	Opened       bool            `json:"opened"`
	CanOpen      bool            `json:"can_open"`
	TrackingCode string          `json:"tracking_code,omitempty"`
	Timeline     []caseEventJSON `json:"timeline,omitempty"`
}

// casePartyJSON is a party with the phone masked; the address is never
// shown.
type casePartyJSON struct {
	Role     cases.PartyRole `json:"role"`
	Name     string          `json:"name"`
	PersonID *int64          `json:"person_id"`
	Phone    string          `json:"phone"`
	Minor    bool            `json:"minor"`
	Note     string          `json:"note"`
}

// caseEventJSON is one timeline line.
type caseEventJSON struct {
	At              time.Time    `json:"at"`
	Action          string       `json:"action"`
	ActionLabel     string       `json:"action_label"`
	From            *cases.State `json:"from"`
	To              *cases.State `json:"to"`
	OrgID           *int64       `json:"org_id"`
	OrgName         string       `json:"org_name"`
	HandlingOrgID   *int64       `json:"handling_org_id"`
	HandlingOrgName string       `json:"handling_org_name"`
	Username        string       `json:"username"`
	Note            *string      `json:"note"`
	DueAt           *time.Time   `json:"due_at"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func optState(st cases.State) *cases.State {
	if st == "" {
		return nil
	}
	return &st
}

// shown is v, or null when the viewer may not see it.
func shown(v string, hidden bool) *string {
	if hidden {
		return nil
	}
	return &v
}

func (s *Server) toCaseJSON(c store.CaseRecord) caseJSON {
	j := caseJSON{ID: c.ID, Number: c.Number, State: c.State, StateLabel: c.State.Label(), Urgency: c.Urgency,
		Restricted: c.Restricted, DueAt: optTime(c.DueAt), Channel: c.Channel, Category: c.Category,
		Summary: shown(c.Summary, c.Hidden), OrgID: c.HandlingOrgID, OrgName: c.HandlingOrgName,
		IntakeOrgID: c.IntakeOrgID, IntakeOrgName: c.IntakeOrgName, HandlerUserID: optID(c.HandlerUserID),
		HandlerName: c.HandlerName, Overdue: c.Overdue(s.now()), Extended: c.Extended, Escalations: c.Escalations,
		Result: shown(c.Result, c.Hidden), Measures: shown(c.Measures, c.Hidden),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Hidden: c.Hidden}
	if c.RiskLevel != cases.RiskNone {
		rl := c.RiskLevel
		j.RiskLevel = &rl
	}
	if c.Satisfaction != "" {
		sat := c.Satisfaction
		j.Satisfaction = &sat
	}
	if c.SuperviseOrgID != 0 {
		j.Supervise = &superviseJSON{OrgID: c.SuperviseOrgID, Instructions: shown(c.SuperviseNote, c.Hidden), DueAt: optTime(c.SuperviseDue)}
	}
	return j
}

func (s *Server) toCaseDetailJSON(c store.CaseRecord) caseDetailJSON {
	d := caseDetailJSON{caseJSON: s.toCaseJSON(c), Description: shown(c.Description, c.Hidden), Anonymous: c.Anonymous,
		Opened: c.Opened, CanOpen: c.CanOpen}
	if c.Hidden {
		return d // parties, contact, person and risk rule stay null
	}
	d.PersonID = optID(c.PersonID)
	d.ContactPhone = &c.ContactPhoneMasked
	d.RiskRule = &c.RiskRule
	d.Parties = make([]casePartyJSON, len(c.Parties))
	for i, p := range c.Parties {
		d.Parties[i] = casePartyJSON{Role: p.Role, Name: p.Name, PersonID: optID(p.PersonID), Phone: p.Phone, Minor: p.Minor, Note: p.Note}
	}
	return d
}

func toCaseEventJSON(e store.CaseEvent, withNotes bool) caseEventJSON {
	return caseEventJSON{At: e.At, Action: e.Action, ActionLabel: e.ActionLabel(), From: optState(e.From), To: optState(e.To),
		OrgID: optID(e.OrgID), OrgName: e.OrgName, HandlingOrgID: optID(e.HandlingOrgID), HandlingOrgName: e.HandlingOrgName,
		Username: e.Username, Note: shown(e.Note, !withNotes), DueAt: optTime(e.DueAt)}
}

// casePartyRequest is one party in a create request.
type casePartyRequest struct {
	Role     string `json:"role"`
	Name     string `json:"name"`
	PersonID int64  `json:"person_id"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Minor    bool   `json:"minor"`
	Note     string `json:"note"`
}

// caseCreateRequest is the body of POST /api/v1/cases.
type caseCreateRequest struct {
	Channel      string             `json:"channel"`
	Category     string             `json:"category"`
	Summary      string             `json:"summary"`
	Description  string             `json:"description"`
	OrgID        int64              `json:"org_id"`
	PersonID     int64              `json:"person_id"`
	Anonymous    bool               `json:"anonymous"`
	Urgent       bool               `json:"urgent"`
	Restricted   bool               `json:"restricted"`
	ContactPhone string             `json:"contact_phone"`
	RiskAnswers  []string           `json:"risk_answers"`
	Parties      []casePartyRequest `json:"parties"`
}

func (s *Server) apiCreateCase(w http.ResponseWriter, r *http.Request) {
	var req caseCreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	in := cases.Intake{Channel: cases.Channel(strings.TrimSpace(req.Channel)), Category: req.Category, Summary: req.Summary,
		Description: req.Description, OrgID: req.OrgID, PersonID: req.PersonID, Anonymous: req.Anonymous, Urgent: req.Urgent,
		Restricted: req.Restricted, ContactPhone: req.ContactPhone, RiskAnswers: req.RiskAnswers}
	if len(req.Parties) > cases.MaxParties {
		s.fail(w, r, apperr.Fields{"parties": "当事人不能超过20人"}.Err())
		return
	}
	for _, p := range req.Parties {
		in.Parties = append(in.Parties, cases.Party{Role: cases.PartyRole(strings.TrimSpace(p.Role)), Name: p.Name, PersonID: p.PersonID,
			Phone: p.Phone, Address: p.Address, Minor: p.Minor, Note: p.Note})
	}
	c, code, err := s.store.CreateCase(r.Context(), actorFrom(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := s.toCaseDetailJSON(c)
	d.TrackingCode = code
	writeJSON(w, http.StatusCreated, d)
}

// caseFilterFrom reads the list filters; a bad value is a 400 naming it.
func caseFilterFrom(q url.Values) (store.CaseFilter, error) {
	var f store.CaseFilter
	bad := map[string]string{}
	if v := q.Get("state"); v != "" {
		if f.State = cases.State(v); !f.State.Valid() {
			bad["state"] = "未知的案件状态"
		}
	}
	f.Category = strings.TrimSpace(q.Get("category"))
	if v := q.Get("org_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad["org_id"] = "应为正整数"
		}
		f.OrgID = id
	}
	if v := q.Get("channel"); v != "" {
		if f.Channel = cases.Channel(v); !f.Channel.Valid() {
			bad["channel"] = "未知的来源渠道"
		}
	}
	if v := q.Get("urgency"); v != "" {
		if f.Urgency = cases.Urgency(v); f.Urgency != cases.Normal && f.Urgency != cases.Urgent {
			bad["urgency"] = "应为 normal 或 urgent"
		}
	}
	if v := q.Get("overdue"); v != "" {
		switch v {
		case "true":
			f.Overdue = true
		case "false":
		default:
			bad["overdue"] = "应为 true 或 false"
		}
	}
	f.Q = q.Get("q")
	if len(bad) > 0 {
		return f, &apperr.Error{Kind: apperr.BadRequest, Message: "查询条件无效", Fields: bad}
	}
	return f, nil
}

func (s *Server) apiListCases(w http.ResponseWriter, r *http.Request) {
	f, err := caseFilterFrom(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.listCases(w, r, f)
}

// apiOverdueCases is the overdue list of the caller's scope.
func (s *Server) apiOverdueCases(w http.ResponseWriter, r *http.Request) {
	s.listCases(w, r, store.CaseFilter{Overdue: true})
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request, f store.CaseFilter) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit, f.Cursor = limit, cursor
	list, next, err := s.store.ListCases(r.Context(), actorFrom(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]caseJSON, len(list))
	for i, c := range list {
		out[i] = s.toCaseJSON(c)
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiGetCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Has("open") {
		s.fail(w, r, &apperr.Error{Kind: apperr.BadRequest, Message: "打开受限案件请使用 POST /api/v1/cases/{id}/open",
			Fields: map[string]string{"open": "不再支持：请使用 POST /api/v1/cases/{id}/open"}})
		return
	}
	s.writeCaseDetail(w, r, id, false)
}

// apiOpenCase opens a restricted case on purpose: for a supervisor at or
// above the handling org the opening is audited and written on the
// timeline, and the answer carries the details. Anyone else gets the case
// as GET shows it. The body may be empty or an empty JSON object.
func (s *Server) apiOpenCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := decodeOptionalEmptyJSON(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeCaseDetail(w, r, id, true)
}

// decodeOptionalEmptyJSON accepts an empty body or an empty JSON object.
func decodeOptionalEmptyJSON(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBytes)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return decodeJSON(w, r, &struct{}{})
}

// writeCaseDetail answers one case with its timeline; open opens a
// restricted case on purpose (see store.GetCase).
func (s *Server) writeCaseDetail(w http.ResponseWriter, r *http.Request, id int64, open bool) {
	a := actorFrom(r)
	c, err := s.store.GetCase(r.Context(), a, id, open)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := s.toCaseDetailJSON(c)
	if c.Hidden {
		// A restricted case the viewer may not see shows no timeline: its
		// steps would tell who referred, mediated or filed what.
		d.Timeline = []caseEventJSON{}
		writeJSON(w, http.StatusOK, d)
		return
	}
	events, err := s.store.CaseTimeline(r.Context(), a, id, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Timeline = make([]caseEventJSON, len(events))
	for i, e := range events {
		d.Timeline[i] = toCaseEventJSON(e, !c.Hidden)
	}
	writeJSON(w, http.StatusOK, d)
}

// caseTransitionRequest is the body of POST /api/v1/cases/{id}/transitions.
type caseTransitionRequest struct {
	Action       string `json:"action"`
	Reason       string `json:"reason"`
	Result       string `json:"result"`
	Measures     string `json:"measures"`
	Instructions string `json:"instructions"`
	OrgID        int64  `json:"org_id"`
	Satisfaction string `json:"satisfaction"`
	DueAt        string `json:"due_at"`
	Note         string `json:"note"`
}

// parseDueAt reads an RFC 3339 time, or a date meaning the end of that day
// in China.
func parseDueAt(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	d, err := time.ParseInLocation(time.DateOnly, v, localtime.Zone)
	if err != nil {
		return time.Time{}, false
	}
	return d.Add(24*time.Hour - time.Second), true
}

func (s *Server) apiCaseTransition(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req caseTransitionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	act := cases.Action(strings.TrimSpace(req.Action))
	f := apperr.Fields{}
	switch {
	case act == "":
		f.Add("action", "请选择操作")
	case !act.Valid():
		f.Add("action", "未知的操作")
	}
	due, ok := parseDueAt(req.DueAt)
	if !ok {
		f.Add("due_at", "期限应为 RFC 3339 时间或 YYYY-MM-DD 日期")
	}
	if err := f.Err(); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	if act == cases.Supervise && !a.Can(auth.CasesSupervise) {
		s.fail(w, r, apperr.New(apperr.Forbidden, "您没有督办案件的权限"))
		return
	}
	in := cases.Input{Reason: req.Reason, Result: req.Result, Measures: req.Measures, Instructions: req.Instructions,
		OrgID: req.OrgID, Satisfaction: cases.Satisfaction(strings.TrimSpace(req.Satisfaction)), DueAt: due, Note: req.Note}
	c, err := s.store.Transition(r.Context(), a, id, act, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toCaseDetailJSON(c))
}
