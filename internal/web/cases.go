package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/dicts"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

// caseRoutes registers the rights-case pages: the list, the overdue list,
// the operator's intake form, the detail page with its workflow actions and
// the deliberate opening of a restricted case.
func (s *Server) caseRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /cases", s.need(auth.CasesRead, s.caseListPage))
	mux.HandleFunc("GET /cases/overdue", s.need(auth.CasesRead, s.caseOverduePage))
	mux.HandleFunc("GET /cases/new", s.need(auth.CasesIntake, s.caseNewPage))
	mux.HandleFunc("POST /cases", s.need(auth.CasesIntake, s.caseCreate))
	mux.HandleFunc("GET /cases/person-lookup", s.need(auth.PeopleRead, s.casePersonLookup))
	mux.HandleFunc("GET /cases/{id}", s.need(auth.CasesRead, s.caseDetailPage))
	mux.HandleFunc("POST /cases/{id}/open", s.need(auth.CasesSupervise, s.caseOpen))
	// The action decides the permission (handle or supervise), so the route
	// only needs the case to be readable.
	mux.HandleFunc("POST /cases/{id}/actions/{action}", s.need(auth.CasesRead, s.caseAction))
}

func caseLink(id int64) string { return "/cases/" + strconv.FormatInt(id, 10) }

// caseCategoryGroup is a top-level case category with its enabled children.
type caseCategoryGroup struct {
	Code, Name string
	Items      []dicts.Item
}

// caseCategories is the case_category dictionary as selects and pages use it.
type caseCategories struct {
	Groups []caseCategoryGroup
	Labels map[string]string // every code, enabled or not
	Parent map[string]string // code → group code
}

// Name returns a category's name, with its group for a child: 婚姻家庭 / 家庭暴力.
func (c caseCategories) Name(code string) string {
	name, ok := c.Labels[code]
	if !ok {
		return code
	}
	if p := c.Parent[code]; p != "" {
		if g, ok := c.Labels[p]; ok {
			return g + " / " + name
		}
	}
	return name
}

// consultation reports whether code is a consultation-only category.
func (c caseCategories) consultation(code string) bool {
	return c.Parent[code] == cases.ConsultParent
}

func (s *Server) caseCategories(ctx context.Context) (caseCategories, error) {
	d, err := s.store.Dictionary(ctx, dicts.CaseCategory)
	if err != nil {
		return caseCategories{}, err
	}
	c := caseCategories{Labels: map[string]string{}, Parent: map[string]string{}}
	index := map[string]int{}
	for _, it := range d.Items {
		c.Labels[it.Code] = it.Name
		c.Parent[it.Code] = it.ParentCode
		if it.ParentCode == "" && it.Enabled {
			index[it.Code] = len(c.Groups)
			c.Groups = append(c.Groups, caseCategoryGroup{Code: it.Code, Name: it.Name})
		}
	}
	for _, it := range d.Items {
		if i, ok := index[it.ParentCode]; ok && it.Enabled {
			c.Groups[i].Items = append(c.Groups[i].Items, it)
		}
	}
	return c, nil
}

// caseOrgOption is an org in a select, indented by its depth in the tree.
type caseOrgOption struct {
	ID    int64
	Label string
}

// caseOrgOptions orders orgs as a tree (parents before their children) and
// indents each name by its depth below the topmost org listed.
func caseOrgOptions(list []orgs.Org) []caseOrgOption {
	in := map[int64]bool{}
	for _, o := range list {
		in[o.ID] = true
	}
	children := map[int64][]orgs.Org{}
	var roots []orgs.Org
	for _, o := range list {
		if in[o.ParentID] {
			children[o.ParentID] = append(children[o.ParentID], o)
		} else {
			roots = append(roots, o)
		}
	}
	out := make([]caseOrgOption, 0, len(list))
	var walk func(o orgs.Org, depth int)
	walk = func(o orgs.Org, depth int) {
		out = append(out, caseOrgOption{ID: o.ID, Label: strings.Repeat("　", depth) + o.Name})
		for _, c := range children[o.ID] {
			walk(c, depth+1)
		}
	}
	for _, o := range roots {
		walk(o, 0)
	}
	return out
}

// caseRow is a case in a list with what the row shows about its deadline.
type caseRow struct {
	store.CaseRecord
	CategoryName string
	Overdue      bool // open and past the deadline
	DueSoon      bool // open and due within 24 hours
	OverdueFor   string
}

// StateClass is the colour of the state tag.
func (r caseRow) StateClass() string { return caseStateClass(r.State) }

func caseStateClass(st cases.State) string {
	switch st {
	case cases.Registered:
		return "tag-orange"
	case cases.Accepted, cases.Assigned, cases.InProgress:
		return "tag-blue"
	case cases.Closed, cases.FollowedUp:
		return "tag-green"
	}
	return "tag-grey"
}

func (s *Server) caseRow(rec store.CaseRecord, cats caseCategories) caseRow {
	now := s.now()
	r := caseRow{CaseRecord: rec, CategoryName: cats.Name(rec.Category)}
	r.Overdue = rec.Overdue(now)
	r.DueSoon = !r.Overdue && rec.State.Open() && !rec.DueAt.IsZero() && rec.DueAt.Sub(now) <= 24*time.Hour
	if r.Overdue {
		r.OverdueFor = caseDuration(now.Sub(rec.DueAt))
	}
	return r
}

// caseDuration says how long in days or hours: 3天, 5小时.
func caseDuration(d time.Duration) string {
	if d >= 24*time.Hour {
		return strconv.Itoa(int(d/(24*time.Hour))) + "天"
	}
	if d >= time.Hour {
		return strconv.Itoa(int(d/time.Hour)) + "小时"
	}
	return "不到1小时"
}

// casePageFilterFrom reads the list filters. Bad values are a BadRequest
// naming the fields.
func casePageFilterFrom(q url.Values) (store.CaseFilter, error) {
	f := store.CaseFilter{Q: strings.TrimSpace(q.Get("q")), Category: strings.TrimSpace(q.Get("category")), Open: q.Get("open") == "1"}
	bad := map[string]string{}
	if v := strings.TrimSpace(q.Get("state")); v != "" {
		if f.State = cases.State(v); !f.State.Valid() {
			bad["state"] = "状态无效"
		}
	}
	if v := strings.TrimSpace(q.Get("channel")); v != "" {
		if f.Channel = cases.Channel(v); !f.Channel.Valid() {
			bad["channel"] = "来源渠道无效"
		}
	}
	if v := strings.TrimSpace(q.Get("urgency")); v != "" {
		if f.Urgency = cases.Urgency(v); f.Urgency != cases.Urgent && f.Urgency != cases.Normal {
			bad["urgency"] = "紧急程度无效"
		}
	}
	if v := strings.TrimSpace(q.Get("org_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad["org_id"] = "承办单位无效"
		}
		f.OrgID = id
	}
	if len(bad) > 0 {
		return f, &apperr.Error{Kind: apperr.BadRequest, Message: "筛选条件有误，请检查后重试", Fields: bad}
	}
	return f, nil
}

type caseListData struct {
	Rows       []caseRow
	Categories caseCategories
	Orgs       []caseOrgOption
	States     []cases.State
	Channels   []cases.Channel
	Pager      pager
	ExportHref string
	Invalid    bool
}

func (s *Server) caseListPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := s.newView(r, "维权案件", crumb{Label: "维权案件"})
	v.Form = newForm(q)
	d := caseListData{States: cases.States(), Channels: cases.Channels()}
	var err error
	if d.Categories, err = s.caseCategories(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	list, _, err := s.store.ListOrgs(ctx, a, store.OrgFilter{Limit: 5000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Orgs = caseOrgOptions(list)
	f, ferr := casePageFilterFrom(q)
	if ferr == nil {
		f.Cursor, _ = strconv.ParseInt(q.Get("cursor"), 10, 64)
		f.Limit = 50
		recs, next, err := s.store.ListCases(ctx, a, f)
		if err != nil {
			ferr = err
		} else {
			for _, rec := range recs {
				d.Rows = append(d.Rows, s.caseRow(rec, d.Categories))
			}
			d.Pager = pagerFor("/cases", q, f.Cursor, next)
			d.ExportHref = pagerFor("/cases/export.xlsx", q, 1, 0).First
		}
	}
	status := http.StatusOK
	if ferr != nil {
		if !v.Form.fail(ferr) {
			s.fail(w, r, ferr)
			return
		}
		d.Invalid = true
		status = statusOf(ferr)
	}
	v.Data = d
	s.renderStatus(w, r, status, "case_list", v)
}

// caseOverdueLimit bounds each table of the overdue page.
const caseOverdueLimit = 200

type caseOverdueData struct {
	Overdue, DueSoon         []caseRow
	MoreOverdue, MoreDueSoon bool
	Orgs                     []caseOrgOption
	Limit                    int
}

func (s *Server) caseOverduePage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := s.newView(r, "超期和临期案件", crumb{Label: "维权案件", Href: "/cases"}, crumb{Label: "超期和临期"})
	v.Form = newForm(q)
	d := caseOverdueData{Limit: caseOverdueLimit}
	cats, err := s.caseCategories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, _, err := s.store.ListOrgs(ctx, a, store.OrgFilter{Limit: 5000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Orgs = caseOrgOptions(list)
	org := queryID(r, "org_id")
	load := func(f store.CaseFilter) ([]caseRow, bool, error) {
		f.OrgID, f.Limit = org, caseOverdueLimit
		recs, next, err := s.store.ListCases(ctx, a, f)
		if err != nil {
			return nil, false, err
		}
		// Most urgent first: the earliest deadline leads.
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].DueAt.Before(recs[j].DueAt) })
		rows := make([]caseRow, len(recs))
		for i, rec := range recs {
			rows[i] = s.caseRow(rec, cats)
		}
		return rows, next != 0, nil
	}
	if d.Overdue, d.MoreOverdue, err = load(store.CaseFilter{Overdue: true}); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.DueSoon, d.MoreDueSoon, err = load(store.CaseFilter{DueWithin: 48 * time.Hour}); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, "case_overdue", v)
}

// caseFormData is what the intake form offers.
type caseFormData struct {
	Categories caseCategories
	Orgs       []caseOrgOption
	Channels   []cases.Channel
	Risk       []cases.RiskItem
	RiskRule   string
	Lookup     *casePersonLookupData // the linked person, kept after an error
}

func caseRiskRule() string {
	var flags []string
	for _, it := range cases.RiskChecklist() {
		if it.RedFlag {
			flags = append(flags, strings.TrimSuffix(strings.TrimPrefix(it.Question, "对方是否"), "？"))
		}
	}
	return fmt.Sprintf("评估规则：任一高危项（%s），或风险分达到%d分及以上，评为高风险——案件自动标记为紧急、受限，并立即通知承办单位及其上级；%d至%d分为中风险；其余为低风险。",
		strings.Join(flags, "、"), cases.HighScore, cases.MediumScore, cases.HighScore-1)
}

func (s *Server) caseFormData(r *http.Request) (caseFormData, error) {
	ctx := r.Context()
	d := caseFormData{Channels: cases.Channels(), Risk: cases.RiskChecklist(), RiskRule: caseRiskRule()}
	var err error
	if d.Categories, err = s.caseCategories(ctx); err != nil {
		return d, err
	}
	list, _, err := s.store.ListOrgs(ctx, actorFrom(r), store.OrgFilter{Status: orgs.Active, Limit: 5000})
	if err != nil {
		return d, err
	}
	d.Orgs = caseOrgOptions(list)
	return d, nil
}

func (s *Server) caseNewPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.caseFormData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "登记求助", crumb{Label: "维权案件", Href: "/cases"}, crumb{Label: "登记求助"})
	v.Form.Values.Set("channel", string(cases.Hotline))
	v.Form.Values.Set("org_id", strconv.FormatInt(actorFrom(r).OrgID, 10))
	v.Data = d
	s.render(w, r, "case_new", v)
}

// caseIntakeFrom maps the operator form to an intake. Parties left empty
// are skipped.
func caseIntakeFrom(r *http.Request) cases.Intake {
	f := r.PostForm
	in := cases.Intake{
		Channel:      cases.Channel(strings.TrimSpace(f.Get("channel"))),
		Category:     strings.TrimSpace(f.Get("category")),
		Summary:      f.Get("summary"),
		Description:  f.Get("description"),
		OrgID:        formID(r, "org_id"),
		PersonID:     formID(r, "person_id"),
		Anonymous:    f.Get("anonymous") != "",
		Urgent:       f.Get("urgent") != "",
		Restricted:   f.Get("restricted") != "",
		RiskAnswers:  f["risk_answers"],
		ContactPhone: strings.TrimSpace(f.Get("phone")),
	}
	if in.Anonymous {
		in.PersonID = 0 // an anonymous caller is not linked to the registry
	}
	complainant := cases.Party{Role: cases.Complainant, Name: strings.TrimSpace(f.Get("contact_name")), Phone: in.ContactPhone, PersonID: in.PersonID}
	if complainant.Name != "" || complainant.Phone != "" || complainant.PersonID != 0 {
		in.Parties = append(in.Parties, complainant)
	}
	respondent := cases.Party{Role: cases.Respondent, Name: strings.TrimSpace(f.Get("respondent_name")), Phone: strings.TrimSpace(f.Get("respondent_phone"))}
	if respondent.Name != "" || respondent.Phone != "" {
		in.Parties = append(in.Parties, respondent)
	}
	if name := strings.TrimSpace(f.Get("child_name")); name != "" {
		in.Parties = append(in.Parties, cases.Party{Role: cases.Child, Name: name, Minor: true})
	}
	return in
}

func (s *Server) caseCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	rec, _, err := s.store.CreateCase(r.Context(), a, caseIntakeFrom(r))
	if err != nil {
		v := s.newView(r, "登记求助", crumb{Label: "维权案件", Href: "/cases"}, crumb{Label: "登记求助"})
		v.Form = newForm(r.PostForm)
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.caseFormData(r)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		// Keep the linked person selectable rather than asking for a new search.
		if id := formID(r, "person_id"); id != 0 && a.Can(auth.PeopleRead) {
			if p, perr := s.store.GetPerson(r.Context(), a, id); perr == nil {
				d.Lookup = &casePersonLookupData{People: []store.PersonRecord{p}, Selected: id, Searched: true}
			}
		}
		v.Data = d
		s.renderStatus(w, r, statusOf(err), "case_new", v)
		return
	}
	msg := "已登记案件 " + rec.Number
	if rec.RiskLevel == cases.RiskHigh {
		msg += "。高风险：已标记为紧急、受限，并已通知上级"
	}
	redirectOK(w, r, caseLink(rec.ID), msg)
}

// casePersonLookupData is the fragment listing registry people to link.
type casePersonLookupData struct {
	Q        string
	People   []store.PersonRecord
	Selected int64
	Searched bool
	More     bool
}

// casePersonLookup answers the intake form's htmx search with radio
// buttons named person_id: people in scope with the typed name prefix, full
// ID number or full mobile number.
func (s *Server) casePersonLookup(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		q = strings.TrimSpace(r.URL.Query().Get("person_q"))
	}
	d := casePersonLookupData{Q: q}
	if q != "" {
		list, next, err := s.store.ListPeople(r.Context(), actorFrom(r), store.PeopleFilter{Q: q, Limit: 10})
		if err != nil && !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.BadRequest) {
			s.fail(w, r, err)
			return
		}
		d.People, d.More, d.Searched = list, next != 0, true
	}
	t := s.tmpl.pages["case_new"]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "casePersonResults", &d); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Internal, "页面渲染失败", err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

// caseAssignTargets are the active orgs a case may be assigned to: direct
// children of the handling org first, then the orgs further down.
type caseAssignTargets struct {
	Direct, Deeper []caseOrgOption
}

// Empty reports whether there is nowhere to assign to.
func (t caseAssignTargets) Empty() bool { return len(t.Direct)+len(t.Deeper) == 0 }

// caseDetailData is the detail page of one case.
type caseDetailData struct {
	Case         store.CaseRecord
	Row          caseRow
	CategoryName string
	Paragraphs   []string
	RiskItems    []cases.RiskItem // the items answered yes
	Timeline     []store.CaseEvent
	Sections     *caseSectionsData
	Targets      caseAssignTargets
	Today        string
	actions      map[cases.Action]bool
	failed       cases.Action // the action whose form has errors
	form         *form
}

// Can reports whether the viewer may take action now.
func (d caseDetailData) Can(action string) bool { return d.actions[cases.Action(action)] }

// AnyAction reports whether the viewer may take any action now.
func (d caseDetailData) AnyAction() bool { return len(d.actions) > 0 }

// FormFor returns the typed values and errors of action's form: those of
// the failed submission for that action, an empty form for the others.
func (d caseDetailData) FormFor(action string) *form {
	if d.form != nil && string(d.failed) == action {
		return d.form
	}
	return newForm(nil)
}

// Satisfactions lists the follow-up answers in display order.
func (d caseDetailData) Satisfactions() []cases.Satisfaction {
	return []cases.Satisfaction{cases.Satisfied, cases.BasicallySatisfied, cases.Dissatisfied}
}

// StateClass is the colour of the case's state tag.
func (d caseDetailData) StateClass() string { return caseStateClass(d.Case.State) }

// EventStateLabel names a timeline state ("" for none).
func (d caseDetailData) EventStateLabel(st cases.State) string { return st.Label() }

func caseParagraphs(text string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// caseActions decides which actions the viewer may take now, with the rules
// the store applies: the transition table, the actor's place in the tree
// relative to the handling org, and the permission.
func (s *Server) caseActions(ctx context.Context, a auth.Actor, rec store.CaseRecord, consult bool, targets caseAssignTargets) (map[cases.Action]bool, error) {
	out := map[cases.Action]bool{}
	handling, intake := a.OrgID == rec.HandlingOrgID, a.OrgID == rec.IntakeOrgID
	above := false
	if !handling && a.OrgID != 0 {
		path, err := s.store.OrgPath(ctx, a, rec.HandlingOrgID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		above = slices.ContainsFunc(path, func(o orgs.Org) bool { return o.ID == a.OrgID })
	}
	for _, act := range cases.Actions() {
		if !cases.Allowed(rec.State, act) {
			continue
		}
		perm := auth.CasesHandle
		if act == cases.Supervise {
			perm = auth.CasesSupervise
		}
		if !a.Can(perm) {
			continue
		}
		ok := false
		switch act {
		case cases.Accept, cases.Decline, cases.Take:
			ok = handling
		case cases.Assign:
			ok = handling && !targets.Empty()
		case cases.Return:
			ok = handling && rec.AssignedByOrgID != 0
		case cases.Close:
			ok = handling && (rec.State != cases.Registered || consult)
		case cases.FollowUp:
			ok = handling || intake || above
		case cases.Archive:
			ok = (handling || intake || above) && (rec.State != cases.Closed || consult)
		case cases.Supervise:
			ok = above
		case cases.Extend:
			ok = handling && !rec.Extended
		}
		if ok {
			out[act] = true
		}
	}
	return out, nil
}

// caseAssignTargets lists the active orgs strictly below the handling org.
func (s *Server) caseAssignTargets(ctx context.Context, a auth.Actor, handling int64) (caseAssignTargets, error) {
	list, _, err := s.store.ListOrgs(ctx, a, store.OrgFilter{Under: handling, Status: orgs.Active, Limit: 5000})
	if err != nil {
		return caseAssignTargets{}, err
	}
	var t caseAssignTargets
	var deeper []orgs.Org
	for _, o := range list {
		switch {
		case o.ID == handling:
		case o.ParentID == handling:
			t.Direct = append(t.Direct, caseOrgOption{ID: o.ID, Label: o.Name})
		default:
			deeper = append(deeper, o)
		}
	}
	t.Deeper = caseOrgOptions(deeper)
	return t, nil
}

// renderCaseDetail renders case id for the viewer. open asks for the
// restricted details on purpose (audited by the store); v may carry the
// values and errors of a failed action form.
func (s *Server) renderCaseDetail(w http.ResponseWriter, r *http.Request, id int64, open bool, v *view, failed cases.Action, status int) {
	a := actorFrom(r)
	ctx := r.Context()
	rec, err := s.store.GetCase(ctx, a, id, open)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats, err := s.caseCategories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := caseDetailData{Case: rec, Row: s.caseRow(rec, cats), CategoryName: cats.Name(rec.Category), Today: localtime.Date(s.now()), failed: failed}
	if failed != "" {
		d.form = v.Form
		v.Form = newForm(nil)
	}
	if a.OrgID == rec.HandlingOrgID && a.Can(auth.CasesHandle) && (cases.Allowed(rec.State, cases.Assign)) {
		if d.Targets, err = s.caseAssignTargets(ctx, a, rec.HandlingOrgID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d.actions, err = s.caseActions(ctx, a, rec, cats.consultation(rec.Category), d.Targets); err != nil {
		s.fail(w, r, err)
		return
	}
	if !rec.Hidden {
		d.Paragraphs = caseParagraphs(rec.Description)
		risk := map[string]bool{}
		for _, code := range rec.RiskAnswers {
			risk[code] = true
		}
		for _, it := range cases.RiskChecklist() {
			if risk[it.Code] {
				d.RiskItems = append(d.RiskItems, it)
			}
		}
		if d.Timeline, err = s.store.CaseTimeline(ctx, a, id, true); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Sections, err = s.loadCaseSections(r, rec); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v.Title = "案件 " + rec.Number
	v.Crumbs = []crumb{{Label: "维权案件", Href: "/cases"}, {Label: rec.Number}}
	v.Data = d
	s.renderStatus(w, r, status, "case_detail", v)
}

func (s *Server) caseDetailPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderCaseDetail(w, r, id, false, s.newView(r, ""), "", http.StatusOK)
}

// caseOpen shows a restricted case's details to a supervisor who asks on
// purpose. It is a POST so that no prefetch or crawler opens a case, and
// every opening lands in the audit log and on the timeline.
func (s *Server) caseOpen(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	s.renderCaseDetail(w, r, id, true, s.newView(r, ""), "", http.StatusOK)
}

// caseSuperviseDue reads a date as the end of that day in China.
func caseSuperviseDue(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	day, err := time.ParseInLocation("2006-01-02", v, localtime.Zone)
	if err != nil {
		return time.Time{}, false
	}
	return day.Add(24*time.Hour - time.Second), true
}

// caseAction performs one workflow action from the detail page. A refused
// action comes back as a flash on the detail page; a field error re-renders
// the page with the message beside the field in that action's form.
func (s *Server) caseAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	act := cases.Action(r.PathValue("action"))
	if !act.Valid() {
		s.fail(w, r, apperr.New(apperr.NotFound, "没有这项操作"))
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	back := caseLink(id)
	perm := auth.CasesHandle
	if act == cases.Supervise {
		perm = auth.CasesSupervise
	}
	if !a.Can(perm) {
		setFlash(w, "error", "您没有进行此操作的权限")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	f := r.PostForm
	in := cases.Input{
		Reason:       f.Get("reason"),
		Result:       f.Get("result"),
		Measures:     f.Get("measures"),
		Instructions: f.Get("instructions"),
		OrgID:        formID(r, "org_id"),
		Satisfaction: cases.Satisfaction(f.Get("satisfaction")),
		Note:         f.Get("note"),
	}
	if act == cases.Supervise {
		due, ok := caseSuperviseDue(f.Get("due_at"))
		if !ok {
			err = apperr.Fields{"due_at": "请填写正确的日期"}.Err()
		}
		in.DueAt = due
	}
	if err == nil {
		_, err = s.store.Transition(r.Context(), a, id, act, in)
	}
	switch {
	case err == nil:
		redirectOK(w, r, back, "已"+act.Label())
	case apperr.Is(err, apperr.Invalid):
		v := s.newView(r, "")
		v.Form = newForm(f)
		v.Form.fail(err)
		// A supervisor who had opened the restricted case keeps seeing it
		// while correcting the form; the store audits that opening again.
		s.renderCaseDetail(w, r, id, f.Get("opened") == "1", v, act, statusOf(err))
	case apperr.Is(err, apperr.Conflict), apperr.Is(err, apperr.Forbidden):
		setFlash(w, "error", publicError(err).Message)
		http.Redirect(w, r, back, http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}
