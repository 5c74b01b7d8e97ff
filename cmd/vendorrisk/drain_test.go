package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestReadinessFailsWhileDraining: after SIGTERM (the context ends) /readyz answers 503 at once while
// the process still serves (/healthz 200) for the drain delay; then it stops.
func TestReadinessFailsWhileDraining(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"VENDORRISK_DB_DSN": filepath.Join(dir, "vr.db"), "VENDORRISK_ADDR": "127.0.0.1:0",
		"VENDORRISK_ADMIN_KEY_FILE": filepath.Join(dir, "key"), "VENDORRISK_LOG_FORMAT": "json",
		"VENDORRISK_EVIDENCE_DIR": filepath.Join(dir, "evidence"), "VENDORRISK_DRAIN_DELAY": "1500ms",
		"VENDORRISK_SECRETS_KEY_FILE": filepath.Join(dir, "secrets.key"),
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, envFrom(env), io.Discard, logs) }()
	var addr string
	// Generous: loading the built-in catalogs under -race on a loaded 2-CPU machine takes a while.
	for deadline := time.Now().Add(3 * time.Minute); addr == ""; {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				addr = l.Addr
			}
		}
		if time.Now().After(deadline) {
			out := logs.String()
			t.Fatalf("server did not start: %s", out[max(0, len(out)-2000):])
		}
		time.Sleep(20 * time.Millisecond)
	}
	status := func(path string) int {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Fatalf("/readyz before SIGTERM: %d", got)
	}
	stopped := time.Now()
	cancel()
	for !strings.Contains(logs.String(), "draining") {
		time.Sleep(5 * time.Millisecond)
	}
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d, want 503", got)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz while draining: %d, want 200 (still serving)", got)
	}
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, logs.String())
	}
	if d := time.Since(stopped); d < 1500*time.Millisecond {
		t.Errorf("stopped %v after SIGTERM, before the 1.5 s drain delay", d)
	}
}

// TestReplicaShare: each of N replicas enforces 1/N of the per-credential and per-address rate
// limits (rounded up bursts, at least 1); the in-flight cap is per replica; one replica keeps all.
func TestReplicaShare(t *testing.T) {
	base := api.Config{RateLimit: 50, MaxInFlightPerKey: 8}
	if got := replicaShare(base, 1); got.RateLimit != 50 || got.RateBurst != 0 || got.AuthFailureRate != 0 {
		t.Errorf("one replica: %+v", got)
	}
	got := replicaShare(base, 3)
	if got.RateLimit*3 != 50 || got.RateBurst != 34 || got.AuthFailureRate*3 != 10 || got.AuthFailureBurst != 7 || got.MaxInFlightPerKey != 8 {
		t.Errorf("three replicas: rate %v burst %d, auth failures %v burst %d, in flight %d",
			got.RateLimit, got.RateBurst, got.AuthFailureRate, got.AuthFailureBurst, got.MaxInFlightPerKey)
	}
	if got := replicaShare(api.Config{RateLimit: 0}, 4); got.RateLimit != 0 {
		t.Errorf("a disabled limit stays disabled: %v", got.RateLimit)
	}
	if got := replicaShare(api.Config{RateLimit: 1, RateBurst: 2}, 500); got.RateBurst != 1 {
		t.Errorf("burst %d, want at least 1", got.RateBurst)
	}
}
