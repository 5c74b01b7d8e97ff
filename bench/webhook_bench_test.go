package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/outbound"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

var loopback = webhook.Guard{AllowHTTP: true, AllowPrivate: true}

// receiverCount is a loopback receiver that counts what it gets.
func receiverCount(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
	}))
	b.Cleanup(srv.Close)
	return srv, &n
}

// BenchmarkWebhookWrite measures PATCH /api/v1/vendors/{id} (the change, its audit event and its
// outbox row, one transaction) with no outbox (the baseline), with the outbox and no endpoint, and
// with 5 subscribed endpoints while a delivery worker sends to them (on loopback) meanwhile.
// benchSecrets seals the endpoints' secrets as production does.
func benchSecrets(b *testing.B) *repository.SecretBox {
	b.Helper()
	box, err := repository.NewSecretBox(make([]byte, repository.SecretKeySize), "bench secrets key")
	if err != nil {
		b.Fatal(err)
	}
	return box
}

func BenchmarkWebhookWrite(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		for _, tc := range []struct {
			name      string
			noOutbox  bool
			endpoints int
		}{{"no-outbox", true, 0}, {"endpoints=0", false, 0}, {"endpoints=5", false, 5}} {
			b.Run(dialect+"/"+tc.name, func(b *testing.B) {
				db := testdb.Open(b, dialect)
				svc := wiring.WireWith(db, domain.SystemClock, nil, wiring.Options{Webhooks: loopback, NoOutbox: tc.noOutbox, Secrets: benchSecrets(b)})
				_, secret, err := svc.Keys.Create(context.Background(), apikey.NewKey{Role: auth.RoleAdmin, CreatedBy: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				h := api.NewHandler(api.Config{RateLimit: 0}, svc.APIDeps(db, testdb.Logger(), domain.SystemClock))
				do := func(method, path, body string) *httptest.ResponseRecorder {
					req := httptest.NewRequest(method, path, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+secret)
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					return rec
				}
				srv, got := receiverCount(b)
				for range tc.endpoints {
					if rec := do(http.MethodPost, "/api/v1/webhook-endpoints", `{"url":"`+srv.URL+`","event_types":["vendor.*"]}`); rec.Code != 201 {
						b.Fatalf("subscribe: %d %s", rec.Code, rec.Body.String())
					}
				}
				ctx, stop := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				if tc.endpoints > 0 {
					w := svc.WebhookWorker(db, "bench", domain.SystemClock, outbound.New(loopback, 5*time.Second),
						webhook.Config{PollInterval: 10 * time.Millisecond}, testdb.Logger())
					wg.Add(1)
					go func() { defer wg.Done(); w.Loop(ctx) }()
				}
				rec := do(http.MethodPost, "/api/v1/vendors", `{"kind":"cloud_provider","name":"Bench Cloud"}`)
				var v struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.ID == "" {
					b.Fatalf("create vendor: %d %s", rec.Code, rec.Body.String())
				}
				lat := make([]time.Duration, 0, b.N)
				i := 0
				b.ResetTimer()
				for b.Loop() {
					i++
					t0 := time.Now()
					rec := do(http.MethodPatch, "/api/v1/vendors/"+v.ID, fmt.Sprintf(`{"description":"revision %d"}`, i))
					lat = append(lat, time.Since(t0))
					if rec.Code != http.StatusOK {
						b.Fatalf("patch: %d %s", rec.Code, rec.Body.String())
					}
				}
				b.StopTimer()
				stop()
				wg.Wait()
				slices.Sort(lat)
				pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
				b.ReportMetric(float64(got.Load()), "delivered")
			})
		}
	}
}

// BenchmarkWebhookDelivery measures how fast one worker delivers a backlog of 1,000 events to one
// loopback endpoint (signing, POST, storing the attempt).
func BenchmarkWebhookDelivery(b *testing.B) {
	const backlog = 1000
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testdb.Open(b, dialect)
				svc := wiring.WireWith(db, domain.SystemClock, nil, wiring.Options{Webhooks: loopback, Secrets: benchSecrets(b)})
				srv, got := receiverCount(b)
				ctx := context.Background()
				if _, err := svc.Webhooks.Create(ctx, webhook.NewEndpoint{URL: srv.URL, EventTypes: []string{"*"}}); err != nil {
					b.Fatal(err)
				}
				seed(b, db, svc, backlog)
				w := svc.WebhookWorker(db, "bench", domain.SystemClock, outbound.New(loopback, 5*time.Second), webhook.Config{}, testdb.Logger())
				b.StartTimer()
				t0 := time.Now()
				for got.Load() < backlog {
					if _, err := w.RunOnce(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(backlog)/time.Since(t0).Seconds(), "deliveries/s")
			}
		})
	}
}

// seed records n events straight through the recorder, 100 per transaction.
func seed(b *testing.B, db *repository.DB, svc wiring.Services, n int) {
	b.Helper()
	for i := 0; i < n; i += 100 {
		err := db.InTx(context.Background(), func(ctx context.Context) error {
			for j := i; j < i+100 && j < n; j++ {
				if err := svc.Events.Record(ctx, webhookEvent(j)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func webhookEvent(i int) event.Event {
	id := domain.NewID()
	return event.New("vendor.updated", event.Subject{Type: "vendor", ID: id, VendorID: id},
		map[string]any{"name": "Bench"}, map[string]any{"name": fmt.Sprintf("Bench %d", i)})
}
