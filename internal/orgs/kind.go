// Package orgs holds the federation tree and its partner organisations:
// kinds, placement and division-code rules. It imports no infrastructure.
package orgs

// Kind is the type of an organisation.
type Kind string

// The kinds, territorial first (city → village), then non-territorial.
const (
	City         Kind = "city"
	District     Kind = "district"
	Township     Kind = "township"
	Village      Kind = "village"
	Unit         Kind = "unit"
	NewSector    Kind = "new_sector"
	University   Kind = "university"
	MemberAssoc  Kind = "member_assoc"
	SocialOrg    Kind = "social_org"
	ServiceSite  Kind = "service_site"
	ParentSchool Kind = "parent_school"
)

var kindLabels = map[Kind]string{
	City:         "市妇联",
	District:     "区县妇联",
	Township:     "乡镇（街道）妇联",
	Village:      "村（社区）妇联",
	Unit:         "机关企事业单位妇委会",
	NewSector:    "新领域妇联（“三新”）",
	University:   "高校妇联",
	MemberAssoc:  "团体会员",
	SocialOrg:    "女性社会组织",
	ServiceSite:  "妇女之家（服务站点）",
	ParentSchool: "家长学校",
}

// Kinds returns every kind in display order.
func Kinds() []Kind {
	return []Kind{City, District, Township, Village, Unit, NewSector, University,
		MemberAssoc, SocialOrg, ServiceSite, ParentSchool}
}

// Label returns the Chinese label of k, or "" when k is unknown.
func (k Kind) Label() string { return kindLabels[k] }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindLabels[k]; return ok }

// Territorial reports whether k is one of the four territorial levels.
func (k Kind) Territorial() bool { return k.Level() > 0 }

// Level returns 1 for city, 2 district, 3 township, 4 village, else 0.
func (k Kind) Level() int {
	switch k {
	case City:
		return 1
	case District:
		return 2
	case Township:
		return 3
	case Village:
		return 4
	}
	return 0
}

// Status is whether an organisation is in operation.
type Status string

// The statuses.
const (
	Active Status = "active" // 正常
	Closed Status = "closed" // 已撤销
)

// Label returns the Chinese label of s, or "" when s is unknown.
func (s Status) Label() string {
	switch s {
	case Active:
		return "正常"
	case Closed:
		return "已撤销"
	}
	return ""
}
