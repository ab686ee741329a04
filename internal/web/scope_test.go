package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store/storetest"
)

// The scope matrix: every signed-in role × every record × every route that
// fetches one record by id, and every list, search and export, checked
// against the scope computed from the tree itself. A record outside the
// actor's subtree must be a 404 indistinguishable from a missing one, and
// must never show up — by name, masked ID or phone, or org name — in a list.

const smPassword = "Scope-Matrix-2024!"

// smOrg is one of the named orgs of the storetest tree.
type smOrg struct {
	label string
	org   orgs.Org
}

// smPerson is the person registered at an org, with what lists may show
// of her (masked) and what they must never show (plaintext).
type smPerson struct {
	label                         string
	org                           orgs.Org
	id                            int64
	name, idNumber, phone         string
	idMasked, phoneMasked, masked string // masked ID, phone, name
}

type smFamily struct {
	label string
	org   orgs.Org
	id    int64
	name  string
}

type smUser struct {
	label    string
	org      orgs.Org
	id       int64
	username string
}

// smActor is a signed-in user: an API token and a browser with a session
// cookie from the sign-in form.
type smActor struct {
	label   string
	org     orgs.Org
	role    auth.Role
	user    smUser
	token   string
	browser *http.Client
}

type smEnv struct {
	*testEnv
	parent   map[int64]int64
	orgs     []smOrg
	people   []smPerson
	families []smFamily
	users    []smUser
	actors   []*smActor
}

// inScope reports whether org lies in the subtree of root (root included),
// walking the tree's parent links: no ids or paths compared as strings.
func (e *smEnv) inScope(root, org int64) bool {
	for id := org; id != 0; id = e.parent[id] {
		if id == root {
			return true
		}
	}
	return false
}

func smRole(t *testing.T, code string) auth.Role {
	t.Helper()
	for _, r := range auth.BuiltInRoles() {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("no built-in role %q", code)
	return auth.Role{}
}

// smResp is one HTTP answer.
type smResp struct {
	status int
	header http.Header
	body   []byte
}

// api sends an API request with the actor's bearer token.
func (e *smEnv) api(t *testing.T, a *smActor, method, path string, body any) smResp {
	t.Helper()
	token := ""
	if a != nil {
		token = a.token
	}
	code, _, raw := e.apiJSON(t, method, path, token, body)
	return smResp{status: code, body: raw}
}

// page sends a UI request from the actor's browser; a form makes it a
// same-origin POST.
func (e *smEnv) page(t *testing.T, c *http.Client, method, path string, form url.Values) smResp {
	t.Helper()
	code, header, body := e.testEnv.fetch(t, c, method, path, form)
	return smResp{status: code, header: header, body: body}
}

// smSetup builds the tree, one person, one family and one cadre account at
// each named org, and signs in the actors of the matrix.
func smSetup(t *testing.T) *smEnv {
	t.Helper()
	ctx := context.Background()
	e := &smEnv{testEnv: newTestEnv(t), parent: map[int64]int64{}}
	st, tree := e.st, e.tree
	for _, o := range tree.All {
		e.parent[o.ID] = o.ParentID
	}
	e.orgs = []smOrg{
		{"City", tree.City}, {"D1", tree.D1}, {"D2", tree.D2}, {"T1", tree.T1}, {"T2", tree.T2},
		{"V1", tree.V1}, {"V2", tree.V2}, {"V3", tree.V3}, {"Prefix13", tree.Prefix13},
	}
	if tree.Prefix3.ID != 3 || tree.D2.ID != 3 || tree.Prefix13.ID != 13 || tree.Prefix13.ParentID != tree.T1.ID {
		t.Fatalf("tree ids: D2 %d, Prefix13 %d under %d", tree.D2.ID, tree.Prefix13.ID, tree.Prefix13.ParentID)
	}
	names := []string{"甄市英", "卞上兰", "宓拱梅", "郜清芳", "酆米霞", "禚门玲", "逯劳娟", "郗巷红", "訾七萍"}
	usernames := []string{"cadre_city", "cadre_d1", "cadre_d2", "cadre_t1", "cadre_t2", "cadre_v1", "cadre_v2", "cadre_v3", "cadre_p13"}
	for i, o := range e.orgs {
		first17 := fmt.Sprintf("330102198%d0%d1%d%d%d2", i%10, 1+i%9, i%3, 1+i%9, i)
		idNumber := first17 + string(people.CheckDigit(first17))
		phone := fmt.Sprintf("1390571%04d", 2001+i*37)
		p, err := st.CreatePerson(ctx, auth.System(), people.Input{OrgID: o.org.ID, Name: names[i], IDNumber: idNumber, Phone: phone, Ethnicity: "01"})
		if err != nil {
			t.Fatalf("person at %s: %v", o.label, err)
		}
		e.people = append(e.people, smPerson{label: o.label, org: o.org, id: p.ID, name: p.Name, idNumber: idNumber, phone: phone,
			idMasked: people.MaskIDNumber(idNumber), phoneMasked: people.MaskPhone(phone), masked: people.MaskName(p.Name)})
		if p.IDMasked != people.MaskIDNumber(idNumber) || p.PhoneMasked != people.MaskPhone(phone) {
			t.Fatalf("person at %s masked as %q %q", o.label, p.IDMasked, p.PhoneMasked)
		}
		fam, err := st.CreateFamily(ctx, auth.System(), people.FamilyInput{OrgID: o.org.ID, Name: names[i] + "之家"})
		if err != nil {
			t.Fatalf("family at %s: %v", o.label, err)
		}
		if _, err := st.SetFamilyMember(ctx, auth.System(), fam.ID, p.ID, people.Head); err != nil {
			t.Fatalf("family member at %s: %v", o.label, err)
		}
		e.families = append(e.families, smFamily{label: o.label, org: o.org, id: fam.ID, name: fam.Name})
		u := storetest.NewUser(t, st, o.org, usernames[i], auth.RoleCadre)
		e.users = append(e.users, smUser{label: o.label, org: o.org, id: u.ID, username: u.Username})
	}
	// Distinct masked values, so a masked value on a page names one record.
	seen := map[string]string{}
	for _, p := range e.people {
		for _, v := range []string{p.idMasked, p.phoneMasked, p.masked} {
			if prev, dup := seen[v]; dup {
				t.Fatalf("masked value %q shared by %s and %s", v, prev, p.label)
			}
			seen[v] = p.label
		}
	}
	admin := storetest.NewUser(t, st, tree.D2, "admin_d2", auth.RoleOrgAdmin)
	viewer := storetest.NewUser(t, st, tree.T1, "viewer_t1", auth.RoleViewer)
	e.users = append(e.users, smUser{label: "D2-admin", org: tree.D2, id: admin.ID, username: admin.Username},
		smUser{label: "T1-viewer", org: tree.T1, id: viewer.ID, username: viewer.Username})

	byName := func(username string) smUser {
		for _, u := range e.users {
			if u.username == username {
				return u
			}
		}
		t.Fatalf("no user %s", username)
		return smUser{}
	}
	for _, a := range []struct {
		label, username, role string
		org                   orgs.Org
	}{
		{"V1-cadre", "cadre_v1", auth.RoleCadre, tree.V1},
		{"T1-cadre", "cadre_t1", auth.RoleCadre, tree.T1},
		{"D1-cadre", "cadre_d1", auth.RoleCadre, tree.D1},
		{"D2-cadre", "cadre_d2", auth.RoleCadre, tree.D2},
		{"City-cadre", "cadre_city", auth.RoleCadre, tree.City},
		{"D2-org_admin", "admin_d2", auth.RoleOrgAdmin, tree.D2},
		{"T1-viewer", "viewer_t1", auth.RoleViewer, tree.T1},
	} {
		e.actors = append(e.actors, e.signIn(t, a.label, byName(a.username), a.org, smRole(t, a.role)))
	}
	return e
}

// signIn logs u in through the API, makes the first-login password change,
// then signs in through the form for a browser session.
func (e *smEnv) signIn(t *testing.T, label string, u smUser, org orgs.Org, role auth.Role) *smActor {
	t.Helper()
	a := &smActor{label: label, org: org, role: role, user: u}
	r := e.api(t, nil, "POST", "/api/v1/auth/login", map[string]string{"username": u.username, "password": storetest.TestPassword})
	var login struct {
		Token string `json:"token"`
		Must  bool   `json:"must_change_password"`
	}
	if err := json.Unmarshal(r.body, &login); r.status != 200 || err != nil || login.Token == "" || !login.Must {
		t.Fatalf("API login %s: %d %s", u.username, r.status, r.body)
	}
	a.token = login.Token
	if r := e.api(t, a, "POST", "/api/v1/auth/password", map[string]string{"old_password": storetest.TestPassword, "new_password": smPassword}); r.status != 200 {
		t.Fatalf("password change %s: %d %s", u.username, r.status, r.body)
	}
	a.browser = e.browser(t, "")
	r = e.page(t, a.browser, "POST", "/login", url.Values{"username": {u.username}, "password": {smPassword}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") == "/account/password" {
		t.Fatalf("form login %s: %d → %q", u.username, r.status, r.header.Get("Location"))
	}
	if r := e.page(t, a.browser, "GET", "/", nil); r.status != 200 {
		t.Fatalf("home of %s after form login: %d", u.username, r.status)
	}
	return a
}

// smRoute is a route that fetches one record by id.
type smRoute struct {
	name   string // "GET /api/v1/people/{id}"
	api    bool
	method string
	path   string // with %d for the id
	perm   auth.Permission
	form   url.Values // UI POST body
	body   any        // API body
	noName bool       // it answers with the plaintext ID number, not the name
}

// smRecord is one record the routes of a kind are tried on.
type smRecord struct {
	label  string
	org    int64
	id     int64
	name   string // must show on a 200 page, never on a refusal
	secret string // a person's plaintext ID number: only a reveal shows it
}

// expect is the status the actor must get: 403 without the permission,
// else 200 in scope and 404 outside it.
func (e *smEnv) expect(a *smActor, perm auth.Permission, org int64) int {
	switch {
	case !a.role.Has(perm):
		return http.StatusForbidden
	case org != 0 && e.inScope(a.org.ID, org):
		return http.StatusOK
	}
	return http.StatusNotFound
}

func (e *smEnv) fetch(t *testing.T, a *smActor, rt smRoute, id int64) smResp {
	t.Helper()
	path := fmt.Sprintf(rt.path, id)
	if rt.api {
		return e.api(t, a, rt.method, path, rt.body)
	}
	return e.page(t, a.browser, rt.method, path, rt.form)
}

// missingID is an id no record has.
const smMissingID = 987654

func TestScopeMatrix(t *testing.T) {
	e := smSetup(t)
	reveal := url.Values{"reason": {"范围测试"}}
	kinds := []struct {
		records []smRecord
		routes  []smRoute
	}{
		{records: e.personRecords(), routes: []smRoute{
			{name: "GET /people/{id}", method: "GET", path: "/people/%d", perm: auth.PeopleRead},
			{name: "GET /people/{id}/edit", method: "GET", path: "/people/%d/edit", perm: auth.PeopleWrite},
			{name: "POST /people/{id}/reveal", method: "POST", path: "/people/%d/reveal", perm: auth.PeopleReveal, form: reveal},
			{name: "GET /api/v1/people/{id}", api: true, method: "GET", path: "/api/v1/people/%d", perm: auth.PeopleRead},
			{name: "POST /api/v1/people/{id}/reveal", api: true, method: "POST", path: "/api/v1/people/%d/reveal", perm: auth.PeopleReveal, body: map[string]string{"reason": "范围测试"}, noName: true},
			{name: "PATCH /api/v1/people/{id}", api: true, method: "PATCH", path: "/api/v1/people/%d", perm: auth.PeopleWrite, body: map[string]any{}},
		}},
		{records: e.familyRecords(), routes: []smRoute{
			{name: "GET /families/{id}", method: "GET", path: "/families/%d", perm: auth.PeopleRead},
			{name: "GET /families/{id}/edit", method: "GET", path: "/families/%d/edit", perm: auth.PeopleWrite},
			{name: "GET /api/v1/families/{id}", api: true, method: "GET", path: "/api/v1/families/%d", perm: auth.PeopleRead},
		}},
		{records: e.orgRecords(), routes: []smRoute{
			{name: "GET /orgs/{id}", method: "GET", path: "/orgs/%d", perm: auth.OrgsRead},
			{name: "GET /orgs/{id}/edit", method: "GET", path: "/orgs/%d/edit", perm: auth.OrgsWrite},
			{name: "GET /api/v1/orgs/{id}", api: true, method: "GET", path: "/api/v1/orgs/%d", perm: auth.OrgsRead},
		}},
		{records: e.userRecords(), routes: []smRoute{
			{name: "GET /users/{id}", method: "GET", path: "/users/%d", perm: auth.UsersRead},
			{name: "GET /api/v1/users/{id}", api: true, method: "GET", path: "/api/v1/users/%d", perm: auth.UsersRead},
		}},
	}
	cases := 0
	for _, a := range e.actors {
		t.Run(a.label, func(t *testing.T) {
			for _, k := range kinds {
				for _, rt := range k.routes {
					// The answer for an id that does not exist: an
					// out-of-scope id must be answered the same way.
					missing := e.fetch(t, a, rt, smMissingID)
					cases++
					t.Run(rt.name+"/at-missing", func(t *testing.T) {
						if want := e.expect(a, rt.perm, 0); missing.status != want {
							t.Errorf("status %d, want %d", missing.status, want)
						}
					})
					for _, rec := range k.records {
						cases++
						t.Run(rt.name+"/at-"+rec.label, func(t *testing.T) {
							r := e.fetch(t, a, rt, rec.id)
							marker := rec.name
							if rt.noName {
								marker = rec.secret // a reveal answers with the plaintext only
							}
							want := e.expect(a, rt.perm, rec.org)
							if r.status != want {
								what := "in scope"
								if !e.inScope(a.org.ID, rec.org) {
									what = "OUT OF SCOPE"
								}
								t.Errorf("%s record %d (%s, org %d): status %d, want %d; body: %.300s", what, rec.id, rec.label, rec.org, r.status, want, r.body)
							}
							// A 403 is about the permission, not the record, and
							// its page may name the actor's own org and account.
							switch {
							case r.status == http.StatusOK:
								if !bytes.Contains(r.body, []byte(marker)) {
									t.Errorf("200 answer lacks the record's %q", marker)
								}
							case r.status != http.StatusForbidden && bytes.Contains(r.body, []byte(marker)):
								t.Errorf("LEAK: %d answer shows the record's %q", r.status, marker)
							}
							if r.status != http.StatusOK && rec.secret != "" && bytes.Contains(r.body, []byte(rec.secret)) {
								t.Errorf("LEAK: %d answer shows the plaintext ID number", r.status)
							}
							if want == http.StatusNotFound && !bytes.Equal(r.body, missing.body) {
								t.Errorf("out-of-scope answer differs from a missing record's:\n got %s\nmissing %s", r.body, missing.body)
							}
						})
					}
				}
			}
			cases += e.checkLists(t, a)
		})
	}

	// The prefix case spelled out: D2 is org 3, and org 13 sits in D1.
	t.Run("cross-branch", func(t *testing.T) {
		d2, t1 := e.actor(t, "D2-cadre"), e.actor(t, "T1-cadre")
		p13, pD1 := e.person(t, "Prefix13"), e.person(t, "D1")
		for _, p := range []smPerson{p13, pD1} {
			if r := e.api(t, d2, "GET", fmt.Sprintf("/api/v1/people/%d", p.id), nil); r.status != http.StatusNotFound {
				t.Errorf("D2-cadre GET person at %s: %d, want 404", p.label, r.status)
			}
			if r := e.page(t, d2.browser, "GET", fmt.Sprintf("/people/%d", p.id), nil); r.status != http.StatusNotFound {
				t.Errorf("D2-cadre GET /people/{id} at %s: %d, want 404", p.label, r.status)
			}
		}
		if r := e.api(t, d2, "GET", fmt.Sprintf("/api/v1/orgs/%d", e.tree.Prefix13.ID), nil); r.status != http.StatusNotFound {
			t.Errorf("D2-cadre GET org 13: %d, want 404", r.status)
		}
		forbidden := []string{p13.name, p13.idMasked, p13.phoneMasked, pD1.name, pD1.idMasked, pD1.phoneMasked,
			e.tree.Prefix13.Name, e.tree.D1.Name, e.tree.T1.Name, e.tree.City.Name}
		for _, path := range []string{"/api/v1/people?limit=1000", "/api/v1/families?limit=1000", "/api/v1/orgs?limit=1000",
			"/api/v1/people?q=" + url.QueryEscape(p13.idNumber), "/api/v1/people?q=" + p13.phone,
			"/api/v1/orgs?q=" + url.QueryEscape("第7"), fmt.Sprintf("/api/v1/people?org_id=%d", e.tree.Prefix13.ID),
			fmt.Sprintf("/api/v1/families?org_id=%d", e.tree.Prefix13.ID), fmt.Sprintf("/api/v1/orgs?under=%d", e.tree.D1.ID),
			fmt.Sprintf("/api/v1/orgs?parent_id=%d", e.tree.T1.ID)} {
			r := e.api(t, d2, "GET", path, nil)
			if r.status != 200 {
				t.Errorf("D2-cadre GET %s: %d", path, r.status)
			}
			if ids := smItemIDs(t, r.body); strings.Contains(path, "org_id=") || strings.Contains(path, "under=") || strings.Contains(path, "parent_id=") || strings.Contains(path, "q=") {
				if len(ids) != 0 {
					t.Errorf("D2-cadre GET %s: items %v, want none", path, ids)
				}
			}
			smForbid(t, "D2-cadre GET "+path, string(r.body), forbidden)
		}
		for _, path := range []string{"/people", "/families", "/orgs", fmt.Sprintf("/people?org_id=%d", e.tree.Prefix13.ID),
			fmt.Sprintf("/families?org_id=%d", e.tree.Prefix13.ID)} {
			r := e.page(t, d2.browser, "GET", path, nil)
			smForbid(t, "D2-cadre GET "+path, string(r.body), forbidden)
		}
		r := e.api(t, t1, "GET", "/api/v1/people?limit=1000", nil)
		if ids := smItemIDs(t, r.body); !slices.Contains(ids, p13.id) {
			t.Errorf("T1-cadre does not see org 13's person %d: %v", p13.id, ids)
		}
		if r := e.api(t, t1, "GET", fmt.Sprintf("/api/v1/people/%d", p13.id), nil); r.status != 200 {
			t.Errorf("T1-cadre GET org 13's person: %d, want 200", r.status)
		}
		if r := e.page(t, t1.browser, "GET", "/people?q="+url.QueryEscape(p13.name), nil); !strings.Contains(string(r.body), p13.idMasked) {
			t.Errorf("T1-cadre search by name does not find org 13's person")
		}
	})
	t.Logf("scope matrix: %d actors, %d people, %d families, %d orgs, %d accounts; %d checks",
		len(e.actors), len(e.people), len(e.families), len(e.orgs), len(e.users), cases)
}

func (e *smEnv) personRecords() []smRecord {
	var out []smRecord
	for _, p := range e.people {
		out = append(out, smRecord{label: p.label, org: p.org.ID, id: p.id, name: p.name, secret: p.idNumber})
	}
	return out
}

func (e *smEnv) familyRecords() []smRecord {
	var out []smRecord
	for _, f := range e.families {
		out = append(out, smRecord{label: f.label, org: f.org.ID, id: f.id, name: f.name})
	}
	return out
}

func (e *smEnv) orgRecords() []smRecord {
	var out []smRecord
	for _, o := range e.orgs {
		out = append(out, smRecord{label: o.label, org: o.org.ID, id: o.org.ID, name: o.org.Name})
	}
	return out
}

func (e *smEnv) userRecords() []smRecord {
	var out []smRecord
	for _, u := range e.users {
		out = append(out, smRecord{label: "user-" + u.label, org: u.org.ID, id: u.id, name: u.username})
	}
	return out
}

func (e *smEnv) actor(t *testing.T, label string) *smActor {
	for _, a := range e.actors {
		if a.label == label {
			return a
		}
	}
	t.Fatalf("no actor %s", label)
	return nil
}

func (e *smEnv) person(t *testing.T, label string) smPerson {
	for _, p := range e.people {
		if p.label == label {
			return p
		}
	}
	t.Fatalf("no person at %s", label)
	return smPerson{}
}

// smForbid fails for every forbidden string found in body.
func smForbid(t *testing.T, what, body string, forbidden []string) {
	t.Helper()
	for _, f := range forbidden {
		if f != "" && strings.Contains(body, f) {
			t.Errorf("%s: LEAK: shows %q", what, f)
		}
	}
}

// smItemIDs returns the ids of the items of an API list.
func smItemIDs(t *testing.T, body []byte) []int64 {
	t.Helper()
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("list body: %v: %.200s", err, body)
	}
	ids := make([]int64, len(list.Items))
	for i, it := range list.Items {
		ids[i] = it.ID
	}
	slices.Sort(ids)
	return ids
}

// smHrefIDs returns the ids of the links to /<kind>/{id} in a page.
func smHrefIDs(body, kind string) []int64 {
	re := regexp.MustCompile(`href="/` + kind + `/(\d+)["#?]`)
	var ids []int64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func smSorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

func smSame(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if got == nil {
		got = []int64{}
	}
	if !slices.Equal(got, smSorted(want)) {
		t.Errorf("%s: ids %v, want exactly %v", what, got, smSorted(want))
	}
}

// smStripEcho removes the search box's echo of the query (and a "not
// found" message quoting it) so a search for an out-of-scope name does not
// count the user's own input as a leak.
func smStripEcho(body, q string) string {
	if q == "" {
		return body
	}
	body = strings.ReplaceAll(body, `value="`+q+`"`, "")
	for _, eq := range []string{"=", "%3d", "%3D"} {
		// The export and pager links carry the query (today with its
		// "=" escaped by html/template).
		body = strings.ReplaceAll(body, "q"+eq+url.QueryEscape(q), "")
	}
	return strings.ReplaceAll(body, "“"+q+"”", "")
}

// scopeSets is what an actor may and may not see.
type scopeSets struct {
	people, families, orgIDs, users []int64
	names                           []string // in-scope person names
	forbidPeople                    []string // names, masked values of people out of scope; plaintext of all
	forbidFamilies                  []string
	forbidOrgs                      []string // names of orgs out of scope
	forbidUsers                     []string
}

func (e *smEnv) sets(a *smActor) scopeSets {
	var s scopeSets
	in := func(org int64) bool { return e.inScope(a.org.ID, org) }
	for _, p := range e.people {
		// Lists show masked values only, in scope or not.
		s.forbidPeople = append(s.forbidPeople, p.idNumber, p.phone)
		if in(p.org.ID) {
			s.people = append(s.people, p.id)
			s.names = append(s.names, p.name)
		} else {
			s.forbidPeople = append(s.forbidPeople, p.name, p.idMasked, p.phoneMasked, p.masked)
		}
	}
	for _, f := range e.families {
		if in(f.org.ID) {
			s.families = append(s.families, f.id)
		} else {
			s.forbidFamilies = append(s.forbidFamilies, f.name)
		}
	}
	for _, o := range e.tree.All {
		if in(o.ID) {
			s.orgIDs = append(s.orgIDs, o.ID)
		} else {
			s.forbidOrgs = append(s.forbidOrgs, o.Name)
		}
	}
	for _, u := range e.users {
		if in(u.org.ID) {
			s.users = append(s.users, u.id)
		} else {
			s.forbidUsers = append(s.forbidUsers, u.username)
		}
	}
	return s
}

func (s scopeSets) all() []string {
	out := slices.Concat(s.forbidPeople, s.forbidFamilies, s.forbidOrgs, s.forbidUsers)
	return out
}

// checkLists checks every list, search and export of the actor and
// returns how many checks it made.
func (e *smEnv) checkLists(t *testing.T, a *smActor) int {
	s := e.sets(a)
	forbid := s.all()
	n := 0
	can := a.role.Has
	wantStatus := func(t *testing.T, what string, r smResp, perm auth.Permission) bool {
		t.Helper()
		want := http.StatusOK
		if !can(perm) {
			want = http.StatusForbidden
		}
		if r.status != want {
			t.Errorf("%s: status %d, want %d; %.300s", what, r.status, want, r.body)
		}
		return r.status == http.StatusOK
	}
	run := func(name string, f func(t *testing.T)) {
		n++
		t.Run(name, f)
	}

	// People: the whole list, then each person by name, ID and phone.
	run("GET /people", func(t *testing.T) {
		r := e.page(t, a.browser, "GET", "/people", nil)
		if !wantStatus(t, "GET /people", r, auth.PeopleRead) {
			return
		}
		body := string(r.body)
		smSame(t, "GET /people", smHrefIDs(body, "people"), s.people)
		if want := fmt.Sprintf("共 %d 人", len(s.people)); !strings.Contains(body, want) {
			t.Errorf("GET /people: count is not %q", want)
		}
		smForbid(t, "GET /people", body, forbid)
	})
	run("GET /api/v1/people", func(t *testing.T) {
		r := e.api(t, a, "GET", "/api/v1/people?limit=1000", nil)
		if !wantStatus(t, "GET /api/v1/people", r, auth.PeopleRead) {
			return
		}
		smSame(t, "GET /api/v1/people", smItemIDs(t, r.body), s.people)
		smForbid(t, "GET /api/v1/people", string(r.body), forbid)
	})
	for _, p := range e.people {
		var want []int64
		if e.inScope(a.org.ID, p.org.ID) {
			want = []int64{p.id}
		}
		for _, q := range []struct{ by, value string }{{"name", p.name}, {"id", p.idNumber}, {"phone", p.phone}} {
			run("GET /people?q=<"+q.by+">/at-"+p.label, func(t *testing.T) {
				r := e.page(t, a.browser, "GET", "/people?q="+url.QueryEscape(q.value), nil)
				if !wantStatus(t, "people search", r, auth.PeopleRead) {
					return
				}
				body := smStripEcho(string(r.body), q.value)
				smSame(t, "people search by "+q.by, smHrefIDs(body, "people"), want)
				smForbid(t, "people search by "+q.by, body, forbid)
			})
			run("GET /api/v1/people?q=<"+q.by+">/at-"+p.label, func(t *testing.T) {
				r := e.api(t, a, "GET", "/api/v1/people?q="+url.QueryEscape(q.value), nil)
				if !wantStatus(t, "API people search", r, auth.PeopleRead) {
					return
				}
				smSame(t, "API people search by "+q.by, smItemIDs(t, r.body), want)
				smForbid(t, "API people search by "+q.by, string(r.body), forbid)
			})
		}
	}
	run("GET /people/export.xlsx", func(t *testing.T) {
		r := e.page(t, a.browser, "GET", "/people/export.xlsx", nil)
		if !wantStatus(t, "export", r, auth.PeopleExport) {
			return
		}
		book, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("open export: %v", err)
		}
		defer book.Close()
		rows, err := book.GetRows(book.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var cells strings.Builder
		for i, row := range rows {
			cells.WriteString(strings.Join(row, "\t") + "\n")
			if i > 0 && len(row) > 0 {
				got = append(got, row[0])
			}
		}
		slices.Sort(got)
		want := slices.Clone(s.names)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("export names %v, want exactly %v", got, want)
		}
		smForbid(t, "export", cells.String(), forbid)
	})

	// Families.
	run("GET /families", func(t *testing.T) {
		r := e.page(t, a.browser, "GET", "/families", nil)
		if !wantStatus(t, "GET /families", r, auth.PeopleRead) {
			return
		}
		smSame(t, "GET /families", smHrefIDs(string(r.body), "families"), s.families)
		smForbid(t, "GET /families", string(r.body), forbid)
	})
	run("GET /api/v1/families", func(t *testing.T) {
		r := e.api(t, a, "GET", "/api/v1/families?limit=1000", nil)
		if !wantStatus(t, "GET /api/v1/families", r, auth.PeopleRead) {
			return
		}
		smSame(t, "GET /api/v1/families", smItemIDs(t, r.body), s.families)
		smForbid(t, "GET /api/v1/families", string(r.body), forbid)
	})

	// Orgs: the tree, a search matching every org, and each org by name.
	run("GET /orgs", func(t *testing.T) {
		r := e.page(t, a.browser, "GET", "/orgs", nil)
		if !wantStatus(t, "GET /orgs", r, auth.OrgsRead) {
			return
		}
		smSame(t, "GET /orgs", smHrefIDs(string(r.body), "orgs"), s.orgIDs)
		smForbid(t, "GET /orgs", string(r.body), forbid)
	})
	run("GET /api/v1/orgs", func(t *testing.T) {
		r := e.api(t, a, "GET", "/api/v1/orgs?limit=1000", nil)
		if !wantStatus(t, "GET /api/v1/orgs", r, auth.OrgsRead) {
			return
		}
		smSame(t, "GET /api/v1/orgs", smItemIDs(t, r.body), s.orgIDs)
		smForbid(t, "GET /api/v1/orgs", string(r.body), forbid)
	})
	orgQueries := []struct{ label, q string }{{"all", "妇联"}}
	for _, o := range e.orgs {
		orgQueries = append(orgQueries, struct{ label, q string }{o.label, o.org.Name})
	}
	for _, oq := range orgQueries {
		var want []int64
		for _, o := range e.tree.All {
			if strings.Contains(o.Name, oq.q) && e.inScope(a.org.ID, o.ID) {
				want = append(want, o.ID)
			}
		}
		run("GET /orgs?q=/at-"+oq.label, func(t *testing.T) {
			r := e.page(t, a.browser, "GET", "/orgs?q="+url.QueryEscape(oq.q), nil)
			if !wantStatus(t, "org search", r, auth.OrgsRead) {
				return
			}
			body := smStripEcho(string(r.body), oq.q)
			smSame(t, "org search "+oq.q, smHrefIDs(body, "orgs"), want)
			smForbid(t, "org search "+oq.q, body, forbid)
		})
		run("GET /api/v1/orgs?q=/at-"+oq.label, func(t *testing.T) {
			r := e.api(t, a, "GET", "/api/v1/orgs?limit=1000&q="+url.QueryEscape(oq.q), nil)
			if !wantStatus(t, "API org search", r, auth.OrgsRead) {
				return
			}
			smSame(t, "API org search "+oq.q, smItemIDs(t, r.body), want)
			smForbid(t, "API org search "+oq.q, string(r.body), forbid)
		})
	}

	// Accounts and the audit log.
	run("GET /users", func(t *testing.T) {
		r := e.page(t, a.browser, "GET", "/users", nil)
		if !wantStatus(t, "GET /users", r, auth.UsersRead) {
			return
		}
		smSame(t, "GET /users", smHrefIDs(string(r.body), "users"), s.users)
		smForbid(t, "GET /users", string(r.body), forbid)
	})
	run("GET /api/v1/users", func(t *testing.T) {
		r := e.api(t, a, "GET", "/api/v1/users?limit=1000", nil)
		if !wantStatus(t, "GET /api/v1/users", r, auth.UsersRead) {
			return
		}
		smSame(t, "GET /api/v1/users", smItemIDs(t, r.body), s.users)
		smForbid(t, "GET /api/v1/users", string(r.body), forbid)
	})
	run("GET /audit", func(t *testing.T) {
		r := e.page(t, a.browser, "GET", "/audit", nil)
		if !wantStatus(t, "GET /audit", r, auth.AuditRead) {
			return
		}
		body := string(r.body)
		if !strings.Contains(body, a.user.username) {
			t.Errorf("GET /audit lacks the actor's own sign-in")
		}
		for _, kind := range []struct {
			kind string
			ids  []int64
		}{{"people", s.people}, {"orgs", s.orgIDs}, {"users", s.users}, {"families", s.families}} {
			for _, id := range smHrefIDs(body, kind.kind) {
				if !slices.Contains(kind.ids, id) {
					t.Errorf("GET /audit: links /%s/%d, out of scope", kind.kind, id)
				}
			}
		}
		smForbid(t, "GET /audit", body, forbid)
	})
	run("GET /api/v1/audit", func(t *testing.T) {
		r := e.api(t, a, "GET", "/api/v1/audit?limit=1000", nil)
		if !wantStatus(t, "GET /api/v1/audit", r, auth.AuditRead) {
			return
		}
		var list struct {
			Items []struct {
				OrgID    *int64 `json:"org_id"`
				Username string `json:"username"`
			} `json:"items"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) == 0 {
			t.Errorf("GET /api/v1/audit: no entries")
		}
		for _, it := range list.Items {
			if it.OrgID == nil || !e.inScope(a.org.ID, *it.OrgID) {
				t.Errorf("GET /api/v1/audit: entry of %s at org %v, out of scope", it.Username, it.OrgID)
			}
		}
		smForbid(t, "GET /api/v1/audit", string(r.body), forbid)
	})
	return n
}
