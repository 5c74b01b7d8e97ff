package sheet

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSheetNames(t *testing.T) {
	tests := []struct {
		name   string
		titles []string
		want   []string
	}{
		{"plain", []string{"Access control", "アクセス制御"}, []string{"Access control", "アクセス制御"}},
		{"characters Excel refuses", []string{"Data: at rest/in transit [core]?", "'quoted'"},
			[]string{"Data  at rest in transit  core", "quoted"}},
		{"too long", []string{strings.Repeat("x", 40)}, []string{strings.Repeat("x", 31)}},
		{"too long, cut at a word", []string{"Devices, private PCs and file sharing"}, []string{"Devices, private PCs and file"}},
		{"repeated, in any case", []string{"Staff", "STAFF", "staff"}, []string{"Staff", "STAFF (2)", "staff (3)"}},
		{"empty", []string{"", "  "}, []string{"Section 1", "Section 2"}},
		{"the lists sheet's name", []string{"_lists"}, []string{"_lists (2)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var secs []QuestionSection
			for _, title := range tc.titles {
				secs = append(secs, QuestionSection{Title: title})
			}
			if got := sheetNames(secs); !slices.Equal(got, tc.want) {
				t.Errorf("sheetNames(%q) = %q, want %q", tc.titles, got, tc.want)
			}
		})
	}
}

// TestQuestionnaireLongList: options too long for an inline drop-down go to the hidden lists sheet,
// which the reader skips; the workbook reads back with its identity and rows.
func TestQuestionnaireLongList(t *testing.T) {
	var options []string
	for i := range 20 {
		options = append(options, "a_rather_long_option_value_"+strings.Repeat("x", i))
	}
	q := Questionnaire{AssessmentID: "asm-1", TemplateID: "tpl-1", TemplateNumber: 3, Sections: []QuestionSection{
		{Title: "Long", Questions: []QuestionRow{
			{Key: "pick", Text: "Pick one", Type: "single_choice", Options: options, Answer: options[7]},
			{Key: "short", Text: "Yes?", Type: "yes_no", Options: []string{"yes", "no"}, Comment: "c"},
			{Key: "file", Text: "Upload", Type: "evidence", Locked: true, Evidence: []string{"a.pdf", "b.pdf"}},
		}}}}
	var buf bytes.Buffer
	if err := WriteQuestionnaire(&buf, q); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if vis, _ := f.GetSheetVisible(listsSheet); vis {
		t.Errorf("the lists sheet is visible")
	}
	dvs, err := f.GetDataValidations("Long")
	if err != nil {
		t.Fatal(err)
	}
	formulas := map[string]string{}
	for _, dv := range dvs {
		formulas[dv.Sqref] = dv.Formula1
	}
	if got := formulas["E2"]; !strings.Contains(got, "'"+listsSheet+"'!$A$1:$T$1") {
		t.Errorf("E2's drop-down %q, want the lists sheet's row", got)
	}
	if got := formulas["E3"]; !strings.Contains(got, "yes,no") {
		t.Errorf("E3's drop-down %q, want yes,no inline", got)
	}
	if _, ok := formulas["E4"]; ok {
		t.Errorf("the evidence question has a validation")
	}
	filled, err := ReadQuestionnaire(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if filled.AssessmentID != "asm-1" || filled.TemplateID != "tpl-1" || filled.TemplateNumber != 3 {
		t.Errorf("identity %+v", filled)
	}
	want := []FilledRow{{Sheet: "Long", Row: 2, Key: "pick", Answer: options[7]}, {Sheet: "Long", Row: 3, Key: "short", Comment: "c"},
		{Sheet: "Long", Row: 4, Key: "file"}}
	if !slices.Equal(filled.Rows, want) {
		t.Errorf("rows %+v, want %+v", filled.Rows, want)
	}
	if got := filled.Rows[1].CommentCell(); got != "Long!F3" {
		t.Errorf("comment cell %q", got)
	}
}
