package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/finding"
)

// RemediationRequest plans a remediation item. due_date defaults to today + the risk policy's days for
// the finding's severity on the engagement's tier.
type RemediationRequest struct {
	Type        string  `json:"type" validate:"required,oneof=corrective preventive" enums:"corrective,preventive"`
	Owner       string  `json:"owner" validate:"required,oneof=supplier internal" enums:"supplier,internal"`
	Description string  `json:"description" validate:"required,max=4000"`
	DueDate     *string `json:"due_date" validate:"omitnil,datetime=2006-01-02" format:"date"`
}

// UpdateRemediationRequest changes an item; status moves open → in_progress → done.
type UpdateRemediationRequest struct {
	Description *string `json:"description" validate:"omitnil,max=4000"`
	DueDate     *string `json:"due_date" validate:"omitnil,datetime=2006-01-02" format:"date"`
	Status      *string `json:"status" validate:"omitnil,oneof=open in_progress done" enums:"open,in_progress,done"`
}

// VerifyRequest accepts a done item or sends it back with a comment.
type VerifyRequest struct {
	Passed  bool   `json:"passed"`
	Comment string `json:"comment" validate:"max=4000"`
}

// SupplierPlanDTO is a remediation item the supplier proposes.
type SupplierPlanDTO struct {
	Type        string  `json:"type" validate:"required,oneof=corrective preventive"`
	Description string  `json:"description" validate:"required,max=4000"`
	DueDate     *string `json:"due_date" validate:"omitnil,datetime=2006-01-02" format:"date"`
}

// RemediationResponse is a remediation item.
type RemediationResponse struct {
	ID          string     `json:"id" binding:"required"`
	FindingID   string     `json:"finding_id" binding:"required"`
	Type        string     `json:"type" binding:"required" enums:"corrective,preventive"`
	Owner       string     `json:"owner" binding:"required" enums:"supplier,internal"`
	Description string     `json:"description" binding:"required"`
	DueDate     string     `json:"due_date" binding:"required" format:"date"`
	Overdue     bool       `json:"overdue" binding:"required"`
	Status      string     `json:"status" binding:"required" enums:"proposed,open,in_progress,done,verified,rejected"`
	Comment     string     `json:"comment,omitempty"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty" format:"date-time"`
	Version     int        `json:"version" binding:"required"`
}

// RemediationList lists a finding's items.
type RemediationList struct {
	Items []RemediationResponse `json:"items" binding:"required"`
}

func (s *Server) remediationResponse(r finding.Remediation) RemediationResponse {
	return RemediationResponse{ID: r.ID, FindingID: r.FindingID, Type: r.Type, Owner: r.Owner, Description: r.Description,
		DueDate: r.DueDate.Format(dateLayout), Overdue: r.Overdue(s.now()), Status: string(r.Status), Comment: r.Comment,
		VerifiedAt: r.VerifiedAt, Version: r.Version}
}

// addRemediation godoc
//
//	@Summary	Plan a remediation item for a finding
//	@ID	createRemediation
//	@Tags		findings
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id		path		string				true	"finding id"
//	@Param		body	body		RemediationRequest	true	"the item"
//	@Success	201		{object}	RemediationResponse
//	@Router		/api/v1/findings/{id}/remediations [post]
func (s *Server) addRemediation(c *gin.Context) {
	var req RemediationRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	r, err := s.remediations.Add(c.Request.Context(), c.Param("id"), finding.NewRemediation{Type: req.Type, Owner: req.Owner,
		Description: req.Description, DueDate: parseDatePtr(req.DueDate)})
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, r.Version)
	c.Header("Location", "/api/v1/remediations/"+r.ID)
	c.JSON(http.StatusCreated, s.remediationResponse(r))
}

// listRemediations godoc
//
//	@Summary	List a finding's remediation items
//	@ID	listRemediations
//	@Tags		findings
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"finding id"
//	@Success	200	{object}	RemediationList
//	@Router		/api/v1/findings/{id}/remediations [get]
func (s *Server) listRemediations(c *gin.Context) {
	items, err := s.remediations.List(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := RemediationList{Items: []RemediationResponse{}}
	for _, it := range items {
		out.Items = append(out.Items, s.remediationResponse(it))
	}
	c.JSON(http.StatusOK, out)
}

// updateRemediation godoc
//
//	@Summary		Update a remediation item
//	@ID		updateRemediation
//	@Description	The finding follows its items: any started → in_progress, all done → resolved, all verified → closed.
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string						true	"remediation id"
//	@Param			If-Match	header		string						false	"ETag of the version you read"
//	@Param			body		body		UpdateRemediationRequest	true	"fields to change"
//	@Success		200			{object}	RemediationResponse
//	@Router			/api/v1/remediations/{id} [patch]
func (s *Server) updateRemediation(c *gin.Context) {
	var req UpdateRemediationRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	r, err := s.remediations.Update(c.Request.Context(), c.Param("id"), finding.RemediationPatch{Description: req.Description,
		DueDate: parseDatePtr(req.DueDate), Status: (*finding.RemediationStatus)(req.Status)}, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, r.Version)
	c.JSON(http.StatusOK, s.remediationResponse(r))
}

// verifyRemediation godoc
//
//	@Summary		Verify a done remediation item
//	@ID		verifyRemediation
//	@Description	passed true → verified; false → back to in_progress (comment required). When every item of the finding is verified the finding closes.
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string			true	"remediation id"
//	@Param			body	body		VerifyRequest	true	"the verification"
//	@Success		200		{object}	RemediationResponse
//	@Router			/api/v1/remediations/{id}/verify [post]
func (s *Server) verifyRemediation(c *gin.Context) {
	var req VerifyRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	r, err := s.remediations.Verify(c.Request.Context(), c.Param("id"), req.Passed, req.Comment)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, r.Version)
	c.JSON(http.StatusOK, s.remediationResponse(r))
}

// supplierListRemediations godoc
//
//	@Summary	List the remediation items of the supplier's finding
//	@ID	supplierListRemediations
//	@Tags		supplier
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"finding id"
//	@Success	200	{object}	RemediationList
//	@Router		/api/v1/supplier/findings/{id}/remediations [get]
func (s *Server) supplierListRemediations(c *gin.Context) {
	s.listRemediations(c)
}

// getRemediation godoc
//
//	@Summary	Get a remediation item
//	@ID	getRemediation
//	@Tags		findings
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"remediation id"
//	@Success	200	{object}	RemediationResponse
//	@Router		/api/v1/remediations/{id} [get]
func (s *Server) getRemediation(c *gin.Context) {
	r, err := s.remediations.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, r.Version)
	c.JSON(http.StatusOK, s.remediationResponse(r))
}

// RejectPlanRequest sends a supplier's proposed remediation plan back.
type RejectPlanRequest struct {
	Reason string `json:"reason" validate:"required,max=2000" maxLength:"2000"`
}

// acceptRemediationPlan godoc
//
//	@Summary		Accept the supplier's proposed remediation plan
//	@ID		acceptRemediationPlan
//	@Description	The finding's proposed items become open: they now count toward its due date, overdue notices and status (an open finding becomes remediation_planned). 409 when no plan is proposed. A supplier gets 403 on its own finding (it cannot accept its own plan) and 404 on another vendor's.
//	@Tags			findings
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"finding id"
//	@Param			If-Match	header		string	false	"ETag of the finding version you read"
//	@Success		200			{object}	FindingResponse
//	@Router			/api/v1/findings/{id}/remediation-plan/accept [post]
func (s *Server) acceptRemediationPlan(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f, err := s.remediations.AcceptPlan(c.Request.Context(), c.Param("id"), version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, f.Version)
	c.JSON(http.StatusOK, findingResponse(f, s.now(), localized(c)))
}

// rejectRemediationPlan godoc
//
//	@Summary		Reject the supplier's proposed remediation plan
//	@ID		rejectRemediationPlan
//	@Description	The finding's proposed items become rejected (kept, never tracked) and the plan goes back to the supplier with the reason; the supplier may propose again (POST /supplier/findings/{id}/response with plans). 409 when no plan is proposed. A supplier gets 403 on its own finding and 404 on another vendor's.
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"finding id"
//	@Param			If-Match	header		string				false	"ETag of the finding version you read"
//	@Param			body		body		RejectPlanRequest	true	"the reason"
//	@Success		200			{object}	FindingResponse
//	@Router			/api/v1/findings/{id}/remediation-plan/reject [post]
func (s *Server) rejectRemediationPlan(c *gin.Context) {
	var req RejectPlanRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	f, err := s.remediations.RejectPlan(c.Request.Context(), c.Param("id"), req.Reason, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, f.Version)
	c.JSON(http.StatusOK, findingResponse(f, s.now(), localized(c)))
}
