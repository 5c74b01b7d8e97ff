package sheet

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Questionnaire is an assessment's questionnaire as its workbook shows it: one sheet per section, a row
// per question. The identity fields go to the workbook's custom properties, so that a file exported for
// one assessment is refused by another.
type Questionnaire struct {
	AssessmentID   string
	TemplateID     string
	TemplateNumber int
	JA             bool
	Sections       []QuestionSection
}

// QuestionSection is one section: one sheet named by its title.
type QuestionSection struct {
	Title     string
	Questions []QuestionRow
}

// QuestionRow is one question with the current answer. Options are the values a drop-down offers
// (Labels says what they mean); Multi takes several values separated by commas; Locked rows (evidence
// questions) take no answer in the file.
type QuestionRow struct {
	Key           string
	Text          string
	Help          string
	Type          string
	Options       []string
	Labels        []string
	Multi         bool
	Locked        bool
	Required      bool
	Condition     string
	Answer        string
	Comment       string
	Evidence      []string
	Clarification string
}

// The columns of a section sheet. The answer and the comment are the only cells a supplier may edit.
const (
	colKey = iota + 1
	colText
	colType
	colOptions
	colAnswer
	colComment
	colEvidence
	colRequired
	colCondition
	colClarification
	colHelp
	columns = colHelp
)

var questionHeaders = map[bool][]string{
	false: {"Key", "Question", "Type", "Options", "Answer", "Comment", "Evidence attached", "Required", "Shown when",
		"Clarification requested", "Help"},
	true: {"キー", "質問", "回答形式", "選択肢", "回答", "コメント", "添付済みの証跡", "必須", "表示条件", "確認依頼", "補足"},
}

// The workbook's custom properties that name the assessment and the template version.
const (
	propAssessment     = "vendorrisk.assessment_id"
	propTemplate       = "vendorrisk.template_id"
	propTemplateNumber = "vendorrisk.template_number"
	listsSheet         = "_lists"
)

// WriteQuestionnaire writes q as an XLSX workbook on w.
func WriteQuestionnaire(w io.Writer, q Questionnaire) error {
	f := excelize.NewFile()
	defer f.Close()
	qw := &questionnaireWriter{f: f, ja: q.JA}
	if err := qw.styles(); err != nil {
		return err
	}
	names := sheetNames(q.Sections)
	for i, sec := range q.Sections {
		if err := qw.section(names[i], sec, i == 0); err != nil {
			return fmt.Errorf("write sheet %q: %w", names[i], err)
		}
	}
	if len(q.Sections) == 0 { // an empty workbook still needs a visible sheet
		if err := f.SetSheetName("Sheet1", "-"); err != nil {
			return fmt.Errorf("name empty sheet: %w", err)
		}
	}
	if qw.lists > 0 {
		if err := f.SetSheetVisible(listsSheet, false, true); err != nil {
			return fmt.Errorf("hide lists: %w", err)
		}
	}
	for _, p := range []excelize.CustomProperty{{Name: propAssessment, Value: q.AssessmentID},
		{Name: propTemplate, Value: q.TemplateID}, {Name: propTemplateNumber, Value: int32(q.TemplateNumber)}} {
		if err := f.SetCustomProps(p); err != nil {
			return fmt.Errorf("set property %s: %w", p.Name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

type questionnaireWriter struct {
	f                        *excelize.File
	ja                       bool
	header, locked, editable int
	lists                    int // rows used on the hidden lists sheet
}

func (qw *questionnaireWriter) styles() error {
	var err error
	wrap := &excelize.Alignment{WrapText: true, Vertical: "top"}
	if qw.header, err = qw.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: wrap,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}}}); err != nil {
		return fmt.Errorf("header style: %w", err)
	}
	if qw.locked, err = qw.f.NewStyle(&excelize.Style{Alignment: wrap, NumFmt: 49}); err != nil {
		return fmt.Errorf("locked style: %w", err)
	}
	// Text format (49, "@") keeps what the supplier types as typed: a date stays 2026-03-31, not a serial.
	if qw.editable, err = qw.f.NewStyle(&excelize.Style{Alignment: wrap, NumFmt: 49, Protection: &excelize.Protection{Locked: false},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}}); err != nil {
		return fmt.Errorf("editable style: %w", err)
	}
	return nil
}

func (qw *questionnaireWriter) section(name string, sec QuestionSection, first bool) error {
	f := qw.f
	if first {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return err
	}
	if err := qw.row(name, 1, qw.header, questionHeaders[qw.ja]); err != nil {
		return err
	}
	for i, q := range sec.Questions {
		r := i + 2
		cells := []string{q.Key, q.Text, q.Type, optionsText(q), q.Answer, q.Comment, strings.Join(q.Evidence, "\n"),
			yesNo(q.Required, qw.ja), q.Condition, q.Clarification, q.Help}
		if err := qw.row(name, r, qw.locked, cells); err != nil {
			return err
		}
		if q.Locked {
			continue
		}
		answer, _ := excelize.CoordinatesToCellName(colAnswer, r)
		comment, _ := excelize.CoordinatesToCellName(colComment, r)
		if err := f.SetCellStyle(name, answer, comment, qw.editable); err != nil {
			return err
		}
		if err := qw.validation(name, answer, q); err != nil {
			return err
		}
	}
	widths := map[string]float64{"A": 24, "B": 60, "C": 14, "D": 30, "E": 30, "F": 30, "G": 24, "H": 8, "I": 24, "J": 30, "K": 40}
	for col, wd := range widths {
		if err := f.SetColWidth(name, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.ProtectSheet(name, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true,
		FormatColumns: true, FormatRows: true})
}

func (qw *questionnaireWriter) row(sheet string, r, style int, cells []string) error {
	start, _ := excelize.CoordinatesToCellName(1, r)
	end, _ := excelize.CoordinatesToCellName(columns, r)
	values := make([]any, len(cells))
	for i, s := range cells {
		values[i] = s
	}
	if err := qw.f.SetSheetRow(sheet, start, &values); err != nil {
		return err
	}
	return qw.f.SetCellStyle(sheet, start, end, style)
}

// validation offers a question's options as a drop-down; several values (multi_choice) and free answers
// get an input message instead, since a drop-down holds one value.
func (qw *questionnaireWriter) validation(sheet, cell string, q QuestionRow) error {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(cell)
	if len(q.Options) == 0 || q.Multi {
		hint := inputHint(q, qw.ja)
		if hint == "" {
			return nil
		}
		dv.SetInput("", hint)
		return qw.f.AddDataValidation(sheet, dv)
	}
	if err := dv.SetDropList(q.Options); err != nil {
		// Longer than a list written inline may be (255 characters): the list goes on a hidden sheet.
		ref, err := qw.list(q.Options)
		if err != nil {
			return err
		}
		dv.SetSqrefDropList(ref)
	}
	dv.SetError(excelize.DataValidationErrorStyleStop, "", strings.Join(q.Options, ", "))
	return qw.f.AddDataValidation(sheet, dv)
}

// inputHint is the message a cell shows while it is edited, for answers a drop-down cannot offer.
func inputHint(q QuestionRow, ja bool) string {
	switch {
	case q.Multi && ja:
		return "カンマ区切りで複数可: " + strings.Join(q.Options, ", ")
	case q.Multi:
		return "one or more, separated by commas: " + strings.Join(q.Options, ", ")
	case q.Type == "date" && ja:
		return "日付 (YYYY-MM-DD)"
	case q.Type == "date":
		return "a date as YYYY-MM-DD"
	case q.Type == "number" && ja:
		return "数値"
	case q.Type == "number":
		return "a number"
	}
	return ""
}

func (qw *questionnaireWriter) list(values []string) (string, error) {
	if qw.lists == 0 {
		if _, err := qw.f.NewSheet(listsSheet); err != nil {
			return "", err
		}
	}
	qw.lists++
	start, _ := excelize.CoordinatesToCellName(1, qw.lists)
	row := make([]any, len(values))
	for i, v := range values {
		row[i] = v
	}
	if err := qw.f.SetSheetRow(listsSheet, start, &row); err != nil {
		return "", err
	}
	last, _ := excelize.ColumnNumberToName(len(values))
	return fmt.Sprintf("'%s'!$A$%d:$%s$%d", listsSheet, qw.lists, last, qw.lists), nil
}

func optionsText(q QuestionRow) string {
	parts := make([]string, len(q.Options))
	for i, v := range q.Options {
		parts[i] = v
		if i < len(q.Labels) && q.Labels[i] != "" && q.Labels[i] != v {
			parts[i] += " = " + q.Labels[i]
		}
	}
	return strings.Join(parts, "\n")
}

func yesNo(b, ja bool) string {
	switch {
	case b && ja:
		return "必須"
	case b:
		return "yes"
	}
	return ""
}

// sheetNames turns section titles into unique sheet names: at most 31 characters, none of : \ / ? * [ ].
func sheetNames(sections []QuestionSection) []string {
	used := map[string]bool{listsSheet: true}
	out := make([]string, len(sections))
	for i, s := range sections {
		base := strings.Map(func(r rune) rune {
			if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
				return ' '
			}
			return r
		}, s.Title)
		base = strings.Trim(strings.TrimSpace(base), "'")
		if base == "" {
			base = "Section " + strconv.Itoa(i+1)
		}
		name := cut(base, 31)
		for n := 2; used[strings.ToLower(name)]; n++ {
			suffix := " (" + strconv.Itoa(n) + ")"
			name = cut(base, 31-len(suffix)) + suffix
		}
		used[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

// cut shortens s to at most n characters, at a space when one falls in the second half.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndex(string(r), " "); i > len(string(r))/2 {
		return strings.TrimSpace(string(r)[:i])
	}
	return strings.TrimSpace(string(r))
}

// Filled is what a returned questionnaire workbook holds: its identity and, per question row, the key,
// the answer and the comment with where they are.
type Filled struct {
	AssessmentID   string
	TemplateID     string
	TemplateNumber int
	Rows           []FilledRow
}

// FilledRow is one question row of a returned workbook.
type FilledRow struct {
	Sheet   string
	Row     int
	Key     string
	Answer  string
	Comment string
}

// KeyCell, AnswerCell and CommentCell name the row's cells as Excel shows them ("Access control!E7").
func (r FilledRow) KeyCell() string     { return cellRef(r.Sheet, colKey, r.Row) }
func (r FilledRow) AnswerCell() string  { return cellRef(r.Sheet, colAnswer, r.Row) }
func (r FilledRow) CommentCell() string { return cellRef(r.Sheet, colComment, r.Row) }

func cellRef(sheet string, col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return sheet + "!" + c
}

// ReadQuestionnaire reads a workbook written by WriteQuestionnaire (and filled in by a person). Rows
// without a key are skipped; a file that is not such a workbook is Invalid naming "file".
func ReadQuestionnaire(r io.Reader) (Filled, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return Filled{}, domain.Invalid("file", "is not an XLSX workbook")
	}
	defer f.Close()
	var out Filled
	props, err := f.GetCustomProps()
	if err != nil {
		return Filled{}, domain.Invalid("file", "its properties cannot be read")
	}
	for _, p := range props {
		switch p.Name {
		case propAssessment:
			out.AssessmentID, _ = p.Value.(string)
		case propTemplate:
			out.TemplateID, _ = p.Value.(string)
		case propTemplateNumber:
			n, _ := p.Value.(int32)
			out.TemplateNumber = int(n)
		}
	}
	if out.AssessmentID == "" {
		return Filled{}, domain.Invalid("file", "is not a questionnaire exported by vendorrisk (its assessment id property is missing)")
	}
	for _, name := range f.GetSheetList() {
		if name == listsSheet {
			continue
		}
		rows, err := f.GetRows(name)
		if err != nil {
			return Filled{}, domain.Invalidf("file", "sheet %s cannot be read", name)
		}
		for i, row := range rows {
			if i == 0 {
				continue // the header
			}
			key := strings.TrimSpace(at(row, colKey))
			if key == "" {
				continue
			}
			out.Rows = append(out.Rows, FilledRow{Sheet: name, Row: i + 1, Key: key, Answer: at(row, colAnswer), Comment: at(row, colComment)})
		}
	}
	return out, nil
}

func at(row []string, col int) string {
	if col-1 < len(row) {
		return row[col-1]
	}
	return ""
}
