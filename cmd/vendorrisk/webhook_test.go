package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServe runs serve with env until the returned stop is called; it returns the API's base URL.
func startServe(t *testing.T, env map[string]string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	logs := &syncBuffer{}
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, envFrom(env), io.Discard, logs) }()
	deadline := time.Now().Add(60 * time.Second)
	addr := ""
	for addr == "" {
		for _, line := range strings.Split(logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "listening" {
				addr, _ = m["addr"].(string)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + addr, func() string {
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exit %d: %s", code, logs.String())
		}
		return logs.String()
	}
}

func call(t *testing.T, method, url, key, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, url, res.StatusCode, out)
	}
	return out
}

// TestServeDeliversWebhooksAcrossARestart: serve runs the delivery worker. An event committed by one
// process that stopped before delivering it (its worker polls once an hour) is delivered by the next
// process from the outbox; and serve stops its worker with it.
func TestServeDeliversWebhooksAcrossARestart(t *testing.T) {
	var mu sync.Mutex
	var got []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Type string `json:"type"`
		}
		_ = json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		got = append(got, b.Type+" "+r.Header.Get("webhook-id"))
		mu.Unlock()
	}))
	defer rcv.Close()
	received := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "admin-key.txt")
	env := map[string]string{
		"VENDORRISK_DB_DSN": filepath.Join(dir, "vr.db"), "VENDORRISK_ADDR": "127.0.0.1:0", "VENDORRISK_ADMIN_KEY_FILE": keyFile,
		"VENDORRISK_LOG_FORMAT": "json", "VENDORRISK_WEBHOOK_ALLOW_HTTP": "true", "VENDORRISK_WEBHOOK_ALLOW_PRIVATE": "true",
		"VENDORRISK_WEBHOOK_POLL_INTERVAL": "1h", "VENDORRISK_SECRETS_KEY_FILE": filepath.Join(dir, "secrets.key"),
	}
	base, stop := startServe(t, env)
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(raw))
	call(t, "POST", base+"/api/v1/webhook-endpoints", admin, `{"url":"`+rcv.URL+`/hook","event_types":["vendor.created"]}`)
	call(t, "POST", base+"/api/v1/vendors", admin, `{"kind":"cloud_provider","name":"Restarted"}`)
	logs := stop()
	if !strings.Contains(logs, "webhook delivery stopped") {
		t.Errorf("serve did not stop its webhook worker: %s", logs)
	}
	if n := len(received()); n != 0 {
		t.Fatalf("the first process delivered %d (its worker should not have polled again)", n)
	}

	env["VENDORRISK_WEBHOOK_POLL_INTERVAL"] = "50ms"
	_, stop = startServe(t, env)
	deadline := time.Now().Add(60 * time.Second)
	for len(received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	if r := received(); len(r) != 1 || !strings.HasPrefix(r[0], "vendor.created ") {
		t.Fatalf("after the restart the receiver got %q, want the one vendor.created", r)
	}
}

func TestWebhookConfig(t *testing.T) {
	fs, cfg, finish := newFlagSet("serve", envFrom(map[string]string{"VENDORRISK_WEBHOOK_ALLOW_PRIVATE": "true",
		"VENDORRISK_WEBHOOK_RETRY_FOR": "1h", "VENDORRISK_WEBHOOK_DISABLE_AFTER": "0"}), io.Discard)
	if err := parseFlags(fs, finish, nil); err != nil {
		t.Fatal(err)
	}
	if !cfg.WebhookAllowPrivate || cfg.WebhookAllowHTTP || cfg.Webhook.RetryFor != time.Hour || cfg.Webhook.DisableAfter != 0 ||
		cfg.Webhook.Timeout != 10*time.Second || cfg.Webhook.RetryBase != 30*time.Second {
		t.Errorf("config %+v", cfg)
	}
	for k, v := range map[string]string{"VENDORRISK_WEBHOOK_ALLOW_HTTP": "yes please", "VENDORRISK_WEBHOOK_TIMEOUT": "0s",
		"VENDORRISK_WEBHOOK_DISABLE_AFTER": "-1", "VENDORRISK_WEBHOOK_RETRY_FOR": "forever"} {
		fs, _, finish := newFlagSet("serve", envFrom(map[string]string{k: v}), io.Discard)
		if err := parseFlags(fs, finish, nil); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
