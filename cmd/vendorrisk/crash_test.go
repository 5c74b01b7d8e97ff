package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestMain lets a test start this package's binary as a real process (to SIGKILL it): with
// VENDORRISK_TEST_EXEC=serve the test binary is the server.
func TestMain(m *testing.M) {
	if os.Getenv("VENDORRISK_TEST_EXEC") == "serve" {
		os.Exit(run(context.Background(), []string{"serve", "--migrate"}, os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is a serve process started from the test binary.
type process struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "VENDORRISK_TEST_EXEC=serve")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &syncBuffer{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.logs.Write(append(sc.Bytes(), '\n'))
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-time.After(3 * time.Minute):
		t.Fatalf("server did not start: %s", p.logs.String())
	}
	return p
}

// hookLog is a webhook receiver on loopback: what arrived, by webhook-id.
type hookLog struct {
	mu   sync.Mutex
	byID map[string]string // webhook-id → subject id
	hits int
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Subject struct{ ID string } `json:"subject"`
	}
	_ = json.NewDecoder(r.Body).Decode(&b)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hits++
	if prev, ok := h.byID[r.Header.Get("webhook-id")]; ok && prev != b.Subject.ID {
		b.Subject.ID = "CONFLICT " + prev + " " + b.Subject.ID
	}
	h.byID[r.Header.Get("webhook-id")] = b.Subject.ID
}

// subjects is how many messages were delivered about each subject (distinct webhook-ids).
func (h *hookLog) subjects() (map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for _, s := range h.byID {
		out[s]++
	}
	return out, h.hits
}

// TestWebhooksSurviveSIGKILL: writers create vendors while the server delivers vendor.created to a
// receiver; the server is killed with SIGKILL mid-load. After a restart every vendor that exists
// (including those committed but never acknowledged) is delivered exactly once as a message, every
// acknowledged vendor exists, no message names a vendor that does not exist (a write the kill
// rolled back), and the audit chain verifies.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { crashAndRestart(t, dialect) })
	}
}

func crashAndRestart(t *testing.T, dialect string) {
	rcv := &hookLog{byID: map[string]string{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "admin-key.txt")
	env := map[string]string{
		"VENDORRISK_DB_DRIVER": dialect, "VENDORRISK_DB_DSN": testdb.DSN(t, dialect), "VENDORRISK_ADDR": "127.0.0.1:0",
		"VENDORRISK_ADMIN_KEY_FILE": keyFile, "VENDORRISK_LOG_FORMAT": "json", "VENDORRISK_EVIDENCE_DIR": filepath.Join(dir, "evidence"),
		"VENDORRISK_AUDIT_KEY_FILE": filepath.Join(dir, "audit.key"), "VENDORRISK_RATE_LIMIT": "0",
		"VENDORRISK_SECRETS_KEY_FILE":   filepath.Join(dir, "secrets.key"),
		"VENDORRISK_WEBHOOK_ALLOW_HTTP": "true", "VENDORRISK_WEBHOOK_ALLOW_PRIVATE": "true",
		"VENDORRISK_WEBHOOK_POLL_INTERVAL": "20ms", "VENDORRISK_WEBHOOK_RETRY_BASE": "50ms",
		// The killed process held the endpoint's delivery lease: the next one takes it over once the lease
		// (3 × the timeout + 30 s) ran out.
		"VENDORRISK_WEBHOOK_TIMEOUT": "1s",
	}
	began := time.Now()
	first := startProcess(t, env)
	t.Logf("first process up after %v", time.Since(began))
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(raw))
	call(t, "POST", first.base+"/api/v1/webhook-endpoints", admin, `{"url":"`+srv.URL+`/hook","event_types":["vendor.created"]}`)

	acked := writeUntilKilled(t, first, admin)
	if len(acked) == 0 {
		t.Fatalf("no write was acknowledged before the kill: %s", first.logs.String())
	}
	before, _ := rcv.subjects()

	began = time.Now()
	second := startProcess(t, env)
	t.Logf("second process up after %v", time.Since(began))
	exist := vendorIDs(t, second.base, admin)
	deadline := time.Now().Add(90 * time.Second)
	for {
		got, _ := rcv.subjects()
		if len(got) >= len(exist) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // anything sent twice would arrive now
	got, hits := rcv.subjects()
	for _, id := range acked {
		if !exist[id] {
			t.Errorf("acknowledged vendor %s is gone after the kill", id)
		}
	}
	for id := range exist {
		if got[id] != 1 {
			t.Errorf("vendor %s: %d messages, want 1", id, got[id])
		}
	}
	for id := range got {
		if !exist[id] {
			t.Errorf("a message names %s, which does not exist (a change that rolled back)", id)
		}
	}
	v := call(t, "GET", second.base+"/api/v1/audit-events/verify", admin, "")
	if v["intact"] != true {
		t.Errorf("audit chain after the kill: %v", v)
	}
	t.Logf("%s: %d vendors acknowledged, %d exist, %d delivered before the kill and %d after it (%d requests to the receiver)",
		dialect, len(acked), len(exist), len(before), len(got)-len(before), hits)
}

// writeUntilKilled runs four writers against p and SIGKILLs it after a while; it returns the ids of
// the vendors whose creation was acknowledged.
func writeUntilKilled(t *testing.T, p *process, admin string) []string {
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id, err := createVendor(p.base, admin, fmt.Sprintf("Crash %d-%d", w, i))
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	wg.Wait()
	return acked
}

func createVendor(base, key, name string) (string, error) {
	req, err := http.NewRequest("POST", base+"/api/v1/vendors", strings.NewReader(`{"kind":"contractor","name":"`+name+`"}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var v struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create vendor: %d %v", res.StatusCode, err)
	}
	return v.ID, nil
}

// vendorIDs lists every vendor, following the cursor.
func vendorIDs(t *testing.T, base, key string) map[string]bool {
	out := map[string]bool{}
	cursor := ""
	for {
		page := call(t, "GET", base+"/api/v1/vendors?limit=200&cursor="+cursor, key, "")
		for _, it := range page["items"].([]any) {
			out[it.(map[string]any)["id"].(string)] = true
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}
