package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/repository"
)

func TestSecretsKeySources(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	prevKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name      string
		cfg       config
		wantErr   string // "" for success
		wantNamed string // what the box (or error) names
	}{
		{"file", config{SecretsKeyFile: write("good.key", key+"\n")}, "", "good.key"},
		{"environment first", config{SecretsKey: key, SecretsKeyFile: write("other.key", "junk")}, "", "VENDORRISK_SECRETS_KEY"},
		{"not base64", config{SecretsKeyFile: write("junk.key", "not a key!")}, "not base64", "junk.key"},
		{"too short", config{SecretsKeyFile: write("short.key", base64.StdEncoding.EncodeToString([]byte("short")))}, "5 bytes", "short.key"},
		{"environment not base64", config{SecretsKey: "???"}, "not base64", "VENDORRISK_SECRETS_KEY"},
		{"previous key file", config{SecretsKey: key, SecretsPreviousKeyFiles: []string{write("old.key", prevKey)}}, "", "old.key"},
		{"previous key in the environment", config{SecretsKey: key, SecretsPreviousKeys: []string{prevKey}}, "", "VENDORRISK_SECRETS_PREVIOUS_KEYS[0]"},
		{"previous key file missing", config{SecretsKey: key, SecretsPreviousKeyFiles: []string{filepath.Join(dir, "gone.key")}}, "previous secrets key", "gone.key"},
		{"previous key too short", config{SecretsKey: key, SecretsPreviousKeyFiles: []string{write("old-short.key", base64.StdEncoding.EncodeToString([]byte("short")))}}, "5 bytes", "old-short.key"},
		{"previous key in the environment not base64", config{SecretsKey: key, SecretsPreviousKeys: []string{"???"}}, "not base64", "VENDORRISK_SECRETS_PREVIOUS_KEYS[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			box, created, err := secretsBox(&tc.cfg, log)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.wantNamed) {
					t.Fatalf("error %v, want %q naming %q", err, tc.wantErr, tc.wantNamed)
				}
				return
			}
			if err != nil || created || !strings.Contains(box.Source(), tc.wantNamed) {
				t.Fatalf("box from %q, created %v, %v", box.Source(), created, err)
			}
		})
	}

	t.Run("previous key files are never made", func(t *testing.T) {
		gone := filepath.Join(dir, "never.key")
		if _, _, err := secretsBox(&config{SecretsKey: key, SecretsPreviousKeyFiles: []string{gone}}, log); err == nil {
			t.Fatal("a missing previous key file was accepted")
		}
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("the previous key file was made: %v", err)
		}
	})

	t.Run("made on first start", func(t *testing.T) {
		path := filepath.Join(dir, "new", "secrets.key")
		first, created, err := secretsBox(&config{SecretsKeyFile: path}, log)
		if err != nil || !created {
			t.Fatalf("first start: created %v, %v", created, err)
		}
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file %v, %v; want mode 0600", st, err)
		}
		again, created, err := secretsBox(&config{SecretsKeyFile: path}, log)
		if err != nil || created {
			t.Fatalf("second start: created %v, %v", created, err)
		}
		sealed, err := first.Seal("whsec_x", "here")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := again.Open(sealed, "here"); err != nil || got != "whsec_x" {
			t.Errorf("the key read back does not open what the made one sealed: %q, %v", got, err)
		}
	})
}

// TestSecretsKeyMadeOnceByRacingReplicas: replicas starting at once on a shared folder end up with
// the one key, and exactly one of them reports making it.
func TestSecretsKeyMadeOnceByRacingReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.key")
	const replicas = 8
	boxes := make([]*repository.SecretBox, replicas)
	made := make([]bool, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			var err error
			if boxes[i], made[i], err = secretsBox(&config{SecretsKeyFile: path}, slog.New(slog.DiscardHandler)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := len(slices.DeleteFunc(slices.Clone(made), func(b bool) bool { return !b })); n != 1 {
		t.Errorf("%d replicas report making the key, want 1", n)
	}
	sealed, err := boxes[0].Seal("whsec_x", "here")
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range boxes {
		if got, err := b.Open(sealed, "here"); err != nil || got != "whsec_x" {
			t.Errorf("replica %d has another key: %v", i, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".key-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestServeRefusesAnotherSecretsKey: serve seals webhook secrets with its key file; started again
// with another key, or with the file gone (a new key is made), it stops at start-up naming the file.
func TestServeRefusesAnotherSecretsKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secrets.key")
	adminFile := filepath.Join(dir, "admin-key.txt")
	env := map[string]string{
		"VENDORRISK_DB_DSN": filepath.Join(dir, "vr.db"), "VENDORRISK_ADDR": "127.0.0.1:0", "VENDORRISK_ADMIN_KEY_FILE": adminFile,
		"VENDORRISK_AUDIT_KEY_FILE": filepath.Join(dir, "audit.key"), "VENDORRISK_SECRETS_KEY_FILE": keyFile,
		"VENDORRISK_EVIDENCE_DIR": filepath.Join(dir, "evidence"), "VENDORRISK_LOG_FORMAT": "json", "VENDORRISK_DRAIN_DELAY": "0s",
		"VENDORRISK_WEBHOOK_ALLOW_HTTP": "true", "VENDORRISK_WEBHOOK_ALLOW_PRIVATE": "true", "VENDORRISK_WEBHOOK_POLL_INTERVAL": "1h",
	}
	ep := createEndpoint(t, env, adminFile)
	secret, _ := ep["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("created %v", ep)
	}
	for _, f := range []string{"vr.db", "vr.db-wal"} {
		db, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(db, []byte(strings.TrimPrefix(secret, "whsec_"))) {
			t.Errorf("the database file %s holds the webhook secret in clear", f)
		}
	}
	right, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	refused := func(name, want string) {
		t.Helper()
		var stderr bytes.Buffer
		if code := run(t.Context(), []string{"serve"}, envFrom(env), io.Discard, &stderr); code != 1 ||
			!strings.Contains(stderr.String(), keyFile) || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: exit %d, stderr %s", name, code, stderr.String())
		}
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if err := os.WriteFile(keyFile, []byte(other+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("another key", "not the key")
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	refused("the key file gone", "removed again")
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("the key made by the refused start is still there: %v", err)
	}
	if err := os.WriteFile(keyFile, right, 0o600); err != nil {
		t.Fatal(err)
	}
	_, stop := startServe(t, env)
	stop()
}

// createEndpoint starts serve with env, creates a webhook endpoint as the admin whose key serve wrote
// to adminFile, and stops it again.
func createEndpoint(t *testing.T, env map[string]string, adminFile string) map[string]any {
	t.Helper()
	base, stop := startServe(t, env)
	defer stop()
	raw, err := os.ReadFile(adminFile)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, "POST", base+"/api/v1/webhook-endpoints", strings.TrimSpace(string(raw)),
		`{"url":"http://127.0.0.1:9/hook","event_types":["vendor.created"]}`)
}
