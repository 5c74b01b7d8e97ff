package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestSupplierURLFromPublicURL: supplier_url is built from the configured public URL, never from the
// request's Host, X-Forwarded-Host or X-Forwarded-Proto, which a client writes (issue #12 item 20).
func TestSupplierURLFromPublicURL(t *testing.T) {
	eachDBWith(t, api.Config{PublicURL: "https://vendorrisk.example.com/"}, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		_, eng := a.engagement(t, "Proxy Cloud KK")
		id := a.issue(t, eng).ID
		var sent api.SendResponse
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/send", a.proc, nil,
			"Host", "attacker.example", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "http"), http.StatusOK).into(t, &sent)
		if want := "https://vendorrisk.example.com/api/v1/supplier/assessments/" + id; sent.SupplierURL != want {
			t.Errorf("supplier_url %q, want %q", sent.SupplierURL, want)
		}
		if strings.Contains(sent.SupplierURL, "evil") || strings.Contains(sent.SupplierURL, "attacker") {
			t.Errorf("supplier_url %q took a client-written host", sent.SupplierURL)
		}
	})
	// Without a configured public URL the default (the default listen address) is used, still not the request's.
	e := sqliteOnly(t, api.Config{})
	a := newAsmEnv(t, e)
	_, eng := a.engagement(t, "Default URL KK")
	id := a.issue(t, eng).ID
	var sent api.SendResponse
	must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/send", a.proc, nil, "X-Forwarded-Host", "evil.example"), http.StatusOK).into(t, &sent)
	if want := api.DefaultConfig.PublicURL + "/api/v1/supplier/assessments/" + id; sent.SupplierURL != want {
		t.Errorf("supplier_url %q, want %q", sent.SupplierURL, want)
	}
}

// TestTrustedProxies: X-Forwarded-For names the client only when the connection comes from a trusted
// proxy; by default none is trusted. The failed-authentication limit shows which address counts.
func TestTrustedProxies(t *testing.T) {
	wrong := "Bearer vrk_" + strings.Repeat("d", 52)
	const proxy = "10.1.2.3:4000"
	exhaust := func(t *testing.T, e *env, xff string) {
		t.Helper()
		for range 2 {
			wantProblem(t, e.from(t, proxy, wrong, "X-Forwarded-For", xff), http.StatusUnauthorized)
		}
		wantProblem(t, e.from(t, proxy, wrong, "X-Forwarded-For", xff), http.StatusTooManyRequests)
	}
	t.Run("none trusted", func(t *testing.T) {
		e := sqliteOnly(t, api.Config{AuthFailureRate: 1, AuthFailureBurst: 2})
		exhaust(t, e, "192.0.2.1")
		// Another forwarded client behind the same connection is the same client: the proxy's.
		wantProblem(t, e.from(t, proxy, wrong, "X-Forwarded-For", "192.0.2.2"), http.StatusTooManyRequests)
	})
	t.Run("proxy trusted", func(t *testing.T) {
		e := sqliteOnly(t, api.Config{AuthFailureRate: 1, AuthFailureBurst: 2, TrustedProxies: []string{"10.0.0.0/8"}})
		exhaust(t, e, "192.0.2.1")
		// Behind a trusted proxy each forwarded client is counted on its own.
		wantProblem(t, e.from(t, proxy, wrong, "X-Forwarded-For", "192.0.2.2"), http.StatusUnauthorized)
		// A connection from outside the trusted range is not believed.
		const outsider = "198.51.100.1:1"
		for range 2 {
			wantProblem(t, e.from(t, outsider, wrong, "X-Forwarded-For", "192.0.2.3"), http.StatusUnauthorized)
		}
		wantProblem(t, e.from(t, outsider, wrong, "X-Forwarded-For", "192.0.2.4"), http.StatusTooManyRequests)
	})
}
