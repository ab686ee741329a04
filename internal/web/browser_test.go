package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"jinguo/internal/auth"
	"jinguo/internal/people"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// brChromium returns the browser the browser tests drive: the one named by
// JINGUO_TEST_CHROMIUM, else Debian's /usr/bin/chromium. It skips the test
// when neither is there.
func brChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("JINGUO_TEST_CHROMIUM"); p != "" {
		full, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("JINGUO_TEST_CHROMIUM=%q is not an executable: %v", p, err)
		}
		return full
	}
	const debian = "/usr/bin/chromium"
	if _, err := exec.LookPath(debian); err != nil {
		t.Skipf("no Chromium: %s not found and JINGUO_TEST_CHROMIUM not set (apt-get install chromium fonts-noto-cjk)", debian)
	}
	return debian
}

// brStart starts a headless Chromium with a fresh profile; every step
// of the test must finish within timeout. The browser stops when the test
// ends, and what the pages wrote to the console is logged then.
func brStart(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	exe := brChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// The first Run starts the browser and binds it to bctx.
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		cancel()
		t.Fatalf("start %s: %v", exe, err)
	}
	// Collect console errors and uncaught exceptions (CSP violations,
	// broken scripts) to log at the end.
	var (
		mu       sync.Mutex
		messages []string
		done     = make(chan struct{})
	)
	lctx, lcancel := context.WithCancel(bctx)
	msgs := chromedp.Console(lctx)
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			// Network entries only repeat the status of responses (the
			// 422 of a refused form is expected).
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
	t.Cleanup(func() {
		lcancel()
		<-done
		mu.Lock()
		for _, m := range messages {
			t.Logf("browser console: %s", m)
		}
		mu.Unlock()
		bcancel()
		acancel()
		cancel()
	})
	return bctx
}

// brShot saves a full-page PNG of the current page as name in the test's
// temporary directory and, when JINGUO_SCREENSHOTS names a directory, there
// too.
func brShot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := brGet(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("JINGUO_SCREENSHOTS"); out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", filepath.Join(out, name))
	}
}

// brSubmit clicks the submit button sel and waits for the page the
// browser lands on; it returns that page's path and HTTP status.
func brSubmit(t *testing.T, ctx context.Context, sel string) (string, int) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, brStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	return brPath(t, ctx), int(resp.Status)
}

func brPath(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc := brGet(t, ctx, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// brStepTimeout bounds one step, so that a missing element fails the test
// with its name instead of waiting for the overall deadline.
const brStepTimeout = 15 * time.Second

// brDo runs steps and fails the test with what it was doing.
func brDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	brGet(t, ctx, what, chromedp.Steps(steps...))
}

// brGet runs one action and returns its value, failing the test with what it
// was doing.
func brGet[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, brStepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// brIDNumbers builds a valid 18-character ID number and the same number
// with a wrong check character.
func brIDNumbers(first17 string) (valid, wrong string) {
	c := people.CheckDigit(first17)
	const chars = "0123456789X"
	w := chars[(strings.IndexByte(chars, c)+1)%len(chars)]
	return first17 + string(c), first17 + string(w)
}

// brFillWrongID opens the registration form, fills it with a wrong check
// character and submits it; it checks that the form comes back with the
// Chinese message next to the ID number and the typed values kept.
func brFillWrongID(t *testing.T, ctx context.Context, base, name, wrongID, phone, orgID string) {
	t.Helper()
	brDo(t, ctx, "open the registration form",
		chromedp.Navigate(base+"/people/new"),
		chromedp.WaitVisible(chromedp.CSS("form#person-form")),
	)
	brDo(t, ctx, "fill the form",
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#id_number"), wrongID),
		chromedp.SendKeys(chromedp.CSS("#phone"), phone),
		chromedp.SetValue(chromedp.CSS("#org_id"), orgID),
	)
	if got := brGet(t, ctx, "read #org_id", chromedp.Value(chromedp.CSS("#org_id"))); got != orgID {
		t.Fatalf("#org_id = %q after choosing %q: the option is missing", got, orgID)
	}
	path, status := brSubmit(t, ctx, "#person-form button[type=submit]")
	if path != "/people" || status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong check digit: landed on %s with %d, want the form re-rendered at /people with 422", path, status)
	}
	brDo(t, ctx, "find the re-rendered form", chromedp.WaitVisible(chromedp.CSS("form#person-form")))
	msg := brGet(t, ctx, "read the ID number's error",
		chromedp.Text(chromedp.CSS(".field.has-error:has(#id_number) .field-error")))
	if !strings.Contains(msg, "校验位") {
		t.Errorf("error next to #id_number = %q, want the check-digit message (校验位)", msg)
	}
	for sel, want := range map[string]string{"#name": name, "#phone": phone, "#id_number": wrongID, "#org_id": orgID} {
		if got := brGet(t, ctx, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != want {
			t.Errorf("after the failed submit %s = %q, want the typed %q kept", sel, got, want)
		}
	}
}

// brPageWidth reports the page's scroll width and its viewport width: on a
// phone the page must not scroll sideways.
func brPageWidth(t *testing.T, ctx context.Context) (scroll, client int) {
	t.Helper()
	w := brGet(t, ctx, "measure the page", chromedp.Evaluate[[]int](
		`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	return w[0], w[1]
}

// TestBrowserRegisterWoman drives a real Chromium through sign-in and the
// registration of a woman: a wrong check digit is refused next to the field
// with what was typed kept, the corrected form creates the record, and the
// list shows the ID number masked and never in plaintext.
func TestBrowserRegisterWoman(t *testing.T) {
	ctx := brStart(t, 60*time.Second)
	start := time.Now()

	st := storetest.Open(t, store.SQLite, storetest.Options{})
	tree := storetest.BuildTree(t, st)
	u := storetest.NewUser(t, st, tree.T1, "qingbo_cadre", auth.RoleCadre)
	const password = "Street-Lane-2024!"
	if err := st.ChangePassword(context.Background(), auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID}, storetest.TestPassword, password); err != nil {
		t.Fatalf("change password: %v", err)
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
		name  = "林晓燕"
		phone = "13912345678"
	)
	// Born 1992-05-17 in 上城区 (330102); an even 17th digit: a woman.
	validID, wrongID := brIDNumbers("330102" + "19920517" + "002")
	wantMask := validID[:6] + strings.Repeat("*", 8) + validID[14:]
	orgID := strconv.FormatInt(tree.V1.ID, 10)

	// Sign in.
	brDo(t, ctx, "open the sign-in page",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), u.Username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	if path, status := brSubmit(t, ctx, "form button[type=submit]"); path != "/" || status != http.StatusOK {
		t.Fatalf("sign-in landed on %s with %d, want the home page / with 200", path, status)
	}

	// A wrong check digit comes back with the error next to the field.
	brFillWrongID(t, ctx, base, name, wrongID, phone, orgID)
	brShot(t, ctx, shots, "register-error.png")

	// Correct the ID number and register.
	brDo(t, ctx, "clear the ID number", chromedp.Clear(chromedp.CSS("#id_number")))
	if got := brGet(t, ctx, "read #id_number", chromedp.Value(chromedp.CSS("#id_number"))); got != "" {
		t.Fatalf("#id_number = %q after clearing", got)
	}
	brDo(t, ctx, "type the right ID number", chromedp.SendKeys(chromedp.CSS("#id_number"), validID))
	path, status := brSubmit(t, ctx, "#person-form button[type=submit]")
	if !regexp.MustCompile(`^/people/[0-9]+$`).MatchString(path) || status != http.StatusOK {
		t.Fatalf("registration landed on %s with %d, want a person's page /people/{id} with 200", path, status)
	}
	detail := brGet(t, ctx, "read the person's page", chromedp.OuterHTML(chromedp.CSS("html")))
	if !strings.Contains(detail, name) || !strings.Contains(detail, wantMask) {
		t.Errorf("person's page lacks the name or the masked ID number %s", wantMask)
	}
	if strings.Contains(detail, validID) {
		t.Errorf("person's page shows the full ID number")
	}

	// The list finds her by name and shows the ID number masked only.
	brDo(t, ctx, "search the list",
		chromedp.Navigate(base+"/people?"+url.Values{"q": {name}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
	)
	rows := brGet(t, ctx, "read the list", chromedp.Evaluate[[][]string](`
		[...document.querySelectorAll("table.list tbody tr")].map(tr =>
			[...tr.cells].map(td => (td.classList.contains("masked") ? "masked:" : "") + td.textContent.trim()))`))
	if len(rows) != 1 || len(rows[0]) == 0 || rows[0][0] != name {
		t.Fatalf("search %s: rows %q, want one row for her", name, rows)
	}
	found := false
	for _, cell := range rows[0] {
		if cell == "masked:"+wantMask {
			found = true
		}
	}
	if !found {
		t.Errorf("her row %q has no masked cell with %s", rows[0], wantMask)
	}
	list := brGet(t, ctx, "read the list page", chromedp.OuterHTML(chromedp.CSS("html")))
	if strings.Contains(list, validID) {
		t.Errorf("list page contains the full ID number %s", validID)
	}
	brShot(t, ctx, shots, "people-list.png")

	// The same on a phone: single column, nothing wider than the screen.
	brDo(t, ctx, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	brFillWrongID(t, ctx, base, name, wrongID, phone, orgID)
	if scroll, client := brPageWidth(t, ctx); scroll > client {
		t.Errorf("phone: the registration form is %d px wide on a %d px screen (scrolls sideways)", scroll, client)
	}
	small := brGet(t, ctx, "measure the form's controls", chromedp.Evaluate[[]string](`
		[...document.querySelectorAll("#person-form :is(input:not([type=checkbox]):not([type=hidden]), select, textarea, button)")]
			.filter(e => e.getBoundingClientRect().height < 44)
			.map(e => (e.id || e.textContent.trim()) + " " + Math.round(e.getBoundingClientRect().height) + "px")`))
	if len(small) > 0 {
		t.Errorf("phone: controls lower than the 44 px touch target: %q", small)
	}
	brShot(t, ctx, shots, "register-error-phone.png")
	brDo(t, ctx, "open the list on a phone",
		chromedp.Navigate(base+"/people?"+url.Values{"q": {name}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
	)
	if scroll, client := brPageWidth(t, ctx); scroll > client {
		t.Errorf("phone: the list page is %d px wide on a %d px screen (scrolls sideways)", scroll, client)
	}
	brShot(t, ctx, shots, "people-list-phone.png")

	t.Logf("browser steps took %s", time.Since(start).Round(time.Millisecond))
}
