package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Policies stores every version of the risk policy; versions are never changed, only added.
type Policies struct{ db *DB }

// NewPolicies returns the policy repository.
func NewPolicies(db *DB) *Policies { return &Policies{db: db} }

var _ policy.Repository = (*Policies)(nil)

type policyRow struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Document  string
	CreatedAt time.Time
	CreatedBy string
}

func (policyRow) TableName() string { return "risk_policies" }

// The stored document's field names are a storage format: never rename them.
type policyDoc struct {
	HomeCountry string          `json:"home_country"`
	Tiers       []tierPolicyDoc `json:"tiers"`
	BreachCosts []breachCostDoc `json:"breach_costs"`
}

type tierPolicyDoc struct {
	Tier               int              `json:"tier"`
	QuestionnaireDepth string           `json:"questionnaire_depth"`
	EvidenceRequired   bool             `json:"evidence_required"`
	ReassessmentMonths int              `json:"reassessment_months"`
	MaxAcceptanceDays  int              `json:"max_acceptance_days,omitempty"`
	ReminderDays       []int            `json:"reminder_days"` // no omitempty: an empty list (no reminders) differs from one stored before the field existed
	EscalateAfterDays  int              `json:"escalate_after_days,omitempty"`
	RemediationDays    map[string]int   `json:"remediation_days"`
	Approvals          int              `json:"approvals"`
	RequiredClauses    []requirementDoc `json:"required_clauses"`
}

type requirementDoc struct {
	Type                  string     `json:"type"`
	MaxNotificationHours  int        `json:"max_notification_hours,omitempty"`
	MaxAuditNoticeDays    int        `json:"max_audit_notice_days,omitempty"`
	MinSubcontracting     string     `json:"min_subcontracting,omitempty"`
	AllowedCountries      []string   `json:"allowed_countries,omitempty"`
	MaxDeletionDays       int        `json:"max_deletion_days,omitempty"`
	MaxRTOHours           int        `json:"max_rto_hours,omitempty"`
	RequireBCPTest        bool       `json:"require_bcp_test,omitempty"`
	RequireNDA            bool       `json:"require_nda,omitempty"`
	RequireTraining       bool       `json:"require_training,omitempty"`
	MinLiabilityCap       *moneyJSON `json:"min_liability_cap,omitempty"`
	MinExitAssistanceDays int        `json:"min_exit_assistance_days,omitempty"`
}

type breachCostDoc struct {
	Category string `json:"category"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func toPolicyDoc(p policy.Policy) policyDoc {
	d := policyDoc{HomeCountry: p.HomeCountry}
	for _, t := range p.Tiers {
		td := tierPolicyDoc{Tier: int(t.Tier), QuestionnaireDepth: string(t.QuestionnaireDepth), EvidenceRequired: t.EvidenceRequired,
			ReassessmentMonths: t.ReassessmentMonths, RemediationDays: map[string]int{}, Approvals: t.Approvals,
			MaxAcceptanceDays: t.MaxAcceptanceDays, ReminderDays: t.ReminderDays, EscalateAfterDays: t.EscalateAfterDays}
		for s, n := range t.RemediationDays {
			td.RemediationDays[string(s)] = n
		}
		for _, r := range t.RequiredClauses {
			td.RequiredClauses = append(td.RequiredClauses, requirementDoc{Type: string(r.Type),
				MaxNotificationHours: r.MaxNotificationHours, MaxAuditNoticeDays: r.MaxAuditNoticeDays,
				MinSubcontracting: string(r.MinSubcontracting), AllowedCountries: r.AllowedCountries,
				MaxDeletionDays: r.MaxDeletionDays, MaxRTOHours: r.MaxRTOHours, RequireBCPTest: r.RequireBCPTest,
				RequireNDA: r.RequireNDA, RequireTraining: r.RequireTraining, MinLiabilityCap: toMoneyJSON(r.MinLiabilityCap),
				MinExitAssistanceDays: r.MinExitAssistanceDays})
		}
		d.Tiers = append(d.Tiers, td)
	}
	for _, c := range p.BreachCosts {
		d.BreachCosts = append(d.BreachCosts, breachCostDoc{Category: string(c.Category), Amount: c.Cost.Amount, Currency: c.Cost.Currency})
	}
	return d
}

func (d policyDoc) toDomain() policy.Policy {
	p := policy.Policy{HomeCountry: d.HomeCountry}
	for _, td := range d.Tiers {
		t := policy.TierPolicy{Tier: risk.Tier(td.Tier), QuestionnaireDepth: questionnaire.Coverage(td.QuestionnaireDepth),
			EvidenceRequired: td.EvidenceRequired, ReassessmentMonths: td.ReassessmentMonths,
			RemediationDays: map[domain.Severity]int{}, Approvals: td.Approvals, MaxAcceptanceDays: td.MaxAcceptanceDays,
			ReminderDays: td.ReminderDays, EscalateAfterDays: td.EscalateAfterDays}
		for s, n := range td.RemediationDays {
			t.RemediationDays[domain.Severity(s)] = n
		}
		for _, r := range td.RequiredClauses {
			t.RequiredClauses = append(t.RequiredClauses, contract.Requirement{Type: contract.ClauseType(r.Type),
				MaxNotificationHours: r.MaxNotificationHours, MaxAuditNoticeDays: r.MaxAuditNoticeDays,
				MinSubcontracting: contract.SubcontractingLevel(r.MinSubcontracting), AllowedCountries: r.AllowedCountries,
				MaxDeletionDays: r.MaxDeletionDays, MaxRTOHours: r.MaxRTOHours, RequireBCPTest: r.RequireBCPTest,
				RequireNDA: r.RequireNDA, RequireTraining: r.RequireTraining, MinLiabilityCap: r.MinLiabilityCap.toDomain(),
				MinExitAssistanceDays: r.MinExitAssistanceDays})
		}
		p.Tiers = append(p.Tiers, t)
	}
	for _, c := range d.BreachCosts {
		p.BreachCosts = append(p.BreachCosts, risk.CostPerRecord{Category: risk.DataCategory(c.Category),
			Cost: domain.Money{Amount: c.Amount, Currency: c.Currency}})
	}
	p.FillDefaults() // fields stored before they existed
	return p
}

// Latest returns the newest version.
func (s *Policies) Latest(ctx context.Context) (policy.Policy, error) {
	var row policyRow
	if err := s.db.conn(ctx).Order("version DESC").Take(&row).Error; err != nil {
		return policy.Policy{}, dbErr(err)
	}
	var d policyDoc
	if err := json.Unmarshal([]byte(row.Document), &d); err != nil {
		return policy.Policy{}, fmt.Errorf("decode risk policy %d: %w", row.Version, err)
	}
	p := d.toDomain()
	p.Version, p.UpdatedAt, p.UpdatedBy = row.Version, row.CreatedAt.UTC(), row.CreatedBy
	return p, nil
}

// Insert stores a new version.
func (s *Policies) Insert(ctx context.Context, p policy.Policy) error {
	doc, err := json.Marshal(toPolicyDoc(p))
	if err != nil {
		return fmt.Errorf("encode risk policy: %w", err)
	}
	row := policyRow{Version: p.Version, Document: string(doc), CreatedAt: p.UpdatedAt.UTC(), CreatedBy: p.UpdatedBy}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert risk policy: %w", dbErr(err))
	}
	return nil
}
