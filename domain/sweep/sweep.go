// Package sweep runs the periodic checks that change state on their own (approvals that no longer
// hold, risk acceptances that expired or went stale), once at a time across every replica of the
// service: a lease row in the database decides who runs, not an in-process lock.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Lease claims a named lease in the shared database.
type Lease interface {
	// Claim takes the lease for holder until until, when it is free, expired at now, or held by holder
	// already; it reports whether holder has it.
	Claim(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// Release frees the lease if holder has it.
	Release(ctx context.Context, name, holder string) error
}

// Task is one check; it returns how many records it changed.
type Task struct {
	Name string
	Run  func(ctx context.Context) (int, error)
}

// Runner runs the tasks under the lease.
type Runner struct {
	lease  Lease
	holder string
	ttl    time.Duration
	tasks  []Task
	now    domain.Clock
	log    *slog.Logger
}

// LeaseName is the lease the runner takes.
const LeaseName = "sweep"

// NewRunner builds a runner; holder names this replica (unique per process), ttl bounds how long a
// crashed holder blocks the others.
func NewRunner(lease Lease, holder string, ttl time.Duration, now domain.Clock, log *slog.Logger, tasks ...Task) *Runner {
	return &Runner{lease: lease, holder: holder, ttl: ttl, tasks: tasks, now: now, log: log}
}

// Result says what one run did.
type Result struct {
	Ran     bool // false: another replica holds the lease
	Started time.Time
	Changed map[string]int
}

// RunOnce runs every task if this replica gets the lease, and frees the lease after: a one-off run
// (the command line, a test).
func (r *Runner) RunOnce(ctx context.Context) (Result, error) { return r.run(ctx, 0) }

// RunDue is one tick of Loop: it runs every task if this replica gets the lease, and keeps the lease
// until interval after the run started.
func (r *Runner) RunDue(ctx context.Context, interval time.Duration) (Result, error) {
	return r.run(ctx, interval)
}

// run runs every task under the lease. With keep 0 the lease is freed after; otherwise it is kept
// until keep after the run started, so that no replica runs again within that interval.
func (r *Runner) run(ctx context.Context, keep time.Duration) (Result, error) {
	started := r.now()
	ok, err := r.lease.Claim(ctx, LeaseName, r.holder, started, started.Add(r.ttl))
	if err != nil {
		return Result{Started: started}, fmt.Errorf("claim the %s lease: %w", LeaseName, err)
	}
	if !ok {
		return Result{Started: started}, nil
	}
	defer r.finish(ctx, started, keep)
	res := Result{Ran: true, Started: started, Changed: map[string]int{}}
	var errs []error // a failing task does not keep the others from running
	for i, t := range r.tasks {
		if i > 0 { // renew before each further task, so a long run keeps the lease it started with
			now := r.now()
			ok, err := r.lease.Claim(ctx, LeaseName, r.holder, now, now.Add(r.ttl))
			if err == nil && !ok {
				err = errors.New("another replica holds it")
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("renew the %s lease before %s: %w", LeaseName, t.Name, err))
				break
			}
		}
		n, err := t.Run(ctx)
		res.Changed[t.Name] = n
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep %s: %w", t.Name, err))
		}
	}
	return res, errors.Join(errs...)
}

// finish frees the lease, or keeps it until keep after started (a run that took longer than keep
// leaves it already expired: the next tick of any replica runs).
func (r *Runner) finish(ctx context.Context, started time.Time, keep time.Duration) {
	ctx, cancel := domain.Detach(ctx)
	defer cancel()
	var err error
	if keep == 0 {
		err = r.lease.Release(ctx, LeaseName, r.holder)
	} else {
		_, err = r.lease.Claim(ctx, LeaseName, r.holder, r.now(), started.Add(keep))
	}
	if err != nil {
		r.log.WarnContext(ctx, "end the sweep lease", "err", err)
	}
}

// Loop runs the tasks every interval until ctx ends, once per interval across the replicas: the
// replica that ran keeps the lease for the rest of the interval and, its next tick falling just before
// the lease ends, takes it again: the others run when it stopped ticking. Each run is logged
// with when it started, the record an operator (and the cluster test) checks the schedule against.
func (r *Runner) Loop(ctx context.Context, interval time.Duration) {
	wait := time.NewTimer(0)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			// Stopping (SIGTERM): free the lease (if this replica has it) so another replica need not
			// wait out the interval.
			r.release(ctx)
			return
		case <-wait.C:
		}
		// The next tick is an interval after this one starts, never sooner: a ticker would fire at
		// once after a run that outlasted the interval, a second run within one interval.
		next := time.Now().Add(interval)
		r.tick(ctx, interval)
		wait.Reset(max(time.Until(next), 0))
	}
}

// release frees the lease if this replica has it.
func (r *Runner) release(ctx context.Context) {
	dctx, cancel := domain.Detach(ctx)
	defer cancel()
	if err := r.lease.Release(dctx, LeaseName, r.holder); err != nil {
		r.log.WarnContext(ctx, "release the sweep lease", "err", err)
	}
}

// tick is one run of Loop, logged.
func (r *Runner) tick(ctx context.Context, interval time.Duration) {
	// A run may not outlive its lease: past it, another replica may start the same work.
	runCtx, cancel := context.WithTimeout(ctx, r.ttl)
	defer cancel()
	res, err := r.RunDue(runCtx, interval)
	switch {
	case err != nil:
		r.log.ErrorContext(ctx, "sweep failed", "err", err, "started", res.Started, "ran", res.Ran, "holder", r.holder)
	case res.Ran:
		r.log.InfoContext(ctx, "sweep ran", "started", res.Started, "changed", changedOnly(res.Changed), "holder", r.holder,
			"took_ms", r.now().Sub(res.Started).Milliseconds())
	}
}

// batch is how many records a task reads per page.
const batch = 100

// Each walks every record list returns, a page at a time (keyset on id), and runs one on each in turn;
// a record that fails is reported but does not stop the others. It returns how many one changed.
func Each[T any](ctx context.Context, list func(ctx context.Context, after *domain.Cursor, limit int) ([]T, error),
	id func(T) string, one func(ctx context.Context, id string) (bool, error)) (int, error) {
	changed := 0
	var errs []error
	var after *domain.Cursor
	for {
		page, err := list(ctx, after, batch)
		if err != nil {
			return changed, errors.Join(append(errs, fmt.Errorf("list: %w", err))...)
		}
		for _, rec := range page {
			ok, err := one(ctx, id(rec))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", id(rec), err))
				continue
			}
			if ok {
				changed++
			}
		}
		if len(page) < batch {
			return changed, errors.Join(errs...)
		}
		after = &domain.Cursor{Sort: "id", ID: id(page[len(page)-1])}
	}
}

// changedOnly is what a run changed, without the tasks that changed nothing.
func changedOnly(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range m {
		if n > 0 {
			out[k] = n
		}
	}
	return out
}
