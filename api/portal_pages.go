package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/portal"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

type listItem struct {
	ID, Title, Status string
	Due               time.Time
	Overdue           bool
}

func (s *Server) portalList(c *gin.Context) {
	page, err := s.assessments.List(c.Request.Context(), assessment.Filter{Limit: 200}, "")
	if err != nil {
		s.portalFail(c, err)
		return
	}
	l := portalLoc(c)
	items := []listItem{}
	for _, a := range page.Items {
		items = append(items, listItem{ID: a.ID, Title: a.Template.Name.Pick(l.JA()), Status: string(a.Status),
			Due: a.DueDate, Overdue: a.DueAt(s.now()).Overdue})
	}
	s.render(c, http.StatusOK, "list", s.view(c, l.T("list.title"), items))
}

// The questionnaire page.

type sectionNav struct {
	Key, Title, URL string
	Answered, Total int
	Current         bool
}

type optionView struct {
	Key, ID, Value, Label, Input string
	Checked                      bool
}

type evidenceView struct{ Name, Size, SHA, URL string }

type questionView struct {
	Key, Anchor, Text, Help, Type string
	Required, Choice              bool
	Options                       []optionView
	Value                         string // text, number, date
	Display                       string // the saved answer as text (read-only view, conflicts)
	Clarification                 string
	ControlRefs                   []string
	EvidenceNote                  string
	EvidenceMissing               bool
	Evidence                      []evidenceView
	Error                         string
	Theirs                        string
	// Hidden questions wait for their condition (CondQ's answer any of CondAny, as JSON); the script
	// shows them as soon as it holds, and without it they appear after the save.
	Hidden         bool
	CondQ, CondAny string
}

type sectionView struct {
	Key, Title string
	Questions  []questionView
}

type questionnaireData struct {
	ID, Title, Status, Message, ReturnComment string
	Due                                       time.Time
	Overdue, Editable, Conflict               bool
	Progress                                  assessment.Progress
	Sections                                  []sectionNav
	Section                                   sectionView
	NextSection                               string
	Version                                   int
}

// posted is what a form sent for the questions of a section: values by key.
type posted map[string][]string

// questionnairePage builds the page of one section. entered, when set, are the supplier's unsaved
// entries (kept after a conflict or a refused save); theirs marks a conflict.
func (s *Server) questionnairePage(c *gin.Context, a assessment.Assessment, ev []assessment.Evidence, sectionKey string,
	entered posted, errs map[string]string, conflict bool) pageView {
	l := portalLoc(c)
	ja := l.JA()
	visible := a.Visible(a.Answers)
	shown := map[string]bool{}
	for _, q := range visible {
		shown[q.Key] = true
	}
	withEvidence := map[string][]assessment.Evidence{}
	for _, e := range ev {
		for _, k := range e.QuestionKeys {
			withEvidence[k] = append(withEvidence[k], e)
		}
	}
	d := questionnaireData{ID: a.ID, Title: a.Template.Name.Pick(ja), Status: string(a.Status), Message: a.Message,
		Due: a.DueDate, Overdue: a.DueAt(s.now()).Overdue, Editable: a.Status.SupplierEditable(), Conflict: conflict,
		Progress: assessment.ProgressOf(a, ev), Version: a.AnswersVersion}
	if d.Editable {
		d.ReturnComment = a.ReturnComment
	}
	var sections []questionnaire.Section
	for _, sec := range a.Template.Sections {
		n := 0
		for _, q := range sec.Questions {
			if shown[q.Key] {
				n++
			}
		}
		if n > 0 {
			sections = append(sections, sec)
		}
	}
	cur := 0
	for i, sec := range sections {
		if sec.Key == sectionKey {
			cur = i
		}
	}
	for i, sec := range sections {
		nav := sectionNav{Key: sec.Key, Title: sec.Title.Pick(ja), Current: i == cur,
			URL: "/portal/assessments/" + url.PathEscape(a.ID) + "?section=" + url.QueryEscape(sec.Key)}
		for _, q := range sec.Questions {
			if !shown[q.Key] {
				continue
			}
			nav.Total++
			if _, ok := a.Answers[q.Key]; ok || (q.Type == questionnaire.TypeEvidence && len(withEvidence[q.Key]) > 0) {
				nav.Answered++
			}
		}
		d.Sections = append(d.Sections, nav)
	}
	if len(sections) == 0 {
		return s.view(c, d.Title, d)
	}
	sec := sections[cur]
	if cur+1 < len(sections) {
		d.NextSection = sections[cur+1].Key
	}
	d.Section = sectionView{Key: sec.Key, Title: sec.Title.Pick(ja)}
	for _, q := range sec.Questions {
		hidden := !shown[q.Key]
		if hidden && (q.Condition == nil || !d.Editable || (a.Depth == questionnaire.CoverageCore && q.Depth != questionnaire.DepthCore)) {
			continue
		}
		ans, answered := a.Answers[q.Key]
		qv := questionView{Key: q.Key, Anchor: "q-" + q.Key, Text: q.Text.Pick(ja), Help: q.Help.Pick(ja), Type: string(q.Type),
			Required: q.Required, ControlRefs: q.ControlRefs, Error: errs[q.Key], Hidden: hidden}
		if hidden {
			anyOf, _ := json.Marshal(q.Condition.AnyOf)
			qv.CondQ, qv.CondAny = q.Condition.Question, string(anyOf)
		}
		values := []string{}
		if answered {
			values = answerValues(ans)
			qv.Display = displayAnswer(q, ans, ja)
			if r := ans.Review; r != nil && r.Flag == assessment.FlagNeedsClarification && d.Editable {
				qv.Clarification = r.Comment
			}
		}
		if v, ok := entered[q.Key]; ok {
			if conflict && !slices.Equal(v, values) {
				qv.Theirs = qv.Display
				if qv.Theirs == "" {
					qv.Theirs = l.T("answer.none")
				}
			}
			values = v
		}
		switch q.Type {
		case questionnaire.TypeYesNo, questionnaire.TypeYesNoNA, questionnaire.TypeSingleChoice, questionnaire.TypeMultiChoice:
			qv.Choice = true
			input := "radio"
			if q.Type == questionnaire.TypeMultiChoice {
				input = "checkbox"
			}
			for i, o := range q.Options {
				qv.Options = append(qv.Options, optionView{Key: q.Key, ID: fmt.Sprintf("q-%s-%d", q.Key, i), Value: o.Value,
					Label: o.Label.Pick(ja), Input: input, Checked: slices.Contains(values, o.Value)})
			}
		default:
			if len(values) > 0 {
				qv.Value = values[0]
			}
		}
		for _, e := range withEvidence[q.Key] {
			qv.Evidence = append(qv.Evidence, evidenceView{Name: e.FileName, Size: l.Size(e.Size), SHA: e.SHA256,
				URL: "/portal/evidence/" + url.PathEscape(e.ID)})
		}
		switch q.Evidence.Mode {
		case questionnaire.EvidenceAlways:
			qv.EvidenceNote = l.T("evidence.always")
		case questionnaire.EvidenceWhenAnswer:
			labels := []string{}
			for _, v := range q.Evidence.WhenAnswer {
				labels = append(labels, optionLabel(q, v, ja))
			}
			qv.EvidenceNote = l.T("evidence.when", strings.Join(labels, ", "))
		}
		if q.Type == questionnaire.TypeEvidence && qv.EvidenceNote == "" {
			qv.EvidenceNote = l.T("evidence.always")
		}
		for _, m := range assessment.Missing(a, ev) {
			if m.Evidence && m.Key == q.Key {
				qv.EvidenceMissing, qv.EvidenceNote = true, l.T("evidence.required")
			}
		}
		d.Section.Questions = append(d.Section.Questions, qv)
	}
	v := s.view(c, d.Title, d)
	for _, q := range d.Section.Questions {
		if q.Error != "" {
			v.Errors = append(v.Errors, pageError{Href: "#" + q.Anchor, Text: q.Text + ": " + q.Error})
		}
	}
	return v
}

func answerValues(ans assessment.Answer) []string {
	if len(ans.Values) > 0 {
		return slices.Clone(ans.Values)
	}
	return []string{ans.Value}
}

func optionLabel(q questionnaire.Question, value string, ja bool) string {
	for _, o := range q.Options {
		if o.Value == value {
			return o.Label.Pick(ja)
		}
	}
	return value
}

func displayAnswer(q questionnaire.Question, ans assessment.Answer, ja bool) string {
	vals := answerValues(ans)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = optionLabel(q, v, ja)
	}
	return strings.Join(out, ", ")
}

func (s *Server) portalQuestionnaire(c *gin.Context) {
	a, ev, err := s.assessments.SupplierGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.portalFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "questionnaire", s.questionnairePage(c, a, ev, c.Query("section"), nil, nil, false))
}

var answerIndex = regexp.MustCompile(`^answers\[(\d+)\]`)

// portalSaveAnswers saves the section's changed answers with the answers version the page was read
// at: a stale version shows the conflict with the supplier's entries kept, never overwriting.
func (s *Server) portalSaveAnswers(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	a, ev, err := s.assessments.SupplierGet(ctx, id)
	if err != nil {
		s.portalFail(c, err)
		return
	}
	version, err := strconv.Atoi(c.PostForm("version"))
	if err != nil {
		s.portalFail(c, domain.Invalid("version", "must be the answers version the page was read at"))
		return
	}
	entered := posted{}
	var in []assessment.AnswerInput
	byKey := map[string]questionnaire.Question{} // every question: one the script revealed may be answered too
	for _, q := range a.Template.Questions() {
		byKey[q.Key] = q
	}
	for _, key := range c.PostFormArray("k") {
		q, ok := byKey[key]
		if !ok || entered[key] != nil {
			continue // not a question of this template
		}
		var vals []string
		for _, v := range c.PostFormArray("a." + key) {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		entered[key] = vals
		old, had := a.Answers[key]
		switch {
		case len(vals) == 0 && had:
			in = append(in, assessment.AnswerInput{Key: key, Clear: true})
		case len(vals) == 0:
		case had && slices.Equal(vals, answerValues(old)):
		case q.Type == questionnaire.TypeMultiChoice:
			in = append(in, assessment.AnswerInput{Key: key, Values: vals})
		default:
			in = append(in, assessment.AnswerInput{Key: key, Value: vals[0]})
		}
	}
	section := c.PostForm("section")
	target := section
	if c.PostForm("go") == "next" && c.PostForm("next") != "" {
		target = c.PostForm("next")
	}
	if version != a.AnswersVersion {
		s.render(c, http.StatusConflict, "questionnaire", s.questionnairePage(c, a, ev, section, entered, nil, true))
		return
	}
	m := "nochange"
	if len(in) > 0 {
		if a, err = s.assessments.SaveAnswers(ctx, id, in, &version); err != nil {
			s.saveRefused(c, id, section, in, entered, err)
			return
		}
		m = "saved"
	}
	c.Redirect(http.StatusSeeOther, "/portal/assessments/"+url.PathEscape(a.ID)+"?section="+url.QueryEscape(target)+"&m="+m)
}

func (s *Server) saveRefused(c *gin.Context, id, section string, in []assessment.AnswerInput, entered posted, err error) {
	kind := domain.KindOf(err)
	if kind != domain.KindInvalid && kind != domain.KindPreconditionFailed {
		s.portalFail(c, err)
		return
	}
	a, ev, gerr := s.assessments.SupplierGet(c.Request.Context(), id)
	if gerr != nil {
		s.portalFail(c, gerr)
		return
	}
	if kind == domain.KindPreconditionFailed {
		s.render(c, http.StatusConflict, "questionnaire", s.questionnairePage(c, a, ev, section, entered, nil, true))
		return
	}
	errs := map[string]string{}
	var de *domain.Error
	if errors.As(err, &de) {
		for _, f := range de.Fields {
			if m := answerIndex.FindStringSubmatch(f.Field); m != nil {
				if i, _ := strconv.Atoi(m[1]); i < len(in) {
					errs[in[i].Key] = f.Message
				}
			}
		}
	}
	if len(errs) == 0 {
		s.portalFail(c, err)
		return
	}
	s.render(c, http.StatusUnprocessableEntity, "questionnaire", s.questionnairePage(c, a, ev, section, entered, errs, false))
}

// portalUpload attaches one file to one question.
func (s *Server) portalUpload(c *gin.Context) {
	ctx := c.Request.Context()
	id, key, section := c.Param("id"), c.PostForm("question_key"), c.PostForm("section")
	l := portalLoc(c)
	refuse := func(status int, msg string) {
		a, ev, err := s.assessments.SupplierGet(ctx, id)
		if err != nil {
			s.portalFail(c, err)
			return
		}
		s.render(c, status, "questionnaire", s.questionnairePage(c, a, ev, section, nil, map[string]string{key: msg}, false))
	}
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		refuse(http.StatusUnprocessableEntity, l.T("evidence.choose"))
		return
	}
	if fh.Size > s.cfg.MaxUploadBytes {
		refuse(http.StatusRequestEntityTooLarge, l.T("evidence.toolarge"))
		return
	}
	f, err := fh.Open()
	if err != nil {
		refuse(http.StatusBadRequest, l.T("evidence.choose"))
		return
	}
	defer f.Close() // on disk above the handler's multipart memory: never read into memory whole
	_, err = s.assessments.UploadEvidence(ctx, id, assessment.Upload{FileName: uploadedName(fh), Content: f, Size: fh.Size,
		QuestionKeys: []string{key}})
	switch {
	case err == assessment.ErrUnsupportedType:
		refuse(http.StatusUnsupportedMediaType, l.T("evidence.type"))
		return
	case domain.KindOf(err) == domain.KindInvalid:
		var de *domain.Error
		msg := err.Error()
		if errors.As(err, &de) && len(de.Fields) > 0 {
			msg = de.Fields[0].Message
		}
		refuse(http.StatusUnprocessableEntity, msg)
		return
	case err != nil:
		s.portalFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/portal/assessments/"+url.PathEscape(id)+"?section="+url.QueryEscape(section)+"&m=uploaded#q-"+url.PathEscape(key))
}

type submitData struct {
	ID, Title string
	Progress  assessment.Progress
	Missing   []pageError
}

func (s *Server) submitPage(c *gin.Context, a assessment.Assessment, ev []assessment.Evidence) pageView {
	l := portalLoc(c)
	sectionOf := map[string]string{}
	text := map[string]string{}
	for _, sec := range a.Template.Sections {
		for _, q := range sec.Questions {
			sectionOf[q.Key], text[q.Key] = sec.Key, q.Text.Pick(l.JA())
		}
	}
	d := submitData{ID: a.ID, Title: a.Template.Name.Pick(l.JA()), Progress: assessment.ProgressOf(a, ev)}
	for _, m := range assessment.Missing(a, ev) {
		href := "/portal/assessments/" + url.PathEscape(a.ID) + "?section=" + url.QueryEscape(sectionOf[m.Key]) + "#q-" + m.Key
		label := "submit.missing.answer"
		if m.Evidence {
			label = "submit.missing.evidence"
		}
		d.Missing = append(d.Missing, pageError{Href: href, Text: l.T(label, text[m.Key])})
	}
	return s.view(c, l.T("submit.title"), d)
}

func (s *Server) portalSubmitPage(c *gin.Context) {
	a, ev, err := s.assessments.SupplierGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.portalFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "submit", s.submitPage(c, a, ev))
}

func (s *Server) portalSubmit(c *gin.Context) {
	ctx := c.Request.Context()
	a, err := s.assessments.Submit(ctx, c.Param("id"))
	if domain.KindOf(err) == domain.KindInvalid {
		a, ev, gerr := s.assessments.SupplierGet(ctx, c.Param("id"))
		if gerr != nil {
			s.portalFail(c, gerr)
			return
		}
		v := s.submitPage(c, a, ev)
		v.Errors = []pageError{{Href: "#missing", Text: v.L.T("submit.refused")}}
		s.render(c, http.StatusUnprocessableEntity, "submit", v)
		return
	}
	if err != nil {
		s.portalFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/portal/assessments/"+url.PathEscape(a.ID)+"?m=submitted")
}

// portalEvidence downloads a file of the supplier's own (never rendered inline).
func (s *Server) portalEvidence(c *gin.Context) {
	e, f, err := s.assessments.Content(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.portalFail(c, err)
		return
	}
	defer f.Close()
	c.Header("Content-Disposition", contentDisposition(e.FileName))
	c.Header("Content-Security-Policy", "default-src 'none'; sandbox")
	c.DataFromReader(http.StatusOK, e.Size, e.ContentType, f, nil) // streamed from a verified temporary file
}

// Findings.

type itemView struct {
	ID, Description, Due, Status string
	CanMark                      bool
}

type findingView struct {
	ID, Title, Severity, Status, Answer, Response, Due string
	Plan, PlanReason                                   string // the proposed plan's state and a rejection's reason
	Overdue                                            bool
	ControlRefs                                        []string
	Items                                              []itemView
}

func (s *Server) findingsPage(c *gin.Context) (pageView, error) {
	ctx := c.Request.Context()
	l := portalLoc(c)
	page, err := s.findings.List(ctx, finding.Filter{Limit: 200}, "")
	if err != nil {
		return pageView{}, err
	}
	out := []findingView{}
	lang := "en"
	if l.JA() {
		lang = "ja"
	}
	for _, f := range page.Items {
		fv := findingView{ID: f.ID, Title: f.TitleIn(lang), Severity: string(f.Severity), Status: string(f.Status), Answer: f.Answer,
			Response: f.SupplierResponse, Overdue: f.Overdue(s.now()), ControlRefs: f.ControlRefs, Plan: string(f.Plan.Status),
			PlanReason: f.Plan.Reason}
		if due := f.DueDate(); due != nil {
			fv.Due = l.Date(*due)
		}
		items, err := s.remediations.List(ctx, f.ID)
		if err != nil {
			return pageView{}, err
		}
		for _, it := range items {
			fv.Items = append(fv.Items, itemView{ID: it.ID, Description: it.Description, Due: l.Date(it.DueDate), Status: string(it.Status),
				CanMark: it.Status == finding.RemOpen || it.Status == finding.RemInProgress})
		}
		out = append(out, fv)
	}
	return s.view(c, l.T("findings.title"), out), nil
}

func (s *Server) portalFindings(c *gin.Context) {
	v, err := s.findingsPage(c)
	if err != nil {
		s.portalFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "findings", v)
}

// portalRespond records the supplier's response, a proposed plan item and items marked done, through
// the supplier finding service the API uses.
func (s *Server) portalRespond(c *gin.Context) {
	plan := finding.SupplierPlan{Response: strings.TrimSpace(c.PostForm("response")), Done: c.PostFormArray("done")}
	if desc := strings.TrimSpace(c.PostForm("plan_description")); desc != "" {
		nr := finding.NewRemediation{Type: c.PostForm("plan_type"), Description: desc}
		if raw := c.PostForm("plan_due"); raw != "" {
			due, err := time.Parse(dateLayout, raw)
			if err != nil {
				s.portalFail(c, domain.Invalid("plan_due", "must be a date"))
				return
			}
			nr.DueDate = &due
		}
		plan.Plans = append(plan.Plans, nr)
	}
	id := c.Param("id")
	if _, _, err := s.remediations.RespondWithPlan(c.Request.Context(), id, plan); err != nil {
		if domain.KindOf(err) == domain.KindInvalid {
			v, ferr := s.findingsPage(c)
			if ferr != nil {
				s.portalFail(c, ferr)
				return
			}
			var de *domain.Error
			msg := err.Error()
			if errors.As(err, &de) {
				msg = de.Message
				for _, f := range de.Fields {
					msg += " (" + f.Field + ": " + f.Message + ")"
				}
			}
			v.Errors = []pageError{{Href: "#f-" + id, Text: msg}}
			s.render(c, http.StatusUnprocessableEntity, "findings", v)
			return
		}
		s.portalFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/portal/findings?m=sent#f-"+url.PathEscape(id))
}

var _ = portal.Lang
