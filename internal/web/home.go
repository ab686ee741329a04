package web

import (
	"net/http"
	"strconv"

	"jinguo/internal/auth"
	"jinguo/internal/store"
)

type homeStat struct {
	Label string
	Value string
	Href  string
}

type homeTag struct {
	Code, Label string
	Count       int
}

type homeData struct {
	Stats  []homeStat
	Tags   []homeTag
	Recent []store.PersonRecord
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	c, err := s.store.ScopeCounts(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var d homeData
	if a.Can(auth.OrgsRead) {
		d.Stats = append(d.Stats, homeStat{"组织", strconv.Itoa(c.Orgs), "/orgs"})
	}
	if a.Can(auth.PeopleRead) {
		d.Stats = append(d.Stats, homeStat{"登记人员", strconv.Itoa(c.People), "/people"}, homeStat{"家庭", strconv.Itoa(c.Families), "/families"})
		tags, err := s.store.CountTags(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		labels, err := s.store.EnabledCodes(ctx, "person_tag")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, t := range tags {
			l, ok := labels[t.Code]
			if !ok {
				l = t.Code
			}
			d.Tags = append(d.Tags, homeTag{Code: t.Code, Label: l, Count: t.Count})
		}
		if d.Recent, _, err = s.store.ListPeople(ctx, a, store.PeopleFilter{Limit: 8}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if a.Can(auth.CasesRead) {
		open, err := s.store.CountCases(ctx, a, store.CaseFilter{Open: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		overdue, err := s.store.CountCases(ctx, a, store.CaseFilter{Overdue: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Stats = append(d.Stats, homeStat{"在办维权案件", strconv.Itoa(open), "/cases?open=1"}, homeStat{"超期案件", strconv.Itoa(overdue), "/cases/overdue"})
	}
	if a.Can(auth.UsersRead) {
		d.Stats = append(d.Stats, homeStat{"账号", strconv.Itoa(c.Users), "/users"})
	}
	v := s.newView(r, "工作台")
	v.Data = d
	s.render(w, r, "home", v)
}
