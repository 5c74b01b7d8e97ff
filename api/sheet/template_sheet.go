package sheet

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// A questionnaire template as a workbook: four sheets named by what they hold, each with a header
// row naming its columns (columns are found by header, so they may be moved). Lists inside a cell
// (vendor kinds, control references, answers) are separated by commas or line breaks.
const (
	tplSheet       = "Template"
	sectionsSheet  = "Sections"
	questionsSheet = "Questions"
	optionsSheet   = "Options"
)

var (
	templateFields = []string{"key", "name_en", "name_ja", "description_en", "description_ja", "vendor_kinds"}
	sectionCols    = []string{"key", "title_en", "title_ja"}
	questionCols   = []string{"section", "key", "text_en", "text_ja", "help_en", "help_ja", "type", "weight", "required",
		"evidence_mode", "evidence_when_answer", "severity", "threat_category", "control_refs", "condition_question",
		"condition_any_of", "depth"}
	optionCols = []string{"question", "value", "label_en", "label_ja", "score"}
)

// WriteTemplate writes a template's content as a workbook on w.
func WriteTemplate(w io.Writer, t questionnaire.Template) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", tplSheet); err != nil {
		return fmt.Errorf("name sheet: %w", err)
	}
	rows := [][]any{{"field", "value"}, {"format", questionnaire.FormatID}, {"key", t.Key}, {"name_en", t.Name.EN},
		{"name_ja", t.Name.JA}, {"description_en", t.Description.EN}, {"description_ja", t.Description.JA},
		{"vendor_kinds", strings.Join(t.VendorKinds, ", ")}}
	sections := [][]any{anys(sectionCols)}
	questions := [][]any{anys(questionCols)}
	options := [][]any{anys(optionCols)}
	for _, s := range t.Sections {
		sections = append(sections, []any{s.Key, s.Title.EN, s.Title.JA})
		for _, q := range s.Questions {
			var cq, anyOf string
			if c := q.Condition; c != nil {
				cq, anyOf = c.Question, strings.Join(c.AnyOf, ", ")
			}
			questions = append(questions, []any{s.Key, q.Key, q.Text.EN, q.Text.JA, q.Help.EN, q.Help.JA, string(q.Type), q.Weight,
				strconv.FormatBool(q.Required), string(q.Evidence.Mode), strings.Join(q.Evidence.WhenAnswer, ", "), string(q.Severity),
				string(q.ThreatCategory), strings.Join(q.ControlRefs, ", "), cq, anyOf, string(q.Depth)})
			for _, o := range q.Options {
				options = append(options, []any{q.Key, o.Value, o.Label.EN, o.Label.JA, o.Score})
			}
		}
	}
	for _, sh := range []struct {
		name string
		rows [][]any
	}{{tplSheet, rows}, {sectionsSheet, sections}, {questionsSheet, questions}, {optionsSheet, options}} {
		if err := writeRows(f, sh.name, sh.rows); err != nil {
			return fmt.Errorf("write sheet %s: %w", sh.name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func writeRows(f *excelize.File, name string, rows [][]any) error {
	if name != tplSheet {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	// Text format keeps what is typed as typed (an option value "01" stays "01").
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(rows[0]))
	if err := f.SetColStyle(name, "A:"+last, text); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(name, cell, &r); err != nil {
			return err
		}
	}
	return f.SetRowStyle(name, 1, 1, bold)
}

// TemplateCells locates a template read from a workbook: the cell each field came from, by the
// field's path in the template format (sections[2].questions[5].weight).
type TemplateCells struct {
	cells map[string]placed
}

type placed struct {
	cell  string
	label string // the key of the question, option or section the cell belongs to
}

var lastStep = regexp.MustCompile(`(\.[a-z_]+|\[\d+\])$`)

// Locate rewrites the field errors of err (paths of the template format) to the cells they came from,
// with the key of their question or section at the head of the message. Other errors pass unchanged.
func (tc TemplateCells) Locate(err error) error {
	return domain.MapFields(err, "the workbook's template is not valid: every problem is listed with its cell",
		func(fe domain.FieldError) domain.FieldError {
			for path := fe.Field; path != ""; path = lastStep.ReplaceAllString(path, "") {
				if p, ok := tc.cells[path]; ok {
					if p.label == "" {
						out := fe
						out.Field = p.cell
						return out
					}
					return domain.Fieldf(p.cell, "%s: %s", domain.Literal(p.label), fe.Text())
				}
				if !lastStep.MatchString(path) {
					break
				}
			}
			return fe
		})
}

// ReadTemplate reads a template workbook. Cells that cannot be read as their column's type (a weight
// that is no integer, a section that is not listed) are Invalid with their cells, every one of them;
// the returned TemplateCells locates the errors of the template's own validation.
func ReadTemplate(r io.Reader) (questionnaire.Template, TemplateCells, error) {
	tc := TemplateCells{cells: map[string]placed{}}
	f, err := excelize.OpenReader(r)
	if err != nil {
		return questionnaire.Template{}, tc, domain.Invalid("file", "is not an XLSX workbook")
	}
	defer f.Close()
	rd := &templateReader{f: f, tc: tc}
	t := rd.read()
	if err := rd.v.Err(); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			de.Message = "the workbook cannot be read as a template: every problem is listed with its cell"
		}
		return questionnaire.Template{}, tc, err
	}
	return t, tc, nil
}

type templateReader struct {
	f  *excelize.File
	tc TemplateCells
	v  domain.Validator
}

// sheetRows is a sheet's rows below its header, with the columns found by header name.
type sheetRows struct {
	name string
	col  map[string]int
	rows [][]string
}

func (sr sheetRows) get(row []string, name string) string {
	i, ok := sr.col[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func (sr sheetRows) cell(r int, name string) string {
	c, _ := excelize.CoordinatesToCellName(sr.col[name]+1, r+2)
	return sr.name + "!" + c
}

func (rd *templateReader) sheet(name string, want []string) (sheetRows, bool) {
	rows, err := rd.f.GetRows(name)
	if err != nil {
		rd.v.Addf(name, "the workbook needs a sheet named %s", name)
		return sheetRows{}, false
	}
	sr := sheetRows{name: name, col: map[string]int{}}
	if len(rows) > 0 {
		for i, h := range rows[0] {
			sr.col[strings.ToLower(strings.TrimSpace(h))] = i
		}
		sr.rows = rows[1:]
	}
	ok := true
	for _, w := range want {
		if _, has := sr.col[w]; !has {
			rd.v.Addf(name+"!1", "needs a column headed %s", w)
			ok = false
		}
	}
	return sr, ok
}

func (rd *templateReader) place(path, cell, label string) {
	rd.tc.cells[path] = placed{cell: cell, label: label}
}

func (rd *templateReader) read() questionnaire.Template {
	var t questionnaire.Template
	rd.readHead(&t)
	secs, ok1 := rd.sheet(sectionsSheet, sectionCols)
	qs, ok2 := rd.sheet(questionsSheet, questionCols)
	opts, ok3 := rd.sheet(optionsSheet, optionCols)
	if !ok1 || !ok2 || !ok3 {
		return t
	}
	index := map[string]int{}
	for r, row := range secs.rows {
		key := secs.get(row, "key")
		if key == "" && blank(row) {
			continue
		}
		i := len(t.Sections)
		p := "sections[" + strconv.Itoa(i) + "]"
		rd.place(p, secs.cell(r, "key"), key)
		for _, c := range sectionCols {
			rd.place(p+"."+strings.Replace(c, "_", ".", 1), secs.cell(r, c), key)
		}
		rd.place(p+".questions", secs.cell(r, "key"), key)
		if _, dup := index[key]; !dup {
			index[key] = i
		}
		t.Sections = append(t.Sections, questionnaire.Section{Key: key,
			Title: questionnaire.Text{EN: secs.get(row, "title_en"), JA: secs.get(row, "title_ja")}})
	}
	where := map[string]string{} // question key → its path, for its options
	for r, row := range qs.rows {
		if blank(row) {
			continue
		}
		sec, ok := index[qs.get(row, "section")]
		if !ok {
			rd.v.Addf(qs.cell(r, "section"), "%s: names no section of the Sections sheet", domain.Literal(qs.get(row, "key")))
			continue
		}
		q := rd.question(qs, r, row)
		p := fmt.Sprintf("sections[%d].questions[%d]", sec, len(t.Sections[sec].Questions))
		for _, c := range questionCols {
			rd.place(p+"."+questionPath(c), qs.cell(r, c), q.Key)
		}
		rd.place(p, qs.cell(r, "key"), q.Key)
		if _, dup := where[q.Key]; !dup {
			where[q.Key] = p
		}
		t.Sections[sec].Questions = append(t.Sections[sec].Questions, q)
	}
	rd.readOptions(&t, opts, where)
	return t
}

func (rd *templateReader) readHead(t *questionnaire.Template) {
	rows, err := rd.f.GetRows(tplSheet)
	if err != nil {
		rd.v.Addf(tplSheet, "the workbook needs a sheet named %s", tplSheet)
		return
	}
	got := map[string]string{}
	for r, row := range rows {
		if r == 0 || len(row) == 0 {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(row[0]))
		value := ""
		if len(row) > 1 {
			value = strings.TrimSpace(row[1])
		}
		got[name] = value
		rd.place(strings.Replace(name, "_", ".", 1), fmt.Sprintf("%s!B%d", tplSheet, r+1), "")
		if name == "vendor_kinds" || name == "key" || name == "format" {
			rd.place(name, fmt.Sprintf("%s!B%d", tplSheet, r+1), "")
		}
	}
	for _, name := range templateFields {
		if _, ok := got[name]; !ok {
			rd.v.Addf(tplSheet+"!A", "needs a row named %s", name)
		}
	}
	if f := got["format"]; f != "" && f != questionnaire.FormatID {
		rd.v.Addf(rd.tc.cells["format"].cell, "must be %s", questionnaire.FormatID)
	}
	t.Key = got["key"]
	t.Name = questionnaire.Text{EN: got["name_en"], JA: got["name_ja"]}
	t.Description = questionnaire.Text{EN: got["description_en"], JA: got["description_ja"]}
	t.VendorKinds = list(got["vendor_kinds"])
}

// questionPath is the template format's path of a column of the Questions sheet.
func questionPath(col string) string {
	switch col {
	case "text_en", "text_ja", "help_en", "help_ja":
		return strings.Replace(col, "_", ".", 1)
	case "evidence_mode":
		return "evidence.mode"
	case "evidence_when_answer":
		return "evidence.when_answer"
	case "condition_question":
		return "condition.question"
	case "condition_any_of":
		return "condition.any_of"
	}
	return col
}

func (rd *templateReader) question(qs sheetRows, r int, row []string) questionnaire.Question {
	q := questionnaire.Question{Key: qs.get(row, "key"),
		Text: questionnaire.Text{EN: qs.get(row, "text_en"), JA: qs.get(row, "text_ja")},
		Help: questionnaire.Text{EN: qs.get(row, "help_en"), JA: qs.get(row, "help_ja")},
		Type: questionnaire.Type(qs.get(row, "type")), Severity: domain.Severity(qs.get(row, "severity")),
		ThreatCategory: questionnaire.ThreatCategory(qs.get(row, "threat_category")), ControlRefs: list(qs.get(row, "control_refs")),
		Depth: questionnaire.Depth(qs.get(row, "depth")),
		Evidence: questionnaire.Evidence{Mode: questionnaire.EvidenceMode(qs.get(row, "evidence_mode")),
			WhenAnswer: list(qs.get(row, "evidence_when_answer"))}}
	q.Weight = rd.integer(qs, r, row, "weight", q.Key)
	switch strings.ToLower(qs.get(row, "required")) {
	case "true", "yes", "1":
		q.Required = true
	case "false", "no", "0", "":
	default:
		rd.v.Addf(qs.cell(r, "required"), "%s: must be true or false", domain.Literal(q.Key))
	}
	if cq := qs.get(row, "condition_question"); cq != "" {
		q.Condition = &questionnaire.Condition{Question: cq, AnyOf: list(qs.get(row, "condition_any_of"))}
	} else if qs.get(row, "condition_any_of") != "" {
		rd.v.Addf(qs.cell(r, "condition_question"), "%s: names no question, but condition_any_of lists answers", domain.Literal(q.Key))
	}
	return q
}

func (rd *templateReader) integer(sr sheetRows, r int, row []string, col, key string) int {
	s := sr.get(row, col)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		rd.v.Addf(sr.cell(r, col), "%s: must be a whole number", domain.Literal(key))
	}
	return n
}

func (rd *templateReader) readOptions(t *questionnaire.Template, opts sheetRows, where map[string]string) {
	qOf := map[string]*questionnaire.Question{}
	for i := range t.Sections {
		for j := range t.Sections[i].Questions {
			q := &t.Sections[i].Questions[j]
			if _, dup := qOf[q.Key]; !dup {
				qOf[q.Key] = q
			}
		}
	}
	for r, row := range opts.rows {
		if blank(row) {
			continue
		}
		key := opts.get(row, "question")
		q, ok := qOf[key]
		if !ok {
			rd.v.Addf(opts.cell(r, "question"), "%s: names no question of the Questions sheet", domain.Literal(key))
			continue
		}
		p := fmt.Sprintf("%s.options[%d]", where[key], len(q.Options))
		for _, c := range optionCols[1:] {
			rd.place(p+"."+strings.Replace(c, "_", ".", 1), opts.cell(r, c), key)
		}
		rd.place(p, opts.cell(r, "value"), key)
		q.Options = append(q.Options, questionnaire.Option{Value: opts.get(row, "value"),
			Label: questionnaire.Text{EN: opts.get(row, "label_en"), JA: opts.get(row, "label_ja")}, Score: rd.integer(opts, r, row, "score", key)})
	}
}

func list(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
