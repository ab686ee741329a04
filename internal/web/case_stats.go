package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

// statsMaxMonths bounds the range of the statistics page: five years.
const statsMaxMonths = 60

type caseStatsData struct {
	From, To  string // YYYY-MM
	ThisMonth string
	Orgs      []caseOrgOption
	Stats     store.CaseStatistics
	Invalid   bool
	// Chart specifications for static/charts.js, as JSON.
	CategoryChart, MonthChart, SatisfactionChart string
	ExportQuery                                  string
}

// statsChart is what static/charts.js draws: a bar, line or pie chart of
// labelled series.
type statsChart struct {
	Type   string        `json:"type"`
	Title  string        `json:"title,omitempty"`
	Labels []string      `json:"labels"`
	Series []statsSeries `json:"series"`
	Stack  bool          `json:"stack,omitempty"`
}

type statsSeries struct {
	Name string `json:"name"`
	Data []int  `json:"data"`
}

func (c statsChart) json() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// statsRange reads the from/to months (default: this month).
func (s *Server) statsRange(q map[string][]string) (from, to string, err error) {
	this := store.MonthOf(s.now())
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	from, to = get("from"), get("to")
	if from == "" && to == "" {
		return this, this, nil
	}
	if from == "" {
		from = to
	}
	if to == "" {
		to = this
	}
	bad := apperr.Fields{}
	f, okF := store.ParseMonth(from)
	t, okT := store.ParseMonth(to)
	switch {
	case !okF:
		bad.Add("from", "请选择起始月份")
	case !okT:
		bad.Add("to", "请选择截止月份")
	case t.Before(f):
		bad.Add("to", "截止月份不能早于起始月份")
	case monthsBetween(from, to) > statsMaxMonths:
		bad.Add("to", "统计范围不能超过60个月")
	}
	if len(bad) > 0 {
		return this, this, &apperr.Error{Kind: apperr.BadRequest, Message: "统计条件有误，请检查后重试", Fields: bad}
	}
	return from, to, nil
}

// monthsBetween counts the months from a to b inclusive ("YYYY-MM").
func monthsBetween(a, b string) int {
	ya, _ := strconv.Atoi(a[:4])
	ma, _ := strconv.Atoi(a[5:])
	yb, _ := strconv.Atoi(b[:4])
	mb, _ := strconv.Atoi(b[5:])
	return (yb-ya)*12 + mb - ma + 1
}

func (s *Server) caseStatsPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := s.newView(r, "维权案件统计", crumb{Label: "维权服务"}, crumb{Label: "统计分析"})
	v.Form = newForm(q)
	d := caseStatsData{ThisMonth: store.MonthOf(s.now())}
	list, _, err := s.store.ListOrgs(ctx, a, store.OrgFilter{Limit: 5000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var bases []orgs.Org
	for _, o := range list {
		if o.Kind != orgs.Village {
			bases = append(bases, o)
		}
	}
	d.Orgs = caseOrgOptions(bases)

	status := http.StatusOK
	from, to, err := s.statsRange(q)
	f := store.StatsFilter{}
	if err == nil {
		if id := strings.TrimSpace(q.Get("org_id")); id != "" {
			if f.OrgID, _ = strconv.ParseInt(id, 10, 64); f.OrgID <= 0 {
				err = &apperr.Error{Kind: apperr.BadRequest, Message: "统计条件有误，请检查后重试", Fields: apperr.Fields{"org_id": "统计单位无效"}}
			}
		}
	}
	if err == nil {
		f.From, f.To, _ = store.StatsMonthRange(from, to)
		d.Stats, err = s.store.CaseStats(ctx, a, f)
		if apperr.Is(err, apperr.NotFound) {
			err = &apperr.Error{Kind: apperr.BadRequest, Message: "统计条件有误，请检查后重试", Fields: apperr.Fields{"org_id": "统计单位不存在或无权访问"}}
		}
	}
	d.From, d.To = from, to
	if err != nil {
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		d.Invalid = true
		status = statusOf(err)
	} else {
		d.charts()
		d.ExportQuery = statsExportQuery(d.Stats, f.OrgID)
	}
	v.Data = d
	s.renderStatus(w, r, status, "case_stats", v)
}

// statsExportQuery is the case export of the same cases: registered in the
// range, handled in the org's subtree.
func statsExportQuery(st store.CaseStatistics, org int64) string {
	q := map[string]string{
		"from": st.From.In(localtime.Zone).Format("2006-01-02"),
		"to":   st.To.In(localtime.Zone).AddDate(0, 0, -1).Format("2006-01-02"),
	}
	if org != 0 {
		q["org_id"] = strconv.FormatInt(org, 10)
	}
	var b strings.Builder
	for _, k := range []string{"from", "to", "org_id"} {
		if v, ok := q[k]; ok {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + v)
		}
	}
	return b.String()
}

// charts prepares the chart specifications from the figures.
func (d *caseStatsData) charts() {
	st := d.Stats
	cat := statsChart{Type: "bar", Title: "按类别", Stack: true}
	for _, g := range st.Groups {
		cat.Labels = append(cat.Labels, g.Name)
	}
	for i, c := range st.Columns {
		sr := statsSeries{Name: c.Name}
		for _, g := range st.Groups {
			sr.Data = append(sr.Data, g.Counts[i])
		}
		cat.Series = append(cat.Series, sr)
	}
	if st.Total > 0 {
		d.CategoryChart = cat.json()
	}

	trend := statsChart{Type: "line", Title: "按月份"}
	reg, closed := statsSeries{Name: "登记"}, statsSeries{Name: "已办结"}
	for _, m := range st.Months {
		trend.Labels = append(trend.Labels, m.Month)
		reg.Data = append(reg.Data, m.Cases)
		closed.Data = append(closed.Data, m.Closed)
	}
	trend.Series = []statsSeries{reg, closed}
	if len(st.Months) > 1 { // one month is no trend
		d.MonthChart = trend.json()
	}

	sat := statsChart{Type: "pie", Title: "回访满意度"}
	sr := statsSeries{Name: "回访"}
	for _, l := range st.Satisfaction {
		sat.Labels = append(sat.Labels, l.Label)
		sr.Data = append(sr.Data, l.Count)
	}
	sat.Series = []statsSeries{sr}
	if st.SatisfactionTotal > 0 {
		d.SatisfactionChart = sat.json()
	}
}

// Percent formats n of total as a percentage with one decimal.
func (caseStatsData) Percent(n, total int) string {
	if total == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n)*100/float64(total), 'f', 1, 64) + "%"
}

// OnTimeClass colours the on-time rate like the reporting rate.
func (d caseStatsData) OnTimeClass() string { return scrRateClass(int(d.Stats.OnTimeRate())) }

// Days formats a number of days with one decimal.
func (caseStatsData) Days(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Rate formats a percentage with one decimal.
func (caseStatsData) Rate(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
