package people

import (
	"strings"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
)

// Relation is a member's relation to the head of the family.
type Relation string

// The relations.
const (
	Head   Relation = "head"   // 户主
	Spouse Relation = "spouse" // 配偶
	Child  Relation = "child"  // 子女
	Parent Relation = "parent" // 父母
	Grand  Relation = "grand"  // 祖孙
	Other  Relation = "other"  // 其他
)

var relationLabels = map[Relation]string{
	Head: "户主", Spouse: "配偶", Child: "子女", Parent: "父母", Grand: "祖孙", Other: "其他",
}

// Relations returns every relation in display order.
func Relations() []Relation { return []Relation{Head, Spouse, Child, Parent, Grand, Other} }

// Label returns the Chinese label of r, or "" when r is unknown.
func (r Relation) Label() string { return relationLabels[r] }

// ParseRelation accepts a relation code ("spouse") or its Chinese label ("配偶").
func ParseRelation(s string) (Relation, bool) {
	s = strings.TrimSpace(s)
	for _, r := range Relations() {
		if s == string(r) || s == r.Label() {
			return r, true
		}
	}
	return "", false
}

// Family is a household in the registry.
type Family struct {
	ID, OrgID            int64
	Name                 string
	Note                 string
	Members              []Member
	CreatedAt, UpdatedAt time.Time
}

// Member is one person of a family.
type Member struct {
	PersonID int64
	Name     string // read-only, filled by the store for display
	Relation Relation
}

// FamilyInput is what a form or API body supplies for a family.
type FamilyInput struct {
	OrgID      int64
	Name, Note string
}

// Validate checks the family's fields and reports every bad one.
func (in FamilyInput) Validate() error {
	f := apperr.Fields{}
	if in.OrgID <= 0 {
		f.Add("org_id", "请选择所属组织")
	}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		f.Add("name", "请填写家庭名称")
	case utf8.RuneCountInString(name) > 40:
		f.Add("name", "家庭名称过长（最多40个字）")
	}
	if utf8.RuneCountInString(strings.TrimSpace(in.Note)) > MaxNoteLen {
		f.Add("note", "备注过长（最多500个字）")
	}
	return f.Err()
}

// ValidateMembers checks a family's member list: known relations, at most
// one head, no person twice.
func ValidateMembers(m []Member) error {
	heads := 0
	seen := make(map[int64]bool, len(m))
	for _, x := range m {
		if x.PersonID <= 0 {
			return membersInvalid("请选择家庭成员")
		}
		if x.Relation.Label() == "" {
			return membersInvalid("请选择与户主的关系")
		}
		if seen[x.PersonID] {
			return membersInvalid("同一人不能重复加入家庭")
		}
		seen[x.PersonID] = true
		if x.Relation == Head {
			heads++
		}
	}
	if heads > 1 {
		return membersInvalid("一个家庭只能有一位户主")
	}
	return nil
}

func membersInvalid(msg string) error {
	return &apperr.Error{Kind: apperr.Invalid, Message: msg, Fields: map[string]string{"members": msg}}
}
