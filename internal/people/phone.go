package people

import (
	"strings"

	"jinguo/internal/apperr"
)

// NormalizePhone returns the 11-digit mainland mobile number in s, after
// removing spaces, hyphens and a leading +86, 0086 or 86 country code.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\u3000':
			continue
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r == '＋':
			r = '+'
		}
		b.WriteRune(r)
	}
	v := b.String()
	switch {
	case strings.HasPrefix(v, "+86"):
		v = v[3:]
	case strings.HasPrefix(v, "0086") && len(v) == 15:
		v = v[4:]
	case strings.HasPrefix(v, "86") && len(v) == 13:
		v = v[2:]
	}
	if !isMobile(v) {
		return "", apperr.New(apperr.Invalid, "手机号码应为以1开头的11位数字")
	}
	return v, nil
}

// isMobile reports whether v matches ^1[3-9]\d{9}$.
func isMobile(v string) bool {
	if len(v) != 11 || v[0] != '1' || v[1] < '3' || v[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
