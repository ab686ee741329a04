package people

import (
	"strings"
	"testing"

	"jinguo/internal/apperr"
)

func TestParseRelation(t *testing.T) {
	tests := []struct {
		in   string
		want Relation
		ok   bool
	}{
		{"head", Head, true},
		{"配偶", Spouse, true},
		{" 子女 ", Child, true},
		{"grand", Grand, true},
		{"邻居", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseRelation(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRelation(%q): got %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, r := range Relations() {
		if r.Label() == "" {
			t.Errorf("%q.Label(): got empty, want a label", r)
		}
	}
}

func TestFamilyInputValidate(t *testing.T) {
	tests := []struct {
		name string
		in   FamilyInput
		want map[string]string
	}{
		{"ok", FamilyInput{OrgID: 1, Name: "王家"}, nil},
		{"missing", FamilyInput{}, map[string]string{"org_id": "请选择所属组织", "name": "请填写家庭名称"}},
		{"long", FamilyInput{OrgID: 1, Name: strings.Repeat("王", 41), Note: strings.Repeat("注", 501)},
			map[string]string{"name": "家庭名称过长（最多40个字）", "note": "备注过长（最多500个字）"}},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: got %v, want nil", tt.name, err)
			}
			continue
		}
		e := apperr.As(err)
		if e == nil || len(e.Fields) != len(tt.want) {
			t.Fatalf("%s: got %v, want fields %v", tt.name, err, tt.want)
		}
		for k, v := range tt.want {
			if e.Fields[k] != v {
				t.Errorf("%s: field %s: got %q, want %q", tt.name, k, e.Fields[k], v)
			}
		}
	}
}

func TestValidateMembers(t *testing.T) {
	tests := []struct {
		name string
		in   []Member
		want string
	}{
		{"empty", nil, ""},
		{"ok", []Member{{1, "", Head}, {2, "", Spouse}, {3, "", Child}}, ""},
		{"two heads", []Member{{1, "", Head}, {2, "", Head}}, "一个家庭只能有一位户主"},
		{"twice", []Member{{1, "", Head}, {1, "", Spouse}}, "同一人不能重复加入家庭"},
		{"bad relation", []Member{{1, "", "cousin"}}, "请选择与户主的关系"},
		{"no person", []Member{{0, "", Child}}, "请选择家庭成员"},
	}
	for _, tt := range tests {
		err := ValidateMembers(tt.in)
		got := ""
		if e := apperr.As(err); e != nil {
			got = e.Message
		} else if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
