package cases

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/workdays"
)

// Action is a step in the workflow.
type Action string

// The actions.
const (
	Accept    Action = "accept"
	Decline   Action = "decline"
	Assign    Action = "assign"
	Return    Action = "return"
	Take      Action = "take"
	Close     Action = "close"
	FollowUp  Action = "follow_up"
	Archive   Action = "archive"
	Supervise Action = "supervise"
	Extend    Action = "extend"
	// Escalate is taken by the system, never by a user.
	Escalate Action = "escalate"
)

var actionLabels = map[Action]string{
	Accept: "受理", Decline: "不予受理", Assign: "分派", Return: "退回", Take: "接办", Close: "办结",
	FollowUp: "回访", Archive: "归档", Supervise: "督办", Extend: "延期", Escalate: "超期上报",
}

// Actions lists the user actions in display order.
func Actions() []Action {
	return []Action{Accept, Decline, Assign, Return, Take, Close, FollowUp, Archive, Supervise, Extend}
}

// Label returns the Chinese name.
func (a Action) Label() string { return actionLabels[a] }

// Valid reports whether a is a user action.
func (a Action) Valid() bool { return a != Escalate && actionLabels[a] != "" }

// Input carries what an action needs.
type Input struct {
	Reason       string
	Result       string
	Measures     string
	Instructions string
	OrgID        int64
	Satisfaction Satisfaction
	DueAt        time.Time
	Note         string
}

// Position is where the actor stands relative to the case, as the store
// sees it in the tree. Apply trusts it.
type Position struct {
	UserID              int64
	OrgID               int64
	HandlingOrg         bool // the actor acts for the handling org
	IntakeOrg           bool // the actor acts for the org that registered it
	AboveHandling       bool // the actor's org is strictly above the handling org
	TargetBelowHandling bool // assign: the target org is strictly below the handling org
	TargetActive        bool // assign: the target org is active
	ConsultationOnly    bool // the category is consultation only
}

// Policy sets the deadlines.
type Policy struct {
	UrgentFirstContact time.Duration // urgent: first contact within
	AcceptDays         int           // normal: accept within N working days
	FinishDays         int           // finish within N working days of acceptance
	UrgentFinishDays   int           // urgent cases finish within N working days
	ExtendDays         int           // one extension adds N working days
}

// DefaultPolicy is used until an administrator changes it.
func DefaultPolicy() Policy {
	return Policy{UrgentFirstContact: 24 * time.Hour, AcceptDays: 3, FinishDays: 15, UrgentFinishDays: 5, ExtendDays: 15}
}

// Env is the clock, policy and calendar an action runs under.
type Env struct {
	Now      time.Time
	Policy   Policy
	Calendar *workdays.Calendar
	Loc      *time.Location
}

// Event is the timeline entry an action produces.
type Event struct {
	Action    Action
	From, To  State
	OrgID     int64 // the handling org after the action
	Note      string
	DueAt     time.Time
	CreatedAt time.Time
}

// ErrInvalidTransition is the code of a refused action.
const ErrInvalidTransition = "invalid_transition"

func refuse(c Case, a Action) error {
	return apperr.New(apperr.Conflict, fmt.Sprintf("案件当前状态为“%s”，不能执行“%s”", c.State.Label(), a.Label())).WithCode(ErrInvalidTransition)
}

func forbid(msg string) error { return apperr.New(apperr.Forbidden, msg) }

func need(field, value, msg string, max int) error {
	v := strings.TrimSpace(value)
	f := apperr.Fields{}
	switch {
	case v == "":
		f.Add(field, msg)
	case utf8.RuneCountInString(v) > max:
		f.Add(field, fmt.Sprintf("不能超过%d个字", max))
	}
	return f.Err()
}

// allowed is the transition table: which states each action may start from.
var allowed = map[Action][]State{
	Accept:    {Registered},
	Decline:   {Registered},
	Assign:    {Accepted, Assigned},
	Return:    {Assigned},
	Take:      {Accepted, Assigned},
	Close:     {InProgress, Registered},
	FollowUp:  {Closed},
	Archive:   {FollowedUp, Declined, Closed},
	Supervise: {Registered, Accepted, Assigned, InProgress},
	Extend:    {Accepted, Assigned, InProgress},
	Escalate:  {Registered, Accepted, Assigned, InProgress},
}

// Allowed reports whether a may start from s in the table (before the
// finer rules of Apply).
func Allowed(s State, a Action) bool {
	for _, from := range allowed[a] {
		if from == s {
			return true
		}
	}
	return false
}

// Apply performs action a on c and returns the changed case and its
// timeline event. A refused action returns an error and c unchanged.
func Apply(c Case, a Action, in Input, pos Position, env Env) (Case, Event, error) {
	if !Allowed(c.State, a) {
		return c, Event{}, refuse(c, a)
	}
	next := c
	ev := Event{Action: a, From: c.State, CreatedAt: env.Now}
	switch a {
	case Accept:
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有承办单位可以受理")
		}
		next.State, next.AcceptedAt = Accepted, env.Now
		next.DueAt = finishDue(next, env, env.Now)
	case Decline:
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有承办单位可以决定不予受理")
		}
		if err := need("reason", in.Reason, "请填写不予受理的理由", 500); err != nil {
			return c, Event{}, err
		}
		next.State, next.DueAt, next.ClosedAt = Declined, time.Time{}, env.Now
		ev.Note = strings.TrimSpace(in.Reason)
	case Assign:
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有承办单位可以分派")
		}
		f := apperr.Fields{}
		switch {
		case in.OrgID == 0:
			f.Add("org_id", "请选择分派到的下级组织")
		case !pos.TargetBelowHandling:
			f.Add("org_id", "只能分派给本单位的下级组织")
		case !pos.TargetActive:
			f.Add("org_id", "该组织已撤销，不能分派")
		}
		if err := f.Err(); err != nil {
			return c, Event{}, err
		}
		next.State, next.AssignedByOrgID, next.HandlingOrgID, next.HandlerUserID = Assigned, c.HandlingOrgID, in.OrgID, 0
		ev.Note = strings.TrimSpace(in.Note)
	case Return:
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有被分派的单位可以退回")
		}
		if err := need("reason", in.Reason, "请填写退回的理由", 500); err != nil {
			return c, Event{}, err
		}
		next.State, next.HandlingOrgID, next.AssignedByOrgID, next.HandlerUserID = Accepted, c.AssignedByOrgID, 0, 0
		ev.Note = strings.TrimSpace(in.Reason)
	case Take:
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有承办单位可以接办")
		}
		next.State, next.HandlerUserID = InProgress, pos.UserID
		if next.AcceptedAt.IsZero() {
			next.AcceptedAt = env.Now
		}
		ev.Note = strings.TrimSpace(in.Note)
	case Close:
		if c.State == Registered && !pos.ConsultationOnly {
			return c, Event{}, refuse(c, a)
		}
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有承办单位可以办结")
		}
		if err := need("result", in.Result, "请填写办理结果", 2000); err != nil {
			return c, Event{}, err
		}
		if utf8.RuneCountInString(in.Measures) > 2000 {
			return c, Event{}, apperr.Fields{"measures": "不能超过2000个字"}.Err()
		}
		next.State, next.Result, next.Measures, next.DueAt, next.ClosedAt = Closed, strings.TrimSpace(in.Result), strings.TrimSpace(in.Measures), time.Time{}, env.Now
		ev.Note = next.Result
	case FollowUp:
		if !pos.HandlingOrg && !pos.IntakeOrg && !pos.AboveHandling {
			return c, Event{}, forbid("只有登记单位、承办单位或其上级可以回访")
		}
		if !in.Satisfaction.Valid() {
			return c, Event{}, apperr.Fields{"satisfaction": "请选择满意度"}.Err()
		}
		next.Satisfaction = in.Satisfaction
		ev.Note = strings.TrimSpace(in.Note)
		if in.Satisfaction == Dissatisfied {
			// Not satisfied: the case reopens with a fresh deadline.
			next.State, next.ClosedAt = InProgress, time.Time{}
			next.DueAt = finishDue(next, env, env.Now)
		} else {
			next.State = FollowedUp
		}
	case Archive:
		if c.State == Closed && !pos.ConsultationOnly {
			return c, Event{}, refuse(c, a)
		}
		if !pos.HandlingOrg && !pos.IntakeOrg && !pos.AboveHandling {
			return c, Event{}, forbid("只有登记单位、承办单位或其上级可以归档")
		}
		next.State = Archived
	case Supervise:
		if !pos.AboveHandling {
			return c, Event{}, forbid("只有承办单位的上级组织可以督办")
		}
		f := apperr.Fields{}
		if err := need("instructions", in.Instructions, "请填写督办意见", 1000); err != nil {
			return c, Event{}, err
		}
		if in.DueAt.IsZero() || !in.DueAt.After(env.Now) {
			f.Add("due_at", "请填写晚于现在的办理期限")
		}
		if err := f.Err(); err != nil {
			return c, Event{}, err
		}
		next.SuperviseNote, next.SuperviseDue, next.SuperviseOrgID = strings.TrimSpace(in.Instructions), in.DueAt, pos.OrgID
		if next.DueAt.IsZero() || in.DueAt.Before(next.DueAt) {
			next.DueAt = in.DueAt
		}
		ev.Note = next.SuperviseNote
	case Extend:
		if !pos.HandlingOrg {
			return c, Event{}, forbid("只有承办单位可以申请延期")
		}
		if c.Extended {
			return c, Event{}, apperr.New(apperr.Conflict, "该案件已经延期过一次，不能再次延期").WithCode(ErrInvalidTransition)
		}
		if err := need("reason", in.Reason, "请填写延期理由", 500); err != nil {
			return c, Event{}, err
		}
		next.Extended = true
		base := c.DueAt
		if base.IsZero() || base.Before(env.Now) {
			base = env.Now
		}
		next.DueAt = env.Calendar.AddWorkdays(base, env.Policy.ExtendDays, env.Loc, true)
		ev.Note = strings.TrimSpace(in.Reason)
	case Escalate:
		// The parent org becomes the handling org; the deadline restarts so
		// one overdue case is escalated once per step, not every minute.
		next.HandlingOrgID, next.Escalations, next.HandlerUserID = in.OrgID, c.Escalations+1, 0
		if c.State == Assigned || c.State == InProgress {
			next.State = Accepted
		}
		next.DueAt = env.Calendar.AddWorkdays(env.Now, env.Policy.AcceptDays, env.Loc, true)
		ev.Note = strings.TrimSpace(in.Note)
	}
	next.UpdatedAt = env.Now
	ev.To, ev.OrgID, ev.DueAt = next.State, next.HandlingOrgID, next.DueAt
	return next, ev, nil
}

// IntakeDue is the deadline of a newly registered case.
func IntakeDue(c Case, env Env) time.Time {
	if c.Urgency == Urgent {
		return env.Now.Add(env.Policy.UrgentFirstContact)
	}
	return env.Calendar.AddWorkdays(env.Now, env.Policy.AcceptDays, env.Loc, true)
}

func finishDue(c Case, env Env, from time.Time) time.Time {
	days := env.Policy.FinishDays
	if c.Urgency == Urgent && env.Policy.UrgentFinishDays > 0 {
		days = env.Policy.UrgentFinishDays
	}
	return env.Calendar.AddWorkdays(from, days, env.Loc, true)
}
