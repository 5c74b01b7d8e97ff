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
	Addr         string
	DBDriver     string
	DBDSN        string
	LogFormat    string
	LogLevel     string
	AdminKeyFile string
	// AuditKeyFile holds the Ed25519 seed that signs audit checkpoints ("off": no checkpoints);
	// AuditKey, base64, takes its place when set.
	AuditKeyFile string
	AuditKey     string
	// SecretsKeyFile holds the AES-256 key that seals webhook signing secrets in the database;
	// SecretsKey, base64, takes its place when set.
	SecretsKeyFile string
	SecretsKey     string
	// SecretsPreviousKeyFiles and SecretsPreviousKeys (base64; environment only) are keys the secrets
	// were sealed with before a rotation: read with, never written with.
	SecretsPreviousKeyFiles []string
	SecretsPreviousKeys     []string
	MaxBodyBytes            int64
	MaxImportBytes          int64
	MaxUploadBytes          int64
	EvidenceDir             string
	RateLimit               float64
	ShutdownTimeout         time.Duration
	SweepInterval           time.Duration
	DBTimeout               time.Duration
	MaxInFlight             int
	// AuthCacheTTL is how long a verified credential is believed without a database read.
	AuthCacheTTL time.Duration
	Migrate      bool
	// ImportJobRows is the most rows a vendor or engagement import runs in its request (more: a job).
	ImportJobRows int
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed; empty believes none.
	TrustedProxies []string
	// PublicURL is where clients reach the API; links in answers are built from it.
	PublicURL string
	// MetricsToken, when set, is the bearer token /metrics requires. Environment only: a flag would
	// show it in the process list.
	MetricsToken string
	// EvidenceStore is "" for the local directory EvidenceDir, or s3://bucket/prefix; S3 says how to
	// reach the bucket.
	EvidenceStore string
	S3            repository.S3Config
	// OrphanGrace is how old a stored evidence file that no record names must be before the sweep
	// removes it.
	OrphanGrace time.Duration
	// DrainDelay is how long the process keeps serving, with readiness failing, after SIGTERM.
	DrainDelay time.Duration
	// TxRetries is how many times a unit of work aborted by a conflict (deadlock, Galera
	// certification failure) runs again.
	TxRetries int
	// Replicas is how many replicas of the service run behind the load balancer; each enforces its
	// share of the rate limits.
	Replicas int
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
	fs.StringVar(&cfg.AuditKeyFile, "audit-key-file", env("VENDORRISK_AUDIT_KEY_FILE", "./data/audit-signing.key"),
		"Ed25519 seed that signs audit checkpoints, made on first start; off disables (VENDORRISK_AUDIT_KEY_FILE)")
	cfg.AuditKey = getenv("VENDORRISK_AUDIT_KEY")
	fs.StringVar(&cfg.SecretsKeyFile, "secrets-key-file", env("VENDORRISK_SECRETS_KEY_FILE", "./data/secrets.key"),
		"AES-256 key that seals webhook secrets in the database, made on first start; every replica needs the same (VENDORRISK_SECRETS_KEY_FILE)")
	cfg.SecretsKey = getenv("VENDORRISK_SECRETS_KEY")
	previousKeyFiles := getenv("VENDORRISK_SECRETS_PREVIOUS_KEY_FILES")
	fs.StringVar(&previousKeyFiles, "secrets-previous-key-files", previousKeyFiles,
		"comma-separated key files the webhook secrets may still be sealed with during a key rotation: read, never written with (VENDORRISK_SECRETS_PREVIOUS_KEY_FILES)")
	cfg.SecretsPreviousKeys = splitList(getenv("VENDORRISK_SECRETS_PREVIOUS_KEYS"))
	maxBody := env("VENDORRISK_MAX_BODY_BYTES", "1048576")
	maxImport := env("VENDORRISK_MAX_IMPORT_BYTES", "20971520")
	importJobRows := env("VENDORRISK_IMPORT_JOB_ROWS", "2000")
	maxUpload := env("VENDORRISK_MAX_UPLOAD_BYTES", "20971520")
	fs.StringVar(&cfg.EvidenceDir, "evidence-dir", env("VENDORRISK_EVIDENCE_DIR", "./data/evidence"), "where evidence files are stored (VENDORRISK_EVIDENCE_DIR)")
	fs.StringVar(&cfg.EvidenceStore, "evidence-store", getenv("VENDORRISK_EVIDENCE_STORE"),
		"empty for the local directory, or s3://bucket/prefix (VENDORRISK_EVIDENCE_STORE)")
	fs.StringVar(&cfg.S3.Endpoint, "s3-endpoint", env("VENDORRISK_S3_ENDPOINT", env("AWS_ENDPOINT_URL_S3", env("AWS_ENDPOINT_URL", "https://s3.amazonaws.com"))),
		"S3 service URL (VENDORRISK_S3_ENDPOINT, else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)")
	fs.StringVar(&cfg.S3.Region, "s3-region", env("VENDORRISK_S3_REGION", env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1"))),
		"S3 region (VENDORRISK_S3_REGION, else AWS_REGION or AWS_DEFAULT_REGION)")
	pathStyle := env("VENDORRISK_S3_PATH_STYLE", "false")
	fs.StringVar(&pathStyle, "s3-path-style", pathStyle, "address the bucket in the path, as self-hosted S3 services want (VENDORRISK_S3_PATH_STYLE)")
	fs.StringVar(&cfg.S3.SSE, "s3-sse", getenv("VENDORRISK_S3_SSE"), "server-side encryption: empty, AES256 or aws:kms (VENDORRISK_S3_SSE)")
	fs.StringVar(&cfg.S3.SSEKMSKeyID, "s3-sse-kms-key-id", getenv("VENDORRISK_S3_SSE_KMS_KEY_ID"), "KMS key for aws:kms (VENDORRISK_S3_SSE_KMS_KEY_ID)")
	partSize := env("VENDORRISK_S3_PART_SIZE", "16777216")
	fs.StringVar(&partSize, "s3-part-size", partSize, "uploads above this many bytes go in parts of this size, at least 5 MiB (VENDORRISK_S3_PART_SIZE)")
	// Credentials from the standard variables only (never flags: they would show in the process list).
	cfg.S3.AccessKey, cfg.S3.SecretKey, cfg.S3.SessionToken = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	orphanGrace := env("VENDORRISK_EVIDENCE_ORPHAN_GRACE", "24h")
	fs.StringVar(&orphanGrace, "evidence-orphan-grace", orphanGrace, "age after which a stored evidence file no record names is removed by the sweep (VENDORRISK_EVIDENCE_ORPHAN_GRACE)")
	replicas := env("VENDORRISK_REPLICAS", "1")
	fs.StringVar(&replicas, "replicas", replicas, "how many replicas run behind the load balancer: each enforces 1/N of the rate limits (VENDORRISK_REPLICAS)")
	txRetries := env("VENDORRISK_DB_TX_RETRIES", "3")
	fs.StringVar(&txRetries, "db-tx-retries", txRetries, "how many times a transaction aborted by a deadlock or a Galera certification failure runs again (VENDORRISK_DB_TX_RETRIES)")
	drainDelay := env("VENDORRISK_DRAIN_DELAY", "5s")
	fs.StringVar(&drainDelay, "drain-delay", drainDelay, "after SIGTERM, how long /readyz fails while requests are still served, before shutdown (VENDORRISK_DRAIN_DELAY)")
	rate := env("VENDORRISK_RATE_LIMIT", "50")
	shutdown := env("VENDORRISK_SHUTDOWN_TIMEOUT", "20s")
	sweepEvery := env("VENDORRISK_SWEEP_INTERVAL", "5m")
	dbTimeout := env("VENDORRISK_DB_TIMEOUT", "5s")
	maxInFlight := env("VENDORRISK_MAX_INFLIGHT_PER_KEY", "8")
	authCache := env("VENDORRISK_AUTH_CACHE_TTL", "5s")
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
	fs.StringVar(&authCache, "auth-cache-ttl", authCache, "how long a verified API key is believed without a database read; a revocation on another replica takes effect within it, 0 disables (VENDORRISK_AUTH_CACHE_TTL)")
	fs.StringVar(&sweepEvery, "sweep-interval", sweepEvery, "how often approvals and risk acceptances are re-checked (VENDORRISK_SWEEP_INTERVAL)")
	fs.StringVar(&maxBody, "max-body-bytes", maxBody, "request body limit in bytes (VENDORRISK_MAX_BODY_BYTES)")
	fs.StringVar(&maxUpload, "max-upload-bytes", maxUpload, "evidence upload limit in bytes (VENDORRISK_MAX_UPLOAD_BYTES)")
	fs.StringVar(&maxImport, "max-import-bytes", maxImport, "catalog import body limit in bytes (VENDORRISK_MAX_IMPORT_BYTES)")
	fs.StringVar(&importJobRows, "import-job-rows", importJobRows, "rows above which a vendor or engagement import runs as a job (VENDORRISK_IMPORT_JOB_ROWS)")
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
		if cfg.ImportJobRows, err = strconv.Atoi(importJobRows); err != nil || cfg.ImportJobRows < 1 {
			return usageErr("import job rows %q: must be an integer of at least 1", importJobRows)
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
		if cfg.AuthCacheTTL, err = time.ParseDuration(authCache); err != nil || cfg.AuthCacheTTL < 0 || cfg.AuthCacheTTL > time.Minute {
			return usageErr("auth cache ttl %q: must be a duration from 0 to 1m such as 5s", authCache)
		}
		if cfg.MaxInFlight, err = strconv.Atoi(maxInFlight); err != nil || cfg.MaxInFlight < 0 {
			return usageErr("max in-flight requests per key %q: must be an integer of at least 0", maxInFlight)
		}
		if cfg.S3.PathStyle, err = strconv.ParseBool(pathStyle); err != nil {
			return usageErr("s3 path style %q: must be true or false", pathStyle)
		}
		if cfg.S3.PartSize, err = strconv.ParseUint(partSize, 10, 64); err != nil || cfg.S3.PartSize < repository.MinPartSize {
			return usageErr("s3 part size %q: must be an integer of at least %d (5 MiB)", partSize, repository.MinPartSize)
		}
		if cfg.OrphanGrace, err = time.ParseDuration(orphanGrace); err != nil || cfg.OrphanGrace < time.Minute {
			return usageErr("evidence orphan grace %q: must be a duration of at least 1m such as 24h", orphanGrace)
		}
		if cfg.Replicas, err = strconv.Atoi(replicas); err != nil || cfg.Replicas < 1 || cfg.Replicas > 1000 {
			return usageErr("replicas %q: must be an integer from 1 to 1000", replicas)
		}
		if cfg.TxRetries, err = strconv.Atoi(txRetries); err != nil || cfg.TxRetries < 0 || cfg.TxRetries > 10 {
			return usageErr("transaction retries %q: must be an integer from 0 to 10", txRetries)
		}
		if cfg.DrainDelay, err = time.ParseDuration(drainDelay); err != nil || cfg.DrainDelay < 0 {
			return usageErr("drain delay %q: must be a duration of at least 0 such as 5s", drainDelay)
		}
		cfg.SecretsPreviousKeyFiles = splitList(previousKeyFiles)
		if err := cfg.parseEvidenceStore(); err != nil {
			return err
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

// parseEvidenceStore reads s3://bucket/prefix into the S3 configuration.
func (c *config) parseEvidenceStore() error {
	if c.EvidenceStore == "" || c.EvidenceStore == "local" {
		c.EvidenceStore = ""
		return nil
	}
	u, err := url.Parse(c.EvidenceStore)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return usageErr("evidence store %q: must be empty (the local directory) or s3://bucket/prefix", c.EvidenceStore)
	}
	c.S3.Bucket, c.S3.Prefix = u.Host, strings.Trim(u.Path, "/")
	switch c.S3.SSE {
	case "", "AES256":
	case "aws:kms":
		if c.S3.SSEKMSKeyID == "" {
			return usageErr("s3 server-side encryption aws:kms needs VENDORRISK_S3_SSE_KMS_KEY_ID")
		}
	default:
		return usageErr("s3 server-side encryption %q: must be empty, AES256 or aws:kms", c.S3.SSE)
	}
	if e, err := url.Parse(c.S3.Endpoint); err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
		return usageErr("s3 endpoint %q: must be an http(s) URL such as https://s3.amazonaws.com", c.S3.Endpoint)
	}
	return nil
}

// evidenceAttrs describes the evidence store for the start-up log, without credentials.
func (c *config) evidenceAttrs() []any {
	if c.EvidenceStore == "" {
		return []any{"evidence_store", "local", "evidence_dir", c.EvidenceDir}
	}
	return []any{"evidence_store", c.EvidenceStore, "s3_endpoint", c.S3.Endpoint, "s3_region", c.S3.Region,
		"s3_path_style", c.S3.PathStyle, "s3_sse", c.S3.SSE, "s3_part_size", c.S3.PartSize,
		"s3_static_credentials", c.S3.AccessKey != ""}
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(list string) []string {
	var out []string
	for _, v := range strings.Split(list, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
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

// secretsKeySource names where the secrets key comes from, never the key.
func (c *config) secretsKeySource() string {
	if c.SecretsKey != "" {
		return "VENDORRISK_SECRETS_KEY"
	}
	return c.SecretsKeyFile
}

// logAttrs is the effective configuration for the start-up log, secrets masked.
func (c *config) logAttrs() []any {
	return append([]any{
		"addr", c.Addr, "db_driver", c.DBDriver, "db_dsn", repository.MaskDSN(c.DBDriver, c.DBDSN),
		"log_format", c.LogFormat, "log_level", strings.ToLower(c.LogLevel), "admin_key_file", c.AdminKeyFile,
		"secrets_key_file", c.secretsKeySource(), "secrets_previous_key_files", strings.Join(c.SecretsPreviousKeyFiles, ","),
		"secrets_previous_keys", len(c.SecretsPreviousKeys), // how many, never the keys
		"max_body_bytes", c.MaxBodyBytes, "max_import_bytes", c.MaxImportBytes, "max_upload_bytes", c.MaxUploadBytes, "rate_limit", c.RateLimit, "shutdown_timeout", c.ShutdownTimeout.String(), "sweep_interval", c.SweepInterval.String(),
		"db_timeout", c.DBTimeout.String(), "max_inflight_per_key", c.MaxInFlight,
		"trusted_proxies", strings.Join(c.TrustedProxies, ","), "public_url", c.PublicURL,
		"metrics_token", c.MetricsToken != "", // whether one is set, never the token
		"migrate", c.Migrate, "evidence_orphan_grace", c.OrphanGrace.String(), "drain_delay", c.DrainDelay.String(), "db_tx_retries", c.TxRetries, "replicas", c.Replicas,
		"webhook_allow_http", c.WebhookAllowHTTP, "webhook_allow_private", c.WebhookAllowPrivate,
		"webhook_timeout", c.Webhook.Timeout.String(), "webhook_retry_for", c.Webhook.RetryFor.String(),
		"webhook_disable_after", c.Webhook.DisableAfter,
	}, c.evidenceAttrs()...)
}
