package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/vendorrisk/vendorrisk/api"
)

func (e *env) tplExportXLSX(t *testing.T, id string) []byte {
	t.Helper()
	r := must(t, e.do(t, "GET", tplPath+"/"+id+"/export?format=xlsx", e.admin, nil), http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != xlsxType {
		t.Fatalf("export Content-Type %q", ct)
	}
	return r.Raw
}

func (e *env) tplImportXLSX(t *testing.T, key string, file []byte) resp {
	t.Helper()
	return e.do(t, "POST", tplPath+"/import?format=xlsx", key, upload{field: "file", name: "template.xlsx", data: file})
}

// TestTemplateXLSXRoundTrip: each built-in template and the assessment tests' template (conditions,
// options, evidence rules, an extended section) exported as a workbook and imported again is a draft
// whose JSON export equals the original's.
func TestTemplateXLSXRoundTrip(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		e.tplLoadBuiltIns(t)
		ids := map[string]string{"assessment test template": a.tpl}
		for _, tpl := range e.tplList(t, "status=published") {
			if tpl.Key != "" {
				ids[tpl.Key] = tpl.ID
			}
		}
		if len(ids) < 3 {
			t.Fatalf("templates %v, want both built-ins and the test template", ids)
		}
		for name, id := range ids {
			t.Run(name, func(t *testing.T) {
				want := e.tplExport(t, id)
				r := must(t, e.tplImportXLSX(t, e.admin, e.tplExportXLSX(t, id)), http.StatusCreated)
				var draft api.TemplateResponse
				r.into(t, &draft)
				if draft.Status != "draft" || draft.ID == id {
					t.Errorf("imported %s as %s %s", id, draft.ID, draft.Status)
				}
				if got := e.tplExport(t, draft.ID); !bytes.Equal(got, want) {
					t.Errorf("the workbook's round trip differs from the JSON export:\n%s\nwant\n%s", got, want)
				}
			})
		}
	})
}

// TestTemplateXLSXRefused: cells that cannot be read, and content the template rules refuse, are
// listed with their cells, every one, and no template is stored.
func TestTemplateXLSXRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		exported := e.tplExportXLSX(t, a.tpl)
		edit := func(t *testing.T, cells map[string]string) []byte {
			f, err := excelize.OpenReader(bytes.NewReader(exported))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for ref, v := range cells {
				sheet, cell, _ := bytes.Cut([]byte(ref), []byte("!"))
				if err := f.SetCellStr(string(sheet), string(cell), v); err != nil {
					t.Fatal(err)
				}
			}
			return workbook(t, f)
		}
		cases := []struct {
			name   string
			cells  map[string]string
			fields []string
		}{
			{"unreadable cells", map[string]string{"Questions!H3": "ten", "Options!E9": "high", "Questions!A5": "nowhere",
				"Questions!I4": "perhaps"}, []string{"Questions!H3", "Options!E9", "Questions!A5", "Questions!I4"}},
			{"broken rules", map[string]string{"Questions!H3": "11", "Questions!G5": "essay", "Questions!O2": "pentest",
				"Options!B9": "Bad Value", "Template!B4": ""}, []string{"Questions!H3", "Questions!G5", "Questions!O2", "Options!B9", "Template!B4"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.tplCount(t)
				r := e.tplImportXLSX(t, e.admin, edit(t, tc.cells))
				wantProblem(t, r, http.StatusUnprocessableEntity, tc.fields...)
				if got := problemFields(r); len(got) != len(tc.fields) {
					t.Errorf("fields %v, want %v", got, tc.fields)
				}
				if after := e.tplCount(t); after != before {
					t.Errorf("a refused workbook stored a template (%d → %d)", before, after)
				}
			})
		}
		wantProblem(t, e.tplImportXLSX(t, e.admin, []byte("not a workbook")), http.StatusUnprocessableEntity, "file")
		wantProblem(t, e.tplImportXLSX(t, a.auditor, exported), http.StatusForbidden)
		wantProblem(t, e.do(t, "GET", tplPath+"/"+a.tpl+"/export?format=pdf", e.admin, nil), http.StatusUnprocessableEntity, "format")
	})
}
