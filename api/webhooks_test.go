package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/outbound"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// The verifier of docs/events.md, verbatim (TestWebhookVerifierIsDocumented keeps them the same).

// verifyWebhook checks a Standard Webhooks signature; secret is the endpoint's "whsec_..." secret.
func verifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return errors.New("webhook-timestamp missing or more than 5 minutes from now")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return errors.New("no valid signature")
}

// End of the documented verifier.

func TestWebhookVerifierIsDocumented(t *testing.T) {
	src, err := os.ReadFile("webhooks_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	from := strings.Index(s, "// verifyWebhook checks")
	to := strings.Index(s, "// End of the documented verifier.")
	if from < 0 || to < from {
		t.Fatal("verifier markers not found")
	}
	if code := strings.TrimSpace(s[from:to]); !strings.Contains(string(doc), code) {
		t.Errorf("docs/events.md does not hold the tested verifier verbatim:\n%s", code)
	}
}

// received is one request a receiver answered.
type received struct {
	header http.Header
	body   []byte
	status int
}

func (r received) id() string { return r.header.Get("webhook-id") }

func (r received) event(t *testing.T) webhook.Body {
	t.Helper()
	var b webhook.Body
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("webhook body %s: %v", r.body, err)
	}
	return b
}

// receiver is a real HTTP server on loopback that records what it is sent and answers respond(n)
// to the n-th request (200 when respond is nil).
type receiver struct {
	mu      sync.Mutex
	all     []received
	respond func(n int) int
	srv     *httptest.Server
}

func newReceiver(t *testing.T, respond func(n int) int) *receiver {
	t.Helper()
	r := &receiver{respond: respond}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	status := http.StatusOK
	if r.respond != nil {
		status = r.respond(len(r.all) + 1)
	}
	r.all = append(r.all, received{header: req.Header.Clone(), body: body, status: status})
	r.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write([]byte("thanks"))
}

func (r *receiver) url() string { return r.srv.URL + "/hooks/vendorrisk" }

// hits is every request received; ok those answered 2xx.
func (r *receiver) hits() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

func (r *receiver) ok() []received {
	var out []received
	for _, x := range r.hits() {
		if x.status < 300 {
			out = append(out, x)
		}
	}
	return out
}

// open lets webhooks reach the loopback receivers of these tests.
var open = webhook.Guard{AllowHTTP: true, AllowPrivate: true}

// hookConfig retries after about 1, 2, 4, 8, 10 minutes for an hour; five failures in a row disable.
var hookConfig = webhook.Config{Timeout: 5 * time.Second, RetryBase: time.Minute, RetryMaxDelay: 10 * time.Minute,
	RetryFor: time.Hour, DisableAfter: 5, PollInterval: 20 * time.Millisecond}

// hookEnv is an env whose services check endpoint URLs with guard, and can build delivery workers.
type hookEnv struct {
	*env
	svc wiring.Services
}

func newHookEnv(t *testing.T, db *repository.DB, guard webhook.Guard) *hookEnv {
	t.Helper()
	clk := &clock{now: start}
	blobs, err := repository.NewLocalBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := wiring.WireWith(db, clk.Now, blobs, wiring.Options{Webhooks: guard, Observe: produced, Secrets: testSecrets()})
	e := &env{db: db, clock: clk, keys: svc.Keys, vendors: svc.Vendors, repo: repository.NewVendors(db),
		engagements: svc.Engagements, contracts: svc.Contracts, policies: svc.Policies, catalog: svc.Catalog,
		templates: svc.Templates, assessments: svc.Assessments, blobs: blobs, jobs: svc.Jobs}
	e.h = api.NewHandler(api.Config{DBTimeout: 30 * time.Second}, svc.APIDeps(db, testdb.Logger(), clk.Now))
	e.admin = e.key(t, auth.RoleAdmin, "")
	return &hookEnv{env: e, svc: svc}
}

func eachHookDB(t *testing.T, guard webhook.Guard, fn func(t *testing.T, h *hookEnv)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) { fn(t, newHookEnv(t, db, guard)) })
}

// worker is one replica's delivery worker, sending through the real HTTP client with guard.
func (h *hookEnv) worker(holder string, guard webhook.Guard) *webhook.Worker {
	return h.svc.WebhookWorker(h.db, holder, h.clock.Now, outbound.New(guard, hookConfig.Timeout), hookConfig, testdb.Logger())
}

func pass(t *testing.T, w *webhook.Worker) webhook.Stats {
	t.Helper()
	st, err := w.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("delivery pass: %v", err)
	}
	return st
}

// subscribe creates an endpoint and returns it with its secret.
func (h *hookEnv) subscribe(t *testing.T, url string, types ...string) api.WebhookEndpointWithSecret {
	t.Helper()
	var out api.WebhookEndpointWithSecret
	must(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, map[string]any{"url": url, "event_types": types,
		"description": "test receiver"}), http.StatusCreated).into(t, &out)
	return out
}

func (h *hookEnv) deliveries(t *testing.T, endpointID string) []api.WebhookDeliveryResponse {
	t.Helper()
	var out api.WebhookDeliveryList
	must(t, h.do(t, "GET", "/api/v1/webhook-endpoints/"+endpointID+"/deliveries?limit=200", h.admin, nil), http.StatusOK).into(t, &out)
	return out.Items
}

func (h *hookEnv) endpoint(t *testing.T, id string) api.WebhookEndpointResponse {
	t.Helper()
	var out api.WebhookEndpointResponse
	must(t, h.do(t, "GET", "/api/v1/webhook-endpoints/"+id, h.admin, nil), http.StatusOK).into(t, &out)
	return out
}

func TestWebhookDelivery(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		r := must(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, map[string]any{"url": rcv.url(),
			"event_types": []string{"vendor.*"}, "description": "CRM"}), http.StatusCreated)
		var ep api.WebhookEndpointWithSecret
		r.into(t, &ep)
		if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) < 40 || !ep.Enabled || ep.Version != 1 {
			t.Fatalf("created endpoint %+v", ep)
		}
		if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Location") != "/api/v1/webhook-endpoints/"+ep.ID {
			t.Errorf("headers %v", r.Header)
		}
		for _, path := range []string{"/api/v1/webhook-endpoints/" + ep.ID, "/api/v1/webhook-endpoints", "/api/v1/audit-events?limit=200"} {
			if got := must(t, h.do(t, "GET", path, h.admin, nil), http.StatusOK); strings.Contains(string(got.Raw), ep.Secret) ||
				strings.Contains(string(got.Raw), "whsec_") {
				t.Errorf("GET %s reveals the secret: %s", path, got)
			}
		}

		w := h.worker("replica-1", open)
		vendorID := h.newVendor(t, "Hooked Vendor")
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+vendorID, h.admin, map[string]any{"name": "Renamed Vendor"}), http.StatusOK)
		h.createEngagement(t, engagementBody(vendorID)) // engagement.*: not subscribed
		if st := pass(t, w); st.Succeeded != 2 || st.Failed != 0 {
			t.Errorf("first pass %+v, want 2 delivered", st)
		}
		pass(t, w) // nothing more: each event once
		got := rcv.hits()
		if len(got) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(got))
		}
		var types []string
		for _, g := range got {
			b := g.event(t)
			types = append(types, b.Type)
			if err := verifyWebhook(ep.Secret, g.header, g.body, h.clock.Now()); err != nil {
				t.Errorf("%s: signature does not verify: %v", b.Type, err)
			}
			if err := verifyWebhook("whsec_"+base64.StdEncoding.EncodeToString([]byte("another secret, 32 bytes long..")), g.header,
				g.body, h.clock.Now()); err == nil {
				t.Errorf("%s verifies with another secret", b.Type)
			}
			if err := verifyWebhook(ep.Secret, g.header, append(slices.Clone(g.body), ' '), h.clock.Now()); err == nil {
				t.Errorf("%s verifies with a changed body", b.Type)
			}
			if b.ID != g.id() || b.Subject.ID != vendorID || b.VendorID != vendorID || b.Version != 1 {
				t.Errorf("body %+v, webhook-id %s", b, g.id())
			}
			if g.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", g.header.Get("Content-Type"))
			}
		}
		if !slices.Equal(types, []string{"vendor.created", "vendor.updated"}) {
			t.Errorf("delivered %v, want vendor.created then vendor.updated", types)
		}
		if upd := got[1].event(t); !strings.Contains(string(upd.Changes), `"field":"name"`) || upd.Data["name"] != "Renamed Vendor" {
			t.Errorf("vendor.updated carries changes %s data %v", upd.Changes, upd.Data)
		}

		ds := h.deliveries(t, ep.ID)
		if len(ds) != 2 || ds[0].EventType != "vendor.updated" || ds[1].EventType != "vendor.created" {
			t.Fatalf("deliveries %+v", ds)
		}
		for _, d := range ds {
			if d.Status != "succeeded" || d.Attempts != 1 || len(d.History) != 1 || d.History[0].StatusCode != 200 ||
				!d.History[0].Succeeded || d.NextAttemptAt != nil || d.MessageID == "" {
				t.Errorf("delivery %+v", d)
			}
		}

		// /metrics shows the backlog (empty now) from the database.
		if m := must(t, h.do(t, "GET", "/metrics", "", nil), http.StatusOK); !strings.Contains(string(m.Raw), "vendorrisk_webhook_pending_deliveries 0") ||
			!strings.Contains(string(m.Raw), "vendorrisk_webhook_oldest_pending_seconds 0") {
			t.Errorf("/metrics lacks the webhook backlog")
		}

		// The catalog lists what can be subscribed to.
		var cat api.EventTypeList
		must(t, h.do(t, "GET", "/api/v1/event-types", h.key(t, auth.RoleAuditor, ""), nil), http.StatusOK).into(t, &cat)
		if !slices.ContainsFunc(cat.Items, func(e api.EventTypeResponse) bool { return e.Type == "vendor.updated" && e.Subject == "vendor" }) {
			t.Errorf("event types %+v lack vendor.updated", cat.Items)
		}
	})
}

func TestWebhookRetriesInOrderAndRedeliver(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, func(n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusNoContent
		})
		ep := h.subscribe(t, rcv.url(), "vendor.created")
		w := h.worker("replica-1", open)
		a, b := h.newVendor(t, "First"), h.newVendor(t, "Second")

		pass(t, w)
		pass(t, w) // the retry is not due yet, and Second waits behind First
		h.clock.Advance(time.Second)
		if m := string(must(t, h.do(t, "GET", "/metrics", "", nil), http.StatusOK).Raw); !strings.Contains(m, "vendorrisk_webhook_pending_deliveries 2") ||
			!strings.Contains(m, "vendorrisk_webhook_oldest_pending_seconds 1") {
			t.Errorf("/metrics does not show two deliveries pending for a second")
		}
		if n := len(rcv.hits()); n != 1 {
			t.Fatalf("after two passes the receiver got %d requests, want 1", n)
		}
		ds := h.deliveries(t, ep.ID)
		if len(ds) != 2 || ds[1].Status != "pending" || ds[1].NextAttemptAt == nil || !ds[1].NextAttemptAt.After(h.clock.Now()) ||
			ds[1].LastStatusCode != 500 {
			t.Fatalf("after a 500: %+v", ds)
		}
		for range 2 {
			h.clock.Advance(15 * time.Minute)
			pass(t, w)
		}
		ok := rcv.ok()
		if len(ok) != 2 || ok[0].event(t).Subject.ID != a || ok[1].event(t).Subject.ID != b {
			t.Fatalf("delivered %d, want First then Second once each", len(ok))
		}
		if n := len(rcv.hits()); n != 4 {
			t.Errorf("receiver got %d requests, want 4 (First three times, Second once)", n)
		}
		for _, g := range rcv.hits() { // each attempt is signed afresh, at its own time
			sec, _ := strconv.ParseInt(g.header.Get("webhook-timestamp"), 10, 64)
			if err := verifyWebhook(ep.Secret, g.header, g.body, time.Unix(sec, 0)); err != nil {
				t.Errorf("attempt signature: %v", err)
			}
		}
		ds = h.deliveries(t, ep.ID)
		first, second := ds[1], ds[0]
		if first.Status != "succeeded" || first.Attempts != 3 || len(first.History) != 3 {
			t.Fatalf("First's delivery %+v", first)
		}
		for i, want := range []int{500, 500, 204} {
			if at := first.History[i]; at.Number != i+1 || at.StatusCode != want || at.Succeeded != (want == 204) {
				t.Errorf("attempt %d: %+v, want status %d", i+1, at, want)
			}
		}
		if first.History[0].Error == "" || first.History[0].Response != "thanks" {
			t.Errorf("failed attempt %+v lacks its error or answer", first.History[0])
		}
		if second.Status != "succeeded" || second.Attempts != 1 {
			t.Errorf("Second's delivery %+v", second)
		}

		// Redeliver: the same message (same webhook-id) once more.
		var red api.WebhookDeliveryResponse
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/deliveries/"+second.ID+"/redeliver", h.admin, nil),
			http.StatusAccepted).into(t, &red)
		if red.Status != "pending" {
			t.Errorf("redelivery %+v", red)
		}
		pass(t, w)
		ok = rcv.ok()
		if len(ok) != 3 || ok[2].id() != ok[1].id() {
			t.Fatalf("redelivery: %d delivered, last id %s", len(ok), ok[len(ok)-1].id())
		}
		if d := h.deliveries(t, ep.ID)[0]; d.Attempts != 2 || d.Status != "succeeded" {
			t.Errorf("redelivered %+v", d)
		}
		wantProblem(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/deliveries/"+unknownID()+"/redeliver", h.admin, nil),
			http.StatusNotFound)
	})
}

func TestWebhookConnectionRefusedThenDelivered(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens: connection refused
		ep := h.subscribe(t, "http://"+addr+"/hook", "vendor.*")
		w := h.worker("replica-1", open)
		h.newVendor(t, "Refused")
		pass(t, w)
		d := h.deliveries(t, ep.ID)[0]
		if d.Status != "pending" || d.Attempts != 1 || d.History[0].StatusCode != 0 || !strings.Contains(d.History[0].Error, "refused") {
			t.Fatalf("after a refused connection: %+v", d)
		}

		ln, err = net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("cannot listen on %s again: %v", addr, err)
		}
		rcv := &receiver{}
		rcv.srv = httptest.NewUnstartedServer(http.HandlerFunc(rcv.serve))
		rcv.srv.Listener.Close()
		rcv.srv.Listener = ln
		rcv.srv.Start()
		t.Cleanup(rcv.srv.Close)
		h.clock.Advance(15 * time.Minute)
		pass(t, w)
		pass(t, w)
		if got := rcv.ok(); len(got) != 1 || got[0].event(t).Type != "vendor.created" {
			t.Fatalf("receiver got %d", len(got))
		}
		if err := verifyWebhook(ep.Secret, rcv.ok()[0].header, rcv.ok()[0].body, h.clock.Now()); err != nil {
			t.Error(err)
		}
	})
}

func TestWebhookDisabling(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		gone := newReceiver(t, func(int) int { return http.StatusGone })
		ep := h.subscribe(t, gone.url(), "vendor.created")
		w := h.worker("replica-1", open)
		h.newVendor(t, "Gone")
		pass(t, w)
		got := h.endpoint(t, ep.ID)
		if got.Enabled || !strings.Contains(got.DisabledReason, "410") || got.Version != 2 {
			t.Fatalf("after 410: %+v", got)
		}
		if ev := h.lastAuditEvent(t); ev["action"] != "webhook_endpoint.disabled" || ev["actor_role"] != "system" {
			t.Errorf("last audit event %v, want webhook_endpoint.disabled by the system", ev)
		}
		h.newVendor(t, "Not sent")
		pass(t, w)
		if n := len(gone.hits()); n != 1 {
			t.Errorf("a disabled endpoint got %d requests, want 1", n)
		}
		// Enabled again: its pending deliveries go, in order.
		got2 := must(t, h.do(t, "PATCH", "/api/v1/webhook-endpoints/"+ep.ID, h.admin, map[string]any{"enabled": true},
			"If-Match", `"2"`), http.StatusOK)
		if got2.JSON["enabled"] != true || got2.JSON["consecutive_failures"] != 0.0 {
			t.Errorf("re-enabled %s", got2)
		}

		failing := newReceiver(t, func(int) int { return http.StatusBadGateway })
		ep2 := h.subscribe(t, failing.url(), "vendor.updated")
		v := h.newVendor(t, "Flaky")
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+v, h.admin, map[string]any{"name": "Flaky 2"}), http.StatusOK)
		for range hookConfig.DisableAfter {
			pass(t, w)
			h.clock.Advance(15 * time.Minute)
		}
		got = h.endpoint(t, ep2.ID)
		if got.Enabled || got.DisabledReason != "5 consecutive failed attempts" || got.ConsecutiveFailures != 5 {
			t.Errorf("after %d failures: %+v", hookConfig.DisableAfter, got)
		}
		if n := len(failing.hits()); n != hookConfig.DisableAfter {
			t.Errorf("failing receiver got %d requests, want %d", n, hookConfig.DisableAfter)
		}
	})
}

func TestWebhookRotateTestAndValidation(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		ep := h.subscribe(t, rcv.url(), "assessment.*")
		w := h.worker("replica-1", open)
		h.newVendor(t, "Not subscribed")

		var ping api.WebhookTestResponse
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/test", h.admin, nil), http.StatusAccepted).into(t, &ping)
		pass(t, w)
		got := rcv.ok()
		if len(got) != 1 || got[0].id() != ping.MessageID || got[0].event(t).Type != "webhook.ping" {
			t.Fatalf("ping: receiver got %d", len(got))
		}

		// Rotation: during the grace period both secrets sign.
		var rot api.WebhookEndpointWithSecret
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/rotate-secret", h.admin, nil), http.StatusOK).into(t, &rot)
		if rot.Secret == ep.Secret || !strings.HasPrefix(rot.Secret, "whsec_") || rot.PreviousSecretUntil == nil ||
			!rot.PreviousSecretUntil.Equal(h.clock.Now().Add(24*time.Hour)) {
			t.Fatalf("rotated %+v", rot)
		}
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/test", h.admin, nil), http.StatusAccepted)
		pass(t, w)
		last := rcv.ok()[1]
		if n := len(strings.Fields(last.header.Get("webhook-signature"))); n != 2 {
			t.Errorf("during the grace period %d signatures, want 2", n)
		}
		for _, secret := range []string{ep.Secret, rot.Secret} {
			if err := verifyWebhook(secret, last.header, last.body, h.clock.Now()); err != nil {
				t.Errorf("grace period: %v", err)
			}
		}
		// After the grace period, or a rotation without one, only the new secret signs.
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/rotate-secret", h.admin, map[string]any{"grace_seconds": -1},
			"If-Match", `"2"`), http.StatusOK).into(t, &rot)
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/test", h.admin, nil), http.StatusAccepted)
		pass(t, w)
		last = rcv.ok()[2]
		if verifyWebhook(rot.Secret, last.header, last.body, h.clock.Now()) != nil ||
			verifyWebhook(ep.Secret, last.header, last.body, h.clock.Now()) == nil {
			t.Errorf("after a rotation without grace: signatures %q", last.header.Get("webhook-signature"))
		}

		// Changes: If-Match, validation, and the events they record (never the secret).
		wantProblem(t, h.do(t, "PATCH", "/api/v1/webhook-endpoints/"+ep.ID, h.admin, map[string]any{"description": "x"},
			"If-Match", `"1"`), http.StatusPreconditionFailed)
		r := must(t, h.do(t, "PATCH", "/api/v1/webhook-endpoints/"+ep.ID, h.admin, map[string]any{"event_types": []string{"vendor.created", "*"}}),
			http.StatusOK)
		if r.Header.Get("ETag") != `"4"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"url": rcv.url(), "event_types": []string{}}, "event_types"},
			{map[string]any{"url": rcv.url(), "event_types": []string{"Vendor Created"}}, "event_types[0]"},
			{map[string]any{"url": rcv.url(), "event_types": []string{"vendor.*", "vendor.*"}}, "event_types[1]"},
			{map[string]any{"url": "ftp://example.com/x", "event_types": []string{"*"}}, "url"},
			{map[string]any{"url": "https://user:pw@example.com/x", "event_types": []string{"*"}}, "url"},
			{map[string]any{"event_types": []string{"*"}}, "url"},
		} {
			wantProblem(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, tc.body), http.StatusUnprocessableEntity, tc.field)
		}
		items := must(t, h.do(t, "GET", "/api/v1/audit-events?limit=200&action=webhook_endpoint.", h.admin, nil), http.StatusOK).items(t)
		var actions []string
		for _, it := range items {
			actions = append(actions, it["action"].(string))
		}
		for _, want := range []string{"webhook_endpoint.created", "webhook_endpoint.tested", "webhook_endpoint.secret_rotated", "webhook_endpoint.updated"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit actions %v lack %s", actions, want)
			}
		}
		raw := must(t, h.do(t, "GET", "/api/v1/audit-events?limit=200", h.admin, nil), http.StatusOK).Raw
		if strings.Contains(string(raw), "whsec_") {
			t.Errorf("the audit trail holds a signing secret")
		}
		must(t, h.do(t, "DELETE", "/api/v1/webhook-endpoints/"+ep.ID, h.admin, nil), http.StatusNoContent)
		wantProblem(t, h.do(t, "GET", "/api/v1/webhook-endpoints/"+ep.ID+"/deliveries", h.admin, nil), http.StatusNotFound)
	})
}

func TestWebhookSSRF(t *testing.T) {
	t.Run("saved", func(t *testing.T) {
		h := newHookEnv(t, testdb.Open(t, repository.DialectSQLite), webhook.Guard{})
		for _, url := range []string{"https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data", "https://10.0.0.1/hook",
			"https://[::1]:8443/hook", "https://192.168.1.10/", "https://[::ffff:127.0.0.1]/", "http://hooks.example.com/plain-http"} {
			wantProblem(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, map[string]any{"url": url, "event_types": []string{"*"}}),
				http.StatusUnprocessableEntity, "url")
		}
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, map[string]any{"url": "https://hooks.example.com/x",
			"event_types": []string{"*"}}), http.StatusCreated)
		allowed := newHookEnv(t, testdb.Open(t, repository.DialectSQLite), open)
		for _, url := range []string{"http://127.0.0.1:9/hook", "https://10.0.0.1/hook", "https://169.254.169.254/"} {
			must(t, allowed.do(t, "POST", "/api/v1/webhook-endpoints", allowed.admin, map[string]any{"url": url,
				"event_types": []string{"*"}}), http.StatusCreated)
		}
	})
	t.Run("delivered", func(t *testing.T) {
		// A name passes when saved but resolves to loopback when dialled: refused then, unless allowed.
		guard := webhook.Guard{AllowHTTP: true}
		h := newHookEnv(t, testdb.Open(t, repository.DialectSQLite), guard)
		rcv := newReceiver(t, nil)
		_, port, _ := net.SplitHostPort(rcv.srv.Listener.Addr().String())
		ep := h.subscribe(t, "http://localhost:"+port+"/hook", "vendor.*")
		h.newVendor(t, "Rebound")
		pass(t, h.worker("strict", guard))
		d := h.deliveries(t, ep.ID)[0]
		if len(rcv.hits()) != 0 || d.Status != "pending" || !strings.Contains(d.History[0].Error, "SSRF guard") ||
			!strings.Contains(d.History[0].Error, "loopback") {
			t.Fatalf("a name resolving to loopback was not refused: hits %d, delivery %+v", len(rcv.hits()), d)
		}
		h.clock.Advance(15 * time.Minute)
		pass(t, h.worker("allowed", open))
		if len(rcv.ok()) != 1 {
			t.Errorf("with VENDORRISK_WEBHOOK_ALLOW_PRIVATE the receiver got %d", len(rcv.ok()))
		}
	})
}

// TestWebhookReplicas: two workers (two replicas, each with its own lease holder) on one database
// deliver each event exactly once between them, in order, while writes go on.
func TestWebhookReplicas(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		ep := h.subscribe(t, rcv.url(), "vendor.created")
		const n = 20
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, holder := range []string{"replica-1", "replica-2"} {
			w := h.worker(holder, open)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := w.RunOnce(t.Context()); err != nil {
						t.Errorf("%s: %v", holder, err)
					}
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
		}
		for i := range n {
			h.newVendor(t, fmt.Sprintf("Replicated %02d", i))
		}
		deadline := time.Now().Add(90 * time.Second)
		for len(rcv.hits()) < n && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // room for a duplicate, were there one
		close(stop)
		wg.Wait()
		got := rcv.hits()
		ids := map[string]int{}
		for i, g := range got {
			ids[g.id()]++
			if want := fmt.Sprintf("Replicated %02d", i); g.event(t).Data["name"] != want {
				t.Errorf("delivery %d is %v, want %s (in order)", i, g.event(t).Data["name"], want)
			}
			if err := verifyWebhook(ep.Secret, g.header, g.body, h.clock.Now()); err != nil {
				t.Error(err)
			}
		}
		if len(got) != n || len(ids) != n {
			t.Errorf("receiver got %d requests for %d distinct messages, want %d each once", len(got), len(ids), n)
		}
		if n := count(t, h.env, "SELECT COUNT(*) FROM job_leases"); n != 0 {
			t.Errorf("%d leases left behind", n)
		}
	})
}

// TestWebhookNothingForARolledBackChange: when the outbox insert fails, the whole write rolls back
// (the vendor and its audit event too) and nothing is ever delivered for it; the next write is.
func TestWebhookNothingForARolledBackChange(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "vendor.*")
		w := h.worker("replica-1", open)
		before := h.countVendors(t)
		lastSeq := h.lastAuditEvent(t)["seq"]
		h.sqlExec(t, "DELETE FROM locks WHERE name = 'outbox'") // the outbox writer's lock row: its insert fails
		wantProblem(t, h.do(t, "POST", "/api/v1/vendors", h.admin, vendorBody("Rolled Back KK")), http.StatusInternalServerError)
		if h.countVendors(t) != before || h.lastAuditEvent(t)["seq"] != lastSeq {
			t.Fatal("the failed write left its vendor or its audit event behind")
		}
		pass(t, w)
		if n := len(rcv.hits()); n != 0 {
			t.Fatalf("the receiver got %d messages for a change that rolled back", n)
		}
		h.sqlExec(t, "INSERT INTO locks (name, version) VALUES ('outbox', 0)")
		h.newVendor(t, "Committed KK")
		pass(t, w)
		got := rcv.ok()
		if len(got) != 1 || got[0].event(t).Data["name"] != "Committed KK" {
			t.Fatalf("receiver got %d messages, want only the committed vendor", len(got))
		}
	})
}

// validate checks v (decoded JSON) against the subset of JSON Schema the catalog uses: type,
// properties, required, items, additionalProperties and const. It returns the first violation.
func validate(schema map[string]any, v any, path string) string {
	if c, ok := schema["const"]; ok && c != v {
		return fmt.Sprintf("%s: %v, want %v", path, v, c)
	}
	if typ, ok := schema["type"]; ok {
		var types []any
		switch x := typ.(type) {
		case string:
			types = []any{x}
		case []any:
			types = x
		}
		kind := "null"
		switch n := v.(type) {
		case string:
			kind = "string"
		case bool:
			kind = "boolean"
		case float64:
			kind = "number"
			if n == float64(int64(n)) {
				kind = "integer"
			}
		case []any:
			kind = "array"
		case map[string]any:
			kind = "object"
		}
		if !slices.Contains(types, any(kind)) && !(kind == "integer" && slices.Contains(types, any("number"))) {
			return fmt.Sprintf("%s: %s, want %v", path, kind, types)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asSlice(schema["required"]) {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Sprintf("%s: %s is missing", path, r)
			}
		}
		for k, val := range x {
			sub, ok := props[k].(map[string]any)
			if !ok {
				sub, _ = schema["additionalProperties"].(map[string]any)
			}
			if sub != nil {
				if msg := validate(sub, val, path+"."+k); msg != "" {
					return msg
				}
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, it := range x {
				if msg := validate(items, it, fmt.Sprintf("%s[%d]", path, i)); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// TestWebhookPayloadsMatchSchemas: every message a "*" subscriber receives while the API is driven
// is of a catalogued type, and its body validates against the schema GET /event-types publishes.
func TestWebhookPayloadsMatchSchemas(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		ep := h.subscribe(t, rcv.url(), "*")
		v := h.newVendor(t, "Schema Vendor")
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+v, h.admin, map[string]any{"name": "Schema Vendor 2", "tags": []string{"x"}}), http.StatusOK)
		h.newContact(t, v, map[string]any{"name": "Hanako", "email": "hanako@example.com"})
		must(t, h.do(t, "POST", "/api/v1/vendors/"+v+"/certifications", h.admin, map[string]any{"scheme": "ismap",
			"valid_from": "2025-01-01", "valid_until": "2026-01-01"}), http.StatusCreated)
		h.link(t, v, h.newVendor(t, "Schema Sub"))
		eng := h.createEngagement(t, engagementBody(v)).ID
		must(t, h.do(t, "POST", "/api/v1/engagements/"+eng+"/tier-override", h.key(t, auth.RoleRiskOwner, ""),
			map[string]any{"tier": 1, "reason": "runs payroll"}), http.StatusOK)
		h.createContract(t, eng, contractBody())
		fid := must(t, h.do(t, "POST", "/api/v1/findings", h.admin, map[string]any{"engagement_id": eng, "title": "No MFA",
			"severity": "high"}), http.StatusCreated).str("id")
		sup := h.key(t, auth.RoleSupplier, v)
		for _, judge := range []string{"reject", "accept"} {
			must(t, h.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", sup, map[string]any{"response": "Plan",
				"plans": []map[string]any{{"type": "corrective", "description": "Enable MFA"}}}), http.StatusOK)
			must(t, h.do(t, "POST", "/api/v1/findings/"+fid+"/remediation-plan/"+judge, h.admin, map[string]any{"reason": "too late"}), http.StatusOK)
		}
		must(t, h.do(t, "POST", "/api/v1/vendors/import", h.admin, fileUpload("v.csv", []byte("name,kind\nSchema Import,contractor\n"))),
			http.StatusOK)
		must(t, h.do(t, "POST", "/api/v1/api-keys", h.admin, map[string]any{"role": "auditor"}), http.StatusCreated)
		must(t, h.do(t, "PATCH", "/api/v1/webhook-endpoints/"+ep.ID, h.admin, map[string]any{"description": "all"}), http.StatusOK)
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/test", h.admin, nil), http.StatusAccepted)
		w := h.worker("replica-1", open)
		for range 3 {
			pass(t, w)
		}
		r := must(t, h.do(t, "GET", "/api/v1/event-types", h.admin, nil), http.StatusOK)
		schemas := map[string]map[string]any{}
		for _, it := range r.items(t) {
			schemas[it["type"].(string)] = it["schema"].(map[string]any)
		}
		seen := map[string]bool{}
		for _, g := range rcv.hits() {
			var body map[string]any
			if err := json.Unmarshal(g.body, &body); err != nil {
				t.Fatal(err)
			}
			typ, _ := body["type"].(string)
			seen[typ] = true
			schema, ok := schemas[typ]
			if !ok {
				t.Errorf("%s is not in GET /event-types", typ)
				continue
			}
			if msg := validate(schema, body, typ); msg != "" {
				t.Errorf("%s does not match its schema: %s", typ, msg)
			}
		}
		// The check has teeth: a wrong type or a missing field is caught.
		bad := map[string]any{"id": "x", "type": "vendor.created", "version": 1.0, "timestamp": "t",
			"subject": map[string]any{"type": "vendor", "id": "x"}, "data": map[string]any{"name": 5.0}}
		if validate(schemas["vendor.created"], bad, "bad") == "" {
			t.Error("a vendor.created whose data lacks fields and has a numeric name validates")
		}
		for _, want := range []string{"vendor.created", "vendor.updated", "vendor.contact.created", "vendor.certification.created",
			"vendor.subcontractor.linked", "engagement.created", "engagement.tier_overridden", "engagement.tier_changed",
			"contract.created", "api_key.created", "webhook_endpoint.updated", "webhook_endpoint.tested", "webhook.ping",
			"remediation_plan.proposed", "remediation_plan.rejected", "remediation_plan.accepted", "import.completed"} {
			if !seen[want] {
				t.Errorf("no %s delivered (got %v)", want, seen)
			}
		}
	})
}

// TestWebhookRetention: after the retention, delivered messages and their history are purged; a
// message a pending delivery still needs stays, and is still delivered.
func TestWebhookRetention(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		ok := newReceiver(t, nil)
		down := true
		var mu sync.Mutex
		flaky := newReceiver(t, func(int) int {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		h.subscribe(t, ok.url(), "vendor.created")
		slow := h.subscribe(t, flaky.url(), "vendor.updated")
		v := h.newVendor(t, "Old News")
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+v, h.admin, map[string]any{"name": "Old News 2"}), http.StatusOK)
		w := h.svc.WebhookWorker(h.db, "replica-1", h.clock.Now, outbound.New(open, time.Second),
			webhook.Config{RetryBase: time.Minute, RetryFor: 90 * 24 * time.Hour, Retention: 30 * 24 * time.Hour}, testdb.Logger())
		pass(t, w)
		if len(ok.ok()) != 1 || len(flaky.ok()) != 0 {
			t.Fatalf("before the purge: %d and %d delivered", len(ok.ok()), len(flaky.ok()))
		}
		before := count(t, h.env, "SELECT COUNT(*) FROM outbox")
		h.clock.Advance(31 * 24 * time.Hour)
		n, err := w.Purge(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		after := count(t, h.env, "SELECT COUNT(*) FROM outbox")
		if n == 0 || after != before-int(n) || after != 1 {
			t.Errorf("purged %d of %d messages, %d left; want all but the pending vendor.updated", n, before, after)
		}
		if d := count(t, h.env, "SELECT COUNT(*) FROM webhook_deliveries"); d != 1 {
			t.Errorf("%d deliveries left, want the pending one", d)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		pass(t, w)
		if got := flaky.ok(); len(got) != 1 || got[0].event(t).Type != "vendor.updated" {
			t.Errorf("the pending message was not delivered after the purge")
		}
		if len(h.deliveries(t, slow.ID)) != 1 {
			t.Error("the delivered message's history went with the purge too early")
		}
	})
}

// TestCertificateNotices: the sweep announces a certificate 30 days before its last valid day and
// when it passed, each once (across passes and replicas), as events webhooks receive; a renewed
// certificate is announced again.
func TestCertificateNotices(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "vendor.certification.*")
		v := h.newVendor(t, "Certified")
		cert := h.seedCertification(t, v, "2024-04-01", start.AddDate(0, 0, 40).Format(time.DateOnly))
		h.seedCertification(t, v, "2024-04-01", "2030-01-01") // far off: never announced
		w := h.worker("replica-1", open)
		sweep := func(holder string) {
			t.Helper()
			if _, err := h.svc.Sweeper(h.db, holder, h.clock.Now, testdb.Logger()).RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			pass(t, w)
		}
		types := func() []string {
			var out []string
			for _, g := range rcv.ok() {
				b := g.event(t)
				if b.Subject.ID != cert {
					t.Errorf("notice about %s", b.Subject.ID)
				}
				out = append(out, b.Type)
			}
			return out
		}
		sweep("a")
		if got := types(); len(got) != 0 {
			t.Fatalf("40 days ahead: %v", got)
		}
		h.clock.Advance(11 * 24 * time.Hour) // 29 days ahead
		sweep("a")
		sweep("b")
		if got := types(); !slices.Equal(got, []string{"vendor.certification.expiring"}) {
			t.Fatalf("29 days ahead: %v, want one expiring", got)
		}
		if b := rcv.ok()[0].event(t); b.Data["days_left"] != 29.0 || b.Reason == "" || b.VendorID != v {
			t.Errorf("expiring %+v", b)
		}
		h.clock.Advance(30 * 24 * time.Hour)
		sweep("b")
		sweep("a")
		if got := types(); !slices.Equal(got, []string{"vendor.certification.expiring", "vendor.certification.expired"}) {
			t.Fatalf("after expiry: %v", got)
		}
		// Renewed: the new expiry date is announced in its turn.
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+v+"/certifications/"+cert, h.admin,
			map[string]any{"valid_until": h.clock.Now().AddDate(0, 0, 10).Format(time.DateOnly)}), http.StatusOK)
		sweep("a")
		if got := types(); len(got) != 4 || got[2] != "vendor.certification.updated" || got[3] != "vendor.certification.expiring" {
			t.Errorf("after renewal: %v", got)
		}
		if ev := h.lastAuditEvent(t); ev["actor_role"] != "system" {
			t.Errorf("notices recorded by %v, want the system", ev["actor_role"])
		}
	})
}

// TestReviewNotices: an engagement's periodic review is announced when due within 30 days and when
// overdue, each once per review date.
func TestReviewNotices(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "engagement.review_due", "engagement.review_overdue")
		eng := h.createEngagement(t, engagementBody(h.newVendor(t, "Reviewed"))).ID
		ended := h.createEngagement(t, engagementBody(h.newVendor(t, "Gone"))).ID
		due := start.AddDate(0, 0, 20)
		h.sqlExec(t, "UPDATE engagements SET next_review_on = ? WHERE id IN (?, ?)", time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC), eng, ended)
		h.sqlExec(t, "UPDATE engagements SET status = 'ended' WHERE id = ?", ended)
		w := h.worker("replica-1", open)
		sweep := func() {
			t.Helper()
			if _, err := h.svc.Sweeper(h.db, "a", h.clock.Now, testdb.Logger()).RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			pass(t, w)
		}
		sweep()
		sweep()
		h.clock.Advance(25 * 24 * time.Hour)
		sweep()
		sweep()
		var got []string
		for _, g := range rcv.ok() {
			b := g.event(t)
			if b.Subject.ID != eng {
				t.Errorf("notice about %s (ended engagements are not reviewed)", b.Subject.ID)
			}
			got = append(got, b.Type+" "+fmt.Sprint(b.Data["days_left"]))
		}
		if !slices.Equal(got, []string{"engagement.review_due 20", "engagement.review_overdue -5"}) {
			t.Errorf("delivered %v", got)
		}
	})
}

// TestContractNoticeDeadlines: the last day to give notice on a contract (its end less the notice
// days) is announced when near and when passed, each once; a contract without an end is not.
func TestContractNoticeDeadlines(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "contract.notice_deadline_near", "contract.notice_deadline_passed")
		eng := h.createEngagement(t, engagementBody(h.newVendor(t, "Contracted"))).ID
		ends := start.AddDate(0, 0, 100).Format(time.DateOnly) // notice 90 days before: 10 days from now
		c := h.createContract(t, eng, contractBody("ends_on", ends, "notice_days", 90, "auto_renew", true)).ID
		h.createContract(t, eng, contractBody("title", "Open-ended"))
		w := h.worker("replica-1", open)
		sweep := func() {
			t.Helper()
			if _, err := h.svc.Sweeper(h.db, "a", h.clock.Now, testdb.Logger()).RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			pass(t, w)
		}
		sweep()
		sweep()
		h.clock.Advance(15 * 24 * time.Hour)
		sweep()
		sweep()
		var got []string
		for _, g := range rcv.ok() {
			b := g.event(t)
			if b.Subject.ID != c || b.Data["auto_renew"] != true {
				t.Errorf("notice %+v", b)
			}
			got = append(got, b.Type+" "+fmt.Sprint(b.Data["days_left"]))
		}
		if !slices.Equal(got, []string{"contract.notice_deadline_near 10", "contract.notice_deadline_passed -5"}) {
			t.Errorf("delivered %v", got)
		}
	})
}

// TestAssessmentAndRemediationReminders: an assessment waiting on the supplier is reminded 7, 3 and
// 1 days before it is due (a late sweep sends only the latest) and announced overdue, each once; a
// remediation item not yet done is announced overdue once; what is not waiting is left alone.
func TestAssessmentAndRemediationReminders(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "assessment.reminder", "assessment.overdue", "assessment.escalated", "remediation.overdue")
		f := h.fixture(t)
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+f.vendor, h.admin, map[string]any{"internal_owner": "Ken Sato"}), http.StatusOK)
		h.assessmentFixture(t, &f) // due 2025-06-30: one draft, one sent, one submitted
		eng := h.createEngagement(t, engagementBody(f.vendor)).ID
		fnd := must(t, h.do(t, "POST", "/api/v1/findings", h.admin, map[string]any{"engagement_id": eng, "title": "No MFA",
			"severity": "high"}), http.StatusCreated).str("id")
		rem := must(t, h.do(t, "POST", "/api/v1/findings/"+fnd+"/remediations", h.admin, map[string]any{"type": "corrective",
			"owner": "supplier", "description": "Enable MFA"}), http.StatusCreated)
		remDue, err := time.Parse(time.DateOnly, rem.str("due_date"))
		if err != nil {
			t.Fatalf("remediation due date %q: %v", rem.str("due_date"), err)
		}
		w := h.worker("replica-1", open)
		sweepAt := func(day string) {
			t.Helper()
			at, _ := time.Parse(time.DateOnly, day)
			h.clock.Advance(at.Add(9 * time.Hour).Sub(h.clock.Now()))
			for range 2 {
				if _, err := h.svc.Sweeper(h.db, "a", h.clock.Now, testdb.Logger()).RunOnce(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			pass(t, w)
		}
		// The supplier sees what it must still do, and by when: the sent assessment (not the draft, not
		// the submitted one) and the remediation item it owns.
		sup := h.key(t, auth.RoleSupplier, f.vendor)
		var pending api.SupplierReminderList
		must(t, h.do(t, "GET", "/api/v1/supplier/reminders", sup, nil), http.StatusOK).into(t, &pending)
		var kinds []string
		for _, it := range pending.Items {
			kinds = append(kinds, it.Kind+" "+it.ID)
		}
		slices.Sort(kinds)
		want := []string{"assessment " + f.asSent, "remediation " + rem.str("id")}
		slices.Sort(want)
		if !slices.Equal(kinds, want) {
			t.Errorf("supplier reminders %v, want %v", kinds, want)
		}
		wantProblem(t, h.do(t, "GET", "/api/v1/supplier/reminders", h.admin, nil), http.StatusForbidden)
		if other := h.key(t, auth.RoleSupplier, f.other); len(must(t, h.do(t, "GET", "/api/v1/supplier/reminders", other, nil),
			http.StatusOK).items(t)) != 0 {
			t.Error("another vendor's supplier sees these reminders")
		}
		sweepAt("2025-06-20") // 10 days ahead: nothing
		sweepAt("2025-06-24") // 6 days: the 7-day reminder
		sweepAt("2025-06-29") // 1 day: the 3-day reminder was missed, the 1-day one goes
		sweepAt("2025-07-02") // overdue
		sweepAt("2025-07-08") // 8 days overdue: escalated, naming the owners
		sweepAt("2025-07-20")
		var got []string
		for _, g := range rcv.ok() {
			b := g.event(t)
			if b.Type == "remediation.overdue" {
				continue
			}
			if b.Subject.ID != f.asSent || b.VendorID != f.vendor {
				t.Errorf("%s about %s, want only the sent assessment", b.Type, b.Subject.ID)
			}
			got = append(got, b.Type+" "+fmt.Sprint(b.Data["days_left"]))
			if b.Type == "assessment.escalated" && (b.Data["internal_owner"] != "Ken Sato" || !strings.Contains(b.Reason, "Ken Sato")) {
				t.Errorf("escalation does not name the vendor's internal owner: %+v", b)
			}
		}
		if !slices.Equal(got, []string{"assessment.reminder 6", "assessment.reminder 1", "assessment.overdue -2", "assessment.escalated -8"}) {
			t.Errorf("assessment notices %v", got)
		}
		sweepAt(remDue.AddDate(0, 0, 1).Format(time.DateOnly))
		sweepAt(remDue.AddDate(0, 0, 3).Format(time.DateOnly))
		n := 0
		for _, g := range rcv.ok() {
			if b := g.event(t); b.Type == "remediation.overdue" {
				n++
				if b.Subject.ID != rem.str("id") || b.Data["finding_id"] != fnd {
					t.Errorf("remediation.overdue %+v", b)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d remediation.overdue, want 1", n)
		}
	})
}
