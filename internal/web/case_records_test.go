package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/store/storetest"
)

// recordsTestServer is a server over a fresh SQLite store with a handler
// and a same-org colleague at the township T1, and a restricted case the
// handler registered.
type recordsTestServer struct {
	*testEnv
	handler, colleague       string // session tokens
	handlerActor, colleagueA auth.Actor
	caseID                   int64
}

func newRecordsTestServer(t *testing.T) *recordsTestServer {
	t.Helper()
	ts := &recordsTestServer{testEnv: newTestEnv(t)}
	st, tree := ts.st, ts.tree
	ctx := context.Background()
	var err error
	ts.handler = ts.signIn(t, tree.T1, "qb_handler", auth.RoleCadre)
	ts.colleague = ts.signIn(t, tree.T1, "qb_colleague", auth.RoleCadre)
	if ts.handlerActor, _, err = st.Authenticate(ctx, ts.handler, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	if ts.colleagueA, _, err = st.Authenticate(ctx, ts.colleague, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	c, _, err := st.CreateCase(ctx, ts.handlerActor, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "前夫多次上门骚扰",
		Description: "求助人称前夫多次上门威胁。", OrgID: tree.T1.ID, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.caseID = c.ID
	return ts
}

// upload posts a file as a browser's multipart form would, with a
// Content-Type header for the part that the server must ignore.
func (ts *recordsTestServer) upload(t *testing.T, token, filename, claimed string, data []byte) (int, http.Header) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, filename))
	h.Set("Content-Type", claimed)
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/cases/%d/attachments", ts.http.URL, ts.caseID), &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header
}

// flashOf reads the flash message a response sets.
func flashOf(h http.Header) *flash {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "jinguo_flash" && c.Value != "" {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(c)
			return readFlash(r)
		}
	}
	return nil
}

var testPNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"), bytes.Repeat([]byte{7, 0, 255}, 1000)...)

func TestAttachmentUploadDownload(t *testing.T) {
	ts := newRecordsTestServer(t)
	ctx := context.Background()
	detail := fmt.Sprintf("/cases/%d", ts.caseID)

	// The client claims a PDF; the bytes are a PNG, and that is what counts.
	code, h := ts.upload(t, ts.handler, "伤情 照片.png", "application/pdf", testPNG)
	if code != http.StatusSeeOther || h.Get("Location") != detail+"#attachments" {
		t.Fatalf("upload: %d to %q, want 303 to %s#attachments", code, h.Get("Location"), detail)
	}
	if f := flashOf(h); f == nil || f.Kind != "ok" {
		t.Errorf("upload flash %+v, want ok", f)
	}
	list, err := ts.st.ListAttachments(ctx, ts.handlerActor, ts.caseID)
	if err != nil || len(list) != 1 {
		t.Fatalf("attachments %v (%v), want one", list, err)
	}
	att := list[0]
	if att.ContentType != "image/png" || att.Filename != "伤情 照片.png" {
		t.Errorf("stored as %q %q, want image/png 伤情 照片.png", att.ContentType, att.Filename)
	}

	path := fmt.Sprintf("%s/attachments/%d", detail, att.ID)
	code, h, body := ts.page(t, ts.handler, http.MethodGet, path, nil)
	if code != http.StatusOK || !bytes.Equal(body, testPNG) {
		t.Fatalf("download: %d, %d bytes, want 200 and the %d uploaded", code, len(body), len(testPNG))
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/png",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
		"Content-Disposition":    `attachment; filename="__ __.png"; filename*=UTF-8''%E4%BC%A4%E6%83%85%20%E7%85%A7%E7%89%87.png`,
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	entries, _, err := ts.st.ListAudit(ctx, auth.System(), audit.Filter{Entity: "attachment", Action: audit.Export})
	if err != nil || len(entries) != 1 || entries[0].EntityID != att.ID || entries[0].Username != "qb_handler" {
		t.Errorf("download audit entries %+v (%v), want one by qb_handler", entries, err)
	}

	// The same-org colleague may not see the restricted case's files.
	if code, _, _ := ts.page(t, ts.colleague, http.MethodGet, path, nil); code != http.StatusNotFound {
		t.Errorf("colleague download: %d, want 404", code)
	}
	if code, _ := ts.upload(t, ts.colleague, "x.png", "image/png", testPNG); code != http.StatusNotFound {
		t.Errorf("colleague upload: %d, want 404", code)
	}
	if code, _, _ := ts.postForm(t, ts.colleague, path+"/delete", url.Values{}); code != http.StatusNotFound {
		t.Errorf("colleague delete: %d, want 404", code)
	}
	if entries, _, _ := ts.st.ListAudit(ctx, auth.System(), audit.Filter{Entity: "attachment", Action: audit.Export}); len(entries) != 1 {
		t.Errorf("%d download audit entries after the refused ones, want 1", len(entries))
	}

	// A program renamed .pdf is refused by its bytes, with a message naming the field.
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0x90}, 2048)...)
	code, h = ts.upload(t, ts.handler, "判决书.pdf", "application/pdf", exe)
	if f := flashOf(h); code != http.StatusSeeOther || f == nil || f.Kind != "error" || !strings.Contains(f.Message, "附件") {
		t.Errorf("exe as pdf: %d flash %+v, want 303 with an error naming 附件", code, f)
	}
	// Over 10 MiB.
	big := make([]byte, cases.MaxAttachmentBytes+1)
	copy(big, testPNG)
	code, h = ts.upload(t, ts.handler, "big.png", "image/png", big)
	if f := flashOf(h); code != http.StatusSeeOther || f == nil || !strings.Contains(f.Message, "10 MB") {
		t.Errorf("11 MiB: %d flash %+v, want 303 with the size limit", code, f)
	}
	if list, _ := ts.st.ListAttachments(ctx, ts.handlerActor, ts.caseID); len(list) != 1 {
		t.Errorf("%d attachments after the refused uploads, want 1", len(list))
	}

	// Delete.
	code, h, _ = ts.postForm(t, ts.handler, path+"/delete", url.Values{})
	if code != http.StatusSeeOther || flashOf(h) == nil {
		t.Errorf("delete: %d, want 303 with a flash", code)
	}
	if code, _, _ := ts.page(t, ts.handler, http.MethodGet, path, nil); code != http.StatusNotFound {
		t.Errorf("deleted attachment: %d, want 404", code)
	}
}

func TestCaseRecordForms(t *testing.T) {
	ts := newRecordsTestServer(t)
	ctx := context.Background()
	base := fmt.Sprintf("/cases/%d", ts.caseID)
	post := func(path string, form url.Values) (int, string, *flash) {
		t.Helper()
		code, h, _ := ts.postForm(t, ts.handler, base+path, form)
		return code, h.Get("Location"), flashOf(h)
	}
	code, loc, f := post("/orders", url.Values{"kind": {"protection_order"}, "issuer": {"上城区人民法院"}, "issued_on": {"2024-03-01"}, "expires_on": {"2024-02-01"}})
	if code != http.StatusSeeOther || loc != base+"#orders" || f == nil || f.Kind != "error" || !strings.Contains(f.Message, "有效期至") {
		t.Errorf("order expiring before issue: %d %s %+v, want 303 to #orders with an error naming 有效期至", code, loc, f)
	}
	code, loc, f = post("/referrals", url.Values{"agency_type": {"police"}, "agency_name": {"清波派出所"}})
	if code != http.StatusSeeOther || loc != base+"#referrals" || f == nil || f.Kind != "ok" {
		t.Fatalf("referral: %d %s %+v", code, loc, f)
	}
	refs, err := ts.st.ListReferrals(ctx, ts.handlerActor, ts.caseID)
	if err != nil || len(refs) != 1 {
		t.Fatalf("referrals %v (%v)", refs, err)
	}
	status := fmt.Sprintf("/referrals/%d/status", refs[0].ID)
	if _, _, f = post(status, url.Values{"status": {"feedback"}}); f == nil || f.Kind != "error" || !strings.Contains(f.Message, "反馈结果") {
		t.Errorf("feedback without outcome: flash %+v, want an error naming 反馈结果", f)
	}
	if _, _, f = post(status, url.Values{"status": {"received"}}); f == nil || f.Kind != "ok" {
		t.Errorf("received: flash %+v", f)
	}
	if _, _, f = post(status, url.Values{"status": {"sent"}}); f == nil || f.Kind != "error" || !strings.Contains(f.Message, "只能向前") {
		t.Errorf("back to sent: flash %+v, want refused", f)
	}
	if _, _, f = post("/mediations", url.Values{"held_on": {localtime.Today(time.Now()).Format("2006-01-02")}, "participants": {"双方当事人"}, "agreed": {"1"}, "agreement": {"互不干扰"}}); f == nil || f.Kind != "ok" {
		t.Errorf("mediation: flash %+v", f)
	}
	// The colleague cannot reach the restricted case's forms.
	if code, _, _ := ts.postForm(t, ts.colleague, base+"/referrals", url.Values{"agency_type": {"police"}}); code != http.StatusNotFound {
		t.Errorf("colleague adds a referral: %d, want 404", code)
	}
}

func TestCaseSectionsRender(t *testing.T) {
	ts := newRecordsTestServer(t)
	ctx := context.Background()
	a := ts.handlerActor
	today := localtime.Today(time.Now())
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	for _, in := range []cases.OrderInput{
		{Kind: cases.ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: day(-30), ExpiresOn: day(3)},
		{Kind: cases.WarningLetter, Issuer: "清波派出所", IssuedOn: day(-60), ExpiresOn: day(-1)},
		{Kind: cases.ProtectionOrder, Issuer: "拱墅区人民法院", IssuedOn: day(-1), ExpiresOn: day(180)},
	} {
		if _, err := ts.st.AddOrder(ctx, a, ts.caseID, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.st.AddReferral(ctx, a, ts.caseID, cases.ReferralInput{AgencyType: "legal_aid", AgencyName: "上城区法律援助中心"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.st.AddMediation(ctx, a, ts.caseID, cases.MediationInput{HeldOn: day(0), Participants: "双方当事人", Agreed: true, Agreement: "男方搬离共同住所<script>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.st.AddAttachment(ctx, a, ts.caseID, "报警回执.png", testPNG); err != nil {
		t.Fatal(err)
	}

	render := func(actor auth.Actor) string {
		t.Helper()
		rec, err := ts.st.GetCase(ctx, actor, ts.caseID, false)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/cases/1", nil)
		r = r.WithContext(context.WithValue(r.Context(), actorKey, actor))
		d, err := ts.srv.loadCaseSections(r, rec)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := ts.srv.tmpl.pages["home"].ExecuteTemplate(&buf, "caseSections", d); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	html := render(a)
	for _, want := range []string{
		`id="referrals"`, `id="orders"`, `id="mediations"`, `id="attachments"`,
		"上城区法律援助中心", "法律援助中心", `<span class="tag tag-orange">3天后到期</span>`, `<span class="tag tag-red">已过期</span>`,
		`<span class="tag tag-green">有效</span>`, "男方搬离共同住所&lt;script&gt;", "报警回执.png",
		fmt.Sprintf(`action="/cases/%d/attachments" enctype="multipart/form-data"`, ts.caseID),
		fmt.Sprintf(`action="/cases/%d/orders"`, ts.caseID),
	} {
		if !strings.Contains(html, want) {
			t.Errorf("handler's sections lack %q", want)
		}
	}
	for _, bad := range []string{"<script", "style="} {
		if strings.Contains(html, bad) {
			t.Errorf("sections contain %q, which the CSP forbids", bad)
		}
	}
	hidden := render(ts.colleagueA)
	for _, secret := range []string{"上城区法律援助中心", "男方搬离", "报警回执", "<form", "人民法院"} {
		if strings.Contains(hidden, secret) {
			t.Errorf("a colleague's view of the restricted case shows %q", secret)
		}
	}
	if !strings.Contains(hidden, "受限案件") {
		t.Error("a colleague's view does not say the records are restricted")
	}

	// A read-only viewer sees the lists but no forms.
	viewer := storetest.ActorFor(t, ts.st, ts.tree.T1, auth.RoleViewer)
	viewer.UserID = ts.handlerActor.UserID // the handler, demoted
	if ro := render(viewer); strings.Contains(ro, "<form") || !strings.Contains(ro, "报警回执.png") {
		t.Error("a viewer without cases:handle gets forms, or no lists")
	}

	// And on the case detail page itself.
	code, _, body := ts.page(t, ts.handler, http.MethodGet, fmt.Sprintf("/cases/%d", ts.caseID), nil)
	if code != http.StatusOK || !strings.Contains(string(body), `id="attachments"`) || !strings.Contains(string(body), "报警回执.png") {
		t.Errorf("case detail page: %d, sections shown %v", code, strings.Contains(string(body), `id="attachments"`))
	}
}
