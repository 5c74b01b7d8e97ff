package api

import (
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
)

// AnswerInputDTO is one answer in a batch: value for single answers, values for multi_choice, or
// clear to remove a saved answer.
type AnswerInputDTO struct {
	Key    string   `json:"key" validate:"required,max=64" example:"staff_nda"`
	Value  *string  `json:"value,omitempty" example:"yes"`
	Values []string `json:"values,omitempty"`
	// Comment is the supplier's remark on its answer (at most 4000 characters); omitted keeps the saved one.
	Comment *string `json:"comment,omitempty" example:"Signed by every employee on joining"`
	Clear   bool    `json:"clear,omitempty"`
}

// SaveAnswersRequest is a batch of answers; partial saves are fine.
type SaveAnswersRequest struct {
	Answers []AnswerInputDTO `json:"answers" validate:"required,min=1,max=2000,dive"`
}

// SupplierQuestion is a visible question with the supplier's saved answer and any reviewer comment.
type SupplierQuestion struct {
	Section          string           `json:"section" binding:"required"`
	Key              string           `json:"key" binding:"required"`
	Text             string           `json:"text" binding:"required"`
	Help             string           `json:"help,omitempty"`
	Type             string           `json:"type" binding:"required" enums:"yes_no,yes_no_na,single_choice,multi_choice,text,number,date,evidence"`
	Options          []SupplierOption `json:"options" binding:"required"`
	Required         bool             `json:"required" binding:"required"`
	EvidenceRequired string           `json:"evidence_required" binding:"required" enums:"none,always,when_answer"`
	EvidenceWhen     []string         `json:"evidence_when_answer,omitempty"`
	Answer           *SupplierAnswer  `json:"answer,omitempty"`
}

// SupplierOption is an option as the supplier sees it (no score).
type SupplierOption struct {
	Value string `json:"value" binding:"required"`
	Label string `json:"label" binding:"required"`
}

// SupplierAnswer is the saved answer and the reviewer's request, if any.
type SupplierAnswer struct {
	Value              string    `json:"value,omitempty"`
	Values             []string  `json:"values,omitempty"`
	Comment            string    `json:"comment,omitempty"`
	UpdatedAt          time.Time `json:"updated_at" binding:"required" format:"date-time"`
	ClarificationAsked string    `json:"clarification_requested,omitempty"`
}

// SupplierAssessmentResponse is an assessment as its supplier sees it: no scores, no internal notes.
type SupplierAssessmentResponse struct {
	ID             string             `json:"id" binding:"required"`
	Title          string             `json:"title" binding:"required"`
	Status         string             `json:"status" binding:"required" enums:"sent,in_progress,submitted,under_review,returned,completed,cancelled"`
	DueDate        string             `json:"due_date" binding:"required" format:"date"`
	Overdue        bool               `json:"overdue" binding:"required"`
	DueInDays      int                `json:"due_in_days" binding:"required"`
	Message        string             `json:"message,omitempty"`
	ReviewComment  string             `json:"review_comment,omitempty"`
	AnswersVersion int                `json:"answers_version" binding:"required"`
	Progress       *ProgressResponse  `json:"progress,omitempty"`
	Questions      []SupplierQuestion `json:"questions,omitempty"`
	Evidence       []EvidenceResponse `json:"evidence,omitempty"`
}

// SupplierAssessmentList lists the supplier's assessments.
type SupplierAssessmentList struct {
	Items      []SupplierAssessmentResponse `json:"items" binding:"required"`
	NextCursor string                       `json:"next_cursor,omitempty"`
}

func (s *Server) supplierResponse(a assessment.Assessment, ev []assessment.Evidence, full, ja bool) SupplierAssessmentResponse {
	due := a.DueAt(s.now())
	out := SupplierAssessmentResponse{ID: a.ID, Title: a.Template.Name.Pick(ja), Status: string(a.Status),
		DueDate: a.DueDate.Format(dateLayout), Overdue: due.Overdue, DueInDays: due.DueInDays, Message: a.Message,
		AnswersVersion: a.AnswersVersion}
	if a.Status.SupplierEditable() {
		out.ReviewComment = a.ReturnComment // kept until the supplier resubmits
	}
	if !full {
		return out
	}
	p := assessment.ProgressOf(a, ev)
	out.Progress = &ProgressResponse{Visible: p.Visible, Answered: p.Answered, Required: p.Required, RequiredAnswered: p.RequiredAnswered}
	sectionOf := map[string]string{}
	for _, sec := range a.Template.Sections {
		for _, q := range sec.Questions {
			sectionOf[q.Key] = sec.Title.Pick(ja)
		}
	}
	out.Questions = []SupplierQuestion{}
	for _, q := range a.Visible(a.Answers) {
		sq := SupplierQuestion{Section: sectionOf[q.Key], Key: q.Key, Text: q.Text.Pick(ja), Help: q.Help.Pick(ja), Type: string(q.Type),
			Options: []SupplierOption{}, Required: q.Required, EvidenceRequired: string(q.Evidence.Mode), EvidenceWhen: q.Evidence.WhenAnswer}
		for _, o := range q.Options {
			sq.Options = append(sq.Options, SupplierOption{Value: o.Value, Label: o.Label.Pick(ja)})
		}
		if ans, ok := a.Answers[q.Key]; ok {
			sq.Answer = &SupplierAnswer{Value: ans.Value, Values: ans.Values, Comment: ans.Comment, UpdatedAt: ans.UpdatedAt}
			if r := ans.Review; r != nil && r.Flag == assessment.FlagNeedsClarification && a.Status.SupplierEditable() {
				sq.Answer.ClarificationAsked = r.Comment
			}
		}
		out.Questions = append(out.Questions, sq)
	}
	out.Evidence = []EvidenceResponse{}
	for _, e := range ev {
		out.Evidence = append(out.Evidence, evidenceResponse(e))
	}
	return out
}

func (s *Server) respondSupplier(c *gin.Context, status int, a assessment.Assessment, ev []assessment.Evidence) {
	if ev == nil {
		var err error
		if ev, err = s.assessments.EvidenceOf(c.Request.Context(), a); err != nil {
			respondError(c, err)
			return
		}
	}
	setETag(c, a.AnswersVersion)
	c.Header("Vary", "Accept-Language")
	c.JSON(status, s.supplierResponse(a, ev, true, preferJA(c.GetHeader("Accept-Language"))))
}

// supplierListAssessments godoc
//
//	@Summary	List the supplier's assessments
//	@ID	supplierListAssessments
//	@Tags		supplier
//	@Produce	json
//	@Security	BearerAuth
//	@Param		status			query		string	false	"filter by status"	Enums(draft, sent, in_progress, submitted, under_review, returned, completed, cancelled)
//	@Param		overdue			query		bool	false	"past due"
//	@Param		limit			query		int		false	"page size (1-200, default 50)"
//	@Param		cursor			query		string	false	"next_cursor of the previous page"
//	@Param		Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success	200				{object}	SupplierAssessmentList
//	@Router		/api/v1/supplier/assessments [get]
func (s *Server) supplierListAssessments(c *gin.Context) {
	f, cursor, err := assessmentFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f.EngagementID, f.VendorID = "", ""
	page, err := s.assessments.List(c.Request.Context(), f, cursor)
	if err != nil {
		respondError(c, err)
		return
	}
	ja := preferJA(c.GetHeader("Accept-Language"))
	out := SupplierAssessmentList{Items: []SupplierAssessmentResponse{}, NextCursor: page.NextCursor}
	for _, a := range page.Items {
		out.Items = append(out.Items, s.supplierResponse(a, nil, false, ja))
	}
	c.JSON(http.StatusOK, out)
}

// supplierGetAssessment godoc
//
//	@Summary		Get an assessment to answer
//	@ID		supplierGetAssessment
//	@Description	The visible questions (depth applied, conditions evaluated against the saved answers) in the Accept-Language language, saved answers, progress, due date, and the reviewer's comments when returned. ETag is the answers version, for If-Match on PUT .../answers.
//	@Tags			supplier
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"assessment id"
//	@Param			Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success		200				{object}	SupplierAssessmentResponse
//	@Router			/api/v1/supplier/assessments/{id} [get]
func (s *Server) supplierGetAssessment(c *gin.Context) {
	a, ev, err := s.assessments.SupplierGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondSupplier(c, http.StatusOK, a, ev)
}

// supplierSaveAnswers godoc
//
//	@Summary		Save answers
//	@ID		supplierSaveAnswers
//	@Description	A batch by question key; partial saves are fine. Each answer is checked for its type; an answer to an unknown or hidden question is 422 naming it. Send If-Match with the answers version (ETag) you read: a stale one is 412, so two people cannot overwrite each other.
//	@Tags			supplier
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"assessment id"
//	@Param			If-Match	header		string				false	"answers version you read"
//	@Param			body		body		SaveAnswersRequest	true	"the answers"
//	@Success		200			{object}	SupplierAssessmentResponse
//	@Router			/api/v1/supplier/assessments/{id}/answers [put]
func (s *Server) supplierSaveAnswers(c *gin.Context) {
	var req SaveAnswersRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	in := make([]assessment.AnswerInput, len(req.Answers))
	for i, a := range req.Answers {
		in[i] = assessment.AnswerInput{Key: a.Key, Values: a.Values, Comment: a.Comment, Clear: a.Clear}
		if a.Value != nil {
			in[i].Value = *a.Value
		}
	}
	a, err := s.assessments.SaveAnswers(c.Request.Context(), c.Param("id"), in, version)
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondSupplier(c, http.StatusOK, a, nil)
}

// supplierUploadEvidence godoc
//
//	@Summary		Upload evidence
//	@ID		supplierUploadEvidence
//	@Description	multipart/form-data with file and question_keys (repeat the field or separate keys with commas). The type is decided by the content, not the name: pdf, png, jpeg, txt, csv, xlsx, docx (415 otherwise). Size limit VENDORRISK_MAX_UPLOAD_BYTES (default 20 MB, 413 above). The SHA-256 is recorded. The file name is display text only, kept as given (files are stored by content hash); a name that is or contains .., holds a path separator (/ or \\), a control character or a bidirectional override (U+202A-U+202E, U+2066-U+2069) is 422 naming file.
//	@Tags			supplier
//	@Accept			mpfd
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"assessment id"
//	@Param			file			formData	file	true	"the file"
//	@Param			question_keys	formData	[]string	true	"question keys the file answers (repeat the field, or separate keys with commas)"	collectionFormat(multi)
//	@Success		201				{object}	EvidenceResponse
//	@Router			/api/v1/supplier/assessments/{id}/evidence [post]
func (s *Server) supplierUploadEvidence(c *gin.Context) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		respondError(c, &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported-media-type",
			title: "Unsupported media type", detail: "upload evidence as multipart/form-data with a file field"})
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		respondError(c, decodeUploadError(err))
		return
	}
	tooLarge := &httpError{status: http.StatusRequestEntityTooLarge, slug: "too-large", title: "File too large",
		detail: "the file must be at most " + strconv.FormatInt(s.cfg.MaxUploadBytes, 10) + " bytes"}
	if fh.Size > s.cfg.MaxUploadBytes {
		respondError(c, tooLarge)
		return
	}
	f, err := fh.Open() // on disk above the handler's multipart memory: never read into memory whole
	if err != nil {
		respondError(c, badRequest("the uploaded file cannot be read"))
		return
	}
	defer f.Close()
	var keys []string
	for _, v := range c.PostFormArray("question_keys") {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
	}
	e, err := s.assessments.UploadEvidence(c.Request.Context(), c.Param("id"), assessment.Upload{FileName: uploadedName(fh), Content: f, Size: fh.Size, QuestionKeys: keys})
	if err == assessment.ErrUnsupportedType {
		respondError(c, &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported media type",
			detail: "the file's content is not an allowed type (pdf, png, jpeg, txt, csv, xlsx, docx)",
			fields: []domain.FieldError{{Field: "file", Message: "content type not allowed"}}})
		return
	}
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/evidence/"+e.ID)
	c.JSON(http.StatusCreated, evidenceResponse(e))
}

// supplierSubmit godoc
//
//	@Summary		Submit the answers
//	@ID		supplierSubmitAssessment
//	@Description	Refused with 422 listing every missing required answer (answers.<key>) and missing required evidence (evidence.<key>); otherwise submitted and frozen.
//	@Tags			supplier
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"assessment id"
//	@Success		200	{object}	SupplierAssessmentResponse
//	@Router			/api/v1/supplier/assessments/{id}/submit [post]
func (s *Server) supplierSubmit(c *gin.Context) {
	a, err := s.assessments.Submit(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondSupplier(c, http.StatusOK, a, nil)
}

// uploadedName is the file name exactly as the client sent it: multipart's Filename has already dropped
// any directory part, which would hide "../" and separators from the checks on the name.
func uploadedName(fh *multipart.FileHeader) string {
	if _, params, err := mime.ParseMediaType(fh.Header.Get("Content-Disposition")); err == nil {
		if name, ok := params["filename"]; ok {
			return name
		}
	}
	return fh.Filename
}

func contentDisposition(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

func invalidQuery(name, message string) error { return domain.Invalid(name, message) }
