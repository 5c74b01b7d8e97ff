package policy

import (
	"errors"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// fields returns the JSON paths named by an Invalid error, in order.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindInvalid {
		t.Fatalf("error %v is not a domain Invalid error", err)
	}
	out := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
		out[i] = f.Field
	}
	return out
}

func requirement(t *testing.T, tp TierPolicy, ct contract.ClauseType) contract.Requirement {
	t.Helper()
	for _, r := range tp.RequiredClauses {
		if r.Type == ct {
			return r
		}
	}
	t.Fatalf("tier %d does not require %s", tp.Tier, ct)
	return contract.Requirement{}
}

func TestDefaultIsValid(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if !reflect.DeepEqual(p, Default()) {
		t.Errorf("Validate changed the default policy:\n%+v\n%+v", p, Default())
	}
	if p.Version != 1 || p.HomeCountry != "JP" || p.UpdatedBy != "built-in" {
		t.Errorf("version %d, home %q, by %q; want 1, JP, built-in", p.Version, p.HomeCountry, p.UpdatedBy)
	}
}

func TestDefaultTier1(t *testing.T) {
	tp := Default().ForTier(risk.Tier1Critical)
	if tp.Tier != risk.Tier1Critical || tp.ReassessmentMonths != 12 || tp.Approvals != 2 || !tp.EvidenceRequired ||
		tp.QuestionnaireDepth != questionnaire.CoverageCoreExtended {
		t.Errorf("tier 1 = %+v; want reassessment 12 months, 2 approvals, evidence, core+extended", tp)
	}
	if r := requirement(t, tp, contract.BreachNotification); r.MaxNotificationHours != 24 {
		t.Errorf("tier 1 breach notification within %d h, want 24", r.MaxNotificationHours)
	}
	requirement(t, tp, contract.RightToAudit)
	if r := requirement(t, tp, contract.Subcontracting); r.MinSubcontracting != contract.SubPriorApproval {
		t.Errorf("tier 1 subcontracting %q, want prior_approval", r.MinSubcontracting)
	}
	want := map[domain.Severity]int{domain.SeverityCritical: 7, domain.SeverityHigh: 30, domain.SeverityMedium: 60, domain.SeverityLow: 90}
	if !reflect.DeepEqual(tp.RemediationDays, want) {
		t.Errorf("tier 1 remediation days %v, want %v", tp.RemediationDays, want)
	}
}

// A more critical tier never asks for less than a less critical one.
func TestDefaultTiersAreMonotone(t *testing.T) {
	p := Default()
	for _, tier := range risk.Tiers[1:] {
		hi, lo := p.ForTier(tier-1), p.ForTier(tier)
		if hi.ReassessmentMonths > lo.ReassessmentMonths {
			t.Errorf("tier %d reassesses less often than tier %d", hi.Tier, lo.Tier)
		}
		if hi.Approvals < lo.Approvals {
			t.Errorf("tier %d needs fewer approvals than tier %d", hi.Tier, lo.Tier)
		}
		for _, s := range domain.Severities {
			if hi.RemediationDays[s] > lo.RemediationDays[s] {
				t.Errorf("%s findings: tier %d allows %d days, tier %d %d", s, hi.Tier, hi.RemediationDays[s], lo.Tier, lo.RemediationDays[s])
			}
		}
		for _, r := range lo.RequiredClauses {
			if !slices.ContainsFunc(hi.RequiredClauses, func(h contract.Requirement) bool { return h.Type == r.Type }) {
				t.Errorf("tier %d requires %s, tier %d does not", lo.Tier, r.Type, hi.Tier)
			}
		}
	}
	for _, tp := range p.Tiers {
		prev := 0
		for _, s := range domain.Severities {
			if tp.RemediationDays[s] < prev {
				t.Errorf("tier %d: %s findings get fewer days than a more severe one", tp.Tier, s)
			}
			prev = tp.RemediationDays[s]
		}
	}
}

func TestDefaultBreachCostsGiveTheSeedExposure(t *testing.T) {
	costs := Default().BreachCosts
	for _, c := range []risk.DataCategory{risk.DataPersonal, risk.DataSensitivePersonal, risk.DataPaymentCard, risk.DataCredentials} {
		if !slices.Contains(costs, risk.CostPerRecord{Category: c, Cost: domain.Money{Amount: 500, Currency: "JPY"}}) {
			t.Errorf("no 500 JPY cost for %s in %v", c, costs)
		}
	}
	tests := []struct {
		records int64
		want    int64
	}{{1_150_000, 575_000_000}, {4_510_000, 2_255_000_000}}
	for _, tt := range tests {
		e, err := risk.BreachExposure([]risk.Holding{{Category: risk.DataPersonal, Records: tt.records}}, costs)
		if err != nil {
			t.Fatal(err)
		}
		if want := []domain.Money{{Amount: tt.want, Currency: "JPY"}}; !slices.Equal(e.Totals, want) {
			t.Errorf("%d personal records: exposure %v, want %v", tt.records, e.Totals, want)
		}
	}
}

func TestForTier(t *testing.T) {
	p := Default()
	for _, tier := range risk.Tiers {
		if got := p.ForTier(tier); got.Tier != tier || len(got.RequiredClauses) == 0 || got.Approvals == 0 {
			t.Errorf("ForTier(%d) = %+v", tier, got)
		}
	}
	wantClauses := map[risk.Tier]int{risk.Tier1Critical: 11, risk.Tier2High: 8, risk.Tier3Medium: 4, risk.Tier4Low: 1}
	for tier, n := range wantClauses {
		if got := len(p.ForTier(tier).RequiredClauses); got != n {
			t.Errorf("tier %d requires %d clauses, want %d", tier, got, n)
		}
	}
	// A tier the policy does not hold gets an empty policy of that tier, not another tier's.
	if got := p.ForTier(7); !reflect.DeepEqual(got, TierPolicy{Tier: 7}) {
		t.Errorf("ForTier(7) = %+v", got)
	}
	if got := (Policy{}).ForTier(risk.Tier1Critical); !reflect.DeepEqual(got, TierPolicy{Tier: risk.Tier1Critical}) {
		t.Errorf("empty policy ForTier(1) = %+v", got)
	}
}

func TestValidate(t *testing.T) {
	jpy := func(n int64) *domain.Money { return &domain.Money{Amount: n, Currency: "JPY"} }
	tests := []struct {
		name   string
		change func(p *Policy)
		want   []string
	}{
		{"default", func(*Policy) {}, nil},
		{"negative remediation days", func(p *Policy) { p.Tiers[0].RemediationDays[domain.SeverityHigh] = -1 }, []string{"tiers[0].remediation_days.high"}},
		{"zero remediation days", func(p *Policy) { p.Tiers[3].RemediationDays[domain.SeverityCritical] = 0 }, []string{"tiers[3].remediation_days.critical"}},
		{"remediation days above 3650", func(p *Policy) { p.Tiers[1].RemediationDays[domain.SeverityLow] = 3651 }, []string{"tiers[1].remediation_days.low"}},
		{"remediation days 3650", func(p *Policy) { p.Tiers[1].RemediationDays[domain.SeverityLow] = 3650 }, nil},
		{"missing remediation severity", func(p *Policy) { delete(p.Tiers[2].RemediationDays, domain.SeverityMedium) }, []string{"tiers[2].remediation_days.medium"}},
		{"no remediation days at all", func(p *Policy) { p.Tiers[0].RemediationDays = nil }, []string{"tiers[0].remediation_days.critical",
			"tiers[0].remediation_days.high", "tiers[0].remediation_days.medium", "tiers[0].remediation_days.low"}},
		{"reminders left out get the tier's", func(p *Policy) { p.Tiers[0].ReminderDays, p.Tiers[0].EscalateAfterDays = nil, 0 }, nil},
		{"no reminders", func(p *Policy) { p.Tiers[3].ReminderDays = []int{} }, nil},
		{"reminder 0 days", func(p *Policy) { p.Tiers[1].ReminderDays = []int{3, 0} }, []string{"tiers[1].reminder_days[1]"}},
		{"reminder 91 days", func(p *Policy) { p.Tiers[1].ReminderDays = []int{91} }, []string{"tiers[1].reminder_days[0]"}},
		{"reminders not largest first", func(p *Policy) { p.Tiers[2].ReminderDays = []int{1, 7} }, []string{"tiers[2].reminder_days[1]"}},
		{"repeated reminder", func(p *Policy) { p.Tiers[2].ReminderDays = []int{7, 7} }, []string{"tiers[2].reminder_days[1]"}},
		{"seven reminders", func(p *Policy) { p.Tiers[0].ReminderDays = []int{30, 20, 14, 7, 3, 2, 1} }, []string{"tiers[0].reminder_days"}},
		{"escalation after 366 days", func(p *Policy) { p.Tiers[0].EscalateAfterDays = 366 }, []string{"tiers[0].escalate_after_days"}},
		{"escalation after -1 days", func(p *Policy) { p.Tiers[0].EscalateAfterDays = -1 }, []string{"tiers[0].escalate_after_days"}},
		{"approvals 0", func(p *Policy) { p.Tiers[1].Approvals = 0 }, []string{"tiers[1].approvals"}},
		{"approvals 6", func(p *Policy) { p.Tiers[1].Approvals = 6 }, []string{"tiers[1].approvals"}},
		{"approvals 5", func(p *Policy) { p.Tiers[1].Approvals = 5 }, nil},
		{"reassessment 0 months", func(p *Policy) { p.Tiers[0].ReassessmentMonths = 0 }, []string{"tiers[0].reassessment_months"}},
		{"reassessment 121 months", func(p *Policy) { p.Tiers[3].ReassessmentMonths = 121 }, []string{"tiers[3].reassessment_months"}},
		{"duplicate tier", func(p *Policy) { p.Tiers[2].Tier = risk.Tier1Critical }, []string{"tiers[2].tier"}},
		{"tier 0", func(p *Policy) { p.Tiers[3].Tier = 0 }, []string{"tiers[3].tier"}},
		{"tier 5", func(p *Policy) { p.Tiers[3].Tier = 5 }, []string{"tiers[3].tier"}},
		{"missing tier: 3 entries", func(p *Policy) { p.Tiers = p.Tiers[:3] }, []string{"tiers"}},
		{"no tiers", func(p *Policy) { p.Tiers = nil }, []string{"tiers"}},
		{"5 entries", func(p *Policy) { p.Tiers = append(p.Tiers, p.Tiers[3]) }, []string{"tiers", "tiers[4].tier"}},
		{"bad depth", func(p *Policy) { p.Tiers[2].QuestionnaireDepth = "deep" }, []string{"tiers[2].questionnaire_depth"}},
		{"empty depth", func(p *Policy) { p.Tiers[0].QuestionnaireDepth = "" }, []string{"tiers[0].questionnaire_depth"}},
		{"unknown clause type", func(p *Policy) { p.Tiers[0].RequiredClauses[2].Type = "warranty" }, []string{"tiers[0].required_clauses[2].type"}},
		{"duplicate clause", func(p *Policy) { p.Tiers[1].RequiredClauses[3].Type = contract.Confidentiality }, []string{"tiers[1].required_clauses[3].type"}},
		{"no required clauses", func(p *Policy) { p.Tiers[3].RequiredClauses = nil }, nil},
		{"negative notification hours", func(p *Policy) { p.Tiers[0].RequiredClauses[3].MaxNotificationHours = -1 }, []string{"tiers[0].required_clauses[3].max_notification_hours"}},
		{"notification hours above a year", func(p *Policy) { p.Tiers[0].RequiredClauses[3].MaxNotificationHours = 8761 }, []string{"tiers[0].required_clauses[3].max_notification_hours"}},
		{"negative audit notice", func(p *Policy) { p.Tiers[0].RequiredClauses[2].MaxAuditNoticeDays = -1 }, []string{"tiers[0].required_clauses[2].max_audit_notice_days"}},
		{"negative deletion days", func(p *Policy) { p.Tiers[0].RequiredClauses[6].MaxDeletionDays = -30 }, []string{"tiers[0].required_clauses[6].max_deletion_days"}},
		{"negative RTO", func(p *Policy) { p.Tiers[0].RequiredClauses[7].MaxRTOHours = -1 }, []string{"tiers[0].required_clauses[7].max_rto_hours"}},
		{"negative exit assistance", func(p *Policy) { p.Tiers[0].RequiredClauses[10].MinExitAssistanceDays = -90 }, []string{"tiers[0].required_clauses[10].min_exit_assistance_days"}},
		{"all thresholds negative", func(p *Policy) {
			r := &p.Tiers[2].RequiredClauses[1]
			r.MaxNotificationHours, r.MaxAuditNoticeDays, r.MaxDeletionDays, r.MaxRTOHours, r.MinExitAssistanceDays = -1, -1, -1, -1, -1
		}, []string{"tiers[2].required_clauses[1].max_notification_hours", "tiers[2].required_clauses[1].max_audit_notice_days",
			"tiers[2].required_clauses[1].max_deletion_days", "tiers[2].required_clauses[1].max_rto_hours",
			"tiers[2].required_clauses[1].min_exit_assistance_days"}},
		{"bad subcontracting level", func(p *Policy) { p.Tiers[0].RequiredClauses[4].MinSubcontracting = "sometimes" }, []string{"tiers[0].required_clauses[4].min_subcontracting"}},
		{"bad country in allowed_countries", func(p *Policy) { p.Tiers[0].RequiredClauses[5].AllowedCountries = []string{"JP", "XX", "SG"} },
			[]string{"tiers[0].required_clauses[5].allowed_countries[1]"}},
		{"alpha-3 country in allowed_countries", func(p *Policy) { p.Tiers[1].RequiredClauses[5].AllowedCountries = []string{"JPN"} },
			[]string{"tiers[1].required_clauses[5].allowed_countries[0]"}},
		{"lower-case, padded allowed country", func(p *Policy) { p.Tiers[1].RequiredClauses[5].AllowedCountries = []string{" jp "} }, nil},
		{"liability cap with a bad currency", func(p *Policy) {
			p.Tiers[3].RequiredClauses = append(p.Tiers[3].RequiredClauses, contract.Requirement{Type: contract.Liability,
				MinLiabilityCap: &domain.Money{Amount: 1_000_000, Currency: "yen"}})
		}, []string{"tiers[3].required_clauses[1].min_liability_cap"}},
		{"negative liability cap", func(p *Policy) {
			p.Tiers[3].RequiredClauses = append(p.Tiers[3].RequiredClauses, contract.Requirement{Type: contract.Liability, MinLiabilityCap: jpy(-1)})
		}, []string{"tiers[3].required_clauses[1].min_liability_cap"}},
		{"valid liability cap", func(p *Policy) {
			p.Tiers[3].RequiredClauses = append(p.Tiers[3].RequiredClauses, contract.Requirement{Type: contract.Liability, MinLiabilityCap: jpy(0)})
		}, nil},
		{"bad breach cost currency", func(p *Policy) { p.BreachCosts[0].Cost.Currency = "yen" }, []string{"breach_costs[0].currency"}},
		{"empty breach cost currency", func(p *Policy) { p.BreachCosts[2].Cost.Currency = "" }, []string{"breach_costs[2].currency"}},
		{"bad breach cost category", func(p *Policy) { p.BreachCosts[1].Category = "health" }, []string{"breach_costs[1].category"}},
		{"duplicate breach cost category", func(p *Policy) { p.BreachCosts[3].Category = risk.DataPersonal }, []string{"breach_costs[3].category"}},
		{"negative breach cost", func(p *Policy) { p.BreachCosts[2].Cost.Amount = -500 }, []string{"breach_costs[2].amount"}},
		{"breach cost above 100,000,000", func(p *Policy) { p.BreachCosts[2].Cost.Amount = 100_000_001 }, []string{"breach_costs[2].amount"}},
		{"breach cost 0 and 100,000,000", func(p *Policy) { p.BreachCosts[0].Cost.Amount, p.BreachCosts[1].Cost.Amount = 0, 100_000_000 }, nil},
		{"breach cost in another currency", func(p *Policy) {
			p.BreachCosts = append(p.BreachCosts, risk.CostPerRecord{Category: risk.DataConfidential, Cost: domain.Money{Amount: 100, Currency: "USD"}})
		}, nil},
		{"no breach costs", func(p *Policy) { p.BreachCosts = nil }, nil},
		{"bad home_country", func(p *Policy) { p.HomeCountry = "XX" }, []string{"home_country"}},
		{"empty home_country", func(p *Policy) { p.HomeCountry = "" }, []string{"home_country"}},
		{"alpha-3 home_country", func(p *Policy) { p.HomeCountry = "JPN" }, []string{"home_country"}},
		{"lower-case home_country", func(p *Policy) { p.HomeCountry = " us " }, nil},
		{"tiers in another order", func(p *Policy) { slices.Reverse(p.Tiers) }, nil},
		{"every problem at once, in document order", func(p *Policy) {
			p.HomeCountry = "ZZ"
			p.Tiers[0].Approvals = 0
			p.Tiers[1].Tier = risk.Tier1Critical
			p.Tiers[1].RequiredClauses[0].Type = "nda"
			p.BreachCosts[0].Cost.Currency = "jpy"
		}, []string{"home_country", "tiers[0].approvals", "tiers[1].tier", "tiers[1].required_clauses[0].type", "breach_costs[0].currency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Default()
			tt.change(&p)
			got := fields(t, p.Validate())
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate names %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateNormalizes(t *testing.T) {
	p := Default()
	p.HomeCountry = " us "
	slices.Reverse(p.Tiers)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.HomeCountry != "US" {
		t.Errorf("home country %q, want US", p.HomeCountry)
	}
	for i, tp := range p.Tiers {
		if tp.Tier != risk.Tiers[i] {
			t.Errorf("tiers[%d] is tier %d: Validate must sort the tiers, tier 1 first", i, tp.Tier)
		}
	}
}

// Validate accepts allowed_countries in any case (it checks the normalized code), so the stored policy must
// hold the normalized code: contracts' countries are normalized to upper case, and the gap analysis compares
// the two exactly.
func TestValidatedAllowedCountriesMatchContractCountries(t *testing.T) {
	p := Default()
	for i := range p.Tiers[0].RequiredClauses {
		if p.Tiers[0].RequiredClauses[i].Type == contract.DataLocation {
			p.Tiers[0].RequiredClauses[i].AllowedCountries = []string{"jp", " sg"}
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	r := requirement(t, p.ForTier(risk.Tier1Critical), contract.DataLocation)
	if !slices.Equal(r.AllowedCountries, []string{"JP", "SG"}) {
		t.Errorf("allowed countries stored as %q, want [JP SG]", r.AllowedCountries)
	}
	c := contract.Contract{Clauses: []contract.Clause{{Type: contract.DataLocation, Countries: []string{"JP"}}}}
	gaps := contract.Gaps(c, contract.GapInput{Requirements: []contract.Requirement{r}, DataLocations: []string{"JP"}})
	for _, g := range gaps {
		if strings.Contains(g.Detail, "policy allows only") {
			t.Errorf("a contract keeping data in JP only breaks a policy that allows jp: %s", g.Detail)
		}
	}
}

func TestDefaultReminders(t *testing.T) {
	p := Default()
	if got := p.MaxReminderDays(); got != 14 {
		t.Errorf("MaxReminderDays = %d, want 14 (tier 1's first reminder)", got)
	}
	for _, tp := range p.Tiers {
		if !slices.IsSortedFunc(tp.ReminderDays, func(a, b int) int { return b - a }) || tp.EscalateAfterDays == 0 {
			t.Errorf("tier %d: reminders %v, escalation after %d", tp.Tier, tp.ReminderDays, tp.EscalateAfterDays)
		}
	}
	if t1, t4 := p.ForTier(risk.Tier1Critical), p.ForTier(risk.Tier4Low); t1.EscalateAfterDays >= t4.EscalateAfterDays {
		t.Errorf("tier 1 escalates after %d days, tier 4 after %d: a critical supplier must be escalated sooner",
			t1.EscalateAfterDays, t4.EscalateAfterDays)
	}
}
