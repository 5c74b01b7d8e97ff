package api_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// seedCertificationOf stores a certification of a scheme straight in the repository.
func (e *env) seedCertificationOf(t *testing.T, vendorID string, scheme register.Scheme, until string) {
	t.Helper()
	u := mustDate(t, until)
	c := register.Certification{ID: domain.NewID(), VendorID: vendorID, Scheme: scheme, Issuer: "JQA", ValidFrom: u.AddDate(-1, 0, 0),
		ValidUntil: u, Version: 1, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if err := e.repo.CreateCertification(t.Context(), c); err != nil {
		t.Fatalf("seed certification: %v", err)
	}
}

func holdings(pairs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"category": pairs[i], "records": pairs[i+1]})
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

// TestPortfolioSummary seeds a portfolio on 2025-04-01 (the test clock's start) and reads the summary
// 30 days later, on 2025-05-01 (horizon 2025-07-30), checking every number against the expectations
// derived by hand below.
//
//	vendors      A → B → C (subcontractor chain), D → C, X
//	engagement   vendor tier status    review (assessed on → next review)        data
//	E1           A      1    active    2024-04-15 → 2025-04-15: overdue          personal 1,000,000
//	E2           A      3    active    2023-05-20 → 2025-05-20: due soon (19 d)  personal 10,000, credentials 2,000
//	E3           D      2    assessing 2025-01-10 → 2026-01-10: ok               internal 5,000 (no cost)
//	E4           B      4    intake    never assessed                            sensitive 300, payment card 1,000
//	E5           X      1    ended (at the end of the seeding)                   personal 9,999,999
//	E6           C      3    decided   2023-05-31 → 2025-05-31: due soon (30 d)  none
//
// The policy (version 2) prices a payment card record at 200 USD minor units, the rest at 500 JPY.
func TestPortfolioSummary(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// An empty register answers zeros and empty lists, never nulls.
		empty := must(t, e.do(t, "GET", "/api/v1/portfolio/summary", e.admin, nil), http.StatusOK)
		for _, k := range []string{"breach_exposure", "concentration"} {
			if v, ok := empty.JSON[k].([]any); !ok || len(v) != 0 {
				t.Errorf("empty: %s = %v, want []", k, empty.JSON[k])
			}
		}
		var none api.PortfolioSummary
		empty.into(t, &none)
		if none.Engagements.Total != 0 || none.PolicyVersion != 1 || none.Today != "2025-04-01" || none.Certifications.Items == nil ||
			none.Contracts.Items == nil {
			t.Errorf("empty summary %+v", none)
		}

		owner := e.key(t, auth.RoleRiskOwner, "")
		tpl := e.publishScoreTemplate(t)
		a, b, c := e.newVendor(t, "Alpha Cloud"), e.newVendor(t, "Beta Hosting"), e.newVendor(t, "Gamma DC")
		d, x := e.newVendor(t, "Delta Consulting"), e.newVendor(t, "Xeno Services")
		e.link(t, a, b)
		e.link(t, b, c)
		e.link(t, d, c)

		newEng := func(vendorID, name string, tier int, status string, data []map[string]any, assessed string) string {
			t.Helper()
			id := e.createEngagement(t, engagementBody(vendorID, "name", name, "status", status, "data_categories", data)).ID
			must(t, e.do(t, "POST", "/api/v1/engagements/"+id+"/tier-override", owner,
				map[string]any{"tier": tier, "reason": "portfolio test"}), http.StatusOK)
			if assessed != "" {
				if err := e.engagements.Assessed(t.Context(), id, mustDate(t, assessed).Add(10*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			return id
		}
		e1 := newEng(a, "E1 payments", 1, "active", holdings("personal", 1_000_000), "2024-04-15")
		e2 := newEng(a, "E2 analytics", 3, "active", holdings("personal", 10_000, "credentials", 2_000), "2023-05-20")
		e3 := newEng(d, "E3 advisory", 2, "assessing", holdings("internal", 5_000), "2025-01-10")
		e4 := newEng(b, "E4 backups", 4, "intake", holdings("sensitive_personal", 300, "payment_card", 1_000), "")
		e5 := newEng(x, "E5 legacy", 1, "active", holdings("personal", 9_999_999), "2024-01-01")
		e6 := newEng(c, "E6 colocation", 3, "decided", holdings(), "2023-05-31")

		pol := defaultPolicyBody()
		for _, bc := range pol["breach_costs"].([]any) {
			if m := bc.(map[string]any); m["category"] == "payment_card" {
				m["amount"], m["currency"] = 200, "USD"
			}
		}
		must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, pol), http.StatusOK)

		// Assessments: E1 sent, due 04-10 (overdue on 05-01); E2 sent, due 06-30; E3 a draft due 04-20 (a
		// draft is not with the supplier); E5 sent, due 04-10 (ended).
		issue := func(engID, due string, send bool) {
			id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": engID, "template_id": tpl,
				"due_date": due}), http.StatusCreated).str("id")
			if send {
				must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK)
			}
		}
		issue(e1, "2025-04-10", true)
		issue(e2, "2025-06-30", true)
		issue(e3, "2025-04-20", false)
		issue(e5, "2025-04-10", true)

		// Findings and remediation items.
		newFinding := func(engID, severity string) string {
			return must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": engID, "title": severity + " gap",
				"severity": severity}), http.StatusCreated).str("id")
		}
		newItem := func(findingID, due string) string {
			return must(t, e.do(t, "POST", "/api/v1/findings/"+findingID+"/remediations", e.admin, map[string]any{"type": "corrective",
				"owner": "supplier", "description": "fix it", "due_date": due}), http.StatusCreated).str("id")
		}
		setItem := func(id, status string) {
			must(t, e.do(t, "PATCH", "/api/v1/remediations/"+id, e.admin, map[string]any{"status": status}), http.StatusOK)
		}
		f1 := newFinding(e1, "critical") // open; items due 04-15 (overdue) and 06-30
		newItem(f1, "2025-04-15")
		newItem(f1, "2025-06-30")
		newFinding(e1, "high")       // open, no item
		f3 := newFinding(e2, "high") // its only item is done: resolved, still open, nothing overdue
		setItem(newItem(f3, "2025-04-20"), "done")
		f4 := newFinding(e3, "medium") // closed: not open
		must(t, e.do(t, "PATCH", "/api/v1/findings/"+f4, e.admin, map[string]any{"status": "closed"}), http.StatusOK)
		f5 := newFinding(e4, "low") // an item in progress, due 04-25: overdue
		setItem(newItem(f5, "2025-04-25"), "in_progress")
		f6 := newFinding(e5, "critical") // ended engagement
		newItem(f6, "2025-04-10")

		// Outsourcing decisions (requested by the admin, decided by risk owners; tiers 3 need one approval):
		// E2's approved; E6's first rejected, the second left pending; E5's pending (ended by the end).
		d1 := e.requestDecision(t, e.admin, e2)
		e.approveDecision(t, owner, d1.ID, nil)
		d2 := e.requestDecision(t, e.admin, e6)
		must(t, e.do(t, "POST", decisionsPath+"/"+d2.ID+"/reject", owner, map[string]any{"reason": "Exit plan missing"}), http.StatusOK)
		e.requestDecision(t, e.admin, e6)
		e.requestDecision(t, e.admin, e5)

		// Risk acceptances (asked by one risk owner, approved by another): F7 on E3 until 06-30 (tier 2:
		// 180 days at most), F8 on E2 until 12-31 (tier 3: 365), F9 on E5 until 06-01 (ended by the end).
		asker, approver := e.person(t, auth.RoleRiskOwner, "RO Asker"), e.person(t, auth.RoleRiskOwner, "RO Approver")
		accept := func(engID, until string) {
			a := e.askAcceptance(t, asker.secret, newFinding(engID, "low"), until)
			e.acceptanceDo(t, approver.secret, a.ID, "approve", nil, http.StatusOK)
		}
		accept(e3, "2025-06-30")
		accept(e2, "2025-12-31")
		accept(e5, "2025-06-01")

		// Certifications.
		e.seedCertificationOf(t, a, register.SchemeISO27001, "2024-06-30")    // renewed by the next one
		e.seedCertificationOf(t, a, register.SchemeISO27001, "2025-06-30")    // expiring
		e.seedCertificationOf(t, b, register.SchemeSOC2Type2, "2025-04-15")   // expired
		e.seedCertificationOf(t, c, register.SchemeISMAP, "2026-03-31")       // beyond the horizon
		e.seedCertificationOf(t, c, register.SchemeISO27017, "2025-07-30")    // expiring: the horizon's last day
		e.seedCertificationOf(t, d, register.SchemePrivacyMark, "2025-05-01") // expiring: today
		e.seedCertificationOf(t, x, register.SchemeISO27001, "2025-05-10")    // only the ended E5 depends on X

		// Contracts.
		k1 := e.createContract(t, e1, contractBody("ends_on", "2025-06-15", "auto_renew", true, "notice_days", 30)).ID
		e.createContract(t, e2, contractBody("ends_on", "2025-12-31"))
		e.createContract(t, e3, contractBody("ends_on", "2025-04-20")) // ended before 05-01
		e.createContract(t, e5, contractBody("ends_on", "2025-05-20"))
		k5 := e.createContract(t, e6, contractBody("ends_on", "2025-07-30")).ID

		must(t, e.do(t, "PATCH", "/api/v1/engagements/"+e5, e.admin, map[string]any{"status": "ended"}), http.StatusOK)
		e.clock.Advance(30 * 24 * time.Hour) // 2025-05-01 09:30:15.123456

		var got api.PortfolioSummary
		must(t, e.do(t, "GET", "/api/v1/portfolio/summary", e.key(t, auth.RoleAuditor, ""), nil), http.StatusOK).into(t, &got)

		// Concentration (live engagements behind each vendor, any depth):
		//   C: E6 (its own), E1 and E2 (A → B → C), E4 (B → C), E3 (D → C) = 5, tier 1: E1
		//   B: E4 (its own), E1 and E2 (A → B) = 3, tier 1: E1
		//   A: E1, E2 = 2, tier 1: E1
		//   D: E3 only, not tier 1: not listed; X: only the ended E5: nothing.
		tier3 := []string{e2, e6}
		slices.Sort(tier3)
		want := api.PortfolioSummary{
			AsOf: start.Add(30 * 24 * time.Hour), Today: "2025-05-01", Horizon: "2025-07-30", PolicyVersion: 2,
			Thresholds: api.PortfolioThresholds{ReviewDueSoonDays: 30, ExpiryHorizonDays: 90, ConcentrationMinEngagements: 2,
				ConcentrationTop: 20, ConcentrationIDsCap: 50, ItemsCap: 20},
			// Six engagements, E5 ended; by tier the five live ones: E1; E3; E2, E6; E4.
			Engagements: api.PortfolioEngagements{Total: 6, Live: 5,
				ByStatus: api.StatusCounts{Intake: 1, Assessing: 1, Decided: 1, Active: 2, Ended: 1},
				ByTier:   api.TierCounts{Tier1: 1, Tier2: 1, Tier3: 2, Tier4: 1}},
			// E1 overdue; E2 and E6 due soon; E3 ok; E4 never assessed.
			Reviews: api.PortfolioReviews{Overdue: 1, DueSoon: 2, OK: 1, NeverAssessed: 1},
			// E1's (E5's does not count, E3's is a draft, E2's is due later).
			AssessmentsOverdue: 1,
			// Open: F1 critical, F2 and F3 high, F5 low (F4 closed, F6 on E5, F7-F9 risk-accepted); overdue: F1 (04-15), F5 (04-25).
			Findings: api.PortfolioFindings{Open: 4, OpenBySeverity: api.SeverityCounts{Critical: 1, High: 2, Low: 1}, Overdue: 2},
			// F1's item due 04-15 and F5's due 04-25 (F3's is done, F6's on E5).
			RemediationsOverdue: 2,
			// JPY: E1 1,000,000 × 500 + E2 (10,000 + 2,000) × 500 + E4 300 × 500 = 506,150,000; USD: E4 1,000 × 200.
			BreachExposure: []api.ExposureTotalDTO{{Amount: 506_150_000, Currency: "JPY", Engagements: 3},
				{Amount: 200_000, Currency: "USD", Engagements: 1}},
			Certifications: api.PortfolioCertifications{Expiring: 3, Expired: 1, Items: []api.CertificationExpiryDTO{
				{VendorID: b, VendorName: "Beta Hosting", Scheme: "soc2_type2", ValidUntil: "2025-04-15", Expired: true},
				{VendorID: d, VendorName: "Delta Consulting", Scheme: "privacymark", ValidUntil: "2025-05-01"},
				{VendorID: a, VendorName: "Alpha Cloud", Scheme: "iso_27001", ValidUntil: "2025-06-30"},
				{VendorID: c, VendorName: "Gamma DC", Scheme: "iso_27017", ValidUntil: "2025-07-30"}}},
			// K1 (auto-renewing, notice 30 days before 06-15) and K5; K2 ends later, K3 has ended, K4 is E5's.
			Contracts: api.PortfolioContracts{Expiring: 2, AutoRenew: 1, Items: []api.ContractExpiryDTO{
				{ID: k1, EngagementID: e1, EndsOn: "2025-06-15", AutoRenew: true, NoticeDeadline: "2025-05-16"},
				{ID: k5, EngagementID: e6, EndsOn: "2025-07-30", NoticeDeadline: "2025-07-30"}}},
			// By status, D1 approved, D2 rejected, D3 pending (D4 is E5's); without approval: of the live
			// active or decided E1, E2, E6, E1 has no decision and E6's latest (D3) is pending; E2's is approved.
			Decisions: api.PortfolioDecisions{ByStatus: api.DecisionStatusCounts{Pending: 1, Approved: 1, Rejected: 1},
				EngagementsWithoutApproval: 2},
			// F7's and F8's (F9's is E5's); F7's last day 06-30 is before the horizon 07-30, F8's 12-31 after.
			RiskAcceptances: api.PortfolioRiskAcceptances{Active: 2, Expiring: 1},
			Concentration: []api.ConcentrationDTO{
				{Vendor: api.VendorRef{ID: c, Name: "Gamma DC"}, Engagements: 5, Tier1Engagements: 1, Direct: 1,
					ByTier: api.TierCounts{Tier1: 1, Tier2: 1, Tier3: 2, Tier4: 1}, DirectByTier: api.TierCounts{Tier3: 1},
					EngagementIDs: append(append([]string{e1, e3}, tier3...), e4)},
				{Vendor: api.VendorRef{ID: b, Name: "Beta Hosting"}, Engagements: 3, Tier1Engagements: 1, Direct: 1,
					ByTier: api.TierCounts{Tier1: 1, Tier3: 1, Tier4: 1}, DirectByTier: api.TierCounts{Tier4: 1},
					EngagementIDs: []string{e1, e2, e4}},
				{Vendor: api.VendorRef{ID: a, Name: "Alpha Cloud"}, Engagements: 2, Tier1Engagements: 1, Direct: 2,
					ByTier: api.TierCounts{Tier1: 1, Tier3: 1}, DirectByTier: api.TierCounts{Tier1: 1, Tier3: 1},
					EngagementIDs: []string{e1, e2}},
			},
			ConcentrationTotal: 3,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("summary\n got %+v\nwant %+v", got, want)
		}

		// The review numbers are the list filter's.
		for _, tc := range []struct {
			review string
			want   []string
		}{{"overdue", []string{e1}}, {"due_soon", []string{e2, e6}}, {"ok", []string{e3}},
			{"never_assessed", []string{e4}}, {"not_required", []string{e5}}} {
			ids := e.engagementIDs(t, "review="+tc.review)
			slices.Sort(ids)
			slices.Sort(tc.want)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("?review=%s lists %q, want %q", tc.review, ids, tc.want)
			}
		}

		// Suppliers do not learn the portfolio exists, not even of their own vendor.
		r := e.do(t, "GET", "/api/v1/portfolio/summary", e.key(t, auth.RoleSupplier, a), nil)
		wantProblem(t, r, http.StatusNotFound)
		if strings.Contains(string(r.Raw), "portfolio:read") {
			t.Errorf("the 404 names the permission: %s", r)
		}
	})
}
