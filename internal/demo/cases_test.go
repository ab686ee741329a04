package demo

import (
	"context"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
	"jinguo/internal/workdays"
)

func TestLoadCases(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite, storetest.Options{})
	start := time.Now()
	if _, err := Load(ctx, s, Options{People: 600}, nil); err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("Load with 600 women and the cases took %v", time.Since(start))

	actors := map[string]auth.Actor{}
	for _, name := range []string{"city_cadre", "township_cadre", "city_admin"} {
		_, sess, err := s.Login(ctx, name, Password, "127.0.0.1", "test")
		if err != nil {
			t.Fatalf("Login(%s): %v", name, err)
		}
		a, _, err := s.Authenticate(ctx, sess.Token, "127.0.0.1", "test")
		if err != nil {
			t.Fatalf("Authenticate(%s): %v", name, err)
		}
		actors[name] = a
	}

	all, next, err := s.ListCases(ctx, actors["city_cadre"], store.CaseFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if next != 0 || len(all) < 150 {
		t.Fatalf("city sees %d cases (next %d), want at least 150 on one page", len(all), next)
	}
	states := map[cases.State]int{}
	channels := map[cases.Channel]int{}
	restricted, urgent := 0, 0
	for _, c := range all {
		states[c.State]++
		channels[c.Channel]++
		if c.Restricted {
			restricted++
		}
		if c.Urgency == cases.Urgent {
			urgent++
		}
	}
	t.Logf("states %v, channels %v, restricted %d, urgent %d", states, channels, restricted, urgent)
	for _, st := range []cases.State{cases.Registered, cases.Accepted, cases.Assigned, cases.InProgress, cases.Closed, cases.FollowedUp, cases.Archived} {
		if states[st] == 0 {
			t.Errorf("no case in state %s", st)
		}
	}
	for _, ch := range []cases.Channel{cases.Hotline, cases.Visit, cases.Online, cases.Screening} {
		if channels[ch] == 0 {
			t.Errorf("no case from channel %s", ch)
		}
	}
	if channels[cases.Hotline] < len(all)/3 {
		t.Errorf("hotline cases: got %d of %d, want most", channels[cases.Hotline], len(all))
	}
	if restricted == 0 || restricted > len(all)/2 {
		t.Errorf("restricted cases: got %d of %d, want some", restricted, len(all))
	}

	town, _, err := s.ListCases(ctx, actors["township_cadre"], store.CaseFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(town) == 0 || len(town) >= len(all) {
		t.Errorf("township cadre sees %d cases, want some, fewer than the city's %d", len(town), len(all))
	}
	taken := false
	for _, c := range town {
		if c.HandlerName != "" && c.State == cases.InProgress && c.Restricted && !c.Hidden {
			taken = true // the high-risk call she handles herself
		}
	}
	if !taken {
		t.Error("township cadre handles no restricted case in progress she can see")
	}

	soon, _, err := s.ListCases(ctx, actors["city_cadre"], store.CaseFilter{DueWithin: 48 * time.Hour, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(soon) == 0 {
		t.Error("no case due within 48 hours")
	}

	hs, err := s.Holidays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]workdays.Exception{}
	in2025 := 0
	for _, h := range hs {
		got[h.Date.Format("2006-01-02")] = h
		if h.Date.Year() == 2025 {
			in2025++
		}
	}
	for _, want := range []struct {
		day  string
		kind workdays.Kind
		name string
	}{
		{"2025-01-01", workdays.Holiday, "元旦"}, {"2025-01-28", workdays.Holiday, "春节"}, {"2025-02-04", workdays.Holiday, "春节"},
		{"2025-01-26", workdays.Workday, "春节调休上班"}, {"2025-04-27", workdays.Workday, "劳动节调休上班"},
		{"2025-10-08", workdays.Holiday, "国庆节、中秋节"}, {"2024-02-18", workdays.Workday, "春节调休上班"},
		{"2026-02-23", workdays.Holiday, "春节"}, {"2026-10-10", workdays.Workday, "国庆节调休上班"},
	} {
		h, ok := got[want.day]
		if !ok || h.Kind != want.kind || h.Name != want.name {
			t.Errorf("holiday %s: got %+v (listed %v), want %s %s", want.day, h, ok, want.kind, want.name)
		}
	}
	if in2025 < 30 {
		t.Errorf("2025 calendar: got %d days, want the holidays and make-up days (at least 30)", in2025)
	}

	// Count every case's records as the system (a supervisor reads a
	// restricted case's records only after opening it on purpose).
	today := localtime.Today(s.Now())
	expiring, orders, referrals, mediations := 0, 0, 0, 0
	for _, c := range all {
		sec, err := s.LoadCaseSections(ctx, auth.System(), c.ID)
		if err != nil {
			t.Fatalf("case %s: sections: %v", c.Number, err)
		}
		referrals += len(sec.Referrals)
		mediations += len(sec.Mediations)
		for _, o := range sec.Orders {
			orders++
			if o.Expiring(today) {
				expiring++
			}
		}
	}
	t.Logf("referrals %d, orders %d (%d expiring), mediations %d", referrals, orders, expiring, mediations)
	if expiring == 0 {
		t.Error("no protection order expiring within 7 days")
	}
	if referrals == 0 || mediations == 0 {
		t.Errorf("got %d referrals and %d mediation sessions, want some of each", referrals, mediations)
	}

	cov, err := s.ScreeningCoverage(ctx, actors["city_cadre"], store.MonthOf(s.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if cov.Reported == 0 || cov.Reported >= cov.Villages || cov.Disputes == 0 {
		t.Errorf("screening this month: %d of %d villages reported, %d disputes; want most, not all, and some disputes",
			cov.Reported, cov.Villages, cov.Disputes)
	}
}
