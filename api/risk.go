package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// ContributionDTO is one factor's points, its maximum and the facts behind it.
type ContributionDTO struct {
	Factor string `json:"factor" binding:"required" example:"data_volume"`
	Points int    `json:"points" binding:"required" example:"15"`
	Max    int    `json:"max" binding:"required" example:"15"`
	// Basis is in the request's language (Accept-Language).
	Basis string `json:"basis" binding:"required" example:"1150000 non-public records: band >= 1000000"`
}

// ThresholdDTO is the lowest score of a tier.
type ThresholdDTO struct {
	Tier     int `json:"tier" binding:"required"`
	MinScore int `json:"min_score" binding:"required"`
}

// RiskResponse explains an engagement's inherent risk: score = sum of contributions; the tier comes
// from the score bands, raised by any floor rule listed; the effective tier is the override, if any.
type RiskResponse struct {
	EngagementID     string            `json:"engagement_id" binding:"required"`
	ModelVersion     string            `json:"model_version" binding:"required" example:"inherent-v1"`
	Score            int               `json:"score" binding:"required" example:"52"`
	MaxScore         int               `json:"max_score" binding:"required" example:"100"`
	Contributions    []ContributionDTO `json:"contributions" binding:"required"`
	TierThresholds   []ThresholdDTO    `json:"tier_thresholds" binding:"required"`
	ScoreTier        int               `json:"score_tier" binding:"required" example:"2"`
	RulesApplied     []string          `json:"rules_applied" binding:"required"`
	RecommendedTier  int               `json:"recommended_tier" binding:"required" example:"2"`
	RecommendedLabel string            `json:"recommended_tier_label" binding:"required" enums:"critical,high,medium,low"`
	RecommendedText  string            `json:"recommended_tier_text" binding:"required" example:"tier 2 (high)"`
	EffectiveTier    int               `json:"effective_tier" binding:"required" example:"2"`
	EffectiveLabel   string            `json:"effective_tier_label" binding:"required" enums:"critical,high,medium,low"`
	// EffectiveText and RecommendedText name the tiers in the request's language; the labels are codes.
	EffectiveText       string                `json:"effective_tier_text" binding:"required" example:"tier 2 (high)"`
	Override            *TierOverrideResponse `json:"override,omitempty"`
	Impact              ImpactResponse        `json:"impact" binding:"required"`
	FourthPartyCount    int                   `json:"fourth_party_count" binding:"required"`
	BreachExposure      ExposureDTO           `json:"breach_exposure" binding:"required"`
	RiskPolicyVersion   int                   `json:"risk_policy_version" binding:"required"`
	EvaluatedAt         time.Time             `json:"evaluated_at" binding:"required" format:"date-time"`
	EngagementVersion   int                   `json:"engagement_version" binding:"required"`
	EngagementUpdatedAt time.Time             `json:"engagement_updated_at" binding:"required" format:"date-time"`
	// ResidualRisk is this inherent risk reduced by the latest completed assessment's control score.
	ResidualRisk *ResidualDTO `json:"residual_risk,omitempty"`
}

// TierOverrideRequest sets the effective tier (1-4) or clears the override (tier null); a reason is
// always required.
type TierOverrideRequest struct {
	Tier   *int   `json:"tier" validate:"omitnil,min=1,max=4" example:"1"`
	Reason string `json:"reason" validate:"required,max=2000" example:"Handles the payroll of all staff; the model does not see that."`
}

// tierText names a tier in lang: "tier 2 (high)", 「ティア 2（高）」.
func tierText(t risk.Tier, lang i18n.Lang) string { return lang.T("tier %d (%s)", int(t), t.Label()) }

// basisText is a factor's basis in lang (its parts joined as Basis joins them).
func basisText(c risk.Contribution, lang i18n.Lang) string {
	if lang == i18n.EN || len(c.Parts) == 0 {
		return c.Basis
	}
	parts := make([]string, len(c.Parts))
	for i, p := range c.Parts {
		parts[i] = lang.Text(p)
	}
	return strings.Join(parts, "; ")
}

// rulesText are the floor rules that raised the tier, in lang.
func rulesText(a risk.Assessment, lang i18n.Lang) []string {
	out := append([]string{}, a.RulesApplied...)
	if lang != i18n.EN && len(a.RuleTexts) == len(out) {
		for i, t := range a.RuleTexts {
			out[i] = lang.Text(t)
		}
	}
	return out
}

func (s *Server) riskResponse(e engagement.Engagement, ev engagement.Evaluation, lang i18n.Lang) RiskResponse {
	a := ev.Assessment
	out := RiskResponse{
		EngagementID: e.ID, ModelVersion: a.ModelVersion, Score: a.Score, MaxScore: a.MaxPossibleScore,
		ScoreTier: int(a.ScoreTier), RulesApplied: rulesText(a, lang),
		RecommendedTier: int(ev.RecommendedTier), RecommendedLabel: ev.RecommendedTier.Label(), RecommendedText: tierText(ev.RecommendedTier, lang),
		EffectiveTier: int(ev.EffectiveTier), EffectiveLabel: ev.EffectiveTier.Label(), EffectiveText: tierText(ev.EffectiveTier, lang),
		Override: overrideDTO(ev.Override, ev.RecommendedTier), FourthPartyCount: len(ev.FourthParties),
		BreachExposure: *exposureDTO(ev.Exposure), RiskPolicyVersion: ev.PolicyVersion, EvaluatedAt: s.now(),
		EngagementVersion: e.Version, EngagementUpdatedAt: e.UpdatedAt,
		Impact: ImpactResponse{C: ev.Impact.C, I: ev.Impact.I, A: ev.Impact.A, Source: "derived",
			Derived: ImpactDTO{C: ev.DerivedImpact.C, I: ev.DerivedImpact.I, A: ev.DerivedImpact.A}},
	}
	if ev.ImpactOverride {
		out.Impact.Source = "override"
	}
	if ev.Residual != nil {
		out.ResidualRisk = residualDTO(*ev.Residual, ev.ResidualAssessmentID, lang)
	}
	for _, c := range a.Contributions {
		out.Contributions = append(out.Contributions, ContributionDTO{Factor: c.Factor, Points: c.Points, Max: c.Max, Basis: basisText(c, lang)})
	}
	for _, t := range a.TierThresholds {
		out.TierThresholds = append(out.TierThresholds, ThresholdDTO{Tier: int(t.Tier), MinScore: t.MinScore})
	}
	return out
}

// getEngagementRisk godoc
//
//	@Summary		Explain an engagement's inherent risk
//	@ID		getEngagementRisk
//	@Description	Evaluated now with the current model and policy. score is exactly the sum of contributions[].points; score_tier follows tier_thresholds; rules_applied lists floor rules that raised it to recommended_tier; effective_tier is the risk owner's override, if any. See docs/risk-model.md.
//	@Tags			engagements
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"engagement id"
//	@Success		200	{object}	RiskResponse
//	@Router			/api/v1/engagements/{id}/risk [get]
func (s *Server) getEngagementRisk(c *gin.Context) {
	e, ev, err := s.engagements.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.JSON(http.StatusOK, s.riskResponse(e, ev, localized(c)))
}

// overrideTier godoc
//
//	@Summary		Override an engagement's tier
//	@ID		overrideEngagementTier
//	@Description	Risk owners only. Sets the effective tier (or clears the override with tier null); the reason is required and kept with who overrode and when. Responses keep showing the recommended tier beside it.
//	@Tags			engagements
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"engagement id"
//	@Param			If-Match	header		string				false	"ETag of the version you read"
//	@Param			body		body		TierOverrideRequest	true	"the override"
//	@Success		200			{object}	RiskResponse
//	@Router			/api/v1/engagements/{id}/tier-override [post]
func (s *Server) overrideTier(c *gin.Context) {
	var req TierOverrideRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	tier := risk.Tier(0)
	if req.Tier != nil {
		tier = risk.Tier(*req.Tier)
	}
	e, ev, err := s.engagements.OverrideTier(c.Request.Context(), c.Param("id"), tier, req.Reason, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.JSON(http.StatusOK, s.riskResponse(e, ev, localized(c)))
}
