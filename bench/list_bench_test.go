// Package bench measures the vendor list endpoint through the real handler and middleware on a
// database holding 10,000 vendors. Run with `make bench`; it reports p50 and p99 latencies.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

const vendors = 10_000

type fixture struct {
	handler http.Handler
	secret  string
}

func setup(b *testing.B, dialect string) fixture {
	b.Helper()
	db := testdb.Open(b, dialect)
	svc := wiring.Wire(db, domain.SystemClock, nil)
	keys, vs := svc.Keys, svc.Vendors
	_, secret, err := keys.Create(context.Background(), apikey.NewKey{Role: auth.RoleProcurement, CreatedBy: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{KeyID: "bench", Role: auth.RoleProcurement})
	start := time.Now()
	kinds := register.Kinds
	countries := []string{"JP", "US", "DE", "SG", "IE"}
	for batch := 0; batch < vendors; batch += 500 {
		err := db.InTx(ctx, func(ctx context.Context) error {
			for i := batch; i < batch+500; i++ {
				_, err := vs.Create(ctx, register.Vendor{
					Kind: kinds[i%len(kinds)], Name: fmt.Sprintf("Vendor %05d", (i*7919)%vendors), Country: countries[i%len(countries)],
					Tags: []string{fmt.Sprintf("group-%d", i%10), "bench"}, Description: "seeded for the list benchmark",
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: seeded %d vendors in %s", dialect, vendors, time.Since(start).Round(time.Millisecond))
	h := api.NewHandler(api.Config{RateLimit: 0}, svc.APIDeps(db, testdb.Logger(), domain.SystemClock))
	return fixture{handler: h, secret: secret}
}

// BenchmarkListVendors pages through all 10,000 vendors 50 at a time (following next_cursor, so deep
// keyset pages are included) and reports latency percentiles per request.
func BenchmarkListVendors(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			f := setup(b, dialect)
			for _, q := range []string{"limit=50", "limit=50&sort=name", "limit=50&kind=contractor&tag=group-3"} {
				b.Run(q, func(b *testing.B) { benchList(b, f, q) })
			}
		})
	}
}

func benchList(b *testing.B, f fixture, query string) {
	lat := make([]time.Duration, 0, b.N)
	cursor := ""
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		target := "/api/v1/vendors?" + query
		if cursor != "" {
			target += "&cursor=" + url.QueryEscape(cursor)
		}
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+f.secret)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		f.handler.ServeHTTP(rec, req)
		lat = append(lat, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			b.Fatal(err)
		}
		cursor = page.NextCursor
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
