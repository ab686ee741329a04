package orgs

import (
	"strings"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
)

// Org is one organisation in the federation tree.
type Org struct {
	ID                   int64
	ParentID             int64 // 0 for the root
	Name                 string
	Kind                 Kind
	DivisionCode         string // 12 digits for territorial orgs, "" otherwise
	Contact              string // contact person
	Phone                string // office phone, free text
	Address              string
	Status               Status
	Depth                int // root is 0
	CreatedAt, UpdatedAt time.Time
}

// Input is what a form or API body supplies to create or edit an org.
type Input struct {
	ParentID                              int64
	Name                                  string
	Kind                                  Kind
	DivisionCode, Contact, Phone, Address string
}

// Normalized returns in with surrounding white space trimmed from its text.
func (in Input) Normalized() Input {
	in.Name = strings.TrimSpace(in.Name)
	in.Kind = Kind(strings.TrimSpace(string(in.Kind)))
	in.DivisionCode = strings.TrimSpace(in.DivisionCode)
	in.Contact = strings.TrimSpace(in.Contact)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Address = strings.TrimSpace(in.Address)
	return in
}

// Validate checks in against its parent (nil for the root), after
// normalising it, and reports every bad field.
func (in Input) Validate(parent *Org) error {
	in = in.Normalized()
	f := apperr.Fields{}
	switch {
	case in.Name == "":
		f.Add("name", "请填写组织名称")
	case utf8.RuneCountInString(in.Name) > 60:
		f.Add("name", "组织名称过长（最多60个字）")
	}

	if !in.Kind.Valid() {
		f.Add("kind", "请选择组织类型")
	} else if parent == nil {
		if in.Kind != City {
			f.Add("kind", "最上级组织只能是市妇联")
		}
	} else if msg := placement(in.Kind, parent.Kind); msg != "" {
		f.Add("kind", msg)
	}
	if parent != nil {
		if in.ParentID != 0 && in.ParentID != parent.ID {
			f.Add("parent_id", "上级组织不存在")
		}
		if parent.Status != Active {
			f.Add("parent_id", "上级组织已撤销，不能在其下新建")
		}
	}

	if in.Kind.Valid() {
		parentCode := ""
		if parent != nil {
			parentCode = parent.DivisionCode
		}
		switch {
		case in.DivisionCode == "" && in.Kind.Level() > 1:
			f.Add("division_code", "请填写行政区划代码")
		case in.DivisionCode != "":
			if msg := ValidateDivisionCode(in.Kind, in.DivisionCode, parentCode); msg != "" {
				f.Add("division_code", msg)
			}
		}
	}

	if utf8.RuneCountInString(in.Contact) > 30 {
		f.Add("contact", "联系人过长（最多30个字）")
	}
	if utf8.RuneCountInString(in.Phone) > 30 {
		f.Add("phone", "联系电话过长（最多30个字）")
	}
	if utf8.RuneCountInString(in.Address) > 200 {
		f.Add("address", "地址过长（最多200个字）")
	}
	return f.Err()
}

// placement returns "" when an org of kind may sit under one of
// parentKind, else why not. Territorial orgs nest city → district →
// township → village; other kinds may sit under any org.
func placement(kind, parentKind Kind) string {
	switch kind {
	case City:
		return "市妇联只能是最上级组织"
	case District:
		if parentKind != City {
			return "区县妇联只能建在市妇联之下"
		}
	case Township:
		if parentKind != District {
			return "乡镇（街道）妇联只能建在区县妇联之下"
		}
	case Village:
		if parentKind != Township {
			return "村（社区）妇联只能建在乡镇（街道）妇联之下"
		}
	}
	return ""
}

// CheckMove reports whether org may move under newParent. The caller
// says whether newParent lies in org's subtree, which only the store knows.
func CheckMove(org Org, newParent Org, newParentIsDescendant bool) error {
	switch {
	case org.ParentID == 0:
		return moveInvalid("不能移动最上级组织")
	case newParent.ID == org.ID || newParentIsDescendant:
		return moveInvalid("不能移动到自己或下级组织之下")
	case newParent.Status != Active:
		return moveInvalid("不能移动到已撤销的组织之下")
	}
	if msg := placement(org.Kind, newParent.Kind); msg != "" {
		return moveInvalid(msg)
	}
	if org.Kind.Territorial() {
		if msg := ValidateDivisionCode(org.Kind, org.DivisionCode, newParent.DivisionCode); msg != "" {
			return moveInvalid("本组织的行政区划代码与新的上级组织不符：" + msg)
		}
	}
	return nil
}

func moveInvalid(msg string) error {
	return &apperr.Error{Kind: apperr.Invalid, Message: msg, Fields: map[string]string{"parent_id": msg}}
}
