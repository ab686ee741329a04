package orgs

import "testing"

func TestValidateDivisionCode(t *testing.T) {
	tests := []struct {
		name             string
		kind             Kind
		code, parentCode string
		want             string
	}{
		{"city ok", City, "320100000000", "", ""},
		{"city 11 digits", City, "32010000000", "", "行政区划代码应为12位数字"},
		{"city letters", City, "32010000000A", "", "行政区划代码应为12位数字"},
		{"city empty", City, "", "", "行政区划代码应为12位数字"},
		{"city tail", City, "320101000000", "", "市级行政区划代码后8位应为0"},
		{"city is province", City, "320000000000", "", "市级行政区划代码第3–4位不能都为0"},
		{"district ok", District, "320102000000", "320100000000", ""},
		{"district no parent code", District, "320102000000", "", ""},
		{"district tail", District, "320102001000", "320100000000", "区县级行政区划代码后6位应为0"},
		{"district is city", District, "320100000000", "320100000000", "区县级行政区划代码第5–6位不能都为0"},
		{"district other city", District, "320202000000", "320100000000", "行政区划代码与上级组织不符（前4位应与上级组织相同）"},
		{"township ok", Township, "320102001000", "320102000000", ""},
		{"township tail", Township, "320102001001", "320102000000", "乡镇（街道）级行政区划代码后3位应为0"},
		{"township is district", Township, "320102000000", "320102000000", "乡镇（街道）级行政区划代码第7–9位不能都为0"},
		{"township other district", Township, "320104001000", "320102000000", "行政区划代码与上级组织不符（前6位应与上级组织相同）"},
		{"village ok", Village, "320102001002", "320102001000", ""},
		{"village is township", Village, "320102001000", "320102001000", "村（社区）级行政区划代码后3位不能都为0"},
		{"village other township", Village, "320102002002", "320102001000", "行政区划代码与上级组织不符（前9位应与上级组织相同）"},
		{"village short parent", Village, "320102002002", "3201", "行政区划代码与上级组织不符（前9位应与上级组织相同）"},
		{"unit empty", Unit, "", "320100000000", ""},
		{"unit with code", Unit, "320102000000", "", "该类型组织不填写行政区划代码"},
	}
	for _, tt := range tests {
		if got := ValidateDivisionCode(tt.kind, tt.code, tt.parentCode); got != tt.want {
			t.Errorf("%s: ValidateDivisionCode(%s, %q, %q): got %q, want %q", tt.name, tt.kind, tt.code, tt.parentCode, got, tt.want)
		}
	}
}

func TestDivisionPrefix(t *testing.T) {
	tests := []struct {
		kind       Kind
		code, want string
	}{
		{City, "320100000000", "3201"},
		{District, "320102000000", "320102"},
		{Township, "320102001000", "320102001"},
		{Village, "320102001002", "320102001002"},
		{Unit, "320102001002", ""},
		{Township, "3201", "3201"},
	}
	for _, tt := range tests {
		if got := DivisionPrefix(tt.kind, tt.code); got != tt.want {
			t.Errorf("DivisionPrefix(%s, %q): got %q, want %q", tt.kind, tt.code, got, tt.want)
		}
	}
}

func TestKinds(t *testing.T) {
	for i, k := range Kinds() {
		if !k.Valid() || k.Label() == "" {
			t.Errorf("Kinds()[%d] = %q: got Valid %v, Label %q, want valid with a label", i, k, k.Valid(), k.Label())
		}
		wantLevel := 0
		if i < 4 {
			wantLevel = i + 1
		}
		if k.Level() != wantLevel || k.Territorial() != (i < 4) {
			t.Errorf("%q: got Level %d, Territorial %v, want %d, %v", k, k.Level(), k.Territorial(), wantLevel, i < 4)
		}
	}
	if len(Kinds()) != 11 {
		t.Errorf("len(Kinds()): got %d, want 11", len(Kinds()))
	}
	if Kind("town").Valid() {
		t.Errorf(`Kind("town").Valid(): got true, want false`)
	}
	if Active.Label() != "正常" || Closed.Label() != "已撤销" {
		t.Errorf("Status labels: got %q, %q, want 正常, 已撤销", Active.Label(), Closed.Label())
	}
}
