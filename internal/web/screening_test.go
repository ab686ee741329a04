package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// scrMissing returns the "not reported" section of the screening page.
func scrMissing(body []byte) string {
	s := string(body)
	i := strings.Index(s, `id="missing"`)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, `id="report"`); j >= 0 {
		s = s[:j]
	}
	return s
}

func TestScrScreeningPages(t *testing.T) {
	e := newTestEnv(t)
	tr := e.tree
	township := e.signIn(t, tr.T1, "scr-township", auth.RoleCadre)
	village := e.signIn(t, tr.V1, "scr-village", auth.RoleCadre)
	viewer := e.signIn(t, tr.City, "scr-viewer", auth.RoleViewer)
	month := store.MonthOf(e.st.Now())

	code, _, body := e.page(t, township, http.MethodGet, "/screening", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /screening: %d", code)
	}
	if miss := scrMissing(body); !strings.Contains(miss, tr.V1.Name) || !strings.Contains(miss, "/orgs/"+strconv.FormatInt(tr.V1.ID, 10)) {
		t.Errorf("the not-reported list does not link %s", tr.V1.Name)
	}
	if !strings.Contains(string(body), `method="post" action="/screening"`) {
		t.Error("a township cadre sees no report form")
	}
	// A viewer sees the coverage but no form.
	if code, _, body := e.page(t, viewer, http.MethodGet, "/screening", nil); code != http.StatusOK || strings.Contains(string(body), `method="post" action="/screening"`) {
		t.Errorf("viewer: status %d, form shown %v", code, strings.Contains(string(body), `method="post" action="/screening"`))
	}
	if code, _, _ := e.postForm(t, viewer, "/screening", url.Values{"org_id": {"1"}}); code != http.StatusForbidden {
		t.Errorf("viewer POST /screening: %d, want 403", code)
	}

	// A bad submission keeps what was typed and says why beside the field.
	bad := url.Values{"org_id": {scrItoa(tr.V1.ID)}, "month": {month}, "none_found": {"1"},
		"dispute_category_2": {"divorce"}, "dispute_summary_2": {"<b>夫妻争吵</b>"}}
	code, _, body = e.postForm(t, village, "/screening", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "不能同时勾选") || !strings.Contains(string(body), "&lt;b&gt;夫妻争吵&lt;/b&gt;") {
		t.Errorf("bad submission: status %d; want 422 with the error and the typed summary escaped", code)
	}

	form := url.Values{"org_id": {scrItoa(tr.V1.ID)}, "month": {month}, "note": {"走访40户"},
		"dispute_category_1": {"divorce"}, "dispute_summary_1": {"夫妻因分居长期争吵"}, "dispute_parties_1": {"王某、李某"}}
	code, h, _ := e.postForm(t, village, "/screening", form)
	want := "/screening/" + scrItoa(tr.V1.ID) + "/" + month
	if code != http.StatusSeeOther || h.Get("Location") != want {
		t.Fatalf("POST /screening: %d to %q, want 303 to %s", code, h.Get("Location"), want)
	}
	code, _, body = e.page(t, township, http.MethodGet, want, nil)
	if code != http.StatusOK || !strings.Contains(string(body), "夫妻因分居长期争吵") || !strings.Contains(string(body), "转为案件") {
		t.Fatalf("report page: %d, want the dispute with a 转为案件 button", code)
	}
	if _, _, body = e.page(t, township, http.MethodGet, "/screening?month="+month, nil); strings.Contains(scrMissing(body), tr.V1.Name) {
		t.Errorf("%s still listed as not reported", tr.V1.Name)
	}

	// The dispute becomes a case in one step, and only once.
	reps, err := e.st.ListScreening(context.Background(), auth.System(), tr.V1.ID, month)
	if err != nil || len(reps) != 1 || len(reps[0].Disputes) != 1 {
		t.Fatalf("reports = %+v (%v)", reps, err)
	}
	path := "/screening/disputes/" + scrItoa(reps[0].Disputes[0].ID) + "/case"
	code, h, _ = e.postForm(t, township, path, url.Values{"org_id": {scrItoa(tr.T1.ID)}})
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/") {
		t.Fatalf("convert: %d to %q, want 303 to /cases/{id}", code, h.Get("Location"))
	}
	code, h, _ = e.postForm(t, township, path, url.Values{"org_id": {scrItoa(tr.T1.ID)}})
	if code != http.StatusSeeOther || h.Get("Location") != want {
		t.Errorf("second convert: %d to %q, want back to the report with an error", code, h.Get("Location"))
	}
	list, _, err := e.st.ListCases(context.Background(), auth.System(), store.CaseFilter{Channel: cases.Screening})
	if err != nil || len(list) != 1 {
		t.Errorf("screening cases = %d (%v), want 1", len(list), err)
	}
	// Another district cannot see the report.
	other := e.signIn(t, tr.D2, "scr-other", auth.RoleCadre)
	if code, _, _ := e.page(t, other, http.MethodGet, want, nil); code != http.StatusNotFound {
		t.Errorf("D2 opens T1's village report: %d, want 404", code)
	}
}

// TestScrRestrictedDispute checks that the report page withholds a child
// dispute's details from a township cadre, with no button to convert it,
// and shows them to the village cadre who reported it.
func TestScrRestrictedDispute(t *testing.T) {
	e := newTestEnv(t)
	tr := e.tree
	township := e.signIn(t, tr.T1, "scr-rtownship", auth.RoleCadre)
	village := e.signIn(t, tr.V1, "scr-rvillage", auth.RoleCadre)
	month := store.MonthOf(e.st.Now())
	form := url.Values{"org_id": {scrItoa(tr.V1.ID)}, "month": {month},
		"dispute_category_1": {"child_abuse"}, "dispute_summary_1": {"小明被继父殴打"}, "dispute_parties_1": {"继父张某"}}
	if code, _, _ := e.postForm(t, village, "/screening", form); code != http.StatusSeeOther {
		t.Fatalf("POST /screening: %d", code)
	}
	page := "/screening/" + scrItoa(tr.V1.ID) + "/" + month
	code, _, body := e.page(t, township, http.MethodGet, page, nil)
	if code != http.StatusOK {
		t.Fatalf("township report page: %d", code)
	}
	for _, secret := range []string{"小明", "继父张某"} {
		if strings.Contains(string(body), secret) {
			t.Errorf("township page shows %q", secret)
		}
	}
	if !strings.Contains(string(body), store.DisputeWithheld) || strings.Contains(string(body), "/screening/disputes/") {
		t.Error("township page: want the withheld notice and no 转为案件 form")
	}
	code, _, body = e.page(t, village, http.MethodGet, page, nil)
	if code != http.StatusOK || !strings.Contains(string(body), "小明被继父殴打") || !strings.Contains(string(body), "继父张某") || !strings.Contains(string(body), "/screening/disputes/") {
		t.Errorf("reporter's page: %d, want the details and the 转为案件 form", code)
	}
	// Converting it by hand is refused too, and writes nothing.
	reps, err := e.st.ListScreening(context.Background(), auth.System(), tr.V1.ID, month)
	if err != nil || len(reps) != 1 || len(reps[0].Disputes) != 1 {
		t.Fatalf("reports = %+v (%v)", reps, err)
	}
	path := "/screening/disputes/" + scrItoa(reps[0].Disputes[0].ID) + "/case"
	if code, h, _ := e.postForm(t, township, path, url.Values{"org_id": {scrItoa(tr.T1.ID)}}); code != http.StatusSeeOther || h.Get("Location") != page {
		t.Errorf("township converts: %d to %q, want back to the report", code, h.Get("Location"))
	}
	if list, _, err := e.st.ListCases(context.Background(), auth.System(), store.CaseFilter{}); err != nil || len(list) != 0 {
		t.Errorf("cases = %d (%v), want none", len(list), err)
	}
}

// scrCases registers a few cases at the city: one ordinary with a
// description, one high-risk (restricted).
func scrCases(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	op := storetest.ActorFor(t, e.st, e.tree.City, auth.RoleCadre)
	for _, in := range []cases.Intake{
		{Channel: cases.Hotline, Category: "divorce", Summary: "普通离婚咨询", Description: "详细描述甲：住址某某路88号", OrgID: e.tree.D1.ID,
			Parties: []cases.Party{{Role: cases.Complainant, Name: "赵某某", Phone: "13912345678"}}},
		{Channel: cases.Hotline, Category: "dv", Summary: "高危家暴摘要", Description: "详细描述乙：持刀威胁", OrgID: e.tree.T1.ID,
			RiskAnswers: []string{"weapon"}},
		{Channel: cases.Visit, Category: "wages", Summary: "拖欠工资", Description: "详细描述丙", OrgID: e.tree.D2.ID},
	} {
		if _, _, err := e.st.CreateCase(ctx, op, in); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScrStatsPage(t *testing.T) {
	e := newTestEnv(t)
	scrCases(t, e)
	token := e.signIn(t, e.tree.City, "scr-stats", auth.RoleCadre)
	code, _, body := e.page(t, token, http.MethodGet, "/cases/stats", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /cases/stats: %d", code)
	}
	page := string(body)
	for _, want := range []string{"按类别和承办单位", "婚姻家庭", "劳动和社会保障权益", e.tree.D1.Name, "按月份", "回访满意度", "转介情况",
		`data-chart="{&#34;type&#34;:&#34;bar&#34;`, `src="/static/vendor/echarts.min.js"`, `src="/static/charts.js"`} {
		if !strings.Contains(page, want) {
			t.Errorf("stats page lacks %q", want)
		}
	}
	if strings.Contains(page, "高危家暴摘要") {
		t.Error("stats page shows a restricted summary")
	}
	// The total row: 3 cases.
	if !strings.Contains(page, `<th class="num">3</th>`) {
		t.Error("stats page has no total of 3")
	}
	if code, _, body := e.page(t, token, http.MethodGet, "/cases/stats?from=2024-05&to=2024-03", nil); code != http.StatusBadRequest || !strings.Contains(string(body), "截止月份不能早于起始月份") {
		t.Errorf("reversed range: %d, want 400 with the reason", code)
	}
	for _, path := range []string{"/static/charts.js", "/static/vendor/echarts.min.js"} {
		if code, _, body := e.page(t, token, http.MethodGet, path, nil); code != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %d", path, code)
		}
	}
}

func TestScrCaseExport(t *testing.T) {
	e := newTestEnv(t)
	scrCases(t, e)
	token := e.signIn(t, e.tree.City, "scr-export", auth.RoleCadre)
	code, h, body := e.page(t, token, http.MethodGet, "/cases/export.xlsx", nil)
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, body)
	}
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, rfc5987("维权案件-")) {
		t.Errorf("Content-Disposition %q, want 维权案件-YYYYMMDD.xlsx", cd)
	}
	book, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows("维权案件")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("export has %d rows, want header + 3", len(rows))
	}
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, "|") + "\n")
	}
	text := all.String()
	for _, secret := range []string{"详细描述", "赵某某", "13912345678", "912345678", "5678", "高危家暴摘要", "持刀", "高风险"} {
		if strings.Contains(text, secret) {
			t.Errorf("export contains %q", secret)
		}
	}
	for _, want := range []string{"普通离婚咨询", "受限案件", "婚姻家庭 / 离婚", e.tree.D2.Name, "12338热线"} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	// Filters: the D2 subtree only.
	_, _, body = e.page(t, token, http.MethodGet, "/cases/export.xlsx?org_id="+scrItoa(e.tree.D2.ID), nil)
	if b, err := excelize.OpenReader(bytes.NewReader(body)); err != nil {
		t.Error(err)
	} else if r, _ := b.GetRows("维权案件"); len(r) != 2 {
		t.Errorf("D2 export has %d rows, want header + 1", len(r))
	}
	if code, _, _ := e.page(t, token, http.MethodGet, "/cases/export.xlsx?from=2024-13-01", nil); code != http.StatusBadRequest {
		t.Errorf("bad date: %d, want 400", code)
	}
	entries, _, err := e.st.ListAudit(context.Background(), auth.System(), audit.Filter{Action: audit.Export, Entity: "case"})
	if err != nil || len(entries) != 2 {
		t.Errorf("export audit entries = %d (%v), want 2", len(entries), err)
	}
	// Without cases:export, no file.
	viewer := e.signIn(t, e.tree.City, "scr-export-viewer", auth.RoleViewer)
	if code, _, _ := e.page(t, viewer, http.MethodGet, "/cases/export.xlsx", nil); code != http.StatusForbidden {
		t.Errorf("viewer export: %d, want 403", code)
	}
}

// TestScrBrowserStatsCharts checks in a real browser that the statistics
// page draws its charts with the vendored ECharts under the CSP.
func TestScrBrowserStatsCharts(t *testing.T) {
	ctx := brStart(t, 60*time.Second)
	e := newTestEnv(t)
	scrCases(t, e)
	u := storetest.NewUser(t, e.st, e.tree.City, "scr_browser", auth.RoleCadre)
	const password = "Chart-Lane-2024!"
	if err := e.st.ChangePassword(context.Background(), auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID}, storetest.TestPassword, password); err != nil {
		t.Fatal(err)
	}
	brDo(t, ctx, "sign in",
		chromedp.Navigate(e.http.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), u.Username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	brSubmit(t, ctx, "form button[type=submit]")
	// Two months: the category bars and the month trend (no follow-up
	// calls yet, so no satisfaction pie).
	this := store.MonthOf(e.st.Now())
	start, _ := store.ParseMonth(this)
	prev := store.MonthOf(start.Add(-time.Hour))
	brDo(t, ctx, "open the statistics page",
		chromedp.Navigate(e.http.URL+"/cases/stats?from="+prev+"&to="+this),
		chromedp.WaitVisible(chromedp.CSS(".chart canvas")),
	)
	n := brGet(t, ctx, "count the charts", chromedp.Evaluate[int]("document.querySelectorAll('.chart canvas').length"))
	if n != 2 {
		t.Errorf("%d charts drawn, want 2", n)
	}
	brShot(t, ctx, t.TempDir(), "case-stats.png")
	brDo(t, ctx, "open the screening page", chromedp.Navigate(e.http.URL+"/screening"), chromedp.WaitVisible(chromedp.CSS("#missing")))
	brShot(t, ctx, t.TempDir(), "screening.png")
}

func scrItoa(id int64) string { return strconv.FormatInt(id, 10) }
