package orgs

import "strings"

// DivisionPrefix returns the significant prefix of a division code for a
// territorial kind: 4 digits for a city, 6 for a district, 9 for a township,
// all 12 for a village; "" for non-territorial kinds. Codes shorter than
// the prefix are returned whole.
func DivisionPrefix(kind Kind, code string) string {
	n := prefixLen(kind)
	if len(code) < n {
		return code
	}
	return code[:n]
}

func prefixLen(kind Kind) int {
	switch kind {
	case City:
		return 4
	case District:
		return 6
	case Township:
		return 9
	case Village:
		return 12
	}
	return 0
}

// ValidateDivisionCode returns "" when code is a well-formed 12-digit
// statistical division code for kind, nested under parentCode (the parent
// organisation's code, "" when unknown), or else a plain Chinese reason.
// Non-territorial kinds must have no code.
func ValidateDivisionCode(kind Kind, code, parentCode string) string {
	if !kind.Territorial() {
		if code != "" {
			return "该类型组织不填写行政区划代码"
		}
		return ""
	}
	if !isDigits(code, 12) {
		return "行政区划代码应为12位数字"
	}
	var (
		zeros, nonZero string // the part that must be zero, the part that must not be all zero
		zMsg, nzMsg    string
		parentLen      int // digits shared with the parent
	)
	switch kind {
	case City:
		zeros, nonZero = code[4:], code[2:4]
		zMsg, nzMsg = "市级行政区划代码后8位应为0", "市级行政区划代码第3–4位不能都为0"
	case District:
		zeros, nonZero, parentLen = code[6:], code[4:6], 4
		zMsg, nzMsg = "区县级行政区划代码后6位应为0", "区县级行政区划代码第5–6位不能都为0"
	case Township:
		zeros, nonZero, parentLen = code[9:], code[6:9], 6
		zMsg, nzMsg = "乡镇（街道）级行政区划代码后3位应为0", "乡镇（街道）级行政区划代码第7–9位不能都为0"
	case Village:
		nonZero, parentLen = code[9:], 9
		nzMsg = "村（社区）级行政区划代码后3位不能都为0"
	}
	if strings.Trim(zeros, "0") != "" {
		return zMsg
	}
	if strings.Trim(nonZero, "0") == "" {
		return nzMsg
	}
	if parentLen > 0 && parentCode != "" {
		if len(parentCode) < parentLen || code[:parentLen] != parentCode[:parentLen] {
			return "行政区划代码与上级组织不符（前" + itoa(parentLen) + "位应与上级组织相同）"
		}
	}
	return ""
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}
