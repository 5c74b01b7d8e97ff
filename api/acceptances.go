package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/acceptance"
)

// RiskAcceptanceRequest asks for a finding's risk to be accepted until a date.
type RiskAcceptanceRequest struct {
	Justification string `json:"justification" validate:"required,max=4000" example:"Compensating control: VPN with device certificates until the SSO migration in Q2"`
	ExpiresOn     string `json:"expires_on" validate:"required,datetime=2006-01-02" format:"date" example:"2027-03-31"`
}

// FrozenRiskDTO is a finding's risk as frozen at acceptance.
type FrozenRiskDTO struct {
	Severity      string `json:"severity" binding:"required"`
	Priority      int    `json:"priority" binding:"required"`
	ScoreBP       int    `json:"score_bp" binding:"required"`
	ResidualLevel string `json:"residual_level,omitempty" enums:"low,medium,high,critical"`
	// Tier is the engagement's effective tier at acceptance (absent on acceptances approved before it was recorded).
	Tier int `json:"tier,omitempty" enums:"1,2,3,4"`
}

// RiskAcceptanceResponse is a risk acceptance.
type RiskAcceptanceResponse struct {
	ID            string         `json:"id" binding:"required"`
	FindingID     string         `json:"finding_id" binding:"required"`
	EngagementID  string         `json:"engagement_id" binding:"required"`
	VendorID      string         `json:"vendor_id" binding:"required"`
	Status        string         `json:"status" binding:"required" enums:"pending,active,revoked,expired,stale"`
	Justification string         `json:"justification" binding:"required"`
	ExpiresOn     string         `json:"expires_on" binding:"required" format:"date"`
	MaxExpiresOn  string         `json:"max_expires_on" binding:"required" format:"date"`
	RequestedBy   PersonDTO      `json:"requested_by" binding:"required"`
	ApprovedBy    *PersonDTO     `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time     `json:"approved_at,omitempty" format:"date-time"`
	Frozen        *FrozenRiskDTO `json:"frozen_risk,omitempty"`
	EndedAt       *time.Time     `json:"ended_at,omitempty" format:"date-time"`
	EndedBy       *PersonDTO     `json:"ended_by,omitempty"`
	EndReason     string         `json:"end_reason,omitempty"`
	Version       int            `json:"version" binding:"required"`
	CreatedAt     time.Time      `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt     time.Time      `json:"updated_at" binding:"required" format:"date-time"`
}

// RiskAcceptanceList is one page of risk acceptances.
type RiskAcceptanceList struct {
	Items      []RiskAcceptanceResponse `json:"items" binding:"required"`
	NextCursor string                   `json:"next_cursor,omitempty"`
}

func acceptancePerson(p *acceptance.Person) *PersonDTO {
	if p == nil {
		return nil
	}
	return &PersonDTO{KeyID: p.KeyID, Name: p.Name}
}

func acceptanceResponse(a acceptance.Acceptance) RiskAcceptanceResponse {
	out := RiskAcceptanceResponse{ID: a.ID, FindingID: a.FindingID, EngagementID: a.EngagementID, VendorID: a.VendorID,
		Status: string(a.Status), Justification: a.Justification, ExpiresOn: a.ExpiresOn.Format(dateLayout),
		MaxExpiresOn: a.MaxExpiresOn.Format(dateLayout), RequestedBy: *acceptancePerson(&a.RequestedBy),
		ApprovedBy: acceptancePerson(a.ApprovedBy), ApprovedAt: a.ApprovedAt, EndedAt: a.EndedAt, EndedBy: acceptancePerson(a.EndedBy),
		EndReason: a.EndReason, Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if f := a.Frozen; f != nil {
		out.Frozen = &FrozenRiskDTO{Severity: string(f.Severity), Priority: f.Priority, ScoreBP: f.ScoreBP, ResidualLevel: string(f.ResidualLevel),
			Tier: int(f.Tier)}
	}
	return out
}

// requestRiskAcceptance godoc
//
//	@Summary		Ask for a finding's risk to be accepted
//	@ID		requestRiskAcceptance
//	@Description	Records a pending acceptance with its justification and a mandatory expiry no later than the tier's reassessment cadence from today (max_expires_on). A risk owner other than the requester approves it; the finding then becomes risk_accepted and its risk is frozen.
//	@Tags			risk-acceptances
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string					true	"finding id"
//	@Param			Idempotency-Key	header		string					false	"makes a retry safe"
//	@Param			body			body		RiskAcceptanceRequest	true	"the request"
//	@Success		201				{object}	RiskAcceptanceResponse
//	@Router			/api/v1/findings/{id}/risk-acceptances [post]
func (s *Server) requestRiskAcceptance(c *gin.Context) {
	var req RiskAcceptanceRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	expires, _ := time.Parse(dateLayout, req.ExpiresOn) // validated
	a, err := s.acceptances.Request(c.Request.Context(), c.Param("id"), req.Justification, expires)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, a.Version)
	c.Header("Location", "/api/v1/risk-acceptances/"+a.ID)
	c.JSON(http.StatusCreated, acceptanceResponse(a))
}

// listRiskAcceptances godoc
//
//	@Summary	List risk acceptances
//	@ID	listRiskAcceptances
//	@Tags		risk-acceptances
//	@Produce	json
//	@Security	BearerAuth
//	@Param		finding_id	query		string	false	"filter by finding"
//	@Param		status		query		string	false	"filter by status"	Enums(pending, active, revoked, expired, stale)
//	@Param		limit		query		int		false	"page size (1-200, default 50)"
//	@Param		cursor		query		string	false	"next_cursor of the previous page"
//	@Success	200			{object}	RiskAcceptanceList
//	@Router		/api/v1/risk-acceptances [get]
func (s *Server) listRiskAcceptances(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.acceptances.List(c.Request.Context(), acceptance.Filter{FindingID: c.Query("finding_id"),
		Status: acceptance.Status(c.Query("status")), Limit: limit}, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := RiskAcceptanceList{Items: make([]RiskAcceptanceResponse, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, a := range page.Items {
		out.Items = append(out.Items, acceptanceResponse(a))
	}
	c.JSON(http.StatusOK, out)
}

// getRiskAcceptance godoc
//
//	@Summary	Get a risk acceptance
//	@ID	getRiskAcceptance
//	@Tags		risk-acceptances
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"risk acceptance id"
//	@Success	200	{object}	RiskAcceptanceResponse
//	@Router		/api/v1/risk-acceptances/{id} [get]
func (s *Server) getRiskAcceptance(c *gin.Context) {
	a, err := s.acceptances.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, a.Version)
	c.JSON(http.StatusOK, acceptanceResponse(a))
}

// approveRiskAcceptance godoc
//
//	@Summary		Accept a finding's risk
//	@ID		approveRiskAcceptance
//	@Description	A risk owner other than the requester (four eyes, 403) accepts the risk: the finding becomes risk_accepted, and its severity, priority, answer score, the engagement's tier and residual level are frozen. The acceptance ends by itself at expiry (expired) or when the finding's risk changes, the tier included (stale); the finding then re-opens.
//	@Tags			risk-acceptances
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"risk acceptance id"
//	@Param			If-Match	header		string	false	"ETag of the version you read"
//	@Success		200			{object}	RiskAcceptanceResponse
//	@Router			/api/v1/risk-acceptances/{id}/approve [post]
func (s *Server) approveRiskAcceptance(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	a, err := s.acceptances.Approve(c.Request.Context(), c.Param("id"), version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, a.Version)
	c.JSON(http.StatusOK, acceptanceResponse(a))
}

// revokeRiskAcceptance godoc
//
//	@Summary		Revoke a risk acceptance
//	@ID		revokeRiskAcceptance
//	@Description	A risk owner, or whoever asked for it, withdraws a pending or active acceptance (the reason is required); an active one re-opens the finding.
//	@Tags			risk-acceptances
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"risk acceptance id"
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			body		body		RevokeRiskAcceptanceRequest	true	"the reason"
//	@Success		200			{object}	RiskAcceptanceResponse
//	@Router			/api/v1/risk-acceptances/{id}/revoke [post]
func (s *Server) revokeRiskAcceptance(c *gin.Context) {
	var req RevokeRiskAcceptanceRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	a, err := s.acceptances.Revoke(c.Request.Context(), c.Param("id"), req.Reason, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, a.Version)
	c.JSON(http.StatusOK, acceptanceResponse(a))
}

// RevokeRiskAcceptanceRequest carries the reason for revoking or withdrawing a risk acceptance.
type RevokeRiskAcceptanceRequest struct {
	Reason string `json:"reason" validate:"required,max=4000" maxLength:"4000"`
}
