package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// exportSheet downloads an assessment's workbook (path is the export path) and opens it.
func (a *asmEnv) exportSheet(t *testing.T, key, path, lang string) *excelize.File {
	t.Helper()
	r := must(t, a.do(t, "GET", path, key, nil, "Accept-Language", lang), http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != xlsxType {
		t.Fatalf("export Content-Type %q", ct)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatalf("the export is not a workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func (a *asmEnv) supplierSheet(t *testing.T, secret, id, lang string) *excelize.File {
	t.Helper()
	return a.exportSheet(t, secret, "/api/v1/supplier/assessments/"+id+"/export?format=xlsx", lang)
}

func workbook(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (a *asmEnv) importSheet(t *testing.T, secret, id string, file []byte, dryRun bool) resp {
	t.Helper()
	return a.do(t, "POST", fmt.Sprintf("/api/v1/supplier/assessments/%s/answers/import?dry_run=%v", id, dryRun), secret,
		upload{field: "file", name: "answers.xlsx", data: file})
}

// sheetRow is one question row of an exported workbook.
type sheetRow struct {
	sheet                  string
	row                    int
	key, answer, comment   string
	evidence, typ, options string
}

func sheetRows(t *testing.T, f *excelize.File) []sheetRow {
	t.Helper()
	var out []sheetRow
	for _, name := range f.GetSheetList() {
		if name == "_lists" {
			continue
		}
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows[1:] {
			cell := func(c int) string {
				if c < len(r) {
					return r[c]
				}
				return ""
			}
			out = append(out, sheetRow{sheet: name, row: i + 2, key: cell(0), typ: cell(2), options: cell(3), answer: cell(4),
				comment: cell(5), evidence: cell(6)})
		}
	}
	return out
}

func rowOf(t *testing.T, rows []sheetRow, key string) sheetRow {
	t.Helper()
	for _, r := range rows {
		if r.key == key {
			return r
		}
	}
	t.Fatalf("no row for %s", key)
	return sheetRow{}
}

func setCell(t *testing.T, f *excelize.File, sheet string, col string, row int, value string) {
	t.Helper()
	if err := f.SetCellStr(sheet, fmt.Sprintf("%s%d", col, row), value); err != nil {
		t.Fatal(err)
	}
}

// TestQuestionnaireXLSXBuiltIns answers each built-in questionnaire, exports it in English and in
// Japanese (internal and supplier), and imports the file unchanged: nothing changes. Then a changed
// answer and comment are imported through a dry run (nothing changes) and for real.
func TestQuestionnaireXLSXBuiltIns(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		e.tplLoadBuiltIns(t)
		var builtIns []api.TemplateResponse
		for _, tpl := range e.tplList(t, "") {
			if tpl.Key != "" && tpl.Status == "published" {
				builtIns = append(builtIns, tpl)
			}
		}
		if len(builtIns) < 2 {
			t.Fatalf("%d built-in templates, want both", len(builtIns))
		}
		for _, tpl := range builtIns {
			full := e.tplGet(t, tpl.ID)
			for _, lang := range []string{"en", "ja"} {
				t.Run(tpl.Key+"/"+lang, func(t *testing.T) {
					_, eng := a.engagement(t, "XLSX "+tpl.Key+" "+lang)
					asm := a.issue(t, eng, "template_id", tpl.ID, "depth", "core+extended")
					secret := a.send(t, asm.ID).SupplierKey.Secret
					a.answerEverything(t, secret, asm.ID)
					v := a.supplierGet(t, secret, asm.ID)

					f := a.supplierSheet(t, secret, asm.ID, lang)
					title := full.Sections[0].TitleI18n.EN
					if lang == "ja" {
						title = full.Sections[0].TitleI18n.JA
					}
					if sheets := f.GetSheetList(); !strings.HasPrefix(title, sheets[0]) {
						t.Errorf("first sheet %q, want the first section's title %q", sheets[0], title)
					}
					rows := sheetRows(t, f)
					if len(rows) != tpl.QuestionCount {
						t.Errorf("%d question rows, the template has %d questions", len(rows), tpl.QuestionCount)
					}
					for _, q := range v.Questions {
						r := rowOf(t, rows, q.Key)
						switch {
						case q.Type == "evidence":
							if r.evidence == "" {
								t.Errorf("%s: no evidence listed", q.Key)
							}
						case q.Answer == nil:
							t.Errorf("%s: not answered by the test", q.Key)
						case q.Type == "multi_choice":
							if r.answer != strings.Join(q.Answer.Values, ", ") {
								t.Errorf("%s: cell %q, answer %v", q.Key, r.answer, q.Answer.Values)
							}
						case r.answer != q.Answer.Value:
							t.Errorf("%s: cell %q, answer %q", q.Key, r.answer, q.Answer.Value)
						}
					}
					wantWorkbookRules(t, f, rows, v)

					// The internal export of the same assessment reads the same.
					internal := a.exportSheet(t, a.auditor, "/api/v1/assessments/"+asm.ID+"/export", lang)
					if got := sheetRows(t, internal); !slices.Equal(got, rows) {
						t.Errorf("the internal export differs from the supplier's")
					}

					// Unchanged: nothing changes, no event, no new answers version.
					last := e.lastAuditEvent(t)
					var rep api.AnswersImportReport
					must(t, a.importSheet(t, secret, asm.ID, workbook(t, f), false), http.StatusOK).into(t, &rep)
					if len(rep.Changed) != 0 || rep.AnswersVersion != v.AnswersVersion || rep.Unchanged != len(rows) {
						t.Errorf("unchanged file reported %+v (answers version %d)", rep, v.AnswersVersion)
					}
					if now := e.lastAuditEvent(t); now["seq"] != last["seq"] {
						t.Errorf("importing an unchanged file recorded %v", now["action"])
					}

					// A changed answer and a comment: the dry run reports them and changes nothing.
					var target sheetRow
					for _, q := range v.Questions {
						if q.Type == "yes_no" || q.Type == "yes_no_na" {
							target = rowOf(t, rows, q.Key)
							break
						}
					}
					if target.key == "" {
						t.Fatal("no yes/no question to change")
					}
					changedTo := "no"
					if target.answer == "no" {
						changedTo = "yes"
					}
					setCell(t, f, target.sheet, "E", target.row, changedTo)
					setCell(t, f, target.sheet, "F", target.row, "コメント: changed in Excel")
					file := workbook(t, f)
					must(t, a.importSheet(t, secret, asm.ID, file, true), http.StatusOK).into(t, &rep)
					if !rep.DryRun || len(rep.Changed) != 1 || rep.Changed[0].Key != target.key || rep.AnswersVersion != v.AnswersVersion {
						t.Errorf("dry run reported %+v", rep)
					}
					if now := e.lastAuditEvent(t); now["seq"] != last["seq"] {
						t.Errorf("a dry run recorded %v", now["action"])
					}
					if got := a.supplierGet(t, secret, asm.ID); got.AnswersVersion != v.AnswersVersion {
						t.Errorf("a dry run moved the answers version to %d", got.AnswersVersion)
					}
					must(t, a.importSheet(t, secret, asm.ID, file, false), http.StatusOK).into(t, &rep)
					if rep.DryRun || len(rep.Changed) != 1 || rep.AnswersVersion != v.AnswersVersion+1 {
						t.Errorf("import reported %+v", rep)
					}
					after := questionOf(t, a.supplierGet(t, secret, asm.ID), target.key)
					if after.Answer == nil || after.Answer.Value != changedTo || after.Answer.Comment != "コメント: changed in Excel" {
						t.Errorf("%s after import: %+v", target.key, after.Answer)
					}
					// Exported again and imported unchanged: nothing more changes.
					again := workbook(t, a.supplierSheet(t, secret, asm.ID, lang))
					must(t, a.importSheet(t, secret, asm.ID, again, false), http.StatusOK).into(t, &rep)
					if len(rep.Changed) != 0 || rep.AnswersVersion != v.AnswersVersion+1 {
						t.Errorf("second round trip reported %+v", rep)
					}
				})
			}
		}
	})
}

// wantWorkbookRules checks what the workbook lets a person do: every sheet protected, the answer and
// comment cells of answerable questions unlocked and every other cell locked, a drop-down on
// questions with options, and the assessment's id in the workbook's properties.
func wantWorkbookRules(t *testing.T, f *excelize.File, rows []sheetRow, v api.SupplierAssessmentResponse) {
	t.Helper()
	types := map[string]string{}
	for _, q := range v.Questions {
		types[q.Key] = q.Type
	}
	locked := func(sheet, cell string) bool {
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Protection == nil || st.Protection.Locked
	}
	drops := map[string]bool{}
	for _, name := range f.GetSheetList() {
		if name == "_lists" {
			continue
		}
		dvs, err := f.GetDataValidations(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, dv := range dvs {
			if dv.Type == "list" {
				drops[name+"!"+dv.Sqref] = true
			}
		}
	}
	for _, r := range rows {
		answerable := r.typ != "evidence"
		for _, col := range []string{"A", "B", "C", "D", "G"} {
			if !locked(r.sheet, fmt.Sprintf("%s%d", col, r.row)) {
				t.Errorf("%s!%s%d (%s) is not locked", r.sheet, col, r.row, r.key)
			}
		}
		for _, col := range []string{"E", "F"} {
			if locked(r.sheet, fmt.Sprintf("%s%d", col, r.row)) == answerable {
				t.Errorf("%s!%s%d (%s, %s): locked %v", r.sheet, col, r.row, r.key, r.typ, !answerable)
			}
		}
		choice := r.typ == "yes_no" || r.typ == "yes_no_na" || r.typ == "single_choice"
		if got := drops[fmt.Sprintf("%s!E%d", r.sheet, r.row)]; got != choice {
			t.Errorf("%s (%s): drop-down %v", r.key, r.typ, got)
		}
	}
	props, err := f.GetCustomProps()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(props, func(p excelize.CustomProperty) bool {
		return p.Name == "vendorrisk.assessment_id" && p.Value == v.ID
	}) {
		t.Errorf("the workbook's properties %v do not name assessment %s", props, v.ID)
	}
}

// TestQuestionnaireXLSXRefused: invalid answers are refused with their cells and keys and nothing is
// saved; a file whose keys differ, or made for another assessment, is refused listing the keys; a
// supplier cannot export or import another vendor's assessment, an auditor cannot import.
func TestQuestionnaireXLSXRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "XLSX Refused")
		a.mustSave(t, secret, asm.ID, av("has_policy", "no"), av("uses_subs", "no"))
		before := a.supplierGet(t, secret, asm.ID)
		f := a.supplierSheet(t, secret, asm.ID, "en")
		rows := sheetRows(t, f)
		if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"General", "Extended"}) {
			t.Errorf("sheets %q", sheets)
		}

		t.Run("invalid answers", func(t *testing.T) {
			g, _ := excelize.OpenReader(bytes.NewReader(workbook(t, f)))
			defer g.Close()
			staff, hosting, date := rowOf(t, rows, "staff_count"), rowOf(t, rows, "hosting"), rowOf(t, rows, "policy_date")
			setCell(t, g, staff.sheet, "E", staff.row, "many")
			setCell(t, g, hosting.sheet, "E", hosting.row, "azure")
			setCell(t, g, date.sheet, "E", date.row, "2025-01-01") // shown only when has_policy is yes: refused
			notes := rowOf(t, rows, "notes")
			setCell(t, g, notes.sheet, "E", notes.row, "fine") // valid, but not saved with the others
			last := e.lastAuditEvent(t)
			for _, dry := range []bool{true, false} {
				r := a.importSheet(t, secret, asm.ID, workbook(t, g), dry)
				wantProblem(t, r, http.StatusUnprocessableEntity, "General!E11", "General!E8", "General!E3")
				for _, fp := range r.JSON["errors"].([]any) {
					m := fp.(map[string]any)
					if !strings.Contains(m["message"].(string), ":") {
						t.Errorf("error %v does not name its question", m)
					}
				}
				if fields := problemFields(r); len(fields) != 3 {
					t.Errorf("fields %v, want the three bad cells", fields)
				}
			}
			if after := a.supplierGet(t, secret, asm.ID); after.AnswersVersion != before.AnswersVersion {
				t.Errorf("a refused import saved answers: version %d → %d", before.AnswersVersion, after.AnswersVersion)
			}
			if now := e.lastAuditEvent(t); now["seq"] != last["seq"] {
				t.Errorf("a refused import recorded %v", now["action"])
			}
		})

		t.Run("mismatched questions", func(t *testing.T) {
			g, _ := excelize.OpenReader(bytes.NewReader(workbook(t, f)))
			defer g.Close()
			notes := rowOf(t, rows, "notes")
			setCell(t, g, notes.sheet, "A", notes.row, "remarks") // renamed
			pentest := rowOf(t, rows, "pentest")
			if err := g.RemoveRow(pentest.sheet, pentest.row); err != nil { // missing
				t.Fatal(err)
			}
			r := a.importSheet(t, secret, asm.ID, workbook(t, g), false)
			wantProblem(t, r, http.StatusUnprocessableEntity, "General!A12", "questions.notes", "questions.pentest")
			if !strings.Contains(r.String(), "remarks") {
				t.Errorf("the problem does not name the unknown key: %s", r)
			}
		})

		t.Run("another assessment's file", func(t *testing.T) {
			other, otherSecret := a.sent(t, "XLSX Other")
			file := workbook(t, a.supplierSheet(t, otherSecret, other.ID, "en"))
			wantProblem(t, a.importSheet(t, secret, asm.ID, file, false), http.StatusUnprocessableEntity, "file")
			// Not a workbook at all.
			wantProblem(t, a.importSheet(t, secret, asm.ID, []byte("key,answer\n"), false), http.StatusUnprocessableEntity, "file")
		})

		t.Run("isolation", func(t *testing.T) {
			file := workbook(t, f)
			otherVendor := e.key(t, auth.RoleSupplier, e.newVendor(t, "XLSX Stranger"))
			wantProblem(t, a.do(t, "GET", "/api/v1/supplier/assessments/"+asm.ID+"/export", otherVendor, nil), http.StatusNotFound)
			wantProblem(t, a.importSheet(t, otherVendor, asm.ID, file, false), http.StatusNotFound)
			wantProblem(t, a.importSheet(t, otherVendor, asm.ID, file, true), http.StatusNotFound)
			wantProblem(t, a.do(t, "GET", "/api/v1/assessments/"+asm.ID+"/export", secret, nil), http.StatusNotFound)
			wantProblem(t, a.importSheet(t, a.auditor, asm.ID, file, false), http.StatusForbidden)
			wantProblem(t, a.importSheet(t, a.proc, asm.ID, file, false), http.StatusForbidden)
			if after := a.supplierGet(t, secret, asm.ID); after.AnswersVersion != before.AnswersVersion {
				t.Errorf("a refused import saved answers")
			}
		})
	})
}

// changedSheet is an exported workbook with the first question's answer (row 2 of the first sheet)
// turned from yes to no.
func changedSheet(t *testing.T, exported []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(exported))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	setCell(t, f, f.GetSheetList()[0], "E", 2, "no")
	return workbook(t, f)
}
