// Package people holds the registry of women and families: types,
// validation and pure rules. It imports no infrastructure; the store
// persists and encrypts what it defines.
package people

import (
	"strings"
	"time"

	"jinguo/internal/apperr"
)

// Sex is a person's sex as recorded on the resident identity card.
type Sex string

// The sexes.
const (
	Female Sex = "F"
	Male   Sex = "M"
)

// Label returns the Chinese label of s, or "" when s is unknown.
func (s Sex) Label() string {
	switch s {
	case Female:
		return "女"
	case Male:
		return "男"
	}
	return ""
}

// ParseSex accepts "F", "M", "女", "男" (and lower-case f, m).
func ParseSex(s string) (Sex, bool) {
	switch strings.TrimSpace(s) {
	case "F", "f", "女":
		return Female, true
	case "M", "m", "男":
		return Male, true
	}
	return "", false
}

// IDNumber is a parsed, checked 18-character resident identity number.
type IDNumber struct {
	Value     string    // normalised: upper-case X
	BirthDate time.Time // UTC midnight
	Sex       Sex
}

// idWeights are the GB 11643-1999 weights of the first 17 characters.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// CheckDigit returns the GB 11643-1999 check character for the first 17
// characters of an identity number, or 0 when first17 is not 17 digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// validProvince reports whether the 2-digit code names a province-level
// division: mainland provinces plus Taiwan, Hong Kong and Macao.
func validProvince(p string) bool {
	switch p[0] {
	case '1':
		return p[1] >= '1' && p[1] <= '5'
	case '2':
		return p[1] >= '1' && p[1] <= '3'
	case '3':
		return p[1] >= '1' && p[1] <= '7'
	case '4':
		return p[1] >= '1' && p[1] <= '6'
	case '5':
		return p[1] >= '0' && p[1] <= '4'
	case '6':
		return p[1] >= '1' && p[1] <= '5'
	case '7':
		return p[1] == '1'
	case '8':
		return p[1] == '1' || p[1] == '2'
	}
	return false
}

// normalizeIDChars removes white space and turns full-width digits and X,
// which spreadsheets typed with a Chinese IME often contain, into ASCII.
func normalizeIDChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\u3000' || r == '\n' || r == '\r':
			continue
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r == 'ｘ' || r == 'Ｘ' || r == 'x':
			r = 'X'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func idInvalid(msg string) error { return apperr.New(apperr.Invalid, msg) }

// ParseIDNumber checks s as a GB 11643-1999 identity number. Birth dates
// after today (a date in the caller's time zone) are rejected. Failures are
// *apperr.Error of kind Invalid with a plain Chinese reason as Message.
func ParseIDNumber(s string, today time.Time) (IDNumber, error) {
	v := normalizeIDChars(s)
	if v == "" {
		return IDNumber{}, idInvalid("请填写身份证号码")
	}
	if len([]rune(v)) != 18 {
		return IDNumber{}, idInvalid("身份证号码应为18位")
	}
	if len(v) != 18 {
		return IDNumber{}, idInvalid("身份证号码前17位应为数字")
	}
	for i := 0; i < 17; i++ {
		if v[i] < '0' || v[i] > '9' {
			return IDNumber{}, idInvalid("身份证号码前17位应为数字")
		}
	}
	if last := v[17]; last != 'X' && (last < '0' || last > '9') {
		return IDNumber{}, idInvalid("身份证号码最后一位应为数字或X")
	}
	if !validProvince(v[:2]) {
		return IDNumber{}, idInvalid("身份证号码的地区码无效")
	}
	y, m, d := atoi(v[6:10]), atoi(v[10:12]), atoi(v[12:14])
	birth := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if birth.Year() != y || int(birth.Month()) != m || birth.Day() != d {
		return IDNumber{}, idInvalid("身份证号码中的出生日期无效")
	}
	if birth.After(dateOf(today)) {
		return IDNumber{}, idInvalid("身份证号码中的出生日期晚于今天")
	}
	if y < 1900 {
		return IDNumber{}, idInvalid("身份证号码中的出生日期早于1900年")
	}
	if CheckDigit(v[:17]) != v[17] {
		return IDNumber{}, idInvalid("身份证号码校验位不正确，请核对")
	}
	sex := Female
	if (v[16]-'0')%2 == 1 {
		sex = Male
	}
	return IDNumber{Value: v, BirthDate: birth, Sex: sex}, nil
}

// Age returns the completed years of the holder on today.
func (id IDNumber) Age(today time.Time) int { return AgeOn(id.BirthDate, today) }

// AgeOn returns the completed years between birth and today, comparing
// calendar dates; someone born on 29 February turns a year older on 1 March
// in common years.
func AgeOn(birth, today time.Time) int {
	by, bm, bd := birth.Date()
	ty, tm, td := today.Date()
	age := ty - by
	if tm < bm || (tm == bm && td < bd) {
		age--
	}
	return age
}

// dateOf returns t's calendar date (in t's location) as UTC midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// atoi converts a string of ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
