package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/sheet"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// AnswersImportReport says what an imported questionnaire changed (or, in a dry run, would change).
type AnswersImportReport struct {
	DryRun bool `json:"dry_run" binding:"required"`
	// AnswersVersion is the answers version after the import (unchanged by a dry run or a file that changes nothing).
	AnswersVersion int                 `json:"answers_version" binding:"required"`
	Changed        []AnswerImportEntry `json:"changed" binding:"required"`
	Unchanged      int                 `json:"unchanged" binding:"required"`
}

// AnswerImportEntry is one answer the file sets or clears.
type AnswerImportEntry struct {
	Key    string `json:"key" binding:"required" example:"staff_nda"`
	Cell   string `json:"cell" binding:"required" example:"Staff!E2"`
	Action string `json:"action" binding:"required" enums:"set,clear"`
}

// exportAssessment godoc
//
//	@Summary		Download an assessment's questionnaire as Excel
//	@ID		exportAssessment
//	@Description	One sheet per section, a row per question asked at the assessment's depth: key, text (Accept-Language en or ja), type, options (a drop-down on the answer cell), the current answer and comment, the evidence already attached, whether it is required and when it is shown. Every cell but the answer and comment is locked. The workbook's custom properties name the assessment and template version.
//	@Tags			assessments
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			id				path		string	true	"assessment id"
//	@Param			format			query		string	false	"xlsx (the only format; the default)"
//	@Param			Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success		200				{file}		file	"the workbook"
//	@Router			/api/v1/assessments/{id}/export [get]
func (s *Server) exportAssessment(c *gin.Context) {
	s.exportQuestionnaire(c, s.assessments.Get, false)
}

// supplierExportAssessment godoc
//
//	@Summary		Download the questionnaire to answer in Excel
//	@ID		supplierExportAssessment
//	@Description	The workbook of GET /assessments/{id}/export as the supplier sees it (no internal fields). Fill in the answer and comment columns and upload it to POST /supplier/assessments/{id}/answers/import.
//	@Tags			supplier
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			id				path		string	true	"assessment id"
//	@Param			format			query		string	false	"xlsx (the only format; the default)"
//	@Param			Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success		200				{file}		file	"the workbook"
//	@Router			/api/v1/supplier/assessments/{id}/export [get]
func (s *Server) supplierExportAssessment(c *gin.Context) {
	s.exportQuestionnaire(c, s.assessments.SupplierGet, true)
}

func (s *Server) exportQuestionnaire(c *gin.Context, get func(ctx context.Context, id string) (assessment.Assessment, []assessment.Evidence, error), supplier bool) {
	if f := c.Query("format"); f != "" && f != string(sheet.XLSX) {
		respondError(c, domain.Invalid("format", "must be xlsx"))
		return
	}
	a, ev, err := get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := sheet.WriteQuestionnaire(&buf, questionnaireSheet(a, ev, preferJA(c.GetHeader("Accept-Language")), supplier)); err != nil {
		respondError(c, err)
		return
	}
	c.Header("Vary", "Accept-Language")
	c.Header("Content-Disposition", contentDisposition("assessment-"+a.ID+".xlsx"))
	c.Data(http.StatusOK, sheet.XLSX.ContentType(), buf.Bytes())
}

// asked lists the questions of the assessment's depth by section, in template order: the rows of
// its workbook, whatever their conditions (a follow-up is answered together with its question).
func asked(a assessment.Assessment) []questionnaire.Section {
	var out []questionnaire.Section
	for _, sec := range a.Template.Sections {
		s := questionnaire.Section{Key: sec.Key, Title: sec.Title}
		for _, q := range sec.Questions {
			if a.Depth.Asks(q.Depth) {
				s.Questions = append(s.Questions, q)
			}
		}
		if len(s.Questions) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func questionnaireSheet(a assessment.Assessment, ev []assessment.Evidence, ja, supplier bool) sheet.Questionnaire {
	files := map[string][]string{}
	for _, e := range ev {
		for _, k := range e.QuestionKeys {
			files[k] = append(files[k], e.FileName)
		}
	}
	out := sheet.Questionnaire{AssessmentID: a.ID, TemplateID: a.Template.ID, TemplateNumber: a.Template.Number, JA: ja}
	for _, sec := range asked(a) {
		qs := sheet.QuestionSection{Title: sec.Title.Pick(ja)}
		for _, q := range sec.Questions {
			row := sheet.QuestionRow{Key: q.Key, Text: q.Text.Pick(ja), Help: q.Help.Pick(ja), Type: string(q.Type),
				Multi: q.Type == questionnaire.TypeMultiChoice, Locked: q.Type == questionnaire.TypeEvidence,
				Required: q.Required, Evidence: files[q.Key]}
			for _, o := range q.Options {
				row.Options = append(row.Options, o.Value)
				row.Labels = append(row.Labels, o.Label.Pick(ja))
			}
			if c := q.Condition; c != nil {
				row.Condition = c.Question + " = " + strings.Join(c.AnyOf, " | ")
			}
			if ans, ok := a.Answers[q.Key]; ok {
				row.Answer, row.Comment = cellValue(ans), ans.Comment
				// The supplier sees a clarification request while it may still answer it, as on GET.
				if r := ans.Review; r != nil && r.Flag == assessment.FlagNeedsClarification && (!supplier || a.Status.SupplierEditable()) {
					row.Clarification = r.Comment
				}
			}
			qs.Questions = append(qs.Questions, row)
		}
		out.Sections = append(out.Sections, qs)
	}
	return out
}

// cellValue is an answer as its cell holds it: a multi_choice answer's values separated by commas.
func cellValue(ans assessment.Answer) string {
	if ans.Values != nil {
		return strings.Join(ans.Values, ", ")
	}
	return ans.Value
}

// supplierImportAnswers godoc
//
//	@Summary		Upload answers filled in Excel
//	@ID		supplierImportAnswers
//	@Description	multipart/form-data with file: a workbook from GET /supplier/assessments/{id}/export with its answer and comment columns filled in. The answers that differ from the saved ones are saved as one batch, checked exactly like PUT .../answers; every error is listed with its cell (field "Access control!E7") and question key, and nothing is saved if any answer is invalid. An empty answer and comment clear a saved answer. A file exported for another assessment, or whose question keys differ from the assessment's questionnaire, is 422 listing the differing keys. With dry_run=true the same checks run and the same report is returned, and nothing changes. A file that changes nothing changes nothing (no new answers version).
//	@Tags			supplier
//	@Accept			mpfd
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"assessment id"
//	@Param			dry_run	query		bool	false	"check and report without saving"
//	@Param			file	formData	file	true	"the filled workbook (.xlsx)"
//	@Success		200		{object}	AnswersImportReport
//	@Router			/api/v1/supplier/assessments/{id}/answers/import [post]
func (s *Server) supplierImportAnswers(c *gin.Context) {
	dryRun, err := queryBool(c, "dry_run")
	if err != nil {
		respondError(c, err)
		return
	}
	c.Set(ctxDryRun, dryRun)
	filled, err := readUploadedWorkbook(c, sheet.ReadQuestionnaire)
	if err != nil {
		respondError(c, err)
		return
	}
	ctx, id := c.Request.Context(), c.Param("id")
	a, _, err := s.assessments.SupplierGet(ctx, id)
	if err != nil {
		respondError(c, err)
		return
	}
	if err := matchQuestionnaire(a, filled); err != nil {
		respondError(c, err)
		return
	}
	in, rows, report := answerChanges(a, filled)
	report.DryRun, report.AnswersVersion = dryRun, a.AnswersVersion
	if len(in) > 0 {
		version := a.AnswersVersion // the answers the changes were computed against
		if dryRun {
			err = s.assessments.CheckAnswers(ctx, id, in, &version)
		} else {
			var saved assessment.Assessment
			saved, err = s.assessments.SaveAnswers(ctx, id, in, &version)
			report.AnswersVersion = saved.AnswersVersion
		}
		if err != nil {
			respondError(c, atCells(err, rows))
			return
		}
	}
	c.JSON(http.StatusOK, report)
}

// readUploadedWorkbook reads the multipart field file with read.
func readUploadedWorkbook[T any](c *gin.Context, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	fh, err := c.FormFile("file")
	if err != nil {
		return zero, decodeUploadError(err)
	}
	f, err := fh.Open()
	if err != nil {
		return zero, badRequest("the uploaded file cannot be read")
	}
	defer f.Close()
	return read(f)
}

// matchQuestionnaire refuses a file made for another assessment, or whose question keys are not the
// assessment's (missing, extra, renamed or repeated), listing every differing key.
func matchQuestionnaire(a assessment.Assessment, f sheet.Filled) error {
	if f.AssessmentID != a.ID || f.TemplateID != a.Template.ID || f.TemplateNumber != a.Template.Number {
		return domain.Invalidf("file", "was exported for assessment %s (template %s version %d), not this one: download this assessment's questionnaire and fill in that",
			f.AssessmentID, f.TemplateID, f.TemplateNumber)
	}
	want := map[string]bool{}
	var order []string
	for _, sec := range asked(a) {
		for _, q := range sec.Questions {
			want[q.Key] = true
			order = append(order, q.Key)
		}
	}
	var v domain.Validator
	seen := map[string]bool{}
	for _, r := range f.Rows {
		switch {
		case !want[r.Key]:
			v.Addf(r.KeyCell(), "%s: is not a question of this assessment's questionnaire", domain.Literal(r.Key))
		case seen[r.Key]:
			v.Addf(r.KeyCell(), "%s: appears twice in the file", domain.Literal(r.Key))
		}
		seen[r.Key] = true
	}
	for _, k := range order {
		v.Checkf(seen[k], "questions."+k, "%s: is in the assessment's questionnaire but not in the file", domain.Literal(k))
	}
	if err := v.Err(); err != nil {
		var de *domain.Error
		errors.As(err, &de)
		de.Message = "the file's questions do not match the assessment's questionnaire: every differing key is listed"
		return de
	}
	return nil
}

// answerChanges turns the file into the batch of answers that differ from the saved ones, with the row
// of each; rows that match the saved answer are counted as unchanged.
func answerChanges(a assessment.Assessment, f sheet.Filled) ([]assessment.AnswerInput, []sheet.FilledRow, AnswersImportReport) {
	types := map[string]questionnaire.Type{}
	for _, q := range a.Template.Questions() {
		types[q.Key] = q.Type
	}
	report := AnswersImportReport{Changed: []AnswerImportEntry{}}
	var in []assessment.AnswerInput
	var rows []sheet.FilledRow
	for _, r := range f.Rows {
		typ := types[r.Key]
		x := assessment.AnswerInput{Key: r.Key, Value: r.Answer}
		if typ.Choice() {
			x.Value = strings.TrimSpace(r.Answer)
		}
		if typ == questionnaire.TypeMultiChoice {
			x.Value, x.Values = "", splitValues(r.Answer)
		}
		comment := strings.TrimSpace(r.Comment)
		x.Comment = &comment
		saved, ok := a.Answers[r.Key]
		empty := strings.TrimSpace(r.Answer) == "" && comment == ""
		switch {
		case empty && !ok:
			report.Unchanged++
			continue
		case empty:
			x = assessment.AnswerInput{Key: r.Key, Clear: true}
		case ok && saved.Value == x.Value && slices.Equal(saved.Values, x.Values) && saved.Comment == comment:
			report.Unchanged++
			continue
		}
		action := "set"
		if x.Clear {
			action = "clear"
		}
		in, rows = append(in, x), append(rows, r)
		report.Changed = append(report.Changed, AnswerImportEntry{Key: r.Key, Cell: r.AnswerCell(), Action: action})
	}
	return in, rows, report
}

func splitValues(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

var batchField = regexp.MustCompile(`^answers\[(\d+)\](.*)$`)

// atCells renames the batch's field errors (answers[3].value) to the cells they came from
// ("Access control!E7"), with the question key at the head of the message.
func atCells(err error, rows []sheet.FilledRow) error {
	return domain.MapFields(err, "the file's answers are not valid: every error is listed by cell; nothing was saved",
		func(fe domain.FieldError) domain.FieldError {
			m := batchField.FindStringSubmatch(fe.Field)
			if m == nil {
				return fe
			}
			n, _ := strconv.Atoi(m[1])
			if n >= len(rows) {
				return fe
			}
			r := rows[n]
			cell := r.AnswerCell()
			if m[2] == ".comment" {
				cell = r.CommentCell()
			}
			return domain.FieldError{Field: cell, Message: r.Key + ": " + fe.Message}
		})
}
