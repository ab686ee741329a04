package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"jinguo/internal/apperr"
)

// Sweep names and intervals of the built-in periodic work.
const (
	SweepEscalateOverdue = "escalate-overdue-cases"
	SweepRemindOrders    = "remind-expiring-orders"

	// escalateBatch is how many overdue cases one store call escalates.
	escalateBatch = 200
	// firstSweepDelay caps the wait before a sweep's first run, so a
	// server restarted after a long outage catches up at once rather than
	// an interval later.
	firstSweepDelay = 5 * time.Second
)

// sweep is periodic work: every runner of every server runs it on its
// interval. There is no leader election: each sweep must be safe to run
// at the same moment on several servers, and again after a crash part-way
// through. The built-in ones are, because the store makes each step
// idempotent (see registerSweeps).
type sweep struct {
	name     string
	interval time.Duration
	fn       func(ctx context.Context) error
}

// Every registers fn to run every interval while Run runs, the first time
// shortly after Run starts. An error (or panic) is logged and the sweep
// runs again at its next interval. Register before calling Run.
func (r *Runner) Every(name string, interval time.Duration, fn func(ctx context.Context) error) {
	if interval <= 0 {
		panic("jobs: sweep " + name + " needs a positive interval")
	}
	r.sweeps = append(r.sweeps, sweep{name: name, interval: interval, fn: fn})
}

// registerSweeps adds the built-in periodic work.
//
// Escalation is idempotent because the store records each escalation
// under the primary key (case, missed deadline) in the same transaction
// that moves the case, writes the timeline and notifies the parent org;
// a second server, or this one after a restart, inserts nothing and
// therefore does nothing. An order reminder is marked sent by a
// conditional update (reminded_at = 0) that only one server wins.
func (r *Runner) registerSweeps() {
	r.Every(SweepEscalateOverdue, time.Minute, r.escalateOverdue)
	r.Every(SweepRemindOrders, time.Hour, r.RemindOrders)
}

// escalateOverdue escalates every overdue case, a batch at a time, until a
// batch comes back short.
func (r *Runner) escalateOverdue(ctx context.Context) error {
	total := 0
	for ctx.Err() == nil {
		n, err := r.st.EscalateOverdue(ctx, escalateBatch)
		total += n
		if err != nil {
			return fmt.Errorf("escalate overdue cases (%d done): %w", total, err)
		}
		if n < escalateBatch {
			break
		}
	}
	if total > 0 {
		r.log.Info("escalated overdue cases", "count", total)
	}
	return nil
}

// SweepOnce runs the named sweep once, now (for tests and admin commands).
func (r *Runner) SweepOnce(ctx context.Context, name string) error {
	for _, sw := range r.sweeps {
		if sw.name == name {
			return r.runSweep(ctx, sw)
		}
	}
	return apperr.New(apperr.NotFound, "没有这项定时任务："+name)
}

// startSweeps starts every sweep in its own goroutine and returns a
// function that waits for them to stop once ctx is done.
func (r *Runner) startSweeps(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, sw := range r.sweeps {
		wg.Go(func() { r.loopSweep(ctx, sw) })
	}
	return wg.Wait
}

func (r *Runner) loopSweep(ctx context.Context, sw sweep) {
	t := time.NewTimer(min(sw.interval, firstSweepDelay))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		if err := r.runSweep(ctx, sw); err != nil && ctx.Err() == nil {
			r.log.Error("sweep failed", "sweep", sw.name, "err", err)
		}
		// The next run is an interval after this one started, or at once
		// if it overran; runs of one sweep never overlap in a process.
		t.Reset(max(0, sw.interval-time.Since(start)))
	}
}

// runSweep runs sw once, turning a panic into an error.
func (r *Runner) runSweep(ctx context.Context, sw sweep) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return sw.fn(ctx)
}
