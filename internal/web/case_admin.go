package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
	"jinguo/internal/workdays"
)

// caseAdminRoutes serves the deadline policy and holiday calendar
// settings, and every user's notifications.
func (s *Server) caseAdminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /settings/cases", s.need(auth.CasesAdmin, s.caseSettingsPage))
	mux.HandleFunc("POST /settings/cases/policy", s.need(auth.CasesAdmin, s.casePolicySave))
	mux.HandleFunc("POST /settings/cases/holidays", s.need(auth.CasesAdmin, s.holidaySave))
	mux.HandleFunc("POST /settings/cases/holidays/{day}/delete", s.need(auth.CasesAdmin, s.holidayDelete))

	mux.HandleFunc("GET /notifications", s.signedIn(s.notificationsPage))
	mux.HandleFunc("POST /notifications/read", s.signedIn(s.notificationsReadAll))
	mux.HandleFunc("POST /notifications/{id}/read", s.signedIn(s.notificationRead))
}

// policyFields are the policy form's fields, in the order shown.
var policyFields = []policyField{
	{Name: "urgent_first_contact_hours", Label: "紧急案件首次联系时限", Unit: "小时", Hint: "紧急案件（含高风险家暴）登记后须在此时限内联系求助人，按自然小时计算。"},
	{Name: "accept_days", Label: "一般案件受理时限", Unit: "个工作日", Hint: "登记后须在此期限内受理或决定不予受理。"},
	{Name: "finish_days", Label: "一般案件办结时限", Unit: "个工作日", Hint: "自受理之日起计算。"},
	{Name: "urgent_finish_days", Label: "紧急案件办结时限", Unit: "个工作日", Hint: "紧急案件自受理之日起计算。"},
	{Name: "extend_days", Label: "延期天数", Unit: "个工作日", Hint: "每个案件可说明理由延期一次。"},
}

// policyField is one field of the policy form as shown.
type policyField struct {
	Name, Label, Unit, Hint string
	Value, Error            string
}

// holidayRow is one listed date of the calendar.
type holidayRow struct {
	Day     string // 2024-10-01
	Weekday string // 星期二
	Kind    workdays.Kind
	Name    string
}

type caseSettingsData struct {
	PolicyFields []policyField
	Year         int
	Years        []int
	Holidays     []holidayRow
	HolidayForm  *form
	PreviewDays  int
	Preview      string // the date PreviewDays working days from today, with its weekday
	Today        string
}

var weekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func policyValues(p cases.Policy) url.Values {
	v := url.Values{}
	v.Set("urgent_first_contact_hours", strconv.Itoa(int(p.UrgentFirstContact/time.Hour)))
	v.Set("accept_days", strconv.Itoa(p.AcceptDays))
	v.Set("finish_days", strconv.Itoa(p.FinishDays))
	v.Set("urgent_finish_days", strconv.Itoa(p.UrgentFinishDays))
	v.Set("extend_days", strconv.Itoa(p.ExtendDays))
	return v
}

func (s *Server) caseSettingsPage(w http.ResponseWriter, r *http.Request) {
	pol, err := s.store.CasePolicy(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pf := newForm(policyValues(pol))
	hf := newForm(nil)
	if day := r.URL.Query().Get("day"); day != "" {
		// Editing a listed date: the form starts from what it says now.
		hf.Values.Set("date", day)
		hf.Values.Set("kind", r.URL.Query().Get("kind"))
		hf.Values.Set("name", r.URL.Query().Get("name"))
	}
	s.renderCaseSettings(w, r, http.StatusOK, pf, hf)
}

// renderCaseSettings shows the settings page with the two forms as given.
func (s *Server) renderCaseSettings(w http.ResponseWriter, r *http.Request, status int, policyForm, holidayForm *form) {
	ctx := r.Context()
	now := s.now()
	q := r.URL.Query()
	year := now.In(localtime.Zone).Year()
	if y, err := strconv.Atoi(q.Get("year")); err == nil && y >= 2000 && y <= 2100 {
		year = y
	}
	list, err := s.store.Holidays(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cal, err := s.store.Calendar(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := caseSettingsData{Year: year, HolidayForm: holidayForm, Today: localtime.Date(now), PreviewDays: 3}
	for _, pf := range policyFields {
		pf.Value, pf.Error = policyForm.Get(pf.Name), policyForm.Err(pf.Name)
		d.PolicyFields = append(d.PolicyFields, pf)
	}
	if n, err := strconv.Atoi(q.Get("days")); err == nil && n >= 1 && n <= 365 {
		d.PreviewDays = n
	}
	due := cal.AddWorkdays(now, d.PreviewDays, localtime.Zone, false)
	d.Preview = localtime.Date(due) + "（" + weekdays[due.In(localtime.Zone).Weekday()] + "）"
	years := map[int]bool{year - 1: true, year: true, year + 1: true}
	for _, h := range list {
		years[h.Date.Year()] = true
		if h.Date.Year() == year {
			d.Holidays = append(d.Holidays, holidayRow{Day: h.Date.Format("2006-01-02"), Weekday: weekdays[h.Date.Weekday()], Kind: h.Kind, Name: h.Name})
		}
	}
	for y := range years {
		d.Years = append(d.Years, y)
	}
	slices.Sort(d.Years)
	v := s.newView(r, "办理时限和节假日", crumb{Label: "办理时限和节假日"})
	v.Form = policyForm
	v.Data = d
	s.renderStatus(w, r, status, "settings_cases", v)
}

func (s *Server) casePolicySave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	// A field that is not a number (or absurdly large) reads as 0, which
	// the store refuses as out of range, so the policy is never saved with
	// it; the store's messages for the other fields still show beside them.
	nums := map[string]int{}
	notNumbers := apperr.Fields{}
	for _, pf := range policyFields {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(pf.Name)))
		if err != nil {
			notNumbers.Add(pf.Name, "请填写整数")
		}
		if err != nil || n < 0 || n > 100000 {
			n = 0 // also keeps hours from overflowing a Duration
		}
		nums[pf.Name] = n
	}
	err := s.store.SetCasePolicy(r.Context(), actorFrom(r), cases.Policy{
		UrgentFirstContact: time.Duration(nums["urgent_first_contact_hours"]) * time.Hour,
		AcceptDays:         nums["accept_days"],
		FinishDays:         nums["finish_days"],
		UrgentFinishDays:   nums["urgent_finish_days"],
		ExtendDays:         nums["extend_days"],
	})
	if err != nil {
		if !f.fail(err) {
			s.fail(w, r, err)
			return
		}
		for k, v := range notNumbers {
			f.Errors[k] = v
		}
		f.Error = "办理时限未保存，请修改标出的项目"
		s.renderCaseSettings(w, r, statusOf(err), f, newForm(nil))
		return
	}
	redirectOK(w, r, "/settings/cases", "办理时限已保存，今后新设定的期限按新规则计算")
}

// parseDay reads a calendar date typed as 2024-10-01.
func parseDay(s string) (time.Time, bool) {
	d, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil || d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, false
	}
	return d, true
}

func (s *Server) holidaySave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	bad := apperr.Fields{}
	day, ok := parseDay(f.Get("date"))
	if !ok {
		bad.Add("date", "请按2024-10-01的格式填写日期")
	}
	kind := workdays.Kind(f.Get("kind"))
	switch kind {
	case workdays.Holiday:
	case workdays.Workday:
		// A make-up working day is a weekend day; a weekday already is one.
		if ok && day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
			bad.Add("kind", "调休上班日应为周六或周日，工作日本来就要上班")
		}
	default:
		bad.Add("kind", "请选择放假或调休上班")
	}
	err := bad.Err()
	if err == nil {
		err = s.store.SetHoliday(r.Context(), actorFrom(r), day, kind, strings.TrimSpace(f.Get("name")))
	}
	if err != nil {
		if !f.fail(err) {
			s.fail(w, r, err)
			return
		}
		pol, perr := s.store.CasePolicy(r.Context())
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		s.renderCaseSettings(w, r, statusOf(err), newForm(policyValues(pol)), f)
		return
	}
	label := "放假"
	if kind == workdays.Workday {
		label = "调休上班"
	}
	redirectOK(w, r, "/settings/cases?year="+strconv.Itoa(day.Year()), "已将"+day.Format("2006-01-02")+"设为"+label)
}

func (s *Server) holidayDelete(w http.ResponseWriter, r *http.Request) {
	day, ok := parseDay(r.PathValue("day"))
	if !ok {
		s.fail(w, r, apperr.New(apperr.NotFound, "日期无效"))
		return
	}
	if err := s.store.SetHoliday(r.Context(), actorFrom(r), day, "", ""); err != nil {
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, "/settings/cases?year="+strconv.Itoa(day.Year()), "已删除"+day.Format("2006-01-02")+"，这一天按平常的周一至周五上班计算")
}

// notificationKinds names the kinds of notifications.
var notificationKinds = map[string]string{
	"new_case":   "新案件",
	"high_risk":  "高风险",
	"assigned":   "分派",
	"returned":   "退回",
	"supervised": "督办",
	"closed":     "待回访",
	"reopened":   "重新办理",
	"escalated":  "超期上报",
}

type notificationsData struct {
	Items      []store.Notification
	Kinds      map[string]string
	UnreadOnly bool
	Pager      pager
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cursor, _ := strconv.ParseInt(q.Get("cursor"), 10, 64)
	d := notificationsData{Kinds: notificationKinds, UnreadOnly: q.Get("unread") == "1"}
	items, next, err := s.store.ListNotifications(r.Context(), actorFrom(r), d.UnreadOnly, cursor, 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items = items
	keep := url.Values{}
	if d.UnreadOnly {
		keep.Set("unread", "1")
	}
	d.Pager = pagerFor("/notifications", keep, cursor, next)
	v := s.newView(r, "消息提醒", crumb{Label: "消息提醒"})
	v.Data = d
	s.render(w, r, "notifications", v)
}

func (s *Server) notificationsReadAll(w http.ResponseWriter, r *http.Request) {
	n, err := s.store.MarkNotificationsRead(r.Context(), actorFrom(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "没有未读消息"
	if n > 0 {
		msg = "已将" + strconv.Itoa(n) + "条消息标为已读"
	}
	redirectOK(w, r, "/notifications", msg)
}

// notificationRead marks one notification read and goes on to its case.
func (s *Server) notificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.store.ReadNotification(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	to := "/notifications"
	if n.CaseID != 0 {
		to = "/cases/" + strconv.FormatInt(n.CaseID, 10)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
