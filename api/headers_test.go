package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestAPIHeaders: every /api/v1 answer, success or problem, says no-store and nosniff (issue #12 item 20).
func TestAPIHeaders(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	created := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Headers")), http.StatusCreated)
	cases := []struct {
		name string
		r    resp
		want int
	}{
		{"created", created, http.StatusCreated},
		{"list", e.do(t, "GET", "/api/v1/vendors", e.admin, nil), http.StatusOK},
		{"get", e.do(t, "GET", "/api/v1/vendors/"+created.str("id"), e.admin, nil), http.StatusOK},
		{"unauthenticated", e.do(t, "GET", "/api/v1/vendors", "", nil), http.StatusUnauthorized},
		{"not found", e.do(t, "GET", "/api/v1/vendors/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b", e.admin, nil), http.StatusNotFound},
		{"no such endpoint", e.do(t, "GET", "/api/v1/no-such-thing", e.admin, nil), http.StatusNotFound},
		{"method not allowed", e.do(t, "PUT", "/api/v1/vendors", e.admin, nil), http.StatusMethodNotAllowed},
		{"validation", e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("x", "country", "XX")), http.StatusUnprocessableEntity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", tc.r.Status, tc.want, tc.r)
			}
			if got := tc.r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if got := tc.r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}

// TestContentTypeRefused: a JSON body endpoint takes application/json (and the JSON types it
// implements) in UTF-8 only; an invented +json type or another charset is 415 (issue #12 item 20).
func TestContentTypeRefused(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	for _, ct := range []string{
		"application/evil+json",
		"application/json; charset=latin1",
		"application/json; charset=iso-8859-1",
		"application/json; charset=utf-16",
		"text/plain",
		"application/json; charset", // malformed
	} {
		t.Run(ct, func(t *testing.T) {
			r := e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Refused"), "Content-Type", ct)
			wantProblem(t, r, http.StatusUnsupportedMediaType)
			wantProblem(t, e.do(t, "POST", "/api/v1/frameworks/import", e.admin, `{"catalog":{}}`, "Content-Type", ct),
				http.StatusUnsupportedMediaType)
			wantProblem(t, e.do(t, "POST", "/api/v1/questionnaire-templates/import", e.admin, `{}`, "Content-Type", ct),
				http.StatusUnsupportedMediaType)
		})
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8"} {
		t.Run(ct, func(t *testing.T) {
			must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Accepted "+ct), "Content-Type", ct), http.StatusCreated)
		})
	}
	// nothing was created by the refused requests
	list := must(t, e.do(t, "GET", "/api/v1/vendors", e.admin, nil), http.StatusOK)
	if n := len(list.items(t)); n != 3 {
		t.Errorf("%d vendors, want the 3 accepted ones", n)
	}
}

// TestMetricsToken: with a metrics token /metrics needs it as a bearer token (401 problem otherwise,
// an API key included); without one /metrics stays open (issue #12 item 20).
func TestMetricsToken(t *testing.T) {
	const token = "metrics-s3cret-0123456789"
	e := sqliteOnly(t, api.Config{MetricsToken: token})
	for _, h := range [][]string{
		nil,
		{"Authorization", "Bearer wrong-token"},
		{"Authorization", "Bearer " + token + "x"},
		{"Authorization", "Bearer " + token[:len(token)-1]},
		{"Authorization", "Basic " + token},
		{"Authorization", token},
		{"Authorization", "Bearer " + e.admin},
	} {
		r := e.do(t, "GET", "/metrics", "", nil, h...)
		wantProblem(t, r, http.StatusUnauthorized)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", h)
		}
		if strings.Contains(string(r.Raw), "vendorrisk_http_requests_total") {
			t.Errorf("%q: metrics in a 401", h)
		}
	}
	for _, auth := range []string{"Bearer " + token, "bearer " + token} {
		r := must(t, e.do(t, "GET", "/metrics", "", nil, "Authorization", auth), http.StatusOK)
		if !strings.Contains(string(r.Raw), `vendorrisk_http_requests_total{method="GET",route="/metrics",status="401"} 7`) {
			t.Errorf("%q: /metrics does not count the 7 refused scrapes: %.2000s", auth, r.Raw)
		}
	}

	open := sqliteOnly(t, api.Config{})
	r := must(t, open.do(t, "GET", "/metrics", "", nil), http.StatusOK)
	if !strings.Contains(string(r.Raw), "go_goroutines") {
		t.Errorf("open /metrics: %.500s", r.Raw)
	}
}
