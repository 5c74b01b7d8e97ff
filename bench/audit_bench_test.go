package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

const auditEvents = 10_000

// BenchmarkAuditVerify recomputes a chain of 10,000 events (each with a ~1 KB result) from the first.
func BenchmarkAuditVerify(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db := testdb.Open(b, dialect)
			trail := wiring.Wire(db, domain.SystemClock, nil).Audit
			result, _ := json.Marshal(map[string]any{"id": domain.NewID(), "name": "Sakura Cloud KK",
				"description": strings.Repeat("x", 900), "version": 3})
			ctx := context.Background()
			for batch := 0; batch < auditEvents; batch += 500 {
				err := db.InTx(ctx, func(ctx context.Context) error {
					for i := batch; i < batch+500; i++ {
						if _, err := trail.Append(ctx, audit.Entry{Actor: audit.Actor{KeyID: "k", Name: "bench", Role: "procurement"},
							Action: "PATCH /api/v1/vendors/:id", ResourceType: "vendors", ResourceID: fmt.Sprint(i % 100),
							Path: "/api/v1/vendors/x", Status: 200, RequestID: domain.NewID(), Input: json.RawMessage(`{"name":"x"}`),
							Result: result}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				v, err := trail.Verify(ctx)
				if err != nil || !v.Intact || v.Checked != auditEvents {
					b.Fatalf("verify: %+v, %v", v, err)
				}
			}
			b.ReportMetric(float64(auditEvents)/(b.Elapsed().Seconds()/float64(b.N)), "events/s")
		})
	}
}

// BenchmarkAuditedWrite measures PATCH /api/v1/vendors/{id} through the real handler: the change, its
// audit event (head lock, hash, insert) and the commit, one request at a time.
func BenchmarkAuditedWrite(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db := testdb.Open(b, dialect)
			svc := wiring.Wire(db, domain.SystemClock, nil)
			_, secret, err := svc.Keys.Create(context.Background(), apikey.NewKey{Role: auth.RoleProcurement, CreatedBy: "bench"})
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
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
