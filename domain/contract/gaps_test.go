package contract_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

func ptr[T any](v T) *T { return &v }

const (
	critical = domain.SeverityCritical
	high     = domain.SeverityHigh
	medium   = domain.SeverityMedium
	low      = domain.SeverityLow
)

type gap struct {
	Type     contract.ClauseType
	Problem  string
	Severity domain.Severity
	Detail   string
}

func with(cls ...contract.Clause) contract.Contract {
	return contract.Contract{Title: "x", Clauses: cls}
}

func req(r contract.Requirement) []contract.Requirement { return []contract.Requirement{r} }

func runGaps(t *testing.T, c contract.Contract, in contract.GapInput) []gap {
	t.Helper()
	gs := contract.Gaps(c, in)
	out := make([]gap, len(gs))
	for i, g := range gs {
		out[i] = gap{g.ClauseType, g.Problem, g.Severity, g.Detail}
		if !slices.Equal(g.ControlRefs, contract.ControlRefs[g.ClauseType]) || len(g.ControlRefs) == 0 {
			t.Errorf("%s gap carries control refs %q, want %q", g.ClauseType, g.ControlRefs, contract.ControlRefs[g.ClauseType])
		}
		if !slices.Contains(domain.Severities, g.Severity) {
			t.Errorf("%s gap has severity %q", g.ClauseType, g.Severity)
		}
	}
	// Pure: the same inputs give the same gaps.
	if again := contract.Gaps(c, in); !reflect.DeepEqual(gs, again) {
		t.Errorf("Gaps is not deterministic:\n%+v\n%+v", gs, again)
	}
	return out
}

func TestGaps(t *testing.T) {
	jpy := func(n int64) *domain.Money { return &domain.Money{Amount: n, Currency: "JPY"} }
	tests := []struct {
		name     string
		contract contract.Contract
		in       contract.GapInput
		want     []gap
	}{
		{
			name: "nothing required", contract: with(),
		},
		{
			name: "missing clause", contract: with(contract.Clause{Type: contract.DataProtection}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Confidentiality})},
			want: []gap{{contract.Confidentiality, "missing", high,
				"The contract has no confidentiality clause, which the policy requires."}},
		},
		{
			name: "missing clause, label spelt out", contract: with(),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BreachNotification, MaxNotificationHours: 24})},
			want: []gap{{contract.BreachNotification, "missing", high,
				"The contract has no breach notification clause, which the policy requires."}},
		},
		{
			name: "72 h notification where 24 h is required", contract: with(contract.Clause{Type: contract.BreachNotification, Hours: ptr(72)}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BreachNotification, MaxNotificationHours: 24})},
			want: []gap{{contract.BreachNotification, "weaker", medium,
				"Breach notification within 72 h; the policy requires 24 h or less."}},
		},
		{
			name: "24 h notification where 24 h is required", contract: with(contract.Clause{Type: contract.BreachNotification, Hours: ptr(24)}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BreachNotification, MaxNotificationHours: 24})},
		},
		{
			name: "any notification where only the clause is required", contract: with(contract.Clause{Type: contract.BreachNotification, Hours: ptr(720)}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BreachNotification})},
		},
		{
			name: "audit notice too long", contract: with(contract.Clause{Type: contract.RightToAudit, NoticeDays: ptr(60)}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.RightToAudit, MaxAuditNoticeDays: 30})},
			want: []gap{{contract.RightToAudit, "weaker", low, "An audit needs 60 days' notice; the policy allows at most 30."}},
		},
		{
			name:     "unrestricted subcontracting where prior approval is required",
			contract: with(contract.Clause{Type: contract.Subcontracting, Level: contract.SubUnrestricted}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Subcontracting, MinSubcontracting: contract.SubPriorApproval})},
			want:     []gap{{contract.Subcontracting, "weaker", low, "Subcontracting is unrestricted; the policy requires at least prior approval."}},
		},
		{
			name:     "notify where prior approval is required",
			contract: with(contract.Clause{Type: contract.Subcontracting, Level: contract.SubNotify}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Subcontracting, MinSubcontracting: contract.SubPriorApproval})},
			want:     []gap{{contract.Subcontracting, "weaker", low, "Subcontracting is notify; the policy requires at least prior approval."}},
		},
		{
			name:     "prohibited where prior approval is required",
			contract: with(contract.Clause{Type: contract.Subcontracting, Level: contract.SubProhibited}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Subcontracting, MinSubcontracting: contract.SubPriorApproval})},
		},
		{
			name:     "data kept in a country the clause does not allow",
			contract: with(contract.Clause{Type: contract.DataLocation, Countries: []string{"JP"}}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.DataLocation}), DataLocations: []string{"JP", "US", "SG", "US"}},
			want:     []gap{{contract.DataLocation, "weaker", medium, "Data is stored in US, SG, which the contract does not allow (it allows JP)."}},
		},
		{
			name:     "data kept where the clause allows",
			contract: with(contract.Clause{Type: contract.DataLocation, Countries: []string{"JP", "SG"}}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.DataLocation}), DataLocations: []string{"SG"}},
		},
		{
			name:     "policy allows fewer countries than the clause",
			contract: with(contract.Clause{Type: contract.DataLocation, Countries: []string{"JP", "SG", "US"}}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.DataLocation, AllowedCountries: []string{"JP"}}), DataLocations: []string{"JP"}},
			want:     []gap{{contract.DataLocation, "weaker", medium, "The contract allows data in SG, US; the policy allows only JP."}},
		},
		{
			name:     "policy and data location both broken: two gaps",
			contract: with(contract.Clause{Type: contract.DataLocation, Countries: []string{"JP", "US"}}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.DataLocation, AllowedCountries: []string{"JP", "SG"}}),
				DataLocations: []string{"SG"}},
			want: []gap{
				{contract.DataLocation, "weaker", medium, "The contract allows data in US; the policy allows only JP, SG."},
				{contract.DataLocation, "weaker", medium, "Data is stored in SG, which the contract does not allow (it allows JP, US)."},
			},
		},
		{
			name: "deletion too slow", contract: with(contract.Clause{Type: contract.ReturnAndDeletion, Days: ptr(90)}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.ReturnAndDeletion, MaxDeletionDays: 30})},
			want: []gap{{contract.ReturnAndDeletion, "weaker", low, "Data is returned or deleted 90 days after the end; the policy requires 30 days or less."}},
		},
		{
			name: "RTO missing", contract: with(contract.Clause{Type: contract.BusinessContinuity, BCPTestedYearly: true}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BusinessContinuity, MaxRTOHours: 24})},
			want: []gap{{contract.BusinessContinuity, "weaker", low, "The committed recovery time is not stated; the policy requires 24 h or less."}},
		},
		{
			name: "RTO too long", contract: with(contract.Clause{Type: contract.BusinessContinuity, RTOHours: ptr(48)}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BusinessContinuity, MaxRTOHours: 24})},
			want: []gap{{contract.BusinessContinuity, "weaker", low, "The committed recovery time is 48 h; the policy requires 24 h or less."}},
		},
		{
			name: "RTO at the limit", contract: with(contract.Clause{Type: contract.BusinessContinuity, RTOHours: ptr(24)}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BusinessContinuity, MaxRTOHours: 24})},
		},
		{
			name: "BCP test missing", contract: with(contract.Clause{Type: contract.BusinessContinuity, RTOHours: ptr(4)}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.BusinessContinuity, RequireBCPTest: true})},
			want: []gap{{contract.BusinessContinuity, "weaker", low, "The contract does not require a yearly test of the continuity plan."}},
		},
		{
			name: "NDA and training missing", contract: with(contract.Clause{Type: contract.StaffSecurity}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.StaffSecurity, RequireNDA: true, RequireTraining: true})},
			want: []gap{
				{contract.StaffSecurity, "weaker", low, "Vendor staff are not bound by confidentiality agreements."},
				{contract.StaffSecurity, "weaker", low, "Vendor staff are not required to take security training."},
			},
		},
		{
			name: "training missing, not required", contract: with(contract.Clause{Type: contract.StaffSecurity, NDA: true}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.StaffSecurity, RequireNDA: true})},
		},
		{
			name: "liability cap lower", contract: with(contract.Clause{Type: contract.Liability, Cap: jpy(50_000_000)}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Liability, MinLiabilityCap: jpy(100_000_000)})},
			want: []gap{{contract.Liability, "weaker", low, "Liability is capped at 50000000 JPY; the policy requires at least 100000000 JPY."}},
		},
		{
			name:     "liability cap in another currency",
			contract: with(contract.Clause{Type: contract.Liability, Cap: &domain.Money{Amount: 1_000_000_000, Currency: "USD"}}),
			in:       contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Liability, MinLiabilityCap: jpy(100_000_000)})},
			want:     []gap{{contract.Liability, "weaker", low, "Liability is capped at 1000000000 USD; the policy requires at least 100000000 JPY."}},
		},
		{
			name: "liability cap equal", contract: with(contract.Clause{Type: contract.Liability, Cap: jpy(100_000_000)}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Liability, MinLiabilityCap: jpy(100_000_000)})},
		},
		{
			name: "liability uncapped", contract: with(contract.Clause{Type: contract.Liability}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.Liability, MinLiabilityCap: jpy(100_000_000)})},
		},
		{
			name: "exit assistance too short", contract: with(contract.Clause{Type: contract.ExitAssistance, Days: ptr(30)}),
			in:   contract.GapInput{Requirements: req(contract.Requirement{Type: contract.ExitAssistance, MinExitAssistanceDays: 90})},
			want: []gap{{contract.ExitAssistance, "weaker", low, "Exit assistance lasts 30 days; the policy requires at least 90."}},
		},
		{
			name: "exit assistance long enough", contract: with(contract.Clause{Type: contract.ExitAssistance, Days: ptr(90)}),
			in: contract.GapInput{Requirements: req(contract.Requirement{Type: contract.ExitAssistance, MinExitAssistanceDays: 90})},
		},
		{
			name:     "tier 1 raises every gap by one level",
			contract: with(contract.Clause{Type: contract.BreachNotification, Hours: ptr(72)}, contract.Clause{Type: contract.Liability, Cap: jpy(1)}),
			in: contract.GapInput{Tier1: true, Requirements: []contract.Requirement{
				{Type: contract.Confidentiality},
				{Type: contract.BreachNotification, MaxNotificationHours: 24},
				{Type: contract.Liability, MinLiabilityCap: jpy(2)},
				{Type: contract.ExitAssistance},
			}},
			want: []gap{
				{contract.Confidentiality, "missing", critical, "The contract has no confidentiality clause, which the policy requires."},
				{contract.BreachNotification, "weaker", high, "Breach notification within 72 h; the policy requires 24 h or less."},
				{contract.Liability, "weaker", medium, "Liability is capped at 1 JPY; the policy requires at least 2 JPY."},
				{contract.ExitAssistance, "missing", medium, "The contract has no exit assistance clause, which the policy requires."},
			},
		},
		{
			name:     "gaps follow the order of the requirements, not of the clauses",
			contract: with(contract.Clause{Type: contract.ExitAssistance, Days: ptr(1)}, contract.Clause{Type: contract.RightToAudit, NoticeDays: ptr(99)}),
			in: contract.GapInput{Requirements: []contract.Requirement{
				{Type: contract.RightToAudit, MaxAuditNoticeDays: 30}, {Type: contract.DataProtection}, {Type: contract.ExitAssistance, MinExitAssistanceDays: 2},
			}},
			want: []gap{
				{contract.RightToAudit, "weaker", low, "An audit needs 99 days' notice; the policy allows at most 30."},
				{contract.DataProtection, "missing", high, "The contract has no data protection clause, which the policy requires."},
				{contract.ExitAssistance, "weaker", low, "Exit assistance lasts 1 days; the policy requires at least 2."},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runGaps(t, tt.contract, tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("gaps:\n%s\nwant:\n%s", show(got), show(tt.want))
			}
		})
	}
}

func show(gs []gap) string {
	s := ""
	for _, g := range gs {
		s += fmt.Sprintf("  %s %s %s: %s\n", g.Type, g.Problem, g.Severity, g.Detail)
	}
	return s
}

// TestGapSeverity: the base severity of a missing clause per type, one level lower for a weaker clause, one
// level higher in tier 1, never above critical nor below low.
func TestGapSeverity(t *testing.T) {
	tests := []struct {
		ct contract.ClauseType
		// missing and weaker clause, outside tier 1 and in tier 1
		missing, missingTier1 domain.Severity
		weak                  *contract.Clause
		weakReq               contract.Requirement
		weaker, weakerTier1   domain.Severity
	}{
		{ct: contract.Confidentiality, missing: high, missingTier1: critical},
		{ct: contract.DataProtection, missing: high, missingTier1: critical},
		{ct: contract.SecurityRequirements, missing: medium, missingTier1: high},
		{ct: contract.BreachNotification, missing: high, missingTier1: critical,
			weak: &contract.Clause{Type: contract.BreachNotification, Hours: ptr(72)}, weakReq: contract.Requirement{MaxNotificationHours: 24},
			weaker: medium, weakerTier1: high},
		{ct: contract.DataLocation, missing: high, missingTier1: critical,
			weak: &contract.Clause{Type: contract.DataLocation, Countries: []string{"US"}}, weakReq: contract.Requirement{AllowedCountries: []string{"JP"}},
			weaker: medium, weakerTier1: high},
		{ct: contract.RightToAudit, missing: medium, missingTier1: high,
			weak: &contract.Clause{Type: contract.RightToAudit, NoticeDays: ptr(60)}, weakReq: contract.Requirement{MaxAuditNoticeDays: 30},
			weaker: low, weakerTier1: medium},
		{ct: contract.Subcontracting, missing: medium, missingTier1: high,
			weak: &contract.Clause{Type: contract.Subcontracting, Level: contract.SubUnrestricted}, weakReq: contract.Requirement{MinSubcontracting: contract.SubNotify},
			weaker: low, weakerTier1: medium},
		{ct: contract.ReturnAndDeletion, missing: medium, missingTier1: high,
			weak: &contract.Clause{Type: contract.ReturnAndDeletion, Days: ptr(90)}, weakReq: contract.Requirement{MaxDeletionDays: 30},
			weaker: low, weakerTier1: medium},
		{ct: contract.BusinessContinuity, missing: medium, missingTier1: high,
			weak: &contract.Clause{Type: contract.BusinessContinuity}, weakReq: contract.Requirement{RequireBCPTest: true},
			weaker: low, weakerTier1: medium},
		{ct: contract.StaffSecurity, missing: medium, missingTier1: high,
			weak: &contract.Clause{Type: contract.StaffSecurity}, weakReq: contract.Requirement{RequireNDA: true},
			weaker: low, weakerTier1: medium},
		{ct: contract.Liability, missing: low, missingTier1: medium,
			weak:    &contract.Clause{Type: contract.Liability, Cap: &domain.Money{Amount: 1, Currency: "JPY"}},
			weakReq: contract.Requirement{MinLiabilityCap: &domain.Money{Amount: 2, Currency: "JPY"}},
			weaker:  low, weakerTier1: medium},
		{ct: contract.ExitAssistance, missing: low, missingTier1: medium,
			weak: &contract.Clause{Type: contract.ExitAssistance, Days: ptr(10)}, weakReq: contract.Requirement{MinExitAssistanceDays: 90},
			weaker: low, weakerTier1: medium},
	}
	if len(tests) != len(contract.ClauseTypes) {
		t.Fatalf("%d clause types in the table, %d exist", len(tests), len(contract.ClauseTypes))
	}
	for _, tt := range tests {
		t.Run(string(tt.ct), func(t *testing.T) {
			for _, tier1 := range []bool{false, true} {
				want := map[bool]domain.Severity{false: tt.missing, true: tt.missingTier1}[tier1]
				gs := runGaps(t, with(), contract.GapInput{Tier1: tier1, Requirements: req(contract.Requirement{Type: tt.ct})})
				if len(gs) != 1 || gs[0].Problem != "missing" || gs[0].Severity != want {
					t.Errorf("missing, tier 1 %v: %+v, want one missing gap of severity %s", tier1, gs, want)
				}
				if tt.weak == nil {
					continue
				}
				r := tt.weakReq
				r.Type = tt.ct
				want = map[bool]domain.Severity{false: tt.weaker, true: tt.weakerTier1}[tier1]
				gs = runGaps(t, with(*tt.weak), contract.GapInput{Tier1: tier1, Requirements: req(r), DataLocations: tt.weak.Countries})
				if len(gs) != 1 || gs[0].Problem != "weaker" || gs[0].Severity != want {
					t.Errorf("weaker, tier 1 %v: %+v, want one weaker gap of severity %s", tier1, gs, want)
				}
			}
		})
	}
}

// compliant is a contract that meets every clause the built-in policy requires of any tier.
func compliant() contract.Contract {
	return with(
		contract.Clause{Type: contract.Confidentiality},
		contract.Clause{Type: contract.DataProtection},
		contract.Clause{Type: contract.RightToAudit, NoticeDays: ptr(30)},
		contract.Clause{Type: contract.BreachNotification, Hours: ptr(24)},
		contract.Clause{Type: contract.Subcontracting, Level: contract.SubPriorApproval},
		contract.Clause{Type: contract.DataLocation, Countries: []string{"JP"}},
		contract.Clause{Type: contract.ReturnAndDeletion, Days: ptr(30)},
		contract.Clause{Type: contract.BusinessContinuity, RTOHours: ptr(4), BCPTestedYearly: true},
		contract.Clause{Type: contract.SecurityRequirements},
		contract.Clause{Type: contract.StaffSecurity, NDA: true, Training: true},
		contract.Clause{Type: contract.ExitAssistance, Days: ptr(90)},
	)
}

func TestGapsAgainstDefaultPolicy(t *testing.T) {
	p := policy.Default()
	for _, tier := range risk.Tiers {
		t.Run(fmt.Sprintf("tier %d", tier), func(t *testing.T) {
			reqs := p.ForTier(tier).RequiredClauses
			in := contract.GapInput{Requirements: reqs, Tier1: tier == risk.Tier1Critical, DataLocations: []string{"JP"}}
			if gs := runGaps(t, compliant(), in); len(gs) != 0 {
				t.Errorf("a compliant contract has gaps:\n%s", show(gs))
			}
			// An empty contract misses every required clause, in the policy's order.
			gs := runGaps(t, with(), in)
			if len(gs) != len(reqs) {
				t.Fatalf("%d gaps for %d required clauses", len(gs), len(reqs))
			}
			for i, g := range gs {
				if g.Type != reqs[i].Type || g.Problem != "missing" {
					t.Errorf("gap %d: %s %s, want %s missing", i, g.Type, g.Problem, reqs[i].Type)
				}
			}
		})
	}
	// The seed's tier 1 case with a 72-hour clause: one gap that names both numbers.
	c := compliant()
	for i := range c.Clauses {
		if c.Clauses[i].Type == contract.BreachNotification {
			c.Clauses[i].Hours = ptr(72)
		}
	}
	in := contract.GapInput{Requirements: p.ForTier(risk.Tier1Critical).RequiredClauses, Tier1: true, DataLocations: []string{"JP"}}
	want := []gap{{contract.BreachNotification, "weaker", high, "Breach notification within 72 h; the policy requires 24 h or less."}}
	if got := runGaps(t, c, in); !slices.Equal(got, want) {
		t.Errorf("gaps:\n%s\nwant:\n%s", show(got), show(want))
	}
}

func TestGapsWithoutContract(t *testing.T) {
	reqs := []contract.Requirement{{Type: contract.Confidentiality}, {Type: contract.Liability}}
	for _, tier1 := range []bool{false, true} {
		got := contract.GapsWithoutContract(contract.GapInput{Requirements: reqs, Tier1: tier1})
		missing := contract.Gaps(contract.Contract{}, contract.GapInput{Requirements: reqs, Tier1: tier1})
		if len(got) != len(reqs) || len(missing) != len(reqs) {
			t.Fatalf("tier1=%v: %d gaps without a contract, want %d", tier1, len(got), len(reqs))
		}
		for i, g := range got {
			if g.ClauseType != reqs[i].Type || g.Problem != contract.ProblemNoContract || g.Severity != missing[i].Severity || g.Detail == "" {
				t.Errorf("tier1=%v: gap %d = %+v, want %s as no_contract, severity %s", tier1, i, g, reqs[i].Type, missing[i].Severity)
			}
		}
	}
	if got := contract.GapsWithoutContract(contract.GapInput{}); len(got) != 0 {
		t.Errorf("no requirement: %+v", got)
	}
}
