package outbound_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/outbound"
)

func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestGuardRefusesInternalTargets: literal internal addresses, and a name that resolves to loopback,
// are refused before any byte is sent, unless private targets are allowed.
func TestGuardRefusesInternalTargets(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	strict := outbound.New(webhook.Guard{AllowHTTP: true}, 5*time.Second)
	for _, url := range []string{srv.URL, "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hook",
		"http://localhost:" + port + "/hook", "http://[::1]:" + port + "/"} {
		began := time.Now()
		_, err := strict.Send(t.Context(), webhook.Request{URL: url, Body: []byte(`{}`)})
		if !errors.Is(err, outbound.ErrBlocked) {
			t.Errorf("%s: %v, want blocked", url, err)
		}
		if time.Since(began) > 2*time.Second {
			t.Errorf("%s: refusing took %s (it must not try to connect)", url, time.Since(began))
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver was reached %d times", hits.Load())
	}
	open := outbound.New(webhook.Guard{AllowHTTP: true, AllowPrivate: true}, 5*time.Second)
	for _, url := range []string{srv.URL, "http://localhost:" + port + "/hook"} {
		res, err := open.Send(t.Context(), webhook.Request{URL: url, Body: []byte(`{}`)})
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Errorf("allowed %s: %d %v", url, res.StatusCode, err)
		}
	}
	if _, err := outbound.New(webhook.Guard{AllowPrivate: true}, time.Second).Send(t.Context(),
		webhook.Request{URL: srv.URL}); !errors.Is(err, outbound.ErrBlocked) {
		t.Errorf("plain http without AllowHTTP: %v", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	target, targetHits := server(t, func(w http.ResponseWriter, _ *http.Request) {})
	redirect, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	c := outbound.New(webhook.Guard{AllowHTTP: true, AllowPrivate: true}, 5*time.Second)
	res, err := c.Send(t.Context(), webhook.Request{URL: redirect.URL, Body: []byte(`{}`)})
	if err != nil || res.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("redirect: %d %v, want the 307 itself", res.StatusCode, err)
	}
	if targetHits.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	slow, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := outbound.New(webhook.Guard{AllowHTTP: true, AllowPrivate: true}, 300*time.Millisecond)
	began := time.Now()
	_, err := c.Send(t.Context(), webhook.Request{URL: slow.URL, Body: []byte(`{}`)})
	if err == nil || time.Since(began) > 10*time.Second {
		t.Errorf("a receiver that never answers: err %v after %s", err, time.Since(began))
	}
}
