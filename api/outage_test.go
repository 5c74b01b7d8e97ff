package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/tcpproxy"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// With MySQL behind a proxy that first stops forwarding (a frozen server) and then drops every
// connection (a dead one), requests answer 503 problem+json with Retry-After within the database
// deadline, /readyz is 503 within 2 s, both recover within 5 s of the database coming back, and
// every write that was acknowledged is still there.
func TestDatabaseOutageIsAFast503(t *testing.T) {
	dsn := testdb.DSN(t, repository.DialectMySQL)
	direct, err := repository.Open(t.Context(), repository.DialectMySQL, dsn, repository.DefaultPool(repository.DialectMySQL), testdb.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = direct.Close() })
	m, err := repository.NewMigrator(direct)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(t.Context()); err != nil {
		t.Fatal(err)
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := tcpproxy.Start(t, cfg.Addr)
	cfg.Addr = proxy.Addr()
	cfg.Timeout = time.Second
	viaProxy, err := repository.Open(t.Context(), repository.DialectMySQL, cfg.FormatDSN(), repository.DefaultPool(repository.DialectMySQL), testdb.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = viaProxy.Close() })

	const deadline = time.Second
	e := newEnv(t, viaProxy, api.Config{DBTimeout: deadline})
	key := e.key(t, auth.RoleProcurement, "")
	var acknowledged []string
	create := func(name string) resp {
		r := e.do(t, "POST", "/api/v1/vendors", key, map[string]any{"kind": "contractor", "name": name, "country": "JP"})
		if r.Status == http.StatusCreated {
			acknowledged = append(acknowledged, r.str("id"))
		}
		return r
	}
	must(t, create("Before the outage KK"), http.StatusCreated)

	unavailable := func(stage string) {
		t.Helper()
		for _, call := range []struct{ method, path string }{{"GET", "/api/v1/vendors"}, {"POST", "/api/v1/vendors"}, {"GET", "/readyz"}} {
			began := time.Now()
			var r resp
			if call.method == "POST" {
				r = create(stage + " KK")
			} else {
				r = e.do(t, call.method, call.path, key, nil)
			}
			took := time.Since(began)
			limit := 2 * deadline
			if call.path == "/readyz" {
				limit = 2 * time.Second
			}
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Content-Type") != "application/problem+json" ||
				r.Header.Get("Retry-After") == "" || took > limit {
				t.Fatalf("%s: %s %s answered %d (%s, Retry-After %q) after %s; want a 503 problem with Retry-After within %s",
					stage, call.method, call.path, r.Status, r.Header.Get("Content-Type"), r.Header.Get("Retry-After"), took, limit)
			}
		}
	}
	recovers := func(stage string) {
		t.Helper()
		began := time.Now()
		for e.do(t, "GET", "/readyz", "", nil).Status != http.StatusOK {
			if time.Since(began) > 5*time.Second {
				t.Fatalf("%s: /readyz not 200 within 5 s of recovery", stage)
			}
			time.Sleep(100 * time.Millisecond)
		}
		must(t, create(fmt.Sprintf("After %s KK", stage)), http.StatusCreated)
	}

	proxy.Freeze()
	unavailable("frozen")
	proxy.Restore(t)
	recovers("freeze")

	proxy.Cut()
	unavailable("cut")
	proxy.Restore(t)
	recovers("cut")

	// Every acknowledged create is in the database (read directly, not through the proxy).
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	vendors := repository.NewVendors(direct)
	for _, id := range acknowledged {
		if _, err := vendors.Get(ctx, id); err != nil {
			t.Errorf("acknowledged vendor %s lost: %v", id, err)
		}
	}
	if len(acknowledged) != 3 {
		t.Errorf("acknowledged %d creates, want 3 (before, after the freeze, after the cut)", len(acknowledged))
	}
}
