package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
)

// from sends GET /api/v1/vendors with authorization from the client address addr, with extra headers.
func (e *env) from(t *testing.T, addr, authorization string, headers ...string) resp {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), "GET", "/api/v1/vendors", nil)
	req.RemoteAddr = addr
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send(t, req)
}

// TestAuthFailuresLimitedByAddress: failed authentications are limited per client address; above the
// limit the answer is 429 with Retry-After before the database is asked (issue #12 item 18).
func TestAuthFailuresLimitedByAddress(t *testing.T) {
	eachDBWith(t, api.Config{AuthFailureRate: 10, AuthFailureBurst: 20}, func(t *testing.T, e *env) {
		const attacker, other = "203.0.113.9:40000", "198.51.100.7:50000"
		wrong := "Bearer vrk_" + strings.Repeat("b", 52)
		for i := range 20 {
			if r := e.from(t, attacker, wrong); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %s, want 401 within the burst", i+1, r)
			}
		}
		r := e.from(t, attacker, wrong)
		wantProblem(t, r, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q, want 1 (10 failures per second)", r.Header.Get("Retry-After"))
		}
		// The address is limited whatever it sends: a missing header, a good key, or a forged
		// X-Forwarded-For (no proxy is trusted).
		wantProblem(t, e.from(t, attacker, ""), http.StatusTooManyRequests)
		wantProblem(t, e.from(t, attacker, "Bearer "+e.admin), http.StatusTooManyRequests)
		wantProblem(t, e.from(t, attacker, wrong, "X-Forwarded-For", "192.0.2.77", "X-Real-IP", "192.0.2.78"), http.StatusTooManyRequests)
		// Another address is not limited.
		must(t, e.from(t, other, "Bearer "+e.admin), http.StatusOK)
		wantProblem(t, e.from(t, other, wrong), http.StatusUnauthorized)
		// Good keys spend nothing: many successes from one address stay 200.
		for range 30 {
			must(t, e.from(t, other, "Bearer "+e.admin), http.StatusOK)
		}

		// A second refills 10 failures.
		e.clock.Advance(time.Second)
		for i := range 10 {
			if r := e.from(t, attacker, wrong); r.Status != http.StatusUnauthorized {
				t.Fatalf("after a second, failure %d: %s, want 401", i+1, r)
			}
		}
		wantProblem(t, e.from(t, attacker, wrong), http.StatusTooManyRequests)

		// 429 does not ask the database: with the database closed the limited address still gets
		// 429, while a wrong key from a fresh address, which must be looked up, cannot be answered 401.
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, e.from(t, attacker, wrong), http.StatusTooManyRequests)
		if r := e.from(t, "198.51.100.8:1", wrong); r.Status == http.StatusUnauthorized || r.Status == http.StatusTooManyRequests {
			t.Errorf("a fresh address with the database closed: %s, want a database error", r)
		}
	})
}

// TestAuthFailureLimitDefault: the zero Config limits failed authentications (10/s, burst 20); a
// negative rate disables the limit.
func TestAuthFailureLimitDefault(t *testing.T) {
	wrong := "Bearer vrk_" + strings.Repeat("c", 52)
	on := sqliteOnly(t, api.Config{})
	for range 20 {
		wantProblem(t, on.from(t, "203.0.113.10:1", wrong), http.StatusUnauthorized)
	}
	wantProblem(t, on.from(t, "203.0.113.10:1", wrong), http.StatusTooManyRequests)

	off := sqliteOnly(t, api.Config{AuthFailureRate: -1})
	for range 40 {
		wantProblem(t, off.from(t, "203.0.113.10:1", wrong), http.StatusUnauthorized)
	}
}
