package main

import (
	"bytes"
	"context"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestBadConfigurationExitsWithTwoAndOneLine(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown command", []string{"bogus"}, nil, "unknown command"},
		{"bad driver", []string{"migrate", "status"}, map[string]string{"VENDORRISK_DB_DRIVER": "postgres"}, "database driver"},
		{"mysql without dsn", []string{"migrate", "status"}, map[string]string{"VENDORRISK_DB_DRIVER": "mysql"}, "VENDORRISK_DB_DSN is required"},
		{"bad mysql dsn", []string{"migrate", "status"}, map[string]string{"VENDORRISK_DB_DRIVER": "mysql", "VENDORRISK_DB_DSN": "not a dsn"}, "database dsn"},
		{"bad log format", []string{"serve"}, map[string]string{"VENDORRISK_LOG_FORMAT": "xml"}, "log format"},
		{"bad addr", []string{"serve", "--addr", "nonsense"}, nil, "listen address"},
		{"bad body limit", []string{"serve"}, map[string]string{"VENDORRISK_MAX_BODY_BYTES": "ten"}, "max body bytes"},
		{"bad auth cache ttl", []string{"serve"}, map[string]string{"VENDORRISK_AUTH_CACHE_TTL": "5"}, "auth cache ttl"},
		{"auth cache ttl too long", []string{"serve", "--auth-cache-ttl", "2m"}, nil, "auth cache ttl"},
		{"memory sqlite", []string{"migrate", "up"}, map[string]string{"VENDORRISK_DB_DSN": ":memory:"}, "in-memory"},
		{"unknown flag", []string{"serve", "--nope"}, nil, "flag provided but not defined"},
		{"bad trusted proxy", []string{"serve"}, map[string]string{"VENDORRISK_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}, "trusted proxy"},
		{"relative public url", []string{"serve"}, map[string]string{"VENDORRISK_PUBLIC_URL": "vendorrisk.example.com"}, "public url"},
		{"public url with query", []string{"serve", "--public-url", "https://vr.example.com/?x=1"}, nil, "public url"},
		{"apikey without role", []string{"apikey", "create", "--db-dsn", filepath.Join(dir, "a.db")}, nil, "--role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "apikey") {
				code := run(t.Context(), []string{"migrate", "up", "--db-dsn", filepath.Join(dir, "a.db")}, envFrom(nil), io.Discard, io.Discard)
				if code != 0 {
					t.Fatalf("migrate up: exit %d", code)
				}
			}
			var stderr bytes.Buffer
			code := run(t.Context(), tt.args, envFrom(tt.env), io.Discard, &stderr)
			if code != 2 {
				t.Fatalf("exit code = %d, want 2; stderr: %s", code, stderr.String())
			}
			last := lastLine(stderr.String())
			if !strings.Contains(last, tt.want) || !strings.HasPrefix(last, "vendorrisk:") {
				t.Fatalf("stderr last line = %q, want a vendorrisk: line containing %q", last, tt.want)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAPIKeyCreatePrintsSecretLastAndItAuthenticates(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			env := map[string]string{"VENDORRISK_DB_DRIVER": dialect, "VENDORRISK_DB_DSN": testdb.DSN(t, dialect)}
			if code := run(t.Context(), []string{"migrate", "up"}, envFrom(env), io.Discard, io.Discard); code != 0 {
				t.Fatalf("migrate up exit %d", code)
			}
			var out, errOut bytes.Buffer
			code := run(t.Context(), []string{"apikey", "create", "--role", "auditor", "--name", "ext audit"}, envFrom(env), &out, &errOut)
			if code != 0 {
				t.Fatalf("apikey create exit %d: %s", code, errOut.String())
			}
			secret := lastLine(out.String())
			if !strings.HasPrefix(secret, "vrk_") || strings.ContainsAny(secret, " \t") {
				t.Fatalf("last line %q is not a bare secret", secret)
			}
			cfg := &config{DBDriver: dialect, DBDSN: env["VENDORRISK_DB_DSN"], Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "info"}
			if err := cfg.validate(); err != nil {
				t.Fatal(err)
			}
			db, err := openDB(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := wiring.Wire(db, time.Now, nil).Keys.Authenticate(t.Context(), secret)
			if err != nil || p.Role != "auditor" {
				t.Fatalf("authenticate printed secret: %+v, %v", p, err)
			}
			out.Reset()
			if code := run(t.Context(), []string{"apikey", "list"}, envFrom(env), &out, io.Discard); code != 0 || !strings.Contains(out.String(), "ext audit") {
				t.Fatalf("apikey list exit %d: %s", code, out.String())
			}
			if code := run(t.Context(), []string{"apikey", "revoke", p.KeyID}, envFrom(env), io.Discard, io.Discard); code != 0 {
				t.Fatalf("revoke exit %d", code)
			}
			if _, err := wiring.Wire(db, time.Now, nil).Keys.Authenticate(t.Context(), secret); err == nil {
				t.Fatal("revoked key still authenticates")
			}
			// Credentials made or revoked outside the API are in the audit trail too, by the operator.
			trail := wiring.Wire(db, time.Now, nil).Audit
			page, err := trail.List(t.Context(), audit.Filter{ResourceType: "api_key", ResourceID: p.KeyID}, "")
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, ev := range page.Items {
				actions = append(actions, ev.Action+" by "+ev.Actor.Role)
			}
			if want := []string{"api_key.revoked by operator", "api_key.created by operator"}; !slices.Equal(actions, want) {
				t.Errorf("audit events of the key %q, want %q", actions, want)
			}
			if v, err := trail.Verify(t.Context()); err != nil || !v.Intact {
				t.Errorf("audit chain after the CLI: %+v, %v", v, err)
			}
		})
	}
}

func TestServeRefusesPendingMySQLMigrationsWithoutFlag(t *testing.T) {
	dsn := testdb.DSN(t, repository.DialectMySQL)
	env := map[string]string{"VENDORRISK_DB_DRIVER": "mysql", "VENDORRISK_DB_DSN": dsn, "VENDORRISK_ADDR": "127.0.0.1:0"}
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"serve"}, envFrom(env), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "pending migrations") {
		t.Fatalf("serve on an unmigrated MySQL: exit %d, stderr %s", code, stderr.String())
	}
}

func TestServeBootstrapsAdminKeyFileAndStops(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret", "admin-key.txt")
	env := map[string]string{
		"VENDORRISK_DB_DSN": filepath.Join(dir, "vr.db"), "VENDORRISK_ADDR": "127.0.0.1:0",
		"VENDORRISK_ADMIN_KEY_FILE": keyFile, "VENDORRISK_LOG_FORMAT": "json", "VENDORRISK_DRAIN_DELAY": "0s",
		"VENDORRISK_SECRETS_KEY_FILE": filepath.Join(dir, "secrets.key"),
	}
	ctx, cancel := context.WithCancel(t.Context())
	logs := &syncBuffer{}
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, envFrom(env), io.Discard, logs) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), `"msg":"listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, logs.String())
	}
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("admin key file mode %v, want 0600", st.Mode().Perm())
	}
	secret, _ := os.ReadFile(keyFile)
	if s := strings.TrimSpace(string(secret)); !strings.HasPrefix(s, "vrk_") || strings.Contains(logs.String(), s) {
		t.Fatalf("secret %q missing from the file or present in the log", s)
	}
	if !strings.Contains(logs.String(), keyFile) {
		t.Fatal("the log does not say where the admin key is")
	}
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error)
	go func() { served <- serveHTTP(ctx, ln, h, 5*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel() // as SIGTERM would, while the request is in flight
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: body %q, err %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("serveHTTP: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String()); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

// syncBuffer is a bytes.Buffer safe for one writer goroutine and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestEffectiveConfigLogMasksPassword(t *testing.T) {
	cfg := &config{Addr: "127.0.0.1:8080", DBDriver: "mysql", DBDSN: "app:s3cr3t-pw@tcp(db:3306)/vendorrisk", LogFormat: "json", LogLevel: "info"}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cfg.logger(&buf).Info("starting", cfg.logAttrs()...)
	if strings.Contains(buf.String(), "s3cr3t-pw") {
		t.Fatalf("password in the log: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "app:*****@tcp(db:3306)/vendorrisk") || !strings.Contains(buf.String(), "parseTime=true") {
		t.Fatalf("effective DSN not logged as expected: %s", buf.String())
	}
}

// TestProxyAndPublicURLConfig: trusted proxies are read as a list of CIDRs (empty trusts none) and the
// public URL defaults to http://ADDR (issue #12 item 20).
func TestProxyAndPublicURLConfig(t *testing.T) {
	parse := func(t *testing.T, env map[string]string, args ...string) *config {
		t.Helper()
		fs, cfg, finish := newFlagSet("serve", envFrom(env), io.Discard)
		if err := parseFlags(fs, finish, args); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := parse(t, nil)
	if cfg.TrustedProxies != nil || cfg.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults: trusted %q, public url %q", cfg.TrustedProxies, cfg.PublicURL)
	}
	cfg = parse(t, map[string]string{"VENDORRISK_ADDR": ":9090"})
	if cfg.PublicURL != "http://127.0.0.1:9090" {
		t.Errorf("public url from :9090 = %q", cfg.PublicURL)
	}
	cfg = parse(t, map[string]string{"VENDORRISK_TRUSTED_PROXIES": " 10.0.0.0/8,,fd00::/8 , 192.0.2.7",
		"VENDORRISK_PUBLIC_URL": "https://vendorrisk.example.com/"})
	if !slices.Equal(cfg.TrustedProxies, []string{"10.0.0.0/8", "fd00::/8", "192.0.2.7"}) || cfg.PublicURL != "https://vendorrisk.example.com" {
		t.Errorf("trusted %q, public url %q", cfg.TrustedProxies, cfg.PublicURL)
	}
	cfg = parse(t, map[string]string{"VENDORRISK_PUBLIC_URL": "https://a.example"}, "--public-url", "https://b.example/vr", "--trusted-proxies", "172.16.0.0/12")
	if cfg.PublicURL != "https://b.example/vr" || !slices.Equal(cfg.TrustedProxies, []string{"172.16.0.0/12"}) {
		t.Errorf("flags: trusted %q, public url %q", cfg.TrustedProxies, cfg.PublicURL)
	}
}

// TestMetricsTokenConfig: VENDORRISK_METRICS_TOKEN is read from the environment and never logged.
func TestMetricsTokenConfig(t *testing.T) {
	fs, cfg, finish := newFlagSet("serve", envFrom(map[string]string{"VENDORRISK_METRICS_TOKEN": "scrape-s3cret"}), io.Discard)
	if err := parseFlags(fs, finish, nil); err != nil {
		t.Fatal(err)
	}
	if cfg.MetricsToken != "scrape-s3cret" {
		t.Fatalf("metrics token %q", cfg.MetricsToken)
	}
	var buf bytes.Buffer
	cfg.logger(&buf).Info("starting", cfg.logAttrs()...)
	if strings.Contains(buf.String(), "scrape-s3cret") || !strings.Contains(buf.String(), "metrics_token=true") {
		t.Fatalf("start-up log: %s", buf.String())
	}
}
