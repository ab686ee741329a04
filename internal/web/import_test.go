package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/auth"
	"jinguo/internal/jobs"
	"jinguo/internal/people"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// importEnv is a server with a signed-in cadre of T1.
type importEnv struct {
	*testEnv
	token string
	actor auth.Actor
}

func newImportEnv(t *testing.T, cfg Config) *importEnv {
	t.Helper()
	e := newTestEnv(t, withConfig(cfg))
	token, u := e.signInStore(t, e.tree.T1, "importcadre", auth.RoleCadre)
	a := storetest.ActorFor(t, e.st, e.tree.T1, auth.RoleCadre)
	a.UserID, a.Username = u.ID, u.Username
	return &importEnv{testEnv: e, token: token, actor: a}
}

// do sends a browser-like request: session cookie, same-origin POSTs, no
// redirects followed.
func (e *importEnv) do(t *testing.T, method, path, contentType string, body io.Reader, header map[string]string) pageResp {
	t.Helper()
	return e.send(t, e.browser(t, e.token), method, path, contentType, body, header)
}

// upload posts a spreadsheet to /people/import with the default org.
func (e *importEnv) upload(t *testing.T, name string, data []byte, orgID int64) pageResp {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("org_id", fmt.Sprint(orgID)); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return e.do(t, http.MethodPost, "/people/import", mw.FormDataContentType(), &buf, nil)
}

func (e *importEnv) count(t *testing.T) int {
	t.Helper()
	n, err := e.st.CountPeople(context.Background(), e.actor, store.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func importID(first17 string) string { return first17 + string(people.CheckDigit(first17)) }

// importBook writes a roster: header plus rows, all cells as text.
func importBook(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]string{{"姓名", "身份证号码", "手机号码", "民族", "所属组织", "标签"}}, rows...)
	for i, r := range all {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantContains(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: missing %q", what, p)
		}
	}
}

func TestImportUploadCheckStartRun(t *testing.T) {
	e := newImportEnv(t, Config{})
	data := importBook(t,
		[]string{"王秀芳", importID("33010219880512002"), "13800138000", "汉族", "清波门社区妇联", "低保、单亲"}, // 2
		[]string{"李红", "330102198805120021x", "", "", "", ""},                                   // 3: bad ID
		[]string{"张兰", importID("33010219900101004"), "", "01", "", ""},                         // 4
		[]string{"赵敏", importID("33010219900101026"), "", "火星族", "", ""},                        // 5: unknown ethnicity
		[]string{"钱芳", importID("33010219900101042"), "", "", "330102001002", "dibao"},          // 6
	)

	r := e.upload(t, "清波街道妇女名册.xlsx", data, e.tree.T1.ID)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/people/import/jobs/") {
		t.Fatalf("upload: status %d, location %q, body %.300s", r.status, r.location, r.body)
	}
	jobURL := r.location
	if n := e.count(t); n != 0 {
		t.Fatalf("the check wrote %d people, want 0", n)
	}

	r = e.do(t, http.MethodGet, jobURL, "", nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("report page: status %d", r.status)
	}
	wantContains(t, "report page", r.body,
		"共5行：可导入3行，有问题2行",
		"<td>3</td><td>身份证号码</td><td>身份证号码应为18位</td>",
		"<td>5</td><td>民族</td>",
		"导入3条有效数据", "全部不导入", "data-confirm=", "/problems.xlsx")

	r = e.do(t, http.MethodGet, jobURL+"/problems.xlsx", "", nil, nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
		t.Errorf("problems download: status %d", r.status)
	}

	r = e.do(t, http.MethodPost, jobURL+"/start", "", nil, nil)
	if r.status != http.StatusSeeOther || r.location != jobURL {
		t.Fatalf("start: status %d, location %q", r.status, r.location)
	}
	r = e.do(t, http.MethodGet, jobURL, "", nil, nil)
	wantContains(t, "queued page", r.body, `<progress max="3" value="0">`, `hx-trigger="every 1s"`, `hx-get="`+jobURL+`/progress"`, `hx-swap="outerHTML"`)
	r = e.do(t, http.MethodGet, jobURL+"/progress", "", nil, map[string]string{"HX-Request": "true"})
	if r.status != http.StatusOK || strings.Contains(r.body, "<html") || !strings.Contains(r.body, `class="progress"`) {
		t.Errorf("progress fragment: status %d, body %.300s", r.status, r.body)
	}
	if again := e.do(t, http.MethodPost, jobURL+"/start", "", nil, nil); again.status != http.StatusSeeOther {
		t.Errorf("second start: status %d", again.status)
	}

	if did, err := jobs.NewRunner(e.st, nil).RunOnce(context.Background()); err != nil || !did {
		t.Fatalf("runner: did %v, err %v", did, err)
	}
	if n := e.count(t); n != 3 {
		t.Errorf("people after import: got %d, want 3", n)
	}
	r = e.do(t, http.MethodGet, jobURL+"/progress", "", nil, map[string]string{"HX-Request": "true"})
	wantContains(t, "done fragment", r.body, "导入完成：成功导入3人", `href="/people"`)
	if strings.Contains(r.body, "hx-trigger") {
		t.Error("done fragment keeps polling")
	}
	// The people landed where the rows said.
	list, _, err := e.st.ListPeople(context.Background(), e.actor, store.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	orgOf := map[string]int64{}
	for _, p := range list {
		orgOf[p.Name] = p.OrgID
	}
	if orgOf["王秀芳"] != e.tree.V1.ID || orgOf["张兰"] != e.tree.T1.ID || orgOf["钱芳"] != e.tree.V2.ID {
		t.Errorf("orgs of imported people: got %v", orgOf)
	}

	// The same file again: the check already knows who is registered.
	r = e.upload(t, "again.xlsx", data, e.tree.T1.ID)
	r = e.do(t, http.MethodGet, r.location, "", nil, nil)
	wantContains(t, "re-upload report", r.body, "共5行：可导入0行，有问题5行", "该身份证号码已登记")
	if strings.Contains(r.body, "条有效数据") {
		t.Error("re-upload offers to import rows that are all registered")
	}

	// The index lists the user's imports.
	r = e.do(t, http.MethodGet, "/people/import", "", nil, nil)
	wantContains(t, "index", r.body, "清波街道妇女名册.xlsx", "已完成", `enctype="multipart/form-data"`, `accept=".xlsx"`, "/people/import/template.xlsx")
}

func TestImportCancelWritesNothing(t *testing.T) {
	e := newImportEnv(t, Config{})
	data := importBook(t,
		[]string{"王秀芳", importID("33010219880512002"), "", "", "", ""},
		[]string{"张兰", importID("33010219900101004"), "", "", "", ""},
	)
	r := e.upload(t, "roster.xlsx", data, e.tree.T1.ID)
	if r.status != http.StatusSeeOther {
		t.Fatalf("upload: status %d", r.status)
	}
	jobURL := r.location
	r = e.do(t, http.MethodPost, jobURL+"/cancel", "", nil, nil)
	if r.status != http.StatusSeeOther || r.location != "/people/import" {
		t.Fatalf("cancel: status %d, location %q", r.status, r.location)
	}
	// Starting a cancelled import is refused; the runner finds nothing.
	e.do(t, http.MethodPost, jobURL+"/start", "", nil, nil)
	if did, err := jobs.NewRunner(e.st, nil).RunOnce(context.Background()); did || err != nil {
		t.Errorf("runner after cancel: did %v, err %v", did, err)
	}
	if n := e.count(t); n != 0 {
		t.Errorf("people after cancel: got %d, want 0", n)
	}
	r = e.do(t, http.MethodGet, jobURL, "", nil, nil)
	wantContains(t, "cancelled page", r.body, "已取消")
	var payloads int
	if err := e.st.DB().QueryRow(`SELECT COUNT(*) FROM jobs WHERE payload IS NOT NULL`).Scan(&payloads); err != nil || payloads != 0 {
		t.Errorf("payloads kept after cancel: %d (%v)", payloads, err)
	}
}

func TestImportRefusals(t *testing.T) {
	e := newImportEnv(t, Config{MaxImportBytes: 16 << 10})
	big := bytes.Repeat([]byte("x"), 32<<10)
	r := e.upload(t, "big.xlsx", big, e.tree.T1.ID)
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "文件过大（最大16KB）") {
		t.Errorf("too big: status %d, body %.200s", r.status, r.body)
	}
	r = e.upload(t, "roster.xlsx", []byte("姓名,身份证号码\n"), e.tree.T1.ID)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "文件不是有效的Excel（.xlsx）文件") {
		t.Errorf("not xlsx: status %d, body %.200s", r.status, r.body)
	}
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"名字", "电话"})
	buf, _ := f.WriteToBuffer()
	r = e.upload(t, "roster.xlsx", buf.Bytes(), e.tree.T1.ID)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "缺少必填列：姓名、身份证号码") {
		t.Errorf("no headers: status %d, body %.200s", r.status, r.body)
	}
	// A default org outside the user's scope.
	r = e.upload(t, "roster.xlsx", importBook(t, []string{"王秀芳", importID("33010219880512002")}), e.tree.D2.ID)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "请选择默认所属组织") {
		t.Errorf("org out of scope: status %d, body %.200s", r.status, r.body)
	}
	r = e.do(t, http.MethodGet, "/people/import/template.xlsx", "", nil, nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
		t.Errorf("template: status %d", r.status)
	}
	// Another district's import is not visible.
	other := storetest.ActorFor(t, e.st, e.tree.D2, auth.RoleCadre)
	j, err := e.st.CreateJob(context.Background(), other, jobs.KindPeopleImport, store.JobPending, nil, "{}", 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do(t, http.MethodGet, importJobURL(j.ID), "", nil, nil); r.status != http.StatusNotFound {
		t.Errorf("other district's job: status %d, want 404", r.status)
	}
}
