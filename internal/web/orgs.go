package web

import (
	"net/http"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
)

// pathID reads a numeric path value; anything else is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "记录不存在")
	}
	return id, nil
}

// queryID reads an optional numeric query parameter (0 when absent or bad).
func queryID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return id
}

func formID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get(name)), 10, 64)
	return id
}

type orgTreeData struct {
	Roots []*store.TreeNode
	Q     string
	Found []orgs.Org
}

func (s *Server) orgTreePage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	d := orgTreeData{Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	var err error
	if d.Q != "" {
		d.Found, _, err = s.store.ListOrgs(r.Context(), a, store.OrgFilter{Q: d.Q, Limit: 200})
	} else {
		d.Roots, err = s.store.OrgTree(r.Context(), a)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "组织架构", crumb{Label: "组织架构"})
	v.Data = d
	s.render(w, r, "org_tree", v)
}

type orgDetailData struct {
	Org      orgs.Org
	Path     []orgs.Org
	Children []orgs.Org
	Parents  []orgs.Org // where it may move
	Counts   *store.TreeNode
}

func (s *Server) orgDetailPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	ctx := r.Context()
	o, err := s.store.GetOrg(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := orgDetailData{Org: o}
	if d.Path, err = s.store.OrgPath(ctx, a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Children, _, err = s.store.ListOrgs(ctx, a, store.OrgFilter{ParentID: id, Limit: 1000}); err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Can(auth.OrgsWrite) && o.ParentID != 0 {
		if d.Parents, err = s.moveTargets(r, o); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v := s.newView(r, o.Name, crumb{Label: "组织架构", Href: "/orgs"}, crumb{Label: o.Name})
	v.Data = d
	s.render(w, r, "org_detail", v)
}

// moveTargets lists the orgs in scope an org may move under: the level
// above for territorial orgs, any active org for the others.
func (s *Server) moveTargets(r *http.Request, o orgs.Org) ([]orgs.Org, error) {
	f := store.OrgFilter{Status: orgs.Active, Limit: 5000}
	switch o.Kind {
	case orgs.District:
		f.Kind = orgs.City
	case orgs.Township:
		f.Kind = orgs.District
	case orgs.Village:
		f.Kind = orgs.Township
	}
	list, _, err := s.store.ListOrgs(r.Context(), actorFrom(r), f)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, p := range list {
		if p.ID != o.ID && p.ID != o.ParentID {
			out = append(out, p)
		}
	}
	return out, nil
}

type orgFormData struct {
	Org    orgs.Org
	Parent orgs.Org
	Kinds  []orgs.Kind
	IsNew  bool
}

func orgInputFrom(r *http.Request) orgs.Input {
	f := r.PostForm
	return orgs.Input{
		ParentID:     formID(r, "parent_id"),
		Name:         f.Get("name"),
		Kind:         orgs.Kind(f.Get("kind")),
		DivisionCode: f.Get("division_code"),
		Contact:      f.Get("contact"),
		Phone:        f.Get("phone"),
		Address:      f.Get("address"),
	}
}

// childKinds are the kinds that may be created under parent.
func childKinds(parent orgs.Org) []orgs.Kind {
	var out []orgs.Kind
	for _, k := range orgs.Kinds() {
		if k.Territorial() && k.Level() != parent.Kind.Level()+1 {
			continue
		}
		if k.Territorial() && !parent.Kind.Territorial() {
			continue
		}
		out = append(out, k)
	}
	return out
}

func (s *Server) orgNewPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	parentID := queryID(r, "parent")
	if parentID == 0 {
		parentID = a.OrgID
	}
	parent, err := s.store.GetOrg(r.Context(), a, parentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "新建组织", crumb{Label: "组织架构", Href: "/orgs"}, crumb{Label: parent.Name, Href: "/orgs/" + strconv.FormatInt(parent.ID, 10)}, crumb{Label: "新建下级组织"})
	v.Form.Values.Set("parent_id", strconv.FormatInt(parent.ID, 10))
	v.Data = orgFormData{Parent: parent, Kinds: childKinds(parent), IsNew: true}
	s.render(w, r, "org_form", v)
}

func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorFrom(r)
	in := orgInputFrom(r)
	o, err := s.store.CreateOrg(r.Context(), a, in)
	if err != nil {
		parent, perr := s.store.GetOrg(r.Context(), a, in.ParentID)
		v := s.newView(r, "新建组织", crumb{Label: "组织架构", Href: "/orgs"}, crumb{Label: "新建下级组织"})
		v.Form = newForm(r.PostForm)
		if perr != nil || !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		v.Data = orgFormData{Parent: parent, Kinds: childKinds(parent), IsNew: true}
		s.renderStatus(w, r, statusOf(err), "org_form", v)
		return
	}
	redirectOK(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10), "已新建组织“"+o.Name+"”")
}

func (s *Server) orgEditPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.store.GetOrg(r.Context(), actorFrom(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "修改组织", crumb{Label: "组织架构", Href: "/orgs"}, crumb{Label: o.Name, Href: "/orgs/" + strconv.FormatInt(o.ID, 10)}, crumb{Label: "修改"})
	v.Form.Values.Set("name", o.Name)
	v.Form.Values.Set("division_code", o.DivisionCode)
	v.Form.Values.Set("contact", o.Contact)
	v.Form.Values.Set("phone", o.Phone)
	v.Form.Values.Set("address", o.Address)
	v.Data = orgFormData{Org: o}
	s.render(w, r, "org_form", v)
}

func (s *Server) orgUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	a := actorFrom(r)
	o, err := s.store.UpdateOrg(r.Context(), a, id, orgInputFrom(r))
	if err != nil {
		old, gerr := s.store.GetOrg(r.Context(), a, id)
		v := s.newView(r, "修改组织", crumb{Label: "组织架构", Href: "/orgs"}, crumb{Label: "修改"})
		v.Form = newForm(r.PostForm)
		if gerr != nil || !v.Form.fail(err) {
			s.fail(w, r, err)
			return
		}
		v.Data = orgFormData{Org: old}
		s.renderStatus(w, r, statusOf(err), "org_form", v)
		return
	}
	redirectOK(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10), "已保存")
}

func (s *Server) orgMove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	o, err := s.store.MoveOrg(r.Context(), actorFrom(r), id, formID(r, "parent_id"))
	if err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal {
			setFlash(w, "error", "未能移动："+firstMessage(e))
			http.Redirect(w, r, "/orgs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10), "已移动到新的上级组织")
}

func (s *Server) orgSetStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idAndForm(w, r, "id")
	if !ok {
		return
	}
	status := orgs.Status(r.PostForm.Get("status"))
	o, err := s.store.SetOrgStatus(r.Context(), actorFrom(r), id, status)
	if err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal && e.Kind != apperr.NotFound {
			setFlash(w, "error", firstMessage(e))
			http.Redirect(w, r, "/orgs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	msg := "已恢复"
	if o.Status == orgs.Closed {
		msg = "已撤销，历史记录保留"
	}
	redirectOK(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10), msg)
}

// firstMessage is the most specific message of e: a field's, else the
// error's own.
func firstMessage(e *apperr.Error) string {
	for _, m := range e.Fields {
		return m
	}
	return e.Message
}
