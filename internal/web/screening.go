package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

// screeningRoutes registers monthly dispute screening (矛盾纠纷排查), the
// case statistics page and the case export.
func (s *Server) screeningRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /screening", s.need(auth.CasesRead, s.screeningPage))
	mux.HandleFunc("POST /screening", s.need(auth.CasesIntake, s.screeningSubmit))
	mux.HandleFunc("GET /screening/{orgID}/{month}", s.need(auth.CasesRead, s.screeningReportPage))
	mux.HandleFunc("POST /screening/disputes/{id}/case", s.need(auth.CasesIntake, s.screeningToCase))
	mux.HandleFunc("GET /cases/stats", s.need(auth.CasesRead, s.caseStatsPage))
	mux.HandleFunc("GET /cases/export.xlsx", s.need(auth.CasesExport, s.caseExportXLSX))
}

// scrRows numbers the dispute rows of the report form; the first
// scrRowsShown are open, the rest folded away.
var scrRows = func() []int {
	out := make([]int, store.MaxScreeningDisputes)
	for i := range out {
		out[i] = i + 1
	}
	return out
}()

const scrRowsShown = 3

type scrPageData struct {
	Month      string
	ThisMonth  string
	Coverage   store.Coverage
	Tree       []scrNode
	CanReport  bool
	ReportOrgs []caseOrgOption
	Rows       []scrRow
	RowsShown  int
}

// scrNode is a coverage node as the page shows it.
type scrNode struct {
	*store.CoverageNode
	Children  []scrNode
	Link      string
	RateClass string
	Open      bool
}

func scrTree(nodes []*store.CoverageNode, month string) []scrNode {
	out := make([]scrNode, len(nodes))
	for i, n := range nodes {
		out[i] = scrNode{CoverageNode: n, Children: scrTree(n.Children, month), Link: scrReportLink(n.ID, month), RateClass: scrRateClass(n.Rate())}
		// Open the levels above the township; villages fold under theirs.
		out[i].Open = n.Kind != orgs.Township
	}
	return out
}

// scrRow is one dispute row of the report form with what was typed.
type scrRow struct {
	N                          int
	Category, Summary, Parties string
	Err                        string
	Open                       bool // typed into: keep its fold open
	Categories                 *caseCategories
}

// RateClass is the colour of a reporting rate: green from 90%, orange from
// 60%, red below.
func (scrPageData) RateClass(rate int) string { return scrRateClass(rate) }

func scrRateClass(rate int) string {
	switch {
	case rate >= 90:
		return "tag-green"
	case rate >= 60:
		return "tag-orange"
	}
	return "tag-red"
}

// scrMonth reads the month parameter; a missing or bad one is this month.
func (s *Server) scrMonth(v string) (string, bool) {
	this := store.MonthOf(s.now())
	if v == "" {
		return this, true
	}
	if _, ok := store.ParseMonth(v); !ok || v > this {
		return this, false
	}
	return v, true
}

func (s *Server) screeningPage(w http.ResponseWriter, r *http.Request) {
	month, ok := s.scrMonth(strings.TrimSpace(r.URL.Query().Get("month")))
	v := s.newView(r, "矛盾纠纷排查", crumb{Label: "矛盾纠纷排查"})
	v.Form = newForm(url.Values{"month": {month}})
	if !ok {
		v.Form.Errors["month"] = "月份无效或在未来，已显示本月"
	}
	s.renderScreening(w, r, v, month, http.StatusOK)
}

// renderScreening shows the coverage of month and, for those who may
// report, the report form (keeping what v.Form holds).
func (s *Server) renderScreening(w http.ResponseWriter, r *http.Request, v *view, month string, status int) {
	a := actorFrom(r)
	ctx := r.Context()
	d := scrPageData{Month: month, ThisMonth: store.MonthOf(s.now()), RowsShown: scrRowsShown}
	var err error
	if d.Coverage, err = s.store.ScreeningCoverage(ctx, a, month); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Tree = scrTree(d.Coverage.Roots, month)
	if a.Can(auth.CasesIntake) && a.OrgID != 0 {
		if d.ReportOrgs, err = s.scrReportOrgs(r); err != nil {
			s.fail(w, r, err)
			return
		}
		d.CanReport = len(d.ReportOrgs) > 0
		cats, err := s.caseCategories(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := v.Form
		later := false
		for _, n := range scrRows {
			k := strconv.Itoa(n)
			row := scrRow{N: n, Category: f.Get("dispute_category_" + k), Summary: f.Get("dispute_summary_" + k),
				Parties: f.Get("dispute_parties_" + k), Err: f.Err("dispute_" + k), Categories: &cats}
			if n > scrRowsShown && (row.Category != "" || row.Summary != "" || row.Parties != "") {
				later = true
			}
			d.Rows = append(d.Rows, row)
		}
		if later {
			d.Rows[scrRowsShown].Open = true
		}
	}
	if v.Form.Get("org_id") == "" && len(d.ReportOrgs) > 0 {
		v.Form.Values.Set("org_id", strconv.FormatInt(d.ReportOrgs[0].ID, 10))
	}
	v.Data = d
	s.renderStatus(w, r, status, "screening_index", v)
}

// scrReportOrgs lists the orgs the actor may report for: its own org and,
// above the village level, the villages in its scope (a township often
// collects the villages' paper forms and enters them).
func (s *Server) scrReportOrgs(r *http.Request) ([]caseOrgOption, error) {
	a := actorFrom(r)
	own, err := s.store.GetOrg(r.Context(), a, a.OrgID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil
		}
		return nil, err
	}
	out := []caseOrgOption{{ID: own.ID, Label: own.Name + "（本单位）"}}
	if own.Kind == orgs.Village || own.Status != orgs.Active {
		if own.Status != orgs.Active {
			return nil, nil
		}
		return out, nil
	}
	villages, _, err := s.store.ListOrgs(r.Context(), a, store.OrgFilter{Kind: orgs.Village, Status: orgs.Active, Limit: 5000})
	if err != nil {
		return nil, err
	}
	for _, o := range villages {
		out = append(out, caseOrgOption{ID: o.ID, Label: o.Name})
	}
	return out, nil
}

func (s *Server) screeningSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.BadRequest, "提交的内容无效", err))
		return
	}
	f := r.PostForm
	month := strings.TrimSpace(f.Get("month"))
	orgID := formID(r, "org_id")
	var disputes []store.ScreeningDispute
	for _, i := range scrRows {
		n := strconv.Itoa(i)
		disputes = append(disputes, store.ScreeningDispute{
			Category: f.Get("dispute_category_" + n), Summary: f.Get("dispute_summary_" + n), Parties: f.Get("dispute_parties_" + n),
		})
	}
	rep, err := s.store.ReportScreening(r.Context(), actorFrom(r), orgID, month, f.Get("none_found") != "", f.Get("note"), disputes)
	if err != nil {
		v := s.newView(r, "矛盾纠纷排查", crumb{Label: "矛盾纠纷排查"})
		v.Form = newForm(f)
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		shown, _ := s.scrMonth(month)
		s.renderScreening(w, r, v, shown, statusOf(err))
		return
	}
	msg := "已上报" + rep.Month + "排查情况：未发现矛盾纠纷"
	if !rep.NoneFound {
		msg = "已上报" + rep.Month + "排查情况，本月共" + strconv.Itoa(len(rep.Disputes)) + "条纠纷"
	}
	redirectOK(w, r, scrReportLink(rep.OrgID, rep.Month), msg)
}

func scrReportLink(orgID int64, month string) string {
	return "/screening/" + strconv.FormatInt(orgID, 10) + "/" + month
}

type scrReportData struct {
	Org        orgs.Org
	Month      string
	Reports    []store.ScreeningReport
	Categories caseCategories
	CanConvert bool
	// Handlers maps a reporting org to the orgs in scope that may handle
	// its disputes: the org and its ancestors up to the actor's reach.
	Handlers map[int64][]orgs.Org
}

// HandlersFor returns the handling org choices for a dispute of org.
func (d scrReportData) HandlersFor(org int64) []orgs.Org { return d.Handlers[org] }

func (s *Server) screeningReportPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "orgID")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	month := r.PathValue("month")
	if _, ok := store.ParseMonth(month); !ok {
		s.fail(w, r, apperr.New(apperr.NotFound, "月份无效"))
		return
	}
	a := actorFrom(r)
	ctx := r.Context()
	o, err := s.store.GetOrg(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := scrReportData{Org: o, Month: month, CanConvert: a.Can(auth.CasesIntake), Handlers: map[int64][]orgs.Org{}}
	if d.Reports, err = s.store.ListScreening(ctx, a, id, month); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Categories, err = s.caseCategories(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.CanConvert {
		for _, rep := range d.Reports {
			if _, done := d.Handlers[rep.OrgID]; done || !scrHasOpen(rep) {
				continue
			}
			if d.Handlers[rep.OrgID], err = s.scrHandlers(r, rep.OrgID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	v := s.newView(r, o.Name+" "+month+"排查情况", crumb{Label: "矛盾纠纷排查", Href: "/screening?month=" + month}, crumb{Label: o.Name})
	v.Data = d
	s.render(w, r, "screening_report", v)
}

// scrHasOpen reports whether rep has a dispute the viewer may turn into a
// case: open, and not withheld from her.
func scrHasOpen(rep store.ScreeningReport) bool {
	for _, d := range rep.Disputes {
		if d.Open() && !d.Hidden {
			return true
		}
	}
	return false
}

// scrHandlers lists the active orgs on org's path to the root that are in
// the actor's scope, nearest first: a dispute is handled where it was
// found or above.
func (s *Server) scrHandlers(r *http.Request, org int64) ([]orgs.Org, error) {
	a := actorFrom(r)
	path, err := s.store.OrgPath(r.Context(), a, org)
	if err != nil {
		return nil, err
	}
	var out []orgs.Org
	for i := len(path) - 1; i >= 0; i-- {
		o := path[i]
		if o.Status != orgs.Active {
			continue
		}
		ok, err := s.store.OrgInScope(r.Context(), a, o.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		out = append(out, o)
	}
	return out, nil
}

func (s *Server) screeningToCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.BadRequest, "提交的内容无效", err))
		return
	}
	a := actorFrom(r)
	d, month, err := s.store.GetDispute(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := scrReportLink(d.OrgID, month)
	c, err := s.store.DisputeToCase(r.Context(), a, id, formID(r, "org_id"))
	if err != nil {
		e := apperr.As(err)
		if e == nil || e.Kind == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		msg := e.Message
		for _, m := range e.Fields {
			msg = m
		}
		setFlash(w, "error", "未能转为案件："+msg)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	redirectOK(w, r, "/cases/"+strconv.FormatInt(c.ID, 10), "已将排查发现的纠纷转为案件 "+c.Number)
}
