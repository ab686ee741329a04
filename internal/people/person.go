package people

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jinguo/internal/apperr"
)

// Length limits, in characters (runes).
const (
	MaxNameLen          = 30
	MaxAddressDetailLen = 200
	MaxNoteLen          = 500
	MaxTagLen           = 32
)

// Person is one woman (or family member) in the registry. IDNumber, Phone and
// AddressDetail hold plaintext in memory only; the store encrypts them.
type Person struct {
	ID              int64
	OrgID           int64
	Name            string
	IDNumber        string
	Phone           string
	Sex             Sex
	BirthDate       time.Time
	Ethnicity       string   // dictionary "ethnicity" code, e.g. "01" 汉族
	Education       string   // dictionary "education" code
	Employment      string   // dictionary "employment" code
	AddressDivision string   // optional 12-digit division code
	AddressDetail   string   // sensitive
	Tags            []string // dictionary "person_tag" codes
	Note            string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Age returns the person's completed years on today.
func (p Person) Age(today time.Time) int { return AgeOn(p.BirthDate, today) }

// Input is what a form, an API body or an import row supplies.
type Input struct {
	OrgID                                                        int64
	Name, IDNumber, Phone, Sex, Ethnicity, Education, Employment string
	AddressDivision, AddressDetail, Note                         string
	Tags                                                         []string
}

// Validate checks every field and returns the normalised Person, or an
// apperr.Fields error naming every bad field. Sex and birth date always
// come from the ID number; a Sex given in the input must agree with it.
func (in Input) Validate(today time.Time) (Person, error) {
	f := apperr.Fields{}
	p := Person{
		OrgID:           in.OrgID,
		Name:            strings.TrimSpace(in.Name),
		Ethnicity:       strings.TrimSpace(in.Ethnicity),
		Education:       strings.TrimSpace(in.Education),
		Employment:      strings.TrimSpace(in.Employment),
		AddressDivision: strings.TrimSpace(in.AddressDivision),
		AddressDetail:   strings.TrimSpace(in.AddressDetail),
		Note:            strings.TrimSpace(in.Note),
	}
	if p.OrgID <= 0 {
		f.Add("org_id", "请选择所属组织")
	}
	if msg := checkName(p.Name); msg != "" {
		f.Add("name", msg)
	}

	id, err := ParseIDNumber(in.IDNumber, today)
	if err != nil {
		f.Add("id_number", reason(err))
	} else {
		p.IDNumber, p.Sex, p.BirthDate = id.Value, id.Sex, id.BirthDate
	}
	if s := strings.TrimSpace(in.Sex); s != "" {
		sex, ok := ParseSex(s)
		switch {
		case !ok:
			f.Add("sex", "性别应为女或男")
		case err == nil && sex != id.Sex:
			f.Add("sex", "性别与身份证号码不符")
		}
	}

	if strings.TrimSpace(in.Phone) != "" {
		phone, err := NormalizePhone(in.Phone)
		if err != nil {
			f.Add("phone", reason(err))
		}
		p.Phone = phone
	}
	if p.AddressDivision != "" && !allDigits(p.AddressDivision, 12) {
		f.Add("address_division", "地址行政区划代码应为12位数字")
	}
	if utf8.RuneCountInString(p.AddressDetail) > MaxAddressDetailLen {
		f.Add("address_detail", "详细地址过长（最多200个字）")
	}
	if utf8.RuneCountInString(p.Note) > MaxNoteLen {
		f.Add("note", "备注过长（最多500个字）")
	}
	tags, msg := normalizeTags(in.Tags)
	if msg != "" {
		f.Add("tags", msg)
	}
	p.Tags = tags

	if err := f.Err(); err != nil {
		return Person{}, err
	}
	return p, nil
}

// checkName returns "" or why name (already trimmed) is not acceptable.
func checkName(name string) string {
	if name == "" {
		return "请填写姓名"
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return "姓名过长（最多30个字）"
	}
	for _, r := range name {
		if unicode.IsDigit(r) {
			return "姓名不能包含数字"
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "姓名含有无效字符"
		}
	}
	return ""
}

// normalizeTags trims, drops empty and repeated tags, keeping input order.
func normalizeTags(in []string) ([]string, string) {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLen {
			return out, "标签过长（每个最多32个字）"
		}
		seen[t] = true
		out = append(out, t)
	}
	return out, ""
}

// reason returns the user-facing message of err.
func reason(err error) string {
	if e := apperr.As(err); e != nil && e.Message != "" {
		return e.Message
	}
	return "格式不正确"
}

// allDigits reports whether s is exactly n ASCII digits.
func allDigits(s string, n int) bool {
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
