// Package cases is the rights-case engine: the 12338 hotline, walk-ins,
// letters, online requests, referrals and grassroots screening, from intake
// to follow-up call. It holds the types and pure rules; the store persists
// them and enforces scope and confidentiality.
package cases

import (
	"time"
)

// Channel is how a case came in.
type Channel string

// The intake channels.
const (
	Hotline   Channel = "hotline"   // 12338 call
	Visit     Channel = "visit"     // walk-in
	Letter    Channel = "letter"    // letter
	Online    Channel = "online"    // the public help form
	Referral  Channel = "referral"  // referred by another agency
	Screening Channel = "screening" // grassroots dispute screening
)

var channelLabels = map[Channel]string{
	Hotline: "12338热线", Visit: "来访", Letter: "来信", Online: "网上求助", Referral: "部门转介", Screening: "矛盾纠纷排查",
}

// Channels lists the channels in display order.
func Channels() []Channel { return []Channel{Hotline, Visit, Letter, Online, Referral, Screening} }

// Label returns the Chinese name.
func (c Channel) Label() string { return channelLabels[c] }

// Valid reports whether c is known.
func (c Channel) Valid() bool { return channelLabels[c] != "" }

// State is where a case stands in its workflow.
type State string

// The states.
const (
	Registered State = "registered"  // 登记
	Declined   State = "declined"    // 不予受理
	Accepted   State = "accepted"    // 受理
	Assigned   State = "assigned"    // 分派
	InProgress State = "in_progress" // 办理中
	Closed     State = "closed"      // 办结
	FollowedUp State = "followed_up" // 回访
	Archived   State = "archived"    // 归档
)

var stateLabels = map[State]string{
	Registered: "已登记", Declined: "不予受理", Accepted: "已受理", Assigned: "已分派",
	InProgress: "办理中", Closed: "已办结", FollowedUp: "已回访", Archived: "已归档",
}

// States lists the states in workflow order.
func States() []State {
	return []State{Registered, Declined, Accepted, Assigned, InProgress, Closed, FollowedUp, Archived}
}

// Label returns the Chinese name.
func (s State) Label() string { return stateLabels[s] }

// Valid reports whether s is known.
func (s State) Valid() bool { return stateLabels[s] != "" }

// Open reports whether the case still needs handling (deadlines run).
func (s State) Open() bool {
	switch s {
	case Registered, Accepted, Assigned, InProgress:
		return true
	}
	return false
}

// Urgency drives deadlines.
type Urgency string

// The urgencies.
const (
	Normal Urgency = "normal"
	Urgent Urgency = "urgent"
)

// Label returns the Chinese name.
func (u Urgency) Label() string {
	if u == Urgent {
		return "紧急"
	}
	return "一般"
}

// Satisfaction is the result of the follow-up call.
type Satisfaction string

// The satisfaction answers.
const (
	Satisfied          Satisfaction = "satisfied"
	BasicallySatisfied Satisfaction = "basically_satisfied"
	Dissatisfied       Satisfaction = "dissatisfied"
)

// Label returns the Chinese name.
func (s Satisfaction) Label() string {
	switch s {
	case Satisfied:
		return "满意"
	case BasicallySatisfied:
		return "基本满意"
	case Dissatisfied:
		return "不满意"
	}
	return ""
}

// Valid reports whether s is known.
func (s Satisfaction) Valid() bool { return s.Label() != "" }

// PartyRole is a party's role in a case.
type PartyRole string

// The party roles.
const (
	Complainant PartyRole = "complainant" // 求助人
	Respondent  PartyRole = "respondent"  // 被反映人
	Child       PartyRole = "child"       // 涉及子女
	OtherParty  PartyRole = "other"       // 其他
)

// Label returns the Chinese name.
func (r PartyRole) Label() string {
	switch r {
	case Complainant:
		return "求助人"
	case Respondent:
		return "被反映人"
	case Child:
		return "涉及子女"
	case OtherParty:
		return "其他"
	}
	return ""
}

// PartyRoles lists the roles in display order.
func PartyRoles() []PartyRole { return []PartyRole{Complainant, Respondent, Child, OtherParty} }

// Party is one person involved in a case. Phone and Address are sensitive.
type Party struct {
	ID       int64
	Role     PartyRole
	Name     string
	PersonID int64 // a registry person, when linked
	Phone    string
	Address  string
	Minor    bool
	Note     string
}

// Case is one request for help, with one owner, one deadline and one history.
type Case struct {
	ID              int64
	Number          string
	Channel         Channel
	Category        string // case_category dictionary code
	Summary         string // short, shown in lists
	Description     string // what happened; restricted cases hide it
	State           State
	Urgency         Urgency
	Restricted      bool
	RiskLevel       RiskLevel
	Anonymous       bool
	PersonID        int64 // the complainant in the registry, when linked
	IntakeOrgID     int64
	HandlingOrgID   int64
	AssignedByOrgID int64 // the org that assigned it down, for 退回
	HandlerUserID   int64
	DueAt           time.Time // the deadline of the current step
	Extended        bool
	Escalations     int
	Result          string
	Measures        string
	Satisfaction    Satisfaction
	SuperviseNote   string
	SuperviseDue    time.Time
	SuperviseOrgID  int64
	TrackingCode    string // online requests only
	CreatedAt       time.Time
	UpdatedAt       time.Time
	AcceptedAt      time.Time
	ClosedAt        time.Time
}

// Overdue reports whether the case's current deadline has passed at now.
func (c Case) Overdue(now time.Time) bool {
	return c.State.Open() && !c.DueAt.IsZero() && now.After(c.DueAt)
}
