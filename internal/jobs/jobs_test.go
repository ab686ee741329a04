package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/jobs"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

func TestRunnerOutcomes(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 9, 0, 0, 0, time.UTC))
	s := storetest.Open(t, store.SQLite, storetest.Options{Now: clock.Now})
	ctx := context.Background()
	sys := auth.System()
	r := jobs.NewRunner(s, nil)
	r.Register("ok", func(ctx context.Context, j store.Job) (string, error) {
		return `{"echo":"` + string(j.Payload) + `"}`, nil
	})
	r.Register("invalid", func(context.Context, store.Job) (string, error) {
		return "", apperr.New(apperr.Invalid, "数据有误")
	})
	r.Register("internal", func(context.Context, store.Job) (string, error) { return "", errors.New("disk on fire") })
	r.Register("panics", func(context.Context, store.Job) (string, error) { panic("boom") })

	cases := []struct {
		kind         string
		state        store.JobState
		result, fail string
	}{
		{"ok", store.JobDone, `{"echo":"hi"}`, ""},
		{"invalid", store.JobFailed, "", "数据有误"},
		{"internal", store.JobFailed, "", "任务执行出错，请稍后重新提交；如仍失败请联系管理员"},
		{"panics", store.JobFailed, "", "任务执行出错，请稍后重新提交；如仍失败请联系管理员"},
		{"unknown", store.JobFailed, "", "系统无法处理这类任务"},
	}
	for _, c := range cases {
		j, err := s.CreateJob(ctx, sys, c.kind, store.JobQueued, []byte("hi"), "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if did, err := r.RunOnce(ctx); !did || err != nil {
			t.Fatalf("%s: did %v, err %v", c.kind, did, err)
		}
		got, err := s.GetJob(ctx, sys, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != c.state || got.Result != c.result || got.Error != c.fail {
			t.Errorf("%s: got state %s result %q error %q; want %s %q %q", c.kind, got.State, got.Result, got.Error, c.state, c.result, c.fail)
		}
	}
	if did, err := r.RunOnce(ctx); did || err != nil {
		t.Errorf("idle runner: did %v, err %v", did, err)
	}
}

func TestRunnerGivesUpAfterMaxAttempts(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 9, 0, 0, 0, time.UTC))
	s := storetest.Open(t, store.SQLite, storetest.Options{Now: clock.Now})
	ctx := context.Background()
	j, err := s.CreateJob(ctx, auth.System(), "crashy", store.JobQueued, nil, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	// Each worker takes the job and dies: the lease expires every time.
	for range jobs.MaxAttempts {
		if _, ok, err := s.ClaimJob(ctx, "dies", time.Minute); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		clock.Advance(2 * time.Minute)
	}
	r := jobs.NewRunner(s, nil)
	r.Register("crashy", func(context.Context, store.Job) (string, error) {
		t.Fatal("ran a job past its attempts")
		return "", nil
	})
	if did, err := r.RunOnce(ctx); !did || err != nil {
		t.Fatalf("did %v, err %v", did, err)
	}
	got, _ := s.GetJob(ctx, auth.System(), j.ID)
	if got.State != store.JobFailed || got.Attempts != jobs.MaxAttempts+1 {
		t.Errorf("got state %s after %d attempts, want failed after %d", got.State, got.Attempts, jobs.MaxAttempts+1)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	s := storetest.Open(t, store.SQLite, storetest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r := jobs.NewRunner(s, nil)
	ran := make(chan struct{}, 1)
	r.Register("ping", func(context.Context, store.Job) (string, error) { ran <- struct{}{}; return "", nil })
	go func() { r.Run(ctx); close(done) }()
	if _, err := s.CreateJob(context.Background(), auth.System(), "ping", store.JobQueued, nil, "", 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not pick up the queued job")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
