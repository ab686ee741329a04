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

// TestNotificationsAudience checks who sees a notification: an org's goes
// to every user of that org (not to its parent, child or peer), a user's
// to that user alone; marking read touches only what the actor sees.
func TestNotificationsAudience(t *testing.T) {
	clock := storetest.NewClock(time.Time{})
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		user := func(name string, org int64, role string) auth.Actor {
			t.Helper()
			for _, o := range tr.All {
				if o.ID == org {
					u := storetest.NewUser(t, s, o, name, role)
					a := storetest.ActorFor(t, s, o, role)
					a.UserID, a.Username = u.ID, u.Username
					return a
				}
			}
			t.Fatalf("no org %d", org)
			return auth.Actor{}
		}
		d1a := user("d1_alice", tr.D1.ID, auth.RoleOrgAdmin)
		d1b := user("d1_bob", tr.D1.ID, auth.RoleCadre)
		d2 := user("d2_carol", tr.D2.ID, auth.RoleOrgAdmin)
		t1 := user("t1_dora", tr.T1.ID, auth.RoleCadre)
		city := user("city_eve", tr.City.ID, auth.RoleCadre)

		// The city registers a case for D1: D1 is told (an org notification).
		c, _, err := s.CreateCase(ctx, city, cases.Intake{Channel: cases.Hotline, Category: "divorce", Summary: "离婚纠纷", OrgID: tr.D1.ID})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		insert := func(org, user int64, msg string) int64 {
			t.Helper()
			var org0, user0 any
			if org != 0 {
				org0 = org
			}
			if user != 0 {
				user0 = user
			}
			clock.Advance(time.Second)
			var id int64
			if err := s.DB().QueryRowContext(ctx, `INSERT INTO notifications (org_id, user_id, kind, case_id, message, created_at)
				VALUES ($1, $2, 'test', $3, $4, $5) RETURNING id`, org0, user0, c.ID, msg, clock.Now().UnixMilli()).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		toAlice := insert(tr.D1.ID, d1a.UserID, "给Alice个人")
		toD2 := insert(tr.D2.ID, 0, "给拱墅区")
		toD1 := insert(tr.D1.ID, 0, "给上城区")

		ids := func(list []store.Notification) []int64 {
			out := make([]int64, len(list))
			for i, n := range list {
				out[i] = n.ID
			}
			return out
		}
		var newCase int64
		all, _, err := s.ListNotifications(ctx, d1b, false, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].ID != toD1 || all[1].Kind != "new_case" || all[1].CaseID != c.ID {
			t.Fatalf("D1 colleague sees %+v, want [%d, the new_case notification]", all, toD1)
		}
		newCase = all[1].ID
		for _, tc := range []struct {
			who  string
			a    auth.Actor
			want []int64
		}{
			{"D1 user addressed", d1a, []int64{toD1, toAlice, newCase}},
			{"D1 colleague", d1b, []int64{toD1, newCase}},
			{"other district", d2, []int64{toD2}},
			{"township below D1", t1, nil},
			{"city above D1", city, nil},
		} {
			got, next, err := s.ListNotifications(ctx, tc.a, false, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got); !equalIDs(g, tc.want) || next != 0 {
				t.Errorf("%s sees %v (next %d), want %v", tc.who, g, next, tc.want)
			}
			n, err := s.CountUnread(ctx, tc.a)
			if err != nil || n != len(tc.want) {
				t.Errorf("%s unread = %d (%v), want %d", tc.who, n, err, len(tc.want))
			}
		}

		// Keyset pages of one.
		var seen []int64
		cursor := int64(0)
		for range 5 {
			page, next, err := s.ListNotifications(ctx, d1a, false, cursor, 1)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, ids(page)...)
			if next == 0 {
				break
			}
			cursor = next
		}
		if !equalIDs(seen, []int64{toD1, toAlice, newCase}) {
			t.Errorf("paged through %v, want %v", seen, []int64{toD1, toAlice, newCase})
		}

		// Bob cannot mark Alice's or D2's notifications read.
		if n, err := s.MarkNotificationsRead(ctx, d1b, []int64{toAlice, toD2}); err != nil || n != 0 {
			t.Errorf("bob marks others' notifications: %d (%v), want 0", n, err)
		}
		if _, err := s.ReadNotification(ctx, d1b, toD2); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("bob reads D2's notification: %v, want not found", err)
		}
		// Bob reads the org one: read for Alice too (a shared org inbox).
		got, err := s.ReadNotification(ctx, d1b, toD1)
		if err != nil || got.CaseID != c.ID || got.Unread() {
			t.Fatalf("read: %+v (%v), want read with case %d", got, err, c.ID)
		}
		unread, _, _ := s.ListNotifications(ctx, d1a, true, 0, 50)
		if g := ids(unread); !equalIDs(g, []int64{toAlice, newCase}) {
			t.Errorf("alice unread %v, want %v", g, []int64{toAlice, newCase})
		}
		if n, err := s.MarkNotificationsRead(ctx, d1a, nil); err != nil || n != 2 {
			t.Errorf("mark all: %d (%v), want 2", n, err)
		}
		for _, tc := range []struct {
			who  string
			a    auth.Actor
			want int
		}{{"alice", d1a, 0}, {"bob", d1b, 0}, {"carol", d2, 1}} {
			if n, _ := s.CountUnread(ctx, tc.a); n != tc.want {
				t.Errorf("%s unread after marking = %d, want %d", tc.who, n, tc.want)
			}
		}
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
