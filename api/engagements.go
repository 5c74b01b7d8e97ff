package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// MoneyDTO is an amount in minor units of an ISO 4217 currency.
type MoneyDTO struct {
	Amount   int64  `json:"amount" binding:"required" validate:"min=0" example:"575000000"`
	Currency string `json:"currency" binding:"required" validate:"required,len=3" example:"JPY"`
}

// HoldingDTO is a data category the vendor holds for us, with the number of records (individuals).
type HoldingDTO struct {
	Category string `json:"category" binding:"required" validate:"required,oneof=public internal confidential personal sensitive_personal payment_card credentials" example:"personal"`
	Records  int64  `json:"records" binding:"required" validate:"min=0,max=10000000000" example:"1150000"`
}

// ImpactDTO rates confidentiality, integrity and availability impact 1..5.
type ImpactDTO struct {
	C int `json:"c" binding:"required" validate:"min=1,max=5" example:"4"`
	I int `json:"i" binding:"required" validate:"min=1,max=5" example:"3"`
	A int `json:"a" binding:"required" validate:"min=1,max=5" example:"3"`
}

// CreateEngagementRequest registers a service bought from a vendor.
type CreateEngagementRequest struct {
	VendorID         string       `json:"vendor_id" validate:"required" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	ExternalRef      string       `json:"external_ref" validate:"max=100" example:"CTR-2024-0042"`
	Name             string       `json:"name" validate:"required,max=200" example:"Customer portal hosting"`
	Description      string       `json:"description" validate:"max=4000"`
	BusinessOwner    string       `json:"business_owner" validate:"max=200" example:"head of e-commerce"`
	ServiceType      string       `json:"service_type" validate:"required,oneof=saas iaas paas outsourced_development operations_outsourcing consulting onsite_maintenance other" example:"iaas"`
	DataCategories   []HoldingDTO `json:"data_categories" validate:"max=7,dive"`
	AccessType       string       `json:"access_type" validate:"omitempty,oneof=none data_transfer remote_logical privileged_admin onsite_physical" example:"data_transfer"`
	InternetFacing   bool         `json:"internet_facing"`
	DataLocations    []string     `json:"data_locations" validate:"max=50,dive,len=2" example:"JP"`
	CriticalProcess  bool         `json:"critical_process"`
	RTOHours         *int         `json:"rto_hours" validate:"omitnil,min=0,max=8760" example:"24"`
	Substitutability string       `json:"substitutability" validate:"omitempty,oneof=easy moderate hard" example:"moderate"`
	AnnualSpend      *MoneyDTO    `json:"annual_spend"`
	Impact           *ImpactDTO   `json:"impact"`
	Status           string       `json:"status" validate:"omitempty,oneof=intake assessing decided active ended" example:"intake"`
}

// UpdateEngagementRequest changes the given fields. To remove an optional value send its clear_ flag
// (clear_rto_hours, clear_annual_spend, clear_impact: back to the derived impact).
type UpdateEngagementRequest struct {
	ExternalRef      *string       `json:"external_ref" validate:"omitnil,max=100"`
	Name             *string       `json:"name" validate:"omitnil,max=200"`
	Description      *string       `json:"description" validate:"omitnil,max=4000"`
	BusinessOwner    *string       `json:"business_owner" validate:"omitnil,max=200"`
	ServiceType      *string       `json:"service_type" validate:"omitnil,oneof=saas iaas paas outsourced_development operations_outsourcing consulting onsite_maintenance other"`
	DataCategories   *[]HoldingDTO `json:"data_categories" validate:"omitnil,max=7,dive"`
	AccessType       *string       `json:"access_type" validate:"omitnil,oneof=none data_transfer remote_logical privileged_admin onsite_physical"`
	InternetFacing   *bool         `json:"internet_facing"`
	DataLocations    *[]string     `json:"data_locations" validate:"omitnil,max=50,dive,len=2"`
	CriticalProcess  *bool         `json:"critical_process"`
	RTOHours         *int          `json:"rto_hours" validate:"omitnil,min=0,max=8760"`
	ClearRTOHours    bool          `json:"clear_rto_hours"`
	Substitutability *string       `json:"substitutability" validate:"omitnil,oneof=easy moderate hard"`
	AnnualSpend      *MoneyDTO     `json:"annual_spend"`
	ClearAnnualSpend bool          `json:"clear_annual_spend"`
	Impact           *ImpactDTO    `json:"impact"`
	ClearImpact      bool          `json:"clear_impact"`
	Status           *string       `json:"status" validate:"omitnil,oneof=intake assessing decided active ended"`
}

// ImpactResponse is the C/I/A impact in use, where it comes from, and the derived default.
type ImpactResponse struct {
	C       int       `json:"c" binding:"required"`
	I       int       `json:"i" binding:"required"`
	A       int       `json:"a" binding:"required"`
	Source  string    `json:"source" binding:"required" enums:"derived,override"`
	Derived ImpactDTO `json:"derived" binding:"required"`
}

// TierOverrideResponse says who overrode the tier, when and why.
type TierOverrideResponse struct {
	Tier                       int       `json:"tier" binding:"required" example:"1"`
	Reason                     string    `json:"reason" binding:"required"`
	ByKeyID                    string    `json:"by_key_id" binding:"required"`
	ByName                     string    `json:"by_name,omitempty"`
	At                         time.Time `json:"at" binding:"required" format:"date-time"`
	RecommendedTierAtOverride  int       `json:"recommended_tier_at_override" binding:"required"`
	RecommendationChangedSince bool      `json:"recommendation_changed_since" binding:"required"`
}

// RiskSummary is the engagement's tier at a glance; GET /engagements/{id}/risk explains it.
type RiskSummary struct {
	Score           int    `json:"score" binding:"required" example:"52"`
	RecommendedTier int    `json:"recommended_tier" binding:"required" example:"2"`
	EffectiveTier   int    `json:"effective_tier" binding:"required" example:"2"`
	EffectiveLabel  string `json:"effective_tier_label" binding:"required" enums:"critical,high,medium,low"`
	// EffectiveText names the effective tier in the request's language (Accept-Language).
	EffectiveText string                `json:"effective_tier_text" binding:"required" example:"tier 2 (high)"`
	ModelVersion  string                `json:"model_version" binding:"required" example:"inherent-v1"`
	Override      *TierOverrideResponse `json:"override,omitempty"`
}

// ExposureLineDTO is one category's records × cost per record.
type ExposureLineDTO struct {
	Category      string   `json:"category" binding:"required"`
	Records       int64    `json:"records" binding:"required"`
	CostPerRecord MoneyDTO `json:"cost_per_record" binding:"required"`
	Amount        MoneyDTO `json:"amount" binding:"required"`
}

// ExposureDTO is the breach exposure estimate, totalled per currency.
type ExposureDTO struct {
	Totals []MoneyDTO        `json:"totals" binding:"required"`
	Lines  []ExposureLineDTO `json:"lines" binding:"required"`
}

// FourthPartyDTO is a vendor our vendor relies on.
type FourthPartyDTO struct {
	VendorID       string `json:"vendor_id" binding:"required"`
	Name           string `json:"name" binding:"required"`
	Service        string `json:"service" binding:"required"`
	HandlesOurData bool   `json:"handles_our_data" binding:"required"`
	Depth          int    `json:"depth" binding:"required" example:"1"`
	ViaVendorID    string `json:"via_vendor_id" binding:"required"`
}

// VendorRef names a vendor.
type VendorRef struct {
	ID   string `json:"id" binding:"required"`
	Name string `json:"name,omitempty"`
}

// EngagementResponse is an engagement with its risk summary and breach exposure. fourth_parties is
// filled on single reads, not in lists.
type EngagementResponse struct {
	ID                 string           `json:"id" binding:"required"`
	Vendor             VendorRef        `json:"vendor" binding:"required"`
	ExternalRef        string           `json:"external_ref,omitempty" example:"CTR-2024-0042"`
	Name               string           `json:"name" binding:"required"`
	Description        string           `json:"description" binding:"required"`
	BusinessOwner      string           `json:"business_owner" binding:"required"`
	ServiceType        string           `json:"service_type" binding:"required"`
	DataCategories     []HoldingDTO     `json:"data_categories" binding:"required"`
	AccessType         string           `json:"access_type" binding:"required"`
	InternetFacing     bool             `json:"internet_facing" binding:"required"`
	DataLocations      []string         `json:"data_locations" binding:"required"`
	CriticalProcess    bool             `json:"critical_process" binding:"required"`
	RTOHours           *int             `json:"rto_hours,omitempty"`
	Substitutability   string           `json:"substitutability" binding:"required"`
	AnnualSpend        *MoneyDTO        `json:"annual_spend,omitempty"`
	Impact             ImpactResponse   `json:"impact" binding:"required"`
	Status             string           `json:"status" binding:"required" enums:"intake,assessing,decided,active,ended"`
	AllowedTransitions []string         `json:"allowed_transitions" binding:"required"`
	Risk               RiskSummary      `json:"risk" binding:"required"`
	BreachExposure     *ExposureDTO     `json:"breach_exposure,omitempty"`
	FourthParties      []FourthPartyDTO `json:"fourth_parties,omitempty"`
	ResidualRisk       *ResidualDTO     `json:"residual_risk,omitempty"`
	Version            int              `json:"version" binding:"required"`
	CreatedAt          time.Time        `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt          time.Time        `json:"updated_at" binding:"required" format:"date-time"`

	// LastAssessedAt is when the latest assessment was completed; null when never assessed.
	LastAssessedAt *time.Time `json:"last_assessed_at" format:"date-time" extensions:"x-nullable"`
	// NextReviewOn is LastAssessedAt's day plus the effective tier's reassessment_months in the current
	// risk policy; null when never assessed or ended.
	NextReviewOn *string `json:"next_review_on" format:"date" example:"2026-04-01" extensions:"x-nullable"`
	// ReviewStatus is where the review stands today: overdue (next_review_on before today), due_soon (today
	// up to 30 days ahead), ok, never_assessed (no completed assessment, so no date) or not_required (ended).
	ReviewStatus string `json:"review_status" binding:"required" enums:"overdue,due_soon,ok,never_assessed,not_required"`
}

// EngagementList is one page of engagements.
type EngagementList struct {
	Items      []EngagementResponse `json:"items" binding:"required"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

func toHoldings(in []HoldingDTO) []risk.Holding {
	out := make([]risk.Holding, len(in))
	for i, h := range in {
		out[i] = risk.Holding{Category: risk.DataCategory(h.Category), Records: h.Records}
	}
	return out
}

func (m *MoneyDTO) toDomain() *domain.Money {
	if m == nil {
		return nil
	}
	return &domain.Money{Amount: m.Amount, Currency: m.Currency}
}

func moneyDTO(m domain.Money) MoneyDTO { return MoneyDTO{Amount: m.Amount, Currency: m.Currency} }

func (i *ImpactDTO) toDomain() *risk.CIA {
	if i == nil {
		return nil
	}
	return &risk.CIA{C: i.C, I: i.I, A: i.A}
}

func (r CreateEngagementRequest) toDomain() engagement.Engagement {
	return engagement.Engagement{
		VendorID: r.VendorID, ExternalRef: r.ExternalRef, Name: r.Name, Description: r.Description, BusinessOwner: r.BusinessOwner,
		ServiceType: engagement.ServiceType(r.ServiceType), Holdings: toHoldings(r.DataCategories),
		Access: risk.AccessType(r.AccessType), InternetFacing: r.InternetFacing, DataLocations: r.DataLocations,
		CriticalProcess: r.CriticalProcess, RTOHours: r.RTOHours, Substitutability: risk.Substitutability(r.Substitutability),
		AnnualSpend: r.AnnualSpend.toDomain(), ImpactOverride: r.Impact.toDomain(), Status: engagement.Status(r.Status),
	}
}

func (r UpdateEngagementRequest) toDomain() (engagement.Patch, error) {
	var v domain.Validator
	v.Check(!(r.ClearRTOHours && r.RTOHours != nil), "clear_rto_hours", "cannot be sent with rto_hours")
	v.Check(!(r.ClearAnnualSpend && r.AnnualSpend != nil), "clear_annual_spend", "cannot be sent with annual_spend")
	v.Check(!(r.ClearImpact && r.Impact != nil), "clear_impact", "cannot be sent with impact")
	if err := v.Err(); err != nil {
		return engagement.Patch{}, err
	}
	p := engagement.Patch{
		ExternalRef: r.ExternalRef, Name: r.Name, Description: r.Description, BusinessOwner: r.BusinessOwner,
		ServiceType: (*engagement.ServiceType)(r.ServiceType), Access: (*risk.AccessType)(r.AccessType),
		InternetFacing: r.InternetFacing, DataLocations: r.DataLocations, CriticalProcess: r.CriticalProcess,
		Substitutability: (*risk.Substitutability)(r.Substitutability), Status: (*engagement.Status)(r.Status),
	}
	if r.DataCategories != nil {
		hs := toHoldings(*r.DataCategories)
		p.Holdings = &hs
	}
	if r.RTOHours != nil || r.ClearRTOHours {
		p.RTOHours = &r.RTOHours
	}
	if r.AnnualSpend != nil || r.ClearAnnualSpend {
		m := r.AnnualSpend.toDomain()
		p.AnnualSpend = &m
	}
	if r.Impact != nil || r.ClearImpact {
		i := r.Impact.toDomain()
		p.ImpactOverride = &i
	}
	return p, nil
}

func exposureDTO(e risk.Exposure) *ExposureDTO {
	out := &ExposureDTO{Totals: []MoneyDTO{}, Lines: []ExposureLineDTO{}}
	for _, t := range e.Totals {
		out.Totals = append(out.Totals, moneyDTO(t))
	}
	for _, l := range e.Lines {
		out.Lines = append(out.Lines, ExposureLineDTO{Category: string(l.Category), Records: l.Records,
			CostPerRecord: moneyDTO(l.CostPerRecord), Amount: moneyDTO(l.Amount)})
	}
	return out
}

func engagementResponse(e engagement.Engagement, ev *engagement.Evaluation, now time.Time, lang i18n.Lang) EngagementResponse {
	out := EngagementResponse{
		ID: e.ID, Vendor: VendorRef{ID: e.VendorID}, ExternalRef: e.ExternalRef, Name: e.Name, Description: e.Description, BusinessOwner: e.BusinessOwner,
		ServiceType: string(e.ServiceType), DataCategories: make([]HoldingDTO, len(e.Holdings)), AccessType: string(e.Access),
		InternetFacing: e.InternetFacing, DataLocations: e.DataLocations, CriticalProcess: e.CriticalProcess,
		RTOHours: e.RTOHours, Substitutability: string(e.Substitutability), Status: string(e.Status),
		AllowedTransitions: []string{}, Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		LastAssessedAt: e.LastAssessedAt, NextReviewOn: formatDatePtr(e.NextReviewOn), ReviewStatus: string(e.ReviewStatus(now)),
	}
	if out.DataLocations == nil {
		out.DataLocations = []string{}
	}
	for i, h := range e.Holdings {
		out.DataCategories[i] = HoldingDTO{Category: string(h.Category), Records: h.Records}
	}
	if m := e.AnnualSpend; m != nil {
		d := moneyDTO(*m)
		out.AnnualSpend = &d
	}
	imp, der := e.Impact(), e.DerivedImpact()
	out.Impact = ImpactResponse{C: imp.C, I: imp.I, A: imp.A, Source: "derived", Derived: ImpactDTO{C: der.C, I: der.I, A: der.A}}
	if e.ImpactOverride != nil {
		out.Impact.Source = "override"
	}
	for _, st := range engagement.AllowedNext(e.Status) {
		out.AllowedTransitions = append(out.AllowedTransitions, string(st))
	}
	out.Risk = RiskSummary{Score: e.Risk.Score, RecommendedTier: int(e.Risk.RecommendedTier), EffectiveTier: int(e.Risk.EffectiveTier),
		EffectiveLabel: e.Risk.EffectiveTier.Label(), EffectiveText: tierText(e.Risk.EffectiveTier, lang), ModelVersion: e.Risk.ModelVersion, Override: overrideDTO(e.Override, e.Risk.RecommendedTier)}
	if ev != nil {
		out.Vendor.Name = ev.Vendor.Name
		out.BreachExposure = exposureDTO(ev.Exposure)
		if ev.Residual != nil {
			out.ResidualRisk = residualDTO(*ev.Residual, ev.ResidualAssessmentID, lang)
		}
		out.FourthParties = []FourthPartyDTO{}
		for _, f := range ev.FourthParties {
			out.FourthParties = append(out.FourthParties, FourthPartyDTO{VendorID: f.VendorID, Name: f.Name, Service: f.Service,
				HandlesOurData: f.HandlesOurData, Depth: f.Depth, ViaVendorID: f.ViaVendorID})
		}
	}
	return out
}

func overrideDTO(o *engagement.TierOverride, recommendedNow risk.Tier) *TierOverrideResponse {
	if o == nil {
		return nil
	}
	return &TierOverrideResponse{Tier: int(o.Tier), Reason: o.Reason, ByKeyID: o.ByKeyID, ByName: o.ByName, At: o.At,
		RecommendedTierAtOverride: int(o.RecommendedTier), RecommendationChangedSince: o.RecommendedTier != recommendedNow}
}

// createEngagement godoc
//
//	@Summary		Register an engagement
//	@ID		createEngagement
//	@Description	An engagement is a service bought from a vendor; its inherent risk is evaluated at once. C/I/A impact defaults to what the data categories and criticality imply unless impact is given.
//	@Tags			engagements
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string					false	"makes a retry return the first result"
//	@Param			body			body		CreateEngagementRequest	true	"the engagement"
//	@Success		201				{object}	EngagementResponse
//	@Router			/api/v1/engagements [post]
func (s *Server) createEngagement(c *gin.Context) {
	var req CreateEngagementRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	e, ev, err := s.engagements.Create(c.Request.Context(), req.toDomain())
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.Header("Location", "/api/v1/engagements/"+e.ID)
	c.JSON(http.StatusCreated, engagementResponse(e, &ev, s.now(), localized(c)))
}

// engagementFilter reads the engagement list's filters (the list and the export share them).
func engagementFilter(c *gin.Context) (engagement.Filter, error) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		return engagement.Filter{}, err
	}
	tier, err := queryInt(c, "tier")
	if err != nil {
		return engagement.Filter{}, err
	}
	return engagement.Filter{VendorID: c.Query("vendor_id"), Status: engagement.Status(c.Query("status")), Tier: risk.Tier(tier),
		ServiceType: engagement.ServiceType(c.Query("service_type")), ExternalRef: c.Query("external_ref"),
		Review: engagement.ReviewStatus(c.Query("review")),
		Query:  c.Query("q"), Sort: c.Query("sort"), Limit: limit}, nil
}

// listEngagements godoc
//
//	@Summary		List engagements
//	@ID		listEngagements
//	@Description	Tier filters and sorts use the stored evaluation, refreshed whenever the engagement, its vendor's subcontractor graph or the risk policy changes. The review filter uses the stored next review date (last completed assessment + the effective tier's reassessment_months), kept in the same way and when an assessment completes.
//	@Tags			engagements
//	@Produce		json
//	@Security		BearerAuth
//	@Param			vendor_id		query		string	false	"filter by vendor"
//	@Param			status			query		string	false	"filter by status"			Enums(intake, assessing, decided, active, ended)
//	@Param			tier			query		int		false	"filter by effective tier"	Enums(1, 2, 3, 4)
//	@Param			service_type	query		string	false	"filter by service type"	Enums(saas, iaas, paas, outsourced_development, operations_outsourcing, consulting, onsite_maintenance, other)
//	@Param			external_ref	query		string	false	"the engagement with this external reference (the id in your ERP)"
//	@Param			review			query		string	false	"filter by review status today: overdue, due_soon (within 30 days), ok, never_assessed (no completed assessment yet), not_required (ended)"	Enums(overdue, due_soon, ok, never_assessed, not_required)
//	@Param			q				query		string	false	"substring of the name"
//	@Param			sort			query		string	false	"sort order"	Enums(created_at, -created_at, name, -name, risk_score, -risk_score)
//	@Param			limit			query		int		false	"page size (1-200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Success		200				{object}	EngagementList
//	@Router			/api/v1/engagements [get]
func (s *Server) listEngagements(c *gin.Context) {
	f, err := engagementFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.engagements.List(c.Request.Context(), f, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := EngagementList{Items: make([]EngagementResponse, len(page.Items)), NextCursor: page.NextCursor}
	now, lang := s.now(), localized(c)
	for i, e := range page.Items {
		out.Items[i] = engagementResponse(e, nil, now, lang)
	}
	c.JSON(http.StatusOK, out)
}

// getEngagement godoc
//
//	@Summary	Get an engagement with its risk, breach exposure and fourth parties
//	@ID	getEngagement
//	@Tags		engagements
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"engagement id"
//	@Success	200	{object}	EngagementResponse
//	@Router		/api/v1/engagements/{id} [get]
func (s *Server) getEngagement(c *gin.Context) {
	e, ev, err := s.engagements.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.JSON(http.StatusOK, engagementResponse(e, &ev, s.now(), localized(c)))
}

// updateEngagement godoc
//
//	@Summary		Update an engagement
//	@ID		updateEngagement
//	@Description	Partial update; the risk is re-evaluated. status follows intake → assessing → decided → active, with reassessment (decided/active → assessing) and ended from any state; an illegal change is 409.
//	@Tags			engagements
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string					true	"engagement id"
//	@Param			If-Match	header		string					false	"ETag of the version you read"
//	@Param			body		body		UpdateEngagementRequest	true	"fields to change"
//	@Success		200			{object}	EngagementResponse
//	@Router			/api/v1/engagements/{id} [patch]
func (s *Server) updateEngagement(c *gin.Context) {
	var req UpdateEngagementRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	patch, err := req.toDomain()
	if err != nil {
		respondError(c, err)
		return
	}
	e, ev, err := s.engagements.Update(c.Request.Context(), c.Param("id"), patch, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.JSON(http.StatusOK, engagementResponse(e, &ev, s.now(), localized(c)))
}
