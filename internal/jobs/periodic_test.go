package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/jobs"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
	"jinguo/internal/workdays"
)

func TestSweepRunsOnItsIntervalAndStops(t *testing.T) {
	s := storetest.Open(t, store.SQLite, storetest.Options{})
	r := jobs.NewRunner(s, nil)
	var runs atomic.Int32
	ran := make(chan struct{}, 100)
	r.Every("test-sweep", 20*time.Millisecond, func(context.Context) error {
		runs.Add(1)
		ran <- struct{}{}
		return errors.New("a failing sweep runs again") // logged, not fatal
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { r.Run(ctx); close(done) }()
	for i := range 3 {
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("sweep ran %d times in 5s, want 3", i)
		}
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("3 runs took %s, want at least 2 intervals (40ms)", d)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	after := runs.Load()
	time.Sleep(100 * time.Millisecond)
	if got := runs.Load(); got != after {
		t.Errorf("sweep ran %d more times after Run returned", got-after)
	}
	if err := r.SweepOnce(context.Background(), "no-such-sweep"); err == nil {
		t.Error("SweepOnce of an unknown sweep: no error")
	}
	// The built-in sweeps are registered and run on an empty database.
	for _, name := range []string{jobs.SweepEscalateOverdue, jobs.SweepRemindOrders} {
		if err := r.SweepOnce(context.Background(), name); err != nil {
			t.Errorf("sweep %s: %v", name, err)
		}
	}
}

// cst is a time in China.
func cst(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, localtime.Zone).UTC()
}

// TestEscalationSweepAcrossRestart runs the escalation sweep over a
// weekend, a make-up working day and the National Day holidays, on two
// servers at once and again after a restart (new store instances on the
// same database), and checks every case is escalated once.
func TestEscalationSweepAcrossRestart(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			clock := storetest.NewClock(cst(2024, 9, 26, 10, 0)) // Thursday
			box := storetest.Box(t)
			cfg := store.Config{Box: box, Now: clock.Now}
			if engine == store.SQLite {
				cfg.DataDir = t.TempDir()
			} else {
				cfg.URL = storetest.PostgresURL(t)
			}
			// open starts a "server": a store instance and its runner.
			open := func() (*store.Store, *jobs.Runner, func()) {
				t.Helper()
				s, err := store.Open(context.Background(), cfg)
				if err != nil {
					t.Fatalf("open %s: %v", engine, err)
				}
				var once sync.Once
				closer := func() { once.Do(func() { s.Close() }) }
				t.Cleanup(closer)
				return s, jobs.NewRunner(s, nil), closer
			}
			ctx := context.Background()
			s1, r1, close1 := open()
			s2, r2, close2 := open()
			tr := storetest.BuildTree(t, s1)
			admin := storetest.ActorFor(t, s1, tr.City, auth.RoleSuperAdmin)
			for _, h := range []struct {
				day  time.Time
				kind workdays.Kind
			}{
				{time.Date(2024, 9, 29, 0, 0, 0, 0, time.UTC), workdays.Workday}, // Sunday worked (调休)
				{time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), workdays.Holiday},
				{time.Date(2024, 10, 2, 0, 0, 0, 0, time.UTC), workdays.Holiday},
				{time.Date(2024, 10, 3, 0, 0, 0, 0, time.UTC), workdays.Holiday},
				{time.Date(2024, 10, 4, 0, 0, 0, 0, time.UTC), workdays.Holiday},
				{time.Date(2024, 10, 7, 0, 0, 0, 0, time.UTC), workdays.Holiday},
			} {
				if err := s1.SetHoliday(ctx, admin, h.day, h.kind, "国庆节"); err != nil {
					t.Fatal(err)
				}
			}
			cadre := storetest.ActorFor(t, s1, tr.T1, auth.RoleCadre)
			normal, _, err := s1.CreateCase(ctx, cadre, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "离婚财产纠纷", OrgID: tr.T1.ID})
			if err != nil {
				t.Fatal(err)
			}
			urgent, _, err := s1.CreateCase(ctx, cadre, cases.Intake{Channel: cases.Hotline, Category: "divorce", Summary: "紧急求助", OrgID: tr.T1.ID, Urgent: true})
			if err != nil {
				t.Fatal(err)
			}
			// Accept within 3 working days: Fri 27, Sun 29 (worked), Mon 30.
			if got, want := normal.DueAt, cst(2024, 9, 30, 23, 59).Add(59*time.Second); !got.Equal(want) {
				t.Errorf("normal case due %s, want %s", localtime.Format(got), localtime.Format(want))
			}
			// Urgent: first contact within 24 hours of intake.
			if got, want := urgent.DueAt, cst(2024, 9, 27, 10, 0); urgent.Urgency != cases.Urgent || !got.Equal(want) {
				t.Errorf("urgent case (%s) due %s, want %s", urgent.Urgency, localtime.Format(got), localtime.Format(want))
			}

			// state reads a case's handling org, escalations and deadline,
			// its escalate events and the escalation notifications to D1.
			type state struct {
				org         int64
				escalations int
				due         time.Time
				events      int
			}
			read := func(s *store.Store, id int64) state {
				t.Helper()
				c, err := s.GetCase(ctx, auth.System(), id, false)
				if err != nil {
					t.Fatal(err)
				}
				evs, err := s.CaseTimeline(ctx, auth.System(), id, true)
				if err != nil {
					t.Fatal(err)
				}
				st := state{org: c.HandlingOrgID, escalations: c.Escalations, due: c.DueAt}
				for _, e := range evs {
					if e.Action == string(cases.Escalate) {
						st.events++
					}
				}
				return st
			}
			d1 := storetest.ActorFor(t, s1, tr.D1, auth.RoleOrgAdmin)
			d1Escalations := func(s *store.Store) int {
				t.Helper()
				list, _, err := s.ListNotifications(ctx, d1, false, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, x := range list {
					if x.Kind == "escalated" {
						n++
					}
				}
				return n
			}
			sweep := func(r *jobs.Runner) {
				t.Helper()
				if err := r.SweepOnce(ctx, jobs.SweepEscalateOverdue); err != nil {
					t.Fatal(err)
				}
			}

			// Friday 09:59: nothing is late yet.
			clock.Set(cst(2024, 9, 27, 9, 59))
			sweep(r1)
			if st := read(s1, urgent.ID); st.escalations != 0 {
				t.Fatalf("urgent case escalated before its deadline: %+v", st)
			}
			// Friday 10:01: the urgent case goes up to D1, once, though
			// both servers sweep at the same moment.
			clock.Set(cst(2024, 9, 27, 10, 1))
			var wg sync.WaitGroup
			for _, r := range []*jobs.Runner{r1, r2} {
				wg.Go(func() { sweep(r) })
			}
			wg.Wait()
			// A new deadline of 3 working days: Sun 29, Mon 30, Tue 8 Oct.
			want := state{org: tr.D1.ID, escalations: 1, due: cst(2024, 10, 8, 23, 59).Add(59 * time.Second), events: 1}
			if st := read(s2, urgent.ID); st != want {
				t.Errorf("urgent case after escalation %+v, want %+v", st, want)
			}
			if st := read(s2, normal.ID); st.escalations != 0 {
				t.Errorf("normal case escalated before its deadline: %+v", st)
			}
			// Monday 30 September 23:59 (a working day): still in time.
			clock.Set(cst(2024, 9, 30, 23, 59))
			sweep(r2)
			if st := read(s1, normal.ID); st.escalations != 0 {
				t.Errorf("normal case escalated on its last day: %+v", st)
			}
			// 1 October: the normal case is late and goes up to D1.
			clock.Set(cst(2024, 10, 1, 0, 30))
			for _, r := range []*jobs.Runner{r1, r2} {
				wg.Go(func() { sweep(r) })
			}
			wg.Wait()
			// A new deadline past the holidays: 8, 9, 10 October.
			wantNormal := state{org: tr.D1.ID, escalations: 1, due: cst(2024, 10, 10, 23, 59).Add(59 * time.Second), events: 1}
			if st := read(s1, normal.ID); st != wantNormal {
				t.Errorf("normal case after escalation %+v, want %+v", st, wantNormal)
			}
			if n := d1Escalations(s1); n != 2 {
				t.Errorf("D1 got %d escalation notifications, want 2", n)
			}

			// Restart: both servers stop, a new one starts on the same
			// database and sweeps again, later the same day.
			close1()
			close2()
			clock.Set(cst(2024, 10, 1, 9, 0))
			s3, r3, _ := open()
			sweep(r3)
			sweep(r3)
			if st := read(s3, normal.ID); st != wantNormal {
				t.Errorf("normal case after restart %+v, want %+v", st, wantNormal)
			}
			if st := read(s3, urgent.ID); st != want {
				t.Errorf("urgent case after restart %+v, want %+v", st, want)
			}
			if n := d1Escalations(s3); n != 2 {
				t.Errorf("after restart D1 has %d escalation notifications, want 2", n)
			}
		})
	}
}
