package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// asmQ is a question of a template create body; extra are key, value pairs added to it.
func asmQ(key, typ string, required bool, depth string, extra ...any) map[string]any {
	q := map[string]any{"key": key, "text": map[string]any{"en": "Question " + key + "?", "ja": "質問 " + key + "？"},
		"help": map[string]any{"en": "Help for " + key, "ja": "ヘルプ " + key}, "type": typ, "weight": 5, "required": required,
		"severity": "medium", "threat_category": "external", "control_refs": []string{}, "depth": depth}
	for i := 0; i+1 < len(extra); i += 2 {
		q[extra[i].(string)] = extra[i+1]
	}
	return q
}

func asmOptions(values ...string) []map[string]any {
	out := make([]map[string]any, len(values))
	for i, v := range values {
		out[i] = map[string]any{"value": v, "label": map[string]any{"en": "Label " + v, "ja": "ラベル " + v}, "score": 50}
	}
	return out
}

func asmCond(question string, anyOf ...string) map[string]any {
	return map[string]any{"question": question, "any_of": anyOf}
}

// asmTemplateBody is the template the assessment tests answer: every answer type, a chain of nested
// conditions (uses_subs → sub_audited → sub_report), a condition on a multi_choice, evidence when an
// answer asks for it, an evidence question, and an extended section.
//
//	general (core)                         extended
//	  has_policy   yes_no *  evidence if yes   pentest        yes_no *
//	  policy_date  date *    if has_policy=yes pentest_report evidence *  if pentest=yes
//	  uses_subs    yes_no *                    pentest_fix    text *      if pentest=yes (core depth, extended parent)
//	  sub_list     text *    if uses_subs=yes
//	  sub_audited  yes_no_na * if uses_subs=yes
//	  sub_report   evidence * if sub_audited=yes
//	  hosting      single_choice *
//	  certs        multi_choice
//	  iso_scope    text      if certs any of iso27001, soc2
//	  staff_count  number *
//	  notes        text
func asmTemplateBody(name string) map[string]any {
	return map[string]any{"name": map[string]any{"en": name, "ja": name + "（日本語）"}, "vendor_kinds": []string{"cloud_provider"},
		"sections": []map[string]any{
			{"key": "general", "title": map[string]any{"en": "General", "ja": "一般"}, "questions": []map[string]any{
				asmQ("has_policy", "yes_no", true, "core", "evidence", map[string]any{"mode": "when_answer", "when_answer": []string{"yes"}}),
				asmQ("policy_date", "date", true, "core", "condition", asmCond("has_policy", "yes")),
				asmQ("uses_subs", "yes_no", true, "core"),
				asmQ("sub_list", "text", true, "core", "condition", asmCond("uses_subs", "yes")),
				asmQ("sub_audited", "yes_no_na", true, "core", "condition", asmCond("uses_subs", "yes")),
				asmQ("sub_report", "evidence", true, "core", "condition", asmCond("sub_audited", "yes")),
				asmQ("hosting", "single_choice", true, "core", "options", asmOptions("aws", "gcp", "onprem")),
				asmQ("certs", "multi_choice", false, "core", "options", asmOptions("iso27001", "soc2", "pci")),
				asmQ("iso_scope", "text", false, "core", "condition", asmCond("certs", "iso27001", "soc2")),
				asmQ("staff_count", "number", true, "core"),
				asmQ("notes", "text", false, "core"),
			}},
			{"key": "extended", "title": map[string]any{"en": "Extended", "ja": "拡張"}, "questions": []map[string]any{
				asmQ("pentest", "yes_no", true, "extended"),
				asmQ("pentest_report", "evidence", true, "extended", "condition", asmCond("pentest", "yes")),
				asmQ("pentest_fix", "text", true, "core", "condition", asmCond("pentest", "yes")),
			}},
		}}
}

// asmExtendedKeys are the visible question keys of asmTemplateBody at extended depth with nothing answered.
var asmExtendedKeys = []string{"has_policy", "uses_subs", "hosting", "certs", "staff_count", "notes", "pentest"}

// asmEnv is the harness env with the keys and the published template the assessment tests use.
type asmEnv struct {
	*env
	proc, owner, auditor string // secrets
	tpl                  string // published template id
}

func newAsmEnv(t *testing.T, e *env) *asmEnv {
	t.Helper()
	a := &asmEnv{env: e, proc: e.key(t, auth.RoleProcurement, ""), owner: e.key(t, auth.RoleRiskOwner, ""),
		auditor: e.key(t, auth.RoleAuditor, "")}
	a.tpl = a.publishTemplate(t, "Assessment test template")
	return a
}

func (a *asmEnv) publishTemplate(t *testing.T, name string) string {
	t.Helper()
	id := must(t, a.do(t, "POST", "/api/v1/questionnaire-templates", a.proc, asmTemplateBody(name)), http.StatusCreated).str("id")
	must(t, a.do(t, "POST", "/api/v1/questionnaire-templates/"+id+"/publish", a.proc, nil), http.StatusOK)
	return id
}

// engagement creates a vendor and an engagement of it (tier 3: core depth by the default policy).
func (a *asmEnv) engagement(t *testing.T, vendorName string) (vendorID, engagementID string) {
	t.Helper()
	vendorID = a.newVendor(t, vendorName)
	return vendorID, a.createEngagement(t, fixedScoreBody(vendorID, vendorName+" service")).ID
}

// issue issues a.tpl to the engagement as procurement, at core+extended depth, due 2025-06-30, unless
// extra (key, value pairs; a nil value removes the key) says otherwise.
func (a *asmEnv) issue(t *testing.T, engagementID string, extra ...any) api.AssessmentResponse {
	t.Helper()
	var out api.AssessmentResponse
	must(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(engagementID, extra...)), http.StatusCreated).into(t, &out)
	return out
}

func (a *asmEnv) issueBody(engagementID string, extra ...any) map[string]any {
	b := map[string]any{"engagement_id": engagementID, "template_id": a.tpl, "due_date": "2025-06-30", "depth": "core+extended"}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(b, extra[i].(string))
			continue
		}
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

// send sends an assessment as procurement and returns the response with the supplier's secret.
func (a *asmEnv) send(t *testing.T, id string) api.SendResponse {
	t.Helper()
	var out api.SendResponse
	must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/send", a.proc, nil), http.StatusOK).into(t, &out)
	return out
}

// sent issues and sends an assessment on a fresh vendor and engagement.
func (a *asmEnv) sent(t *testing.T, vendorName string, extra ...any) (asm api.AssessmentResponse, secret string) {
	t.Helper()
	_, eng := a.engagement(t, vendorName)
	asm = a.issue(t, eng, extra...)
	return asm, a.send(t, asm.ID).SupplierKey.Secret
}

func (a *asmEnv) adminGet(t *testing.T, id string) api.AssessmentResponse {
	t.Helper()
	var out api.AssessmentResponse
	must(t, a.do(t, "GET", "/api/v1/assessments/"+id, a.admin, nil), http.StatusOK).into(t, &out)
	return out
}

func (a *asmEnv) supplierGet(t *testing.T, secret, id string, headers ...string) api.SupplierAssessmentResponse {
	t.Helper()
	var out api.SupplierAssessmentResponse
	must(t, a.do(t, "GET", "/api/v1/supplier/assessments/"+id, secret, nil, headers...), http.StatusOK).into(t, &out)
	return out
}

// save PUTs a batch of answers; headers are name, value pairs (If-Match).
func (a *asmEnv) save(t *testing.T, secret, id string, answers []map[string]any, headers ...string) resp {
	t.Helper()
	return a.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", secret, map[string]any{"answers": answers}, headers...)
}

func (a *asmEnv) mustSave(t *testing.T, secret, id string, answers ...map[string]any) api.SupplierAssessmentResponse {
	t.Helper()
	var out api.SupplierAssessmentResponse
	must(t, a.save(t, secret, id, answers), http.StatusOK).into(t, &out)
	return out
}

// uploadFile posts a file linked to question keys (one question_keys field each).
func (a *asmEnv) uploadFile(t *testing.T, secret, id, name string, data []byte, keys ...string) resp {
	t.Helper()
	return a.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/evidence", secret,
		upload{field: "file", name: name, data: data, fields: map[string][]string{"question_keys": keys}})
}

func (a *asmEnv) submit(t *testing.T, secret, id string) resp {
	t.Helper()
	return a.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", secret, nil)
}

// av is an answer with a value, al one with a list of values.
func av(key, value string) map[string]any { return map[string]any{"key": key, "value": value} }
func al(key string, values ...string) map[string]any {
	return map[string]any{"key": key, "values": values}
}

func questionKeys(r api.SupplierAssessmentResponse) []string {
	out := make([]string, len(r.Questions))
	for i, q := range r.Questions {
		out[i] = q.Key
	}
	return out
}

func questionOf(t *testing.T, r api.SupplierAssessmentResponse, key string) api.SupplierQuestion {
	t.Helper()
	for _, q := range r.Questions {
		if q.Key == key {
			return q
		}
	}
	t.Fatalf("question %q is not visible: %v", key, questionKeys(r))
	return api.SupplierQuestion{}
}

func answerOf(r api.AssessmentResponse, key string) (api.AnswerResponse, bool) {
	for _, x := range r.Answers {
		if x.Key == key {
			return x, true
		}
	}
	return api.AnswerResponse{}, false
}

// Files of each allowed type, built here.

var (
	pdfFile  = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	pngFile  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82")
	jpegFile = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	txtFile  = []byte("Our NDA policy applies to all staff.\n秘密保持契約\n")
	csvFile  = []byte("name,role\nHanako,admin\nTaro,operator\n")
	// A Windows executable header and an ELF header, as an attacker would rename them .pdf.
	exeFile = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00"), bytes.Repeat([]byte{0}, 64)...)
	elfFile = append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0}, 56)...)
)

const (
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ctDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// zipFile builds a zip of name, content pairs.
func zipFile(t *testing.T, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i+1 < len(members); i += 2 {
		f, err := w.Create(members[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(members[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xlsxFile is a minimal real spreadsheet package.
func xlsxFile(t *testing.T) []byte {
	t.Helper()
	return zipFile(t,
		"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Controls" sheetId="1"/></sheets></workbook>`)
}

// docxFile is a minimal real word-processing package.
func docxFile(t *testing.T) []byte {
	t.Helper()
	return zipFile(t,
		"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Policy</w:t></w:r></w:p></w:body></w:document>`)
}

func sha256Hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// blobDir is the directory of the env's local blob store (an unexported field, read by reflection:
// the tests may not change the store to expose it).
func (a *asmEnv) blobDir(t *testing.T) string {
	t.Helper()
	f := reflect.ValueOf(a.blobs).Elem().FieldByName("dir")
	if !f.IsValid() || f.Kind() != reflect.String || f.String() == "" {
		t.Fatal("repository.LocalBlobs has no dir field any more; update blobDir")
	}
	return f.String()
}

// blobFiles lists every file under the blob directory (temporary files included).
func (a *asmEnv) blobFiles(t *testing.T) []string {
	t.Helper()
	dir := a.blobDir(t)
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// blobPath is where the local store keeps the content with this hash.
func (a *asmEnv) blobPath(t *testing.T, sha string) string {
	t.Helper()
	p := filepath.Join(a.blobDir(t), sha[:2], sha)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("blob %s not found where expected: %v", sha, err)
	}
	return p
}

func asmETag(v int) string { return `"` + strconv.Itoa(v) + `"` }
