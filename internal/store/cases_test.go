package store_test

import (
	"context"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// TestCaseLifecycle walks a high-risk hotline call from intake to archive.
func TestCaseLifecycle(t *testing.T) {
	// Friday 8 March 2024, 10:00 in China.
	clock := storetest.NewClock(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		operator := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		operator.UserID = 9001
		c, code, err := s.CreateCase(ctx, operator, cases.Intake{Channel: cases.Hotline, Category: "dv", Summary: "丈夫多次殴打并扬言杀人",
			Description: "求助人称丈夫酒后持刀威胁。", OrgID: tr.D1.ID, RiskAnswers: []string{"threat_to_kill", "substance"},
			Parties: []cases.Party{{Role: cases.Complainant, Name: "张某", Phone: "13912345678"}, {Role: cases.Respondent, Name: "李某"}}})
		if err != nil {
			t.Fatal(err)
		}
		if code != "" {
			t.Errorf("hotline case got a tracking code %q", code)
		}
		if c.RiskLevel != cases.RiskHigh || c.Urgency != cases.Urgent || !c.Restricted {
			t.Errorf("risk/urgency/restricted = %s/%s/%v, want high/urgent/true", c.RiskLevel, c.Urgency, c.Restricted)
		}
		if want := clock.Now().Add(24 * time.Hour); !c.DueAt.Equal(want) {
			t.Errorf("due = %s, want %s (24 hours)", c.DueAt, want)
		}
		if len(c.Parties) != 2 || c.Parties[0].Phone != "139****5678" {
			t.Errorf("parties = %+v, want 2 with a masked phone", c.Parties)
		}
		d1 := storetest.ActorFor(t, s, tr.D1, auth.RoleOrgAdmin)
		t1 := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		t1.UserID = 9002
		step := func(a auth.Actor, act cases.Action, in cases.Input, want cases.State) {
			t.Helper()
			got, err := s.Transition(ctx, a, c.ID, act, in)
			if err != nil {
				t.Fatalf("%s: %v", act, err)
			}
			if got.State != want {
				t.Fatalf("%s: state %s, want %s", act, got.State, want)
			}
		}
		step(d1, cases.Accept, cases.Input{}, cases.Accepted)
		step(d1, cases.Assign, cases.Input{OrgID: tr.T1.ID}, cases.Assigned)
		// The district is not the handler any more.
		if _, err := s.Transition(ctx, d1, c.ID, cases.Take, cases.Input{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("district takes a case assigned to the township: %v, want forbidden", err)
		}
		step(t1, cases.Take, cases.Input{}, cases.InProgress)
		// A refused action changes nothing.
		before, _ := s.GetCase(ctx, t1, c.ID, false)
		if _, err := s.Transition(ctx, t1, c.ID, cases.Accept, cases.Input{}); apperr.CodeOf(err) != cases.ErrInvalidTransition {
			t.Errorf("accept while in progress: %v, want invalid_transition", err)
		}
		after, _ := s.GetCase(ctx, t1, c.ID, false)
		if before.State != after.State || !before.UpdatedAt.Equal(after.UpdatedAt) {
			t.Errorf("refused action changed the case")
		}
		step(t1, cases.Close, cases.Input{Result: "已协助申请人身安全保护令", Measures: "转介公安、法律援助"}, cases.Closed)
		step(operator, cases.FollowUp, cases.Input{Satisfaction: cases.Satisfied}, cases.FollowedUp)
		step(operator, cases.Archive, cases.Input{}, cases.Archived)
		events, err := s.CaseTimeline(ctx, operator, c.ID, true)
		if err != nil || len(events) != 8 {
			t.Errorf("timeline has %d events (%v), want 8 (register, safety plan, six steps)", len(events), err)
		}

		// Restricted: a same-org colleague at the township sees that the
		// case exists but not what it says.
		colleague := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		colleague.UserID = 9003
		got, err := s.GetCase(ctx, colleague, c.ID, false)
		if err != nil || !got.Hidden || got.Summary != "" || got.Description != "" {
			t.Errorf("colleague view: hidden=%v summary=%q (%v), want hidden", got.Hidden, got.Summary, err)
		}
		// A supervisor up the chain opens it on purpose.
		got, err = s.GetCase(ctx, d1, c.ID, true)
		if err != nil || got.Hidden || !got.Opened || got.Description == "" {
			t.Errorf("supervisor open: hidden=%v opened=%v (%v), want details", got.Hidden, got.Opened, err)
		}
		peer := storetest.ActorFor(t, s, tr.D2, auth.RoleOrgAdmin)
		if _, err := s.GetCase(ctx, peer, c.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("peer district: %v, want not found", err)
		}
	})
}

// TestEscalationOnce lets a normal case pass its deadline across a weekend
// and checks it is escalated once, however often the sweep runs.
func TestEscalationOnce(t *testing.T) {
	clock := storetest.NewClock(time.Time{})
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		// Thursday 7 March 2024, 10:00 in China.
		clock.Set(time.Date(2024, 3, 7, 2, 0, 0, 0, time.UTC))
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		a := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		c, _, err := s.CreateCase(ctx, a, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "离婚财产纠纷", OrgID: tr.T1.ID})
		if err != nil {
			t.Fatal(err)
		}
		// 3 working days from Thursday: Fri 8, Mon 11, Tue 12 — end of day.
		if got := c.DueAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"); got != "2024-03-12 23:59" {
			t.Errorf("accept deadline %s, want 2024-03-12 23:59", got)
		}
		clock.Set(time.Date(2024, 3, 12, 15, 0, 0, 0, time.UTC)) // 23:00 Tuesday in China: not yet
		if n, err := s.EscalateOverdue(ctx, 100); err != nil || n != 0 {
			t.Fatalf("before the deadline escalated %d (%v), want 0", n, err)
		}
		clock.Set(time.Date(2024, 3, 13, 1, 0, 0, 0, time.UTC))
		for i := range 3 {
			n, err := s.EscalateOverdue(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[i == 0]; n != want {
				t.Errorf("sweep %d escalated %d, want %d", i+1, n, want)
			}
		}
		got, _ := s.GetCase(ctx, auth.System(), c.ID, false)
		if got.HandlingOrgID != tr.D1.ID || got.Escalations != 1 {
			t.Errorf("after escalation handling org %d escalations %d, want %d and 1", got.HandlingOrgID, got.Escalations, tr.D1.ID)
		}
	})
}
