package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/sheet"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// OptionDTO is a possible answer with its score.
type OptionDTO struct {
	Value string  `json:"value" binding:"required" example:"yes"`
	Label TextDTO `json:"label" binding:"required"`
	Score int     `json:"score" binding:"required" example:"100"`
}

// EvidenceDTO says when evidence must come with an answer.
type EvidenceDTO struct {
	Mode       string   `json:"mode" binding:"required" enums:"none,always,when_answer"`
	WhenAnswer []string `json:"when_answer,omitempty" example:"yes"`
}

// ConditionDTO shows a question only when an earlier question's answer is one of any_of.
type ConditionDTO struct {
	Question string   `json:"question" binding:"required" example:"uses_subcontractors"`
	AnyOf    []string `json:"any_of" binding:"required" example:"yes"`
}

// TemplateDocument is the template export format vendorrisk.questionnaire-template/v1 (GET
// .../export, POST .../import); it documents the bytes the domain encodes (domain/questionnaire/format.go).
type TemplateDocument struct {
	Format      string                    `json:"format" binding:"required" enums:"vendorrisk.questionnaire-template/v1"`
	Key         string                    `json:"key" binding:"required" example:"contractor-security"`
	Name        TextDTO                   `json:"name" binding:"required"`
	Description TextDTO                   `json:"description" binding:"required"`
	VendorKinds []string                  `json:"vendor_kinds" binding:"required" example:"contractor"`
	Sections    []TemplateDocumentSection `json:"sections" binding:"required"`
}

// TemplateDocumentSection is a section of a template document.
type TemplateDocumentSection struct {
	Key       string                     `json:"key" binding:"required" example:"staff"`
	Title     TextDTO                    `json:"title" binding:"required"`
	Questions []TemplateDocumentQuestion `json:"questions" binding:"required"`
}

// TemplateDocumentQuestion is a question of a template document; every member is present.
type TemplateDocumentQuestion struct {
	Key            string        `json:"key" binding:"required" example:"staff_nda"`
	Text           TextDTO       `json:"text" binding:"required"`
	Help           TextDTO       `json:"help" binding:"required"`
	Type           string        `json:"type" binding:"required" enums:"yes_no,yes_no_na,single_choice,multi_choice,text,number,date,evidence"`
	Options        []OptionDTO   `json:"options" binding:"required"`
	Weight         int           `json:"weight" binding:"required" example:"5"`
	Required       bool          `json:"required" binding:"required"`
	Evidence       EvidenceDTO   `json:"evidence" binding:"required"`
	Severity       string        `json:"severity" binding:"required" enums:"critical,high,medium,low"`
	ThreatCategory string        `json:"threat_category" binding:"required" enums:"external,internal_malicious,internal_error,accidental"`
	ControlRefs    []string      `json:"control_refs" binding:"required" example:"iso27001-2022:6.6"`
	Condition      *ConditionDTO `json:"condition" binding:"required"`
	Depth          string        `json:"depth" binding:"required" enums:"core,extended"`
}

// QuestionRequest is a question of a draft.
type QuestionRequest struct {
	Key            string        `json:"key" example:"staff_nda"`
	Text           TextDTO       `json:"text"`
	Help           TextDTO       `json:"help"`
	Type           string        `json:"type" enums:"yes_no,yes_no_na,single_choice,multi_choice,text,number,date,evidence"`
	Options        []OptionDTO   `json:"options"`
	Weight         int           `json:"weight" example:"5"`
	Required       bool          `json:"required"`
	Evidence       EvidenceDTO   `json:"evidence"`
	Severity       string        `json:"severity" enums:"critical,high,medium,low"`
	ThreatCategory string        `json:"threat_category" enums:"external,internal_malicious,internal_error,accidental"`
	ControlRefs    []string      `json:"control_refs" example:"iso27001-2022:6.6"`
	Condition      *ConditionDTO `json:"condition"`
	Depth          string        `json:"depth" enums:"core,extended"`
}

// SectionRequest is a section of a draft.
type SectionRequest struct {
	Key       string            `json:"key" example:"staff"`
	Title     TextDTO           `json:"title"`
	Questions []QuestionRequest `json:"questions"`
}

// TemplateRequest is a draft's content. Drafts may be incomplete; publishing checks everything and
// reports every problem with its path (sections[2].questions[5].condition).
type TemplateRequest struct {
	Name        TextDTO          `json:"name"`
	Description TextDTO          `json:"description"`
	VendorKinds []string         `json:"vendor_kinds" example:"contractor"`
	Sections    []SectionRequest `json:"sections" validate:"max=100"`
}

// QuestionResponse is a question; text/help/label are in the Accept-Language language, *_i18n has both.
type QuestionResponse struct {
	Key            string           `json:"key" binding:"required"`
	Text           string           `json:"text" binding:"required"`
	TextI18n       TextDTO          `json:"text_i18n" binding:"required"`
	Help           string           `json:"help,omitempty"`
	HelpI18n       TextDTO          `json:"help_i18n" binding:"required"`
	Type           string           `json:"type" binding:"required" enums:"yes_no,yes_no_na,single_choice,multi_choice,text,number,date,evidence"`
	Options        []OptionResponse `json:"options" binding:"required"`
	Weight         int              `json:"weight" binding:"required"`
	Required       bool             `json:"required" binding:"required"`
	Evidence       EvidenceDTO      `json:"evidence" binding:"required"`
	Severity       string           `json:"severity" binding:"required" enums:"critical,high,medium,low"`
	ThreatCategory string           `json:"threat_category" binding:"required" enums:"external,internal_malicious,internal_error,accidental"`
	ControlRefs    []string         `json:"control_refs" binding:"required"`
	Condition      *ConditionDTO    `json:"condition,omitempty"`
	Depth          string           `json:"depth" binding:"required" enums:"core,extended"`
}

// OptionResponse is an option with its label in the requested language.
type OptionResponse struct {
	Value     string  `json:"value" binding:"required"`
	Label     string  `json:"label" binding:"required"`
	LabelI18n TextDTO `json:"label_i18n" binding:"required"`
	Score     int     `json:"score" binding:"required"`
}

// SectionResponse is a section with its questions.
type SectionResponse struct {
	Key       string             `json:"key" binding:"required"`
	Title     string             `json:"title" binding:"required"`
	TitleI18n TextDTO            `json:"title_i18n" binding:"required"`
	Questions []QuestionResponse `json:"questions" binding:"required"`
}

// TemplateResponse is a questionnaire template.
type TemplateResponse struct {
	ID              string            `json:"id" binding:"required"`
	FamilyID        string            `json:"family_id" binding:"required"`
	Number          int               `json:"number" binding:"required" example:"1"`
	Key             string            `json:"key,omitempty" example:"contractor-security"`
	Name            string            `json:"name" binding:"required"`
	NameI18n        TextDTO           `json:"name_i18n" binding:"required"`
	Description     string            `json:"description" binding:"required"`
	DescriptionI18n TextDTO           `json:"description_i18n" binding:"required"`
	VendorKinds     []string          `json:"vendor_kinds" binding:"required"`
	Status          string            `json:"status" binding:"required" enums:"draft,published,archived"`
	BuiltIn         bool              `json:"built_in" binding:"required"`
	QuestionCount   int               `json:"question_count" binding:"required"`
	CoreCount       int               `json:"core_question_count" binding:"required"`
	Sections        []SectionResponse `json:"sections,omitempty"`
	Version         int               `json:"version" binding:"required"`
	CreatedAt       time.Time         `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt       time.Time         `json:"updated_at" binding:"required" format:"date-time"`
	PublishedAt     *time.Time        `json:"published_at,omitempty" format:"date-time"`
}

// TemplateList is one page of templates (without their sections).
type TemplateList struct {
	Items      []TemplateResponse `json:"items" binding:"required"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

func qText(t TextDTO) questionnaire.Text { return questionnaire.Text{EN: t.EN, JA: t.JA} }

func dtoText(t questionnaire.Text) TextDTO { return TextDTO{EN: t.EN, JA: t.JA} }

func (r TemplateRequest) toDomain() questionnaire.Content {
	c := questionnaire.Content{Name: qText(r.Name), Description: qText(r.Description), VendorKinds: r.VendorKinds}
	for _, s := range r.Sections {
		sec := questionnaire.Section{Key: s.Key, Title: qText(s.Title)}
		for _, q := range s.Questions {
			dq := questionnaire.Question{Key: q.Key, Text: qText(q.Text), Help: qText(q.Help), Type: questionnaire.Type(q.Type),
				Weight: q.Weight, Required: q.Required, Severity: domain.Severity(q.Severity),
				ThreatCategory: questionnaire.ThreatCategory(q.ThreatCategory), ControlRefs: q.ControlRefs,
				Depth:    questionnaire.Depth(q.Depth),
				Evidence: questionnaire.Evidence{Mode: questionnaire.EvidenceMode(q.Evidence.Mode), WhenAnswer: q.Evidence.WhenAnswer}}
			for _, o := range q.Options {
				dq.Options = append(dq.Options, questionnaire.Option{Value: o.Value, Label: qText(o.Label), Score: o.Score})
			}
			if q.Condition != nil {
				dq.Condition = &questionnaire.Condition{Question: q.Condition.Question, AnyOf: q.Condition.AnyOf}
			}
			sec.Questions = append(sec.Questions, dq)
		}
		c.Sections = append(c.Sections, sec)
	}
	return c
}

func templateResponse(t questionnaire.Template, ja, withSections bool) TemplateResponse {
	out := TemplateResponse{ID: t.ID, FamilyID: t.FamilyID, Number: t.Number, Key: t.Key, Name: t.Name.Pick(ja),
		NameI18n: dtoText(t.Name), Description: t.Description.Pick(ja), DescriptionI18n: dtoText(t.Description),
		VendorKinds: nonNilStrings(t.VendorKinds), Status: string(t.Status), BuiltIn: t.BuiltIn, Version: t.Version,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, PublishedAt: t.PublishedAt}
	for _, q := range t.Questions() {
		out.QuestionCount++
		if q.Depth == questionnaire.DepthCore {
			out.CoreCount++
		}
	}
	if !withSections {
		return out
	}
	out.Sections = []SectionResponse{}
	for _, s := range t.Sections {
		sr := SectionResponse{Key: s.Key, Title: s.Title.Pick(ja), TitleI18n: dtoText(s.Title), Questions: []QuestionResponse{}}
		for _, q := range s.Questions {
			qr := QuestionResponse{Key: q.Key, Text: q.Text.Pick(ja), TextI18n: dtoText(q.Text), Help: q.Help.Pick(ja),
				HelpI18n: dtoText(q.Help), Type: string(q.Type), Options: []OptionResponse{}, Weight: q.Weight, Required: q.Required,
				Evidence: EvidenceDTO{Mode: string(q.Evidence.Mode), WhenAnswer: q.Evidence.WhenAnswer}, Severity: string(q.Severity),
				ThreatCategory: string(q.ThreatCategory), ControlRefs: nonNilStrings(q.ControlRefs), Depth: string(q.Depth)}
			for _, o := range q.Options {
				qr.Options = append(qr.Options, OptionResponse{Value: o.Value, Label: o.Label.Pick(ja), LabelI18n: dtoText(o.Label), Score: o.Score})
			}
			if c := q.Condition; c != nil {
				qr.Condition = &ConditionDTO{Question: c.Question, AnyOf: nonNilStrings(c.AnyOf)}
			}
			sr.Questions = append(sr.Questions, qr)
		}
		out.Sections = append(out.Sections, sr)
	}
	return out
}

func (s *Server) respondTemplate(c *gin.Context, status int, t questionnaire.Template) {
	setETag(c, t.Version)
	c.Header("Vary", "Accept-Language")
	c.JSON(status, templateResponse(t, preferJA(c.GetHeader("Accept-Language")), true))
}

// createTemplate godoc
//
//	@Summary		Create a questionnaire template (draft)
//	@ID		createTemplate
//	@Tags			questionnaire-templates
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string			false	"makes a retry return the first result"
//	@Param			body			body		TemplateRequest	true	"the draft"
//	@Success		201				{object}	TemplateResponse
//	@Router			/api/v1/questionnaire-templates [post]
func (s *Server) createTemplate(c *gin.Context) {
	var req TemplateRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	content := req.toDomain()
	t, err := s.templates.Create(c.Request.Context(), questionnaire.Template{Name: content.Name, Description: content.Description,
		VendorKinds: content.VendorKinds, Sections: content.Sections})
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/questionnaire-templates/"+t.ID)
	s.respondTemplate(c, http.StatusCreated, t)
}

// listTemplates godoc
//
//	@Summary	List questionnaire templates
//	@ID	listTemplates
//	@Tags		questionnaire-templates
//	@Produce	json
//	@Security	BearerAuth
//	@Param		status			query		string	false	"filter by status"		Enums(draft, published, archived)
//	@Param		vendor_kind		query		string	false	"templates for this vendor kind"	Enums(contractor, cloud_provider, other)
//	@Param		family_id		query		string	false	"every version of one template"
//	@Param		limit			query		int		false	"page size (1-200, default 50)"
//	@Param		cursor			query		string	false	"next_cursor of the previous page"
//	@Param		Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success	200				{object}	TemplateList
//	@Router		/api/v1/questionnaire-templates [get]
func (s *Server) listTemplates(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.templates.List(c.Request.Context(), questionnaire.Filter{Status: questionnaire.Status(c.Query("status")),
		VendorKind: c.Query("vendor_kind"), FamilyID: c.Query("family_id"), Limit: limit}, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	ja := preferJA(c.GetHeader("Accept-Language"))
	out := TemplateList{Items: []TemplateResponse{}, NextCursor: page.NextCursor}
	for _, t := range page.Items {
		out.Items = append(out.Items, templateResponse(t, ja, false))
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, out)
}

// getTemplate godoc
//
//	@Summary	Get a questionnaire template
//	@ID	getTemplate
//	@Tags		questionnaire-templates
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id				path		string	true	"template id"
//	@Param		Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success	200				{object}	TemplateResponse
//	@Router		/api/v1/questionnaire-templates/{id} [get]
func (s *Server) getTemplate(c *gin.Context) {
	t, err := s.templates.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondTemplate(c, http.StatusOK, t)
}

// updateTemplate godoc
//
//	@Summary		Replace a draft's content
//	@ID		updateTemplate
//	@Description	Drafts only: a published or archived template is immutable (409); make a new version instead.
//	@Tags			questionnaire-templates
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"template id"
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			body		body		TemplateRequest	true	"the new content"
//	@Success		200			{object}	TemplateResponse
//	@Router			/api/v1/questionnaire-templates/{id} [patch]
func (s *Server) updateTemplate(c *gin.Context) {
	var req TemplateRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	t, err := s.templates.Update(c.Request.Context(), c.Param("id"), req.toDomain(), version)
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondTemplate(c, http.StatusOK, t)
}

// publishTemplate godoc
//
//	@Summary		Publish a draft
//	@ID		publishTemplate
//	@Description	Validates the whole template (every problem reported with its path, e.g. sections[2].questions[5].condition; unknown control references are 422) and makes it immutable.
//	@Tags			questionnaire-templates
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"template id"
//	@Param			If-Match	header		string	false	"ETag of the version you read"
//	@Success		200			{object}	TemplateResponse
//	@Router			/api/v1/questionnaire-templates/{id}/publish [post]
func (s *Server) publishTemplate(c *gin.Context) {
	s.lifecycle(c, s.templates.Publish)
}

// archiveTemplate godoc
//
//	@Summary	Archive a published template
//	@ID	archiveTemplate
//	@Tags		questionnaire-templates
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"template id"
//	@Param		If-Match	header		string	false	"ETag of the version you read"
//	@Success	200			{object}	TemplateResponse
//	@Router		/api/v1/questionnaire-templates/{id}/archive [post]
func (s *Server) archiveTemplate(c *gin.Context) {
	s.lifecycle(c, s.templates.Archive)
}

func (s *Server) lifecycle(c *gin.Context, fn func(ctx context.Context, id string, ifMatch *int) (questionnaire.Template, error)) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	t, err := fn(c.Request.Context(), c.Param("id"), version)
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondTemplate(c, http.StatusOK, t)
}

// newTemplateVersion godoc
//
//	@Summary		Start a new version of a published template
//	@ID		createTemplateVersion
//	@Description	Copies a published or archived template into a new draft of the same family (number + 1). A family has at most one draft (409).
//	@Tags			questionnaire-templates
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"template id"
//	@Success		201	{object}	TemplateResponse
//	@Router			/api/v1/questionnaire-templates/{id}/new-version [post]
func (s *Server) newTemplateVersion(c *gin.Context) {
	t, err := s.templates.NewVersion(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/questionnaire-templates/"+t.ID)
	s.respondTemplate(c, http.StatusCreated, t)
}

// exportTemplate godoc
//
//	@Summary		Export a template as a JSON document or an Excel workbook
//	@ID		exportTemplate
//	@Description	The canonical document (format vendorrisk.questionnaire-template/v1): importing it and exporting the result gives the same bytes. With format=xlsx, the same content as a workbook (sheets Template, Sections, Questions, Options; see docs/questionnaire-excel.md) that POST .../import?format=xlsx reads back into an equal template.
//	@Tags			questionnaire-templates
//	@Produce		json
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			id		path		string	true	"template id"
//	@Param			format	query		string	false	"json (the default) or xlsx"
//	@Success		200		{object}	TemplateDocument	"the template document (or the workbook, for format=xlsx)"
//	@Router			/api/v1/questionnaire-templates/{id}/export [get]
func (s *Server) exportTemplate(c *gin.Context) {
	xlsx, err := templateFormat(c)
	if err != nil {
		respondError(c, err)
		return
	}
	doc, t, err := s.templates.Export(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	name := "questionnaire-template-" + t.FamilyID + "-v" + strconv.Itoa(t.Number)
	if !xlsx {
		c.Header("Content-Disposition", `attachment; filename="`+name+`.json"`)
		c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
		return
	}
	var buf bytes.Buffer
	if err := sheet.WriteTemplate(&buf, t); err != nil {
		respondError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	c.Data(http.StatusOK, sheet.XLSX.ContentType(), buf.Bytes())
}

// templateFormat reads ?format= of the template export and import: json (the default) or xlsx.
func templateFormat(c *gin.Context) (bool, error) {
	switch c.Query("format") {
	case "", "json":
		return false, nil
	case string(sheet.XLSX):
		return true, nil
	}
	return false, domain.Invalid("format", "must be json or xlsx")
}

// importTemplate godoc
//
//	@Summary		Import a template document or workbook as a new draft
//	@ID		importTemplate
//	@Description	A JSON document as the body (TemplateDocument, as from GET .../export), or with format=xlsx a workbook (as from GET .../export?format=xlsx) as the file field of multipart/form-data. Both are checked the same way; a workbook's problems are listed with their cells (field "Questions!H7", the question key at the head of the message), every one of them, and nothing is stored then.
//	@Tags			questionnaire-templates
//	@Accept			json
//	@Accept			mpfd
//	@Produce		json
//	@Security		BearerAuth
//	@Param			format	query		string				false	"json (the default) or xlsx"
//	@Param			file	formData	file				false	"the workbook (format=xlsx)"
//	@Success		201		{object}	TemplateResponse
//	@Router			/api/v1/questionnaire-templates/import [post]
func (s *Server) importTemplate(c *gin.Context) {
	xlsx, err := templateFormat(c)
	if err != nil {
		respondError(c, err)
		return
	}
	if xlsx {
		s.importTemplateSheet(c)
		return
	}
	if err := requireJSON(c.Request); err != nil {
		respondError(c, err)
		return
	}
	doc, err := io.ReadAll(c.Request.Body)
	if err != nil {
		respondError(c, decodeError(err))
		return
	}
	t, err := s.templates.Import(c.Request.Context(), doc)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/questionnaire-templates/"+t.ID)
	s.respondTemplate(c, http.StatusCreated, t)
}

// importTemplateSheet reads a workbook into the template format's document and imports that through
// the one import use case, so that both formats are checked alike; the problems point at cells.
func (s *Server) importTemplateSheet(c *gin.Context) {
	type read struct {
		t     questionnaire.Template
		cells sheet.TemplateCells
	}
	in, err := readUploadedWorkbook(c, func(r io.Reader) (read, error) {
		t, cells, err := sheet.ReadTemplate(r)
		return read{t, cells}, err
	})
	if err != nil {
		respondError(c, err)
		return
	}
	t, err := s.templates.Import(c.Request.Context(), questionnaire.Encode(in.t))
	if err != nil {
		respondError(c, in.cells.Locate(err))
		return
	}
	c.Header("Location", "/api/v1/questionnaire-templates/"+t.ID)
	s.respondTemplate(c, http.StatusCreated, t)
}
