// Package policy is the risk policy: what each tier demands (questionnaire depth, evidence, review
// cadence, remediation deadlines, approvals, contract clauses) and what a leaked record costs.
package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/country"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// TierPolicy is what one tier demands.
type TierPolicy struct {
	Tier               risk.Tier
	QuestionnaireDepth questionnaire.Coverage
	EvidenceRequired   bool
	ReassessmentMonths int
	RemediationDays    map[domain.Severity]int
	Approvals          int
	// MaxAcceptanceDays is the longest a risk acceptance on this tier may run.
	MaxAcceptanceDays int
	RequiredClauses   []contract.Requirement
	// ReminderDays are the days before a due date (an assessment's, a remediation item's) the supplier
	// is reminded, largest first; EscalateAfterDays is how many days overdue the item is escalated to
	// its internal owners.
	ReminderDays      []int
	EscalateAfterDays int
}

// defaultReminders: a critical supplier is reminded earlier and escalated sooner.
var defaultReminders = map[risk.Tier]struct {
	days     []int
	escalate int
}{
	risk.Tier1Critical: {[]int{14, 7, 3, 1}, 3},
	risk.Tier2High:     {[]int{7, 3, 1}, 5},
	risk.Tier3Medium:   {[]int{7, 3, 1}, 7},
	risk.Tier4Low:      {[]int{7, 1}, 14},
}

// DefaultReminderDays is the built-in reminder schedule of a tier (policies stored before the field
// existed get it).
func DefaultReminderDays(t risk.Tier) []int { return slices.Clone(defaultReminders[t].days) }

// DefaultEscalateAfterDays is the built-in escalation delay of a tier.
func DefaultEscalateAfterDays(t risk.Tier) int { return defaultReminders[t].escalate }

// MaxReminderDays is the earliest reminder any tier sends: how far ahead the sweep must look.
func (p Policy) MaxReminderDays() int {
	most := 0
	for _, t := range p.Tiers {
		if len(t.ReminderDays) > 0 {
			most = max(most, t.ReminderDays[0])
		}
	}
	return most
}

// fillDefaults gives fields a stored or submitted policy left out their tier's built-in value.
func (tp *TierPolicy) fillDefaults() {
	if tp.MaxAcceptanceDays == 0 {
		tp.MaxAcceptanceDays = DefaultMaxAcceptanceDays(tp.Tier)
	}
	if tp.ReminderDays == nil {
		tp.ReminderDays = DefaultReminderDays(tp.Tier)
	}
	if tp.EscalateAfterDays == 0 {
		tp.EscalateAfterDays = DefaultEscalateAfterDays(tp.Tier)
	}
}

// FillDefaults gives every tier's fields left out their built-in value.
func (p *Policy) FillDefaults() {
	for i := range p.Tiers {
		p.Tiers[i].fillDefaults()
	}
}

// defaultMaxAcceptanceDays: the more critical the tier, the sooner an accepted risk is looked at again.
var defaultMaxAcceptanceDays = map[risk.Tier]int{risk.Tier1Critical: 90, risk.Tier2High: 180, risk.Tier3Medium: 365, risk.Tier4Low: 365}

// DefaultMaxAcceptanceDays is the built-in limit for a tier (policies stored before the field existed get it).
func DefaultMaxAcceptanceDays(t risk.Tier) int { return defaultMaxAcceptanceDays[t] }

// Policy is one version of the risk policy.
type Policy struct {
	Version     int
	HomeCountry string
	Tiers       []TierPolicy // one per tier, tier 1 first
	BreachCosts []risk.CostPerRecord
	UpdatedAt   time.Time
	UpdatedBy   string // key ID, or "built-in"
}

// ForTier returns the tier's policy.
func (p Policy) ForTier(t risk.Tier) TierPolicy {
	for _, tp := range p.Tiers {
		if tp.Tier == t {
			return tp
		}
	}
	return TierPolicy{Tier: t}
}

func yen(n int64) domain.Money { return domain.Money{Amount: n, Currency: "JPY"} }

// Default is the built-in policy (version 1), used until an admin stores another.
func Default() Policy {
	p := Policy{
		Version:     1,
		HomeCountry: "JP",
		UpdatedBy:   "built-in",
		BreachCosts: []risk.CostPerRecord{
			// The seed's figure: 500 JPY compensation per person. Sensitive categories default to the same
			// figure; raise them to your own estimate.
			{Category: risk.DataPersonal, Cost: yen(500)},
			{Category: risk.DataSensitivePersonal, Cost: yen(500)},
			{Category: risk.DataPaymentCard, Cost: yen(500)},
			{Category: risk.DataCredentials, Cost: yen(500)},
		},
		Tiers: []TierPolicy{
			{
				Tier: risk.Tier1Critical, QuestionnaireDepth: questionnaire.CoverageCoreExtended, EvidenceRequired: true,
				ReassessmentMonths: 12, Approvals: 2, MaxAcceptanceDays: 90,
				RemediationDays: days(7, 30, 60, 90),
				RequiredClauses: []contract.Requirement{
					{Type: contract.Confidentiality}, {Type: contract.DataProtection},
					{Type: contract.RightToAudit, MaxAuditNoticeDays: 30},
					{Type: contract.BreachNotification, MaxNotificationHours: 24},
					{Type: contract.Subcontracting, MinSubcontracting: contract.SubPriorApproval},
					{Type: contract.DataLocation},
					{Type: contract.ReturnAndDeletion, MaxDeletionDays: 30},
					{Type: contract.BusinessContinuity, RequireBCPTest: true},
					{Type: contract.SecurityRequirements},
					{Type: contract.StaffSecurity, RequireNDA: true, RequireTraining: true},
					{Type: contract.ExitAssistance, MinExitAssistanceDays: 90},
				},
			},
			{
				Tier: risk.Tier2High, QuestionnaireDepth: questionnaire.CoverageCoreExtended, EvidenceRequired: true,
				ReassessmentMonths: 12, Approvals: 1, MaxAcceptanceDays: 180,
				RemediationDays: days(14, 45, 90, 180),
				RequiredClauses: []contract.Requirement{
					{Type: contract.Confidentiality}, {Type: contract.DataProtection},
					{Type: contract.RightToAudit, MaxAuditNoticeDays: 30},
					{Type: contract.BreachNotification, MaxNotificationHours: 48},
					{Type: contract.Subcontracting, MinSubcontracting: contract.SubPriorApproval},
					{Type: contract.DataLocation},
					{Type: contract.ReturnAndDeletion, MaxDeletionDays: 60},
					{Type: contract.StaffSecurity, RequireNDA: true},
				},
			},
			{
				Tier: risk.Tier3Medium, QuestionnaireDepth: questionnaire.CoverageCore, ReassessmentMonths: 24, Approvals: 1, MaxAcceptanceDays: 365,
				RemediationDays: days(30, 60, 120, 180),
				RequiredClauses: []contract.Requirement{
					{Type: contract.Confidentiality}, {Type: contract.DataProtection},
					{Type: contract.BreachNotification, MaxNotificationHours: 72},
					{Type: contract.Subcontracting, MinSubcontracting: contract.SubNotify},
				},
			},
			{
				Tier: risk.Tier4Low, QuestionnaireDepth: questionnaire.CoverageCore, ReassessmentMonths: 36, Approvals: 1, MaxAcceptanceDays: 365,
				RemediationDays: days(30, 90, 180, 365),
				RequiredClauses: []contract.Requirement{{Type: contract.Confidentiality}},
			},
		},
	}
	p.FillDefaults()
	return p
}

func days(critical, high, medium, low int) map[domain.Severity]int {
	return map[domain.Severity]int{domain.SeverityCritical: critical, domain.SeverityHigh: high,
		domain.SeverityMedium: medium, domain.SeverityLow: low}
}

// Validate reports every broken rule, named by its JSON path.
func (p *Policy) Validate() error {
	var v domain.Validator
	p.HomeCountry = country.Normalize(p.HomeCountry)
	v.Check(country.Valid(p.HomeCountry), "home_country", "must be an ISO 3166-1 alpha-2 code")
	v.Check(len(p.Tiers) == len(risk.Tiers), "tiers", "must hold exactly one entry for each of the tiers 1 to 4")
	seen := map[risk.Tier]bool{}
	for i := range p.Tiers {
		p.Tiers[i].fillDefaults()
		tp := p.Tiers[i]
		validateTier(&v, "tiers["+strconv.Itoa(i)+"]", tp, seen)
	}
	slices.SortFunc(p.Tiers, func(a, b TierPolicy) int { return int(a.Tier - b.Tier) })
	seenCost := map[risk.DataCategory]bool{}
	for i, c := range p.BreachCosts {
		f := "breach_costs[" + strconv.Itoa(i) + "]"
		v.Check(slices.Contains(risk.DataCategories, c.Category), f+".category", "is not a data category")
		v.Check(!seenCost[c.Category], f+".category", "appears twice")
		seenCost[c.Category] = true
		v.Check(c.Cost.Amount >= 0 && c.Cost.Amount <= 100_000_000, f+".amount", "must be between 0 and 100,000,000 minor units")
		v.Check(domain.ValidCurrency(c.Cost.Currency), f+".currency", "must be an ISO 4217 code such as JPY")
	}
	return v.Err()
}

func validateTier(v *domain.Validator, f string, tp TierPolicy, seen map[risk.Tier]bool) {
	v.Check(tp.Tier.Valid(), f+".tier", "must be 1, 2, 3 or 4")
	v.Check(!seen[tp.Tier], f+".tier", "appears twice")
	seen[tp.Tier] = true
	v.Check(slices.Contains(questionnaire.Coverages, tp.QuestionnaireDepth), f+".questionnaire_depth", "must be core or core+extended")
	v.Check(tp.ReassessmentMonths >= 1 && tp.ReassessmentMonths <= 120, f+".reassessment_months", "must be between 1 and 120")
	v.Check(tp.Approvals >= 1 && tp.Approvals <= 5, f+".approvals", "must be between 1 and 5")
	v.Check(tp.MaxAcceptanceDays >= 1 && tp.MaxAcceptanceDays <= 1095, f+".max_acceptance_days", "must be between 1 and 1095")
	validateReminders(v, f, tp)
	for _, s := range domain.Severities {
		d, ok := tp.RemediationDays[s]
		v.Check(ok && d >= 1 && d <= 3650, f+".remediation_days."+string(s), "must be between 1 and 3650")
	}
	seenClause := map[contract.ClauseType]bool{}
	for j, r := range tp.RequiredClauses {
		cf := f + ".required_clauses[" + strconv.Itoa(j) + "]"
		v.Check(slices.Contains(contract.ClauseTypes, r.Type), cf+".type", "is not a clause type")
		v.Check(!seenClause[r.Type], cf+".type", "appears twice")
		seenClause[r.Type] = true
		validateRequirement(v, cf, r)
	}
}

func validateReminders(v *domain.Validator, f string, tp TierPolicy) {
	v.Check(len(tp.ReminderDays) <= 6, f+".reminder_days", "must hold at most 6 offsets")
	for i, d := range tp.ReminderDays {
		v.Check(d >= 1 && d <= 90, f+".reminder_days["+strconv.Itoa(i)+"]", "must be between 1 and 90")
		v.Check(i == 0 || d < tp.ReminderDays[i-1], f+".reminder_days["+strconv.Itoa(i)+"]", "must be smaller than the offset before it (largest first, no repeats)")
	}
	v.Check(tp.EscalateAfterDays >= 1 && tp.EscalateAfterDays <= 365, f+".escalate_after_days", "must be between 1 and 365")
}

func validateRequirement(v *domain.Validator, f string, r contract.Requirement) {
	nonNeg := func(n int, name string) { v.Check(n >= 0 && n <= 8760, f+"."+name, "must be between 0 and 8760") }
	nonNeg(r.MaxNotificationHours, "max_notification_hours")
	nonNeg(r.MaxAuditNoticeDays, "max_audit_notice_days")
	nonNeg(r.MaxDeletionDays, "max_deletion_days")
	nonNeg(r.MaxRTOHours, "max_rto_hours")
	nonNeg(r.MinExitAssistanceDays, "min_exit_assistance_days")
	v.Check(r.MinSubcontracting == "" || slices.Contains(contract.SubcontractingLevels, r.MinSubcontracting),
		f+".min_subcontracting", "must be one of prohibited, prior_approval, notify, unrestricted")
	for k, c := range r.AllowedCountries {
		c = country.Normalize(c)
		r.AllowedCountries[k] = c // the slice is the policy's own: normalised in place, as contracts are
		v.Check(country.Valid(c), f+".allowed_countries["+strconv.Itoa(k)+"]", "must be an ISO 3166-1 alpha-2 code")
	}
	if m := r.MinLiabilityCap; m != nil {
		v.Check(m.Amount >= 0 && domain.ValidCurrency(m.Currency), f+".min_liability_cap", "must have a non-negative amount and an ISO 4217 currency")
	}
}

// Repository stores policy versions; Latest returns domain.ErrNotFound when none is stored.
type Repository interface {
	Latest(ctx context.Context) (Policy, error)
	// Insert stores p as version p.Version; a version that exists already is domain.ErrDuplicate.
	Insert(ctx context.Context, p Policy) error
}

// Service reads and changes the policy.
type Service struct {
	repo   Repository
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
}

// NewService wires the policy use cases; events records each new version.
func NewService(repo Repository, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, tx: tx, now: now, events: events}
}

// Current returns the latest stored policy, or the built-in default.
func (s *Service) Current(ctx context.Context) (Policy, error) {
	p, err := s.repo.Latest(ctx)
	if errors.Is(err, domain.ErrNotFound) {
		return Default(), nil
	}
	if err != nil {
		return Policy{}, fmt.Errorf("load risk policy: %w", err)
	}
	return p, nil
}

// Update stores p as the next version. ifMatch, when set, must name the current version; two admins
// saving at once cannot both win, since each version number is stored once.
func (s *Service) Update(ctx context.Context, p Policy, by string, ifMatch *int) (Policy, error) {
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	cur, err := s.Current(ctx)
	if err != nil {
		return Policy{}, err
	}
	if ifMatch != nil && *ifMatch != cur.Version {
		return Policy{}, domain.Errorf(domain.KindPreconditionFailed,
			"the policy has changed: If-Match names version %d, the current version is %d", *ifMatch, cur.Version)
	}
	p.Version, p.UpdatedAt, p.UpdatedBy = cur.Version+1, s.now(), by
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Insert(ctx, p); err != nil {
			if errors.Is(err, domain.ErrDuplicate) {
				return domain.Errorf(domain.KindPreconditionFailed, "the policy was changed by another request; read it again")
			}
			return fmt.Errorf("store risk policy: %w", err)
		}
		subj := event.Subject{Type: "risk_policy", ID: strconv.Itoa(p.Version)}
		// What follows a new policy (re-evaluating the engagements) runs in this transaction, on this
		// event (domain/workflow).
		return event.Record(ctx, s.events, "risk_policy.updated", subj, cur, p)
	})
	if err != nil {
		return Policy{}, err
	}
	return p, nil
}

// RequiredClauses gives the clauses the current policy requires for a tier, and the policy version.
func (s *Service) RequiredClauses(ctx context.Context, tier risk.Tier) ([]contract.Requirement, int, error) {
	p, err := s.Current(ctx)
	if err != nil {
		return nil, 0, err
	}
	return p.ForTier(tier).RequiredClauses, p.Version, nil
}
