package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/repository"
)

// config is the effective configuration: environment first, flags override.
type config struct {
	Addr            string
	DBDriver        string
	DBDSN           string
	LogFormat       string
	LogLevel        string
	AdminKeyFile    string
	MaxBodyBytes    int64
	MaxImportBytes  int64
	MaxUploadBytes  int64
	EvidenceDir     string
	RateLimit       float64
	ShutdownTimeout time.Duration
	SweepInterval   time.Duration
	DBTimeout       time.Duration
	MaxInFlight     int
	Migrate         bool
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed; empty believes none.
	TrustedProxies []string
	// PublicURL is where clients reach the API; links in answers are built from it.
	PublicURL string
	// MetricsToken, when set, is the bearer token /metrics requires. Environment only: a flag would
	// show it in the process list.
	MetricsToken string
	// Webhook delivery: the SSRF guard's exceptions and the retry schedule.
	WebhookAllowHTTP    bool
	WebhookAllowPrivate bool
	Webhook             webhook.Config
}

// errUsage marks configuration and usage errors: one line on stderr and exit code 2.
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// newFlagSet declares the flags every subcommand shares, with environment defaults.
func newFlagSet(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *config, func() error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	cfg := &config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("VENDORRISK_ADDR", "127.0.0.1:8080"), "listen address (VENDORRISK_ADDR)")
	fs.StringVar(&cfg.DBDriver, "db-driver", env("VENDORRISK_DB_DRIVER", repository.DialectSQLite), "sqlite or mysql (VENDORRISK_DB_DRIVER)")
	fs.StringVar(&cfg.DBDSN, "db-dsn", getenv("VENDORRISK_DB_DSN"), "database DSN (VENDORRISK_DB_DSN); default ./data/vendorrisk.db for sqlite")
	fs.StringVar(&cfg.LogFormat, "log-format", env("VENDORRISK_LOG_FORMAT", "text"), "text or json (VENDORRISK_LOG_FORMAT)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("VENDORRISK_LOG_LEVEL", "info"), "debug, info, warn or error (VENDORRISK_LOG_LEVEL)")
	fs.StringVar(&cfg.AdminKeyFile, "admin-key-file", env("VENDORRISK_ADMIN_KEY_FILE", "./data/admin-key.txt"),
		"where serve writes the first admin key of an empty database (VENDORRISK_ADMIN_KEY_FILE)")
	maxBody := env("VENDORRISK_MAX_BODY_BYTES", "1048576")
	maxImport := env("VENDORRISK_MAX_IMPORT_BYTES", "20971520")
	maxUpload := env("VENDORRISK_MAX_UPLOAD_BYTES", "20971520")
	fs.StringVar(&cfg.EvidenceDir, "evidence-dir", env("VENDORRISK_EVIDENCE_DIR", "./data/evidence"), "where evidence files are stored (VENDORRISK_EVIDENCE_DIR)")
	rate := env("VENDORRISK_RATE_LIMIT", "50")
	shutdown := env("VENDORRISK_SHUTDOWN_TIMEOUT", "20s")
	sweepEvery := env("VENDORRISK_SWEEP_INTERVAL", "5m")
	dbTimeout := env("VENDORRISK_DB_TIMEOUT", "5s")
	maxInFlight := env("VENDORRISK_MAX_INFLIGHT_PER_KEY", "8")
	trusted := getenv("VENDORRISK_TRUSTED_PROXIES")
	hookHTTP := env("VENDORRISK_WEBHOOK_ALLOW_HTTP", "false")
	hookPrivate := env("VENDORRISK_WEBHOOK_ALLOW_PRIVATE", "false")
	hookTimeout := env("VENDORRISK_WEBHOOK_TIMEOUT", "10s")
	hookBase := env("VENDORRISK_WEBHOOK_RETRY_BASE", "30s")
	hookMaxDelay := env("VENDORRISK_WEBHOOK_RETRY_MAX_DELAY", "12h")
	hookRetryFor := env("VENDORRISK_WEBHOOK_RETRY_FOR", "72h")
	hookDisable := env("VENDORRISK_WEBHOOK_DISABLE_AFTER", "16")
	hookPoll := env("VENDORRISK_WEBHOOK_POLL_INTERVAL", "1s")
	hookRetention := env("VENDORRISK_WEBHOOK_RETENTION", "720h")
	cfg.MetricsToken = getenv("VENDORRISK_METRICS_TOKEN")
	fs.StringVar(&trusted, "trusted-proxies", trusted, "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed; empty believes none (VENDORRISK_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.PublicURL, "public-url", getenv("VENDORRISK_PUBLIC_URL"), "URL clients reach the API at, e.g. https://vendorrisk.example.com; default http://ADDR (VENDORRISK_PUBLIC_URL)")
	fs.StringVar(&dbTimeout, "db-timeout", dbTimeout, "how long a request may wait for the database before 503 (VENDORRISK_DB_TIMEOUT)")
	fs.StringVar(&maxInFlight, "max-inflight-per-key", maxInFlight, "requests one credential may have in progress, 0 disables (VENDORRISK_MAX_INFLIGHT_PER_KEY)")
	fs.StringVar(&sweepEvery, "sweep-interval", sweepEvery, "how often approvals and risk acceptances are re-checked (VENDORRISK_SWEEP_INTERVAL)")
	fs.StringVar(&maxBody, "max-body-bytes", maxBody, "request body limit in bytes (VENDORRISK_MAX_BODY_BYTES)")
	fs.StringVar(&maxUpload, "max-upload-bytes", maxUpload, "evidence upload limit in bytes (VENDORRISK_MAX_UPLOAD_BYTES)")
	fs.StringVar(&maxImport, "max-import-bytes", maxImport, "catalog import body limit in bytes (VENDORRISK_MAX_IMPORT_BYTES)")
	fs.StringVar(&rate, "rate-limit", rate, "requests per second per credential, 0 disables (VENDORRISK_RATE_LIMIT)")
	fs.StringVar(&shutdown, "shutdown-timeout", shutdown, "grace period for in-flight requests (VENDORRISK_SHUTDOWN_TIMEOUT)")
	finish := func() error {
		var err error
		if err := cfg.parseWebhook(hookHTTP, hookPrivate, hookTimeout, hookBase, hookMaxDelay, hookRetryFor, hookDisable, hookPoll, hookRetention); err != nil {
			return err
		}
		if cfg.MaxBodyBytes, err = strconv.ParseInt(maxBody, 10, 64); err != nil || cfg.MaxBodyBytes < 1024 {
			return usageErr("max body bytes %q: must be an integer of at least 1024", maxBody)
		}
		if cfg.MaxUploadBytes, err = strconv.ParseInt(maxUpload, 10, 64); err != nil || cfg.MaxUploadBytes < 1024 {
			return usageErr("max upload bytes %q: must be an integer of at least 1024", maxUpload)
		}
		if cfg.MaxImportBytes, err = strconv.ParseInt(maxImport, 10, 64); err != nil || cfg.MaxImportBytes < 1024 {
			return usageErr("max import bytes %q: must be an integer of at least 1024", maxImport)
		}
		if cfg.RateLimit, err = strconv.ParseFloat(rate, 64); err != nil || cfg.RateLimit < 0 {
			return usageErr("rate limit %q: must be a number of at least 0", rate)
		}
		if cfg.ShutdownTimeout, err = time.ParseDuration(shutdown); err != nil || cfg.ShutdownTimeout <= 0 {
			return usageErr("shutdown timeout %q: must be a positive duration such as 20s", shutdown)
		}
		if cfg.SweepInterval, err = time.ParseDuration(sweepEvery); err != nil || cfg.SweepInterval < time.Second {
			return usageErr("sweep interval %q: must be a duration of at least 1s such as 5m", sweepEvery)
		}
		if cfg.DBTimeout, err = time.ParseDuration(dbTimeout); err != nil || cfg.DBTimeout < 100*time.Millisecond {
			return usageErr("database timeout %q: must be a duration of at least 100ms such as 5s", dbTimeout)
		}
		if cfg.MaxInFlight, err = strconv.Atoi(maxInFlight); err != nil || cfg.MaxInFlight < 0 {
			return usageErr("max in-flight requests per key %q: must be an integer of at least 0", maxInFlight)
		}
		if cfg.TrustedProxies, err = parseCIDRs(trusted); err != nil {
			return err
		}
		return cfg.validate()
	}
	return fs, cfg, finish
}

// parseWebhook reads the webhook settings (environment only).
func (c *config) parseWebhook(allowHTTP, allowPrivate, timeout, base, maxDelay, retryFor, disableAfter, poll, retention string) error {
	var err error
	if c.WebhookAllowHTTP, err = strconv.ParseBool(allowHTTP); err != nil {
		return usageErr("VENDORRISK_WEBHOOK_ALLOW_HTTP %q: must be true or false", allowHTTP)
	}
	if c.WebhookAllowPrivate, err = strconv.ParseBool(allowPrivate); err != nil {
		return usageErr("VENDORRISK_WEBHOOK_ALLOW_PRIVATE %q: must be true or false", allowPrivate)
	}
	for _, d := range []struct {
		name, raw string
		dst       *time.Duration
		least     time.Duration
	}{
		{"VENDORRISK_WEBHOOK_TIMEOUT", timeout, &c.Webhook.Timeout, 100 * time.Millisecond},
		{"VENDORRISK_WEBHOOK_RETRY_BASE", base, &c.Webhook.RetryBase, 10 * time.Millisecond},
		{"VENDORRISK_WEBHOOK_RETRY_MAX_DELAY", maxDelay, &c.Webhook.RetryMaxDelay, 10 * time.Millisecond},
		{"VENDORRISK_WEBHOOK_RETRY_FOR", retryFor, &c.Webhook.RetryFor, time.Second},
		{"VENDORRISK_WEBHOOK_POLL_INTERVAL", poll, &c.Webhook.PollInterval, 10 * time.Millisecond},
		{"VENDORRISK_WEBHOOK_RETENTION", retention, &c.Webhook.Retention, time.Hour},
	} {
		if *d.dst, err = time.ParseDuration(d.raw); err != nil || *d.dst < d.least {
			return usageErr("%s %q: must be a duration of at least %s", d.name, d.raw, d.least)
		}
	}
	if c.Webhook.DisableAfter, err = strconv.Atoi(disableAfter); err != nil || c.Webhook.DisableAfter < 0 {
		return usageErr("VENDORRISK_WEBHOOK_DISABLE_AFTER %q: must be an integer of at least 0 (0 never disables)", disableAfter)
	}
	return nil
}

// validate checks and completes the configuration; the DSN gets the settings the repositories need.
func (c *config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return usageErr("listen address %q: %v", c.Addr, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return usageErr("log format %q: must be text or json", c.LogFormat)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return usageErr("log level %q: must be debug, info, warn or error", c.LogLevel)
	}
	if err := c.completePublicURL(); err != nil {
		return err
	}
	var err error
	switch c.DBDriver {
	case repository.DialectSQLite:
		if c.DBDSN == "" {
			c.DBDSN = "./data/vendorrisk.db"
		}
		c.DBDSN, err = repository.NormalizeSQLiteDSN(c.DBDSN)
	case repository.DialectMySQL:
		if c.DBDSN == "" {
			return usageErr("VENDORRISK_DB_DSN is required for mysql, e.g. user:password@tcp(127.0.0.1:3306)/vendorrisk")
		}
		c.DBDSN, err = repository.NormalizeMySQLDSN(c.DBDSN)
	default:
		return usageErr("database driver %q: must be sqlite or mysql", c.DBDriver)
	}
	if err != nil {
		return usageErr("database dsn: %v", err)
	}
	return nil
}

// parseCIDRs reads a comma-separated list of CIDRs (a bare address counts as a single host).
func parseCIDRs(list string) ([]string, error) {
	var out []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if _, err := netip.ParsePrefix(raw); err != nil {
			if _, aerr := netip.ParseAddr(raw); aerr != nil {
				return nil, usageErr("trusted proxy %q: must be a CIDR such as 10.0.0.0/8", raw)
			}
		}
		out = append(out, raw)
	}
	return out, nil
}

// completePublicURL checks the public URL, or derives it from the listen address (http://ADDR, an
// empty host read as 127.0.0.1).
func (c *config) completePublicURL() error {
	if c.PublicURL == "" {
		host, port, _ := net.SplitHostPort(c.Addr) // checked by validate
		if host == "" {
			host = "127.0.0.1"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
		return nil
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return usageErr("public url %q: must be an absolute http(s) URL such as https://vendorrisk.example.com", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel)) // validated
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logAttrs is the effective configuration for the start-up log, secrets masked.
func (c *config) logAttrs() []any {
	return []any{
		"addr", c.Addr, "db_driver", c.DBDriver, "db_dsn", repository.MaskDSN(c.DBDriver, c.DBDSN),
		"log_format", c.LogFormat, "log_level", strings.ToLower(c.LogLevel), "admin_key_file", c.AdminKeyFile,
		"max_body_bytes", c.MaxBodyBytes, "max_import_bytes", c.MaxImportBytes, "max_upload_bytes", c.MaxUploadBytes, "evidence_dir", c.EvidenceDir, "rate_limit", c.RateLimit, "shutdown_timeout", c.ShutdownTimeout.String(), "sweep_interval", c.SweepInterval.String(),
		"db_timeout", c.DBTimeout.String(), "max_inflight_per_key", c.MaxInFlight,
		"trusted_proxies", strings.Join(c.TrustedProxies, ","), "public_url", c.PublicURL,
		"metrics_token", c.MetricsToken != "", // whether one is set, never the token
		"migrate", c.Migrate,
		"webhook_allow_http", c.WebhookAllowHTTP, "webhook_allow_private", c.WebhookAllowPrivate,
		"webhook_timeout", c.Webhook.Timeout.String(), "webhook_retry_for", c.Webhook.RetryFor.String(),
		"webhook_disable_after", c.Webhook.DisableAfter,
	}
}
