package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

const (
	portfolioVendors     = 300
	portfolioEngagements = 1_000
)

// seedPortfolio stores 300 vendors, a subcontractor graph two levels deep (vendors 0-199 rely on one of
// 200-279, which rely on one of 280-299), 1,000 engagements over them in every status, a finding on every
// third engagement and a certificate per vendor, some expired, some expiring. Writes go through the
// services, 500 to a transaction.
func seedPortfolio(b *testing.B, dialect string) (http.Handler, string) {
	b.Helper()
	db := testdb.Open(b, dialect)
	svc := wiring.Wire(db, domain.SystemClock, nil)
	_, secret, err := svc.Keys.Create(context.Background(), apikey.NewKey{Role: auth.RoleAuditor, CreatedBy: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{KeyID: "bench", Role: auth.RoleAdmin})
	inBatches := func(what string, n int, fn func(ctx context.Context, i int) error) {
		for batch := 0; batch < n; batch += 500 {
			err := db.InTx(ctx, func(ctx context.Context) error {
				for i := batch; i < min(batch+500, n); i++ {
					if err := fn(ctx, i); err != nil {
						return fmt.Errorf("%s %d: %w", what, i, err)
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	start := time.Now()
	vids := make([]string, portfolioVendors)
	inBatches("vendor", portfolioVendors, func(ctx context.Context, i int) error {
		v, err := svc.Vendors.Create(ctx, register.Vendor{Kind: register.Kinds[i%len(register.Kinds)], Name: fmt.Sprintf("Vendor %03d", i),
			Country: "JP"})
		vids[i] = v.ID
		return err
	})
	inBatches("link", 200+80, func(ctx context.Context, i int) error {
		sub := 200 + i%80 // vendors 0-199 → 200-279
		if i >= 200 {
			sub = 280 + i%20 // 200-279 → 280-299
		}
		_, err := svc.Vendors.AddSubcontractor(ctx, vids[i], register.Subcontractor{SubcontractorID: vids[sub], Service: "hosting"})
		return err
	})
	statuses := []engagement.Status{engagement.StatusIntake, engagement.StatusAssessing, engagement.StatusDecided,
		engagement.StatusActive, engagement.StatusEnded}
	eids := make([]string, portfolioEngagements)
	inBatches("engagement", portfolioEngagements, func(ctx context.Context, i int) error {
		e, _, err := svc.Engagements.Create(ctx, engagement.Engagement{VendorID: vids[i%portfolioVendors],
			Name: fmt.Sprintf("Engagement %04d", i), ServiceType: engagement.ServiceSaaS, Access: risk.AccessNone,
			Substitutability: risk.SubstituteModerate, Status: statuses[i%len(statuses)], DataLocations: []string{"JP"},
			Holdings: []risk.Holding{{Category: risk.DataPersonal, Records: int64(1000 * (i%50 + 1))}}})
		eids[i] = e.ID
		return err
	})
	sevs := []domain.Severity{domain.SeverityCritical, domain.SeverityHigh, domain.SeverityMedium, domain.SeverityLow}
	inBatches("finding", portfolioEngagements/3, func(ctx context.Context, i int) error {
		_, err := svc.Findings.Create(ctx, finding.NewFinding{EngagementID: eids[3*i], Title: "weakness", Severity: sevs[i%len(sevs)]})
		return err
	})
	today := time.Now().UTC().Truncate(24 * time.Hour)
	inBatches("certification", portfolioVendors, func(ctx context.Context, i int) error {
		until := today.AddDate(0, 0, i%200-30) // 30 days expired to 169 days ahead
		_, err := svc.Vendors.AddCertification(ctx, vids[i], register.Certification{Scheme: register.SchemeISO27001, Issuer: "JQA",
			ValidFrom: until.AddDate(-1, 0, 0), ValidUntil: until})
		return err
	})
	b.Logf("%s: seeded %d vendors, %d engagements in %s", dialect, portfolioVendors, portfolioEngagements,
		time.Since(start).Round(time.Millisecond))
	return api.NewHandler(api.Config{RateLimit: 0}, svc.APIDeps(db, testdb.Logger(), domain.SystemClock)), secret
}

// BenchmarkPortfolioSummary times GET /api/v1/portfolio/summary through the real handler and middleware
// over 1,000 engagements and 300 vendors, and reports latency percentiles per request.
func BenchmarkPortfolioSummary(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			h, secret := seedPortfolio(b, dialect)
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/portfolio/summary", nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				lat = append(lat, time.Since(t0))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
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
