package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Request is one HTTP POST a Sender makes.
type Request struct {
	URL    string
	Header map[string]string
	Body   []byte
}

// Response is what came back.
type Response struct {
	StatusCode int
	Body       string // the first bytes
}

// Sender posts a request; an error means no answer came (refused, timed out, blocked by the guard).
type Sender interface {
	Send(ctx context.Context, r Request) (Response, error)
}

// Lease claims a named lease in the shared database (the sweep's job_leases).
type Lease interface {
	Claim(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	Release(ctx context.Context, name, holder string) error
}

// Config is how deliveries are made and retried.
type Config struct {
	// Timeout bounds one attempt, connection to answer.
	Timeout time.Duration
	// RetryBase is the delay after the first failed attempt; each further one doubles it, up to
	// RetryMaxDelay, with ±20% jitter.
	RetryBase     time.Duration
	RetryMaxDelay time.Duration
	// RetryFor is how long a delivery is retried before it is given up as failed.
	RetryFor time.Duration
	// DisableAfter disables an endpoint after this many consecutive failed attempts (0: never).
	DisableAfter int
	// PollInterval is how often the worker looks for work.
	PollInterval time.Duration
	// Retention is how long outbox messages and finished deliveries are kept (then purged, hourly).
	Retention time.Duration
}

// DefaultConfig retries for three days: 30 s, 1 min, 2 min ... doubling to 12 h, 16 attempts in all;
// an endpoint that fails them all (16 in a row) is disabled.
var DefaultConfig = Config{Timeout: 10 * time.Second, RetryBase: 30 * time.Second, RetryMaxDelay: 12 * time.Hour,
	RetryFor: 72 * time.Hour, DisableAfter: 16, PollInterval: time.Second, Retention: 30 * 24 * time.Hour}

func (c Config) withDefaults() Config {
	d := DefaultConfig
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.RetryBase <= 0 {
		c.RetryBase = d.RetryBase
	}
	if c.RetryMaxDelay <= 0 {
		c.RetryMaxDelay = d.RetryMaxDelay
	}
	if c.RetryFor <= 0 {
		c.RetryFor = d.RetryFor
	}
	if c.DisableAfter < 0 {
		c.DisableAfter = 0
	}
	if c.PollInterval <= 0 {
		c.PollInterval = d.PollInterval
	}
	if c.Retention <= 0 {
		c.Retention = d.Retention
	}
	return c
}

// Backoff is the delay before the attempt after the n-th failed one (n ≥ 1), before jitter.
func (c Config) Backoff(n int) time.Duration {
	d := c.RetryBase
	for i := 1; i < n && d < c.RetryMaxDelay; i++ {
		d *= 2
	}
	return min(d, c.RetryMaxDelay)
}

// Stats is what one pass did.
type Stats struct {
	Queued    int // deliveries made from the outbox
	Succeeded int
	Failed    int // failed attempts
}

// Worker delivers the outbox to the endpoints: each endpoint under its own database lease, so that
// any number of replicas deliver each message once between them, in order per endpoint.
type Worker struct {
	repo              Repository
	outbox            OutboxRepository
	lease             Lease
	sender            Sender
	tx                domain.TxManager
	now               domain.Clock
	events            event.Recorder
	holder            string
	cfg               Config
	log               *slog.Logger
	succeeded, failed atomic.Int64
	purged            time.Time // when this worker last purged
}

// Outcomes counts this process's attempts since it started, by outcome (for metrics).
func (w *Worker) Outcomes() (succeeded, failed int64) { return w.succeeded.Load(), w.failed.Load() }

// NewWorker builds a worker; holder names this replica (unique per process).
func NewWorker(repo Repository, outbox OutboxRepository, lease Lease, sender Sender, tx domain.TxManager, now domain.Clock,
	events event.Recorder, holder string, cfg Config, log *slog.Logger) *Worker {
	return &Worker{repo: repo, outbox: outbox, lease: lease, sender: sender, tx: tx, now: now, events: events, holder: holder,
		cfg: cfg.withDefaults(), log: log}
}

// batch is how many outbox messages are read at once, and the most deliveries made to one endpoint
// in one pass.
const batch = 100

func leaseName(endpointID string) string { return "webhook:" + endpointID }

// leaseTTL outlasts an attempt several times over, so a live holder never loses its lease mid-send.
func (w *Worker) leaseTTL() time.Duration { return 3*w.cfg.Timeout + 30*time.Second }

// purgeEvery is how often a worker purges what the retention let go.
const purgeEvery = time.Hour

// Purge removes outbox messages and finished deliveries older than the retention (see
// Repository.Purge); RunOnce calls it hourly. It returns how many messages went.
func (w *Worker) Purge(ctx context.Context) (int64, error) {
	w.purged = w.now()
	n, err := w.repo.Purge(ctx, w.now().Add(-w.cfg.Retention))
	if err != nil {
		return 0, fmt.Errorf("purge the webhook outbox: %w", err)
	}
	return n, nil
}

// RunOnce makes one pass over every enabled endpoint whose lease this replica gets.
func (w *Worker) RunOnce(ctx context.Context) (Stats, error) {
	var st Stats
	var errs []error
	if w.now().Sub(w.purged) >= purgeEvery {
		if _, err := w.Purge(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	after := ""
	for {
		eps, err := w.repo.ListEndpoints(ctx, after, batch)
		if err != nil {
			return st, fmt.Errorf("list webhook endpoints: %w", err)
		}
		for _, ep := range eps {
			if !ep.Enabled || ctx.Err() != nil {
				continue
			}
			if err := w.endpoint(ctx, ep.ID, &st); err != nil {
				errs = append(errs, fmt.Errorf("endpoint %s: %w", ep.ID, err))
			}
		}
		if len(eps) < batch {
			break
		}
		after = eps[len(eps)-1].ID
	}
	return st, errors.Join(errs...)
}

func (w *Worker) claim(ctx context.Context, id string) (bool, error) {
	now := w.now()
	return w.lease.Claim(ctx, leaseName(id), w.holder, now, now.Add(w.leaseTTL()))
}

// endpoint queues and delivers one endpoint's messages under its lease.
func (w *Worker) endpoint(ctx context.Context, id string, st *Stats) error {
	ok, err := w.claim(ctx, id)
	if err != nil || !ok {
		return err
	}
	claimed := w.now()
	defer func() {
		dctx, cancel := domain.Detach(ctx)
		defer cancel()
		if err := w.lease.Release(dctx, leaseName(id), w.holder); err != nil {
			w.log.WarnContext(ctx, "release a webhook lease", "endpoint", id, "err", err)
		}
	}()
	if err := w.enqueue(ctx, id, st); err != nil {
		return err
	}
	for range batch {
		if ctx.Err() != nil {
			return nil
		}
		ep, err := w.repo.GetEndpoint(ctx, id) // read again: an admin may have changed or disabled it
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read endpoint: %w", err)
		}
		if !ep.Enabled {
			return nil
		}
		d, msg, err := w.repo.Head(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the next delivery: %w", err)
		}
		if d.NextAttemptAt != nil && d.NextAttemptAt.After(w.now()) {
			return nil // in order: later messages wait for this one
		}
		if w.now().Sub(claimed) > w.leaseTTL()/3 { // renew well before it could lapse mid-send
			if ok, err := w.claim(ctx, id); err != nil || !ok {
				if err == nil {
					err = errors.New("lost the lease")
				}
				return err
			}
			claimed = w.now()
		}
		if err := w.attempt(ctx, ep, d, msg, st); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// enqueue makes the endpoint's deliveries from the outbox messages after its cursor.
func (w *Worker) enqueue(ctx context.Context, id string, st *Stats) error {
	for {
		var n int
		var more bool
		err := w.tx.InTx(ctx, func(ctx context.Context) error {
			ep, err := w.repo.GetEndpoint(ctx, id)
			if err != nil {
				return err
			}
			from, err := w.repo.Cursor(ctx, id)
			if err != nil {
				return err
			}
			msgs, err := w.outbox.After(ctx, from, batch)
			if err != nil || len(msgs) == 0 {
				return err
			}
			more = len(msgs) == batch
			now := w.now()
			var ds []Delivery
			for _, m := range msgs {
				if ep.wants(m) {
					ds = append(ds, Delivery{ID: domain.NewID(), EndpointID: id, Seq: m.Seq, MessageID: m.ID, EventType: m.Type,
						Status: StatusPending, NextAttemptAt: &now, RetryFrom: now, CreatedAt: now, UpdatedAt: now})
				}
			}
			n = len(ds)
			return w.repo.Enqueue(ctx, id, ds, from, msgs[len(msgs)-1].Seq)
		})
		if err != nil {
			return fmt.Errorf("queue deliveries: %w", err)
		}
		st.Queued += n
		if !more {
			return nil
		}
	}
}

// attempt sends one delivery and stores the outcome; errStop when later messages must wait.
func (w *Worker) attempt(ctx context.Context, ep Endpoint, d Delivery, msg Message, st *Stats) error {
	now := w.now()
	ts := now.Unix()
	body, err := ep.payload(msg)
	if err != nil {
		return err
	}
	sig, err := Signatures(ep.Secrets(now), msg.ID, ts, body)
	if err != nil {
		return err
	}
	req := Request{URL: ep.URL, Body: body, Header: map[string]string{
		"Content-Type": "application/json", "User-Agent": "vendorrisk-webhooks/1",
		"webhook-id": msg.ID, "webhook-timestamp": strconv.FormatInt(ts, 10), "webhook-signature": sig,
	}}
	// A shutdown lets the attempt finish within its timeout rather than cut it and send it again.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Timeout)
	began := time.Now()
	res, sendErr := w.sender.Send(sctx, req)
	cancel()
	took := time.Since(began)

	d.Attempts++
	a := Attempt{ID: domain.NewID(), DeliveryID: d.ID, EndpointID: ep.ID, Number: d.Attempts, AttemptedAt: now,
		StatusCode: res.StatusCode, DurationMS: took.Milliseconds(), Response: res.Body}
	if sendErr != nil {
		a.Error = sendErr.Error()
	} else if res.StatusCode < 200 || res.StatusCode > 299 {
		a.Error = "the receiver answered " + strconv.Itoa(res.StatusCode)
	}
	a.Succeeded = a.Error == ""
	d.LastStatusCode, d.LastError, d.UpdatedAt = a.StatusCode, a.Error, w.now()
	failures := 0
	disable := ""
	switch {
	case a.Succeeded:
		d.Status, d.NextAttemptAt = StatusSucceeded, nil
		st.Succeeded++
	case res.StatusCode == 410:
		d.Status, d.NextAttemptAt = StatusFailed, nil
		failures = ep.ConsecutiveFailures + 1
		disable = "the receiver answered 410 Gone"
		st.Failed++
	default:
		failures = ep.ConsecutiveFailures + 1
		st.Failed++
		delay := jitter(w.cfg.Backoff(d.Attempts))
		next := now.Add(delay)
		if next.Sub(d.RetryFrom) > w.cfg.RetryFor {
			d.Status, d.NextAttemptAt = StatusFailed, nil
		} else {
			d.NextAttemptAt = &next
		}
		if w.cfg.DisableAfter > 0 && failures >= w.cfg.DisableAfter {
			disable = strconv.Itoa(failures) + " consecutive failed attempts"
		}
	}
	if a.Succeeded {
		w.succeeded.Add(1)
	} else {
		w.failed.Add(1)
	}
	// Stored even when the pass is being stopped (the attempt happened), but never waited for forever.
	storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.leaseTTL())
	defer cancel()
	err = w.tx.InTx(storeCtx, func(ctx context.Context) error {
		if err := w.repo.SaveAttempt(ctx, d, a); err != nil {
			return fmt.Errorf("store attempt: %w", err)
		}
		if failures != ep.ConsecutiveFailures {
			if err := w.repo.SetFailures(ctx, ep.ID, failures); err != nil {
				return fmt.Errorf("store failure count: %w", err)
			}
		}
		if disable == "" {
			return nil
		}
		cur, err := w.repo.GetEndpoint(ctx, ep.ID)
		if err != nil {
			return err
		}
		before := cur
		cur.Enabled, cur.DisabledReason, cur.ConsecutiveFailures = false, disable, failures
		cur.Version++
		cur.UpdatedAt = w.now()
		if err := w.repo.UpdateEndpoint(ctx, cur); err != nil {
			return fmt.Errorf("disable endpoint: %w", err)
		}
		return event.Record(ctx, w.events, "webhook_endpoint.disabled", subject(cur), before, cur)
	})
	if err != nil {
		return err
	}
	if disable != "" {
		w.log.WarnContext(ctx, "webhook endpoint disabled", "endpoint", ep.ID, "reason", disable)
	}
	if d.Status == StatusPending || disable != "" {
		return errStop
	}
	return nil
}

// jitter spreads a delay by ±20%, so receivers that came back are not hit by every sender at once.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Loop delivers until ctx ends, a pass every poll interval; it returns after the pass in progress.
func (w *Worker) Loop(ctx context.Context) {
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	for {
		// A pass gets the lease's time per endpoint it may visit; a pass cut short resumes at the next tick.
		passCtx, cancel := context.WithTimeout(ctx, 10*w.leaseTTL())
		st, err := w.RunOnce(passCtx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			w.log.ErrorContext(ctx, "webhook delivery pass failed", "err", err)
		case st.Succeeded+st.Failed > 0:
			w.log.DebugContext(ctx, "webhook deliveries", "queued", st.Queued, "succeeded", st.Succeeded, "failed", st.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
