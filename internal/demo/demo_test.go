package demo

import (
	"context"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

func TestLoad(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite, storetest.Options{})
	sys := auth.System()

	var calls, lastDone, lastTotal int
	start := time.Now()
	got, err := Load(ctx, s, Options{People: 600}, func(done, total int) {
		calls++
		if done < lastDone || done > total {
			t.Errorf("progress(%d, %d) after (%d, %d): want done rising up to total", done, total, lastDone, lastTotal)
		}
		lastDone, lastTotal = done, total
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("Load with 600 women took %v", time.Since(start))
	if calls < 2 || lastDone != lastTotal {
		t.Errorf("progress: got %d calls ending at (%d, %d), want several ending at done == total", calls, lastDone, lastTotal)
	}
	if len(got) != len(Accounts()) {
		t.Errorf("Load returned %d accounts, want %d", len(got), len(Accounts()))
	}

	all, _, err := s.ListOrgs(ctx, sys, store.OrgFilter{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[orgs.Kind]int{}
	for _, o := range all {
		count[o.Kind]++
	}
	for _, want := range []struct {
		kind orgs.Kind
		min  int
	}{
		{orgs.City, 1}, {orgs.District, 6}, {orgs.Township, 40}, {orgs.Village, 300},
		{orgs.NewSector, 3}, {orgs.University, 2}, {orgs.Unit, 1}, {orgs.MemberAssoc, 2},
		{orgs.SocialOrg, 1}, {orgs.ServiceSite, 1}, {orgs.ParentSchool, 1},
	} {
		if count[want.kind] < want.min {
			t.Errorf("orgs of kind %s: got %d, want at least %d", want.kind, count[want.kind], want.min)
		}
	}

	women, err := s.CountPeople(ctx, sys, store.PeopleFilter{Sex: people.Female})
	if err != nil {
		t.Fatal(err)
	}
	if women != 600 {
		t.Errorf("women: got %d, want 600", women)
	}
	total, err := s.CountPeople(ctx, sys, store.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total < women {
		t.Errorf("people: got %d, want at least the %d women", total, women)
	}
	for _, tag := range []string{"elderly", "dibao", "left_behind"} {
		if n, err := s.CountPeople(ctx, sys, store.PeopleFilter{Tag: tag}); err != nil || n == 0 {
			t.Errorf("people tagged %s: got %d, %v, want some", tag, n, err)
		}
	}
	fams, _, err := s.ListFamilies(ctx, sys, store.FamilyFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) < 50 {
		t.Errorf("families: got %d, want at least 50", len(fams))
	}
	for _, f := range fams {
		if f.MemberCount == 0 {
			t.Errorf("family %s has no members", f.Name)
		}
	}

	actors := map[string]auth.Actor{}
	for _, a := range Accounts() {
		u, sess, err := s.Login(ctx, a.Username, a.Password, "127.0.0.1", "test")
		if err != nil {
			t.Errorf("Login(%s): %v", a.Username, err)
			continue
		}
		if u.MustChangePassword {
			t.Errorf("%s: MustChangePassword: got true, want false", a.Username)
		}
		if u.OrgName != a.OrgName || u.Role != a.Role {
			t.Errorf("%s: got org %q role %q, want %q %q", a.Username, u.OrgName, u.Role, a.OrgName, a.Role)
		}
		actor, _, err := s.Authenticate(ctx, sess.Token, "127.0.0.1", "test")
		if err != nil {
			t.Errorf("Authenticate(%s): %v", a.Username, err)
			continue
		}
		actors[a.Username] = actor
	}

	if a, ok := actors["township_cadre"]; ok {
		n, err := s.CountPeople(ctx, a, store.PeopleFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if n <= 0 || n >= total {
			t.Errorf("township cadre sees %d people: want some, fewer than the %d in the city", n, total)
		}
		if v, ok := actors["village_cadre"]; ok {
			m, err := s.CountPeople(ctx, v, store.PeopleFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if m <= 0 || m > n {
				t.Errorf("village cadre sees %d people: want some, no more than the township's %d", m, n)
			}
		}
	}
	if a, ok := actors["city_cadre"]; ok {
		if n, err := s.CountPeople(ctx, a, store.PeopleFilter{}); err != nil || n != total {
			t.Errorf("city cadre sees %d people (%v), want all %d", n, err, total)
		}
	}

	if _, err := Load(ctx, s, Options{People: 10}, nil); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second Load: got %v, want a conflict (database is not empty)", err)
	}
}

func TestPlanDeterministic(t *testing.T) {
	today := time.Date(2024, 3, 8, 0, 0, 0, 0, time.UTC)
	plan := func(seed int64) *planner {
		p := newPlanner(seed, today)
		p.planOrgs()
		p.planPeople(1000)
		return p
	}
	a, b := plan(7), plan(7)
	if len(a.people) != len(b.people) || len(a.families) != len(b.families) || len(a.orgs) != len(b.orgs) {
		t.Fatalf("same seed: got %d/%d/%d and %d/%d/%d orgs/people/families", len(a.orgs), len(a.people), len(a.families),
			len(b.orgs), len(b.people), len(b.families))
	}
	for i := range a.people {
		if a.people[i].in.IDNumber != b.people[i].in.IDNumber || a.people[i].in.Name != b.people[i].in.Name {
			t.Fatalf("same seed, person %d: got %s %s and %s %s", i, a.people[i].in.Name, a.people[i].in.IDNumber,
				b.people[i].in.Name, b.people[i].in.IDNumber)
		}
	}
	for i, pp := range a.people {
		id, err := people.ParseIDNumber(pp.in.IDNumber, today)
		if err != nil {
			t.Fatalf("person %d: ID %s: %v", i, pp.in.IDNumber, err)
		}
		if string(id.Sex) != pp.in.Sex {
			t.Errorf("person %d: ID says %s, input says %s", i, id.Sex, pp.in.Sex)
		}
		if y := id.BirthDate.Year(); y < 1940 || y > 2015 {
			t.Errorf("person %d: born %d, want 1940–2015", i, y)
		}
	}
	for i, o := range a.orgs {
		parentCode := ""
		if o.parent >= 0 {
			parentCode = a.orgs[o.parent].in.DivisionCode
		}
		if msg := orgs.ValidateDivisionCode(o.in.Kind, o.in.DivisionCode, parentCode); msg != "" {
			t.Errorf("org %d %s %s: %s", i, o.in.Name, o.in.DivisionCode, msg)
		}
	}
}
