package api

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// IssueAssessmentRequest issues a published template to an engagement's vendor.
type IssueAssessmentRequest struct {
	EngagementID string `json:"engagement_id" validate:"required" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	TemplateID   string `json:"template_id" validate:"required" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6c"`
	DueDate      string `json:"due_date" validate:"required,datetime=2006-01-02" format:"date" example:"2026-12-31"`
	Depth        string `json:"depth" validate:"omitempty,oneof=core core+extended" example:"core+extended"`
	Message      string `json:"message" validate:"max=4000" example:"Please answer by the end of the year."`
}

// ReviewRequest records per-answer verdicts.
type ReviewRequest struct {
	Reviews []AnswerReviewDTO `json:"reviews" validate:"required,min=1,max=1000"`
}

// AnswerReviewDTO is a verdict on one answer. Its fields are checked by the assessment service, with
// the answers they refer to, so that one answer lists every broken field of every entry.
type AnswerReviewDTO struct {
	Key     string `json:"key" binding:"required" example:"staff_nda"`
	Flag    string `json:"flag" binding:"required" enums:"accepted,needs_clarification"`
	Comment string `json:"comment,omitempty" maxLength:"4000"`
}

// AssessmentReviewRequest returns the assessment to the supplier or completes it.
type AssessmentReviewRequest struct {
	Decision string `json:"decision" validate:"required,oneof=return complete" enums:"return,complete"`
	Comment  string `json:"comment" validate:"max=4000"`
}

// AnswerResponse is an answer with its question and the reviewer's verdict.
type AnswerResponse struct {
	Key       string           `json:"key" binding:"required"`
	Question  string           `json:"question" binding:"required"`
	Type      string           `json:"type" binding:"required"`
	Value     string           `json:"value,omitempty"`
	Values    []string         `json:"values,omitempty"`
	Comment   string           `json:"comment,omitempty"`
	Visible   bool             `json:"visible" binding:"required"`
	UpdatedAt time.Time        `json:"updated_at" binding:"required" format:"date-time"`
	Review    *AnswerReviewOut `json:"review,omitempty"`
}

// AnswerReviewOut is the reviewer's verdict on an answer.
type AnswerReviewOut struct {
	Flag    string    `json:"flag" binding:"required" enums:"accepted,needs_clarification"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at" binding:"required" format:"date-time"`
}

// EvidenceResponse is evidence metadata.
type EvidenceResponse struct {
	ID           string    `json:"id" binding:"required"`
	AssessmentID string    `json:"assessment_id" binding:"required"`
	FileName     string    `json:"file_name" binding:"required" example:"iso27001-certificate.pdf"`
	ContentType  string    `json:"content_type" binding:"required" example:"application/pdf"`
	Size         int64     `json:"size" binding:"required" example:"183204"`
	SHA256       string    `json:"sha256" binding:"required"`
	QuestionKeys []string  `json:"question_keys" binding:"required"`
	CreatedAt    time.Time `json:"created_at" binding:"required" format:"date-time"`
	ContentURL   string    `json:"content_url" binding:"required"`
}

// ProgressResponse counts answers.
type ProgressResponse struct {
	Visible          int `json:"visible_questions" binding:"required"`
	Answered         int `json:"answered" binding:"required"`
	Required         int `json:"required" binding:"required"`
	RequiredAnswered int `json:"required_answered" binding:"required"`
}

// TemplateRef names the template version an assessment was issued from.
type TemplateRef struct {
	ID       string `json:"id" binding:"required"`
	FamilyID string `json:"family_id" binding:"required"`
	Number   int    `json:"number" binding:"required"`
	Name     string `json:"name" binding:"required"`
}

// AssessmentResponse is an assessment as internal roles see it.
type AssessmentResponse struct {
	ID             string             `json:"id" binding:"required"`
	EngagementID   string             `json:"engagement_id" binding:"required"`
	VendorID       string             `json:"vendor_id" binding:"required"`
	Template       TemplateRef        `json:"template" binding:"required"`
	Depth          string             `json:"depth" binding:"required" enums:"core,core+extended"`
	DueDate        string             `json:"due_date" binding:"required" format:"date"`
	Overdue        bool               `json:"overdue" binding:"required"`
	DueInDays      int                `json:"due_in_days" binding:"required"`
	Message        string             `json:"message,omitempty"`
	Status         string             `json:"status" binding:"required" enums:"draft,sent,in_progress,submitted,under_review,returned,completed,cancelled"`
	SupplierKeyID  string             `json:"supplier_key_id,omitempty"`
	AnswersVersion int                `json:"answers_version" binding:"required"`
	Answers        []AnswerResponse   `json:"answers,omitempty"`
	Evidence       []EvidenceResponse `json:"evidence,omitempty"`
	Progress       *ProgressResponse  `json:"progress,omitempty"`
	ReturnComment  string             `json:"return_comment,omitempty"`
	Version        int                `json:"version" binding:"required"`
	CreatedAt      time.Time          `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt      time.Time          `json:"updated_at" binding:"required" format:"date-time"`
	SentAt         *time.Time         `json:"sent_at,omitempty" format:"date-time"`
	SubmittedAt    *time.Time         `json:"submitted_at,omitempty" format:"date-time"`
	CompletedAt    *time.Time         `json:"completed_at,omitempty" format:"date-time"`
}

// AssessmentList is one page of assessments (without answers).
type AssessmentList struct {
	Items      []AssessmentResponse `json:"items" binding:"required"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// SupplierKeyResponse is the supplier's credential, shown once.
type SupplierKeyResponse struct {
	ID        string    `json:"id" binding:"required"`
	Secret    string    `json:"secret" binding:"required" example:"vrk_..."`
	ExpiresAt time.Time `json:"expires_at" binding:"required" format:"date-time"`
}

// SendResponse carries the sent assessment and, once, the supplier's credential and URL.
type SendResponse struct {
	Assessment  AssessmentResponse  `json:"assessment" binding:"required"`
	SupplierKey SupplierKeyResponse `json:"supplier_key" binding:"required"`
	// SupplierURL is built from the configured public URL (api.Config.PublicURL).
	SupplierURL  string `json:"supplier_url" binding:"required" example:"https://vendorrisk.example.com/api/v1/supplier/assessments/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	SupplierPath string `json:"supplier_path" binding:"required" example:"/api/v1/supplier/assessments/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	// PortalURL opens the assessment in the supplier portal (a browser, no code): it holds a one-time
	// invitation, exchanged for a session on first use; shown once, never in the audit trail.
	PortalURL string `json:"portal_url" binding:"required" example:"https://vendorrisk.example.com/portal/i/vri_..."`
}

func evidenceResponse(e assessment.Evidence) EvidenceResponse {
	return EvidenceResponse{ID: e.ID, AssessmentID: e.AssessmentID, FileName: e.FileName, ContentType: e.ContentType, Size: e.Size,
		SHA256: e.SHA256, QuestionKeys: nonNilStrings(e.QuestionKeys), CreatedAt: e.CreatedAt, ContentURL: "/api/v1/evidence/" + e.ID + "/content"}
}

func (s *Server) assessmentResponse(a assessment.Assessment, ev []assessment.Evidence, full, ja bool) AssessmentResponse {
	due := a.DueAt(s.now())
	out := AssessmentResponse{ID: a.ID, EngagementID: a.EngagementID, VendorID: a.VendorID,
		Template: TemplateRef{ID: a.Template.ID, FamilyID: a.Template.FamilyID, Number: a.Template.Number, Name: a.Template.Name.Pick(ja)},
		Depth:    string(a.Depth), DueDate: a.DueDate.Format(dateLayout), Overdue: due.Overdue, DueInDays: due.DueInDays,
		Message: a.Message, Status: string(a.Status), SupplierKeyID: a.SupplierKeyID, AnswersVersion: a.AnswersVersion,
		ReturnComment: a.ReturnComment, Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, SentAt: a.SentAt,
		SubmittedAt: a.SubmittedAt, CompletedAt: a.CompletedAt}
	if !full {
		return out
	}
	visible := map[string]bool{}
	for _, q := range a.Visible(a.Answers) {
		visible[q.Key] = true
	}
	out.Answers = []AnswerResponse{}
	for _, q := range a.Template.Questions() {
		ans, ok := a.Answers[q.Key]
		if !ok {
			continue
		}
		out.Answers = append(out.Answers, answerResponse(q, ans, visible[q.Key], ja))
	}
	out.Evidence = []EvidenceResponse{}
	for _, e := range ev {
		out.Evidence = append(out.Evidence, evidenceResponse(e))
	}
	p := assessment.ProgressOf(a, ev)
	out.Progress = &ProgressResponse{Visible: p.Visible, Answered: p.Answered, Required: p.Required, RequiredAnswered: p.RequiredAnswered}
	return out
}

func answerResponse(q questionnaire.Question, ans assessment.Answer, visible, ja bool) AnswerResponse {
	r := AnswerResponse{Key: q.Key, Question: q.Text.Pick(ja), Type: string(q.Type), Value: ans.Value, Values: ans.Values,
		Comment: ans.Comment, Visible: visible, UpdatedAt: ans.UpdatedAt}
	if rv := ans.Review; rv != nil {
		r.Review = &AnswerReviewOut{Flag: string(rv.Flag), Comment: rv.Comment, At: rv.At}
	}
	return r
}

func (s *Server) respondAssessment(c *gin.Context, status int, a assessment.Assessment, ev []assessment.Evidence) {
	if ev == nil {
		var err error
		if ev, err = s.assessments.EvidenceOf(c.Request.Context(), a); err != nil {
			respondError(c, err)
			return
		}
	}
	setETag(c, a.Version)
	c.JSON(status, s.assessmentResponse(a, ev, true, preferJA(c.GetHeader("Accept-Language"))))
}

// issueAssessment godoc
//
//	@Summary		Issue an assessment (draft)
//	@ID		issueAssessment
//	@Description	From a published template, for an engagement. depth defaults to the questionnaire depth of the engagement's effective tier in the risk policy. One open assessment per engagement and template at a time (409).
//	@Tags			assessments
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string					false	"makes a retry return the first result"
//	@Param			body			body		IssueAssessmentRequest	true	"the assessment"
//	@Success		201				{object}	AssessmentResponse
//	@Router			/api/v1/assessments [post]
func (s *Server) issueAssessment(c *gin.Context) {
	var req IssueAssessmentRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	a, err := s.assessments.Issue(c.Request.Context(), assessment.NewAssessment{EngagementID: req.EngagementID,
		TemplateID: req.TemplateID, DueDate: parseDate(req.DueDate), Depth: questionnaire.Coverage(req.Depth), Message: req.Message})
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/assessments/"+a.ID)
	s.respondAssessment(c, http.StatusCreated, a, nil)
}

// listAssessments godoc
//
//	@Summary	List assessments
//	@ID	listAssessments
//	@Tags		assessments
//	@Produce	json
//	@Security	BearerAuth
//	@Param		status			query		string	false	"filter by status"	Enums(draft, sent, in_progress, submitted, under_review, returned, completed, cancelled)
//	@Param		overdue			query		bool	false	"past due and still with the supplier"
//	@Param		engagement_id	query		string	false	"filter by engagement"
//	@Param		vendor_id		query		string	false	"filter by vendor"
//	@Param		limit			query		int		false	"page size (1-200, default 50)"
//	@Param		cursor			query		string	false	"next_cursor of the previous page"
//	@Success	200				{object}	AssessmentList
//	@Router		/api/v1/assessments [get]
func (s *Server) listAssessments(c *gin.Context) {
	f, cursor, err := assessmentFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.assessments.List(c.Request.Context(), f, cursor)
	if err != nil {
		respondError(c, err)
		return
	}
	ja := preferJA(c.GetHeader("Accept-Language"))
	out := AssessmentList{Items: []AssessmentResponse{}, NextCursor: page.NextCursor}
	for _, a := range page.Items {
		out.Items = append(out.Items, s.assessmentResponse(a, nil, false, ja))
	}
	c.JSON(http.StatusOK, out)
}

func assessmentFilter(c *gin.Context) (assessment.Filter, string, error) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		return assessment.Filter{}, "", err
	}
	f := assessment.Filter{Status: assessment.Status(c.Query("status")), EngagementID: c.Query("engagement_id"),
		VendorID: c.Query("vendor_id"), Limit: limit}
	if raw := c.Query("overdue"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return assessment.Filter{}, "", invalidQuery("overdue", "must be true or false")
		}
		f.Overdue = &b
	}
	return f, c.Query("cursor"), nil
}

// getAssessment godoc
//
//	@Summary	Get an assessment with its answers, evidence and reviews
//	@ID	getAssessment
//	@Tags		assessments
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"assessment id"
//	@Success	200	{object}	AssessmentResponse
//	@Router		/api/v1/assessments/{id} [get]
func (s *Server) getAssessment(c *gin.Context) {
	a, ev, err := s.assessments.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondAssessment(c, http.StatusOK, a, ev)
}

// sendAssessment godoc
//
//	@Summary		Send an assessment to the supplier
//	@ID		sendAssessment
//	@Description	Moves a draft to sent and returns, once, the supplier portal link (portal_url: a one-time invitation that opens a browser session) and a supplier API key bound to the vendor (valid until the due date plus 30 days; revocable) and the URL to answer at (supplier_url: the configured public URL, VENDORRISK_PUBLIC_URL, never the request's Host or X-Forwarded-Host). Nothing is e-mailed: pass both on.
//	@Tags			assessments
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"assessment id"
//	@Param			If-Match	header		string	false	"ETag of the version you read"
//	@Success		200			{object}	SendResponse
//	@Router			/api/v1/assessments/{id}/send [post]
func (s *Server) sendAssessment(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	a, key, err := s.assessments.Send(c.Request.Context(), c.Param("id"), version)
	if err != nil {
		respondError(c, err)
		return
	}
	invitation, err := s.portal.Invite(c.Request.Context(), key.ID, a.VendorID, a.ID, key.ExpiresAt)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, a.Version)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, SendResponse{PortalURL: s.cfg.PublicURL + "/portal/i/" + invitation, Assessment: s.assessmentResponse(a, nil, true, false),
		SupplierKey: SupplierKeyResponse{ID: key.ID, Secret: key.Secret, ExpiresAt: key.ExpiresAt},
		SupplierURL: s.cfg.PublicURL + "/api/v1/supplier/assessments/" + a.ID, SupplierPath: "/api/v1/supplier/assessments/" + a.ID})
}

// cancelAssessment godoc
//
//	@Summary		Cancel an open assessment
//	@ID		cancelAssessment
//	@Description	Revokes the supplier key created for it.
//	@Tags			assessments
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"assessment id"
//	@Param			If-Match	header		string	false	"ETag of the version you read"
//	@Success		200			{object}	AssessmentResponse
//	@Router			/api/v1/assessments/{id}/cancel [post]
func (s *Server) cancelAssessment(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	a, err := s.assessments.Cancel(c.Request.Context(), c.Param("id"), version)
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondAssessment(c, http.StatusOK, a, nil)
}

// reviewAnswers godoc
//
//	@Summary		Review answers
//	@ID		reviewAssessmentAnswers
//	@Description	Per-answer verdicts (accepted, or needs_clarification with a comment). The first review of a submitted assessment puts it under review.
//	@Tags			assessments
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"assessment id"
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			body		body		ReviewRequest	true	"the verdicts"
//	@Success		200			{object}	AssessmentResponse
//	@Router			/api/v1/assessments/{id}/answer-reviews [post]
func (s *Server) reviewAnswers(c *gin.Context) {
	var req ReviewRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	reviews := make([]assessment.AnswerReview, len(req.Reviews))
	for i, r := range req.Reviews {
		reviews[i] = assessment.AnswerReview{Key: r.Key, Flag: assessment.ReviewFlag(r.Flag), Comment: r.Comment}
	}
	a, err := s.assessments.ReviewAnswers(c.Request.Context(), c.Param("id"), reviews, version)
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondAssessment(c, http.StatusOK, a, nil)
}

// decideAssessment godoc
//
//	@Summary		Return an assessment to the supplier, or complete it
//	@ID		reviewAssessment
//	@Description	return needs a comment (here, or a needs_clarification review with a comment); complete makes the assessment immutable.
//	@Tags			assessments
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"assessment id"
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			body		body		AssessmentReviewRequest	true	"the decision"
//	@Success		200			{object}	AssessmentResponse
//	@Router			/api/v1/assessments/{id}/review [post]
func (s *Server) decideAssessment(c *gin.Context) {
	var req AssessmentReviewRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	a, err := s.assessments.Decide(c.Request.Context(), c.Param("id"), assessment.Decision(req.Decision), req.Comment, version)
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondAssessment(c, http.StatusOK, a, nil)
}

// getEvidence godoc
//
//	@Summary	Get evidence metadata
//	@ID	getEvidence
//	@Tags		evidence
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"evidence id"
//	@Success	200	{object}	EvidenceResponse
//	@Router		/api/v1/evidence/{id} [get]
func (s *Server) getEvidence(c *gin.Context) {
	e, err := s.assessments.EvidenceFor(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, evidenceResponse(e))
}

// getEvidenceContent godoc
//
//	@Summary		Download evidence
//	@ID		downloadEvidenceContent
//	@Description	Internal roles and the owning supplier only. The content's SHA-256 is checked before anything is sent: a corrupted file is a 500, never served.
//	@Tags			evidence
//	@Produce		application/pdf,image/png,image/jpeg,text/plain,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.openxmlformats-officedocument.wordprocessingml.document
//	@Security		BearerAuth
//	@Param			id	path		string	true	"evidence id"
//	@Success		200	{file}		file	"the content, as the media type detected at upload"
//	@Router			/api/v1/evidence/{id}/content [get]
func (s *Server) getEvidenceContent(c *gin.Context) {
	e, f, err := s.assessments.Content(c.Request.Context(), c.Param("id"))
	if err != nil {
		if errors.Is(err, assessment.ErrCorrupt) {
			loggerFrom(c).ErrorContext(c.Request.Context(), "corrupted evidence refused", "evidence_id", c.Param("id"))
		}
		respondError(c, err)
		return
	}
	defer f.Close()
	c.Header("Content-Disposition", contentDisposition(e.FileName))
	c.Header("X-Content-Type-Options", "nosniff")
	if raw, err := hex.DecodeString(e.SHA256); err == nil {
		c.Header("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(raw)+":") // RFC 9530
	}
	c.DataFromReader(http.StatusOK, e.Size, e.ContentType, f, nil) // streamed from a verified temporary file
}
