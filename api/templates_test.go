package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

const tplPath = "/api/v1/questionnaire-templates"

// tplJSON is a valid, publishable draft in both languages, without control references (the catalog
// of the plain env is empty): a yes/no question, a conditional single choice with a score 0 option,
// and a question whose Japanese text tests fill in or leave out.
const tplJSON = `{
  "name": {"en": "Staff security", "ja": "要員のセキュリティ"},
  "description": {"en": "For contractors.", "ja": "委託先向け。"},
  "vendor_kinds": ["contractor"],
  "sections": [
    {"key": "staff", "title": {"en": "Staff", "ja": "要員"}, "questions": [
      {"key": "staff_nda", "text": {"en": "Do staff sign an NDA?", "ja": "従業員は秘密保持契約に署名していますか。"},
       "help": {"en": "Include temporary staff.", "ja": "派遣社員を含みます。"}, "type": "yes_no", "weight": 5, "required": true,
       "evidence": {"mode": "when_answer", "when_answer": ["yes"]}, "severity": "high", "threat_category": "internal_malicious",
       "control_refs": [], "depth": "core"},
      {"key": "training", "text": {"en": "How often is security training held?", "ja": "セキュリティ教育の頻度は。"},
       "type": "single_choice", "options": [
         {"value": "yearly", "label": {"en": "Every year", "ja": "毎年"}, "score": 100},
         {"value": "never", "label": {"en": "Never", "ja": "実施していない"}, "score": 0}],
       "weight": 3, "evidence": {"mode": "none"}, "severity": "medium", "threat_category": "internal_error",
       "control_refs": [], "condition": {"question": "staff_nda", "any_of": ["yes"]}, "depth": "extended"}
    ]},
    {"key": "access", "title": {"en": "Access", "ja": "アクセス"}, "questions": [
      {"key": "access_review", "text": {"en": "Are access rights reviewed?", "ja": "アクセス権は見直されていますか。"},
       "type": "yes_no_na", "weight": 10, "required": true, "evidence": {"mode": "always"}, "severity": "critical",
       "threat_category": "external", "control_refs": [], "depth": "core"}
    ]}
  ]
}`

// tplBody returns a fresh copy of tplJSON with name as its English name.
func tplBody(t *testing.T, name string) map[string]any {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal([]byte(tplJSON), &b); err != nil {
		t.Fatal(err)
	}
	b["name"].(map[string]any)["en"] = name
	return b
}

// tplQ returns question j of section i of a body, to change it.
func tplQ(b map[string]any, i, j int) map[string]any {
	return b["sections"].([]any)[i].(map[string]any)["questions"].([]any)[j].(map[string]any)
}

// tplCreate creates a draft as admin and returns the response.
func (e *env) tplCreate(t *testing.T, body any) api.TemplateResponse {
	t.Helper()
	var out api.TemplateResponse
	must(t, e.do(t, "POST", tplPath, e.admin, body), http.StatusCreated).into(t, &out)
	return out
}

// tplGet reads a template as admin.
func (e *env) tplGet(t *testing.T, id string) api.TemplateResponse {
	t.Helper()
	var out api.TemplateResponse
	must(t, e.do(t, "GET", tplPath+"/"+id, e.admin, nil), http.StatusOK).into(t, &out)
	return out
}

// tplExport returns the raw export of a template.
func (e *env) tplExport(t *testing.T, id string) []byte {
	t.Helper()
	r := must(t, e.do(t, "GET", tplPath+"/"+id+"/export", e.admin, nil), http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("export Content-Type %q", ct)
	}
	return r.Raw
}

// tplLoadBuiltIns loads the built-in catalogs, then the built-in templates, as cmd/vendorrisk does at
// start; it returns the documents and how many templates were published.
func (e *env) tplLoadBuiltIns(t *testing.T) ([][]byte, int) {
	t.Helper()
	if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
		t.Fatalf("catalog EnsureBuiltIn: %v", err)
	}
	docs, err := questionnaire.BuiltInDocuments()
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.templates.EnsureBuiltIn(t.Context(), docs)
	if err != nil {
		t.Fatalf("templates EnsureBuiltIn: %v", err)
	}
	return docs, n
}

// tplList lists templates as admin (up to 200) with the query string q.
func (e *env) tplList(t *testing.T, q string) []api.TemplateResponse {
	t.Helper()
	var out api.TemplateList
	must(t, e.do(t, "GET", tplPath+"?limit=200&"+q, e.admin, nil), http.StatusOK).into(t, &out)
	if out.NextCursor != "" {
		t.Fatalf("more than 200 templates")
	}
	return out.Items
}

// tplByKey finds the templates of a built-in key in a list.
func tplByKey(items []api.TemplateResponse, key string) []api.TemplateResponse {
	var out []api.TemplateResponse
	for _, it := range items {
		if it.Key == key {
			out = append(out, it)
		}
	}
	return out
}

// tplCount counts the stored templates straight in the database.
func (e *env) tplCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM questionnaire_templates").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantETag(t *testing.T, r resp, version int) {
	t.Helper()
	if got, want := r.Header.Get("ETag"), `"`+strconv.Itoa(version)+`"`; got != want {
		t.Errorf("ETag %q, want %q", got, want)
	}
}

func TestTemplateLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// Create: a draft, version 1, its own family, number 1.
		r := must(t, e.do(t, "POST", tplPath, e.admin, tplBody(t, "Staff security")), http.StatusCreated)
		wantETag(t, r, 1)
		var v1 api.TemplateResponse
		r.into(t, &v1)
		if r.Header.Get("Location") != tplPath+"/"+v1.ID {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		if v1.Status != "draft" || v1.Number != 1 || v1.FamilyID != v1.ID || v1.Version != 1 || v1.BuiltIn || v1.Key != "" ||
			v1.PublishedAt != nil || v1.QuestionCount != 3 || v1.CoreCount != 2 || len(v1.Sections) != 2 {
			t.Errorf("created draft: %+v", v1)
		}
		// The yes/no questions got their default options, explicit in the stored template.
		if o := v1.Sections[1].Questions[0].Options; len(o) != 3 || o[0].Value != "yes" || o[0].Score != 100 || o[2].Value != "na" {
			t.Errorf("yes_no_na default options: %+v", o)
		}
		wantETag(t, must(t, e.do(t, "GET", tplPath+"/"+v1.ID, e.admin, nil), http.StatusOK), 1)

		// PATCH with If-Match: stale -> 412 and nothing changes; current -> 200 and version 2.
		edit := tplBody(t, "Staff security (edited)")
		for _, tag := range []string{`"2"`, `"0"`, `W/"9"`, `"abc"`} {
			wantProblem(t, e.do(t, "PATCH", tplPath+"/"+v1.ID, e.admin, edit, "If-Match", tag), http.StatusPreconditionFailed)
		}
		if got := e.tplGet(t, v1.ID); got.Name != "Staff security" || got.Version != 1 {
			t.Fatalf("a refused PATCH changed the draft: %q version %d", got.Name, got.Version)
		}
		r = must(t, e.do(t, "PATCH", tplPath+"/"+v1.ID, e.admin, edit, "If-Match", `"1"`), http.StatusOK)
		wantETag(t, r, 2)
		if got := e.tplGet(t, v1.ID); got.Name != "Staff security (edited)" || got.Version != 2 || got.Status != "draft" {
			t.Errorf("after PATCH: %q version %d %s", got.Name, got.Version, got.Status)
		}
		wantProblem(t, e.do(t, "PATCH", tplPath+"/"+v1.ID, e.admin, edit, "If-Match", `"1"`), http.StatusPreconditionFailed)

		// Publish: stale If-Match -> 412; then 200, published, immutable.
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/publish", e.admin, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
		e.clock.Advance(time.Hour)
		r = must(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/publish", e.admin, nil, "If-Match", `"2"`), http.StatusOK)
		wantETag(t, r, 3)
		var pub api.TemplateResponse
		r.into(t, &pub)
		if pub.Status != "published" || pub.PublishedAt == nil || !pub.PublishedAt.Equal(e.clock.Now()) || pub.Version != 3 {
			t.Errorf("published: status %s published_at %v version %d", pub.Status, pub.PublishedAt, pub.Version)
		}
		wantProblem(t, e.do(t, "PATCH", tplPath+"/"+v1.ID, e.admin, edit), http.StatusConflict)
		wantProblem(t, e.do(t, "PATCH", tplPath+"/"+v1.ID, e.admin, edit, "If-Match", `"3"`), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/publish", e.admin, nil), http.StatusConflict)
		if got := e.tplGet(t, v1.ID); got.Version != 3 || got.Name != "Staff security (edited)" {
			t.Errorf("a refused change touched the published template: %+v", got)
		}

		// New version: a draft of the same family, number 2, the same content.
		r = must(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/new-version", e.admin, nil), http.StatusCreated)
		var v2 api.TemplateResponse
		r.into(t, &v2)
		if v2.ID == v1.ID || v2.FamilyID != v1.FamilyID || v2.Number != 2 || v2.Status != "draft" || v2.Version != 1 ||
			v2.PublishedAt != nil || r.Header.Get("Location") != tplPath+"/"+v2.ID {
			t.Errorf("new version: %+v", v2)
		}
		if !reflect.DeepEqual(v2.Sections, pub.Sections) || v2.NameI18n != pub.NameI18n || !slices.Equal(v2.VendorKinds, pub.VendorKinds) {
			t.Errorf("new version content differs from the published one")
		}
		if a, b := e.tplExport(t, v1.ID), e.tplExport(t, v2.ID); !bytes.Equal(a, b) {
			t.Errorf("exports of v1 and its new version differ:\n%s\n---\n%s", a, b)
		}
		// One draft per family; a draft is edited, not versioned.
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/new-version", e.admin, nil), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v2.ID+"/new-version", e.admin, nil), http.StatusConflict)
		other := e.tplCreate(t, tplBody(t, "Other draft"))
		wantProblem(t, e.do(t, "POST", tplPath+"/"+other.ID+"/new-version", e.admin, nil), http.StatusConflict)

		// Archive: a draft cannot be archived; a published template can, once.
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v2.ID+"/archive", e.admin, nil), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/archive", e.admin, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
		r = must(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/archive", e.admin, nil, "If-Match", `"3"`), http.StatusOK)
		wantETag(t, r, 4)
		if r.str("status") != "archived" {
			t.Errorf("archive: status %q", r.str("status"))
		}
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/archive", e.admin, nil), http.StatusConflict)
		wantProblem(t, e.do(t, "PATCH", tplPath+"/"+v1.ID, e.admin, edit), http.StatusConflict)
		// Still one draft in the family, even when versioning the archived template.
		wantProblem(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/new-version", e.admin, nil), http.StatusConflict)

		// Publish v2; now the archived v1 may be versioned again: number 3, v1's content.
		must(t, e.do(t, "POST", tplPath+"/"+v2.ID+"/publish", e.admin, nil), http.StatusOK)
		var v3 api.TemplateResponse
		must(t, e.do(t, "POST", tplPath+"/"+v1.ID+"/new-version", e.admin, nil), http.StatusCreated).into(t, &v3)
		if v3.Number != 3 || v3.FamilyID != v1.FamilyID {
			t.Errorf("version of an archived template: number %d family %s", v3.Number, v3.FamilyID)
		}
		fam := e.tplList(t, "family_id="+v1.FamilyID)
		var got []string
		for _, it := range fam {
			got = append(got, strconv.Itoa(it.Number)+":"+it.Status)
		}
		if want := []string{"1:archived", "2:published", "3:draft"}; !slices.Equal(got, want) {
			t.Errorf("family list %v, want %v", got, want)
		}
		for _, it := range fam {
			if it.Sections != nil {
				t.Errorf("list items carry sections")
			}
		}

		// Unknown and malformed ids are 404 on every route.
		for _, id := range []string{unknownID(), "not-an-id"} {
			wantProblem(t, e.do(t, "GET", tplPath+"/"+id, e.admin, nil), http.StatusNotFound)
			wantProblem(t, e.do(t, "GET", tplPath+"/"+id+"/export", e.admin, nil), http.StatusNotFound)
			wantProblem(t, e.do(t, "PATCH", tplPath+"/"+id, e.admin, edit), http.StatusNotFound)
			for _, action := range []string{"publish", "archive", "new-version"} {
				wantProblem(t, e.do(t, "POST", tplPath+"/"+id+"/"+action, e.admin, nil), http.StatusNotFound)
			}
		}
	})
}

// TestTemplatePublishReportsEveryProblem: drafts may be incomplete, publishing may not; the 422 names
// every problem, and the draft stays a draft.
func TestTemplatePublishReportsEveryProblem(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		b := tplBody(t, "Incomplete")
		tplQ(b, 0, 0)["text"] = map[string]any{"en": "NDA?"}
		tplQ(b, 1, 0)["text"] = map[string]any{"en": "Reviews?", "ja": " "}
		b["sections"] = append(b["sections"].([]any), map[string]any{"key": "later", "title": map[string]any{"en": "Later"}})
		draft := e.tplCreate(t, b)

		r := e.do(t, "POST", tplPath+"/"+draft.ID+"/publish", e.admin, nil)
		want := []string{"sections[0].questions[0].text.ja", "sections[1].questions[0].text.ja", "sections[2].questions"}
		wantProblem(t, r, http.StatusUnprocessableEntity, want...)
		if got := problemFields(r); !slices.Equal(got, want) {
			t.Errorf("errors[] %q, want exactly %q", got, want)
		}
		if got := e.tplGet(t, draft.ID); got.Status != "draft" || got.Version != 1 || got.PublishedAt != nil {
			t.Errorf("after a refused publish: %s version %d", got.Status, got.Version)
		}

		empty := e.tplCreate(t, map[string]any{"name": map[string]any{"en": "Empty"}})
		r = e.do(t, "POST", tplPath+"/"+empty.ID+"/publish", e.admin, nil)
		wantProblem(t, r, http.StatusUnprocessableEntity, "sections")
		if got := e.tplGet(t, empty.ID); got.Status != "draft" {
			t.Errorf("an empty template was published")
		}

		// Fixing the draft makes it publishable.
		must(t, e.do(t, "PATCH", tplPath+"/"+draft.ID, e.admin, tplBody(t, "Complete")), http.StatusOK)
		must(t, e.do(t, "POST", tplPath+"/"+draft.ID+"/publish", e.admin, nil), http.StatusOK)
	})
}

// TestTemplateWriteValidation: content rules are checked on every write, with the JSON path of the
// problem, and a refused write stores nothing.
func TestTemplateWriteValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
			t.Fatal(err)
		}
		ok := tplBody(t, "Refs")
		tplQ(ok, 0, 0)["control_refs"] = []string{"iso27001-2022:6.6", "iso27001-2013:A.15.1.2"}
		draft := e.tplCreate(t, ok)
		if refs := draft.Sections[0].Questions[0].ControlRefs; !slices.Equal(refs, []string{"iso27001-2022:6.6", "iso27001-2013:A.15.1.2"}) {
			t.Errorf("control refs %v", refs)
		}
		must(t, e.do(t, "POST", tplPath+"/"+draft.ID+"/publish", e.admin, nil), http.StatusOK)

		cases := []struct {
			name   string
			mutate func(b map[string]any)
			field  string
		}{
			{"unknown control ref", func(b map[string]any) {
				tplQ(b, 1, 0)["control_refs"] = []string{"iso27001-2022:5.19", "iso27001-2022:99.99"}
			}, "sections[1].questions[0].control_refs[1]"},
			{"control ref without framework", func(b map[string]any) { tplQ(b, 0, 1)["control_refs"] = []string{"5.19"} },
				"sections[0].questions[1].control_refs[0]"},
			{"unknown framework", func(b map[string]any) { tplQ(b, 0, 0)["control_refs"] = []string{"pci-dss:1.1"} },
				"sections[0].questions[0].control_refs[0]"},
			{"condition pointing forward", func(b map[string]any) {
				tplQ(b, 0, 0)["condition"] = map[string]any{"question": "access_review", "any_of": []string{"yes"}}
			}, "sections[0].questions[0].condition.question"},
			{"condition value", func(b map[string]any) { tplQ(b, 0, 1)["condition"].(map[string]any)["any_of"] = []string{"maybe"} },
				"sections[0].questions[1].condition.any_of[0]"},
			{"score 101", func(b map[string]any) { tplQ(b, 0, 1)["options"].([]any)[1].(map[string]any)["score"] = 101 },
				"sections[0].questions[1].options[1].score"},
			{"weight 11", func(b map[string]any) { tplQ(b, 1, 0)["weight"] = 11 }, "sections[1].questions[0].weight"},
			{"duplicate question key", func(b map[string]any) { tplQ(b, 1, 0)["key"] = "staff_nda" }, "sections[1].questions[0].key"},
			{"bad vendor kind", func(b map[string]any) { b["vendor_kinds"] = []string{"bank"} }, "vendor_kinds[0]"},
		}
		before := e.tplCount(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := tplBody(t, "Bad "+tc.name)
				tc.mutate(b)
				r := e.do(t, "POST", tplPath, e.admin, b)
				wantProblem(t, r, http.StatusUnprocessableEntity, tc.field)
				edit := e.tplCreate(t, tplBody(t, "To edit"))
				before++
				wantProblem(t, e.do(t, "PATCH", tplPath+"/"+edit.ID, e.admin, b), http.StatusUnprocessableEntity, tc.field)
				if got := e.tplGet(t, edit.ID); got.Version != 1 || got.Name != "To edit" {
					t.Errorf("a refused PATCH changed the draft")
				}
			})
		}
		if got := e.tplCount(t); got != before {
			t.Errorf("%d templates stored, want %d: a refused create stored something", got, before)
		}
		// Shape errors are 400.
		b := tplBody(t, "Unknown field")
		tplQ(b, 0, 0)["points"] = 3
		wantProblem(t, e.do(t, "POST", tplPath, e.admin, b), http.StatusBadRequest)
	})
}

// TestTemplateRepeatedVendorKind: vendor_kinds is a set. It is stored as ",a,b," in a VARCHAR(100)
// on MySQL, so a repeated kind must be refused as a 422 naming the repeat, never stored (SQLite) or
// turned into a database error and a 500 (MySQL).
func TestTemplateRepeatedVendorKind(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		edit := e.tplCreate(t, tplBody(t, "To edit"))
		before := e.tplCount(t)
		for _, kinds := range [][]string{
			{"contractor", "contractor"},
			slices.Repeat([]string{"cloud_provider"}, 8), // 129 characters once stored
		} {
			b := tplBody(t, "Repeated kinds")
			b["vendor_kinds"] = kinds
			wantProblem(t, e.do(t, "POST", tplPath, e.admin, b), http.StatusUnprocessableEntity, "vendor_kinds[1]")
			wantProblem(t, e.do(t, "PATCH", tplPath+"/"+edit.ID, e.admin, b), http.StatusUnprocessableEntity, "vendor_kinds[1]")
		}
		if got := e.tplCount(t); got != before {
			t.Errorf("%d templates stored, want %d", got, before)
		}
		if got := e.tplGet(t, edit.ID); got.Version != 1 || !slices.Equal(got.VendorKinds, []string{"contractor"}) {
			t.Errorf("the draft changed: version %d kinds %v", got.Version, got.VendorKinds)
		}
	})
}

// TestTemplateExportImport: export -> import -> export gives the same bytes, for the built-ins (whose
// export is their data file) and for a custom template; a broken document stores nothing.
func TestTemplateExportImport(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		docs, n := e.tplLoadBuiltIns(t)
		if n != 2 || len(docs) != 2 {
			t.Fatalf("EnsureBuiltIn published %d of %d", n, len(docs))
		}
		custom := e.tplCreate(t, tplBody(t, "Custom <export> & import"))
		subjects := []struct {
			name, id string
			file     string // the data file the export must equal, if any
		}{{"custom draft", custom.ID, ""}}
		items := e.tplList(t, "")
		for _, key := range []string{"contractor-security", "cloud-provider-security"} {
			found := tplByKey(items, key)
			if len(found) != 1 {
				t.Fatalf("built-in %s: %d templates", key, len(found))
			}
			subjects = append(subjects, struct{ name, id, file string }{key, found[0].ID, "../domain/questionnaire/data/" + key + ".json"})
		}
		for _, s := range subjects {
			t.Run(s.name, func(t *testing.T) {
				r := must(t, e.do(t, "GET", tplPath+"/"+s.id+"/export", e.admin, nil), http.StatusOK)
				first := r.Raw
				if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".json") {
					t.Errorf("Content-Disposition %q", cd)
				}
				if s.file != "" {
					want, err := os.ReadFile(s.file)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(first, want) {
						t.Errorf("export of %s (%d bytes) differs from its data file (%d bytes)", s.name, len(first), len(want))
					}
				}
				var imported api.TemplateResponse
				must(t, e.do(t, "POST", tplPath+"/import", e.admin, first), http.StatusCreated).into(t, &imported)
				if imported.ID == s.id || imported.Status != "draft" || imported.Number != 1 || imported.FamilyID != imported.ID || imported.BuiltIn {
					t.Errorf("imported: %+v", imported)
				}
				second := e.tplExport(t, imported.ID)
				if !bytes.Equal(first, second) {
					t.Errorf("export -> import -> export changed the bytes (%d -> %d)", len(first), len(second))
				}
				// The imported copy is a normal draft: it can be published as is.
				must(t, e.do(t, "POST", tplPath+"/"+imported.ID+"/publish", e.admin, nil), http.StatusOK)
				if third := e.tplExport(t, imported.ID); !bytes.Equal(first, third) {
					t.Errorf("publishing changed the export")
				}
			})
		}

		// Broken documents: 4xx, nothing stored.
		good := string(e.tplExport(t, custom.ID))
		before := e.tplCount(t)
		broken := []struct {
			name   string
			doc    string
			status int
			field  string
		}{
			{"unknown field", strings.Replace(good, `"weight": 5,`, `"weight": 5, "points": 5,`, 1), http.StatusUnprocessableEntity, ""},
			{"unknown top-level field", strings.Replace(good, `"key": "",`, `"key": "", "id": "x",`, 1), http.StatusUnprocessableEntity, ""},
			{"bad format string", strings.Replace(good, questionnaire.FormatID, "vendorrisk.questionnaire-template/v0", 1),
				http.StatusUnprocessableEntity, "format"},
			{"no format", strings.Replace(good, `"format": "`+questionnaire.FormatID+`",`, "", 1), http.StatusUnprocessableEntity, "format"},
			{"broken rule", strings.Replace(good, `"weight": 5,`, `"weight": 50,`, 1), http.StatusUnprocessableEntity,
				"sections[0].questions[0].weight"},
			{"not JSON", good[:len(good)/2], http.StatusUnprocessableEntity, "body"},
			{"two documents", good + good, http.StatusUnprocessableEntity, "body"},
		}
		for _, b := range broken {
			if b.doc == good {
				t.Fatalf("%s: the replacement did not apply", b.name)
			}
			r := e.do(t, "POST", tplPath+"/import", e.admin, b.doc)
			if b.field != "" {
				wantProblem(t, r, b.status, b.field)
			} else {
				wantProblem(t, r, b.status)
			}
		}
		r := e.do(t, "POST", tplPath+"/import", e.admin, good, "Content-Type", "text/plain")
		wantProblem(t, r, http.StatusUnsupportedMediaType)
		if got := e.tplCount(t); got != before {
			t.Errorf("%d templates after broken imports, want %d", got, before)
		}
	})
}

// TestTemplateImportTakesItsOwnExport: the server must accept, on import, every document it exports.
// The export is indented and writes every field, so it is larger than the compact body that created
// the template; when that body was near the body limit, the import needs the larger import limit.
func TestTemplateImportTakesItsOwnExport(t *testing.T) {
	const limit = 32 << 10
	e := sqliteOnly(t, api.Config{MaxBodyBytes: limit})
	b := tplBody(t, "Large")
	sec := b["sections"].([]any)[1].(map[string]any)
	long := strings.Repeat("x", 400)
	var qs []any
	for i := range 40 {
		qs = append(qs, map[string]any{"key": "q" + strconv.Itoa(i), "text": map[string]any{"en": long, "ja": "質問"},
			"type": "yes_no", "weight": 1, "evidence": map[string]any{"mode": "none"}, "severity": "low",
			"threat_category": "external", "depth": "core"})
	}
	sec["questions"] = qs
	raw, _ := json.Marshal(b)
	if len(raw) >= limit {
		t.Fatalf("the create body is %d bytes, over the %d limit", len(raw), limit)
	}
	created := e.tplCreate(t, raw)
	doc := e.tplExport(t, created.ID)
	if len(doc) <= limit {
		t.Fatalf("the export is %d bytes, not over the %d body limit: the test proves nothing", len(doc), limit)
	}
	r := e.do(t, "POST", tplPath+"/import", e.admin, doc)
	if r.Status != http.StatusCreated {
		t.Fatalf("import of the server's own %d-byte export: %d (the create body was %d bytes; MaxBodyBytes %d)", len(doc), r.Status, len(raw), limit)
	}
	var imported api.TemplateResponse
	r.into(t, &imported)
	if got := e.tplExport(t, imported.ID); !bytes.Equal(got, doc) {
		t.Errorf("export -> import -> export changed the bytes")
	}
}

// TestTemplateLanguages: Accept-Language ja picks the Japanese texts where they exist, English
// otherwise; the *_i18n fields always carry both.
func TestTemplateLanguages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		b := tplBody(t, "Staff security")
		tplQ(b, 1, 0)["text"] = map[string]any{"en": "Only English?"}
		tpl := e.tplCreate(t, b)

		type texts struct{ name, desc, section, question, help, option, fallback string }
		read := func(r resp) texts {
			var out api.TemplateResponse
			r.into(t, &out)
			q := out.Sections[0].Questions[1]
			return texts{out.Name, out.Description, out.Sections[0].Title, q.Text, out.Sections[0].Questions[0].Help,
				q.Options[1].Label, out.Sections[1].Questions[0].Text}
		}
		ja := texts{"要員のセキュリティ", "委託先向け。", "要員", "セキュリティ教育の頻度は。", "派遣社員を含みます。", "実施していない", "Only English?"}
		en := texts{"Staff security", "For contractors.", "Staff", "How often is security training held?", "Include temporary staff.", "Never", "Only English?"}
		cases := []struct {
			header string
			want   texts
		}{
			{"", en},
			{"ja", ja},
			{"ja-JP", ja},
			{"en-US,en;q=0.9", en},
			{"ja-JP,ja;q=0.9,en;q=0.8", ja},
			{"en;q=0.5, ja;q=0.8", ja},
			{"ja;q=0.2, en", en},
			{"ja;q=0", en},
			{"fr", en},
		}
		for _, tc := range cases {
			r := must(t, e.do(t, "GET", tplPath+"/"+tpl.ID, e.admin, nil, "Accept-Language", tc.header), http.StatusOK)
			if got := read(r); got != tc.want {
				t.Errorf("Accept-Language %q:\n got %+v\nwant %+v", tc.header, got, tc.want)
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Language") {
				t.Errorf("Vary %q", r.Header.Get("Vary"))
			}
		}
		r := must(t, e.do(t, "GET", tplPath+"/"+tpl.ID, e.admin, nil, "Accept-Language", "ja"), http.StatusOK)
		var out api.TemplateResponse
		r.into(t, &out)
		q := out.Sections[0].Questions[1]
		if out.NameI18n != (api.TextDTO{EN: "Staff security", JA: "要員のセキュリティ"}) ||
			out.Sections[0].TitleI18n != (api.TextDTO{EN: "Staff", JA: "要員"}) ||
			q.TextI18n != (api.TextDTO{EN: "How often is security training held?", JA: "セキュリティ教育の頻度は。"}) ||
			q.Options[0].LabelI18n != (api.TextDTO{EN: "Every year", JA: "毎年"}) ||
			out.Sections[1].Questions[0].TextI18n != (api.TextDTO{EN: "Only English?"}) {
			t.Errorf("*_i18n: %+v / %+v / %+v / %+v", out.NameI18n, out.Sections[0].TitleI18n, q.TextI18n, q.Options[0].LabelI18n)
		}
		// Default yes/no options are bilingual too.
		if l := out.Sections[0].Questions[0].Options[0]; l.Label != "はい" || l.LabelI18n != (api.TextDTO{EN: "Yes", JA: "はい"}) {
			t.Errorf("default option label %+v", l)
		}
		// Lists follow the header as well.
		for header, want := range map[string]string{"ja": "要員のセキュリティ", "": "Staff security"} {
			var l api.TemplateList
			must(t, e.do(t, "GET", tplPath, e.admin, nil, "Accept-Language", header), http.StatusOK).into(t, &l)
			if len(l.Items) != 1 || l.Items[0].Name != want || l.Items[0].NameI18n.JA != "要員のセキュリティ" {
				t.Errorf("list with Accept-Language %q: %+v", header, l.Items)
			}
		}
		// The export is language-neutral.
		a := must(t, e.do(t, "GET", tplPath+"/"+tpl.ID+"/export", e.admin, nil, "Accept-Language", "ja"), http.StatusOK).Raw
		if !bytes.Equal(a, e.tplExport(t, tpl.ID)) {
			t.Errorf("the export depends on Accept-Language")
		}
	})
}

// TestTemplateBuiltIns: the built-ins are published once, re-published only when their document
// changes, have 50-70 questions whose control references all resolve, and filter by vendor kind.
func TestTemplateBuiltIns(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		contractorDraft := e.tplCreate(t, tplBody(t, "Custom contractor draft"))
		docs, n := e.tplLoadBuiltIns(t)
		if n != 2 {
			t.Fatalf("first EnsureBuiltIn published %d, want 2", n)
		}
		if n, err := e.templates.EnsureBuiltIn(t.Context(), docs); err != nil || n != 0 {
			t.Fatalf("second EnsureBuiltIn: %d, %v; want 0", n, err)
		}
		published := e.tplList(t, "status=published")
		if len(published) != 2 {
			t.Fatalf("%d published templates, want 2", len(published))
		}
		kinds := map[string]string{"contractor-security": "contractor", "cloud-provider-security": "cloud_provider"}
		byKey := map[string]api.TemplateResponse{}
		for _, it := range published {
			if !it.BuiltIn || it.Number != 1 || it.Status != "published" || it.PublishedAt == nil ||
				!slices.Equal(it.VendorKinds, []string{kinds[it.Key]}) {
				t.Errorf("built-in %q: %+v", it.Key, it)
			}
			if it.QuestionCount < 50 || it.QuestionCount > 70 {
				t.Errorf("built-in %s has %d questions, want 50-70", it.Key, it.QuestionCount)
			}
			full := e.tplGet(t, it.ID)
			refs := 0
			for _, s := range full.Sections {
				for _, q := range s.Questions {
					for _, ref := range q.ControlRefs {
						refs++
						if ok, err := e.catalog.Resolve(t.Context(), ref); err != nil || !ok {
							t.Errorf("%s %s: control ref %q does not resolve (%v)", it.Key, q.Key, ref, err)
						}
					}
				}
			}
			if refs == 0 {
				t.Errorf("%s cites no control", it.Key)
			}
			byKey[it.Key] = it
		}
		if len(byKey) != 2 {
			t.Fatalf("built-in keys %v", byKey)
		}

		// vendor_kind filters.
		names := func(items []api.TemplateResponse) []string {
			var out []string
			for _, it := range items {
				out = append(out, it.ID)
			}
			slices.Sort(out)
			return out
		}
		if got := names(e.tplList(t, "vendor_kind=cloud_provider")); !slices.Equal(got, []string{byKey["cloud-provider-security"].ID}) {
			t.Errorf("vendor_kind=cloud_provider: %v", got)
		}
		want := []string{byKey["contractor-security"].ID, contractorDraft.ID}
		slices.Sort(want)
		if got := names(e.tplList(t, "vendor_kind=contractor")); !slices.Equal(got, want) {
			t.Errorf("vendor_kind=contractor: %v, want %v", got, want)
		}
		if got := e.tplList(t, "vendor_kind=other"); len(got) != 0 {
			t.Errorf("vendor_kind=other: %d items", len(got))
		}
		for _, q := range []string{"vendor_kind=bank", "status=retired", "family_id=nope", "limit=-1", "limit=201", "cursor=garbage"} {
			if r := e.do(t, "GET", tplPath+"?"+q, e.admin, nil); r.Status < 400 || r.Status >= 500 {
				t.Errorf("GET ?%s: %s", q, r)
			}
		}

		// Cursor paging walks the same list, oldest first.
		all := e.tplList(t, "")
		var walked []string
		for cursor := ""; ; {
			var page api.TemplateList
			must(t, e.do(t, "GET", tplPath+"?limit=1&cursor="+cursor, e.admin, nil), http.StatusOK).into(t, &page)
			for _, it := range page.Items {
				walked = append(walked, it.ID)
			}
			if cursor = page.NextCursor; cursor == "" || len(walked) > len(all) {
				break
			}
		}
		if want := names(all); !slices.Equal(walked, want) || len(walked) != 3 {
			t.Errorf("paging with limit=1: %v, want %v", walked, want)
		}

		// A changed built-in document: version 2 published in the same family, version 1 archived.
		cloud := byKey["cloud-provider-security"]
		changed := tplChangedDoc(t, docs, "cloud-provider-security")
		newDocs := [][]byte{docs[0], docs[1]}
		for i, d := range docs {
			if bytes.Contains(d, []byte(`"key": "cloud-provider-security"`)) {
				newDocs[i] = changed
			}
		}
		e.clock.Advance(24 * time.Hour)
		if n, err := e.templates.EnsureBuiltIn(t.Context(), newDocs); err != nil || n != 1 {
			t.Fatalf("EnsureBuiltIn with a changed document: %d, %v; want 1", n, err)
		}
		fam := e.tplList(t, "family_id="+cloud.FamilyID)
		if len(fam) != 2 || fam[0].ID != cloud.ID || fam[0].Status != "archived" || fam[1].Number != 2 ||
			fam[1].Status != "published" || !fam[1].BuiltIn || fam[1].Key != "cloud-provider-security" {
			t.Fatalf("family after the change: %+v", fam)
		}
		if got := e.tplExport(t, fam[1].ID); !bytes.Equal(got, changed) {
			t.Errorf("the new version's export differs from the changed document")
		}
		if got := e.tplGet(t, byKey["contractor-security"].ID); got.Status != "published" || got.Version != 1 {
			t.Errorf("the unchanged built-in was touched: %s version %d", got.Status, got.Version)
		}
		if n, err := e.templates.EnsureBuiltIn(t.Context(), newDocs); err != nil || n != 0 {
			t.Errorf("EnsureBuiltIn again with the changed document: %d, %v; want 0", n, err)
		}
		// Going back to the original document is another change: version 3.
		if n, err := e.templates.EnsureBuiltIn(t.Context(), docs); err != nil || n != 1 {
			t.Fatalf("EnsureBuiltIn back to the original: %d, %v; want 1", n, err)
		}
		fam = e.tplList(t, "family_id="+cloud.FamilyID)
		var states []string
		for _, it := range fam {
			states = append(states, strconv.Itoa(it.Number)+":"+it.Status)
		}
		if want := []string{"1:archived", "2:archived", "3:published"}; !slices.Equal(states, want) {
			t.Errorf("family %v, want %v", states, want)
		}
		if got := len(e.tplList(t, "status=published")); got != 2 {
			t.Errorf("%d published templates, want 2", got)
		}
	})
}

// tplChangedDoc returns the built-in document of key with one question's English text changed.
func tplChangedDoc(t *testing.T, docs [][]byte, key string) []byte {
	t.Helper()
	for _, d := range docs {
		tpl, err := questionnaire.Decode(bytes.NewReader(d))
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Key != key {
			continue
		}
		tpl.Sections[0].Questions[0].Text.EN += " (revised)"
		return questionnaire.Encode(tpl)
	}
	t.Fatalf("no built-in %s", key)
	return nil
}

// TestTemplateBuiltInChangeAfterUserVersion: an administrator may start a new version of a built-in
// template (it is published like any other). When the built-in document later changes (an upgrade),
// EnsureBuiltIn must still store the new built-in version, numbered after every version of the
// family, instead of failing at start-up on the family's unique (family_id, number).
func TestTemplateBuiltInChangeAfterUserVersion(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		docs, _ := e.tplLoadBuiltIns(t)
		builtIn := tplByKey(e.tplList(t, "vendor_kind=contractor"), "contractor-security")
		if len(builtIn) != 1 {
			t.Fatalf("contractor built-in: %+v", builtIn)
		}
		var mine api.TemplateResponse
		must(t, e.do(t, "POST", tplPath+"/"+builtIn[0].ID+"/new-version", e.admin, nil), http.StatusCreated).into(t, &mine)
		if mine.Number != 2 || mine.BuiltIn {
			t.Fatalf("user version of a built-in: number %d built_in %v", mine.Number, mine.BuiltIn)
		}
		changed := tplChangedDoc(t, docs, "contractor-security")
		var newDocs [][]byte
		for _, d := range docs {
			if bytes.Contains(d, []byte(`"key": "contractor-security"`)) {
				d = changed
			}
			newDocs = append(newDocs, d)
		}
		n, err := e.templates.EnsureBuiltIn(t.Context(), newDocs)
		if err != nil || n != 1 {
			t.Fatalf("EnsureBuiltIn after a user version of the built-in: %d, %v; want 1, nil", n, err)
		}
		var states []string
		for _, it := range e.tplList(t, "family_id="+builtIn[0].FamilyID) {
			states = append(states, strconv.Itoa(it.Number)+":"+it.Status+":"+strconv.FormatBool(it.BuiltIn))
		}
		if want := []string{"1:archived:true", "2:draft:false", "3:published:true"}; !slices.Equal(states, want) {
			t.Errorf("family %v, want %v", states, want)
		}
	})
}

// TestTemplateConcurrentWriters: concurrent new-version requests on one template make exactly one
// draft; concurrent PATCHes naming the same version let exactly one through (the others get 412).
func TestTemplateConcurrentWriters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		const n = 6
		pub := e.tplCreate(t, tplBody(t, "Concurrent"))
		must(t, e.do(t, "POST", tplPath+"/"+pub.ID+"/publish", e.admin, nil), http.StatusOK)
		statuses := func(fn func(i int) resp) map[int]int {
			var wg sync.WaitGroup
			got := make([]int, n)
			for i := range n {
				wg.Go(func() { got[i] = fn(i).Status })
			}
			wg.Wait()
			count := map[int]int{}
			for _, s := range got {
				count[s]++
			}
			return count
		}
		got := statuses(func(int) resp { return e.do(t, "POST", tplPath+"/"+pub.ID+"/new-version", e.admin, nil) })
		if got[http.StatusCreated] != 1 || got[http.StatusConflict] != n-1 {
			t.Errorf("concurrent new-version: statuses %v, want one 201 and %d 409", got, n-1)
		}
		fam := e.tplList(t, "family_id="+pub.FamilyID)
		if len(fam) != 2 || fam[1].Number != 2 || fam[1].Status != "draft" {
			t.Fatalf("family after concurrent new-version: %+v", fam)
		}
		draft := fam[1].ID
		got = statuses(func(i int) resp {
			return e.do(t, "PATCH", tplPath+"/"+draft, e.admin, tplBody(t, "Writer "+strconv.Itoa(i)), "If-Match", `"1"`)
		})
		if got[http.StatusOK] != 1 || got[http.StatusPreconditionFailed] != n-1 {
			t.Errorf("concurrent PATCH: statuses %v, want one 200 and %d 412", got, n-1)
		}
		if d := e.tplGet(t, draft); d.Version != 2 || !strings.HasPrefix(d.Name, "Writer ") {
			t.Errorf("after concurrent PATCH: version %d name %q", d.Version, d.Name)
		}
	})
}

// TestTemplateAccess: suppliers must not learn that templates exist (404 on every route); auditors
// read but change nothing (403 on every write), and a refused write changes nothing.
func TestTemplateAccess(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		draft := e.tplCreate(t, tplBody(t, "Draft"))
		pub := e.tplCreate(t, tplBody(t, "Published"))
		must(t, e.do(t, "POST", tplPath+"/"+pub.ID+"/publish", e.admin, nil), http.StatusOK)
		doc := e.tplExport(t, pub.ID)
		supplier := e.key(t, auth.RoleSupplier, e.newVendor(t, "Template supplier"))
		auditor := e.key(t, auth.RoleAuditor, "")
		riskOwner := e.key(t, auth.RoleRiskOwner, "")
		before := e.tplCount(t)

		type route struct {
			method, path string
			body         any
		}
		reads := []route{
			{"GET", tplPath, nil},
			{"GET", tplPath + "?status=published", nil},
			{"GET", tplPath + "/" + pub.ID, nil},
			{"GET", tplPath + "/" + draft.ID, nil},
			{"GET", tplPath + "/" + pub.ID + "/export", nil},
		}
		writes := []route{
			{"POST", tplPath, tplBody(t, "Sneaky")},
			{"POST", tplPath + "/import", doc},
			{"PATCH", tplPath + "/" + draft.ID, tplBody(t, "Sneaky")},
			{"POST", tplPath + "/" + draft.ID + "/publish", nil},
			{"POST", tplPath + "/" + pub.ID + "/archive", nil},
			{"POST", tplPath + "/" + pub.ID + "/new-version", nil},
		}
		for _, r := range append(slices.Clone(reads), writes...) {
			got := e.do(t, r.method, r.path, supplier, r.body)
			wantProblem(t, got, http.StatusNotFound)
			if strings.Contains(got.str("detail"), "template") {
				t.Errorf("supplier %s %s: the answer mentions templates: %s", r.method, r.path, got)
			}
		}
		for _, key := range []string{auditor, riskOwner} {
			for _, r := range reads {
				must(t, e.do(t, r.method, r.path, key, r.body), http.StatusOK)
			}
			for _, r := range writes {
				wantProblem(t, e.do(t, r.method, r.path, key, r.body), http.StatusForbidden)
			}
		}
		if got := e.tplCount(t); got != before {
			t.Errorf("%d templates after refused writes, want %d", got, before)
		}
		if d, p := e.tplGet(t, draft.ID), e.tplGet(t, pub.ID); d.Version != 1 || d.Status != "draft" || p.Status != "published" {
			t.Errorf("a refused write changed a template: draft %s v%d, published %s", d.Status, d.Version, p.Status)
		}
		// Without credentials: 401.
		wantProblem(t, e.do(t, "GET", tplPath, "", nil), http.StatusUnauthorized)
	})
}
