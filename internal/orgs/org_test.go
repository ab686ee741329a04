package orgs

import (
	"maps"
	"strings"
	"testing"

	"jinguo/internal/apperr"
)

var (
	city      = Org{ID: 1, Name: "南京市妇联", Kind: City, DivisionCode: "320100000000", Status: Active}
	district  = Org{ID: 2, ParentID: 1, Name: "玄武区妇联", Kind: District, DivisionCode: "320102000000", Status: Active, Depth: 1}
	district2 = Org{ID: 3, ParentID: 1, Name: "秦淮区妇联", Kind: District, DivisionCode: "320104000000", Status: Active, Depth: 1}
	township  = Org{ID: 4, ParentID: 2, Name: "梅园新村街道妇联", Kind: Township, DivisionCode: "320102002000", Status: Active, Depth: 2}
	township2 = Org{ID: 5, ParentID: 2, Name: "新街口街道妇联", Kind: Township, DivisionCode: "320102003000", Status: Active, Depth: 2}
	village   = Org{ID: 7, ParentID: 4, Name: "大悲巷社区妇联", Kind: Village, DivisionCode: "320102002001", Status: Active, Depth: 3}
	unit      = Org{ID: 8, ParentID: 2, Name: "某公司妇委会", Kind: Unit, Status: Active, Depth: 2}
	closed    = Org{ID: 9, ParentID: 1, Name: "已撤销区妇联", Kind: District, DivisionCode: "320105000000", Status: Closed, Depth: 1}
)

func ptr(o Org) *Org { return &o }

func TestInputValidate(t *testing.T) {
	tests := []struct {
		name   string
		in     Input
		parent *Org
		want   map[string]string
	}{
		{"root city", Input{Name: "南京市妇联", Kind: City, DivisionCode: "320100000000"}, nil, nil},
		{"root city without code", Input{Name: "南京市妇联", Kind: City}, nil, nil},
		{"root must be city", Input{Name: "玄武区妇联", Kind: District, DivisionCode: "320102000000"}, nil,
			map[string]string{"kind": "最上级组织只能是市妇联"}},
		{"district", Input{ParentID: 1, Name: " 鼓楼区妇联 ", Kind: District, DivisionCode: " 320106000000 "}, ptr(city), nil},
		{"district missing code", Input{ParentID: 1, Name: "鼓楼区妇联", Kind: District}, ptr(city),
			map[string]string{"division_code": "请填写行政区划代码"}},
		{"district under district", Input{ParentID: 2, Name: "某区", Kind: District, DivisionCode: "320106000000"}, ptr(district),
			map[string]string{"kind": "区县妇联只能建在市妇联之下"}},
		{"township under city", Input{ParentID: 1, Name: "某街道", Kind: Township, DivisionCode: "320100001000"}, ptr(city),
			map[string]string{"kind": "乡镇（街道）妇联只能建在区县妇联之下"}},
		{"township", Input{ParentID: 2, Name: "玄武门街道妇联", Kind: Township, DivisionCode: "320102001000"}, ptr(district), nil},
		{"village under district", Input{ParentID: 2, Name: "某社区", Kind: Village, DivisionCode: "320102000001"}, ptr(district),
			map[string]string{"kind": "村（社区）妇联只能建在乡镇（街道）妇联之下"}},
		{"village", Input{ParentID: 4, Name: "某社区", Kind: Village, DivisionCode: "320102002002"}, ptr(township), nil},
		{"village wrong code", Input{ParentID: 4, Name: "某社区", Kind: Village, DivisionCode: "320102003002"}, ptr(township),
			map[string]string{"division_code": "行政区划代码与上级组织不符（前9位应与上级组织相同）"}},
		{"city under city", Input{ParentID: 1, Name: "某市", Kind: City}, ptr(city),
			map[string]string{"kind": "市妇联只能是最上级组织"}},
		{"unit under village", Input{ParentID: 7, Name: "某企业妇委会", Kind: Unit}, ptr(village), nil},
		{"parent school under city", Input{ParentID: 1, Name: "某家长学校", Kind: ParentSchool}, ptr(city), nil},
		{"unit with code", Input{ParentID: 2, Name: "某企业妇委会", Kind: Unit, DivisionCode: "320102000000"}, ptr(district),
			map[string]string{"division_code": "该类型组织不填写行政区划代码"}},
		{"closed parent", Input{ParentID: 9, Name: "某街道", Kind: Township, DivisionCode: "320105001000"}, ptr(closed),
			map[string]string{"parent_id": "上级组织已撤销，不能在其下新建"}},
		{"everything wrong", Input{ParentID: 1, Kind: "town",
			Contact: strings.Repeat("人", 31), Phone: strings.Repeat("1", 31), Address: strings.Repeat("路", 201)}, ptr(closed),
			map[string]string{
				"name":      "请填写组织名称",
				"kind":      "请选择组织类型",
				"parent_id": "上级组织不存在",
				"contact":   "联系人过长（最多30个字）",
				"phone":     "联系电话过长（最多30个字）",
				"address":   "地址过长（最多200个字）",
			}},
		{"name too long", Input{ParentID: 1, Name: strings.Repeat("妇", 61), Kind: Unit}, ptr(city),
			map[string]string{"name": "组织名称过长（最多60个字）"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate(tt.parent)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid {
				t.Fatalf("got %v, want Invalid error", err)
			}
			if !maps.Equal(e.Fields, tt.want) {
				t.Errorf("got fields %v, want %v", e.Fields, tt.want)
			}
		})
	}
}

func TestCheckMove(t *testing.T) {
	tests := []struct {
		name       string
		org        Org
		newParent  Org
		descendant bool
		want       string
	}{
		{"village to sibling township", village, township2, false, "本组织的行政区划代码与新的上级组织不符：行政区划代码与上级组织不符（前9位应与上级组织相同）"},
		{"village with matching code", Org{ID: 10, ParentID: 5, Kind: Village, DivisionCode: "320102002005", Status: Active}, township, false, ""},
		{"village to district", village, district, false, "村（社区）妇联只能建在乡镇（街道）妇联之下"},
		{"township to other district", township, district2, false, "本组织的行政区划代码与新的上级组织不符：行政区划代码与上级组织不符（前6位应与上级组织相同）"},
		{"township with matching code", Org{ID: 11, ParentID: 3, Kind: Township, DivisionCode: "320102009000", Status: Active}, district, false, ""},
		{"unit anywhere", unit, village, false, ""},
		{"unit to city", unit, city, false, ""},
		{"root", city, district, false, "不能移动最上级组织"},
		{"under itself", district, district, false, "不能移动到自己或下级组织之下"},
		{"under descendant", district, unit, true, "不能移动到自己或下级组织之下"},
		{"under closed", unit, closed, false, "不能移动到已撤销的组织之下"},
		{"district under district", district, district2, false, "区县妇联只能建在市妇联之下"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMove(tt.org, tt.newParent, tt.descendant)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid {
				t.Fatalf("got %v, want Invalid error", err)
			}
			if e.Message != tt.want || e.Fields["parent_id"] != tt.want {
				t.Errorf("got message %q, fields %v, want %q", e.Message, e.Fields, tt.want)
			}
		})
	}
}
