package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// RemediationDaysDTO is the number of days to remediate a finding of each severity.
type RemediationDaysDTO struct {
	Critical int `json:"critical" binding:"required" example:"7"`
	High     int `json:"high" binding:"required" example:"30"`
	Medium   int `json:"medium" binding:"required" example:"60"`
	Low      int `json:"low" binding:"required" example:"90"`
}

// RequirementDTO is a contract clause the policy requires, with its threshold (fields of other clause
// types are ignored; zero means "the clause must exist").
type RequirementDTO struct {
	Type                  string    `json:"type" binding:"required" validate:"required,oneof=confidentiality data_protection right_to_audit breach_notification subcontracting data_location return_and_deletion business_continuity security_requirements staff_security liability exit_assistance" example:"breach_notification"`
	MaxNotificationHours  int       `json:"max_notification_hours,omitempty" example:"24"`
	MaxAuditNoticeDays    int       `json:"max_audit_notice_days,omitempty"`
	MinSubcontracting     string    `json:"min_subcontracting,omitempty" validate:"omitempty,oneof=prohibited prior_approval notify unrestricted"`
	AllowedCountries      []string  `json:"allowed_countries,omitempty"`
	MaxDeletionDays       int       `json:"max_deletion_days,omitempty"`
	MaxRTOHours           int       `json:"max_rto_hours,omitempty"`
	RequireBCPTest        bool      `json:"require_bcp_test,omitempty"`
	RequireNDA            bool      `json:"require_nda,omitempty"`
	RequireTraining       bool      `json:"require_training,omitempty"`
	MinLiabilityCap       *MoneyDTO `json:"min_liability_cap,omitempty"`
	MinExitAssistanceDays int       `json:"min_exit_assistance_days,omitempty"`
}

// TierPolicyDTO is what one tier demands.
type TierPolicyDTO struct {
	Tier               int                `json:"tier" binding:"required" validate:"required" example:"1"`
	QuestionnaireDepth string             `json:"questionnaire_depth" binding:"required" validate:"required" enums:"core,core+extended"`
	EvidenceRequired   bool               `json:"evidence_required" binding:"required"`
	ReassessmentMonths int                `json:"reassessment_months" binding:"required" example:"12"`
	RemediationDays    RemediationDaysDTO `json:"remediation_days" binding:"required"`
	Approvals          int                `json:"approvals" binding:"required" example:"2"`
	// MaxAcceptanceDays may be left out of a PUT: the tier's built-in limit (90/180/365/365) applies.
	MaxAcceptanceDays int              `json:"max_acceptance_days" binding:"required" example:"90"`
	RequiredClauses   []RequirementDTO `json:"required_clauses" binding:"required" validate:"dive"`
	// ReminderDays may be left out of a PUT: the tier's built-in schedule applies (tier 1: 14, 7, 3, 1;
	// tiers 2 and 3: 7, 3, 1; tier 4: 7, 1). An empty list sends no reminders.
	ReminderDays []int `json:"reminder_days" example:"7,3,1"`
	// EscalateAfterDays may be left out of a PUT: the tier's built-in delay (3/5/7/14) applies.
	EscalateAfterDays int `json:"escalate_after_days" example:"3"`
}

// BreachCostDTO is the cost of one leaked record of a category.
type BreachCostDTO struct {
	Category string `json:"category" binding:"required" validate:"required" example:"personal"`
	Amount   int64  `json:"amount" binding:"required" example:"500"`
	Currency string `json:"currency" binding:"required" validate:"required" example:"JPY"`
}

// RiskPolicyRequest replaces the risk policy (a new version).
type RiskPolicyRequest struct {
	HomeCountry string          `json:"home_country" validate:"required" example:"JP"`
	Tiers       []TierPolicyDTO `json:"tiers" validate:"required,dive"`
	BreachCosts []BreachCostDTO `json:"breach_costs" validate:"dive"`
}

// RiskPolicyResponse is the current risk policy.
type RiskPolicyResponse struct {
	Version     int             `json:"version" binding:"required" example:"1"`
	HomeCountry string          `json:"home_country" binding:"required" example:"JP"`
	Tiers       []TierPolicyDTO `json:"tiers" binding:"required"`
	BreachCosts []BreachCostDTO `json:"breach_costs" binding:"required"`
	UpdatedAt   *time.Time      `json:"updated_at,omitempty" format:"date-time"`
	UpdatedBy   string          `json:"updated_by" binding:"required" example:"built-in"`
}

func (r RiskPolicyRequest) toDomain() policy.Policy {
	p := policy.Policy{HomeCountry: r.HomeCountry}
	for _, t := range r.Tiers {
		tp := policy.TierPolicy{Tier: risk.Tier(t.Tier), QuestionnaireDepth: questionnaire.Coverage(t.QuestionnaireDepth),
			EvidenceRequired: t.EvidenceRequired, ReassessmentMonths: t.ReassessmentMonths, Approvals: t.Approvals,
			MaxAcceptanceDays: t.MaxAcceptanceDays, ReminderDays: t.ReminderDays, EscalateAfterDays: t.EscalateAfterDays,
			RemediationDays: map[domain.Severity]int{domain.SeverityCritical: t.RemediationDays.Critical,
				domain.SeverityHigh: t.RemediationDays.High, domain.SeverityMedium: t.RemediationDays.Medium,
				domain.SeverityLow: t.RemediationDays.Low}}
		for _, q := range t.RequiredClauses {
			tp.RequiredClauses = append(tp.RequiredClauses, contract.Requirement{Type: contract.ClauseType(q.Type),
				MaxNotificationHours: q.MaxNotificationHours, MaxAuditNoticeDays: q.MaxAuditNoticeDays,
				MinSubcontracting: contract.SubcontractingLevel(q.MinSubcontracting), AllowedCountries: q.AllowedCountries,
				MaxDeletionDays: q.MaxDeletionDays, MaxRTOHours: q.MaxRTOHours, RequireBCPTest: q.RequireBCPTest,
				RequireNDA: q.RequireNDA, RequireTraining: q.RequireTraining, MinLiabilityCap: q.MinLiabilityCap.toDomain(),
				MinExitAssistanceDays: q.MinExitAssistanceDays})
		}
		p.Tiers = append(p.Tiers, tp)
	}
	for _, b := range r.BreachCosts {
		p.BreachCosts = append(p.BreachCosts, risk.CostPerRecord{Category: risk.DataCategory(b.Category),
			Cost: domain.Money{Amount: b.Amount, Currency: b.Currency}})
	}
	return p
}

func requirementDTO(q contract.Requirement) RequirementDTO {
	var cap *MoneyDTO
	if q.MinLiabilityCap != nil {
		m := moneyDTO(*q.MinLiabilityCap)
		cap = &m
	}
	return RequirementDTO{Type: string(q.Type), MaxNotificationHours: q.MaxNotificationHours,
		MaxAuditNoticeDays: q.MaxAuditNoticeDays, MinSubcontracting: string(q.MinSubcontracting),
		AllowedCountries: q.AllowedCountries, MaxDeletionDays: q.MaxDeletionDays, MaxRTOHours: q.MaxRTOHours,
		RequireBCPTest: q.RequireBCPTest, RequireNDA: q.RequireNDA, RequireTraining: q.RequireTraining,
		MinLiabilityCap: cap, MinExitAssistanceDays: q.MinExitAssistanceDays}
}

func policyResponse(p policy.Policy) RiskPolicyResponse {
	out := RiskPolicyResponse{Version: p.Version, HomeCountry: p.HomeCountry, UpdatedBy: p.UpdatedBy,
		Tiers: []TierPolicyDTO{}, BreachCosts: []BreachCostDTO{}}
	if !p.UpdatedAt.IsZero() {
		out.UpdatedAt = &p.UpdatedAt
	}
	for _, t := range p.Tiers {
		td := TierPolicyDTO{Tier: int(t.Tier), QuestionnaireDepth: string(t.QuestionnaireDepth), EvidenceRequired: t.EvidenceRequired,
			ReassessmentMonths: t.ReassessmentMonths, Approvals: t.Approvals, MaxAcceptanceDays: t.MaxAcceptanceDays,
			RequiredClauses: []RequirementDTO{}, ReminderDays: t.ReminderDays, EscalateAfterDays: t.EscalateAfterDays,
			RemediationDays: RemediationDaysDTO{Critical: t.RemediationDays[domain.SeverityCritical],
				High: t.RemediationDays[domain.SeverityHigh], Medium: t.RemediationDays[domain.SeverityMedium],
				Low: t.RemediationDays[domain.SeverityLow]}}
		for _, q := range t.RequiredClauses {
			td.RequiredClauses = append(td.RequiredClauses, requirementDTO(q))
		}
		out.Tiers = append(out.Tiers, td)
	}
	for _, b := range p.BreachCosts {
		out.BreachCosts = append(out.BreachCosts, BreachCostDTO{Category: string(b.Category), Amount: b.Cost.Amount, Currency: b.Cost.Currency})
	}
	return out
}

// getRiskPolicy godoc
//
//	@Summary		Get the risk policy
//	@ID		getRiskPolicy
//	@Description	The built-in defaults are version 1 until an admin stores another version.
//	@Tags			risk-policy
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	RiskPolicyResponse
//	@Router			/api/v1/risk-policy [get]
func (s *Server) getRiskPolicy(c *gin.Context) {
	p, err := s.policies.Current(c.Request.Context())
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, p.Version)
	c.JSON(http.StatusOK, policyResponse(p))
}

// putRiskPolicy godoc
//
//	@Summary		Replace the risk policy
//	@ID		replaceRiskPolicy
//	@Description	Admins only. Stores the whole policy as the next version (every tier 1-4 once) and re-evaluates every engagement in the same transaction. Send If-Match with the version you read: a stale one is 412.
//	@Tags			risk-policy
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			If-Match	header		string				false	"ETag of the version you read"
//	@Param			body		body		RiskPolicyRequest	true	"the policy"
//	@Success		200			{object}	RiskPolicyResponse
//	@Router			/api/v1/risk-policy [put]
func (s *Server) putRiskPolicy(c *gin.Context) {
	var req RiskPolicyRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	p, err := s.policies.Update(c.Request.Context(), req.toDomain(), principalOf(c).KeyID, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, p.Version)
	c.JSON(http.StatusOK, policyResponse(p))
}
