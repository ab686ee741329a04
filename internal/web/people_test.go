package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/people"
	"jinguo/internal/store"
)

// testIDNumber returns a valid ID number with the given first 17 digits
// and the same with a wrong check character.
func testIDNumber(first17 string) (valid, wrong string) {
	c := people.CheckDigit(first17)
	const chars = "0123456789X"
	w := chars[(strings.IndexByte(chars, c)+1)%len(chars)]
	return first17 + string(c), first17 + string(w)
}

type apiErrorBody struct {
	Error struct {
		Code       string            `json:"code"`
		Message    string            `json:"message"`
		Fields     map[string]string `json:"fields"`
		ExistingID int64             `json:"existing_id"`
	} `json:"error"`
}

func TestPeopleAPI(t *testing.T) {
	ts := newTestEnv(t)
	cadre := ts.signIn(t, ts.tree.T1, "qingbo_cadre", auth.RoleCadre)
	other := ts.signIn(t, ts.tree.T2, "mishixiang_cadre", auth.RoleCadre)
	valid, wrong := testIDNumber("330102" + "19850308" + "004")
	body := map[string]any{"name": "王秀英", "id_number": wrong, "phone": "13800138000", "org_id": ts.tree.V1.ID, "ethnicity": "01", "tags": []string{"dibao"}}

	var bad apiErrorBody
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", cadre, body, &bad); code != http.StatusUnprocessableEntity {
		t.Fatalf("create with a wrong check digit: status %d, want 422", code)
	}
	if !strings.Contains(bad.Error.Fields["id_number"], "校验位") {
		t.Errorf("fields.id_number = %q, want the check-digit message", bad.Error.Fields["id_number"])
	}

	body["id_number"] = valid
	var p personJSON
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", cadre, body, &p); code != http.StatusCreated {
		t.Fatalf("create: status %d, want 201", code)
	}
	mask := people.MaskIDNumber(valid)
	if p.IDNumber != mask || p.Phone != "138****8000" || p.Sex != people.Female || p.BirthDate != "1985-03-08" || p.OrgID != ts.tree.V1.ID {
		t.Errorf("created person = %+v, want masked %s, phone 138****8000, F, 1985-03-08 at org %d", p, mask, ts.tree.V1.ID)
	}
	if len(p.Tags) != 1 || p.Tags[0] != "dibao" || p.HasAddress {
		t.Errorf("created person tags %v has_address %v, want [dibao] false", p.Tags, p.HasAddress)
	}

	var list struct {
		Items      []personJSON `json:"items"`
		NextCursor *string      `json:"next_cursor"`
	}
	if code := ts.apiInto(t, http.MethodGet, "/api/v1/people?q="+url.QueryEscape(valid), cadre, nil, &list); code != http.StatusOK {
		t.Fatalf("list: status %d", code)
	}
	if len(list.Items) != 1 || list.Items[0].ID != p.ID || list.Items[0].IDNumber != mask || list.NextCursor != nil {
		t.Fatalf("list by full ID number = %+v, want just her, masked", list)
	}
	if code := ts.apiInto(t, http.MethodGet, "/api/v1/people?age_min=abc", cadre, nil, &bad); code != http.StatusBadRequest || bad.Error.Fields["age_min"] == "" {
		t.Errorf("list with age_min=abc: status %d fields %v, want 400 naming age_min", code, bad.Error.Fields)
	}

	var dup apiErrorBody
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", cadre, body, &dup); code != http.StatusConflict {
		t.Fatalf("duplicate: status %d, want 409", code)
	}
	if dup.Error.Code != "duplicate_id_number" || dup.Error.ExistingID != p.ID {
		t.Errorf("duplicate error = %+v, want duplicate_id_number with existing_id %d", dup.Error, p.ID)
	}
	// From another district the duplicate is refused without naming the record.
	body["org_id"] = ts.tree.V3.ID
	dup = apiErrorBody{}
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", other, body, &dup); code != http.StatusConflict || dup.Error.ExistingID != 0 {
		t.Errorf("duplicate from another district: status %d existing_id %d, want 409 without existing_id", code, dup.Error.ExistingID)
	}

	// Another district's cadre sees nothing of her.
	path := "/api/v1/people/" + strconv.FormatInt(p.ID, 10)
	if code := ts.apiInto(t, http.MethodGet, path, other, nil, nil); code != http.StatusNotFound {
		t.Errorf("GET from another district: status %d, want 404", code)
	}
	if code := ts.apiInto(t, http.MethodPost, path+"/reveal", other, nil, nil); code != http.StatusNotFound {
		t.Errorf("reveal from another district: status %d, want 404", code)
	}
	if code, _, _ := ts.page(t, other, http.MethodGet, "/people/"+strconv.FormatInt(p.ID, 10), nil); code != http.StatusNotFound {
		t.Errorf("detail page from another district: status %d, want 404", code)
	}

	// Reveal gives plaintext and leaves an audit entry.
	var rev store.Revealed
	if code := ts.apiInto(t, http.MethodPost, path+"/reveal", cadre, map[string]string{"reason": "入户走访核对"}, &rev); code != http.StatusOK {
		t.Fatalf("reveal: status %d", code)
	}
	if rev.IDNumber != valid || rev.Phone != "13800138000" {
		t.Errorf("reveal = %+v, want %s and 13800138000", rev, valid)
	}
	if code := ts.apiInto(t, http.MethodPost, path+"/reveal", cadre, nil, &rev); code != http.StatusOK {
		t.Errorf("reveal without a body: status %d, want 200", code)
	}
	entries, _, err := ts.st.ListAudit(context.Background(), auth.System(), audit.Filter{Action: audit.Reveal, Entity: "person", EntityID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Username != "qingbo_cadre" {
		t.Errorf("reveal audit entries = %+v, want 2 by qingbo_cadre", entries)
	}

	// PATCH: absent fields keep their values, an empty phone clears it.
	var patched personJSON
	if code := ts.apiInto(t, http.MethodPatch, path, cadre, map[string]any{"note": "已走访", "phone": ""}, &patched); code != http.StatusOK {
		t.Fatalf("patch: status %d", code)
	}
	if patched.Note != "已走访" || patched.Phone != "" || patched.IDNumber != mask || patched.Name != "王秀英" || len(patched.Tags) != 1 {
		t.Errorf("patched = %+v, want note set, phone cleared, the rest kept", patched)
	}
}

func TestPeopleFamiliesAPI(t *testing.T) {
	ts := newTestEnv(t)
	cadre := ts.signIn(t, ts.tree.T1, "qingbo_cadre", auth.RoleCadre)
	valid, _ := testIDNumber("330102" + "19800101" + "002")
	var p personJSON
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", cadre, map[string]any{"name": "李红", "id_number": valid, "org_id": ts.tree.V2.ID}, &p); code != http.StatusCreated {
		t.Fatalf("create person: status %d", code)
	}
	var fam familyDetailJSON
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/families", cadre, map[string]any{"name": "李红家庭", "org_id": ts.tree.V2.ID}, &fam); code != http.StatusCreated {
		t.Fatalf("create family: status %d", code)
	}
	members := "/api/v1/families/" + strconv.FormatInt(fam.ID, 10) + "/members/" + strconv.FormatInt(p.ID, 10)
	if code := ts.apiInto(t, http.MethodPut, members, cadre, map[string]string{"relation": "head"}, &fam); code != http.StatusOK {
		t.Fatalf("add member: status %d", code)
	}
	if len(fam.Members) != 1 || fam.Members[0].Name != "李红" || fam.Members[0].Relation != people.Head {
		t.Errorf("members = %+v, want 李红 as head", fam.Members)
	}
	var bad apiErrorBody
	if code := ts.apiInto(t, http.MethodPut, members, cadre, map[string]string{"relation": "cousin"}, &bad); code != http.StatusUnprocessableEntity || bad.Error.Fields["relation"] == "" {
		t.Errorf("bad relation: status %d fields %v, want 422 naming relation", code, bad.Error.Fields)
	}
	if code := ts.apiInto(t, http.MethodDelete, members, cadre, nil, &fam); code != http.StatusOK || len(fam.Members) != 0 {
		t.Errorf("remove member: status %d members %v, want 200 and none", code, fam.Members)
	}
	code, _, html := ts.page(t, cadre, http.MethodGet, "/families/"+strconv.FormatInt(fam.ID, 10)+"?person_q="+url.QueryEscape("李"), nil)
	if code != http.StatusOK || !strings.Contains(string(html), "李红") {
		t.Errorf("family page with a person search: status %d, want 200 listing 李红", code)
	}
}

func TestPeopleFormKeepsInput(t *testing.T) {
	ts := newTestEnv(t)
	cadre := ts.signIn(t, ts.tree.T1, "qingbo_cadre", auth.RoleCadre)
	valid, wrong := testIDNumber("330102" + "19920517" + "002")
	form := url.Values{"name": {"林晓燕"}, "id_number": {wrong}, "phone": {"13912345678"}, "org_id": {strconv.FormatInt(ts.tree.V1.ID, 10)}, "ethnicity": {"01"}, "tags": {"single_parent"}}
	code, _, body := ts.postForm(t, cadre, "/people", form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong check digit: status %d, want 422", code)
	}
	html := string(body)
	for _, want := range []string{"身份证号码校验位不正确", `value="林晓燕"`, `value="13912345678"`, `id="person-form"`, `value="single_parent" checked`} {
		if !strings.Contains(html, want) {
			t.Errorf("re-rendered form lacks %s", want)
		}
	}

	form.Set("id_number", valid)
	code, hdr, _ := ts.postForm(t, cadre, "/people", form)
	loc := hdr.Get("Location")
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/people/") {
		t.Fatalf("register: status %d location %q, want 303 to /people/{id}", code, loc)
	}
	code, _, body = ts.page(t, cadre, http.MethodGet, loc, nil)
	if code != http.StatusOK || !strings.Contains(string(body), people.MaskIDNumber(valid)) || strings.Contains(string(body), valid) {
		t.Errorf("detail: status %d, want 200 with the masked ID number only", code)
	}

	// The duplicate links to the existing record.
	code, _, body = ts.postForm(t, cadre, "/people", form)
	if code != http.StatusConflict || !strings.Contains(string(body), `href="`+loc+`"`) || !strings.Contains(string(body), "查看已登记的档案") {
		t.Errorf("duplicate: status %d, want 409 with a link to %s", code, loc)
	}

	// htmx reveal returns the fragment only.
	req, _ := http.NewRequest(http.MethodPost, ts.http.URL+loc+"/reveal", strings.NewReader(""))
	req.Header.Set("HX-Request", "true")
	res, err := ts.browser(t, cadre).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	frag, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(frag), valid) || strings.Contains(string(frag), "<html") {
		t.Errorf("htmx reveal: status %d body %q, want the plaintext fragment", res.StatusCode, frag)
	}

	// A bad filter is a message, not a server error.
	code, _, body = ts.page(t, cadre, http.MethodGet, "/people?age_min=abc", nil)
	if code >= 500 || !strings.Contains(string(body), "年龄应为") {
		t.Errorf("list with age_min=abc: status %d, want a message beside the field", code)
	}
	code, _, body = ts.page(t, cadre, http.MethodGet, "/people?q="+url.QueryEscape("林"), nil)
	if code != http.StatusOK || !strings.Contains(string(body), "林晓燕") || !strings.Contains(string(body), "共 1 人") {
		t.Errorf("list by name: status %d, want her listed with the count", code)
	}
}

func TestPeopleExport(t *testing.T) {
	ts := newTestEnv(t)
	cadre := ts.signIn(t, ts.tree.T1, "qingbo_cadre", auth.RoleCadre)
	var ids []string
	for i, name := range []string{"赵敏", "钱芳", "孙丽"} {
		valid, _ := testIDNumber("330102" + "1990010" + strconv.Itoa(i+1) + "002")
		ids = append(ids, valid)
		body := map[string]any{"name": name, "id_number": valid, "phone": "1380013800" + strconv.Itoa(i), "org_id": ts.tree.V1.ID, "tags": []string{"dibao"}}
		if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", cadre, body, nil); code != http.StatusCreated {
			t.Fatalf("create %s: status %d", name, code)
		}
	}
	code, hdr, data := ts.page(t, cadre, http.MethodGet, "/people/export.xlsx?tag=dibao", nil)
	if code != http.StatusOK {
		t.Fatalf("export: status %d: %s", code, data)
	}
	if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''%E4%BA%BA%E5%91%98%E6%A1%A3%E6%A1%88-") {
		t.Errorf("Content-Disposition = %q, want the UTF-8 file name 人员档案-…", cd)
	}
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open the export: %v", err)
	}
	defer book.Close()
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "姓名" || rows[0][3] != "身份证号码" {
		t.Fatalf("export rows = %q, want the header and 3 people", rows)
	}
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|") + "\n"
	}
	for _, id := range ids {
		if strings.Contains(all, id) {
			t.Errorf("export contains the plaintext ID number %s", id)
		}
		if !strings.Contains(all, people.MaskIDNumber(id)) {
			t.Errorf("export lacks the masked ID number %s", people.MaskIDNumber(id))
		}
	}
	if !strings.Contains(all, "低保") || !strings.Contains(all, "138****8000") {
		t.Errorf("export lacks tag names or masked phones:\n%s", all)
	}
	entries, _, err := ts.st.ListAudit(context.Background(), auth.System(), audit.Filter{Action: audit.Export, Entity: "person"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.Contains(entries[0].Detail, `"rows":"3"`) || !strings.Contains(entries[0].Detail, `"tag":"dibao"`) {
		t.Errorf("export audit = %+v, want one entry with the filter and 3 rows", entries)
	}

	viewer := ts.signIn(t, ts.tree.T1, "qingbo_viewer", auth.RoleViewer)
	if code, _, _ := ts.page(t, viewer, http.MethodGet, "/people/export.xlsx", nil); code != http.StatusForbidden {
		t.Errorf("export by a viewer: status %d, want 403", code)
	}
}

func TestPeoplePagesEditConsentFamily(t *testing.T) {
	ts := newTestEnv(t)
	cadre := ts.signIn(t, ts.tree.T1, "qingbo_cadre", auth.RoleCadre)
	valid, _ := testIDNumber("330102" + "19880808" + "002")
	var p personJSON
	body := map[string]any{"name": "周玉梅", "id_number": valid, "phone": "13700137000", "address_detail": "清波街道某号", "org_id": ts.tree.V1.ID}
	if code := ts.apiInto(t, http.MethodPost, "/api/v1/people", cadre, body, &p); code != http.StatusCreated {
		t.Fatalf("create: status %d", code)
	}
	detail := "/people/" + strconv.FormatInt(p.ID, 10)

	code, _, html := ts.page(t, cadre, http.MethodGet, detail+"/edit", nil)
	if code != http.StatusOK || !strings.Contains(string(html), `placeholder="`+p.IDNumber+`"`) || !strings.Contains(string(html), "不修改请留空") || strings.Contains(string(html), valid) {
		t.Fatalf("edit page: status %d, want empty sensitive inputs with masked placeholders", code)
	}
	edit := url.Values{"name": {"周玉梅"}, "org_id": {strconv.FormatInt(ts.tree.V2.ID, 10)}, "clear_phone": {"1"}, "note": {"已核实"}}
	if code, hdr, _ := ts.postForm(t, cadre, detail, edit); code != http.StatusSeeOther || hdr.Get("Location") != detail {
		t.Fatalf("save edit: status %d location %q", code, hdr.Get("Location"))
	}
	got, err := ts.st.GetPerson(context.Background(), auth.System(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PhoneMasked != "" || !got.HasAddress || got.IDMasked != p.IDNumber || got.OrgID != ts.tree.V2.ID || got.Note != "已核实" {
		t.Errorf("after edit = %+v, want phone cleared, address and ID kept, moved to V2, note set", got)
	}

	// A consent without a purpose comes back with the message beside the field.
	code, _, html = ts.postForm(t, cadre, detail+"/consents", url.Values{"given_on": {"2024-03-08"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(html), "请填写同意的用途") {
		t.Errorf("consent without purpose: status %d, want 422 with the message", code)
	}
	if code, _, _ := ts.postForm(t, cadre, detail+"/consents", url.Values{"purpose": {"申请困难帮扶"}, "given_on": {"2024-03-08"}}); code != http.StatusSeeOther {
		t.Errorf("consent: status %d, want 303", code)
	}

	// A plain (no-JS) reveal renders the whole page with the plaintext.
	code, _, html = ts.postForm(t, cadre, detail+"/reveal", url.Values{"reason": {"核对"}})
	if code != http.StatusOK || !strings.Contains(string(html), valid) || !strings.Contains(string(html), "申请困难帮扶") || !strings.Contains(string(html), "<html") {
		t.Errorf("plain reveal: status %d, want the detail page with the plaintext", code)
	}
	code, _, html = ts.page(t, cadre, http.MethodGet, detail, nil)
	if code != http.StatusOK || strings.Contains(string(html), valid) || !strings.Contains(string(html), "查看明文会记入审计日志") {
		t.Errorf("detail after reveal: status %d, want masked again with the audit note", code)
	}

	// Families: create, add her, list, remove.
	code, hdr, _ := ts.postForm(t, cadre, "/families", url.Values{"name": {""}, "org_id": {strconv.FormatInt(ts.tree.V2.ID, 10)}})
	if code != http.StatusUnprocessableEntity {
		t.Errorf("family without a name: status %d, want 422", code)
	}
	code, hdr, _ = ts.postForm(t, cadre, "/families", url.Values{"name": {"周玉梅家庭"}, "org_id": {strconv.FormatInt(ts.tree.V2.ID, 10)}})
	fam := hdr.Get("Location")
	if code != http.StatusSeeOther || !strings.HasPrefix(fam, "/families/") {
		t.Fatalf("create family: status %d location %q", code, fam)
	}
	if code, _, _ := ts.postForm(t, cadre, fam+"/members", url.Values{"person_id": {strconv.FormatInt(p.ID, 10)}, "relation": {"head"}}); code != http.StatusSeeOther {
		t.Fatalf("add member: status %d", code)
	}
	code, _, html = ts.page(t, cadre, http.MethodGet, fam, nil)
	if code != http.StatusOK || !strings.Contains(string(html), "周玉梅") || !strings.Contains(string(html), "户主") || !strings.Contains(string(html), "data-confirm") {
		t.Errorf("family page: status %d, want her as 户主 with a remove button", code)
	}
	code, _, html = ts.page(t, cadre, http.MethodGet, "/families?q="+url.QueryEscape("周"), nil)
	if code != http.StatusOK || !strings.Contains(string(html), "周玉梅家庭") {
		t.Errorf("family list: status %d, want the family", code)
	}
	code, _, html = ts.page(t, cadre, http.MethodGet, detail, nil)
	if code != http.StatusOK || !strings.Contains(string(html), `href="`+fam+`"`) {
		t.Errorf("person page: status %d, want a link to her family", code)
	}
	memberDel := fam + "/members/" + strconv.FormatInt(p.ID, 10) + "/delete"
	if code, _, _ := ts.postForm(t, cadre, memberDel, url.Values{}); code != http.StatusSeeOther {
		t.Errorf("remove member: status %d, want 303", code)
	}
	for _, path := range []string{"/people/abc", "/families/0", "/families/new", "/people/new", fam + "/edit"} {
		code, _, _ := ts.page(t, cadre, http.MethodGet, path, nil)
		want := http.StatusOK
		if path == "/people/abc" || path == "/families/0" {
			want = http.StatusNotFound
		}
		if code != want {
			t.Errorf("GET %s: status %d, want %d", path, code, want)
		}
	}
}

func TestPeopleRowsHTMLEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>&'`
	got := string(peopleRowsHTML([]personListRow{{ID: 7, Name: evil, SexLabel: evil, IDMasked: evil, PhoneMasked: evil, OrgName: evil, Age: 30, TagLabels: []string{evil}}}))
	if strings.Contains(got, "<script>") || strings.Contains(got, `"x"`) {
		t.Fatalf("rows carry unescaped markup: %s", got)
	}
	if n := strings.Count(got, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#39;"); n != 6 {
		t.Errorf("escaped value appears %d times, want 6 (every text cell and the tag): %s", n, got)
	}
	if !strings.Contains(got, `<a href="/people/7">`) {
		t.Errorf("row lacks the link to the person: %s", got)
	}
}
