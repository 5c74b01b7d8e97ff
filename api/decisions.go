package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
)

// OutsourcingDecisionRequest asks for an outsourcing decision.
type OutsourcingDecisionRequest struct {
	EngagementID string `json:"engagement_id" validate:"required"`
	Purpose      string `json:"purpose" validate:"max=4000" example:"Payroll processing for FY2027"`
}

// ConditionRequest is a condition attached to an approval: a remediation item to be verified, or a
// contract clause to be in place without a gap, by a date.
type ConditionRequest struct {
	Kind          string `json:"kind" validate:"required,oneof=remediation contract_clause" enums:"remediation,contract_clause"`
	RemediationID string `json:"remediation_id,omitempty"`
	ClauseType    string `json:"clause_type,omitempty" example:"breach_notification"`
	Description   string `json:"description" validate:"required,max=1000"`
	DueDate       string `json:"due_date" validate:"required,datetime=2006-01-02" format:"date" example:"2027-03-31"`
}

// ApproveDecisionRequest is a risk owner's approval, with optional conditions.
type ApproveDecisionRequest struct {
	Comment    string             `json:"comment" validate:"max=4000"`
	Conditions []ConditionRequest `json:"conditions" validate:"max=50,dive"`
}

// RejectDecisionRequest carries the reason for refusing an outsourcing decision.
type RejectDecisionRequest struct {
	Reason string `json:"reason" validate:"required,max=4000" maxLength:"4000"`
}

// PersonDTO is who acted: the credential and its name.
type PersonDTO struct {
	KeyID string `json:"key_id" binding:"required"`
	Name  string `json:"name" binding:"required"`
}

// CertificationDTO is a certification as a snapshot saw it.
type CertificationDTO struct {
	ID         string `json:"id" binding:"required"`
	Name       string `json:"name" binding:"required"`
	ValidUntil string `json:"valid_until" binding:"required" format:"date"`
}

// ContractGapDTO is one gap of one contract, or (problem no_contract, no contract_id) a required clause
// of an engagement that has no contract at all.
type ContractGapDTO struct {
	ContractID string `json:"contract_id,omitempty"`
	ClauseType string `json:"clause_type" binding:"required" enums:"confidentiality,data_protection,right_to_audit,breach_notification,subcontracting,data_location,return_and_deletion,business_continuity,security_requirements,staff_security,liability,exit_assistance"`
	Problem    string `json:"problem" binding:"required" enums:"missing,weaker,no_contract"`
	Severity   string `json:"severity" binding:"required" enums:"critical,high,medium,low"`
}

// DecisionInputs are the facts a decision rests on, as snapshotted when it was requested.
type DecisionInputs struct {
	EffectiveTier      int                `json:"effective_tier" binding:"required" example:"1"`
	InherentScore      int                `json:"inherent_score" binding:"required" example:"78"`
	AssessmentID       string             `json:"assessment_id,omitempty"`
	ControlScoreBP     *int               `json:"control_score_bp,omitempty" example:"6400"`
	Residual           *ResidualDTO       `json:"residual,omitempty"`
	OpenFindings       map[string]int     `json:"open_findings_by_severity" binding:"required"`
	ContractGaps       []ContractGapDTO   `json:"contract_gaps" binding:"required"`
	ValidCerts         []CertificationDTO `json:"valid_certifications" binding:"required"`
	ExpiredCerts       []CertificationDTO `json:"expired_certifications" binding:"required"`
	NextReviewOn       *string            `json:"next_review_on,omitempty" format:"date"`
	RequiredApprovals  int                `json:"required_approvals" binding:"required" example:"2"`
	ReassessmentMonths int                `json:"reassessment_months" binding:"required" example:"12"`
	PolicyVersion      int                `json:"policy_version" binding:"required" example:"1"`
}

// ApprovalDTO is one approval.
type ApprovalDTO struct {
	By      PersonDTO `json:"by" binding:"required"`
	At      time.Time `json:"at" binding:"required" format:"date-time"`
	Comment string    `json:"comment,omitempty"`
}

// ApprovalConditionDTO is a condition of an approval.
type ApprovalConditionDTO struct {
	ID            string     `json:"id" binding:"required"`
	Kind          string     `json:"kind" binding:"required" enums:"remediation,contract_clause"`
	RemediationID string     `json:"remediation_id,omitempty"`
	ClauseType    string     `json:"clause_type,omitempty"`
	Description   string     `json:"description" binding:"required"`
	DueDate       string     `json:"due_date" binding:"required" format:"date"`
	SetBy         PersonDTO  `json:"set_by" binding:"required"`
	MetAt         *time.Time `json:"met_at,omitempty" format:"date-time"`
}

// DecisionResponse is an outsourcing decision with everything it rests on.
type DecisionResponse struct {
	ID                string                 `json:"id" binding:"required"`
	EngagementID      string                 `json:"engagement_id" binding:"required"`
	VendorID          string                 `json:"vendor_id" binding:"required"`
	Purpose           string                 `json:"purpose,omitempty"`
	Status            string                 `json:"status" binding:"required" enums:"pending,approved,rejected,needs_review"`
	Conditional       bool                   `json:"conditional" binding:"required"`
	RequestedBy       PersonDTO              `json:"requested_by" binding:"required"`
	RequiredApprovals int                    `json:"required_approvals" binding:"required" example:"2"`
	Approvals         []ApprovalDTO          `json:"approvals" binding:"required"`
	Conditions        []ApprovalConditionDTO `json:"conditions" binding:"required"`
	Inputs            DecisionInputs         `json:"inputs" binding:"required"`
	ApprovedAt        *time.Time             `json:"approved_at,omitempty" format:"date-time"`
	ApprovedLevel     string                 `json:"approved_residual_level,omitempty" enums:"low,medium,high,critical"`
	ValidUntil        *string                `json:"valid_until,omitempty" format:"date"`
	RejectedBy        *PersonDTO             `json:"rejected_by,omitempty"`
	RejectionReason   string                 `json:"rejection_reason,omitempty"`
	NeedsReviewAt     *time.Time             `json:"needs_review_at,omitempty" format:"date-time"`
	NeedsReviewWhy    []string               `json:"needs_review_reasons,omitempty"`
	Version           int                    `json:"version" binding:"required"`
	CreatedAt         time.Time              `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt         time.Time              `json:"updated_at" binding:"required" format:"date-time"`
}

// DecisionList is one page of decisions.
type DecisionList struct {
	Items      []DecisionResponse `json:"items" binding:"required"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

func personDTO(p decision.Person) PersonDTO { return PersonDTO{KeyID: p.KeyID, Name: p.Name} }

func certDTOs(cs []decision.Certification) []CertificationDTO {
	out := make([]CertificationDTO, 0, len(cs))
	for _, c := range cs {
		out = append(out, CertificationDTO{ID: c.ID, Name: c.Name, ValidUntil: c.ValidUntil.Format(dateLayout)})
	}
	return out
}

func decisionInputs(in decision.Inputs) DecisionInputs {
	out := DecisionInputs{EffectiveTier: int(in.EffectiveTier), InherentScore: in.InherentScore, AssessmentID: in.AssessmentID,
		ControlScoreBP: in.ControlScoreBP, OpenFindings: map[string]int{}, ContractGaps: []ContractGapDTO{},
		ValidCerts: certDTOs(in.ValidCerts), ExpiredCerts: certDTOs(in.ExpiredCerts), NextReviewOn: formatDatePtr(in.NextReviewOn),
		RequiredApprovals: in.RequiredApprovals, ReassessmentMonths: in.ReassessmentMonths, PolicyVersion: in.PolicyVersion}
	for _, sev := range domain.Severities {
		out.OpenFindings[string(sev)] = in.OpenFindings[sev]
	}
	if in.Residual != nil {
		// The snapshot is the record of what the approvers were shown: it stays as it was made, in English.
		out.Residual = residualDTO(*in.Residual, in.AssessmentID, i18n.EN)
	}
	for _, g := range in.ContractGaps {
		out.ContractGaps = append(out.ContractGaps, ContractGapDTO{ContractID: g.ContractID, ClauseType: string(g.ClauseType),
			Problem: g.Problem, Severity: string(g.Severity)})
	}
	return out
}

func decisionResponse(d decision.Decision) DecisionResponse {
	out := DecisionResponse{ID: d.ID, EngagementID: d.EngagementID, VendorID: d.VendorID, Purpose: d.Purpose, Status: string(d.Status),
		Conditional: d.Conditional(), RequestedBy: personDTO(d.RequestedBy), RequiredApprovals: d.RequiredApprovals,
		Approvals: []ApprovalDTO{}, Conditions: []ApprovalConditionDTO{}, Inputs: decisionInputs(d.Snapshot), ApprovedAt: d.ApprovedAt,
		ApprovedLevel: string(d.ApprovedLevel), ValidUntil: formatDatePtr(d.ValidUntil), Version: d.Version,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, a := range d.Approvals {
		out.Approvals = append(out.Approvals, ApprovalDTO{By: personDTO(a.By), At: a.At, Comment: a.Comment})
	}
	for _, c := range d.Conditions {
		out.Conditions = append(out.Conditions, ApprovalConditionDTO{ID: c.ID, Kind: string(c.Kind), RemediationID: c.RemediationID,
			ClauseType: string(c.ClauseType), Description: c.Description, DueDate: c.DueDate.Format(dateLayout),
			SetBy: personDTO(c.SetBy), MetAt: c.MetAt})
	}
	if r := d.Rejection; r != nil {
		by := personDTO(r.By)
		out.RejectedBy, out.RejectionReason = &by, r.Reason
	}
	if l := d.Lapse; l != nil {
		out.NeedsReviewAt, out.NeedsReviewWhy = &l.At, l.Reasons
	}
	return out
}

// requestDecision godoc
//
//	@Summary		Request an outsourcing decision
//	@ID		requestDecision
//	@Description	Procurement asks risk owners to approve outsourcing an engagement. The request snapshots its inputs: effective tier, inherent risk, the latest completed assessment's score and residual risk, open findings by severity, contract gaps, valid and expired certifications, and how many distinct risk-owner approvals the tier's policy requires. One pending decision per engagement.
//	@Tags			decisions
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string			false	"makes a retry safe"
//	@Param			body			body		OutsourcingDecisionRequest	true	"the request"
//	@Success		201				{object}	DecisionResponse
//	@Router			/api/v1/decisions [post]
func (s *Server) requestDecision(c *gin.Context) {
	var req OutsourcingDecisionRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	d, err := s.decisions.Request(c.Request.Context(), req.EngagementID, req.Purpose)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, d.Version)
	c.Header("Location", "/api/v1/decisions/"+d.ID)
	c.JSON(http.StatusCreated, decisionResponse(d))
}

// listDecisions godoc
//
//	@Summary	List outsourcing decisions
//	@ID	listDecisions
//	@Tags		decisions
//	@Produce	json
//	@Security	BearerAuth
//	@Param		engagement_id	query		string	false	"filter by engagement"
//	@Param		status			query		string	false	"filter by status"	Enums(pending, approved, rejected, needs_review)
//	@Param		limit			query		int		false	"page size (1-200, default 50)"
//	@Param		cursor			query		string	false	"next_cursor of the previous page"
//	@Success	200				{object}	DecisionList
//	@Router		/api/v1/decisions [get]
func (s *Server) listDecisions(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.decisions.List(c.Request.Context(), decision.Filter{EngagementID: c.Query("engagement_id"),
		Status: decision.Status(c.Query("status")), Limit: limit}, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := DecisionList{Items: make([]DecisionResponse, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, d := range page.Items {
		out.Items = append(out.Items, decisionResponse(d))
	}
	c.JSON(http.StatusOK, out)
}

// getDecision godoc
//
//	@Summary	Get an outsourcing decision
//	@ID	getDecision
//	@Tags		decisions
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"decision id"
//	@Success	200	{object}	DecisionResponse
//	@Router		/api/v1/decisions/{id} [get]
func (s *Server) getDecision(c *gin.Context) {
	d, err := s.decisions.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, d.Version)
	c.JSON(http.StatusOK, decisionResponse(d))
}

// approveDecision godoc
//
//	@Summary		Approve an outsourcing decision
//	@ID		approveDecision
//	@Description	A risk owner's approval, optionally with conditions (a remediation item of this engagement to be verified, or a contract clause to be in place without a gap, each by a due date). The requester can never approve (four eyes, 403); one credential counts once (a second approval by it is 409). When the distinct approvals reach the tier's quorum the decision is approved, valid until the engagement's next review date; it turns to needs_review by itself when a condition lapses, a newer assessment raises the residual level, a certification expires or the review date passes.
//	@Tags			decisions
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string					true	"decision id"
//	@Param			If-Match	header		string					false	"ETag of the version you read"
//	@Param			body		body		ApproveDecisionRequest	true	"the approval"
//	@Success		200			{object}	DecisionResponse
//	@Router			/api/v1/decisions/{id}/approve [post]
func (s *Server) approveDecision(c *gin.Context) {
	var req ApproveDecisionRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	conds := make([]decision.NewCondition, 0, len(req.Conditions))
	for _, rc := range req.Conditions {
		due, _ := time.Parse(dateLayout, rc.DueDate) // validated
		conds = append(conds, decision.NewCondition{Kind: decision.ConditionKind(rc.Kind), RemediationID: rc.RemediationID,
			ClauseType: contract.ClauseType(rc.ClauseType), Description: rc.Description, DueDate: due})
	}
	d, err := s.decisions.Approve(c.Request.Context(), c.Param("id"), req.Comment, conds, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, d.Version)
	c.JSON(http.StatusOK, decisionResponse(d))
}

// rejectDecision godoc
//
//	@Summary		Reject an outsourcing decision
//	@ID		rejectDecision
//	@Description	A risk owner other than the requester refuses the outsourcing; the reason is required.
//	@Tags			decisions
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"decision id"
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			body		body		RejectDecisionRequest	true	"the reason"
//	@Success		200			{object}	DecisionResponse
//	@Router			/api/v1/decisions/{id}/reject [post]
func (s *Server) rejectDecision(c *gin.Context) {
	var req RejectDecisionRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	d, err := s.decisions.Reject(c.Request.Context(), c.Param("id"), req.Reason, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, d.Version)
	c.JSON(http.StatusOK, decisionResponse(d))
}
