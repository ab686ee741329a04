package people

import "testing"

func TestMasks(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"id", MaskIDNumber, "110105199001010022", "110105********0022"},
		{"id X", MaskIDNumber, "11010519491231002X", "110105********002X"},
		{"id short", MaskIDNumber, "12345", "***45"},
		{"id 2", MaskIDNumber, "12", "**"},
		{"id 1", MaskIDNumber, "1", "*"},
		{"id empty", MaskIDNumber, "", ""},
		{"phone", MaskPhone, "13812348000", "138****8000"},
		{"phone landline", MaskPhone, "010-12345678", "010*****5678"},
		{"phone 8", MaskPhone, "12345678", "123*5678"},
		{"phone 7", MaskPhone, "1234567", "*******"},
		{"phone empty", MaskPhone, "", ""},
		{"name 3", MaskName, "王小芳", "王*芳"},
		{"name 2", MaskName, "王芳", "王*"},
		{"name 4", MaskName, "欧阳小芳", "欧**芳"},
		{"name 1", MaskName, "芳", "芳"},
		{"name empty", MaskName, "", ""},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s(%q): got %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
