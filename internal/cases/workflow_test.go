package cases_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/cases"
	"jinguo/internal/workdays"
)

var cst = time.FixedZone("CST", 8*3600)

// Org ids of the workflow tests: the city above the district that handles
// the case, which may assign it to a township below.
const (
	cityOrg     = 1
	districtOrg = 2
	townshipOrg = 4
)

func date(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

// nationalDay2024 is the 2024 National Day week: 1–7 October off, Sunday
// 29 September and Saturday 12 October worked.
func nationalDay2024() *workdays.Calendar {
	ex := map[workdays.Day]workdays.Kind{}
	ex[time.Date(2024, 9, 29, 0, 0, 0, 0, time.UTC)] = workdays.Workday
	ex[time.Date(2024, 10, 12, 0, 0, 0, 0, time.UTC)] = workdays.Workday
	for d := 1; d <= 7; d++ {
		ex[time.Date(2024, 10, d, 0, 0, 0, 0, time.UTC)] = workdays.Holiday
	}
	return workdays.New(ex)
}

func envAt(now time.Time) cases.Env {
	return cases.Env{Now: now, Policy: cases.DefaultPolicy(), Calendar: nationalDay2024(), Loc: cst}
}

// caseIn returns a case handled by the district in state st, assigned down
// from the city, with a deadline ahead of now.
func caseIn(st cases.State, now time.Time) cases.Case {
	return cases.Case{ID: 7, Number: "WQ2024-000007", Channel: cases.Hotline, Category: "divorce", Summary: "离婚纠纷",
		State: st, Urgency: cases.Normal, IntakeOrgID: cityOrg, HandlingOrgID: districtOrg, AssignedByOrgID: cityOrg,
		HandlerUserID: 5, DueAt: now.Add(72 * time.Hour), CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour)}
}

// enabling returns the position and input under which a is allowed by
// every rule but the transition table: the handling org acts (an org above
// it for supervise) with complete, valid input.
func enabling(a cases.Action, now time.Time, consult bool) (cases.Position, cases.Input) {
	pos := cases.Position{UserID: 9, OrgID: districtOrg, HandlingOrg: true, IntakeOrg: true,
		TargetBelowHandling: true, TargetActive: true, ConsultationOnly: consult}
	if a == cases.Supervise {
		pos = cases.Position{UserID: 1, OrgID: cityOrg, AboveHandling: true, ConsultationOnly: consult}
	}
	in := cases.Input{Reason: "理由", Result: "已调解成功", Measures: "转介法律援助", Instructions: "请三日内办结",
		OrgID: townshipOrg, Satisfaction: cases.Satisfied, DueAt: now.Add(48 * time.Hour), Note: "备注"}
	return pos, in
}

// wantNext is the transition table as the issue states it: the state each
// user action leads to from each state, and false where it is refused.
// Closing at registration and archiving a closed case without follow-up
// are allowed only for consultation-only categories.
func wantNext(from cases.State, a cases.Action, consult bool) (cases.State, bool) {
	type key struct {
		s cases.State
		a cases.Action
	}
	table := map[key]cases.State{
		{cases.Registered, cases.Accept}:    cases.Accepted,
		{cases.Registered, cases.Decline}:   cases.Declined,
		{cases.Registered, cases.Supervise}: cases.Registered,
		{cases.Declined, cases.Archive}:     cases.Archived,
		{cases.Accepted, cases.Assign}:      cases.Assigned,
		{cases.Accepted, cases.Take}:        cases.InProgress,
		{cases.Accepted, cases.Supervise}:   cases.Accepted,
		{cases.Accepted, cases.Extend}:      cases.Accepted,
		{cases.Assigned, cases.Assign}:      cases.Assigned,
		{cases.Assigned, cases.Return}:      cases.Accepted,
		{cases.Assigned, cases.Take}:        cases.InProgress,
		{cases.Assigned, cases.Supervise}:   cases.Assigned,
		{cases.Assigned, cases.Extend}:      cases.Assigned,
		{cases.InProgress, cases.Close}:     cases.Closed,
		{cases.InProgress, cases.Supervise}: cases.InProgress,
		{cases.InProgress, cases.Extend}:    cases.InProgress,
		{cases.Closed, cases.FollowUp}:      cases.FollowedUp,
		{cases.FollowedUp, cases.Archive}:   cases.Archived,
	}
	if consult {
		table[key{cases.Registered, cases.Close}] = cases.Closed
		table[key{cases.Closed, cases.Archive}] = cases.Archived
	}
	to, ok := table[key{from, a}]
	return to, ok
}

// TestTransitionTable runs every user action from every state, for an
// ordinary and a consultation-only category.
func TestTransitionTable(t *testing.T) {
	now := date("2024-03-08 10:00")
	env := envAt(now)
	if got, want := len(cases.States())*len(cases.Actions()), 8*10; got != want {
		t.Fatalf("states × actions = %d, want %d: update the table", got, want)
	}
	allowedCount := 0
	for _, consult := range []bool{false, true} {
		for _, st := range cases.States() {
			for _, a := range cases.Actions() {
				t.Run(fmt.Sprintf("%s/%s/consult=%v", st, a, consult), func(t *testing.T) {
					c := caseIn(st, now)
					pos, in := enabling(a, now, consult)
					got, ev, err := cases.Apply(c, a, in, pos, env)
					to, ok := wantNext(st, a, consult)
					if !ok {
						if code := apperr.CodeOf(err); code != cases.ErrInvalidTransition || !apperr.Is(err, apperr.Conflict) {
							t.Fatalf("got error %v (code %q), want a conflict with code %q", err, code, cases.ErrInvalidTransition)
						}
						if !reflect.DeepEqual(got, c) {
							t.Errorf("refused action changed the case:\n got %+v\nwant %+v", got, c)
						}
						if ev != (cases.Event{}) {
							t.Errorf("refused action produced event %+v", ev)
						}
						return
					}
					allowedCount++
					if err != nil {
						t.Fatalf("got error %v, want %s", err, to)
					}
					if got.State != to {
						t.Errorf("state %s, want %s", got.State, to)
					}
					if ev.Action != a || ev.From != st || ev.To != to || !ev.CreatedAt.Equal(now) || ev.OrgID != got.HandlingOrgID {
						t.Errorf("event %+v, want %s %s→%s at %s by org %d", ev, a, st, to, now, got.HandlingOrgID)
					}
					if !got.UpdatedAt.Equal(now) {
						t.Errorf("updated_at %s, want %s", got.UpdatedAt, now)
					}
				})
			}
		}
	}
	if allowedCount != 18+20 {
		t.Errorf("%d allowed transitions over both category kinds, want 38", allowedCount)
	}
}

// TestTransitionEffects checks what the allowed steps change besides the
// state.
func TestTransitionEffects(t *testing.T) {
	now := date("2024-03-08 10:00")
	env := envAt(now)
	apply := func(t *testing.T, c cases.Case, a cases.Action) cases.Case {
		t.Helper()
		pos, in := enabling(a, now, false)
		got, _, err := cases.Apply(c, a, in, pos, env)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		return got
	}
	t.Run("assign", func(t *testing.T) {
		got := apply(t, caseIn(cases.Accepted, now), cases.Assign)
		if got.HandlingOrgID != townshipOrg || got.AssignedByOrgID != districtOrg || got.HandlerUserID != 0 {
			t.Errorf("handling %d assigned by %d handler %d, want %d, %d, 0", got.HandlingOrgID, got.AssignedByOrgID, got.HandlerUserID, townshipOrg, districtOrg)
		}
	})
	t.Run("return", func(t *testing.T) {
		got := apply(t, caseIn(cases.Assigned, now), cases.Return)
		if got.HandlingOrgID != cityOrg || got.AssignedByOrgID != 0 || got.HandlerUserID != 0 {
			t.Errorf("handling %d assigned by %d handler %d, want %d, 0, 0", got.HandlingOrgID, got.AssignedByOrgID, got.HandlerUserID, cityOrg)
		}
	})
	t.Run("take", func(t *testing.T) {
		got := apply(t, caseIn(cases.Assigned, now), cases.Take)
		if got.HandlerUserID != 9 || !got.AcceptedAt.Equal(now) {
			t.Errorf("handler %d accepted %s, want 9 and %s", got.HandlerUserID, got.AcceptedAt, now)
		}
	})
	t.Run("decline", func(t *testing.T) {
		got := apply(t, caseIn(cases.Registered, now), cases.Decline)
		if !got.DueAt.IsZero() || !got.ClosedAt.Equal(now) {
			t.Errorf("due %s closed %s, want no deadline and closed now", got.DueAt, got.ClosedAt)
		}
	})
	t.Run("close", func(t *testing.T) {
		got := apply(t, caseIn(cases.InProgress, now), cases.Close)
		if got.Result != "已调解成功" || got.Measures != "转介法律援助" || !got.DueAt.IsZero() || !got.ClosedAt.Equal(now) {
			t.Errorf("result %q measures %q due %s closed %s", got.Result, got.Measures, got.DueAt, got.ClosedAt)
		}
	})
	t.Run("supervise keeps the earlier deadline", func(t *testing.T) {
		c := caseIn(cases.InProgress, now)
		c.DueAt = now.Add(24 * time.Hour)
		got := apply(t, c, cases.Supervise)
		if got.SuperviseOrgID != cityOrg || got.SuperviseNote != "请三日内办结" || !got.SuperviseDue.Equal(now.Add(48*time.Hour)) {
			t.Errorf("supervise org %d note %q due %s", got.SuperviseOrgID, got.SuperviseNote, got.SuperviseDue)
		}
		if !got.DueAt.Equal(c.DueAt) {
			t.Errorf("deadline %s, want the earlier %s kept", got.DueAt, c.DueAt)
		}
		c.DueAt = now.Add(96 * time.Hour)
		if got := apply(t, c, cases.Supervise); !got.DueAt.Equal(now.Add(48 * time.Hour)) {
			t.Errorf("deadline %s, want the supervision's %s", got.DueAt, now.Add(48*time.Hour))
		}
	})
}

// TestTransitionWrongOrg: an actor outside the allowed position is
// forbidden, and the case is unchanged.
func TestTransitionWrongOrg(t *testing.T) {
	now := date("2024-03-08 10:00")
	env := envAt(now)
	from := map[cases.Action]cases.State{
		cases.Accept: cases.Registered, cases.Decline: cases.Registered, cases.Assign: cases.Accepted,
		cases.Return: cases.Assigned, cases.Take: cases.Accepted, cases.Close: cases.InProgress,
		cases.FollowUp: cases.Closed, cases.Archive: cases.FollowedUp, cases.Supervise: cases.InProgress,
		cases.Extend: cases.InProgress,
	}
	for _, a := range cases.Actions() {
		t.Run(string(a), func(t *testing.T) {
			c := caseIn(from[a], now)
			_, in := enabling(a, now, false)
			// A peer org: not handling, not intake, not above.
			pos := cases.Position{UserID: 3, OrgID: 3, TargetBelowHandling: true, TargetActive: true}
			if a == cases.Supervise {
				pos.HandlingOrg = true // the handling org cannot supervise itself
			}
			got, _, err := cases.Apply(c, a, in, pos, env)
			if !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("got %v, want forbidden", err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("forbidden action changed the case")
			}
		})
	}
	// The intake org and orgs above the handling org may follow up and
	// archive without handling the case.
	for _, pos := range []cases.Position{{OrgID: cityOrg, IntakeOrg: true}, {OrgID: cityOrg, AboveHandling: true}} {
		if _, _, err := cases.Apply(caseIn(cases.Closed, now), cases.FollowUp, cases.Input{Satisfaction: cases.Satisfied}, pos, env); err != nil {
			t.Errorf("follow-up by %+v: %v, want allowed", pos, err)
		}
		if _, _, err := cases.Apply(caseIn(cases.FollowedUp, now), cases.Archive, cases.Input{}, pos, env); err != nil {
			t.Errorf("archive by %+v: %v, want allowed", pos, err)
		}
	}
}

// TestTransitionFields: missing or bad input is a 422 naming the field, and
// the case is unchanged.
func TestTransitionFields(t *testing.T) {
	now := date("2024-03-08 10:00")
	env := envAt(now)
	long := strings.Repeat("理", 501)
	tests := []struct {
		name  string
		from  cases.State
		a     cases.Action
		edit  func(*cases.Input, *cases.Position)
		field string
	}{
		{"decline without reason", cases.Registered, cases.Decline, func(in *cases.Input, _ *cases.Position) { in.Reason = "" }, "reason"},
		{"decline with blank reason", cases.Registered, cases.Decline, func(in *cases.Input, _ *cases.Position) { in.Reason = "  \n " }, "reason"},
		{"decline with long reason", cases.Registered, cases.Decline, func(in *cases.Input, _ *cases.Position) { in.Reason = long }, "reason"},
		{"return without reason", cases.Assigned, cases.Return, func(in *cases.Input, _ *cases.Position) { in.Reason = "" }, "reason"},
		{"extend without reason", cases.InProgress, cases.Extend, func(in *cases.Input, _ *cases.Position) { in.Reason = " " }, "reason"},
		{"close without result", cases.InProgress, cases.Close, func(in *cases.Input, _ *cases.Position) { in.Result = "" }, "result"},
		{"follow-up without satisfaction", cases.Closed, cases.FollowUp, func(in *cases.Input, _ *cases.Position) { in.Satisfaction = "" }, "satisfaction"},
		{"follow-up with unknown satisfaction", cases.Closed, cases.FollowUp, func(in *cases.Input, _ *cases.Position) { in.Satisfaction = "happy" }, "satisfaction"},
		{"assign without org", cases.Accepted, cases.Assign, func(in *cases.Input, _ *cases.Position) { in.OrgID = 0 }, "org_id"},
		{"assign to a non-descendant", cases.Accepted, cases.Assign, func(_ *cases.Input, p *cases.Position) { p.TargetBelowHandling = false }, "org_id"},
		{"assign to a closed org", cases.Assigned, cases.Assign, func(_ *cases.Input, p *cases.Position) { p.TargetActive = false }, "org_id"},
		{"supervise without instructions", cases.InProgress, cases.Supervise, func(in *cases.Input, _ *cases.Position) { in.Instructions = "" }, "instructions"},
		{"supervise without due date", cases.InProgress, cases.Supervise, func(in *cases.Input, _ *cases.Position) { in.DueAt = time.Time{} }, "due_at"},
		{"supervise due now", cases.InProgress, cases.Supervise, func(in *cases.Input, _ *cases.Position) { in.DueAt = now }, "due_at"},
		{"supervise due in the past", cases.Accepted, cases.Supervise, func(in *cases.Input, _ *cases.Position) { in.DueAt = now.Add(-time.Minute) }, "due_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(tt.from, now)
			pos, in := enabling(tt.a, now, false)
			tt.edit(&in, &pos)
			got, _, err := cases.Apply(c, tt.a, in, pos, env)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || e.Fields[tt.field] == "" {
				t.Fatalf("got %v, want invalid with a message for %s", err, tt.field)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("invalid input changed the case")
			}
		})
	}
}

// TestExtendOnce: one extension adds working days to the deadline; a
// second is refused and changes nothing.
func TestExtendOnce(t *testing.T) {
	now := date("2024-09-27 10:00") // Friday before the National Day week
	env := envAt(now)
	c := caseIn(cases.InProgress, now)
	c.DueAt = date("2024-09-30 23:59").Add(59 * time.Second)
	pos, in := enabling(cases.Extend, now, false)
	got, ev, err := cases.Apply(c, cases.Extend, in, pos, env)
	if err != nil {
		t.Fatal(err)
	}
	// 15 working days after Monday 30 September: 8–12 (Saturday 12 worked),
	// 14–18, 21–25 October.
	want := date("2024-10-25 23:59").Add(59 * time.Second)
	if !got.Extended || !got.DueAt.Equal(want) || !ev.DueAt.Equal(want) || ev.Note != "理由" {
		t.Errorf("extended %v due %s (event %s, note %q), want true and %s", got.Extended, got.DueAt.In(cst), ev.DueAt.In(cst), ev.Note, want.In(cst))
	}
	again, _, err := cases.Apply(got, cases.Extend, in, pos, env)
	if apperr.CodeOf(err) != cases.ErrInvalidTransition {
		t.Errorf("second extension: %v, want %s", err, cases.ErrInvalidTransition)
	}
	if !reflect.DeepEqual(again, got) {
		t.Errorf("refused second extension changed the case")
	}
	// An overdue case is extended from now, not from the missed deadline.
	late := caseIn(cases.InProgress, now)
	late.DueAt = now.Add(-48 * time.Hour)
	got, _, _ = cases.Apply(late, cases.Extend, in, pos, env)
	if want := env.Calendar.AddWorkdays(now, 15, cst, true); !got.DueAt.Equal(want) {
		t.Errorf("overdue extension due %s, want %s", got.DueAt.In(cst), want.In(cst))
	}
}

// TestFollowUpDissatisfied: a dissatisfied follow-up reopens the case with
// a fresh finishing deadline counted from the call.
func TestFollowUpDissatisfied(t *testing.T) {
	now := date("2024-09-30 10:00") // Monday before the National Day week
	env := envAt(now)
	for _, tt := range []struct {
		urgency cases.Urgency
		want    string
	}{
		{cases.Normal, "2024-10-25 23:59"}, // 15 working days
		{cases.Urgent, "2024-10-12 23:59"}, // 5 working days: 8–11 and the worked Saturday 12
	} {
		c := caseIn(cases.Closed, now)
		c.Urgency, c.DueAt, c.ClosedAt, c.Result = tt.urgency, time.Time{}, now.Add(-14*24*time.Hour), "已调解"
		pos, in := enabling(cases.FollowUp, now, false)
		in.Satisfaction = cases.Dissatisfied
		got, ev, err := cases.Apply(c, cases.FollowUp, in, pos, env)
		if err != nil {
			t.Fatal(err)
		}
		want := date(tt.want).Add(59 * time.Second)
		if got.State != cases.InProgress || got.Satisfaction != cases.Dissatisfied || !got.ClosedAt.IsZero() || !got.DueAt.Equal(want) {
			t.Errorf("%s: state %s satisfaction %s closed %s due %s, want in_progress, dissatisfied, reopened, due %s",
				tt.urgency, got.State, got.Satisfaction, got.ClosedAt, got.DueAt.In(cst), tt.want)
		}
		if ev.To != cases.InProgress || !ev.DueAt.Equal(want) {
			t.Errorf("%s: event to %s due %s", tt.urgency, ev.To, ev.DueAt.In(cst))
		}
		if !got.Overdue(want.Add(time.Second)) || got.Overdue(want) {
			t.Errorf("%s: reopened case should be overdue just after %s and not before", tt.urgency, tt.want)
		}
	}
}

// TestDeadlines counts deadlines in working days across weekends, the worked
// Sunday and the National Day holiday, with an injected clock.
func TestDeadlines(t *testing.T) {
	tests := []struct {
		name string
		now  string
		step func(env cases.Env) (time.Time, error)
		want string
	}{
		{"accept within 3 working days from Thursday", "2024-09-26 10:00", func(env cases.Env) (time.Time, error) {
			// Friday 27, the worked Sunday 29, Monday 30.
			return cases.IntakeDue(cases.Case{Urgency: cases.Normal}, env), nil
		}, "2024-09-30 23:59:59"},
		{"accept within 3 working days from Friday, over the holiday", "2024-09-27 16:00", func(env cases.Env) (time.Time, error) {
			// Sunday 29, Monday 30, then nothing until Tuesday 8 October.
			return cases.IntakeDue(cases.Case{Urgency: cases.Normal}, env), nil
		}, "2024-10-08 23:59:59"},
		{"urgent first contact within 24 hours, holiday or not", "2024-09-30 22:30", func(env cases.Env) (time.Time, error) {
			return cases.IntakeDue(cases.Case{Urgency: cases.Urgent}, env), nil
		}, "2024-10-01 22:30:00"},
		{"finish within 15 working days of acceptance", "2024-09-30 09:00", func(env cases.Env) (time.Time, error) {
			c, _, err := cases.Apply(caseIn(cases.Registered, env.Now), cases.Accept, cases.Input{}, cases.Position{HandlingOrg: true}, env)
			return c.DueAt, err
		}, "2024-10-25 23:59:59"},
		{"urgent finish within 5 working days", "2024-09-30 09:00", func(env cases.Env) (time.Time, error) {
			c := caseIn(cases.Registered, env.Now)
			c.Urgency = cases.Urgent
			c, _, err := cases.Apply(c, cases.Accept, cases.Input{}, cases.Position{HandlingOrg: true}, env)
			return c.DueAt, err
		}, "2024-10-12 23:59:59"},
		{"accept on a Saturday counts from Monday", "2024-03-09 11:00", func(env cases.Env) (time.Time, error) {
			c, _, err := cases.Apply(caseIn(cases.Registered, env.Now), cases.Accept, cases.Input{}, cases.Position{HandlingOrg: true}, env)
			return c.DueAt, err
		}, "2024-03-29 23:59:59"},
		{"escalation restarts 3 working days", "2024-10-04 08:00", func(env cases.Env) (time.Time, error) {
			c, _, err := cases.Apply(caseIn(cases.InProgress, env.Now), cases.Escalate, cases.Input{OrgID: cityOrg}, cases.Position{}, env)
			return c.DueAt, err
		}, "2024-10-10 23:59:59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := date(tt.now) // injected: nothing reads the wall clock
			got, err := tt.step(envAt(clock))
			if err != nil {
				t.Fatal(err)
			}
			if s := got.In(cst).Format(time.DateTime); s != tt.want {
				t.Errorf("deadline %s, want %s", s, tt.want)
			}
		})
	}
}

// TestEscalateNotAUserAction: escalation is the system's, never offered
// to users, and moves an assigned case back to accepted at the parent.
func TestEscalateNotAUserAction(t *testing.T) {
	if cases.Escalate.Valid() {
		t.Errorf("escalate is a valid user action, want system only")
	}
	for _, a := range cases.Actions() {
		if a == cases.Escalate {
			t.Errorf("Actions() lists escalate")
		}
	}
	now := date("2024-03-08 10:00")
	c := caseIn(cases.Assigned, now)
	got, _, err := cases.Apply(c, cases.Escalate, cases.Input{OrgID: cityOrg}, cases.Position{}, envAt(now))
	if err != nil || got.State != cases.Accepted || got.HandlingOrgID != cityOrg || got.Escalations != 1 || got.HandlerUserID != 0 {
		t.Errorf("escalate: %+v (%v), want accepted at the city with 1 escalation and no handler", got, err)
	}
	for _, st := range []cases.State{cases.Declined, cases.Closed, cases.FollowedUp, cases.Archived} {
		if _, _, err := cases.Apply(caseIn(st, now), cases.Escalate, cases.Input{OrgID: cityOrg}, cases.Position{}, envAt(now)); apperr.CodeOf(err) != cases.ErrInvalidTransition {
			t.Errorf("escalate from %s: %v, want refused", st, err)
		}
	}
}
