package web

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/dicts"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
)

// peopleRoutes registers the person registry pages (一人一档).
func (s *Server) peopleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /people", s.need(auth.PeopleRead, s.peopleListPage))
	mux.HandleFunc("GET /people/export.xlsx", s.need(auth.PeopleExport, s.peopleExport))
	mux.HandleFunc("GET /people/new", s.need(auth.PeopleWrite, s.personNewPage))
	mux.HandleFunc("POST /people", s.need(auth.PeopleWrite, s.personCreate))
	mux.HandleFunc("GET /people/{id}", s.need(auth.PeopleRead, s.personDetailPage))
	mux.HandleFunc("GET /people/{id}/edit", s.need(auth.PeopleWrite, s.personEditPage))
	mux.HandleFunc("POST /people/{id}", s.need(auth.PeopleWrite, s.personUpdate))
	mux.HandleFunc("POST /people/{id}/reveal", s.need(auth.PeopleReveal, s.personReveal))
	mux.HandleFunc("POST /people/{id}/consents", s.need(auth.PeopleWrite, s.personAddConsent))
}

// peopleDict is one dictionary as forms and pages use it.
type peopleDict struct {
	Items  []dicts.Item      // enabled items, in display order
	Labels map[string]string // every code, enabled or not, to its name
}

// with returns c offering codes too, even if disabled since they were
// chosen, so editing a record does not silently drop them.
func (c peopleDict) with(codes ...string) peopleDict {
	out := peopleDict{Items: slices.Clone(c.Items), Labels: c.Labels}
	for _, code := range codes {
		if code == "" || slices.ContainsFunc(out.Items, func(it dicts.Item) bool { return it.Code == code }) {
			continue
		}
		name, ok := c.Labels[code]
		if !ok {
			name = code
		}
		out.Items = append(out.Items, dicts.Item{Code: code, Name: name})
	}
	return out
}

// personDicts are the dictionaries a person's record refers to.
type personDicts struct {
	Ethnicity, Education, Employment, Tags peopleDict
}

func (s *Server) loadPeopleDict(ctx context.Context, name string) (peopleDict, error) {
	d, err := s.store.Dictionary(ctx, name)
	if err != nil {
		return peopleDict{}, err
	}
	c := peopleDict{Labels: make(map[string]string, len(d.Items))}
	for _, it := range d.Items {
		c.Labels[it.Code] = it.Name
		if it.Enabled {
			c.Items = append(c.Items, it)
		}
	}
	return c, nil
}

func (s *Server) personDicts(ctx context.Context) (personDicts, error) {
	var d personDicts
	for _, x := range []struct {
		name string
		dst  *peopleDict
	}{{dicts.Ethnicity, &d.Ethnicity}, {dicts.Education, &d.Education}, {dicts.Employment, &d.Employment}, {dicts.PersonTag, &d.Tags}} {
		c, err := s.loadPeopleDict(ctx, x.name)
		if err != nil {
			return d, err
		}
		*x.dst = c
	}
	return d, nil
}

// names returns the names of codes, in order.
func (c peopleDict) names(codes []string) []string {
	out := make([]string, len(codes))
	for i, code := range codes {
		if l, ok := c.Labels[code]; ok {
			out[i] = l
		} else {
			out[i] = code
		}
	}
	return out
}

// peopleFilterFrom reads the list filters shared by the page, the export
// and the API. Bad values are a BadRequest naming the fields.
func peopleFilterFrom(q url.Values) (store.PeopleFilter, error) {
	f := store.PeopleFilter{Q: strings.TrimSpace(q.Get("q")), Tag: strings.TrimSpace(q.Get("tag"))}
	bad := map[string]string{}
	if v := strings.TrimSpace(q.Get("org_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad["org_id"] = "所属组织无效"
		}
		f.OrgID = id
	}
	if v := strings.TrimSpace(q.Get("sex")); v != "" {
		sex, ok := people.ParseSex(v)
		if !ok {
			bad["sex"] = "性别应为女或男"
		}
		f.Sex = sex
	}
	age := func(name string) int {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 150 {
			bad[name] = "年龄应为0到150之间的整数"
			return 0
		}
		return n
	}
	f.AgeMin, f.AgeMax = age("age_min"), age("age_max")
	if f.AgeMin > 0 && f.AgeMax > 0 && f.AgeMin > f.AgeMax {
		bad["age_max"] = "最大年龄不能小于最小年龄"
	}
	if len(bad) > 0 {
		return f, &apperr.Error{Kind: apperr.BadRequest, Message: "筛选条件有误，请检查后重试", Fields: bad}
	}
	return f, nil
}

// personRow is a person with the age the page shows.
type personRow struct {
	store.PersonRecord
	Age       int
	TagLabels []string
}

func (s *Server) personRow(p store.PersonRecord, tags peopleDict) personRow {
	return personRow{PersonRecord: p, Age: people.AgeOn(p.BirthDate, localtime.Today(s.now())), TagLabels: tags.names(p.Tags)}
}

// personListRow is one line of the people list, flat and precomputed: a
// template reads a flat struct's fields far faster than promoted fields,
// and the list shows fifty of them on every view.
type personListRow struct {
	ID                                             int64
	Name, SexLabel, IDMasked, PhoneMasked, OrgName string
	Age                                            int
	TagLabels                                      []string
}

// peopleRowsHTML renders the list's rows. It is the one place a page is
// written outside html/template: the list shows fifty rows on every view
// and the template engine's reflective call per value was the largest cost
// of the page. Every value is a text node or a number, and every text goes
// through html.EscapeString (which escapes < > & ' "), so nothing typed
// into a record can become markup.
func peopleRowsHTML(rows []personListRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 400)
	for _, r := range rows {
		b.WriteString(`<tr><td class="nowrap"><a href="/people/`)
		b.WriteString(strconv.FormatInt(r.ID, 10))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(r.Name))
		b.WriteString(`</a></td><td>`)
		b.WriteString(html.EscapeString(r.SexLabel))
		b.WriteString(`</td><td class="num">`)
		b.WriteString(strconv.Itoa(r.Age))
		b.WriteString(`</td><td class="masked">`)
		b.WriteString(html.EscapeString(r.IDMasked))
		b.WriteString(`</td><td class="masked">`)
		if r.PhoneMasked != "" {
			b.WriteString(html.EscapeString(r.PhoneMasked))
		} else {
			b.WriteString("—")
		}
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(r.OrgName))
		b.WriteString(`</td><td>`)
		for _, t := range r.TagLabels {
			b.WriteString(`<span class="tag">`)
			b.WriteString(html.EscapeString(t))
			b.WriteString(`</span> `)
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}

type peopleListData struct {
	RowsHTML   template.HTML
	Rows       []personListRow
	Count      int
	More       bool // more than Count match
	Orgs       []option
	Tags       peopleDict
	Pager      pager
	ExportHref string
	Invalid    bool
}

func (s *Server) peopleListPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := s.newView(r, "人员档案", crumb{Label: "人员档案"})
	v.Form = newForm(q)
	var d peopleListData
	var err error
	if d.Orgs, err = s.filterOrgs(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Tags, err = s.loadPeopleDict(ctx, dicts.PersonTag); err != nil {
		s.fail(w, r, err)
		return
	}
	f, ferr := peopleFilterFrom(q)
	if ferr == nil {
		f.Cursor, _ = strconv.ParseInt(q.Get("cursor"), 10, 64)
		f.Limit = 50
		var list []store.PersonRecord
		var next int64
		today := localtime.Today(s.now())
		list, next, err = s.store.ListPeople(ctx, a, f)
		if err == nil {
			d.Count, d.More, err = s.store.CountPeopleAtMost(ctx, a, f, 10000)
		}
		if err != nil {
			ferr = err
		} else {
			for _, p := range list {
				d.Rows = append(d.Rows, personListRow{ID: p.ID, Name: p.Name, SexLabel: p.Sex.Label(), IDMasked: p.IDMasked,
					PhoneMasked: p.PhoneMasked, OrgName: p.OrgName, Age: people.AgeOn(p.BirthDate, today), TagLabels: d.Tags.names(p.Tags)})
			}
			d.Pager = pagerFor("/people", q, f.Cursor, next)
			d.ExportHref = pagerFor("/people/export.xlsx", q, 1, 0).First
		}
	}
	d.RowsHTML = peopleRowsHTML(d.Rows)
	status := http.StatusOK
	if ferr != nil {
		if !v.Form.fail(ferr) {
			s.fail(w, r, ferr)
			return
		}
		d.Invalid = true
		status = statusOf(ferr)
	}
	v.Data = d
	s.renderStatus(w, r, status, "people_list", v)
}

// personFormData is what the registration and edit forms show.
type personFormData struct {
	Person     store.PersonRecord // the person edited; zero when new
	IsNew      bool
	Orgs       []orgs.Org
	Dicts      personDicts
	ExistingID int64 // the record a duplicate ID number belongs to, if visible
}

// personFormData loads the choices of the form; old is the person edited
// (nil when registering), whose current codes stay selectable.
func (s *Server) personFormData(r *http.Request, old *store.PersonRecord) (personFormData, error) {
	ctx := r.Context()
	d := personFormData{IsNew: old == nil}
	var err error
	if d.Orgs, _, err = s.store.ListOrgs(ctx, actorFrom(r), store.OrgFilter{Status: orgs.Active, Limit: 5000}); err != nil {
		return d, err
	}
	if d.Dicts, err = s.personDicts(ctx); err != nil {
		return d, err
	}
	if old != nil {
		d.Person = *old
		d.Dicts.Ethnicity = d.Dicts.Ethnicity.with(old.Ethnicity)
		d.Dicts.Education = d.Dicts.Education.with(old.Education)
		d.Dicts.Employment = d.Dicts.Employment.with(old.Employment)
		d.Dicts.Tags = d.Dicts.Tags.with(old.Tags...)
	}
	return d, nil
}

func personInputFrom(r *http.Request) people.Input {
	f := r.PostForm
	return people.Input{
		OrgID:           formID(r, "org_id"),
		Name:            f.Get("name"),
		IDNumber:        f.Get("id_number"),
		Phone:           f.Get("phone"),
		Sex:             f.Get("sex"),
		Ethnicity:       f.Get("ethnicity"),
		Education:       f.Get("education"),
		Employment:      f.Get("employment"),
		AddressDivision: f.Get("address_division"),
		AddressDetail:   f.Get("address_detail"),
		Note:            f.Get("note"),
		Tags:            f["tags"],
	}
}

func personHref(id int64) string { return "/people/" + strconv.FormatInt(id, 10) }

func (s *Server) personNewPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.personFormData(r, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "登记人员", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: "登记人员"})
	v.Form.Values.Set("ethnicity", "01")
	org := actorFrom(r).OrgID
	if o := queryID(r, "org_id"); o != 0 {
		org = o
	}
	v.Form.Values.Set("org_id", strconv.FormatInt(org, 10))
	v.Data = d
	s.render(w, r, "people_form", v)
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.store.CreatePerson(r.Context(), actorFrom(r), personInputFrom(r))
	if err != nil {
		v := s.newView(r, "登记人员", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: "登记人员"})
		v.Form = newForm(r.PostForm)
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.personFormData(r, nil)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.ExistingID = store.ExistingPersonID(err)
		v.Data = d
		s.renderStatus(w, r, statusOf(err), "people_form", v)
		return
	}
	redirectOK(w, r, personHref(p.ID), "已登记")
}

// personEditValues fills the edit form from a record. Sensitive fields
// stay empty: the form never echoes plaintext it did not receive.
func personEditValues(p store.PersonRecord) url.Values {
	v := url.Values{}
	v.Set("name", p.Name)
	v.Set("sex", string(p.Sex))
	v.Set("ethnicity", p.Ethnicity)
	v.Set("education", p.Education)
	v.Set("employment", p.Employment)
	v.Set("org_id", strconv.FormatInt(p.OrgID, 10))
	v.Set("address_division", p.AddressDivision)
	v.Set("note", p.Note)
	v["tags"] = slices.Clone(p.Tags)
	return v
}

func (s *Server) personEditPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.store.GetPerson(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.personFormData(r, &p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "修改人员档案", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: p.Name, Href: personHref(p.ID)}, crumb{Label: "修改"})
	v.Form = newForm(personEditValues(p))
	v.Data = d
	s.render(w, r, "people_form", v)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	a := actorFrom(r)
	in := personInputFrom(r)
	clear := store.ClearFields{Phone: r.PostForm.Get("clear_phone") != "", Address: r.PostForm.Get("clear_address") != ""}
	if clear.Phone {
		in.Phone = ""
	}
	if clear.Address {
		in.AddressDetail = ""
	}
	p, err := s.store.UpdatePerson(r.Context(), a, id, in, clear)
	if err != nil {
		old, gerr := s.store.GetPerson(r.Context(), a, id)
		v := s.newView(r, "修改人员档案", crumb{Label: "人员档案", Href: "/people"}, crumb{Label: old.Name, Href: personHref(id)}, crumb{Label: "修改"})
		v.Form = newForm(r.PostForm)
		if gerr != nil || !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.personFormData(r, &old)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.ExistingID = store.ExistingPersonID(err)
		v.Data = d
		s.renderStatus(w, r, statusOf(err), "people_form", v)
		return
	}
	redirectOK(w, r, personHref(p.ID), "已保存")
}

// personDetailData is the detail page of one person.
type personDetailData struct {
	P        personRow
	Dicts    personDicts
	Families []store.PersonFamily
	Consents []people.Consent
	Revealed *store.Revealed // plaintext after a reveal without htmx
	Today    string
}

func (s *Server) personDetailPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPersonDetail(w, r, id, s.newView(r, ""), nil, http.StatusOK)
}

// renderPersonDetail renders the detail page of person id into v, which
// may already carry the consent form's values and errors.
func (s *Server) renderPersonDetail(w http.ResponseWriter, r *http.Request, id int64, v *view, revealed *store.Revealed, status int) {
	a := actorFrom(r)
	ctx := r.Context()
	p, err := s.store.GetPerson(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := personDetailData{Revealed: revealed, Today: localtime.Date(s.now())}
	if d.Dicts, err = s.personDicts(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	d.P = s.personRow(p, d.Dicts.Tags)
	if d.Families, err = s.store.FamiliesOfPerson(ctx, a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Consents, err = s.store.ListConsents(ctx, a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title = p.Name
	v.Crumbs = []crumb{{Label: "人员档案", Href: "/people"}, {Label: p.Name}}
	v.Data = d
	s.renderStatus(w, r, status, "people_detail", v)
}

// personRevealData is the plaintext fragment of a reveal.
type personRevealData struct {
	ID       int64
	Revealed store.Revealed
}

// personReveal shows the plaintext sensitive fields; the store audits it.
// htmx gets the fragment for #sensitive, a plain form post the whole page.
func (s *Server) personReveal(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	rev, err := s.store.RevealPerson(r.Context(), actorFrom(r), id, strings.TrimSpace(r.PostForm.Get("reason")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		v := s.newView(r, "查看明文")
		v.Data = personRevealData{ID: id, Revealed: rev}
		s.render(w, r, "people_reveal", v)
		return
	}
	s.renderPersonDetail(w, r, id, s.newView(r, ""), &rev, http.StatusOK)
}

func (s *Server) personAddConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	in := people.ConsentInput{Purpose: f.Get("purpose"), GivenOn: f.Get("given_on"), GuardianName: f.Get("guardian_name"), ByGuardian: f.Get("by_guardian") != ""}
	if _, err := s.store.AddConsent(r.Context(), actorFrom(r), id, in); err != nil {
		v := s.newView(r, "")
		v.Form = newForm(f)
		if apperr.Is(err, apperr.NotFound) || !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		s.renderPersonDetail(w, r, id, v, nil, statusOf(err))
		return
	}
	redirectOK(w, r, personHref(id)+"#consents", "已记录授权同意")
}

// option is one choice of a select, decided in Go so a long list renders
// without a template call per option.
type option struct {
	Value, Label string
	Selected     bool
}

// filterOrgs lists the orgs offered in a list's org filter: the actor's
// org and two levels below it (a city cadre picks a district or a
// township), plus the org currently filtered by. Listing every village of a
// city would make each page heavy; deeper orgs are reached from the org
// pages' links.
func (s *Server) filterOrgs(r *http.Request) ([]option, error) {
	a := actorFrom(r)
	ctx := r.Context()
	list, _, err := s.store.ListOrgs(ctx, a, store.OrgFilter{Limit: 2000, MaxDepth: a.OrgDepth + 2})
	if err != nil {
		return nil, err
	}
	selected := queryID(r, "org_id")
	if selected != 0 && !slices.ContainsFunc(list, func(o orgs.Org) bool { return o.ID == selected }) {
		if o, err := s.store.GetOrg(ctx, a, selected); err == nil {
			list = append(list, o)
		}
	}
	out := make([]option, len(list))
	for i, o := range list {
		out[i] = option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name, Selected: o.ID == selected}
	}
	return out, nil
}
