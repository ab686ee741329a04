package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"jinguo/internal/auth"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// cbTab is one user's tab in a browser context of its own: its own cookies,
// so the users of the flow never share a session.
type cbTab struct {
	ctx     context.Context
	mu      sync.Mutex
	dialogs []string // the messages of the confirm dialogs it accepted
}

// cbNewTab opens a tab in a fresh browser context of the browser root
// drives. It logs what the page wrote to the console when the test ends and
// accepts every confirm dialog, noting its message.
func cbNewTab(t *testing.T, root context.Context, who string) *cbTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a browser context for %s: %v", who, err)
	}
	tab := &cbTab{ctx: ctx}
	var (
		mu       sync.Mutex
		messages []string
		done     = make(chan struct{}, 2)
	)
	lctx, lcancel := context.WithCancel(ctx)
	msgs := chromedp.Console(lctx)
	go func() {
		defer func() { done <- struct{}{} }()
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Source == "network" {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				messages = append(messages, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	dialogs := chromedp.Events(lctx, page.JavascriptDialogOpening)
	go func() {
		defer func() { done <- struct{}{} }()
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.dialogs = append(tab.dialogs, ev.Message)
			tab.mu.Unlock()
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}()
	t.Cleanup(func() {
		lcancel()
		<-done
		<-done
		mu.Lock()
		for _, m := range messages {
			t.Logf("browser console (%s): %s", who, m)
		}
		mu.Unlock()
		cancel()
	})
	return tab
}

func (tab *cbTab) dialogMessages() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.dialogs...)
}

// cbSignIn signs username in on the tab.
func cbSignIn(t *testing.T, tab *cbTab, base, username, password string) {
	t.Helper()
	brDo(t, tab.ctx, "open the sign-in page as "+username,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	if path, status := brSubmit(t, tab.ctx, "form button[type=submit]"); path != "/" || status != http.StatusOK {
		t.Fatalf("sign-in of %s landed on %s with %d, want / with 200", username, path, status)
	}
}

// cbFocused describes the focused element: its id, or its tag with name
// and value.
func cbFocused(t *testing.T, ctx context.Context) string {
	t.Helper()
	return brGet(t, ctx, "read the focused element", chromedp.Evaluate[string](`(() => {
		const e = document.activeElement;
		if (!e) return "";
		if (e.id) return "#" + e.id;
		return e.tagName.toLowerCase() + (e.name ? "[name=" + e.name + "]" : "") + (e.value ? "[value=" + e.value + "]" : "") +
			(e.tagName === "BUTTON" ? "(" + e.textContent.trim() + ")" : "");
	})()`))
}

// cbMatches reports whether the focused element matches the CSS selector.
func cbMatches(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return brGet(t, ctx, "match the focused element", chromedp.Evaluate[bool](
		`!!document.activeElement && document.activeElement.matches(`+strconv.Quote(sel)+`)`))
}

// cbTab presses Tab once and fails unless focus lands on sel.
func cbTabOnce(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	brDo(t, ctx, "press Tab towards "+sel, chromedp.KeyEvent(kb.Tab))
	if !cbMatches(t, ctx, sel) {
		t.Fatalf("Tab: focus on %s, want %s (tab order)", cbFocused(t, ctx), sel)
	}
}

// cbTabTo presses Tab until focus lands on sel, at most max times, and
// returns the elements it passed.
func cbTabTo(t *testing.T, ctx context.Context, sel string, max int) []string {
	t.Helper()
	var passed []string
	for range max {
		brDo(t, ctx, "press Tab towards "+sel, chromedp.KeyEvent(kb.Tab))
		if cbMatches(t, ctx, sel) {
			return passed
		}
		passed = append(passed, cbFocused(t, ctx))
	}
	t.Fatalf("%d Tabs did not reach %s; passed %q", max, sel, passed)
	return nil
}

// cbType types text into the focused element.
func cbType(t *testing.T, ctx context.Context, what, text string) {
	t.Helper()
	brDo(t, ctx, "type "+what, chromedp.KeyEvent(text))
}

// cbChooseByArrow moves a focused select down with the arrow key and checks
// it now holds want; where the browser does not move a closed select with
// the arrow, it sets the value (the one exception the brief allows).
func cbChooseByArrow(t *testing.T, ctx context.Context, sel, want string, downs int) {
	t.Helper()
	for range downs {
		brDo(t, ctx, "press ArrowDown on "+sel, chromedp.KeyEvent(kb.ArrowDown))
	}
	got := brGet(t, ctx, "read "+sel, chromedp.Value(chromedp.CSS(sel)))
	if got == want {
		return
	}
	t.Logf("ArrowDown left %s at %q (want %q): setting the value instead", sel, got, want)
	brDo(t, ctx, "choose "+sel, chromedp.SetValue(chromedp.CSS(sel), want))
	if got := brGet(t, ctx, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != want {
		t.Fatalf("%s = %q after choosing %q: the option is missing", sel, got, want)
	}
	// SetValue does not fire change; keep the focus where the keyboard left it.
	brDo(t, ctx, "keep the focus on "+sel, chromedp.Focus(chromedp.CSS(sel)))
}

// cbPage is what the flow reads off a case page.
type cbPage struct {
	State    string   // the text of the state tag
	Tags     []string // every tag in the page head
	Flash    string
	Timeline []string // the action of each timeline line, oldest first
	HTML     string
}

func cbRead(t *testing.T, ctx context.Context, what string) cbPage {
	t.Helper()
	brDo(t, ctx, "wait for the case page ("+what+")", chromedp.WaitVisible(chromedp.CSS(".page-head h1")))
	v := brGet(t, ctx, "read the case page ("+what+")", chromedp.Evaluate[map[string]any](`(() => ({
		tags: [...document.querySelectorAll(".page-head .actions .tag")].map(e => e.textContent.trim()),
		flash: [...document.querySelectorAll(".flash")].map(e => e.textContent.trim()).join(" | "),
		timeline: [...document.querySelectorAll("#timeline li > strong")].map(e => e.textContent.trim()),
		html: document.documentElement.outerHTML,
	}))()`))
	var p cbPage
	for _, x := range v["tags"].([]any) {
		p.Tags = append(p.Tags, x.(string))
	}
	if len(p.Tags) > 0 {
		p.State = p.Tags[0]
	}
	p.Flash, _ = v["flash"].(string)
	for _, x := range v["timeline"].([]any) {
		p.Timeline = append(p.Timeline, x.(string))
	}
	p.HTML, _ = v["html"].(string)
	return p
}

// wantState fails unless the state tag reads want.
func (p cbPage) wantState(t *testing.T, step, want string) {
	t.Helper()
	if p.State != want {
		t.Errorf("%s: state tag %q (tags %q), want %q", step, p.State, p.Tags, want)
	}
}

func (p cbPage) hasTag(tag string) bool {
	for _, x := range p.Tags {
		if x == tag {
			return true
		}
	}
	return false
}

// cbAct clicks the submit button of a case page form posting to action
// and returns where the browser landed.
func cbAct(t *testing.T, tab *cbTab, id int64, action string) (string, int) {
	t.Helper()
	return brSubmit(t, tab.ctx, `form[action="`+caseLink(id)+action+`"] button[type=submit]`)
}

// TestBrowserCaseFlow drives a real Chromium through the hotline scenario:
// the city operator registers a high-risk call with the keyboard only; the
// district leader opens the restricted case on purpose, accepts it and
// assigns it to the township; the township cadre takes and closes it; the
// operator records the follow-up call and archives it. Each user has a
// browser context of their own.
func TestBrowserCaseFlow(t *testing.T) {
	root := brStart(t, 90*time.Second)
	start := time.Now()

	st := storetest.Open(t, store.SQLite, storetest.Options{})
	tree := storetest.BuildTree(t, st)
	const password = "Flow-Renewed-2024!"
	for _, u := range []auth.User{
		storetest.NewUser(t, st, tree.City, "hotline", auth.RoleCadre),
		storetest.NewUser(t, st, tree.D1, "d1_lead", auth.RoleOrgAdmin),
		storetest.NewUser(t, st, tree.T1, "t1_cadre", auth.RoleCadre),
	} {
		if err := st.ChangePassword(context.Background(), auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID}, storetest.TestPassword, password); err != nil {
			t.Fatalf("change password of %s: %v", u.Username, err)
		}
	}
	srv, err := New(st, Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	base := hs.URL
	shots := t.TempDir()

	const (
		summary     = "丈夫酒后扬言杀人，求助人已躲到娘家"
		description = "来电人称丈夫昨晚酒后持刀威胁，说要杀了她和孩子。标记CBX描述"
		contactName = "王女士标记CBX"
		phone       = "13700001234"
		result      = "已协助报警并申请人身安全保护令，求助人暂住娘家，安全。"
	)
	d1 := strconv.FormatInt(tree.D1.ID, 10)
	t1 := strconv.FormatInt(tree.T1.ID, 10)

	// 1. The operator takes the call: keyboard only.
	op := cbNewTab(t, root, "hotline")
	cbSignIn(t, op, base, "hotline", password)
	brDo(t, op.ctx, "open the intake form",
		chromedp.Navigate(base+"/cases/new"),
		chromedp.WaitVisible(chromedp.CSS("form#case-form")),
	)
	if !cbMatches(t, op.ctx, "#channel") {
		// A headless page may not hold the focus that autofocus gives;
		// put it where autofocus would.
		t.Logf("intake form: focus on %q after loading, want #channel (autofocus); focusing it", cbFocused(t, op.ctx))
		brDo(t, op.ctx, "focus the first field", chromedp.Focus(chromedp.CSS("#channel")))
	}
	if got := brGet(t, op.ctx, "read #channel", chromedp.Value(chromedp.CSS("#channel"))); got != "hotline" {
		t.Errorf("#channel = %q, want the default hotline (12338)", got)
	}
	intakeStart := time.Now()
	cbTabOnce(t, op.ctx, "#category")
	cbChooseByArrow(t, op.ctx, "#category", "dv", 1) // the first option under 婚姻家庭
	cbTabOnce(t, op.ctx, "#summary")
	cbType(t, op.ctx, "the summary", summary)
	cbTabOnce(t, op.ctx, "#description")
	cbType(t, op.ctx, "the description", description)
	cbTabOnce(t, op.ctx, "#org_id")
	cbChooseByArrow(t, op.ctx, "#org_id", d1, 1) // from the operator's own org down to its first district
	passed := cbTabTo(t, op.ctx, "#contact_name", 3)
	cbType(t, op.ctx, "the caller's name", contactName)
	cbTabOnce(t, op.ctx, "#phone")
	cbType(t, op.ctx, "the caller's phone", phone)
	const threat = `input[name=risk_answers][value=threat_to_kill]`
	passed = append(passed, cbTabTo(t, op.ctx, threat, 12)...)
	brDo(t, op.ctx, "tick the red flag with Space", chromedp.KeyEvent(" "))
	if !brGet(t, op.ctx, "read the red flag", chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(threat)+`).checked`)) {
		t.Fatalf("Space on the focused risk item did not tick it")
	}
	const submit = `#case-form button[type=submit]`
	passed = append(passed, cbTabTo(t, op.ctx, submit, 40)...)
	t.Logf("intake form: Tab passed %q on the way", passed)
	for sel, want := range map[string]string{"#category": "dv", "#org_id": d1, "#summary": summary, "#description": description, "#contact_name": contactName, "#phone": phone} {
		if got := brGet(t, op.ctx, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != want {
			t.Errorf("before submitting %s = %q, want %q", sel, got, want)
		}
	}
	sctx, scancel := context.WithTimeout(op.ctx, brStepTimeout)
	resp, err := chromedp.RunResponse(sctx, chromedp.KeyEvent(kb.Enter))
	scancel()
	if err != nil {
		t.Fatalf("submit the intake form with Enter: %v", err)
	}
	path := brPath(t, op.ctx)
	m := regexp.MustCompile(`^/cases/([0-9]+)$`).FindStringSubmatch(path)
	if m == nil || resp.Status != http.StatusOK {
		t.Fatalf("intake landed on %s with %d, want a case page /cases/{id} with 200", path, resp.Status)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	p := cbRead(t, op.ctx, "after intake")
	intake := time.Since(intakeStart)
	t.Logf("keyboard intake: %s from the first keystroke to the case page", intake.Round(time.Millisecond))
	brShot(t, op.ctx, shots, "case-1-intake.png")
	if !strings.Contains(p.Flash, "高风险") {
		t.Errorf("after intake: flash %q, want it to mention 高风险", p.Flash)
	}
	p.wantState(t, "after intake", "已登记")
	if !p.hasTag("紧急") || !p.hasTag("受限") {
		t.Errorf("after intake: tags %q, want 紧急 and 受限", p.Tags)
	}
	if !strings.Contains(p.HTML, "标记CBX描述") || !strings.Contains(p.HTML, contactName) {
		t.Errorf("after intake: the operator's case page lacks the description or the caller's name")
	}
	if strings.Contains(p.HTML, phone) {
		t.Errorf("after intake: the case page shows the caller's phone %s unmasked", phone)
	}

	// 2. The district leader: the stub, the deliberate opening, accept, assign.
	lead := cbNewTab(t, root, "d1_lead")
	cbSignIn(t, lead, base, "d1_lead", password)
	brDo(t, lead.ctx, "open the case as d1_lead", chromedp.Navigate(base+caseLink(id)))
	p = cbRead(t, lead.ctx, "d1_lead's stub")
	brShot(t, lead.ctx, shots, "case-2-stub.png")
	if strings.Contains(p.HTML, "标记CBX") || strings.Contains(p.HTML, summary) {
		t.Errorf("d1_lead's stub shows the description, the summary or the caller's name before opening")
	}
	if !strings.Contains(p.HTML, `action="`+caseLink(id)+`/open"`) {
		t.Fatalf("d1_lead's stub has no form to open the case on purpose")
	}
	p.wantState(t, "d1_lead's stub", "已登记")
	if path, status := cbAct(t, lead, id, "/open"); path != caseLink(id)+"/open" || status != http.StatusOK {
		t.Fatalf("opening on purpose landed on %s with %d, want %s/open with 200", path, status, caseLink(id))
	}
	p = cbRead(t, lead.ctx, "d1_lead opened")
	brShot(t, lead.ctx, shots, "case-3-opened.png")
	desc := brGet(t, lead.ctx, "read the description", chromedp.Text(chromedp.CSS("#description")))
	if !strings.Contains(desc, "标记CBX描述") {
		t.Errorf("after opening: #description = %q, want the description", desc)
	}
	if !strings.Contains(p.Flash, "审计") {
		t.Errorf("after opening: flash %q, want the notice that the opening is audited", p.Flash)
	}
	if path, _ := cbAct(t, lead, id, "/actions/accept"); path != caseLink(id) {
		t.Fatalf("accept landed on %s", path)
	}
	p = cbRead(t, lead.ctx, "accepted")
	p.wantState(t, "accepted", "已受理")
	if !strings.Contains(p.HTML, "标记CBX") {
		t.Errorf("after accepting: the opening no longer holds (it should for the idle timeout)")
	}
	brDo(t, lead.ctx, "choose the township", chromedp.SetValue(chromedp.CSS("#assign-org"), t1))
	if path, _ := cbAct(t, lead, id, "/actions/assign"); path != caseLink(id) {
		t.Fatalf("assign landed on %s", path)
	}
	p = cbRead(t, lead.ctx, "assigned")
	p.wantState(t, "assigned", "已分派")
	brShot(t, lead.ctx, shots, "case-4-assigned.png")

	// 3. The township cadre takes it and closes it.
	cadre := cbNewTab(t, root, "t1_cadre")
	cbSignIn(t, cadre, base, "t1_cadre", password)
	brDo(t, cadre.ctx, "open the case as t1_cadre", chromedp.Navigate(base+caseLink(id)))
	p = cbRead(t, cadre.ctx, "t1_cadre before taking")
	if strings.Contains(p.HTML, "标记CBX") {
		t.Errorf("t1_cadre sees the details before taking the case")
	}
	if path, _ := cbAct(t, cadre, id, "/actions/take"); path != caseLink(id) {
		t.Fatalf("take landed on %s", path)
	}
	p = cbRead(t, cadre.ctx, "taken")
	p.wantState(t, "taken", "办理中")
	if !strings.Contains(p.HTML, "标记CBX描述") {
		t.Errorf("the handler does not see the description after taking the case")
	}
	brShot(t, cadre.ctx, shots, "case-5-taken.png")
	brDo(t, cadre.ctx, "write the result", chromedp.SendKeys(chromedp.CSS("#close-result"), result))
	if path, _ := cbAct(t, cadre, id, "/actions/close"); path != caseLink(id) {
		t.Fatalf("close landed on %s", path)
	}
	p = cbRead(t, cadre.ctx, "closed")
	p.wantState(t, "closed", "已办结")

	// 4. The operator: the follow-up call, then the archive.
	brDo(t, op.ctx, "reopen the case as the operator", chromedp.Navigate(base+caseLink(id)))
	brDo(t, op.ctx, "answer 满意", chromedp.Click(chromedp.CSS(`input[name=satisfaction][value=satisfied]`)))
	if path, _ := cbAct(t, op, id, "/actions/follow_up"); path != caseLink(id) {
		t.Fatalf("follow-up landed on %s", path)
	}
	p = cbRead(t, op.ctx, "followed up")
	p.wantState(t, "followed up", "已回访")
	if !strings.Contains(p.HTML, "满意") {
		t.Errorf("after the follow-up: the page does not show the satisfaction")
	}
	if path, _ := cbAct(t, op, id, "/actions/archive"); path != caseLink(id) {
		t.Fatalf("archive landed on %s", path)
	}
	p = cbRead(t, op.ctx, "archived")
	p.wantState(t, "archived", "已归档")
	if d := op.dialogMessages(); len(d) != 1 || !strings.Contains(d[0], "归档") {
		t.Errorf("archive: confirm dialogs %q, want one asking about 归档", d)
	}
	brShot(t, op.ctx, shots, "case-6-archived.png")

	want := []string{"登记", "启动安全计划", "查阅受限案件", "受理", "分派", "接办", "办结", "回访", "归档"}
	if strings.Join(p.Timeline, ",") != strings.Join(want, ",") {
		t.Errorf("timeline %q, want %q", p.Timeline, want)
	}
	if strings.Contains(p.HTML, phone) {
		t.Errorf("the archived case page shows the phone %s unmasked", phone)
	}
	if os.Getenv("JINGUO_SCREENSHOTS") == "" {
		t.Logf("screenshots in %s (set JINGUO_SCREENSHOTS to keep them)", shots)
	}
	t.Logf("browser case flow took %s", time.Since(start).Round(time.Millisecond))
}
