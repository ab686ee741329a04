package people

import (
	"testing"

	"jinguo/internal/apperr"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13812348000", "13812348000", true},
		{"14512348000", "14512348000", true},
		{"15012348000", "15012348000", true},
		{"16612348000", "16612348000", true},
		{"17712348000", "17712348000", true},
		{"18812348000", "18812348000", true},
		{"19912348000", "19912348000", true},
		{"+8613812348000", "13812348000", true},
		{"+86 138 1234 8000", "13812348000", true},
		{"8613812348000", "13812348000", true},
		{"008613812348000", "13812348000", true},
		{"138-1234-8000", "13812348000", true},
		{" 138 1234 8000 ", "13812348000", true},
		{"１３８１２３４８０００", "13812348000", true},
		{"12812348000", "", false},
		{"11812348000", "", false},
		{"1381234800", "", false},
		{"138123480001", "", false},
		{"1381234800a", "", false},
		{"phone", "", false},
		{"", "", false},
		{"010-12345678", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("NormalizePhone(%q): got %q, %v, want %q, nil", tt.in, got, err, tt.want)
			}
			continue
		}
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NormalizePhone(%q): got %q, %v, want Invalid error", tt.in, got, err)
		}
	}
}
