package people

import (
	"maps"
	"testing"

	"jinguo/internal/apperr"
)

func TestConsentValidate(t *testing.T) {
	adult := Person{ID: 5, BirthDate: date(1990, 1, 1)}
	child := Person{ID: 6, BirthDate: date(2010, 3, 9)} // turns 14 on 2024-03-09
	tests := []struct {
		name string
		p    Person
		in   ConsentInput
		want map[string]string
	}{
		{"adult", adult, ConsentInput{Purpose: "建档", GivenOn: "2024-03-08"}, nil},
		{"child with guardian", child, ConsentInput{Purpose: "建档", GivenOn: "2024-03-08", ByGuardian: true, GuardianName: "王芳"}, nil},
		{"child alone", child, ConsentInput{Purpose: "建档", GivenOn: "2024-03-08"},
			map[string]string{"guardian_name": "未满14周岁的，须由监护人同意"}},
		{"child guardian unnamed", child, ConsentInput{Purpose: "建档", GivenOn: "2024-03-08", ByGuardian: true},
			map[string]string{"guardian_name": "未满14周岁的，须由监护人同意"}},
		{"adult guardian unnamed", adult, ConsentInput{Purpose: "建档", GivenOn: "2024-03-08", ByGuardian: true},
			map[string]string{"guardian_name": "请填写监护人姓名"}},
		{"missing", adult, ConsentInput{},
			map[string]string{"purpose": "请填写同意的用途", "given_on": "请填写同意日期"}},
		{"future", adult, ConsentInput{Purpose: "建档", GivenOn: "2024-03-09"},
			map[string]string{"given_on": "同意日期不能晚于今天"}},
		{"bad date", adult, ConsentInput{Purpose: "建档", GivenOn: "2024-02-30"},
			map[string]string{"given_on": "同意日期格式应为2024-03-08"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.in.Validate(tt.p, today)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				if c.PersonID != tt.p.ID {
					t.Errorf("PersonID: got %d, want %d", c.PersonID, tt.p.ID)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || !maps.Equal(e.Fields, tt.want) {
				t.Errorf("got %v, want fields %v", err, tt.want)
			}
		})
	}
	// The day of the 14th birthday the person may consent alone.
	if _, err := (ConsentInput{Purpose: "建档", GivenOn: "2024-03-09"}).Validate(child, date(2024, 3, 9)); err != nil {
		t.Errorf("on 14th birthday: got %v, want nil", err)
	}
}
