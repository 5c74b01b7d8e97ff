package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

func TestRequestID(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	cases := []struct {
		name, sent string
		echoed     bool
	}{
		{"uuid", "0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b", true},
		{"token", "trace.abc_DEF:42-x", true},
		{"128 characters", strings.Repeat("a", 128), true},
		{"129 characters", strings.Repeat("a", 129), false},
		{"spaces", "two words", false},
		{"markup", "<script>", false},
		{"newline attempt", "abc%0d%0aSet-Cookie:x", false},
		{"absent", "", false},
	}
	for _, tc := range cases {
		for _, path := range []string{"/healthz", "/api/v1/vendors", "/api/v1/unknown"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				var h []string
				if tc.sent != "" {
					h = []string{"X-Request-ID", tc.sent}
				}
				r := e.do(t, "GET", path, e.admin, nil, h...)
				got := r.Header.Get("X-Request-ID")
				if tc.echoed && got != tc.sent {
					t.Errorf("X-Request-ID %q, want the client's %q", got, tc.sent)
				}
				if !tc.echoed && (got == tc.sent || !domain.ValidID(got)) {
					t.Errorf("X-Request-ID %q for the client's %q, want a fresh id", got, tc.sent)
				}
				if r.JSON["request_id"] != nil && r.str("request_id") != got {
					t.Errorf("problem request_id %q, header %q", r.str("request_id"), got)
				}
			})
		}
	}
	// Two requests without an id get different ids.
	a := e.do(t, "GET", "/healthz", "", nil).Header.Get("X-Request-ID")
	b := e.do(t, "GET", "/healthz", "", nil).Header.Get("X-Request-ID")
	if a == b {
		t.Errorf("two requests share the id %q", a)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, path := range []string{"/healthz", "/readyz"} {
			r := must(t, e.do(t, "GET", path, "", nil), http.StatusOK)
			if r.str("status") != "ok" {
				t.Errorf("%s: %s", path, r)
			}
		}

		v := e.newVendor(t, "Observed")
		must(t, e.do(t, "GET", "/api/v1/vendors/"+v, e.admin, nil), http.StatusOK)
		must(t, e.do(t, "GET", "/api/v1/vendors/"+v, e.admin, nil), http.StatusOK)
		e.do(t, "GET", "/api/v1/vendors/"+unknownID(), e.admin, nil)
		e.do(t, "GET", "/api/v1/no-such-route/"+v, e.admin, nil)

		r := must(t, e.do(t, "GET", "/metrics", "", nil), http.StatusOK)
		body := string(r.Raw)
		for _, want := range []string{
			`vendorrisk_http_requests_total{method="GET",route="/api/v1/vendors/:id",status="200"} 2`,
			`vendorrisk_http_requests_total{method="GET",route="/api/v1/vendors/:id",status="404"} 1`,
			`vendorrisk_http_requests_total{method="POST",route="/api/v1/vendors",status="201"} 1`,
			`vendorrisk_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
			`vendorrisk_http_request_duration_seconds_bucket{method="GET",route="/api/v1/vendors/:id",status="200",le=`,
			`go_sql_max_open_connections{db_name="vendorrisk"}`,
			`go_sql_open_connections{db_name="vendorrisk"}`,
			`go_sql_wait_count_total{db_name="vendorrisk"}`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Labels are route templates, never raw paths (unbounded cardinality).
		if strings.Contains(body, v) {
			t.Errorf("/metrics holds a raw path with an id")
		}

		// Not ready once the database is gone.
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, e.do(t, "GET", "/readyz", "", nil), http.StatusServiceUnavailable)
		must(t, e.do(t, "GET", "/healthz", "", nil), http.StatusOK)
	})
}

func TestRateLimit(t *testing.T) {
	e := sqliteOnly(t, api.Config{RateLimit: 1, RateBurst: 2})
	other := e.key(t, auth.RoleAuditor, "")
	for range 2 {
		must(t, e.do(t, "GET", "/api/v1/vendors", e.admin, nil), http.StatusOK)
	}
	r := e.do(t, "GET", "/api/v1/vendors", e.admin, nil)
	wantProblem(t, r, http.StatusTooManyRequests)
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1 (one request per second)", got)
	}
	// Limits are per credential.
	must(t, e.do(t, "GET", "/api/v1/vendors", other, nil), http.StatusOK)
	// The bucket refills with time: one second gives one request.
	e.clock.Advance(time.Second)
	must(t, e.do(t, "GET", "/api/v1/vendors", e.admin, nil), http.StatusOK)
	wantProblem(t, e.do(t, "GET", "/api/v1/vendors", e.admin, nil), http.StatusTooManyRequests)
	// The probes are not limited.
	for range 5 {
		must(t, e.do(t, "GET", "/healthz", "", nil), http.StatusOK)
	}
}
