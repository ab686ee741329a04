package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// idNumber builds a valid ID number for a woman born on birth (YYYYMMDD)
// with sequence seq (0–499).
func idNumber(birth string, seq int) string {
	first17 := fmt.Sprintf("330102%s%03d", birth, seq*2%1000)
	return first17 + string(people.CheckDigit(first17))
}

func registerAt(t *testing.T, s *store.Store, a auth.Actor, org orgs.Org, name, id, phone string) store.PersonRecord {
	t.Helper()
	p, err := s.CreatePerson(context.Background(), a, people.Input{OrgID: org.ID, Name: name, IDNumber: id, Phone: phone, Ethnicity: "01"})
	if err != nil {
		t.Fatalf("register %s at %s: %v", name, org.Name, err)
	}
	return p
}

func TestPersonRegisterMaskAndDuplicate(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		city := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		id := idNumber("19900101", 1)
		p := registerAt(t, s, city, tr.V1, "王小芳", id, "13812348000")
		if want := id[:6] + "********" + id[14:]; p.IDMasked != want {
			t.Errorf("IDMasked = %q, want %q", p.IDMasked, want)
		}
		if p.PhoneMasked != "138****8000" {
			t.Errorf("PhoneMasked = %q, want 138****8000", p.PhoneMasked)
		}
		if p.Sex != people.Female || p.BirthDate.Format("2006-01-02") != "1990-01-01" {
			t.Errorf("derived sex/birth = %s/%s, want F/1990-01-01", p.Sex, p.BirthDate.Format("2006-01-02"))
		}

		// A second registration of the same number: a conflict that links
		// to the record for a user who can see it …
		_, err := s.CreatePerson(ctx, city, people.Input{OrgID: tr.V2.ID, Name: "王芳", IDNumber: id})
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate: got %v, want conflict", err)
		}
		if got := store.ExistingPersonID(err); got != p.ID {
			t.Errorf("ExistingPersonID = %d, want %d", got, p.ID)
		}
		// … and stays neutral for one who cannot.
		other := storetest.ActorFor(t, s, tr.T2, auth.RoleCadre)
		_, err = s.CreatePerson(ctx, other, people.Input{OrgID: tr.V3.ID, Name: "王芳", IDNumber: id})
		if !apperr.Is(err, apperr.Conflict) || store.ExistingPersonID(err) != 0 {
			t.Errorf("out-of-scope duplicate: got %v (existing %d), want a neutral conflict", err, store.ExistingPersonID(err))
		}

		// Search by full ID number, by phone and by name prefix.
		for _, q := range []string{id, "13812348000", "王小", "王小芳"} {
			list, _, err := s.ListPeople(ctx, city, store.PeopleFilter{Q: q})
			if err != nil || len(list) != 1 || list[0].ID != p.ID {
				t.Errorf("search %q: got %d results (%v), want the one person", q, len(list), err)
			}
		}
		if list, _, _ := s.ListPeople(ctx, city, store.PeopleFilter{Q: "李"}); len(list) != 0 {
			t.Errorf("search 李: got %d results, want 0", len(list))
		}
	})
}

func TestPersonInvalidWritesNothing(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		a := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		bad := idNumber("19900101", 1)
		bad = bad[:17] + map[bool]string{true: "1", false: "2"}[bad[17] != '1']
		_, err := s.CreatePerson(ctx, a, people.Input{OrgID: tr.V1.ID, Name: "李梅", IDNumber: bad, Tags: []string{"dibao"}})
		e := apperr.As(err)
		if e == nil || e.Kind != apperr.Invalid || e.Fields["id_number"] == "" {
			t.Fatalf("bad check digit: got %v, want invalid with an id_number field", err)
		}
		_, err = s.CreatePerson(ctx, a, people.Input{OrgID: tr.V1.ID, Name: "李梅", IDNumber: idNumber("19800101", 3), Tags: []string{"no_such_tag"}})
		if e := apperr.As(err); e == nil || e.Fields["tags"] == "" {
			t.Fatalf("unknown tag: got %v, want a tags field error", err)
		}
		n, err := s.CountPeople(ctx, a, store.PeopleFilter{})
		if err != nil || n != 0 {
			t.Errorf("people after failed registrations = %d (%v), want 0", n, err)
		}
		entries, _, _ := s.ListAudit(ctx, auth.System(), audit.Filter{Entity: "person"})
		if len(entries) != 0 {
			t.Errorf("audit entries after failed registrations = %d, want 0", len(entries))
		}
	})
}

// TestPeopleScopeMatrix checks every level's view of people registered
// across the tree, including orgs whose ids share a decimal prefix (3, 13).
func TestPeopleScopeMatrix(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		if tr.Prefix3.ID != 3 || tr.Prefix13.ID != 13 {
			t.Fatalf("tree ids: prefix orgs are %d and %d, want 3 and 13", tr.Prefix3.ID, tr.Prefix13.ID)
		}
		sys := auth.System()
		at := map[string]store.PersonRecord{}
		for i, o := range []orgs.Org{tr.City, tr.D1, tr.D2, tr.T1, tr.T2, tr.V1, tr.V2, tr.V3, tr.Prefix13} {
			at[o.Name] = registerAt(t, s, sys, o, "测试"+string(rune('甲'+i)), idNumber("19850505", i+10), "")
		}
		type viewer struct {
			org  orgs.Org
			sees []orgs.Org
		}
		viewers := []viewer{
			{tr.V1, []orgs.Org{tr.V1}},
			{tr.T1, []orgs.Org{tr.T1, tr.V1, tr.V2, tr.Prefix13}},
			{tr.D1, []orgs.Org{tr.D1, tr.T1, tr.V1, tr.V2, tr.Prefix13}},
			{tr.D2, []orgs.Org{tr.D2, tr.T2, tr.V3}}, // org 3: must not see org 13
			{tr.City, []orgs.Org{tr.City, tr.D1, tr.D2, tr.T1, tr.T2, tr.V1, tr.V2, tr.V3, tr.Prefix13}},
		}
		for _, v := range viewers {
			a := storetest.ActorFor(t, s, v.org, auth.RoleCadre)
			visible := map[string]bool{}
			for _, o := range v.sees {
				visible[o.Name] = true
			}
			list, _, err := s.ListPeople(ctx, a, store.PeopleFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != len(v.sees) {
				t.Errorf("%s lists %d people, want %d", v.org.Name, len(list), len(v.sees))
			}
			if n, _ := s.CountPeople(ctx, a, store.PeopleFilter{}); n != len(v.sees) {
				t.Errorf("%s counts %d people, want %d", v.org.Name, n, len(v.sees))
			}
			if n, more, _ := s.CountPeopleAtMost(ctx, a, store.PeopleFilter{}, 1000); n != len(v.sees) || more {
				t.Errorf("%s: per-org totals give %d people, want %d", v.org.Name, n, len(v.sees))
			}
			for orgName, p := range at {
				_, err := s.GetPerson(ctx, a, p.ID)
				switch {
				case visible[orgName] && err != nil:
					t.Errorf("%s fetching person at %s: %v, want it", v.org.Name, orgName, err)
				case !visible[orgName] && !apperr.Is(err, apperr.NotFound):
					t.Errorf("%s fetching person at %s: %v, want not found", v.org.Name, orgName, err)
				}
				_, err = s.RevealPerson(ctx, a, p.ID, "test")
				if !visible[orgName] && !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%s revealing person at %s: %v, want not found", v.org.Name, orgName, err)
				}
				_, err = s.GetOrg(ctx, a, p.OrgID)
				if !visible[orgName] && !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%s fetching org %s: %v, want not found", v.org.Name, orgName, err)
				}
			}
		}
		// Moving a person keeps the per-org totals in step.
		moved := at[tr.V1.Name]
		if _, err := s.UpdatePerson(ctx, sys, moved.ID, people.Input{OrgID: tr.V3.ID, Name: moved.Name, Ethnicity: "01"}, store.ClearFields{}); err != nil {
			t.Fatal(err)
		}
		for _, o := range []struct {
			org  orgs.Org
			want int
		}{{tr.D1, 4}, {tr.D2, 4}, {tr.City, 9}} {
			a := storetest.ActorFor(t, s, o.org, auth.RoleCadre)
			if n, _, _ := s.CountPeopleAtMost(ctx, a, store.PeopleFilter{}, 1000); n != o.want {
				t.Errorf("after the move %s totals %d people, want %d", o.org.Name, n, o.want)
			}
		}
		if _, err := s.UpdatePerson(ctx, sys, moved.ID, people.Input{OrgID: tr.V1.ID, Name: moved.Name, Ethnicity: "01"}, store.ClearFields{}); err != nil {
			t.Fatal(err)
		}
		// An own-org scope sees its org only, not the villages below.
		own := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		own.Scope = auth.Scope{Org: tr.T1.ID}
		if n, _ := s.CountPeople(ctx, own, store.PeopleFilter{}); n != 1 {
			t.Errorf("own-org scope at T1 counts %d people, want 1", n)
		}
		// Chosen subtrees: V1 and T2.
		chosen := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		chosen.Scope = auth.Scope{Subtrees: []int64{tr.V1.ID, tr.T2.ID}}
		if n, _ := s.CountPeople(ctx, chosen, store.PeopleFilter{}); n != 3 {
			t.Errorf("chosen subtrees V1+T2 count %d people, want 3", n)
		}
	})
}

func TestMoveOrgCarriesSubtree(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		sys := auth.System()
		p := registerAt(t, s, sys, tr.V1, "周慧", idNumber("19700303", 7), "")
		// A village keeps its code's prefix, so it can only move to a
		// township with the same code prefix: move T1 (with V1) under D2
		// is refused by the code check; moving a non-territorial org works.
		if _, err := s.MoveOrg(ctx, sys, tr.T1.ID, tr.D2.ID); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("moving T1 under D2 with a mismatched code: got %v, want invalid", err)
		}
		site, err := s.CreateOrg(ctx, sys, orgs.Input{ParentID: tr.V1.ID, Name: "清波门妇女之家", Kind: orgs.ServiceSite})
		if err != nil {
			t.Fatal(err)
		}
		q := registerAt(t, s, sys, site, "陈静", idNumber("19750404", 8), "")
		if _, err := s.MoveOrg(ctx, sys, site.ID, tr.V3.ID); err != nil {
			t.Fatalf("move site to V3: %v", err)
		}
		d1 := storetest.ActorFor(t, s, tr.D1, auth.RoleCadre)
		d2 := storetest.ActorFor(t, s, tr.D2, auth.RoleCadre)
		if _, err := s.GetPerson(ctx, d1, q.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("after the move D1 still sees the site's person: %v", err)
		}
		if _, err := s.GetPerson(ctx, d2, q.ID); err != nil {
			t.Errorf("after the move D2 cannot see the site's person: %v", err)
		}
		if _, err := s.GetPerson(ctx, d1, p.ID); err != nil {
			t.Errorf("V1's own person lost from D1: %v", err)
		}
		moved, _ := s.GetOrg(ctx, sys, site.ID)
		if moved.Depth != 4 || moved.ParentID != tr.V3.ID {
			t.Errorf("moved site depth/parent = %d/%d, want 4/%d", moved.Depth, moved.ParentID, tr.V3.ID)
		}
		// Moving under its own descendant is refused.
		if _, err := s.MoveOrg(ctx, sys, tr.T1.ID, tr.V1.ID); err == nil {
			t.Error("moving T1 under its own village succeeded")
		}
	})
}

func TestRevealIsAudited(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		cadre := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		id := idNumber("19880808", 4)
		p := registerAt(t, s, cadre, tr.V1, "刘艳", id, "13900001111")
		r, err := s.RevealPerson(ctx, cadre, p.ID, "核实身份")
		if err != nil {
			t.Fatal(err)
		}
		if r.IDNumber != id || r.Phone != "13900001111" {
			t.Errorf("revealed %q/%q, want %q/13900001111", r.IDNumber, r.Phone, id)
		}
		viewer := storetest.ActorFor(t, s, tr.T1, auth.RoleViewer)
		if _, err := s.RevealPerson(ctx, viewer, p.ID, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("viewer reveal: got %v, want forbidden", err)
		}
		entries, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{Action: audit.Reveal, EntityID: p.ID})
		if err != nil || len(entries) != 1 {
			t.Fatalf("reveal audit entries = %d (%v), want 1", len(entries), err)
		}
		creates, _, _ := s.ListAudit(ctx, auth.System(), audit.Filter{Action: audit.Create, Entity: "person"})
		if len(creates) != 1 {
			t.Errorf("create audit entries = %d, want 1", len(creates))
		}
		for _, e := range append(entries, creates...) {
			if bytes.Contains([]byte(e.Detail), []byte(id)) || bytes.Contains([]byte(e.Detail), []byte("13900001111")) {
				t.Errorf("audit detail holds plaintext: %s", e.Detail)
			}
		}
	})
}

// TestNoPlaintextInDatabaseFile registers people and then searches the
// SQLite files byte by byte for their ID and phone numbers.
func TestNoPlaintextInDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	box := storetest.Box(t)
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DataDir: dir, Box: box})
	if err != nil {
		t.Fatal(err)
	}
	tr := storetest.BuildTree(t, s)
	sys := auth.System()
	var secrets []string
	for i := range 50 {
		id := idNumber(fmt.Sprintf("19%02d0615", 50+i%40), i)
		phone := fmt.Sprintf("139%08d", 10000000+i*7919)
		registerAt(t, s, sys, tr.V1, "赵"+string(rune('一'+i)), id, phone)
		secrets = append(secrets, id, phone)
	}
	// Updates and reveals must not leave plaintext behind either.
	list, _, _ := s.ListPeople(ctx, sys, store.PeopleFilter{Limit: 5})
	for _, p := range list {
		if _, err := s.UpdatePerson(ctx, sys, p.ID, people.Input{Name: p.Name, Phone: "13700000000", Ethnicity: "01"}, store.ClearFields{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevealPerson(ctx, sys, p.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	secrets = append(secrets, "13700000000")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "jinguo.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s contains the plaintext %s", filepath.Base(f), sec)
			}
		}
	}
}

// TestFamilyMemberOutOfScope moves a family member away and checks that the
// family's old org no longer sees her name.
func TestFamilyMemberOutOfScope(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		sys := auth.System()
		mother := registerAt(t, s, sys, tr.V1, "周秀英", idNumber("19600101", 20), "")
		daughter := registerAt(t, s, sys, tr.V1, "周小红", idNumber("19900101", 21), "")
		fam, err := s.CreateFamily(ctx, sys, people.FamilyInput{OrgID: tr.V1.ID, Name: "周家"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct {
			id  int64
			rel people.Relation
		}{{mother.ID, people.Head}, {daughter.ID, people.Child}} {
			if _, err := s.SetFamilyMember(ctx, sys, fam.ID, m.id, m.rel); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UpdatePerson(ctx, sys, daughter.ID, people.Input{OrgID: tr.V3.ID, Name: daughter.Name, Ethnicity: "01"}, store.ClearFields{}); err != nil {
			t.Fatal(err)
		}
		village := storetest.ActorFor(t, s, tr.V1, auth.RoleCadre)
		got, err := s.GetFamily(ctx, village, fam.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got.Members {
			if m.Name == daughter.Name || m.PersonID == daughter.ID {
				t.Errorf("the village still sees the moved member: %+v", m)
			}
		}
		if len(got.Members) != 2 {
			t.Errorf("members = %d, want 2 (one shown as out of scope)", len(got.Members))
		}
	})
}
