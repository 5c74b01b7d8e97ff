package finding_test

import (
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

func TestFindingCanTransition(t *testing.T) {
	allowed := map[finding.Status][]finding.Status{
		finding.StatusOpen:               {finding.StatusRemediationPlanned, finding.StatusInProgress, finding.StatusResolved, finding.StatusClosed},
		finding.StatusRemediationPlanned: {finding.StatusInProgress, finding.StatusResolved, finding.StatusOpen},
		finding.StatusInProgress:         {finding.StatusResolved, finding.StatusRemediationPlanned},
		finding.StatusResolved:           {finding.StatusClosed, finding.StatusInProgress},
		finding.StatusClosed:             {finding.StatusOpen},
		finding.StatusRiskAccepted:       {finding.StatusOpen},
	}
	if len(finding.Statuses) != 6 {
		t.Fatalf("Statuses = %v, want 6", finding.Statuses)
	}
	for _, from := range finding.Statuses {
		for _, to := range finding.Statuses {
			want := slices.Contains(allowed[from], to)
			if got := finding.CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
		// Nothing moves into risk_accepted by hand, and nothing stays in place.
		if finding.CanTransition(from, finding.StatusRiskAccepted) {
			t.Errorf("%s → risk_accepted allowed by hand", from)
		}
		if finding.CanTransition(from, from) {
			t.Errorf("%s → %s allowed", from, from)
		}
		if finding.CanTransition(from, "bogus") || finding.CanTransition("bogus", from) {
			t.Errorf("an unknown status transitions with %s", from)
		}
	}
	for _, s := range finding.Statuses {
		want := s == finding.StatusClosed || s == finding.StatusRiskAccepted
		if s.Closed() != want {
			t.Errorf("%s.Closed() = %v, want %v", s, s.Closed(), want)
		}
	}
}

func TestFindingSeverityFor(t *testing.T) {
	tests := []struct {
		q    domain.Severity
		tier risk.Tier
		want domain.Severity
	}{
		{domain.SeverityHigh, risk.Tier1Critical, domain.SeverityCritical},
		{domain.SeverityMedium, risk.Tier1Critical, domain.SeverityHigh},
		{domain.SeverityLow, risk.Tier1Critical, domain.SeverityMedium},
		{domain.SeverityCritical, risk.Tier1Critical, domain.SeverityCritical}, // capped
		{domain.SeverityHigh, risk.Tier2High, domain.SeverityHigh},
		{domain.SeverityLow, risk.Tier2High, domain.SeverityLow},
		{domain.SeverityCritical, risk.Tier3Medium, domain.SeverityCritical},
		{domain.SeverityMedium, risk.Tier3Medium, domain.SeverityMedium},
		{domain.SeverityCritical, risk.Tier4Low, domain.SeverityHigh},
		{domain.SeverityHigh, risk.Tier4Low, domain.SeverityMedium},
		{domain.SeverityMedium, risk.Tier4Low, domain.SeverityLow},
		{domain.SeverityLow, risk.Tier4Low, domain.SeverityLow}, // capped
	}
	for _, tt := range tests {
		if got := finding.SeverityFor(tt.q, tt.tier); got != tt.want {
			t.Errorf("SeverityFor(%s, tier %d) = %s, want %s", tt.q, tt.tier, got, tt.want)
		}
	}
}

func TestFindingPriority(t *testing.T) {
	tests := []struct {
		sev  domain.Severity
		tier risk.Tier
		want int
	}{
		{domain.SeverityCritical, risk.Tier1Critical, 16},
		{domain.SeverityCritical, risk.Tier4Low, 4},
		{domain.SeverityHigh, risk.Tier1Critical, 12},
		{domain.SeverityHigh, risk.Tier2High, 9},
		{domain.SeverityMedium, risk.Tier3Medium, 4},
		{domain.SeverityLow, risk.Tier1Critical, 4},
		{domain.SeverityLow, risk.Tier4Low, 1},
	}
	for _, tt := range tests {
		if got := finding.Priority(tt.sev, tt.tier); got != tt.want {
			t.Errorf("Priority(%s, tier %d) = %d, want %d", tt.sev, tt.tier, got, tt.want)
		}
	}
	// Critical on tier 1 is strictly the highest; priority never falls with severity or rises with the tier number.
	top := finding.Priority(domain.SeverityCritical, risk.Tier1Critical)
	for i, sev := range domain.Severities {
		for _, tier := range risk.Tiers {
			p := finding.Priority(sev, tier)
			if p < 1 || p > 16 {
				t.Errorf("Priority(%s, %d) = %d, out of 1..16", sev, tier, p)
			}
			if (sev != domain.SeverityCritical || tier != risk.Tier1Critical) && p >= top {
				t.Errorf("Priority(%s, %d) = %d, not below critical on tier 1 (%d)", sev, tier, p, top)
			}
			if i > 0 && finding.Priority(domain.Severities[i-1], tier) <= p {
				t.Errorf("%s on tier %d does not outrank %s", domain.Severities[i-1], tier, sev)
			}
			if tier > risk.Tier1Critical && finding.Priority(sev, tier-1) <= p {
				t.Errorf("%s on tier %d does not outrank tier %d", sev, tier-1, tier)
			}
		}
	}
	if finding.Threshold != 8000 {
		t.Errorf("Threshold = %d, want 8000 bp", finding.Threshold)
	}
}

func TestStoredRetier(t *testing.T) {
	tests := []struct {
		name               string
		question, severity domain.Severity
		tier               risk.Tier
		wantSev            domain.Severity
		wantPrio           int
		wantChanged        bool
	}{
		{"manual medium to tier 1", "", domain.SeverityMedium, risk.Tier1Critical, domain.SeverityMedium, 8, true},
		{"manual high to tier 2", "", domain.SeverityHigh, risk.Tier2High, domain.SeverityHigh, 9, true},
		{"assessment high to tier 1", domain.SeverityHigh, domain.SeverityHigh, risk.Tier1Critical, domain.SeverityCritical, 16, true},
		{"assessment high to tier 4", domain.SeverityHigh, domain.SeverityCritical, risk.Tier4Low, domain.SeverityMedium, 2, true},
		{"unchanged", domain.SeverityLow, domain.SeverityLow, risk.Tier3Medium, domain.SeverityLow, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := finding.Stored{Finding: finding.Finding{QuestionSeverity: tt.question, Severity: tt.severity}, Priority: 2}
			changed := f.Retier(tt.tier)
			if changed != tt.wantChanged || f.Severity != tt.wantSev || f.Priority != tt.wantPrio {
				t.Errorf("Retier(%d) = %v, %s / %d; want %v, %s / %d", tt.tier, changed, f.Severity, f.Priority,
					tt.wantChanged, tt.wantSev, tt.wantPrio)
			}
		})
	}
}
