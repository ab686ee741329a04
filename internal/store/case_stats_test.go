package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// TestCaseStats checks the figures on a small known set of cases.
func TestCaseStats(t *testing.T) {
	// Monday 4 March 2024, 10:00 in China.
	t0 := time.Date(2024, 3, 4, 2, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(t0)
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		city := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		d1 := storetest.ActorFor(t, s, tr.D1, auth.RoleCadre)
		d2 := storetest.ActorFor(t, s, tr.D2, auth.RoleCadre)
		t1 := storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
		create := func(category string, org int64) int64 {
			t.Helper()
			c, _, err := s.CreateCase(ctx, city, cases.Intake{Channel: cases.Hotline, Category: category, Summary: "测试", Description: "机密描述", OrgID: org})
			if err != nil {
				t.Fatalf("create %s: %v", category, err)
			}
			return c.ID
		}
		step := func(a auth.Actor, id int64, act cases.Action, in cases.Input) {
			t.Helper()
			if _, err := s.Transition(ctx, a, id, act, in); err != nil {
				t.Fatalf("%s case %d: %v", act, id, err)
			}
		}
		closeIn := cases.Input{Result: "已调解"}

		// February: a case outside the range.
		clock.Set(time.Date(2024, 2, 20, 2, 0, 0, 0, time.UTC))
		f := create("divorce", tr.D1.ID)
		step(d1, f, cases.Accept, cases.Input{})
		step(d1, f, cases.Take, cases.Input{})
		step(d1, f, cases.Close, closeIn)

		clock.Set(t0)
		a := create("dv", tr.D1.ID)              // closed in 2 days, satisfied
		b := create("divorce", tr.T1.ID)         // closed after 30 days (late), basically satisfied
		c := create("wages", tr.D2.ID)           // still open
		d := create("legal_consult", tr.City.ID) // consultation closed at intake after an hour
		e := create("custody", tr.D2.ID)         // declined: not closed
		step(d1, a, cases.Accept, cases.Input{})
		step(d1, a, cases.Take, cases.Input{})
		step(t1, b, cases.Accept, cases.Input{})
		step(t1, b, cases.Take, cases.Input{})
		clock.Set(t0.Add(time.Hour))
		step(city, d, cases.Close, closeIn)
		step(d2, e, cases.Decline, cases.Input{Reason: "不属于受理范围"})
		clock.Set(t0.Add(48 * time.Hour))
		step(d1, a, cases.Close, closeIn)
		step(city, a, cases.FollowUp, cases.Input{Satisfaction: cases.Satisfied})
		clock.Set(t0.Add(30 * 24 * time.Hour))
		step(t1, b, cases.Close, closeIn)
		step(city, b, cases.FollowUp, cases.Input{Satisfaction: cases.BasicallySatisfied})
		for _, r := range []struct {
			id             int64
			agency, status string
		}{{a, "police", "sent"}, {a, "legal_aid", "feedback"}, {b, "police", "received"}, {f, "police", "sent"}} {
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO referrals (case_id, agency_type, status, sent_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4)`,
				r.id, r.agency, r.status, t0.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		_ = c

		from, to, ok := store.StatsMonthRange("2024-03", "2024-03")
		if !ok {
			t.Fatal("bad month range")
		}
		st, err := s.CaseStats(ctx, city, store.StatsFilter{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if st.Total != 5 || st.Open != 1 {
			t.Errorf("total %d, open %d; want 5, 1", st.Total, st.Open)
		}
		var cols []string
		for _, c := range st.Columns {
			cols = append(cols, c.Name)
		}
		wantCols := []string{tr.D1.Name, tr.D2.Name, tr.City.Name + "（本级）"}
		if !slices.Equal(cols, wantCols) || !slices.Equal(st.ColumnTotals, []int{2, 2, 1}) {
			t.Errorf("columns %v totals %v; want %v [2 2 1]", cols, st.ColumnTotals, wantCols)
		}
		groups := map[string][]int{}
		for _, g := range st.Groups {
			groups[g.Code] = g.Counts
		}
		for code, want := range map[string][]int{"marriage": {2, 1, 0}, "labor": {0, 1, 0}, "consult": {0, 0, 1}, "property": {0, 0, 0}} {
			if !slices.Equal(groups[code], want) {
				t.Errorf("group %s = %v, want %v", code, groups[code], want)
			}
		}
		if st.Closed != 3 || st.OnTime != 2 || st.WithDeadline != 3 || st.OnTimeRate() != 66.7 {
			t.Errorf("closed %d, on time %d of %d (%.1f%%); want 3, 2 of 3 (66.7%%)", st.Closed, st.OnTime, st.WithDeadline, st.OnTimeRate())
		}
		if st.MedianDays != 2 {
			t.Errorf("median %.1f days, want 2.0", st.MedianDays)
		}
		sat := map[string]int{}
		for _, l := range st.Satisfaction {
			sat[l.Code] = l.Count
		}
		if sat["satisfied"] != 1 || sat["basically_satisfied"] != 1 || sat["dissatisfied"] != 0 || st.SatisfactionTotal != 2 {
			t.Errorf("satisfaction %v (total %d), want 1/1/0", sat, st.SatisfactionTotal)
		}
		refs := map[string][]int{}
		for _, r := range st.Referrals {
			refs[r.AgencyType] = r.ByStatus
		}
		if st.ReferralTotal != 3 || !slices.Equal(refs["police"], []int{1, 1, 0}) || !slices.Equal(refs["legal_aid"], []int{0, 0, 1}) {
			t.Errorf("referrals %v (total %d), want police [1 1 0], legal_aid [0 0 1]", refs, st.ReferralTotal)
		}
		if len(st.Months) != 1 || st.Months[0] != (store.StatsMonth{Month: "2024-03", Cases: 5, Closed: 3}) {
			t.Errorf("months %+v, want 2024-03: 5 cases, 3 closed", st.Months)
		}

		// The district's columns are its township and itself.
		dst, err := s.CaseStats(ctx, d1, store.StatsFilter{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if dst.Total != 2 || len(dst.Columns) != 2 || !slices.Equal(dst.ColumnTotals, []int{1, 1}) {
			t.Errorf("district: total %d, columns %+v %v; want 2 in T1 and D1", dst.Total, dst.Columns, dst.ColumnTotals)
		}
		// An org filter narrows to its subtree; the February range has F only.
		tst, err := s.CaseStats(ctx, city, store.StatsFilter{From: from, To: to, OrgID: tr.T1.ID})
		if err != nil || tst.Total != 1 || tst.Closed != 1 || tst.OnTime != 0 {
			t.Errorf("T1 filter: total %d, closed %d, on time %d (%v); want 1, 1, 0", tst.Total, tst.Closed, tst.OnTime, err)
		}
		ffrom, fto, _ := store.StatsMonthRange("2024-01", "2024-02")
		fst, err := s.CaseStats(ctx, city, store.StatsFilter{From: ffrom, To: fto})
		if err != nil || fst.Total != 1 || len(fst.Months) != 2 || fst.Months[1].Cases != 1 || fst.ReferralTotal != 1 {
			t.Errorf("January–February: %+v (%v); want 1 case in February", fst.Months, err)
		}
		// Out of scope: D2 asking for T1.
		if _, err := s.CaseStats(ctx, d2, store.StatsFilter{From: from, To: to, OrgID: tr.T1.ID}); err == nil {
			t.Error("D2 got statistics of T1")
		}
		// The default range is the current month (April by now: nothing).
		cur, err := s.CaseStats(ctx, city, store.StatsFilter{})
		if err != nil || len(cur.Months) != 1 || cur.Months[0].Month != "2024-04" || cur.Total != 0 {
			t.Errorf("default range: %+v (%v), want April 2024 and nothing", cur.Months, err)
		}
	})
}

// TestCaseStatsRestricted checks that a restricted case counts among the
// cases and the closed ones but not in the satisfaction and referral
// figures, which could single it out in a village's month.
func TestCaseStatsRestricted(t *testing.T) {
	t0 := time.Date(2024, 3, 4, 2, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(t0)
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		city := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		v1 := storetest.ActorFor(t, s, tr.V1, auth.RoleCadre)
		var ids []int64
		for _, category := range []string{"divorce", "child_abuse"} {
			c, _, err := s.CreateCase(ctx, city, cases.Intake{Channel: cases.Hotline, Category: category, Summary: "测试", OrgID: tr.V1.ID})
			if err != nil {
				t.Fatal(err)
			}
			if c.Restricted != (category == "child_abuse") {
				t.Fatalf("%s case restricted = %v", category, c.Restricted)
			}
			ids = append(ids, c.ID)
		}
		clock.Set(t0.Add(48 * time.Hour))
		for i, id := range ids {
			for _, st := range []struct {
				a   auth.Actor
				act cases.Action
				in  cases.Input
			}{
				{v1, cases.Accept, cases.Input{}}, {v1, cases.Take, cases.Input{}}, {v1, cases.Close, cases.Input{Result: "已调解"}},
				{city, cases.FollowUp, cases.Input{Satisfaction: []cases.Satisfaction{cases.Satisfied, cases.BasicallySatisfied}[i]}},
			} {
				if _, err := s.Transition(ctx, st.a, id, st.act, st.in); err != nil {
					t.Fatalf("%s case %d: %v", st.act, id, err)
				}
			}
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO referrals (case_id, agency_type, status, sent_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4)`,
				id, "police", []string{"sent", "received"}[i], t0.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		from, to, _ := store.StatsMonthRange("2024-03", "2024-03")
		for _, f := range []store.StatsFilter{{From: from, To: to, OrgID: tr.V1.ID}, {From: from, To: to}} {
			st, err := s.CaseStats(ctx, city, f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Total != 2 || st.Closed != 2 || st.WithDeadline != 2 {
				t.Errorf("org %d: total %d, closed %d, with deadline %d; want the restricted case counted: 2, 2, 2", f.OrgID, st.Total, st.Closed, st.WithDeadline)
			}
			sat := map[string]int{}
			for _, l := range st.Satisfaction {
				sat[l.Code] = l.Count
			}
			if st.SatisfactionTotal != 1 || sat["satisfied"] != 1 || sat["basically_satisfied"] != 0 {
				t.Errorf("org %d: satisfaction %v (total %d), want the unrestricted case's only", f.OrgID, sat, st.SatisfactionTotal)
			}
			if st.ReferralTotal != 1 || len(st.Referrals) != 1 || !slices.Equal(st.Referrals[0].ByStatus, []int{1, 0, 0}) {
				t.Errorf("org %d: referrals %+v (total %d), want the unrestricted case's only", f.OrgID, st.Referrals, st.ReferralTotal)
			}
		}
	})
}

const (
	benchCases = 200_000
	benchOrgs  = 400
)

// benchStatsTree creates a city of benchOrgs orgs: 10 districts, 50
// townships and villages under them, with ids 1…benchOrgs.
func benchStatsTree(b *testing.B, s *store.Store) orgs.Org {
	b.Helper()
	ctx := context.Background()
	if err := s.EnsureBuiltInRoles(ctx); err != nil {
		b.Fatal(err)
	}
	n := 0
	add := func(parent int64, name string, kind orgs.Kind, code string) orgs.Org {
		o, err := s.CreateOrg(ctx, auth.System(), orgs.Input{ParentID: parent, Name: name, Kind: kind, DivisionCode: code})
		if err != nil {
			b.Fatalf("create org %s: %v", name, err)
		}
		n++
		return o
	}
	city := add(0, "市妇联", orgs.City, "330100000000")
	var townships []orgs.Org
	for d := 1; d <= 10; d++ {
		dist := add(city.ID, fmt.Sprintf("第%d区妇联", d), orgs.District, fmt.Sprintf("3301%02d000000", d))
		for t := 1; t <= 5; t++ {
			townships = append(townships, add(dist.ID, fmt.Sprintf("第%d区第%d街道妇联", d, t), orgs.Township, fmt.Sprintf("3301%02d%03d000", d, t)))
		}
	}
	for v := 1; n < benchOrgs; v++ {
		t := townships[v%len(townships)]
		add(t.ID, fmt.Sprintf("%s第%d社区", t.Name, v), orgs.Village, t.DivisionCode[:9]+fmt.Sprintf("%03d", v/len(townships)+1))
	}
	return city
}

// seedStatsCases bulk-inserts benchCases cases spread evenly over the five
// years before now, with their timeline events and some referrals: about
// 3,300 a month.
func seedStatsCases(b *testing.B, s *store.Store, now time.Time) {
	b.Helper()
	ctx := context.Background()
	db := s.DB()
	var ncat int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dict_items WHERE dict = 'case_category' AND parent_code <> ''`).Scan(&ncat); err != nil {
		b.Fatal(err)
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	end := now.UnixMilli()
	start := now.AddDate(-5, 0, 0).UnixMilli()
	step := (end - start) / benchCases
	done := `c.state IN ('closed', 'followed_up', 'archived')`
	stmts := []string{
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < %d),
		cats AS (SELECT code, ROW_NUMBER() OVER (ORDER BY code) - 1 AS k FROM dict_items WHERE dict = 'case_category' AND parent_code <> ''),
		g AS (SELECT i, %d + i * %d AS at,
			CASE i %% 10 WHEN 0 THEN 'in_progress' WHEN 1 THEN 'registered' WHEN 2 THEN 'declined' WHEN 3 THEN 'closed'
				WHEN 4 THEN 'closed' WHEN 5 THEN 'archived' ELSE 'followed_up' END AS state FROM n)
		INSERT INTO cases (number, channel, category, summary, state, urgency, restricted, intake_org_id, handling_org_id,
			due_at, result, satisfaction, created_at, updated_at, closed_at)
		SELECT 'B' || g.i, 'hotline', cats.code, '测试案件', g.state, 'normal', FALSE, 1, 1 + (g.i * 7919) %% %d,
			CASE WHEN g.state IN ('in_progress', 'registered') THEN g.at + 20 * %d ELSE 0 END,
			CASE WHEN g.state IN ('closed', 'followed_up', 'archived') THEN '已办结' ELSE '' END,
			CASE WHEN g.state = 'followed_up' THEN (CASE g.i %% 3 WHEN 0 THEN 'satisfied' WHEN 1 THEN 'basically_satisfied' ELSE 'dissatisfied' END) ELSE '' END,
			g.at, g.at,
			CASE WHEN g.state IN ('in_progress', 'registered') THEN 0 ELSE g.at + (1 + g.i %% 30) * %d END
		FROM g JOIN cats ON cats.k = g.i %% %d`, benchCases, start, step, benchOrgs, day, day, ncat),
		fmt.Sprintf(`INSERT INTO case_events (case_id, at, action, from_state, to_state, due_at)
		SELECT c.id, c.created_at, 'register', '', 'registered', c.created_at + 3 * %d FROM cases c`, day),
		fmt.Sprintf(`INSERT INTO case_events (case_id, at, action, from_state, to_state, due_at)
		SELECT c.id, c.created_at + 3600000, 'accept', 'registered', 'accepted', c.created_at + 21 * %d FROM cases c WHERE `+done, day),
		`INSERT INTO case_events (case_id, at, action, from_state, to_state, due_at)
		SELECT c.id, c.closed_at, 'close', 'in_progress', 'closed', 0 FROM cases c WHERE ` + done,
		`INSERT INTO referrals (case_id, agency_type, status, sent_at, created_at, updated_at)
		SELECT c.id, CASE c.id % 4 WHEN 0 THEN 'police' WHEN 1 THEN 'legal_aid' WHEN 2 THEN 'court' ELSE 'civil_affairs' END,
			CASE c.id % 3 WHEN 0 THEN 'sent' WHEN 1 THEN 'received' ELSE 'feedback' END, c.created_at, c.created_at, c.created_at
		FROM cases c WHERE c.id % 5 = 0`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
	if s.Engine() == store.Postgres {
		// What autovacuum does shortly after a bulk load.
		if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCaseStatsMonth measures the monthly statistics of the whole
// city at 200,000 cases (target: at most 50 ms median), beside a bare
// GROUP BY of the same month as a baseline. The month is the last full one,
// so the figure does not depend on the day the benchmark runs.
func BenchmarkCaseStatsMonth(b *testing.B) {
	for _, engine := range storetest.Engines() {
		s := storetest.Open(b, engine, storetest.Options{})
		start := time.Now()
		city := benchStatsTree(b, s)
		seedStatsCases(b, s, s.Now())
		b.Logf("%s: seeded %d orgs and %d cases in %s", engine, benchOrgs, benchCases, time.Since(start).Round(time.Millisecond))
		ctx := context.Background()
		a := storetest.ActorFor(b, s, city, auth.RoleCadre)
		this, _ := store.ParseMonth(store.MonthOf(s.Now()))
		last := store.MonthOf(this.Add(-time.Hour))
		from, to, _ := store.StatsMonthRange(last, last)
		st, err := s.CaseStats(ctx, a, store.StatsFilter{From: from, To: to})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %s has %d cases, %d closed (%.1f%% on time), median %.1f days, %d referrals",
			engine, last, st.Total, st.Closed, st.OnTimeRate(), st.MedianDays, st.ReferralTotal)
		b.Run(string(engine)+"/stats", func(b *testing.B) {
			benchMedian(b, func() error {
				_, err := s.CaseStats(ctx, a, store.StatsFilter{From: from, To: to})
				return err
			})
		})
		b.Run(string(engine)+"/baseline", func(b *testing.B) {
			benchMedian(b, func() error {
				rows, err := s.DB().QueryContext(ctx, `SELECT category, COUNT(*) FROM cases WHERE created_at >= $1 AND created_at < $2 GROUP BY category`,
					from.UnixMilli(), to.UnixMilli())
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
				}
				return rows.Err()
			})
		})
	}
}

// benchMedian runs fn b.N times and reports the median duration.
func benchMedian(b *testing.B, fn func() error) {
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "ms-median")
}
