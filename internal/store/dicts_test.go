package store_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/dicts"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

func openDicts(t *testing.T, s *store.Store) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := s.EnsureDictionaries(ctx); err != nil {
		t.Fatalf("EnsureDictionaries: %v", err)
	}
	return ctx
}

func TestDictSeeds(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := openDicts(t, s)
		list, err := s.ListDictionaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seeds := dicts.Seeds()
		if len(list) != len(seeds) {
			t.Fatalf("got %d dictionaries, want %d", len(list), len(seeds))
		}
		for i, d := range list {
			if d.Name != seeds[i].Name || d.Label != seeds[i].Label || !d.BuiltIn || d.ItemCount != len(seeds[i].Items) {
				t.Errorf("dictionary %d: got %s %s built-in %v %d items, want %s %s %d items",
					i, d.Name, d.Label, d.BuiltIn, d.ItemCount, seeds[i].Name, seeds[i].Label, len(seeds[i].Items))
			}
		}

		eth, err := s.Dictionary(ctx, dicts.Ethnicity)
		if err != nil {
			t.Fatal(err)
		}
		if len(eth.Items) != 58 || eth.Items[0].Code != "01" || eth.Items[0].Name != "汉族" || eth.Items[55].Name != "基诺族" || eth.Items[57].Code != "98" {
			t.Fatalf("ethnicity: got %d items, first %+v", len(eth.Items), eth.Items[0])
		}

		// An admin's edit survives the next start; a removed seed row comes back.
		if _, err := s.SaveDictItem(ctx, auth.System(), dicts.Ethnicity, dicts.ItemInput{Code: "01", Name: "汉", Sort: 10, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM dict_items WHERE dict = 'relation' AND code = 'grand'`); err != nil {
			t.Fatal(err)
		}
		if err := s.EnsureDictionaries(ctx); err != nil {
			t.Fatalf("second EnsureDictionaries: %v", err)
		}
		codes, err := s.EnabledCodes(ctx, dicts.Ethnicity)
		if err != nil {
			t.Fatal(err)
		}
		if got := codes["01"]; got != "汉" || len(codes) != 58 {
			t.Errorf("after second run: got 01=%q and %d codes, want 汉 and 58", got, len(codes))
		}
		rel, err := s.EnabledCodes(ctx, dicts.Relation)
		if err != nil {
			t.Fatal(err)
		}
		if rel["grand"] != "祖孙" || len(rel) != 6 {
			t.Errorf("relation: got %v", rel)
		}

		if _, err := s.Dictionary(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown dictionary: got %v, want not found", err)
		}
		if _, err := s.EnabledCodes(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown dictionary codes: got %v, want not found", err)
		}
	})
}

func TestDictSaveAndDisable(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := openDicts(t, s)
		a := auth.System()
		it, err := s.SaveDictItem(ctx, a, dicts.PersonTag, dicts.ItemInput{Code: " widow ", Name: " 丧偶 ", Sort: 5, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		want := dicts.Item{Dict: dicts.PersonTag, Code: "widow", Name: "丧偶", Sort: 5, Enabled: true}
		if it != want {
			t.Fatalf("got %+v, want %+v", it, want)
		}
		d, err := s.Dictionary(ctx, dicts.PersonTag)
		if err != nil {
			t.Fatal(err)
		}
		if d.Items[0] != want || d.ItemCount != 16 {
			t.Errorf("first item %+v of %d, want %+v of 16", d.Items[0], d.ItemCount, want)
		}
		if err := s.CheckCodes(ctx, dicts.PersonTag, "tags", "widow", "dibao", ""); err != nil {
			t.Errorf("CheckCodes enabled: %v", err)
		}

		// Disable it: it stays in the dictionary but is no longer offered.
		if _, err := s.SaveDictItem(ctx, a, dicts.PersonTag, dicts.ItemInput{Code: "widow", Name: "丧偶", Sort: 5}); err != nil {
			t.Fatal(err)
		}
		codes, err := s.EnabledCodes(ctx, dicts.PersonTag)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := codes["widow"]; ok || codes["dibao"] != "低保" {
			t.Errorf("enabled codes: got %v", codes)
		}
		err = s.CheckCodes(ctx, dicts.PersonTag, "tags", "dibao", "widow", "zz")
		if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Fields["tags"] != "所选“人员标签”无效：widow、zz" {
			t.Errorf("CheckCodes disabled: got %v", err)
		}

		entries, _, err := s.ListAudit(ctx, a, audit.Filter{Entity: "dict_item"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []audit.Action
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if len(entries) != 2 || actions[0] != audit.Update || actions[1] != audit.Create ||
			!strings.Contains(entries[0].Detail, `"enabled":{"from":"启用","to":"停用"}`) || !strings.Contains(entries[0].Detail, `"widow"`) {
			t.Errorf("audit: got %v %+v", actions, entries)
		}

		// Saving without a change writes no audit entry.
		if _, err := s.SaveDictItem(ctx, a, dicts.PersonTag, dicts.ItemInput{Code: "widow", Name: "丧偶", Sort: 5}); err != nil {
			t.Fatal(err)
		}
		if entries, _, _ := s.ListAudit(ctx, a, audit.Filter{Entity: "dict_item"}); len(entries) != 2 {
			t.Errorf("no-op save: got %d audit entries, want 2", len(entries))
		}
	})
}

func TestDictDelete(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := openDicts(t, s)
		a := auth.System()
		if _, err := s.CreateOrg(ctx, a, orgs.Input{Kind: orgs.City, Name: "市妇联", DivisionCode: "330100000000"}); err != nil {
			t.Fatal(err)
		}
		// A custom kind used by an org row cannot be deleted.
		if _, err := s.SaveDictItem(ctx, a, dicts.OrgKind, dicts.ItemInput{Code: "pilot", Name: "试点", Sort: 200, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO orgs (name, kind, created_at, updated_at) VALUES ('试点妇联', 'pilot', 0, 0)`); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ dict, code, want string }{
			{dicts.OrgKind, "pilot", "该代码正在使用，不能删除，可以停用"},
			{dicts.OrgKind, "city", "系统内置代码不能删除，可以停用"},
			{dicts.OrgKind, "parent_school", "系统内置代码不能删除，可以停用"},
		} {
			err := s.DeleteDictItem(ctx, a, tt.dict, tt.code)
			if e := apperr.As(err); e == nil || e.Kind != apperr.Conflict || e.Message != tt.want {
				t.Errorf("delete %s/%s: got %v, want conflict %q", tt.dict, tt.code, err, tt.want)
			}
		}

		// A parent in use by a child is refused until the child goes.
		for _, in := range []dicts.ItemInput{
			{Code: "area", Name: "片区", Enabled: true},
			{Code: "area_north", Name: "北片", ParentCode: "area", Enabled: true},
		} {
			if _, err := s.SaveDictItem(ctx, a, "relation", in); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteDictItem(ctx, a, dicts.Relation, "area"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("delete parent: got %v, want conflict", err)
		}
		if err := s.DeleteDictItem(ctx, a, dicts.Relation, "area_north"); err != nil {
			t.Fatalf("delete unused: %v", err)
		}
		if err := s.DeleteDictItem(ctx, a, dicts.Relation, "area"); err != nil {
			t.Fatalf("delete unused parent: %v", err)
		}
		d, err := s.Dictionary(ctx, dicts.Relation)
		if err != nil {
			t.Fatal(err)
		}
		if d.ItemCount != 6 || dicts.Label(d.Items, "area") != "area" {
			t.Errorf("after delete: got %d items", d.ItemCount)
		}
		if err := s.DeleteDictItem(ctx, a, dicts.Relation, "area"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("delete again: got %v, want not found", err)
		}
		if err := s.DeleteDictItem(ctx, a, "nope", "x"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("delete in unknown dictionary: got %v, want not found", err)
		}
		entries, _, err := s.ListAudit(ctx, a, audit.Filter{Entity: "dict_item", Action: audit.Delete})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || !strings.Contains(entries[0].Detail, `"area"`) {
			t.Errorf("delete audit: got %+v", entries)
		}
	})
}

func TestDictSaveInvalid(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := openDicts(t, s)
		a := auth.System()
		for _, in := range []dicts.ItemInput{{Code: "a", Name: "甲"}, {Code: "b", Name: "乙", ParentCode: "a"}} {
			if _, err := s.SaveDictItem(ctx, a, dicts.Employment, in); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			in   dicts.ItemInput
			want map[string]string
		}{
			{"empty", dicts.ItemInput{}, map[string]string{"code": "请填写代码", "name": "请填写名称"}},
			{"chinese code", dicts.ItemInput{Code: "低保", Name: "低保"}, map[string]string{"code": "代码只能由字母、数字和下划线组成，最多32位"}},
			{"bad sort", dicts.ItemInput{Code: "x", Name: "x", Sort: -5}, map[string]string{"sort": "排序号应在0到99999之间"}},
			{"missing parent", dicts.ItemInput{Code: "x", Name: "x", ParentCode: "zz"}, map[string]string{"parent_code": "上级代码不存在"}},
			{"cycle", dicts.ItemInput{Code: "a", Name: "甲", ParentCode: "b"}, map[string]string{"parent_code": "上级代码不能是自身或其下级"}},
		}
		for _, tt := range tests {
			_, err := s.SaveDictItem(ctx, a, dicts.Employment, tt.in)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || !maps.Equal(e.Fields, tt.want) {
				t.Errorf("%s: got %v, want fields %v", tt.name, err, tt.want)
			}
		}
		if _, err := s.SaveDictItem(ctx, a, "nope", dicts.ItemInput{Code: "x", Name: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown dictionary: got %v, want not found", err)
		}
	})
}
