package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/portfolio"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// PortfolioThresholds are the limits the summary applied, so that every number can be re-derived.
type PortfolioThresholds struct {
	// ReviewDueSoonDays: a review is due soon when its date is today or up to this many days ahead.
	ReviewDueSoonDays int `json:"review_due_soon_days" binding:"required" example:"30"`
	// ExpiryHorizonDays: certifications and contracts ending up to this many days ahead are expiring.
	ExpiryHorizonDays int `json:"expiry_horizon_days" binding:"required" example:"90"`
	// ConcentrationMinEngagements: a vendor is listed with at least this many engagements behind it, or any tier-1 one.
	ConcentrationMinEngagements int `json:"concentration_min_engagements" binding:"required" example:"2"`
	// ConcentrationTop: at most this many vendors are listed.
	ConcentrationTop int `json:"concentration_top" binding:"required" example:"20"`
	// ConcentrationIDsCap: each vendor lists at most this many engagement ids.
	ConcentrationIDsCap int `json:"concentration_ids_cap" binding:"required" example:"50"`
	// ItemsCap: at most this many expiring certifications and contracts are listed.
	ItemsCap int `json:"items_cap" binding:"required" example:"20"`
}

// StatusCounts counts engagements by status.
type StatusCounts struct {
	Intake    int `json:"intake" binding:"required"`
	Assessing int `json:"assessing" binding:"required"`
	Decided   int `json:"decided" binding:"required"`
	Active    int `json:"active" binding:"required"`
	Ended     int `json:"ended" binding:"required"`
}

// tierCounts turns a count per tier into its DTO.
func tierCounts(m map[risk.Tier]int) TierCounts {
	return TierCounts{Tier1: m[risk.Tier1Critical], Tier2: m[risk.Tier2High], Tier3: m[risk.Tier3Medium], Tier4: m[risk.Tier4Low]}
}

// TierCounts counts live engagements by effective tier.
type TierCounts struct {
	Tier1 int `json:"tier_1" binding:"required"`
	Tier2 int `json:"tier_2" binding:"required"`
	Tier3 int `json:"tier_3" binding:"required"`
	Tier4 int `json:"tier_4" binding:"required"`
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Critical int `json:"critical" binding:"required"`
	High     int `json:"high" binding:"required"`
	Medium   int `json:"medium" binding:"required"`
	Low      int `json:"low" binding:"required"`
}

// PortfolioEngagements counts every engagement by status, and the live ones (not ended) by effective tier.
type PortfolioEngagements struct {
	Total    int          `json:"total" binding:"required"`
	Live     int          `json:"live" binding:"required"`
	ByStatus StatusCounts `json:"by_status" binding:"required"`
	ByTier   TierCounts   `json:"by_tier" binding:"required"`
}

// PortfolioReviews counts live engagements by review status (as GET /engagements?review= lists them);
// the four add up to engagements.live.
type PortfolioReviews struct {
	Overdue       int `json:"overdue" binding:"required"`
	DueSoon       int `json:"due_soon" binding:"required"`
	OK            int `json:"ok" binding:"required"`
	NeverAssessed int `json:"never_assessed" binding:"required"`
}

// PortfolioFindings counts the open findings (not closed, not risk-accepted) of live engagements.
type PortfolioFindings struct {
	Open           int            `json:"open" binding:"required"`
	OpenBySeverity SeverityCounts `json:"open_by_severity" binding:"required"`
	// Overdue: open findings with a remediation item past its due date.
	Overdue int `json:"overdue" binding:"required"`
}

// ExposureTotalDTO is the breach exposure of the live engagements in one currency.
type ExposureTotalDTO struct {
	Amount      int64  `json:"amount" binding:"required" example:"575000000"`
	Currency    string `json:"currency" binding:"required" example:"JPY"`
	Engagements int    `json:"engagements" binding:"required" example:"3"`
	// Overflow: the sum passed the largest 64-bit integer; amount is that maximum, a lower bound.
	Overflow bool `json:"overflow,omitempty"`
}

// CertificationExpiryDTO is a vendor's latest certificate of a scheme, expired or ending within the horizon.
type CertificationExpiryDTO struct {
	VendorID   string `json:"vendor_id" binding:"required"`
	VendorName string `json:"vendor_name" binding:"required"`
	Scheme     string `json:"scheme" binding:"required" example:"iso_27001"`
	SchemeName string `json:"scheme_name,omitempty"`
	ValidUntil string `json:"valid_until" binding:"required" format:"date"`
	Expired    bool   `json:"expired" binding:"required"`
}

// PortfolioCertifications counts the latest certificate per scheme of each vendor live engagements depend
// on (directly or through subcontractors): a renewed certificate replaces the one it renews.
type PortfolioCertifications struct {
	Expiring int                      `json:"expiring" binding:"required"`
	Expired  int                      `json:"expired" binding:"required"`
	Items    []CertificationExpiryDTO `json:"items" binding:"required"`
}

// ContractExpiryDTO is a contract ending within the horizon.
type ContractExpiryDTO struct {
	ID             string `json:"id" binding:"required"`
	EngagementID   string `json:"engagement_id" binding:"required"`
	EndsOn         string `json:"ends_on" binding:"required" format:"date"`
	AutoRenew      bool   `json:"auto_renew" binding:"required"`
	NoticeDeadline string `json:"notice_deadline" binding:"required" format:"date"`
	// NoticePassed: it renews automatically and its notice deadline has passed.
	NoticePassed bool `json:"notice_passed" binding:"required"`
}

// PortfolioContracts counts the contracts of live engagements ending between today and the horizon.
type PortfolioContracts struct {
	Expiring  int `json:"expiring" binding:"required"`
	AutoRenew int `json:"auto_renew" binding:"required"`
	// NoticePassed counts running auto-renewing contracts of live engagements, whatever their end date, whose
	// notice deadline has passed: they will renew.
	NoticePassed int                 `json:"notice_passed" binding:"required"`
	Items        []ContractExpiryDTO `json:"items" binding:"required"`
}

// DecisionStatusCounts counts outsourcing decisions by status.
type DecisionStatusCounts struct {
	Pending     int `json:"pending" binding:"required"`
	Approved    int `json:"approved" binding:"required"`
	Rejected    int `json:"rejected" binding:"required"`
	NeedsReview int `json:"needs_review" binding:"required"`
}

// PortfolioDecisions counts the outsourcing decisions of live engagements.
type PortfolioDecisions struct {
	// ByStatus: every decision of a live engagement, superseded ones included.
	ByStatus DecisionStatusCounts `json:"by_status" binding:"required"`
	// EngagementsWithoutApproval: live engagements in status active or decided whose most recent decision
	// is not approved (pending, rejected or needs review), or that have no decision at all.
	EngagementsWithoutApproval int `json:"engagements_without_approval" binding:"required"`
}

// PortfolioRiskAcceptances counts the active risk acceptances of live engagements.
type PortfolioRiskAcceptances struct {
	Active int `json:"active" binding:"required"`
	// Expiring: of the active ones, those whose last day is on or before the horizon.
	Expiring int `json:"expiring" binding:"required"`
}

// ConcentrationDTO is a vendor that live engagements depend on, as their own vendor or through the
// subcontractor graph (vendor → subcontractor → its subcontractor …, any depth).
type ConcentrationDTO struct {
	Vendor           VendorRef `json:"vendor" binding:"required"`
	Engagements      int       `json:"engagements" binding:"required" example:"7"`
	Tier1Engagements int       `json:"tier1_engagements" binding:"required" example:"2"`
	// Direct: of engagements, how many are bought from this vendor itself.
	Direct int `json:"direct" binding:"required" example:"1"`
	// ByTier: every engagement behind the vendor by effective tier (they add up to engagements).
	ByTier TierCounts `json:"by_tier" binding:"required"`
	// DirectByTier: the direct ones by tier; by_tier minus direct_by_tier depend on the vendor through
	// subcontractors.
	DirectByTier TierCounts `json:"direct_by_tier" binding:"required"`
	// EngagementIDs: the engagements behind the vendor, tier 1 first, then by id; at most
	// thresholds.concentration_ids_cap of them (engagements is the total).
	EngagementIDs []string `json:"engagement_ids" binding:"required"`
}

// PortfolioSummary is the portfolio at as_of. Ended engagements count only in engagements.total and
// engagements.by_status; every other number is about the live engagements.
type PortfolioSummary struct {
	AsOf          time.Time           `json:"as_of" binding:"required" format:"date-time"`
	Today         string              `json:"today" binding:"required" format:"date"`
	Horizon       string              `json:"horizon" binding:"required" format:"date"`
	PolicyVersion int                 `json:"risk_policy_version" binding:"required" example:"1"`
	Thresholds    PortfolioThresholds `json:"thresholds" binding:"required"`

	Engagements PortfolioEngagements `json:"engagements" binding:"required"`
	Reviews     PortfolioReviews     `json:"reviews" binding:"required"`
	// AssessmentsOverdue: assessments past their due date and still with the supplier (sent, in progress, returned).
	AssessmentsOverdue int               `json:"assessments_overdue" binding:"required"`
	Findings           PortfolioFindings `json:"findings" binding:"required"`
	// RemediationsOverdue: remediation items open or in progress past their due date.
	RemediationsOverdue int `json:"remediations_overdue" binding:"required"`
	// BreachExposure: the sum of each live engagement's breach exposure (as GET /engagements/{id} shows
	// it, with the current policy's cost per record), per currency.
	BreachExposure []ExposureTotalDTO      `json:"breach_exposure" binding:"required"`
	Certifications PortfolioCertifications `json:"certifications" binding:"required"`
	Contracts      PortfolioContracts      `json:"contracts" binding:"required"`
	// Decisions: the outsourcing decisions of live engagements, and the engagements running without an approval.
	Decisions       PortfolioDecisions       `json:"decisions" binding:"required"`
	RiskAcceptances PortfolioRiskAcceptances `json:"risk_acceptances" binding:"required"`
	// Concentration: vendors with at least concentration_min_engagements live engagements behind them, or
	// any tier-1 one; most engagements first, at most concentration_top of them.
	Concentration []ConcentrationDTO `json:"concentration" binding:"required"`
	// ConcentrationTotal: how many vendors qualified before the top cut.
	ConcentrationTotal int `json:"concentration_total" binding:"required"`
}

func portfolioResponse(s portfolio.Summary) PortfolioSummary {
	st, tier, sev, dec := s.Engagements.ByStatus, s.Engagements.ByTier, s.Findings.OpenBySeverity, s.Decisions.ByStatus
	out := PortfolioSummary{
		AsOf: s.AsOf, Today: s.Today.Format(dateLayout), Horizon: s.Horizon.Format(dateLayout), PolicyVersion: s.PolicyVersion,
		Thresholds: PortfolioThresholds{ReviewDueSoonDays: engagement.ReviewDueSoonDays, ExpiryHorizonDays: portfolio.ExpiryHorizonDays,
			ConcentrationMinEngagements: portfolio.ConcentrationMinEngagements, ConcentrationTop: portfolio.ConcentrationTop,
			ConcentrationIDsCap: portfolio.ConcentrationIDsCap, ItemsCap: portfolio.ItemsCap},
		Engagements: PortfolioEngagements{Total: s.Engagements.Total, Live: s.Engagements.Live,
			ByStatus: StatusCounts{Intake: st[engagement.StatusIntake], Assessing: st[engagement.StatusAssessing],
				Decided: st[engagement.StatusDecided], Active: st[engagement.StatusActive], Ended: st[engagement.StatusEnded]},
			ByTier: tierCounts(tier)},
		Reviews: PortfolioReviews{Overdue: s.Reviews.Overdue, DueSoon: s.Reviews.DueSoon, OK: s.Reviews.OK,
			NeverAssessed: s.Reviews.NeverAssessed},
		AssessmentsOverdue: s.AssessmentsOverdue,
		Findings: PortfolioFindings{Open: s.Findings.Open, Overdue: s.Findings.Overdue, OpenBySeverity: SeverityCounts{
			Critical: sev[domain.SeverityCritical], High: sev[domain.SeverityHigh], Medium: sev[domain.SeverityMedium],
			Low: sev[domain.SeverityLow]}},
		RemediationsOverdue: s.RemediationsOverdue,
		BreachExposure:      []ExposureTotalDTO{},
		Certifications: PortfolioCertifications{Expiring: s.Certifications.Expiring, Expired: s.Certifications.Expired,
			Items: []CertificationExpiryDTO{}},
		Contracts: PortfolioContracts{Expiring: s.Contracts.Expiring, AutoRenew: s.Contracts.AutoRenew,
			NoticePassed: s.Contracts.NoticePassed, Items: []ContractExpiryDTO{}},
		Decisions: PortfolioDecisions{EngagementsWithoutApproval: s.Decisions.EngagementsWithoutApproval,
			ByStatus: DecisionStatusCounts{Pending: dec[decision.StatusPending], Approved: dec[decision.StatusApproved],
				Rejected: dec[decision.StatusRejected], NeedsReview: dec[decision.StatusNeedsReview]}},
		RiskAcceptances:    PortfolioRiskAcceptances{Active: s.RiskAcceptances.Active, Expiring: s.RiskAcceptances.Expiring},
		Concentration:      []ConcentrationDTO{},
		ConcentrationTotal: s.ConcentrationTotal,
	}
	for _, x := range s.Exposure {
		out.BreachExposure = append(out.BreachExposure, ExposureTotalDTO{Amount: x.Amount.Amount, Currency: x.Amount.Currency,
			Engagements: x.Engagements, Overflow: x.Overflow})
	}
	for _, it := range s.Certifications.Items {
		out.Certifications.Items = append(out.Certifications.Items, CertificationExpiryDTO{VendorID: it.VendorID,
			VendorName: it.VendorName, Scheme: it.Scheme, SchemeName: it.SchemeName, ValidUntil: it.ValidUntil.Format(dateLayout),
			Expired: it.Expired})
	}
	for _, it := range s.Contracts.Items {
		out.Contracts.Items = append(out.Contracts.Items, ContractExpiryDTO{ID: it.ID, EngagementID: it.EngagementID,
			EndsOn: it.EndsOn.Format(dateLayout), AutoRenew: it.AutoRenew, NoticeDeadline: it.NoticeDeadline.Format(dateLayout),
			NoticePassed: it.NoticePassed})
	}
	for _, c := range s.Concentration {
		out.Concentration = append(out.Concentration, ConcentrationDTO{Vendor: VendorRef{ID: c.VendorID, Name: c.VendorName},
			Engagements: c.Engagements, Tier1Engagements: c.Tier1Engagements, Direct: c.Direct,
			ByTier: tierCounts(c.ByTier), DirectByTier: tierCounts(c.DirectByTier),
			EngagementIDs: append([]string{}, c.EngagementIDs...)})
	}
	return out
}

// portfolioSummary godoc
//
//	@Summary		Portfolio summary
//	@ID		getPortfolioSummary
//	@Description	The whole portfolio at one instant, computed in one read transaction with a fixed number of queries: engagements by status and effective tier, reviews overdue and due within 30 days (and never assessed), overdue assessments, open findings by severity, overdue remediation items, breach exposure per currency, certifications and contracts expiring within 90 days, outsourcing decisions by status with the active or decided engagements whose most recent decision is not approved (or that have none), active risk acceptances with those ending within 90 days, and concentration: vendors that many live engagements depend on, directly or through the subcontractor graph at any depth, with the tier-1 engagements behind each and their ids. Ended engagements count only in engagements.total and engagements.by_status. Internal roles only; suppliers get 404.
//	@Tags			portfolio
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	PortfolioSummary
//	@Router			/api/v1/portfolio/summary [get]
func (s *Server) portfolioSummary(c *gin.Context) {
	sum, err := s.portfolio.Summary(c.Request.Context())
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, portfolioResponse(sum))
}
