package dicts

import (
	"maps"
	"testing"

	"jinguo/internal/apperr"
	"jinguo/internal/orgs"
)

func TestSeeds(t *testing.T) {
	want := map[string]int{PersonTag: 15, Ethnicity: 58, Education: 8, Employment: 8, OrgKind: 11, Relation: 6, CaseCategory: 34, ReferralAgency: 9}
	seen := map[string]bool{}
	for _, d := range Seeds() {
		if seen[d.Name] {
			t.Errorf("dictionary %q seeded twice", d.Name)
		}
		seen[d.Name] = true
		if n, ok := want[d.Name]; !ok {
			t.Errorf("unexpected dictionary %q", d.Name)
		} else if len(d.Items) != n || d.ItemCount != n {
			t.Errorf("%s: got %d items (count %d), want %d", d.Name, len(d.Items), d.ItemCount, n)
		}
		if d.Label == "" || !d.BuiltIn {
			t.Errorf("%s: label %q built-in %v", d.Name, d.Label, d.BuiltIn)
		}
		codes := map[string]bool{}
		for i, it := range d.Items {
			in := ItemInput{Code: it.Code, Name: it.Name, ParentCode: it.ParentCode, Sort: it.Sort, Enabled: it.Enabled}
			if err := in.Validate(); err != nil {
				t.Errorf("%s/%s: %v", d.Name, it.Code, err)
			}
			if codes[it.Code] {
				t.Errorf("%s: code %q repeated", d.Name, it.Code)
			}
			codes[it.Code] = true
			if it.Dict != d.Name || !it.Enabled || (i > 0 && it.Sort <= d.Items[i-1].Sort) {
				t.Errorf("%s/%s: got %+v", d.Name, it.Code, it)
			}
			if it.ParentCode != "" && !codes[it.ParentCode] {
				t.Errorf("%s/%s: parent %q not listed before it", d.Name, it.Code, it.ParentCode)
			}
			if !Seeded(d.Name, it.Code) {
				t.Errorf("Seeded(%q, %q) = false", d.Name, it.Code)
			}
		}
	}
	if Seeded(PersonTag, "nope") || Seeded("nope", "dibao") {
		t.Error("Seeded reports an unknown code")
	}
}

func TestSeedEthnicity(t *testing.T) {
	items := seedItems(t, Ethnicity)
	for code, name := range map[string]string{"01": "汉族", "02": "蒙古族", "05": "维吾尔族", "10": "朝鲜族", "22": "畲族",
		"29": "柯尔克孜族", "37": "仡佬族", "43": "乌孜别克族", "50": "塔塔尔族", "56": "基诺族",
		"97": "其他未识别民族", "98": "外国血统中国籍人士"} {
		if got := Label(items, code); got != name {
			t.Errorf("ethnicity %s: got %q, want %q", code, got, name)
		}
	}
	if items[0].Code != "01" || items[55].Code != "56" {
		t.Errorf("ethnicity order: got %s … %s", items[0].Code, items[55].Code)
	}
}

func TestSeedOrgKinds(t *testing.T) {
	items := seedItems(t, OrgKind)
	for i, k := range orgs.Kinds() {
		if items[i].Code != string(k) || items[i].Name != k.Label() {
			t.Errorf("org_kind %d: got %s %s, want %s %s", i, items[i].Code, items[i].Name, k, k.Label())
		}
	}
}

func seedItems(t *testing.T, name string) []Item {
	t.Helper()
	for _, d := range Seeds() {
		if d.Name == name {
			return d.Items
		}
	}
	t.Fatalf("no seed %q", name)
	return nil
}

func TestItemInputValidate(t *testing.T) {
	tests := []struct {
		name string
		in   ItemInput
		want map[string]string
	}{
		{"ok", ItemInput{Code: " new_tag1 ", Name: " 新标签 ", Sort: 10, Enabled: true}, nil},
		{"ok with parent", ItemInput{Code: "B_2", Name: "子项", ParentCode: "a1"}, nil},
		{"empty", ItemInput{}, map[string]string{"code": "请填写代码", "name": "请填写名称"}},
		{"bad code", ItemInput{Code: "低保", Name: "低保"}, map[string]string{"code": "代码只能由字母、数字和下划线组成，最多32位"}},
		{"code with dash", ItemInput{Code: "a-b", Name: "x"}, map[string]string{"code": "代码只能由字母、数字和下划线组成，最多32位"}},
		{"long code", ItemInput{Code: "a234567890123456789012345678901234", Name: "x"}, map[string]string{"code": "代码只能由字母、数字和下划线组成，最多32位"}},
		{"long name", ItemInput{Code: "a", Name: "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"}, map[string]string{"name": "名称过长（最多40个字）"}},
		{"bad parent", ItemInput{Code: "a", Name: "x", ParentCode: "a b"}, map[string]string{"parent_code": "上级代码只能由字母、数字和下划线组成，最多32位"}},
		{"self parent", ItemInput{Code: "a", Name: "x", ParentCode: "a"}, map[string]string{"parent_code": "上级代码不能是自身"}},
		{"negative sort", ItemInput{Code: "a", Name: "x", Sort: -1}, map[string]string{"sort": "排序号应在0到99999之间"}},
		{"huge sort", ItemInput{Code: "a", Name: "x", Sort: 100000}, map[string]string{"sort": "排序号应在0到99999之间"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			var got map[string]string
			if e := apperr.As(err); e != nil {
				got = e.Fields
			} else if err != nil {
				t.Fatalf("got %v, want a fields error", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLabel(t *testing.T) {
	items := []Item{{Code: "a", Name: "甲"}, {Code: "b", Name: "乙"}}
	if got := Label(items, "b"); got != "乙" {
		t.Errorf("got %q, want 乙", got)
	}
	if got := Label(items, "zz"); got != "zz" {
		t.Errorf("got %q, want zz", got)
	}
}
