// Package jobs runs background work kept in the database (imports now;
// deadlines, escalation and exports later). Every server process runs a
// Runner; the store hands each job to exactly one of them, and a job whose
// worker died is taken over once its lease expires. Nothing lives only in
// one process's memory.
package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/store"
)

// Handler does one job of its kind and returns the job's result (JSON).
// It may return store.ErrJobLost when another worker took the job over;
// any other error fails the job, with the error's Chinese message when it
// is an *apperr.Error that is not Internal.
type Handler func(ctx context.Context, job store.Job) (result string, err error)

// Defaults of a Runner.
const (
	DefaultLease = 2 * time.Minute
	DefaultPoll  = time.Second
	// MaxAttempts is how often a job is started before it is given up:
	// a job that keeps killing its worker must not do so forever.
	MaxAttempts = 5
)

// Runner claims jobs from the store and runs them.
type Runner struct {
	st       *store.Store
	log      *slog.Logger
	handlers map[string]Handler
	worker   string
	lease    time.Duration
	poll     time.Duration
	batch    int
	sweeps   []sweep
}

// NewRunner returns a runner with the built-in handlers registered.
func NewRunner(st *store.Store, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	host, _ := os.Hostname()
	r := &Runner{
		st:       st,
		log:      log,
		handlers: map[string]Handler{},
		worker:   fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:6]),
		lease:    DefaultLease,
		poll:     DefaultPoll,
		batch:    DefaultBatch,
	}
	r.Register(KindPeopleImport, r.peopleImport)
	r.registerSweeps()
	return r
}

// Register sets the handler of a job kind.
func (r *Runner) Register(kind string, h Handler) { r.handlers[kind] = h }

// SetBatchSize sets how many rows an import commits at a time (tests use
// small batches to exercise resumption).
func (r *Runner) SetBatchSize(n int) {
	if n > 0 {
		r.batch = n
	}
}

// Run claims and runs jobs until ctx is done: at once after finishing one,
// else every poll interval. Beside them it runs the periodic sweeps, and
// returns once they have stopped too.
func (r *Runner) Run(ctx context.Context) {
	r.log.Info("job runner started", "worker", r.worker)
	waitSweeps := r.startSweeps(ctx)
	defer waitSweeps()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		did, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error("job runner", "worker", r.worker, "err", err)
		}
		if did && err == nil {
			t.Reset(0)
		} else {
			t.Reset(r.poll)
		}
	}
}

// RunOnce claims one job and runs it. It reports whether there was one.
func (r *Runner) RunOnce(ctx context.Context) (bool, error) {
	job, ok, err := r.st.ClaimJob(ctx, r.worker, r.lease)
	if err != nil || !ok {
		return false, err
	}
	log := r.log.With("job", job.ID, "kind", job.Kind, "attempt", job.Attempts)
	if job.Attempts > MaxAttempts {
		log.Error("job given up after too many attempts")
		return true, r.st.FailJob(ctx, job.ID, "任务多次中断，已停止，请重新提交")
	}
	h, ok := r.handlers[job.Kind]
	if !ok {
		log.Error("no handler for job kind")
		return true, r.st.FailJob(ctx, job.ID, "系统无法处理这类任务")
	}
	start := time.Now()
	result, err := r.safely(ctx, h, job)
	switch {
	case errors.Is(err, store.ErrJobLost):
		log.Warn("job taken over by another worker")
		return true, nil
	case err != nil && ctx.Err() != nil:
		// Shutting down: leave the job running; its lease expires and a
		// worker (this one after a restart, or another) resumes it.
		log.Info("job interrupted by shutdown")
		return true, nil
	case err != nil:
		log.Error("job failed", "err", err)
		if ferr := r.st.FailJob(ctx, job.ID, userMessage(err)); ferr != nil && !errors.Is(ferr, store.ErrJobLost) {
			return true, ferr
		}
		return true, nil
	}
	if err := r.st.FinishJob(ctx, job.ID, result); err != nil && !errors.Is(err, store.ErrJobLost) {
		return true, err
	}
	log.Info("job done", "duration", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// safely runs h, turning a panic into an error so one bad job does not
// take the server down.
func (r *Runner) safely(ctx context.Context, h Handler, job store.Job) (result string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, job)
}

// userMessage is what the user sees of a job's failure.
func userMessage(err error) string {
	if e := apperr.As(err); e != nil && e.Kind != apperr.Internal && e.Message != "" {
		return e.Message
	}
	return "任务执行出错，请稍后重新提交；如仍失败请联系管理员"
}
