package people

import "strings"

// MaskIDNumber hides the middle of an identity number: the first 6 and last
// 4 characters stay visible ("110105********002X"). Inputs shorter than 18
// keep only their last 2 characters; none panic.
func MaskIDNumber(s string) string {
	r := []rune(s)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 18:
		return string(r[:6]) + strings.Repeat("*", n-10) + string(r[n-4:])
	case n <= 2:
		return strings.Repeat("*", n)
	}
	return strings.Repeat("*", n-2) + string(r[n-2:])
}

// MaskPhone hides the middle of a phone number ("138****8000"): the first 3
// and last 4 characters stay visible when there are at least 8, else all
// are hidden.
func MaskPhone(s string) string {
	r := []rune(s)
	n := len(r)
	if n < 8 {
		return strings.Repeat("*", n)
	}
	return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
}

// MaskName hides a name but its first character and, from three characters
// on, its last: "王小芳" → "王*芳", "王芳" → "王*".
func MaskName(s string) string {
	r := []rune(s)
	switch n := len(r); {
	case n <= 1:
		return s
	case n == 2:
		return string(r[0]) + "*"
	default:
		return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
	}
}
