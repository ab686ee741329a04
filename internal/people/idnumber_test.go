package people

import (
	"testing"
	"time"

	"jinguo/internal/apperr"
)

var today = time.Date(2024, 3, 8, 10, 0, 0, 0, time.UTC)

// makeID builds a valid identity number from region, birth date and sequence.
func makeID(t *testing.T, region, birth, seq string) string {
	t.Helper()
	first17 := region + birth + seq
	c := CheckDigit(first17)
	if c == 0 {
		t.Fatalf("CheckDigit(%q) = 0", first17)
	}
	return first17 + string(c)
}

// wrongCheck returns id with a check character that is not the right one.
func wrongCheck(id string) string {
	if id[17] == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseIDNumberValid(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		value string
		birth time.Time
		sex   Sex
	}{
		{"literal with X", "11010519491231002X", "11010519491231002X", date(1949, 12, 31), Female},
		{"lower-case x", "11010519491231002x", "11010519491231002X", date(1949, 12, 31), Female},
		{"spaces around", "  11010519491231002X ", "11010519491231002X", date(1949, 12, 31), Female},
		{"full-width", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", date(1949, 12, 31), Female},
		{"male", makeID(t, "440305", "19850615", "123"), "", date(1985, 6, 15), Male},
		{"female", makeID(t, "320102", "20000229", "024"), "", date(2000, 2, 29), Female},
		{"born today", makeID(t, "650102", "20240308", "001"), "", date(2024, 3, 8), Male},
		{"born 1900-01-01", makeID(t, "110101", "19000101", "002"), "", date(1900, 1, 1), Female},
		{"Hong Kong 81", makeID(t, "810000", "19900101", "002"), "", date(1990, 1, 1), Female},
		{"Taiwan 71", makeID(t, "710000", "19900101", "002"), "", date(1990, 1, 1), Female},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIDNumber(tt.in, today)
			if err != nil {
				t.Fatalf("ParseIDNumber(%q): got error %v, want nil", tt.in, err)
			}
			want := tt.value
			if want == "" {
				want = tt.in
			}
			if got.Value != want {
				t.Errorf("Value: got %q, want %q", got.Value, want)
			}
			if !got.BirthDate.Equal(tt.birth) || got.BirthDate.Location() != time.UTC {
				t.Errorf("BirthDate: got %v, want %v", got.BirthDate, tt.birth)
			}
			if got.Sex != tt.sex {
				t.Errorf("Sex: got %q, want %q", got.Sex, tt.sex)
			}
		})
	}
}

func TestParseIDNumberInvalid(t *testing.T) {
	good := makeID(t, "110105", "19900101", "002")
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "请填写身份证号码"},
		{"17 chars", good[:17], "身份证号码应为18位"},
		{"19 chars", good + "1", "身份证号码应为18位"},
		{"letter inside", good[:5] + "A" + good[6:], "身份证号码前17位应为数字"},
		{"han inside", "1101051990010100" + "二" + "1", "身份证号码前17位应为数字"},
		{"bad last char", good[:17] + "Y", "身份证号码最后一位应为数字或X"},
		{"province 99", makeID(t, "990105", "19900101", "002"), "身份证号码的地区码无效"},
		{"province 00", makeID(t, "000105", "19900101", "002"), "身份证号码的地区码无效"},
		{"province 16", makeID(t, "160105", "19900101", "002"), "身份证号码的地区码无效"},
		{"Feb 30", makeID(t, "110105", "19900230", "002"), "身份证号码中的出生日期无效"},
		{"Feb 29 common year", makeID(t, "110105", "19010229", "002"), "身份证号码中的出生日期无效"},
		{"month 13", makeID(t, "110105", "19901301", "002"), "身份证号码中的出生日期无效"},
		{"day 00", makeID(t, "110105", "19900100", "002"), "身份证号码中的出生日期无效"},
		{"tomorrow", makeID(t, "110105", "20240309", "002"), "身份证号码中的出生日期晚于今天"},
		{"before 1900", makeID(t, "110105", "18991231", "002"), "身份证号码中的出生日期早于1900年"},
		{"wrong check digit", wrongCheck(good), "身份证号码校验位不正确，请核对"},
		{"literal wrong check", "110105194912310021", "身份证号码校验位不正确，请核对"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIDNumber(tt.in, today)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid {
				t.Fatalf("ParseIDNumber(%q): got %v, want Invalid error", tt.in, err)
			}
			if e.Message != tt.want {
				t.Errorf("ParseIDNumber(%q): got message %q, want %q", tt.in, e.Message, tt.want)
			}
		})
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"1101051949123100", 0},
		{"1101051949123100A", 0},
	}
	for _, tt := range tests {
		if got := CheckDigit(tt.in); got != tt.want {
			t.Errorf("CheckDigit(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		birth, today time.Time
		want         int
	}{
		{date(1990, 3, 8), date(2024, 3, 8), 34},
		{date(1990, 3, 9), date(2024, 3, 8), 33},
		{date(1990, 12, 31), date(2024, 1, 1), 33},
		{date(2000, 2, 29), date(2023, 2, 28), 22},
		{date(2000, 2, 29), date(2023, 3, 1), 23},
		{date(2024, 3, 8), date(2024, 3, 8), 0},
		// Late evening in Shanghai is still the birthday.
		{date(2010, 3, 8), time.Date(2024, 3, 8, 23, 30, 0, 0, time.FixedZone("CST", 8*3600)), 14},
	}
	for _, tt := range tests {
		if got := AgeOn(tt.birth, tt.today); got != tt.want {
			t.Errorf("AgeOn(%v, %v): got %d, want %d", tt.birth, tt.today, got, tt.want)
		}
	}
	id, err := ParseIDNumber("11010519491231002X", today)
	if err != nil {
		t.Fatal(err)
	}
	if got := id.Age(today); got != 74 {
		t.Errorf("IDNumber.Age: got %d, want 74", got)
	}
}

func TestSex(t *testing.T) {
	tests := []struct {
		in    string
		want  Sex
		ok    bool
		label string
	}{
		{"F", Female, true, "女"},
		{"女", Female, true, "女"},
		{" m ", Male, true, "男"},
		{"男", Male, true, "男"},
		{"X", "", false, ""},
	}
	for _, tt := range tests {
		got, ok := ParseSex(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSex(%q): got %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if got.Label() != tt.label {
			t.Errorf("%q.Label(): got %q, want %q", got, got.Label(), tt.label)
		}
	}
}
