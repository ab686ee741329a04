package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/jobs"
	"jinguo/internal/people"
	"jinguo/internal/roster"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// jobTestID completes a 17-digit prefix with its check digit.
func jobTestID(first17 string) string { return first17 + string(people.CheckDigit(first17)) }

// userActor is the actor of a signed-up user, as the runner rebuilds it.
func userActor(t *testing.T, s *store.Store, u auth.User) auth.Actor {
	t.Helper()
	a, err := s.ActorByUserID(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("ActorByUserID(%d): %v", u.ID, err)
	}
	return a
}

// rawPayload reads the payload column as stored.
func rawPayload(t *testing.T, s *store.Store, id int64) []byte {
	t.Helper()
	var b []byte
	if err := s.DB().QueryRow(`SELECT payload FROM jobs WHERE id = $1`, id).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJobLifecycleAndVisibility(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		owner := userActor(t, s, storetest.NewUser(t, s, tr.T1, "owner1", auth.RoleCadre))
		colleague := userActor(t, s, storetest.NewUser(t, s, tr.D1, "colleague1", auth.RoleCadre))
		outsider := userActor(t, s, storetest.NewUser(t, s, tr.D2, "outsider1", auth.RoleCadre))
		secret := []byte(`{"id":"330102198805120021"}`)

		j, err := s.CreateJob(ctx, owner, "people_import", store.JobPending, secret, `{"rows":1}`, 1)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != store.JobPending || j.UserID != owner.UserID || j.OrgID != tr.T1.ID || j.Total != 1 || j.Payload != nil {
			t.Errorf("created job: %+v", j)
		}
		if raw := rawPayload(t, s, j.ID); len(raw) == 0 || bytes.Contains(raw, []byte("330102")) {
			t.Errorf("payload at rest: got %q, want ciphertext", raw)
		}
		if _, err := s.GetJob(ctx, colleague, j.ID); err != nil {
			t.Errorf("colleague whose scope covers the org: got %v, want the job", err)
		}
		if _, err := s.GetJob(ctx, outsider, j.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("outsider: got %v, want NotFound", err)
		}
		if list, err := s.ListJobs(ctx, owner, "people_import", 10); err != nil || len(list) != 1 || list[0].ID != j.ID {
			t.Errorf("ListJobs(owner): got %v, %v", list, err)
		}
		if list, _ := s.ListJobs(ctx, colleague, "people_import", 10); len(list) != 0 {
			t.Errorf("ListJobs(colleague): got %d jobs, want only their own (0)", len(list))
		}
		if _, err := s.QueueJob(ctx, colleague, j.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("queue by colleague: got %v, want Forbidden", err)
		}
		if _, err := s.QueueJob(ctx, outsider, j.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("queue by outsider: got %v, want NotFound", err)
		}
		if j, err = s.QueueJob(ctx, owner, j.ID); err != nil || j.State != store.JobQueued {
			t.Fatalf("queue: got %+v, %v", j, err)
		}
		if _, err := s.CancelJob(ctx, owner, j.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("cancel a queued job: got %v, want Conflict", err)
		}

		// Cancelling a pending job drops its payload.
		k, err := s.CreateJob(ctx, owner, "people_import", store.JobPending, secret, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if k, err = s.CancelJob(ctx, owner, k.ID); err != nil || k.State != store.JobCancelled {
			t.Fatalf("cancel: got %+v, %v", k, err)
		}
		if raw := rawPayload(t, s, k.ID); raw != nil {
			t.Errorf("cancelled job keeps a payload of %d bytes", len(raw))
		}
		if _, err := s.QueueJob(ctx, owner, k.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("queue a cancelled job: got %v, want Conflict", err)
		}

		// The queued job: claimed with its payload, finished without it.
		c, ok, err := s.ClaimJob(ctx, "w1", time.Minute)
		if err != nil || !ok || c.ID != j.ID || !bytes.Equal(c.Payload, secret) || c.State != store.JobRunning || c.Attempts != 1 {
			t.Fatalf("claim: got %+v, %v, %v", c, ok, err)
		}
		if _, ok, _ := s.ClaimJob(ctx, "w2", time.Minute); ok {
			t.Error("a second claim found work, want none")
		}
		if err := s.FinishJob(ctx, c.ID, `{"imported":1}`); err != nil {
			t.Fatal(err)
		}
		if raw := rawPayload(t, s, c.ID); raw != nil {
			t.Errorf("finished job keeps a payload of %d bytes", len(raw))
		}
		if got, _ := s.GetJob(ctx, owner, c.ID); got.State != store.JobDone || got.Result != `{"imported":1}` || got.Done != got.Total {
			t.Errorf("finished job: %+v", got)
		}
		if err := s.FinishJob(ctx, c.ID, ""); !errors.Is(err, store.ErrJobLost) {
			t.Errorf("finishing twice: got %v, want ErrJobLost", err)
		}
	})
}

func TestClaimJobExclusive(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n, workers = 30, 6
		for i := range n {
			if _, err := s.CreateJob(ctx, auth.System(), "test", store.JobQueued, []byte(fmt.Sprint(i)), "", 1); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		claimed := map[int64]string{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				name := fmt.Sprint("w", w)
				for {
					j, ok, err := s.ClaimJob(ctx, name, time.Minute)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
					if !ok {
						// A lost race also answers "nothing": stop only
						// when no job is left queued.
						var left int
						s.DB().QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'queued'`).Scan(&left)
						if left == 0 {
							return
						}
						continue
					}
					mu.Lock()
					if other, dup := claimed[j.ID]; dup {
						t.Errorf("job %d claimed by %s and %s", j.ID, other, name)
					}
					claimed[j.ID] = name
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(claimed) != n {
			t.Errorf("claimed %d jobs, want %d", len(claimed), n)
		}
	})
}

// TestClaimJobTwoProcesses races two stores on one PostgreSQL database, as
// two server processes would, for one job at a time: exactly one wins.
func TestClaimJobTwoProcesses(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	box := storetest.Box(t)
	var procs [2]*store.Store
	for i := range procs {
		s, err := store.Open(ctx, store.Config{URL: url, Box: box})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		procs[i] = s
	}
	for round := range 20 {
		j, err := procs[0].CreateJob(ctx, auth.System(), "test", store.JobQueued, []byte("x"), "", 1)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var wins [2]bool
		start := make(chan struct{})
		for i, s := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c, ok, err := s.ClaimJob(ctx, fmt.Sprint("proc", i), time.Minute)
				if err != nil {
					t.Errorf("proc %d: %v", i, err)
				}
				wins[i] = ok && c.ID == j.ID
			}()
		}
		close(start)
		wg.Wait()
		if wins[0] == wins[1] {
			t.Fatalf("round %d: wins %v, want exactly one", round, wins)
		}
	}
}

func TestClaimJobReclaimsExpiredLease(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 9, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		j, err := s.CreateJob(ctx, auth.System(), "test", store.JobQueued, []byte("x"), "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok, err := s.ClaimJob(ctx, "crashing", time.Minute); err != nil || !ok || c.ID != j.ID {
			t.Fatalf("first claim: %+v %v %v", c, ok, err)
		}
		clock.Advance(30 * time.Second)
		if _, ok, _ := s.ClaimJob(ctx, "other", time.Minute); ok {
			t.Fatal("claimed a job whose lease still holds")
		}
		if err := s.ExtendLease(ctx, j.ID, time.Minute); err != nil {
			t.Fatal(err)
		}
		clock.Advance(45 * time.Second) // 75 s after the claim, 45 s after the extension
		if _, ok, _ := s.ClaimJob(ctx, "other", time.Minute); ok {
			t.Fatal("claimed a job whose extended lease still holds")
		}
		clock.Advance(time.Minute)
		c, ok, err := s.ClaimJob(ctx, "other", time.Minute)
		if err != nil || !ok || c.ID != j.ID || c.Attempts != 2 || string(c.Payload) != "x" {
			t.Fatalf("reclaim: got %+v, %v, %v; want job %d on attempt 2", c, ok, err, j.ID)
		}
	})
}

func TestImportResumesAfterCrash(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 9, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		a := userActor(t, s, storetest.NewUser(t, s, tr.T1, "importer1", auth.RoleCadre))
		const n = 7
		var rows []roster.Row
		for i := range n {
			rows = append(rows, roster.Row{Line: i + 2, Input: people.Input{OrgID: tr.V1.ID, Name: "王秀芳", IDNumber: jobTestID(fmt.Sprintf("330102198805120%02d", i*2)), Tags: []string{"dibao"}}})
		}
		payload, err := jobs.NewPeopleImport(a, rows)
		if err != nil {
			t.Fatal(err)
		}
		j, err := s.CreateJob(ctx, a, jobs.KindPeopleImport, store.JobPending, payload, "", n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.QueueJob(ctx, a, j.ID); err != nil {
			t.Fatal(err)
		}

		// Worker 1 claims the job, commits one batch of 3, and dies.
		c, ok, err := s.ClaimJob(ctx, "worker1", time.Minute)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		inputs := make([]people.Input, n)
		for i, r := range rows {
			inputs[i] = r.Input
		}
		if imp, skip, err := s.ImportPeopleBatch(ctx, a, c.ID, 0, inputs[:3]); err != nil || imp != 3 || skip != 0 {
			t.Fatalf("first batch: %d imported, %d skipped, %v", imp, skip, err)
		}
		// Meanwhile someone registers the person on line 7 by hand.
		if _, err := s.CreatePerson(ctx, a, inputs[5]); err != nil {
			t.Fatal(err)
		}

		// The restarted runner takes the job over once the lease expires
		// and resumes after the committed batch.
		runner := jobs.NewRunner(s, nil)
		runner.SetBatchSize(3)
		if did, err := runner.RunOnce(ctx); err != nil || did {
			t.Fatalf("run before the lease expired: did %v, err %v; want nothing to do", did, err)
		}
		clock.Advance(2 * time.Minute)
		if did, err := runner.RunOnce(ctx); err != nil || !did {
			t.Fatalf("run: did %v, err %v", did, err)
		}

		// The dead worker's retry of its batch is refused and writes nothing.
		if _, _, err := s.ImportPeopleBatch(ctx, a, c.ID, 0, inputs[:3]); !errors.Is(err, store.ErrJobLost) {
			t.Errorf("stale batch: got %v, want ErrJobLost", err)
		}

		count, err := s.CountPeople(ctx, a, store.PeopleFilter{})
		if err != nil || count != n {
			t.Errorf("people: got %d (%v), want %d", count, err, n)
		}
		got, err := s.GetJob(ctx, a, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.JobDone || got.Done != n || got.Attempts != 2 {
			t.Errorf("job: state %s, done %d, attempts %d; want done, %d, 2", got.State, got.Done, got.Attempts, n)
		}
		var res store.ImportResult
		if err := json.Unmarshal([]byte(got.Result), &res); err != nil {
			t.Fatalf("result %q: %v", got.Result, err)
		}
		if res.Imported != n-1 || res.Skipped != 1 || len(res.SkippedRows) != 1 || res.SkippedRows[0].Line != 7 || res.SkippedRows[0].Reason != "该身份证号码已登记" {
			t.Errorf("result: got %+v, want %d imported and line 7 skipped as already registered", res, n-1)
		}
		if raw := rawPayload(t, s, j.ID); raw != nil {
			t.Errorf("payload after finish: %d bytes, want NULL", len(raw))
		}
		// One audit entry per batch, not per row: 3 batches of ≤3 rows.
		var audits int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'person'`).Scan(&audits); err != nil || audits != 3 {
			t.Errorf("import audit entries: got %d (%v), want 3", audits, err)
		}
	})
}

func TestImportNeedsPermission(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		tr := storetest.BuildTree(t, s)
		viewer := storetest.ActorFor(t, s, tr.T1, auth.RoleViewer)
		_, _, err := s.ImportPeopleBatch(context.Background(), viewer, 1, 0, nil)
		if !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("got %v, want Forbidden", err)
		}
	})
}
