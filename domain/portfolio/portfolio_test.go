package portfolio

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

var now = time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC)

func live(id, vendorID string, tier risk.Tier) EngagementFact {
	return EngagementFact{ID: id, VendorID: vendorID, Status: engagement.StatusActive, Tier: tier}
}

func summarize(t *testing.T, f Facts) Summary {
	t.Helper()
	s, err := Summarize(f, policy.Default(), now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func byVendor(s Summary) map[string]Concentration {
	out := map[string]Concentration{}
	for _, c := range s.Concentration {
		out[c.VendorID] = c
	}
	return out
}

func TestThresholdsMatchTheResources(t *testing.T) {
	h := time.Duration(ExpiryHorizonDays) * 24 * time.Hour
	for name, other := range map[string]time.Duration{"contract.Horizon": contract.Horizon, "register.ExpiryWarning": register.ExpiryWarning} {
		if other != h {
			t.Errorf("portfolio horizon %s, %s %s: they must agree", h, name, other)
		}
	}
}

// An engagement on A, with A → B → C: B and C have it behind them (C at depth 2), and it counts once each.
func TestConcentrationThroughSubcontractorChain(t *testing.T) {
	s := summarize(t, Facts{
		Engagements: []EngagementFact{live("e1", "A", risk.Tier1Critical)},
		Links:       []Link{{"A", "B"}, {"B", "C"}},
	})
	got := byVendor(s)
	for _, v := range []string{"A", "B", "C"} {
		c, ok := got[v]
		if !ok || c.Engagements != 1 || c.Tier1Engagements != 1 || !slices.Equal(c.EngagementIDs, []string{"e1"}) {
			t.Errorf("%s: %+v, want e1 (tier 1) behind it", v, c)
		}
	}
	if got["A"].Direct != 1 || got["B"].Direct != 0 || got["C"].Direct != 0 {
		t.Errorf("direct counts A %d, B %d, C %d; want 1, 0, 0", got["A"].Direct, got["B"].Direct, got["C"].Direct)
	}
	if s.ConcentrationTotal != 3 {
		t.Errorf("concentration total %d, want 3", s.ConcentrationTotal)
	}
}

// The register keeps the graph acyclic; a cycle or a diamond in the facts must still end and count
// each engagement once per vendor.
func TestConcentrationGraphGuards(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links []Link
		want  map[string]int
	}{
		{"cycle", []Link{{"A", "B"}, {"B", "C"}, {"C", "A"}}, map[string]int{"A": 2, "B": 2, "C": 2}},
		{"self loop", []Link{{"A", "A"}, {"A", "B"}}, map[string]int{"A": 2, "B": 2}},
		{"diamond", []Link{{"A", "B"}, {"A", "C"}, {"B", "D"}, {"C", "D"}}, map[string]int{"A": 2, "B": 2, "C": 2, "D": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := summarize(t, Facts{
				Engagements: []EngagementFact{live("e1", "A", risk.Tier3Medium), live("e2", "A", risk.Tier4Low)},
				Links:       tc.links,
			})
			got := map[string]int{}
			for _, c := range s.Concentration {
				got[c.VendorID] = c.Engagements
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("engagements per vendor %v, want %v", got, tc.want)
			}
		})
	}
}

// Listed: at least two engagements, or one tier-1; ordered by engagements, tier-1 engagements, vendor id;
// the top 20 kept, with the total; engagement ids tier 1 first and capped at 50.
func TestConcentrationSelection(t *testing.T) {
	var engs []EngagementFact
	// V00..V24: vendor Vnn has nn%5+1 engagements of tier 3 (none tier 1): 25 vendors with 1..5 engagements.
	for i := range 25 {
		for j := range i%5 + 1 {
			engs = append(engs, live(fmt.Sprintf("v%02d-e%d", i, j), fmt.Sprintf("V%02d", i), risk.Tier3Medium))
		}
	}
	// T has one tier-1 engagement; BIG has 60, two of them tier 1 (ids sort after the others).
	engs = append(engs, live("t-e0", "T", risk.Tier1Critical))
	for j := range 60 {
		tier := risk.Tier4Low
		if j >= 58 {
			tier = risk.Tier1Critical
		}
		engs = append(engs, live(fmt.Sprintf("big-e%02d", j), "BIG", tier))
	}
	s := summarize(t, Facts{Engagements: engs})

	// Qualify: BIG, T, and the 20 V vendors with 2..5 engagements (the 5 with one are left out).
	if s.ConcentrationTotal != 22 || len(s.Concentration) != ConcentrationTop {
		t.Fatalf("total %d, listed %d; want 22 and %d", s.ConcentrationTotal, len(s.Concentration), ConcentrationTop)
	}
	big := s.Concentration[0]
	if big.VendorID != "BIG" || big.Engagements != 60 || big.Tier1Engagements != 2 || len(big.EngagementIDs) != ConcentrationIDsCap ||
		big.EngagementIDs[0] != "big-e58" || big.EngagementIDs[1] != "big-e59" || big.EngagementIDs[2] != "big-e00" {
		t.Errorf("first %s: %d engagements, %d tier 1, ids %q…", big.VendorID, big.Engagements, big.Tier1Engagements, big.EngagementIDs[:3])
	}
	// Then 5 vendors with 5 engagements (V04, V09, …, V24 by id), then those with 4, and so on.
	var order []string
	for _, c := range s.Concentration[1:7] {
		order = append(order, fmt.Sprintf("%s:%d", c.VendorID, c.Engagements))
	}
	if want := []string{"V04:5", "V09:5", "V14:5", "V19:5", "V24:5", "V03:4"}; !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
	for _, c := range s.Concentration {
		if c.VendorID == "T" {
			t.Errorf("T (1 engagement) is listed although 20 vendors have more: %+v", c)
		}
	}
	// With fewer vendors, the single tier-1 engagement qualifies T and a single tier-3 one does not.
	s = summarize(t, Facts{Engagements: []EngagementFact{live("t", "T", risk.Tier1Critical), live("u", "U", risk.Tier2High)}})
	if len(s.Concentration) != 1 || s.Concentration[0].VendorID != "T" {
		t.Errorf("concentration %+v, want only T", s.Concentration)
	}
}

// Ended engagements count in the totals by status only.
func TestEndedEngagementsCountOnlyByStatus(t *testing.T) {
	past := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ended := EngagementFact{ID: "x", VendorID: "A", Status: engagement.StatusEnded, Tier: risk.Tier1Critical, NextReviewOn: &past,
		Holdings: []risk.Holding{{Category: risk.DataPersonal, Records: 1000}}}
	s := summarize(t, Facts{
		Engagements:         []EngagementFact{ended, live("y", "B", risk.Tier3Medium)},
		Links:               []Link{{"A", "C"}},
		OverdueAssessments:  map[string]int{"x": 2, "y": 1},
		OverdueRemediations: map[string]int{"x": 3},
		Findings:            []FindingCount{{EngagementID: "x", Severity: domain.SeverityHigh, Open: 4, Overdue: 1}},
		Certifications:      []CertificationFact{{VendorID: "A", Scheme: "iso_27001", ValidUntil: past}},
		Contracts:           []ContractFact{{ID: "k", EngagementID: "x", EndsOn: now.AddDate(0, 0, 10)}},
	})
	if s.Engagements.Total != 2 || s.Engagements.Live != 1 || s.Engagements.ByStatus[engagement.StatusEnded] != 1 ||
		s.Engagements.ByTier[risk.Tier1Critical] != 0 || s.Reviews.Overdue != 0 || s.Reviews.NeverAssessed != 1 ||
		s.AssessmentsOverdue != 1 || s.RemediationsOverdue != 0 || s.Findings.Open != 0 || len(s.Exposure) != 0 ||
		s.Certifications.Expired != 0 || s.Contracts.Expiring != 0 || s.ConcentrationTotal != 0 {
		t.Errorf("the ended engagement counted: %+v", s)
	}
}

func TestExposure(t *testing.T) {
	pol := policy.Default()
	pol.BreachCosts = append(pol.BreachCosts[:0:0], risk.CostPerRecord{Category: risk.DataPersonal, Cost: domain.Money{Amount: 500, Currency: "JPY"}},
		risk.CostPerRecord{Category: risk.DataPaymentCard, Cost: domain.Money{Amount: 200, Currency: "USD"}})
	hold := func(c risk.DataCategory, n int64) risk.Holding { return risk.Holding{Category: c, Records: n} }
	e1, e2, e3 := live("e1", "A", 1), live("e2", "A", 2), live("e3", "B", 3)
	e1.Holdings = []risk.Holding{hold(risk.DataPersonal, 1_000_000)}
	e2.Holdings = []risk.Holding{hold(risk.DataPersonal, 10), hold(risk.DataPaymentCard, 5)}
	e3.Holdings = []risk.Holding{hold(risk.DataPublic, 1_000_000)}
	s, err := Summarize(Facts{Engagements: []EngagementFact{e1, e2, e3}}, pol, now)
	if err != nil {
		t.Fatal(err)
	}
	// JPY: 1,000,000 × 500 + 10 × 500 = 500,005,000 over e1 and e2; USD: 5 × 200 = 1,000 over e2.
	want := []ExposureTotal{{Amount: domain.Money{Amount: 500_005_000, Currency: "JPY"}, Engagements: 2},
		{Amount: domain.Money{Amount: 1_000, Currency: "USD"}, Engagements: 1}}
	if !slices.Equal(s.Exposure, want) {
		t.Errorf("exposure %+v, want %+v", s.Exposure, want)
	}

	// Ten engagements of 10^10 records at 10^8 each pass int64: the total says so instead of wrapping.
	pol.BreachCosts = []risk.CostPerRecord{{Category: risk.DataPersonal, Cost: domain.Money{Amount: 100_000_000, Currency: "JPY"}}}
	var many []EngagementFact
	for i := range 10 {
		e := live(fmt.Sprint(i), "A", 1)
		e.Holdings = []risk.Holding{hold(risk.DataPersonal, 10_000_000_000)}
		many = append(many, e)
	}
	s, err = Summarize(Facts{Engagements: many}, pol, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Exposure) != 1 || !s.Exposure[0].Overflow || s.Exposure[0].Amount.Amount != math.MaxInt64 || s.Exposure[0].Engagements != 10 {
		t.Errorf("overflowing exposure %+v", s.Exposure)
	}
}

// Certifications: only vendors behind live engagements; the latest per scheme; expired before today,
// expiring up to the horizon; listed soonest first.
func TestCertifications(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	s := summarize(t, Facts{
		Engagements: []EngagementFact{live("e1", "A", 3)},
		Links:       []Link{{"A", "B"}},
		Certifications: []CertificationFact{
			{VendorID: "B", Scheme: "soc2_type2", ValidUntil: d("2025-04-30")},                 // expired yesterday
			{VendorID: "A", Scheme: "iso_27001", ValidUntil: d("2025-07-30")},                  // the horizon's last day
			{VendorID: "A", Scheme: "iso_27001", ValidUntil: d("2025-07-30")},                  // the same certificate twice (a tie)
			{VendorID: "A", Scheme: "other", SchemeName: "TISAX", ValidUntil: d("2025-05-01")}, // today
			{VendorID: "Z", Scheme: "iso_27001", ValidUntil: d("2025-05-10")},                  // nobody depends on Z
		},
	})
	c := s.Certifications
	if c.Expired != 1 || c.Expiring != 2 || len(c.Items) != 3 {
		t.Fatalf("certifications %+v, want 1 expired and 2 expiring", c)
	}
	var got []string
	for _, it := range c.Items {
		got = append(got, it.VendorID+" "+it.Scheme+" "+it.ValidUntil.Format(time.DateOnly)+fmt.Sprint(" ", it.Expired))
	}
	want := []string{"B soc2_type2 2025-04-30 true", "A other 2025-05-01 false", "A iso_27001 2025-07-30 false"}
	if !slices.Equal(got, want) {
		t.Errorf("items %q, want %q", got, want)
	}
}

// Decisions count by status over live engagements; an active or decided engagement is without approval
// when its most recent decision (the greatest id) is not approved, or when it has none.
func TestSummaryDecisionsAndAcceptances(t *testing.T) {
	st := func(e EngagementFact, s engagement.Status) EngagementFact { e.Status = s; return e }
	s := summarize(t, Facts{
		Engagements: []EngagementFact{
			live("e1", "A", risk.Tier2High),                                 // approved after a rejection: approved
			live("e2", "A", risk.Tier2High),                                 // approved, then needs review: without
			st(live("e3", "A", risk.Tier2High), engagement.StatusDecided),   // none: without
			st(live("e4", "A", risk.Tier2High), engagement.StatusAssessing), // pending, but assessing: not counted
			st(live("e5", "A", risk.Tier2High), engagement.StatusEnded),     // ended: nothing counts
		},
		Decisions: []DecisionCount{
			{EngagementID: "e1", Status: decision.StatusRejected, N: 2, LatestID: "01"},
			{EngagementID: "e1", Status: decision.StatusApproved, N: 1, LatestID: "02"},
			{EngagementID: "e2", Status: decision.StatusApproved, N: 1, LatestID: "03"},
			{EngagementID: "e2", Status: decision.StatusNeedsReview, N: 1, LatestID: "04"},
			{EngagementID: "e4", Status: decision.StatusPending, N: 1, LatestID: "05"},
			{EngagementID: "e5", Status: decision.StatusPending, N: 1, LatestID: "06"},
		},
		Acceptances: []AcceptanceCount{{EngagementID: "e1", Active: 3, Expiring: 1}, {EngagementID: "e5", Active: 2, Expiring: 2}},
	})
	want := map[decision.Status]int{decision.StatusRejected: 2, decision.StatusApproved: 2, decision.StatusNeedsReview: 1,
		decision.StatusPending: 1}
	if !maps.Equal(s.Decisions.ByStatus, want) || s.Decisions.EngagementsWithoutApproval != 2 {
		t.Errorf("decisions %+v, want by status %v and 2 without approval (e2, e3)", s.Decisions, want)
	}
	if s.RiskAcceptances != (AcceptanceCounts{Active: 3, Expiring: 1}) {
		t.Errorf("risk acceptances %+v, want 3 active, 1 expiring (e5 ended)", s.RiskAcceptances)
	}
}
