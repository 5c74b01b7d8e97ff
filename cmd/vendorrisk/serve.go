package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/idempotency"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/sweep"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/outbound"
	"github.com/vendorrisk/vendorrisk/repository"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	start := time.Now()
	fs, cfg, finish := newFlagSet("serve", getenv, stderr)
	fs.BoolVar(&cfg.Migrate, "migrate", false, "apply pending migrations at start (always on for sqlite)")
	if err := parseFlags(fs, finish, args); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	log.Info("starting vendorrisk", append([]any{"version", version}, cfg.logAttrs()...)...)

	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := prepareSchema(ctx, cfg, db, log); err != nil {
		return err
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	secrets, createdKey, err := secretsBox(cfg, log)
	if err != nil {
		return err
	}
	log.Info("secrets keys", "keys", secrets.Source()) // ids only: which replica has which, during a rotation
	guard := webhook.Guard{AllowHTTP: cfg.WebhookAllowHTTP, AllowPrivate: cfg.WebhookAllowPrivate}
	svc := wiring.WireWith(db, domain.SystemClock, blobs, wiring.Options{Webhooks: guard, Log: log, Secrets: secrets})
	if err := sealWebhookSecrets(ctx, svc, cfg, createdKey, log); err != nil {
		return err
	}
	svc.Keys.CacheFor(cfg.AuthCacheTTL)
	svc.OrphanGrace = cfg.OrphanGrace
	changed, err := svc.Catalog.EnsureBuiltIn(ctx)
	if err != nil {
		return fmt.Errorf("load built-in control catalogs: %w", err)
	}
	log.Info("built-in control catalogs ready", "reloaded", changed)
	docs, err := questionnaire.BuiltInDocuments()
	if err != nil {
		return err
	}
	published, err := svc.Templates.EnsureBuiltIn(ctx, docs)
	if err != nil {
		return fmt.Errorf("load built-in questionnaire templates: %w", err)
	}
	log.Info("built-in questionnaire templates ready", "published", published)
	filled, err := svc.Engagements.FillReviewDates(ctx)
	if err != nil {
		return fmt.Errorf("fill review dates: %w", err)
	}
	if filled > 0 {
		log.Info("review dates filled in", "engagements", filled)
	}
	if err := bootstrapAdmin(ctx, svc, cfg.AdminKeyFile, log); err != nil {
		return err
	}
	signer, err := auditSigner(cfg, log)
	if err != nil {
		return err
	}
	deps := svc.APIDeps(db, log, domain.SystemClock)
	var extra []sweep.Task
	if signer != nil {
		trail := repository.NewAuditTrail(db)
		deps.Checkpoints = audit.NewCheckpoints(trail, trail, signer, domain.SystemClock)
		extra = append(extra, sweep.Task{Name: "audit_checkpoint", Run: deps.Checkpoints.Run})
	}
	var draining atomic.Bool
	deps.Ready = func(ctx context.Context) error {
		if draining.Load() {
			return api.ErrDraining
		}
		return db.Ping(ctx)
	}
	host, _ := os.Hostname()
	// Webhook delivery runs beside the server and stops with it: the attempt in progress finishes
	// (within the webhook timeout), then the loop returns.
	sender := outbound.New(guard, cfg.Webhook.Timeout)
	worker := svc.WebhookWorker(db, fmt.Sprintf("%s/%d/%s", host, os.Getpid(), domain.NewID()), domain.SystemClock, sender,
		cfg.Webhook, log)
	deps.WebhookWorker = worker
	handler := api.NewHandler(replicaShare(api.Config{MaxBodyBytes: cfg.MaxBodyBytes, MaxImportBytes: cfg.MaxImportBytes,
		MaxUploadBytes: cfg.MaxUploadBytes, ImportJobRows: cfg.ImportJobRows, RateLimit: cfg.RateLimit, DBTimeout: cfg.DBTimeout,
		MaxInFlightPerKey: cfg.MaxInFlight, TrustedProxies: cfg.TrustedProxies, PublicURL: cfg.PublicURL,
		MetricsToken: cfg.MetricsToken}, cfg.Replicas), deps)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// The background jobs end, and are waited for, before the database closes (defers run in reverse).
	bg, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	defer background.Wait()
	defer stopBackground()
	background.Go(func() { expireIdempotencyKeys(bg, deps.Idempotency, log) })
	sweeper := svc.Sweeper(db, fmt.Sprintf("%s/%d/%s", host, os.Getpid(), domain.NewID()), domain.SystemClock, log, extra...)
	background.Go(func() { sweeper.Loop(bg, cfg.SweepInterval) })
	// Import jobs start when an import is accepted; every interval the loop also takes up jobs that a
	// replica which died left behind (once their lease expired) or that another replica accepted.
	background.Go(func() { svc.Jobs.Loop(bg, importJobPoll) })
	background.Go(func() {
		worker.Loop(bg)
		sender.CloseIdle()
		log.Info("webhook delivery stopped")
	})
	log.Info("listening", "addr", ln.Addr().String(), "startup_ms", time.Since(start).Milliseconds())
	return serveHTTP(drain(ctx, &draining, cfg.DrainDelay, log), ln, handler, cfg.ShutdownTimeout, log)
}

// replicaShare gives one of n replicas its share of the per-credential and per-address rate limits:
// the limits are kept in each process (a counter row in the database would add a write to every
// request, on the database every replica shares, and on Galera a row every replica conflicts on),
// and a load balancer spreads one client's requests across the replicas, so each enforces 1/n of
// the configured budget and together they enforce about all of it. The in-flight cap is not divided:
// it protects each replica's own connection pool.
func replicaShare(c api.Config, n int) api.Config {
	if n <= 1 {
		return c
	}
	share := func(rate float64, burst int) (float64, int) {
		return rate / float64(n), max(1, (burst+n-1)/n)
	}
	if c.RateLimit > 0 {
		c.RateLimit, c.RateBurst = share(c.RateLimit, cmp.Or(c.RateBurst, api.DefaultConfig.RateBurst))
	}
	c.AuthFailureRate, c.AuthFailureBurst = share(cmp.Or(c.AuthFailureRate, api.DefaultConfig.AuthFailureRate),
		cmp.Or(c.AuthFailureBurst, api.DefaultConfig.AuthFailureBurst))
	return c
}

// drain returns a context that ends delay after ctx does. In between, readiness fails (draining is
// set) while requests are still served: a load balancer's health check sees the replica leave and
// stops sending to it before it stops accepting connections.
func drain(ctx context.Context, draining *atomic.Bool, delay time.Duration, log *slog.Logger) context.Context {
	serving, stop := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		<-ctx.Done()
		draining.Store(true)
		log.Info("draining: readiness fails from now on", "drain_delay", delay.String())
		time.Sleep(delay)
		stop()
	}()
	return serving
}

// prepareSchema migrates SQLite always and MySQL only when asked: a shared MySQL schema is changed
// deliberately, by one operator, not by whichever replica starts first.
func prepareSchema(ctx context.Context, cfg *config, db *repository.DB, log *slog.Logger) error {
	if cfg.DBDriver != repository.DialectSQLite && !cfg.Migrate {
		return requireSchema(ctx, db)
	}
	m, err := repository.NewMigrator(db)
	if err != nil {
		return err
	}
	n, err := m.Up(ctx)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "count", n)
	return nil
}

// sealWebhookSecrets checks the stored webhook secrets against the secrets key, and seals those an
// older version stored in clear, before anything signs with them. A key file made by this start that
// does not fit is removed again (nothing was sealed with it), so that the next start does not take
// it for the deployment's key.
func sealWebhookSecrets(ctx context.Context, svc wiring.Services, cfg *config, createdKey bool, log *slog.Logger) error {
	rep, err := svc.SealWebhookSecrets(ctx)
	if errors.Is(err, repository.ErrSecretKey) && createdKey {
		if rmErr := os.Remove(cfg.SecretsKeyFile); rmErr != nil {
			log.Warn("remove the secrets key file made by this start", "file", cfg.SecretsKeyFile, "err", rmErr)
		}
		err = fmt.Errorf("%w; no key file was there, so this start made one (removed again): put the one the "+
			"secrets were sealed with at %s (copy it from another replica or the secret store)", err, cfg.SecretsKeyFile)
	}
	if err != nil {
		return fmt.Errorf("webhook secrets: %w", err)
	}
	if rep.Sealed > 0 {
		log.Info("webhook secrets stored in clear are sealed now", "sealed", rep.Sealed)
	}
	return nil
}

// bootstrapAdmin gives a fresh installation its first admin key, written to a 0600 file; the secret
// itself never reaches the log.
func bootstrapAdmin(ctx context.Context, svc wiring.Services, path string, log *slog.Logger) error {
	k, secret, err := svc.Keys.Bootstrap(ctx)
	if err != nil || secret == "" {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create folder for the admin key: %w", err)
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin key file: %w", err)
	}
	log.Warn("created the first admin api key; read it from the file, then keep it safe or delete the file",
		"key_id", k.ID, "prefix", k.Prefix, "file", path)
	return nil
}

// serveHTTP serves until ctx ends, then stops accepting and lets in-flight requests finish within grace.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for in-flight requests", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// expireIdempotencyKeys forgets idempotency records past their TTL, hourly.
func expireIdempotencyKeys(ctx context.Context, store idempotency.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		dbCtx, cancel := context.WithTimeout(ctx, time.Minute) // a stuck delete must not hold the job forever
		n, err := store.DeleteBefore(dbCtx, time.Now().Add(-idempotency.TTL))
		cancel()
		if err != nil && ctx.Err() == nil {
			log.Warn("expire idempotency keys", "err", err)
		} else if n > 0 {
			log.Info("expired idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// importJobPoll is how often a replica looks for import jobs it did not accept itself.
const importJobPoll = 30 * time.Second
