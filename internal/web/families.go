package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
)

// familyRoutes registers the family pages.
func (s *Server) familyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /families", s.need(auth.PeopleRead, s.familyListPage))
	mux.HandleFunc("GET /families/new", s.need(auth.PeopleWrite, s.familyNewPage))
	mux.HandleFunc("POST /families", s.need(auth.PeopleWrite, s.familyCreate))
	mux.HandleFunc("GET /families/{id}", s.need(auth.PeopleRead, s.familyDetailPage))
	mux.HandleFunc("GET /families/{id}/edit", s.need(auth.PeopleWrite, s.familyEditPage))
	mux.HandleFunc("POST /families/{id}", s.need(auth.PeopleWrite, s.familyUpdate))
	mux.HandleFunc("POST /families/{id}/members", s.need(auth.PeopleWrite, s.familyAddMember))
	mux.HandleFunc("POST /families/{id}/members/{person_id}/delete", s.need(auth.PeopleWrite, s.familyRemoveMember))
}

func familyHref(id int64) string { return "/families/" + strconv.FormatInt(id, 10) }

type familyListData struct {
	Rows  []store.FamilyRecord
	Orgs  []option
	Pager pager
}

func (s *Server) familyListPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := s.newView(r, "家庭", crumb{Label: "家庭"})
	v.Form = newForm(q)
	var d familyListData
	var err error
	if d.Orgs, err = s.filterOrgs(r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := store.FamilyFilter{Q: strings.TrimSpace(q.Get("q")), OrgID: queryID(r, "org_id"), Cursor: queryID(r, "cursor"), Limit: 50}
	var next int64
	if d.Rows, next, err = s.store.ListFamilies(ctx, a, f); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Pager = pagerFor("/families", q, queryID(r, "cursor"), next)
	v.Data = d
	s.render(w, r, "family_list", v)
}

type familyFormData struct {
	Family store.FamilyRecord
	IsNew  bool
	Orgs   []orgs.Org
}

func (s *Server) familyFormData(r *http.Request, old *store.FamilyRecord) (familyFormData, error) {
	d := familyFormData{IsNew: old == nil}
	if old != nil {
		d.Family = *old
	}
	var err error
	d.Orgs, _, err = s.store.ListOrgs(r.Context(), actorFrom(r), store.OrgFilter{Status: orgs.Active, Limit: 5000})
	return d, err
}

func familyInputFrom(r *http.Request) people.FamilyInput {
	return people.FamilyInput{OrgID: formID(r, "org_id"), Name: r.PostForm.Get("name"), Note: r.PostForm.Get("note")}
}

func (s *Server) familyNewPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.familyFormData(r, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "新建家庭", crumb{Label: "家庭", Href: "/families"}, crumb{Label: "新建家庭"})
	v.Form.Values.Set("org_id", strconv.FormatInt(actorFrom(r).OrgID, 10))
	v.Data = d
	s.render(w, r, "family_form", v)
}

func (s *Server) familyCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	fam, err := s.store.CreateFamily(r.Context(), actorFrom(r), familyInputFrom(r))
	if err != nil {
		v := s.newView(r, "新建家庭", crumb{Label: "家庭", Href: "/families"}, crumb{Label: "新建家庭"})
		v.Form = newForm(r.PostForm)
		if !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.familyFormData(r, nil)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		v.Data = d
		s.renderStatus(w, r, statusOf(err), "family_form", v)
		return
	}
	redirectOK(w, r, familyHref(fam.ID), "已新建家庭“"+fam.Name+"”")
}

func (s *Server) familyEditPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fam, err := s.store.GetFamily(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.familyFormData(r, &fam)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "修改家庭", crumb{Label: "家庭", Href: "/families"}, crumb{Label: fam.Name, Href: familyHref(id)}, crumb{Label: "修改"})
	v.Form.Values.Set("name", fam.Name)
	v.Form.Values.Set("org_id", strconv.FormatInt(fam.OrgID, 10))
	v.Form.Values.Set("note", fam.Note)
	v.Data = d
	s.render(w, r, "family_form", v)
}

func (s *Server) familyUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	a := actorFrom(r)
	fam, err := s.store.UpdateFamily(r.Context(), a, id, familyInputFrom(r))
	if err != nil {
		old, gerr := s.store.GetFamily(r.Context(), a, id)
		v := s.newView(r, "修改家庭", crumb{Label: "家庭", Href: "/families"}, crumb{Label: old.Name, Href: familyHref(id)}, crumb{Label: "修改"})
		v.Form = newForm(r.PostForm)
		if gerr != nil || !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.familyFormData(r, &old)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		v.Data = d
		s.renderStatus(w, r, statusOf(err), "family_form", v)
		return
	}
	redirectOK(w, r, familyHref(fam.ID), "已保存")
}

type familyDetailData struct {
	Family    store.FamilyRecord
	PersonQ   string
	Searched  bool
	Matches   []store.PersonRecord
	Members   map[int64]bool
	Relations []people.Relation
}

func (s *Server) familyDetailPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	ctx := r.Context()
	fam, err := s.store.GetFamily(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := familyDetailData{Family: fam, PersonQ: strings.TrimSpace(r.URL.Query().Get("person_q")), Relations: people.Relations(), Members: map[int64]bool{}}
	for _, m := range fam.Members {
		d.Members[m.PersonID] = true
	}
	v := s.newView(r, fam.Name, crumb{Label: "家庭", Href: "/families"}, crumb{Label: fam.Name})
	if d.PersonQ != "" && a.Can(auth.PeopleWrite) {
		d.Searched = true
		if d.Matches, _, err = s.store.ListPeople(ctx, a, store.PeopleFilter{Q: d.PersonQ, Limit: 10}); err != nil {
			if !v.Form.fail(err) {
				s.fail(w, r, err)
				return
			}
			v.Form.Errors["person_q"] = firstMessage(apperr.As(err))
		}
	}
	v.Data = d
	s.render(w, r, "family_detail", v)
}

func (s *Server) familyAddMember(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	back := familyHref(id)
	if q := strings.TrimSpace(r.PostForm.Get("person_q")); q != "" {
		back += "?person_q=" + url.QueryEscape(q)
	}
	rel, ok := people.ParseRelation(r.PostForm.Get("relation"))
	if !ok {
		setFlash(w, "error", "未能加入：请选择与户主的关系")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if _, err := s.store.SetFamilyMember(r.Context(), actorFrom(r), id, formID(r, "person_id"), rel); err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal && e.Kind != apperr.NotFound {
			setFlash(w, "error", "未能加入："+firstMessage(e))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, familyHref(id), "已保存家庭成员")
}

func (s *Server) familyRemoveMember(w http.ResponseWriter, r *http.Request) {
	id, personID, err := familyMemberIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.RemoveFamilyMember(r.Context(), actorFrom(r), id, personID); err != nil {
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, familyHref(id), "已移出家庭，人员档案保留")
}

// familyMemberIDs reads the family and person ids of a member route
// (/families/{id}/members/{person_id}); junk is a 404.
func familyMemberIDs(r *http.Request) (familyID, personID int64, err error) {
	if familyID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	personID, err = pathID(r, "person_id")
	return familyID, personID, err
}
