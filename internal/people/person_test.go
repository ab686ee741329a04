package people

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"jinguo/internal/apperr"
)

func validInput() Input {
	return Input{
		OrgID:     7,
		Name:      " 王小芳 ",
		IDNumber:  "11010519491231002x",
		Phone:     "138 1234 8000",
		Sex:       "女",
		Ethnicity: "01",
		Tags:      []string{" poor ", "poor", "", "single_mother"},
	}
}

func TestInputValidateOK(t *testing.T) {
	p, err := validInput().Validate(today)
	if err != nil {
		t.Fatalf("Validate: got %v, want nil", err)
	}
	checks := []struct{ field, got, want string }{
		{"Name", p.Name, "王小芳"},
		{"IDNumber", p.IDNumber, "11010519491231002X"},
		{"Phone", p.Phone, "13812348000"},
		{"Sex", string(p.Sex), "F"},
		{"BirthDate", p.BirthDate.Format("2006-01-02"), "1949-12-31"},
		{"Tags", strings.Join(p.Tags, ","), "poor,single_mother"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
		}
	}
	if got := p.Age(today); got != 74 {
		t.Errorf("Age: got %d, want 74", got)
	}
}

func TestInputValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Input)
		want   map[string]string
	}{
		{"sex mismatch", func(in *Input) { in.Sex = "M" }, map[string]string{"sex": "性别与身份证号码不符"}},
		{"sex unknown", func(in *Input) { in.Sex = "X" }, map[string]string{"sex": "性别应为女或男"}},
		{"sex omitted is fine", func(in *Input) { in.Sex = "" }, nil},
		{"phone omitted is fine", func(in *Input) { in.Phone = "" }, nil},
		{"name with digit", func(in *Input) { in.Name = "王芳2" }, map[string]string{"name": "姓名不能包含数字"}},
		{"name control char", func(in *Input) { in.Name = "王\x07芳" }, map[string]string{"name": "姓名含有无效字符"}},
		{"name too long", func(in *Input) { in.Name = strings.Repeat("芳", 31) }, map[string]string{"name": "姓名过长（最多30个字）"}},
		{"name 30 ok", func(in *Input) { in.Name = strings.Repeat("芳", 30) }, nil},
		{"minority name ok", func(in *Input) { in.Name = "阿依古丽·买买提" }, nil},
		{"division 11 digits", func(in *Input) { in.AddressDivision = "11010500100" }, map[string]string{"address_division": "地址行政区划代码应为12位数字"}},
		{"division 12 ok", func(in *Input) { in.AddressDivision = "110105001001" }, nil},
		{"tag too long", func(in *Input) { in.Tags = []string{strings.Repeat("a", 33)} }, map[string]string{"tags": "标签过长（每个最多32个字）"}},
		{"address too long", func(in *Input) { in.AddressDetail = strings.Repeat("路", 201) }, map[string]string{"address_detail": "详细地址过长（最多200个字）"}},
		{"note too long", func(in *Input) { in.Note = strings.Repeat("注", 501) }, map[string]string{"note": "备注过长（最多500个字）"}},
		{"all together", func(in *Input) {
			*in = Input{Name: "", IDNumber: "123", Phone: "12345", Sex: "女"}
		}, map[string]string{
			"org_id":    "请选择所属组织",
			"name":      "请填写姓名",
			"id_number": "身份证号码应为18位",
			"phone":     "手机号码应为以1开头的11位数字",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.modify(&in)
			_, err := in.Validate(today)
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
				t.Logf("keys: %v", slices.Sorted(maps.Keys(e.Fields)))
			}
		})
	}
}
