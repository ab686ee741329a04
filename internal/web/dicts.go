package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"jinguo/internal/apperr"
	"jinguo/internal/dicts"
)

type dictListData struct {
	Dicts []dicts.Dictionary
}

func (s *Server) dictListPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.ListDictionaries(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "字典", crumb{Label: "系统管理"}, crumb{Label: "字典"})
	v.Data = dictListData{Dicts: list}
	s.render(w, r, "dict_list", v)
}

// dictItemRow is an item as the dictionary page lists it.
type dictItemRow struct {
	dicts.Item
	ParentName string
	Seeded     bool // built in: can be disabled, not deleted
}

type dictPageData struct {
	Dict dicts.Dictionary
	Rows []dictItemRow
}

type dictItemData struct {
	Dict    dicts.Dictionary
	Item    dicts.Item
	Parents []dicts.Item // items that may be its parent
	Seeded  bool
}

func dictRows(d dicts.Dictionary) []dictItemRow {
	out := make([]dictItemRow, len(d.Items))
	for i, it := range d.Items {
		out[i] = dictItemRow{Item: it, Seeded: dicts.Seeded(d.Name, it.Code)}
		if it.ParentCode != "" {
			out[i].ParentName = dicts.Label(d.Items, it.ParentCode)
		}
	}
	return out
}

// nextSort suggests the order number of a new item: after the last one.
func nextSort(items []dicts.Item) int {
	n := 0
	for _, it := range items {
		n = max(n, it.Sort)
	}
	return min(n+10, dicts.MaxSort)
}

func (s *Server) dictPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.store.Dictionary(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.dictView(r, d)
	v.Form.Values.Set("sort", strconv.Itoa(nextSort(d.Items)))
	v.Form.Values.Set("enabled", "1")
	s.render(w, r, "dict_detail", v)
}

func (s *Server) dictView(r *http.Request, d dicts.Dictionary) *view {
	v := s.newView(r, d.Label, crumb{Label: "字典", Href: "/dicts"}, crumb{Label: d.Label})
	v.Data = dictPageData{Dict: d, Rows: dictRows(d)}
	return v
}

func (s *Server) dictItemPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.store.Dictionary(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(d.Items, func(it dicts.Item) bool { return it.Code == r.PathValue("code") })
	if i < 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "字典项不存在"))
		return
	}
	it := d.Items[i]
	v := s.dictItemView(r, d, it)
	v.Form.Values.Set("name", it.Name)
	v.Form.Values.Set("parent_code", it.ParentCode)
	v.Form.Values.Set("sort", strconv.Itoa(it.Sort))
	if it.Enabled {
		v.Form.Values.Set("enabled", "1")
	}
	s.render(w, r, "dict_item", v)
}

func (s *Server) dictItemView(r *http.Request, d dicts.Dictionary, it dicts.Item) *view {
	v := s.newView(r, "修改字典项", crumb{Label: "字典", Href: "/dicts"}, crumb{Label: d.Label, Href: "/dicts/" + url.PathEscape(d.Name)}, crumb{Label: it.Name})
	parents := slices.DeleteFunc(slices.Clone(d.Items), func(p dicts.Item) bool { return p.Code == it.Code })
	v.Data = dictItemData{Dict: d, Item: it, Parents: parents, Seeded: dicts.Seeded(d.Name, it.Code)}
	return v
}

// dictItemSave adds an item (mode "new", from the dictionary page) or
// changes one (from its edit page). An added item must not take the code
// of another, which the store would otherwise update.
func (s *Server) dictItemSave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	d, err := s.store.Dictionary(ctx, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	isNew := f.Get("mode") == "new"
	in := dicts.ItemInput{Code: f.Get("code"), Name: f.Get("name"), ParentCode: f.Get("parent_code"), Enabled: f.Get("enabled") != ""}.Normalized()
	i := slices.IndexFunc(d.Items, func(it dicts.Item) bool { return it.Code == in.Code })
	bad := apperr.Fields{}
	if sort := strings.TrimSpace(f.Get("sort")); sort != "" {
		n, perr := strconv.Atoi(sort)
		if perr != nil {
			bad.Add("sort", "排序号应为整数")
		}
		in.Sort = n
	}
	switch {
	case isNew && i >= 0:
		bad.Add("code", "该代码已存在；如需修改，请点击该项的“修改”")
	case !isNew && i < 0:
		s.fail(w, r, apperr.New(apperr.NotFound, "字典项不存在"))
		return
	}
	if err = bad.Err(); err == nil {
		var it dicts.Item
		if it, err = s.store.SaveDictItem(ctx, actorFrom(r), d.Name, in); err == nil {
			msg := "已保存“" + it.Name + "”"
			if isNew {
				msg = "已新增“" + it.Name + "”"
			}
			redirectOK(w, r, "/dicts/"+url.PathEscape(d.Name), msg)
			return
		}
	}
	var v *view
	page := "dict_detail"
	if isNew {
		v = s.dictView(r, d)
		// The add form sits below a long table: say so at the top.
		v.Flash = &flash{Kind: "error", Message: "未能新增，请按页面下方“新增一项”中的提示修改"}
	} else {
		v = s.dictItemView(r, d, d.Items[i])
		page = "dict_item"
	}
	v.Form = newForm(f)
	if !v.Form.fail(err) {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, statusOf(err), page, v)
}

func (s *Server) dictItemDelete(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, code := r.PathValue("name"), r.PathValue("code")
	to := "/dicts/" + url.PathEscape(name)
	if err := s.store.DeleteDictItem(r.Context(), actorFrom(r), name, code); err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal && e.Kind != apperr.NotFound {
			setFlash(w, "error", "未能删除“"+code+"”："+firstMessage(e))
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	redirectOK(w, r, to, "已删除“"+code+"”")
}
