// Package dicts holds the admin-editable code lists (字典): stable codes with
// display names, such as ethnic groups or person tags. Records store the
// code; admins may rename, reorder or disable an item without touching
// them. It imports no infrastructure.
package dicts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"jinguo/internal/apperr"
)

// The names of the built-in dictionaries. Other packages refer to a
// dictionary by these names; they never change.
const (
	PersonTag = "person_tag"
	// CaseCategory is the two-level list of rights-case categories.
	CaseCategory = "case_category"
	// ReferralAgency lists the kinds of agencies cases are referred to.
	ReferralAgency = "referral_agency"
	Ethnicity      = "ethnicity"
	Education      = "education"
	Employment     = "employment"
	OrgKind        = "org_kind"
	Relation       = "relation"
)

// Limits on items.
const (
	MaxCodeLen = 32
	MaxNameLen = 40
	MaxSort    = 99999
)

// Dictionary is a named code list.
type Dictionary struct {
	Name      string // stable identifier, e.g. "ethnicity"
	Label     string // Chinese name, e.g. "民族"
	BuiltIn   bool
	Items     []Item // filled when a single dictionary is fetched
	ItemCount int    // number of items, filled by listings
}

// Item is one code of a dictionary.
type Item struct {
	Dict       string
	Code       string
	Name       string
	ParentCode string // another code of the same dictionary, or ""
	Sort       int
	Enabled    bool
}

// ItemInput is what a form or API body supplies to create or edit an item.
type ItemInput struct {
	Code, Name, ParentCode string
	Sort                   int
	Enabled                bool
}

// Normalized returns in with surrounding white space trimmed from its text.
func (in ItemInput) Normalized() ItemInput {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.ParentCode = strings.TrimSpace(in.ParentCode)
	return in
}

// Validate checks in, after normalising it, and reports every bad field.
// Whether the parent code exists is the store's to check.
func (in ItemInput) Validate() error {
	in = in.Normalized()
	f := apperr.Fields{}
	switch {
	case in.Code == "":
		f.Add("code", "请填写代码")
	case !ValidCode(in.Code):
		f.Add("code", "代码只能由字母、数字和下划线组成，最多32位")
	}
	switch {
	case in.Name == "":
		f.Add("name", "请填写名称")
	case utf8.RuneCountInString(in.Name) > MaxNameLen:
		f.Add("name", "名称过长（最多40个字）")
	case strings.ContainsFunc(in.Name, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }):
		f.Add("name", "名称含有无效字符")
	}
	switch {
	case in.ParentCode == "":
	case !ValidCode(in.ParentCode):
		f.Add("parent_code", "上级代码只能由字母、数字和下划线组成，最多32位")
	case in.ParentCode == in.Code:
		f.Add("parent_code", "上级代码不能是自身")
	}
	if in.Sort < 0 || in.Sort > MaxSort {
		f.Add("sort", "排序号应在0到99999之间")
	}
	return f.Err()
}

// ValidCode reports whether code is 1–32 ASCII letters, digits or
// underscores: codes end up in URLs, exports and other systems' files.
func ValidCode(code string) bool {
	if code == "" || len(code) > MaxCodeLen {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Label returns the name of code among items, or code itself.
func Label(items []Item, code string) string {
	for _, it := range items {
		if it.Code == code {
			return it.Name
		}
	}
	return code
}
