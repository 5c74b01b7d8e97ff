package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/finding"
)

// FindingResponse is a finding as internal roles see it.
type FindingResponse struct {
	ID               string     `json:"id" binding:"required"`
	EngagementID     string     `json:"engagement_id" binding:"required"`
	VendorID         string     `json:"vendor_id" binding:"required"`
	AssessmentID     string     `json:"assessment_id,omitempty"`
	QuestionKey      string     `json:"question_key,omitempty"`
	Title            string     `json:"title" binding:"required"`
	Answer           string     `json:"answer,omitempty"`
	ScoreBP          int        `json:"score_bp" binding:"required"`
	EvidenceIDs      []string   `json:"evidence_ids" binding:"required"`
	ControlRefs      []string   `json:"control_refs" binding:"required"`
	ThreatCategory   string     `json:"threat_category,omitempty" enums:"external,internal_malicious,internal_error,accidental"`
	Severity         string     `json:"severity" binding:"required" enums:"critical,high,medium,low"`
	Priority         int        `json:"priority" binding:"required" example:"12"`
	Status           string     `json:"status" binding:"required" enums:"open,remediation_planned,in_progress,resolved,closed,risk_accepted"`
	Source           string     `json:"source" binding:"required" enums:"assessment,manual"`
	InternalNotes    string     `json:"internal_notes,omitempty"`
	SupplierResponse string     `json:"supplier_response,omitempty"`
	DueDate          *string    `json:"due_date,omitempty" format:"date" example:"2026-12-24"`
	Overdue          bool       `json:"overdue" binding:"required"`
	Version          int        `json:"version" binding:"required"`
	CreatedAt        time.Time  `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt        time.Time  `json:"updated_at" binding:"required" format:"date-time"`
	ClosedAt         *time.Time `json:"closed_at,omitempty" format:"date-time"`
	// CloseReason is why an assessment closed the finding: its latest answer passes, or the question was
	// hidden or answered not applicable. Absent while open or when closed by hand.
	CloseReason string `json:"close_reason,omitempty" enums:"passed,not_applicable"`
	// RemediationPlan is the supplier's proposed plan as procurement judged it; absent when the
	// supplier proposed nothing.
	RemediationPlan *RemediationPlanDTO `json:"remediation_plan,omitempty"`
}

// RemediationPlanDTO is the state of the supplier's remediation plan of a finding: proposed (its items
// wait, status proposed), accepted (they are tracked) or rejected (with the reason; the supplier may
// propose again).
type RemediationPlanDTO struct {
	Status    string     `json:"status" binding:"required" enums:"proposed,accepted,rejected"`
	Reason    string     `json:"reason,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty" format:"date-time"`
}

func remediationPlanDTO(p finding.Plan) *RemediationPlanDTO {
	if p.Status == finding.PlanNone {
		return nil
	}
	return &RemediationPlanDTO{Status: string(p.Status), Reason: p.Reason, DecidedAt: p.DecidedAt}
}

// SupplierFindingResponse is a finding as its supplier sees it: no notes, score, tier or priority.
type SupplierFindingResponse struct {
	ID               string   `json:"id" binding:"required"`
	AssessmentID     string   `json:"assessment_id,omitempty"`
	QuestionKey      string   `json:"question_key,omitempty"`
	Title            string   `json:"title" binding:"required"`
	Answer           string   `json:"answer,omitempty"`
	ControlRefs      []string `json:"control_refs" binding:"required"`
	Severity         string   `json:"severity" binding:"required" enums:"critical,high,medium,low"`
	Status           string   `json:"status" binding:"required" enums:"open,remediation_planned,in_progress,resolved,closed,risk_accepted"`
	SupplierResponse string   `json:"supplier_response,omitempty"`
	DueDate          *string  `json:"due_date,omitempty" format:"date" example:"2026-12-24"`
	Overdue          bool     `json:"overdue" binding:"required"`
	// RemediationPlan is the plan the supplier proposed, and procurement's answer to it.
	RemediationPlan *RemediationPlanDTO `json:"remediation_plan,omitempty"`
}

// FindingList is one page of findings.
type FindingList struct {
	Items      []FindingResponse `json:"items" binding:"required"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// SupplierFindingList is one page of the supplier's findings.
type SupplierFindingList struct {
	Items      []SupplierFindingResponse `json:"items" binding:"required"`
	NextCursor string                    `json:"next_cursor,omitempty"`
}

// CreateFindingRequest records a finding by hand.
type CreateFindingRequest struct {
	EngagementID   string   `json:"engagement_id" validate:"required"`
	Title          string   `json:"title" validate:"required,max=500"`
	Severity       string   `json:"severity" validate:"required,oneof=critical high medium low"`
	ThreatCategory string   `json:"threat_category" validate:"omitempty,oneof=external internal_malicious internal_error accidental"`
	ControlRefs    []string `json:"control_refs" validate:"max=20"`
	InternalNotes  string   `json:"internal_notes" validate:"max=10000"`
}

// UpdateFindingRequest changes a finding's status or notes.
type UpdateFindingRequest struct {
	Status        *string `json:"status" validate:"omitnil,oneof=open remediation_planned in_progress resolved closed"`
	InternalNotes *string `json:"internal_notes" validate:"omitnil,max=10000"`
}

// FindingResponseRequest is the supplier's answer to a finding: a response, remediation plans it
// proposes (owned by the supplier) and its items it marks done.
type FindingResponseRequest struct {
	Response string            `json:"response" validate:"required,max=10000" example:"Mandatory MFA is enabled for all staff since 1 March; see the attached policy."`
	Plans    []SupplierPlanDTO `json:"plans" validate:"max=20,dive"`
	Done     []string          `json:"done" validate:"max=50"`
}

func findingResponse(f finding.Stored, now time.Time, lang i18n.Lang) FindingResponse {
	return FindingResponse{DueDate: formatDatePtr(f.DueDate()), Overdue: f.Overdue(now), ID: f.ID, EngagementID: f.EngagementID, VendorID: f.VendorID, AssessmentID: f.AssessmentID,
		QuestionKey: f.QuestionKey, Title: f.TitleIn(string(lang)), Answer: f.Answer, ScoreBP: f.ScoreBP, EvidenceIDs: nonNilStrings(f.EvidenceIDs),
		ControlRefs: nonNilStrings(f.ControlRefs), ThreatCategory: f.ThreatCategory, Severity: string(f.Severity),
		Priority: f.Priority, Status: string(f.Status), Source: string(f.Source), InternalNotes: f.InternalNotes,
		SupplierResponse: f.SupplierResponse, Version: f.Version, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, ClosedAt: f.ClosedAt,
		CloseReason: string(f.CloseReason), RemediationPlan: remediationPlanDTO(f.Plan)}
}

func supplierFindingResponse(f finding.Stored, now time.Time, lang i18n.Lang) SupplierFindingResponse {
	return SupplierFindingResponse{DueDate: formatDatePtr(f.DueDate()), Overdue: f.Overdue(now), ID: f.ID, AssessmentID: f.AssessmentID, QuestionKey: f.QuestionKey, Title: f.TitleIn(string(lang)),
		Answer: f.Answer, ControlRefs: nonNilStrings(f.ControlRefs), Severity: string(f.Severity), Status: string(f.Status),
		SupplierResponse: f.SupplierResponse, RemediationPlan: remediationPlanDTO(f.Plan)}
}

func findingFilter(c *gin.Context) (finding.Filter, error) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		return finding.Filter{}, err
	}
	f := finding.Filter{EngagementID: c.Query("engagement_id"), VendorID: c.Query("vendor_id"), Status: finding.Status(c.Query("status")),
		Severity: domain.Severity(c.Query("severity")), Sort: c.Query("sort"), Limit: limit}
	if f.OpenOnly, err = queryBool(c, "open"); err != nil {
		return finding.Filter{}, err
	}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return finding.Filter{}, err
	}
	return f, nil
}

// listFindings godoc
//
//	@Summary		List findings
//	@ID		listFindings
//	@Description	sort=priority orders by risk: severity rank (critical 4 … low 1) × tier rank (tier 1 → 4 … tier 4 → 1), highest first; equal priorities by the earliest due date of their open remediation items (findings without one last), then id.
//	@Tags			findings
//	@Produce		json
//	@Security		BearerAuth
//	@Param			engagement_id	query		string	false	"filter by engagement"
//	@Param			vendor_id		query		string	false	"filter by vendor"
//	@Param			status			query		string	false	"filter by status"	Enums(open, remediation_planned, in_progress, resolved, closed, risk_accepted)
//	@Param			severity		query		string	false	"filter by severity"	Enums(critical, high, medium, low)
//	@Param			open			query		bool	false	"only findings that still need work"
//	@Param			overdue			query		bool	false	"only unfinished findings with a remediation item past its due date"
//	@Param			sort			query		string	false	"sort order"	Enums(created_at, priority)
//	@Param			limit			query		int		false	"page size (1-200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Success		200				{object}	FindingList
//	@Router			/api/v1/findings [get]
func (s *Server) listFindings(c *gin.Context) {
	f, err := findingFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.findings.List(c.Request.Context(), f, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	lang := localized(c)
	out := FindingList{Items: []FindingResponse{}, NextCursor: page.NextCursor}
	for _, it := range page.Items {
		out.Items = append(out.Items, findingResponse(it, s.now(), lang))
	}
	c.JSON(http.StatusOK, out)
}

// createFinding godoc
//
//	@Summary	Record a finding by hand
//	@ID	createFinding
//	@Tags		findings
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		body	body		CreateFindingRequest	true	"the finding"
//	@Success	201		{object}	FindingResponse
//	@Router		/api/v1/findings [post]
func (s *Server) createFinding(c *gin.Context) {
	var req CreateFindingRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	f, err := s.findings.Create(c.Request.Context(), finding.NewFinding{EngagementID: req.EngagementID, Title: req.Title,
		Severity: domain.Severity(req.Severity), ThreatCategory: req.ThreatCategory, ControlRefs: req.ControlRefs, InternalNotes: req.InternalNotes})
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, f.Version)
	c.Header("Location", "/api/v1/findings/"+f.ID)
	c.JSON(http.StatusCreated, findingResponse(f, s.now(), localized(c)))
}

// getFinding godoc
//
//	@Summary	Get a finding
//	@ID	getFinding
//	@Tags		findings
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"finding id"
//	@Success	200	{object}	FindingResponse
//	@Router		/api/v1/findings/{id} [get]
func (s *Server) getFinding(c *gin.Context) {
	f, err := s.findings.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, f.Version)
	c.JSON(http.StatusOK, findingResponse(f, s.now(), localized(c)))
}

// updateFinding godoc
//
//	@Summary	Change a finding's status or internal notes
//	@ID	updateFinding
//	@Tags		findings
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string					true	"finding id"
//	@Param		If-Match	header		string					false	"ETag of the version you read"
//	@Param		body		body		UpdateFindingRequest	true	"fields to change"
//	@Success	200			{object}	FindingResponse
//	@Router		/api/v1/findings/{id} [patch]
func (s *Server) updateFinding(c *gin.Context) {
	var req UpdateFindingRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	f, err := s.findings.Update(c.Request.Context(), c.Param("id"), finding.Patch{Status: (*finding.Status)(req.Status),
		InternalNotes: req.InternalNotes}, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, f.Version)
	c.JSON(http.StatusOK, findingResponse(f, s.now(), localized(c)))
}

// supplierListFindings godoc
//
//	@Summary	List the supplier's findings
//	@ID	supplierListFindings
//	@Tags		supplier
//	@Produce	json
//	@Security	BearerAuth
//	@Param		status	query		string	false	"filter by status"	Enums(open, remediation_planned, in_progress, resolved, closed, risk_accepted)
//	@Param		open	query		bool	false	"only findings that still need work"
//	@Param		overdue	query		bool	false	"only unfinished findings with a remediation item past its due date"
//	@Param		limit	query		int		false	"page size (1-200, default 50)"
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	SupplierFindingList
//	@Router		/api/v1/supplier/findings [get]
func (s *Server) supplierListFindings(c *gin.Context) {
	f, err := findingFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f.Sort, f.EngagementID, f.VendorID = "", "", "" // suppliers see neither priorities nor engagements
	page, err := s.findings.List(c.Request.Context(), f, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	lang := localized(c)
	out := SupplierFindingList{Items: []SupplierFindingResponse{}, NextCursor: page.NextCursor}
	for _, it := range page.Items {
		out.Items = append(out.Items, supplierFindingResponse(it, s.now(), lang))
	}
	c.JSON(http.StatusOK, out)
}

// supplierRespondFinding godoc
//
//	@Summary	Respond to a finding, propose remediation plans and mark items done
//	@ID	supplierRespondToFinding
//	@Tags		supplier
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id		path		string					true	"finding id"
//	@Param		body	body		FindingResponseRequest	true	"the response"
//	@Success	200		{object}	SupplierFindingResponse
//	@Router		/api/v1/supplier/findings/{id}/response [post]
func (s *Server) supplierRespondFinding(c *gin.Context) {
	var req FindingResponseRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	plan := finding.SupplierPlan{Response: req.Response, Done: req.Done}
	for _, p := range req.Plans {
		plan.Plans = append(plan.Plans, finding.NewRemediation{Type: p.Type, Description: p.Description, DueDate: parseDatePtr(p.DueDate)})
	}
	f, _, err := s.remediations.RespondWithPlan(c.Request.Context(), c.Param("id"), plan)
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, supplierFindingResponse(f, s.now(), localized(c)))
}
