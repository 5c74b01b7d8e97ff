package api_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// trickle opens a raw connection and sends a request whose body arrives one byte per second, as a
// hostile or very slow client would; it returns a function that hangs up.
func trickle(t *testing.T, addr, method, path, key, contentType string, length int) func() {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		method, path, addr, key, contentType, length)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if _, err := conn.Write([]byte("{")); err != nil {
				return
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		_ = conn.Close()
		wg.Wait()
	}
}

// Clients that send their bodies slowly hold no transaction: while 25 of them trickle bodies to
// supplier answers, evidence upload and vendor create, another client's creates still take well
// under a second each (before, the request's transaction, and on SQLite the write lock, was taken
// before the body was read).
func TestSlowBodiesDoNotBlockWrites(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		srv := httptest.NewServer(e.h)
		t.Cleanup(srv.Close)
		addr := srv.Listener.Addr().String()
		vendorID := e.newVendor(t, "Slow Supplier KK")
		supplier := e.key(t, auth.RoleSupplier, vendorID)
		otherProcurement := e.key(t, auth.RoleProcurement, "")
		procurement := e.key(t, auth.RoleProcurement, "")

		targets := []struct{ method, path, key, ctype string }{
			{"PUT", "/api/v1/supplier/assessments/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b/answers", supplier, "application/json"},
			{"POST", "/api/v1/supplier/assessments/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b/evidence", supplier, "multipart/form-data; boundary=x"},
			{"POST", "/api/v1/vendors", otherProcurement, "application/json"},
		}
		var hangUps []func()
		for i := range 25 {
			tg := targets[i%len(targets)]
			hangUps = append(hangUps, trickle(t, addr, tg.method, tg.path, tg.key, tg.ctype, 4096))
		}
		t.Cleanup(func() {
			for _, h := range hangUps {
				h()
			}
		})
		time.Sleep(300 * time.Millisecond) // every trickling request has reached the handler chain

		client := srv.Client()
		for i := range 20 {
			body := fmt.Sprintf(`{"kind":"contractor","name":"Fast Vendor %d","country":"JP"}`, i)
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/vendors", bytes.NewBufferString(body))
			req.Header.Set("Authorization", "Bearer "+procurement)
			req.Header.Set("Content-Type", "application/json")
			began := time.Now()
			res, err := client.Do(req)
			took := time.Since(began)
			if err != nil {
				t.Fatalf("create %d: %v", i, err)
			}
			_ = res.Body.Close()
			if res.StatusCode != http.StatusCreated || took > time.Second {
				t.Fatalf("create %d while 25 clients trickle: status %d after %s, want 201 in under 1s", i, res.StatusCode, took)
			}
		}
	})
}

// One credential cannot hold more than MaxInFlightPerKey requests at once: the next one is 429 with
// Retry-After, and another credential is unaffected.
func TestInFlightCapPerCredential(t *testing.T) {
	e := sqliteOnly(t, api.Config{MaxInFlightPerKey: 2})
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	greedy := e.key(t, auth.RoleProcurement, "")
	for range 2 {
		t.Cleanup(trickle(t, addr, "POST", "/api/v1/vendors", greedy, "application/json", 4096))
	}
	time.Sleep(300 * time.Millisecond)
	r := e.do(t, "GET", "/api/v1/vendors", greedy, nil)
	wantProblem(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	must(t, e.do(t, "GET", "/api/v1/vendors", e.key(t, auth.RoleProcurement, ""), nil), http.StatusOK)
}
