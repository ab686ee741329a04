package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

func TestScreeningReportsAndCoverage(t *testing.T) {
	// 15 March 2024, 10:00 in China.
	clock := storetest.NewClock(time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		t1 := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		v1 := storetest.ActorFor(t, s, tr.V1, auth.RoleCadre)
		v3 := storetest.ActorFor(t, s, tr.V3, auth.RoleCadre)
		const month = "2024-03"

		rep, err := s.ReportScreening(ctx, v1, tr.V1.ID, month, false, "入户走访32户", []store.ScreeningDispute{
			{Category: "divorce", Summary: "夫妻因分居长期争吵", Parties: "王某、李某"},
			{Category: "elder_support", Summary: "兄弟间赡养老人纠纷"},
			{}, // an empty form row is ignored
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NoneFound || len(rep.Disputes) != 2 || rep.Disputes[0].Status != store.DisputeOpen {
			t.Fatalf("report = %+v, want 2 open disputes", rep)
		}
		if _, err := s.ReportScreening(ctx, t1, tr.V2.ID, month, true, "", nil); err != nil {
			t.Fatalf("township reports none found for a village: %v", err)
		}
		if _, err := s.ReportScreening(ctx, v3, tr.V3.ID, month, true, "", nil); err != nil {
			t.Fatal(err)
		}

		// Refusals: a future month, an org out of scope, neither disputes nor
		// "none found", both, a bad category.
		refusals := []struct {
			name      string
			a         auth.Actor
			org       int64
			month     string
			none      bool
			disputes  []store.ScreeningDispute
			wantField string
		}{
			{"future month", v1, tr.V1.ID, "2024-04", true, nil, "month"},
			{"bad month", v1, tr.V1.ID, "2024-3", true, nil, "month"},
			{"other district", v3, tr.V1.ID, month, true, nil, "org_id"},
			{"nothing", v1, tr.V1.ID, month, false, nil, "none_found"},
			{"both", v1, tr.V1.ID, month, true, []store.ScreeningDispute{{Category: "dv", Summary: "x"}}, "none_found"},
			{"bad category", v1, tr.V1.ID, month, false, []store.ScreeningDispute{{Category: "nope", Summary: "x"}}, "dispute_1"},
			{"no summary", v1, tr.V1.ID, month, false, []store.ScreeningDispute{{Category: "dv"}}, "dispute_1"},
			{"already has disputes", v1, tr.V1.ID, month, true, nil, "none_found"},
		}
		for _, r := range refusals {
			_, err := s.ReportScreening(ctx, r.a, r.org, r.month, r.none, "", r.disputes)
			if e := apperr.As(err); e == nil || e.Fields[r.wantField] == "" {
				t.Errorf("%s: %v, want an error on %s", r.name, err, r.wantField)
			}
		}

		// A second submission for the month adds to the report.
		again, err := s.ReportScreening(ctx, v1, tr.V1.ID, month, false, "补报", []store.ScreeningDispute{{Category: "dv", Summary: "邻居反映夜间打闹"}})
		if err != nil {
			t.Fatalf("second submission: %v", err)
		}
		if again.ID != rep.ID || len(again.Disputes) != 3 || again.Note != "补报" {
			t.Errorf("second submission: id %d (want %d), %d disputes (want 3), note %q", again.ID, rep.ID, len(again.Disputes), again.Note)
		}
		// None found, then a dispute after all: the report changes to found.
		v2 := storetest.ActorFor(t, s, tr.V2, auth.RoleCadre)
		later, err := s.ReportScreening(ctx, v2, tr.V2.ID, month, false, "", []store.ScreeningDispute{{Category: "custody", Summary: "抚养费纠纷"}})
		if err != nil || later.NoneFound || len(later.Disputes) != 1 {
			t.Errorf("dispute after none found: %+v, %v", later, err)
		}

		cov, err := s.ScreeningCoverage(ctx, storetest.ActorFor(t, s, tr.City, auth.RoleCadre), month)
		if err != nil {
			t.Fatal(err)
		}
		// Villages: V1, V2 and 6 fillers under T1; V3 under T2.
		if cov.Villages != 9 || cov.Reported != 3 || cov.Disputes != 4 || len(cov.Roots) != 1 {
			t.Fatalf("city coverage = %d/%d villages, %d disputes, %d roots; want 3/9, 4, 1", cov.Reported, cov.Villages, cov.Disputes, len(cov.Roots))
		}
		nodes := map[int64]*store.CoverageNode{}
		var walk func(n *store.CoverageNode)
		walk = func(n *store.CoverageNode) {
			nodes[n.ID] = n
			for _, c := range n.Children {
				walk(c)
			}
		}
		walk(cov.Roots[0])
		for _, c := range []struct {
			name           string
			id             int64
			reported, all  int
			disputes, rate int
		}{
			{"city", tr.City.ID, 3, 9, 4, 33}, {"D1", tr.D1.ID, 2, 8, 4, 25}, {"T1", tr.T1.ID, 2, 8, 4, 25},
			{"D2", tr.D2.ID, 1, 1, 0, 100}, {"T2", tr.T2.ID, 1, 1, 0, 100}, {"V1", tr.V1.ID, 1, 1, 3, 100},
		} {
			n := nodes[c.id]
			if n == nil {
				t.Errorf("%s missing from the tree", c.name)
				continue
			}
			if n.VillagesReported != c.reported || n.Villages != c.all || n.DisputesTotal != c.disputes || n.Rate() != c.rate {
				t.Errorf("%s: %d/%d reported, %d disputes, rate %d; want %d/%d, %d, %d", c.name, n.VillagesReported, n.Villages, n.DisputesTotal, n.Rate(), c.reported, c.all, c.disputes, c.rate)
			}
		}
		if !nodes[tr.V3.ID].NoneFound || !nodes[tr.V3.ID].Reported {
			t.Errorf("V3 = %+v, want reported none found", nodes[tr.V3.ID])
		}
		if len(cov.Missing) != 6 {
			t.Errorf("missing = %d villages, want 6", len(cov.Missing))
		}
		for _, m := range cov.Missing {
			if m.ID == tr.V1.ID || m.ID == tr.V2.ID || m.ID == tr.V3.ID || m.ParentName != tr.T1.Name {
				t.Errorf("missing village %+v", m)
			}
		}
		// A district sees only its subtree; another month has no reports.
		d2, err := s.ScreeningCoverage(ctx, storetest.ActorFor(t, s, tr.D2, auth.RoleCadre), month)
		if err != nil || d2.Villages != 1 || d2.Reported != 1 || len(d2.Missing) != 0 {
			t.Errorf("D2 coverage = %+v, %v; want 1/1 and none missing", d2, err)
		}
		feb, err := s.ScreeningCoverage(ctx, storetest.ActorFor(t, s, tr.City, auth.RoleCadre), "2024-02")
		if err != nil || feb.Reported != 0 || len(feb.Missing) != 9 {
			t.Errorf("February coverage = %d reported, %d missing (%v); want 0 and 9", feb.Reported, len(feb.Missing), err)
		}

		// ListScreening: the township sees its villages' reports; D2 does
		// not see D1's.
		list, err := s.ListScreening(ctx, t1, tr.T1.ID, month)
		if err != nil || len(list) != 2 {
			t.Errorf("T1 reports = %d (%v), want 2", len(list), err)
		}
		if _, err := s.ListScreening(ctx, v3, tr.V1.ID, month); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("V3 lists V1's reports: %v, want not found", err)
		}
	})
}

func TestDisputeToCase(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		t1 := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		rep, err := s.ReportScreening(ctx, t1, tr.V1.ID, "2024-03", false, "", []store.ScreeningDispute{
			{Category: "divorce", Summary: "夫妻因分居长期争吵", Parties: "王某、李某"},
		})
		if err != nil {
			t.Fatal(err)
		}
		id := rep.Disputes[0].ID

		// Out of reach: another district's actor, or a handling org out of
		// scope. The failed conversion writes nothing: the dispute stays
		// open, no case, no audit entry, no case number used up.
		if _, err := s.DisputeToCase(ctx, storetest.ActorFor(t, s, tr.D2, auth.RoleCadre), id, tr.D2.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("D2 converts T1's dispute: %v, want not found", err)
		}
		if _, err := s.DisputeToCase(ctx, t1, id, tr.D2.ID); apperr.As(err) == nil || apperr.As(err).Fields["org_id"] == "" {
			t.Errorf("handling org out of scope: %v, want an org_id error", err)
		}
		if d, _, err := s.GetDispute(ctx, t1, id); err != nil || d.Status != store.DisputeOpen || d.CaseID != 0 {
			t.Fatalf("after a failed conversion the dispute is %q, case %d (%v); want open, none", d.Status, d.CaseID, err)
		}
		if n, _, err := s.ListCases(ctx, auth.System(), store.CaseFilter{}); err != nil || len(n) != 0 {
			t.Errorf("after a failed conversion: %d cases (%v), want none", len(n), err)
		}
		if e, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{Entity: "screening_dispute"}); err != nil || len(e) != 0 {
			t.Errorf("after a failed conversion: %d audit entries on the dispute (%v), want none", len(e), err)
		}

		c, err := s.DisputeToCase(ctx, t1, id, tr.V1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Number != "WQ2024-000001" {
			t.Errorf("case number %s, want WQ2024-000001 (the failed attempt used none)", c.Number)
		}
		if e, _, err := s.ListAudit(ctx, auth.System(), audit.Filter{Entity: "screening_dispute", EntityID: id}); err != nil || len(e) != 1 {
			t.Errorf("after the conversion: %d audit entries on the dispute (%v), want 1", len(e), err)
		}
		if c.Channel != cases.Screening || c.Category != "divorce" || c.HandlingOrgID != tr.V1.ID || c.State != cases.Registered || c.Summary != "夫妻因分居长期争吵" {
			t.Errorf("case = %+v", c.Case)
		}
		full, err := s.GetCase(ctx, t1, c.ID, false)
		if err != nil || full.Description == "" {
			t.Errorf("case description %q (%v), want the dispute", full.Description, err)
		}
		if _, err := s.DisputeToCase(ctx, t1, id, tr.V1.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second conversion: %v, want conflict", err)
		}
		list, err := s.ListScreening(ctx, t1, tr.V1.ID, "2024-03")
		if err != nil || len(list) != 1 || list[0].Disputes[0].Status != store.DisputeCase || list[0].Disputes[0].CaseID != c.ID || list[0].Disputes[0].CaseNumber != c.Number {
			t.Errorf("after conversion: %+v (%v), want linked to %s", list, err, c.Number)
		}
		n, _, err := s.ListCases(ctx, t1, store.CaseFilter{Channel: cases.Screening})
		if err != nil || len(n) != 1 {
			t.Errorf("screening cases = %d (%v), want 1", len(n), err)
		}
	})
}

// TestDisputeToCaseOnce converts one dispute from several goroutines at
// once: exactly one case, the others a conflict.
func TestDisputeToCaseOnce(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		t1 := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		rep, err := s.ReportScreening(ctx, t1, tr.V1.ID, "2024-03", false, "", []store.ScreeningDispute{{Category: "divorce", Summary: "夫妻争吵"}})
		if err != nil {
			t.Fatal(err)
		}
		id := rep.Disputes[0].ID
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.DisputeToCase(ctx, t1, id, tr.T1.ID)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !apperr.Is(err, apperr.Conflict):
				t.Errorf("concurrent conversion: %v, want success or conflict", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d conversions succeeded, want 1", ok)
		}
		list, _, err := s.ListCases(ctx, auth.System(), store.CaseFilter{Channel: cases.Screening})
		if err != nil || len(list) != 1 {
			t.Fatalf("screening cases = %d (%v), want 1", len(list), err)
		}
		d, _, err := s.GetDispute(ctx, t1, id)
		if err != nil || d.Status != store.DisputeCase || d.CaseID != list[0].ID {
			t.Errorf("dispute %q linked to %d (%v), want case %d", d.Status, d.CaseID, err, list[0].ID)
		}
	})
}

// TestScreeningRestrictedDisputes checks who sees the details of a dispute
// about a child, or one whose case is restricted: the reporter, the
// linked case's handler or creator and the system; not another cadre in
// scope, who sees the status and the case number only.
func TestScreeningRestrictedDisputes(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		_, reporter := storetest.SignIn(t, s, storetest.NewUser(t, s, tr.V1, "scr-reporter", auth.RoleCadre))
		_, cadre := storetest.SignIn(t, s, storetest.NewUser(t, s, tr.T1, "scr-cadre", auth.RoleCadre))
		_, converter := storetest.SignIn(t, s, storetest.NewUser(t, s, tr.T1, "scr-converter", auth.RoleCadre))
		anon := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre) // no account: UserID 0
		const month = "2024-03"
		const secret, group, plain, toRestrict = "小明被继父殴打", "儿童失学", "夫妻争吵", "邻里纠纷涉家暴"
		if _, err := s.ReportScreening(ctx, reporter, tr.V1.ID, month, false, "", []store.ScreeningDispute{
			{Category: "child_abuse", Summary: secret, Parties: "小明、继父张某"},
			{Category: "child", Summary: group, Parties: "李某之子"},
			{Category: "divorce", Summary: plain, Parties: "王某、李某"},
			{Category: "divorce", Summary: toRestrict, Parties: "赵某"},
		}); err != nil {
			t.Fatal(err)
		}
		// disputes lists the month's disputes of V1 as a sees them, by summary
		// as reported.
		ids := map[string]int64{}
		sys, err := s.ListScreening(ctx, auth.System(), tr.V1.ID, month)
		if err != nil || len(sys) != 1 || len(sys[0].Disputes) != 4 {
			t.Fatalf("system list: %+v (%v)", sys, err)
		}
		for _, d := range sys[0].Disputes {
			if d.Hidden {
				t.Errorf("the system does not see %q", d.Summary)
			}
			ids[d.Summary] = d.ID
		}
		check := func(who string, a auth.Actor, summary string, hidden bool) {
			t.Helper()
			reps, err := s.ListScreening(ctx, a, tr.V1.ID, month)
			if err != nil || len(reps) != 1 {
				t.Fatalf("%s lists: %d reports (%v)", who, len(reps), err)
			}
			var d store.ScreeningDispute
			for _, x := range reps[0].Disputes {
				if x.ID == ids[summary] {
					d = x
				}
			}
			one, _, err := s.GetDispute(ctx, a, ids[summary])
			if err != nil {
				t.Fatalf("%s gets %q: %v", who, summary, err)
			}
			for _, got := range []store.ScreeningDispute{d, one} {
				switch {
				case got.ID == 0:
					t.Errorf("%s: %q not listed", who, summary)
				case hidden && (!got.Hidden || got.Summary != store.DisputeWithheld || got.Parties != ""):
					t.Errorf("%s sees %q: summary %q, parties %q; want withheld", who, summary, got.Summary, got.Parties)
				case !hidden && (got.Hidden || got.Summary != summary || got.Parties == ""):
					t.Errorf("%s: %q shown as %q, parties %q; want the details", who, summary, got.Summary, got.Parties)
				}
			}
		}
		for _, sum := range []string{secret, group} {
			check("reporter", reporter, sum, false)
			check("township cadre", cadre, sum, true)
			check("township actor without account", anon, sum, true)
		}
		check("township cadre", cadre, plain, false)

		// Who cannot see a dispute cannot convert it (the case would show
		// its creator the details); its reporter can.
		if _, err := s.DisputeToCase(ctx, cadre, ids[secret], tr.T1.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("township cadre converts a hidden dispute: %v, want forbidden", err)
		}
		if d, _, _ := s.GetDispute(ctx, auth.System(), ids[secret]); d.Status != store.DisputeOpen {
			t.Errorf("after a refused conversion the dispute is %q, want open", d.Status)
		}
		c, err := s.DisputeToCase(ctx, reporter, ids[secret], tr.V1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Restricted || c.Hidden {
			t.Errorf("case of a child dispute: restricted %v, hidden from its creator %v; want restricted, shown", c.Restricted, c.Hidden)
		}
		check("reporter", reporter, secret, false)
		check("township cadre", cadre, secret, true)
		reps, err := s.ListScreening(ctx, cadre, tr.V1.ID, month)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range reps[0].Disputes {
			if d.ID == ids[secret] && (d.Status != store.DisputeCase || d.CaseID != c.ID || d.CaseNumber != c.Number) {
				t.Errorf("hidden converted dispute: status %q, case %d %q; want case %d %s", d.Status, d.CaseID, d.CaseNumber, c.ID, c.Number)
			}
		}

		// An ordinary dispute whose case becomes restricted: hidden from
		// the township cadre, shown to the reporter and the case's creator.
		rc, err := s.DisputeToCase(ctx, converter, ids[toRestrict], tr.T1.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("township cadre", cadre, toRestrict, false)
		if _, err := s.DB().ExecContext(ctx, `UPDATE cases SET restricted = $1 WHERE id = $2`, true, rc.ID); err != nil {
			t.Fatal(err)
		}
		check("township cadre", cadre, toRestrict, true)
		check("case creator", converter, toRestrict, false)
		check("reporter", reporter, toRestrict, false)
		check("township cadre", cadre, plain, false)
	})
}

// TestScreeningDisputeReporterIsPerDispute checks that a child dispute's
// details go to the one who reported it, not to whoever submitted to the
// same month's report later (the report keeps only its latest submitter).
func TestScreeningDisputeReporterIsPerDispute(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 15, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		_, first := storetest.SignIn(t, s, storetest.NewUser(t, s, tr.V1, "scr-first", auth.RoleCadre))
		_, second := storetest.SignIn(t, s, storetest.NewUser(t, s, tr.V1, "scr-second", auth.RoleCadre))
		const month = "2024-03"
		const secret, later = "小红被父亲殴打", "小刚辍学在家"
		if _, err := s.ReportScreening(ctx, first, tr.V1.ID, month, false, "", []store.ScreeningDispute{
			{Category: "child_abuse", Summary: secret, Parties: "小红、父亲陈某"},
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := s.ReportScreening(ctx, second, tr.V1.ID, month, false, "", []store.ScreeningDispute{
			{Category: "child", Summary: later, Parties: "刘某之子"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ReportedBy != second.UserID || len(rep.Disputes) != 2 {
			t.Fatalf("report after the second submission: reported by %d, %d disputes; want %d, 2", rep.ReportedBy, len(rep.Disputes), second.UserID)
		}
		ids := map[string]int64{}
		for _, d := range rep.Disputes {
			ids[d.Summary] = d.ID
		}
		check := func(who string, a auth.Actor, summary string, hidden bool) {
			t.Helper()
			reps, err := s.ListScreening(ctx, a, tr.V1.ID, month)
			if err != nil || len(reps) != 1 {
				t.Fatalf("%s lists: %d reports (%v)", who, len(reps), err)
			}
			var listed store.ScreeningDispute
			for _, x := range reps[0].Disputes {
				if x.ID == ids[summary] {
					listed = x
				}
			}
			one, _, err := s.GetDispute(ctx, a, ids[summary])
			if err != nil {
				t.Fatalf("%s gets %q: %v", who, summary, err)
			}
			for _, got := range []store.ScreeningDispute{listed, one} {
				switch {
				case got.ID == 0:
					t.Errorf("%s: %q not listed", who, summary)
				case hidden && (!got.Hidden || got.Summary != store.DisputeWithheld || got.Parties != ""):
					t.Errorf("%s sees %q: summary %q, parties %q; want withheld", who, summary, got.Summary, got.Parties)
				case !hidden && (got.Hidden || got.Summary != summary || got.Parties == ""):
					t.Errorf("%s: %q shown as %q, parties %q; want the details", who, summary, got.Summary, got.Parties)
				}
			}
		}
		check("first reporter", first, secret, false)
		check("second reporter", second, secret, true)
		check("second reporter", second, later, false)
		check("first reporter", first, later, true)

		// Nor may the later submitter turn the earlier child dispute into a
		// case; its own reporter may.
		if _, err := s.DisputeToCase(ctx, second, ids[secret], tr.V1.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("second reporter converts the first's child dispute: %v, want forbidden", err)
		}
		if _, err := s.DisputeToCase(ctx, first, ids[secret], tr.V1.ID); err != nil {
			t.Errorf("first reporter converts own child dispute: %v", err)
		}
	})
}
