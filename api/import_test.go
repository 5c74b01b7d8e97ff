package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/api/sheet"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
)

// vendorFile is a deterministic vendor import of n data rows with Japanese headers and names, and
// the bad rows it plants: row number → the column the error must name.
func vendorFile(n int) ([][]string, map[int]string) {
	records := [][]string{{"外部参照ID", "法人番号", "名称", "種別", "国", "状態", "タグ", "ウェブサイト", "登録番号"}}
	for i := range n {
		records = append(records, []string{fmt.Sprintf("ERP-%05d", i), corpNumber(fmt.Sprintf("%012d", 700000000000+i*7)),
			fmt.Sprintf("テスト商事%04d株式会社", i), []string{"contractor", "cloud_provider", "other"}[i%3], "JP", "active",
			"imported;tier-" + fmt.Sprint(i%4), fmt.Sprintf("https://v%d.example.jp", i), ""})
	}
	bad := map[int]string{}
	plant := func(i int, column string, change func(r []string)) {
		if i >= n {
			return
		}
		change(records[i+1])
		bad[i+2] = column // the header is row 1
	}
	col := func(name string) int { return slices.Index(records[0], name) }
	plant(100, "corporate_number", func(r []string) { // check digit off by one
		d := r[1][0] - '0'
		r[1] = fmt.Sprint((d+1)%10) + r[1][1:]
	})
	plant(250, "kind", func(r []string) { r[col("種別")] = "supplier" })
	plant(400, "corporate_number", func(r []string) { r[1] = records[11][1] }) // row 11's number again
	plant(555, "country", func(r []string) { r[col("国")] = "ZZ" })
	plant(700, "name", func(r []string) { r[col("名称")] = "  " })
	plant(901, "status", func(r []string) { r[col("状態")] = "archived" })
	plant(1200, "website", func(r []string) { r[col("ウェブサイト")] = "ftp://files.example.jp" })
	plant(1500, "tags", func(r []string) { r[col("タグ")] = "ok;Not A Tag!" })
	plant(1800, "external_ref", func(r []string) { r[0] = records[21][0] }) // row 21's reference again
	plant(2100, "name", func(r []string) { r[col("名称")] = strings.Repeat("長", 201) })
	plant(2500, "registration_ids", func(r []string) { r[col("登録番号")] = "duns" })
	plant(2999, "external_ref", func(r []string) { r[0] = strings.Repeat("x", 101) })
	return records, bad
}

func csvBytes(t *testing.T, records [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sheetBytes writes records with the export writer (CSV with a byte-order mark, or XLSX).
func sheetBytes(t *testing.T, f sheet.Format, records [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, f, "vendors")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func shiftJIS(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := japanese.ShiftJIS.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileUpload(name string, data []byte) upload {
	return upload{field: "file", name: name, data: data}
}

func (e *env) importReport(t *testing.T, path, key string, data []byte, want int) api.ImportReport {
	t.Helper()
	r := must(t, e.do(t, "POST", path, key, fileUpload("file", data)), want)
	var rep api.ImportReport
	if want == http.StatusUnprocessableEntity {
		var refusal api.ImportRefusal // the 422's declared body (docs/openapi.yaml checks it too)
		r.into(t, &refusal)
		if _, ok := r.JSON["report"]; !ok || refusal.Report.Rows == nil || refusal.Status != want || len(refusal.Errors) == 0 {
			t.Fatalf("422 without a report or its errors: %s", r)
		}
		return refusal.Report
	}
	r.into(t, &rep)
	return rep
}

func (e *env) storedVendors(t *testing.T) []register.Vendor {
	t.Helper()
	vs, err := e.repo.List(t.Context(), register.Filter{Sort: "created_at", Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// auditSince lists the audit events recorded after prev (the newest 200 at most), newest first.
func (e *env) auditSince(t *testing.T, prev map[string]any) []map[string]any {
	t.Helper()
	items := must(t, e.do(t, "GET", "/api/v1/audit-events?limit=200", e.admin, nil), http.StatusOK).items(t)
	var out []map[string]any
	for _, ev := range items {
		if prev != nil && ev["seq"].(float64) <= prev["seq"].(float64) {
			break
		}
		out = append(out, ev)
	}
	return out
}

// completion is the data of an import.completed audit event.
type completion struct {
	Kind, JobID, Mode, Format, Charset, FileSHA256 string
	Total, Created, Updated, Unchanged, Failed     int
}

// wantCompleted checks that ev is an import.completed of the import whose counts are want (and
// kind, mode, format, job id and file hash, where want sets them).
func wantCompleted(t *testing.T, ev map[string]any, want completion) {
	t.Helper()
	if ev["action"] != bulk.CompletedType || ev["resource_type"] != bulk.SubjectType || ev["resource_id"] == "" {
		t.Fatalf("event %v on %v %v, want %s", ev["action"], ev["resource_type"], ev["resource_id"], bulk.CompletedType)
	}
	raw, _ := json.Marshal(ev["result"].(map[string]any)["data"])
	var got struct {
		Kind       string `json:"kind"`
		JobID      string `json:"job_id"`
		Mode       string `json:"mode"`
		Format     string `json:"format"`
		Charset    string `json:"charset"`
		FileSHA256 string `json:"file_sha256"`
		Total      int    `json:"total"`
		Created    int    `json:"created"`
		Updated    int    `json:"updated"`
		Unchanged  int    `json:"unchanged"`
		Failed     int    `json:"failed"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	c := completion(got)
	if want.Charset == "" {
		c.Charset = ""
	}
	if want.FileSHA256 == "" && c.FileSHA256 != "" {
		c.FileSHA256 = ""
	}
	if want.JobID != "" && ev["resource_id"] != want.JobID {
		t.Errorf("import.completed about %v, want the job %s", ev["resource_id"], want.JobID)
	}
	if c != want {
		t.Errorf("import.completed data %+v, want %+v", c, want)
	}
}

// wantBadRows checks that the report names exactly the planted rows, each with its column.
func wantBadRows(t *testing.T, rep api.ImportReport, bad map[int]string) {
	t.Helper()
	if rep.Errors != len(bad) {
		t.Errorf("%d rows with errors, want %d", rep.Errors, len(bad))
	}
	for _, row := range rep.Rows {
		col, planted := bad[row.Row]
		switch {
		case planted && row.Outcome != "error":
			t.Errorf("row %d: outcome %s, want error in %s", row.Row, row.Outcome, col)
		case planted && !slices.ContainsFunc(row.Errors, func(p api.ImportProblem) bool { return p.Column == col && p.Header != "" }):
			t.Errorf("row %d: errors %+v, want one in column %s with its header", row.Row, row.Errors, col)
		case !planted && row.Outcome == "error":
			t.Errorf("row %d: unexpected errors %+v", row.Row, row.Errors)
		}
	}
}

// sameRows compares two reports row by row (outcome, id and errors), ignoring format and charset.
func sameRows(t *testing.T, what string, a, b api.ImportReport) {
	t.Helper()
	a.Format, a.Charset, b.Format, b.Charset = "", "", "", ""
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if !bytes.Equal(x, y) {
		t.Errorf("%s gives another report than the UTF-8 CSV", what)
	}
}

// TestVendorImport imports 3,000 vendors with 12 bad rows: the dry run lists every bad row and writes
// nothing, valid_rows imports the rest, importing again changes nothing, and the same file as
// Shift_JIS CSV and as XLSX gives the same report.
func TestVendorImport(t *testing.T) {
	records, bad := vendorFile(3000)
	utf8CSV := sheetBytes(t, sheet.CSV, records)
	// 3,000 rows run in the request here (TestImportJob runs a job).
	sjisCSV := shiftJIS(t, csvBytes(t, records))
	xlsx := sheetBytes(t, sheet.XLSX, records)
	eachDBWith(t, api.Config{ImportJobRows: 5000}, func(t *testing.T, e *env) {
		const path = "/api/v1/vendors/import"
		before := e.lastAuditEvent(t)

		// Dry run, all or nothing: refused with every bad row; nothing written.
		dry := e.importReport(t, path+"?dry_run=true", e.admin, utf8CSV, http.StatusUnprocessableEntity)
		if dry.Total != 3000 || dry.Created != 2988 || dry.Applied || !dry.DryRun || dry.Charset != "utf-8" {
			t.Errorf("dry run: total %d created %d applied %v dry %v charset %s", dry.Total, dry.Created, dry.Applied, dry.DryRun, dry.Charset)
		}
		wantBadRows(t, dry, bad)
		r := e.do(t, "POST", path+"?dry_run=true", e.admin, fileUpload("v.csv", utf8CSV))
		if fields := problemFields(r); !slices.Contains(fields, "rows[102].corporate_number") || len(fields) < 12 {
			t.Errorf("problem fields %v, want rows[102].corporate_number among at least 12", fields)
		}
		// Dry run of valid_rows: the same rows, 200, still nothing written (and, on purpose, no event:
		// the audit middleware does not take it for a write that forgot its event).
		const noEvent = "a successful write recorded no domain event"
		dryValid := e.importReport(t, path+"?dry_run=true&mode=valid_rows", e.admin, utf8CSV, http.StatusOK)
		if e.warnings.count(noEvent) != 0 {
			t.Errorf("a dry run was logged as a write without a domain event")
		}
		wantBadRows(t, dryValid, bad)
		if dryValid.Created != 2988 || dryValid.Applied {
			t.Errorf("valid_rows dry run: created %d applied %v", dryValid.Created, dryValid.Applied)
		}
		// A real all-or-nothing run refuses the file.
		e.importReport(t, path, e.admin, utf8CSV, http.StatusUnprocessableEntity)
		if n := len(e.storedVendors(t)); n != 0 {
			t.Fatalf("%d vendors stored after refused and dry runs", n)
		}
		if now := e.lastAuditEvent(t); now["seq"] != before["seq"] {
			t.Errorf("refused and dry runs were audited: %v", now["action"])
		}

		// valid_rows imports the 2,988 good rows, as the dry run said.
		got := e.importReport(t, path+"?mode=valid_rows", e.admin, utf8CSV, http.StatusOK)
		wantBadRows(t, got, bad)
		if got.Created != 2988 || !got.Applied || got.DryRun {
			t.Errorf("import: created %d applied %v", got.Created, got.Applied)
		}
		stored := e.storedVendors(t)
		if len(stored) != 2988 {
			t.Fatalf("%d vendors stored, want 2988", len(stored))
		}
		byRef := map[string]register.Vendor{}
		for _, v := range stored {
			byRef[v.ExternalRef] = v
		}
		if v := byRef["ERP-00007"]; v.Name != "テスト商事0007株式会社" || v.Kind != register.KindCloudProvider ||
			v.Status != register.StatusActive || !slices.Equal(v.Tags, []string{"imported", "tier-3"}) {
			t.Errorf("ERP-00007 stored as %+v", v)
		}
		// The rows' events, then the import's own, with the counts (the 12 bad rows as failed).
		recent := e.auditSince(t, before)
		wantCompleted(t, recent[0], completion{Kind: "vendors", Mode: "valid_rows", Format: "csv", Charset: "utf-8",
			FileSHA256: sha256Hex(utf8CSV), Total: 3000, Created: 2988, Failed: 12})
		if recent[1]["action"] != "vendor.created" {
			t.Errorf("audit event before import.completed: %v, want vendor.created", recent[1]["action"])
		}
		audited := recent[0]

		// The same file again: every good row unchanged, no row event; the import itself is recorded
		// once, so the audit middleware has no write without an event to warn about.
		warned := e.warnings.count(noEvent)
		again := e.importReport(t, path+"?mode=valid_rows", e.admin, utf8CSV, http.StatusOK)
		if again.Unchanged != 2988 || again.Created+again.Updated != 0 || again.Applied {
			t.Errorf("re-import: unchanged %d created %d updated %d", again.Unchanged, again.Created, again.Updated)
		}
		wantBadRows(t, again, bad)
		if recorded := e.auditSince(t, audited); len(recorded) != 1 {
			t.Errorf("re-import recorded %d events, want one import.completed", len(recorded))
		} else {
			wantCompleted(t, recorded[0], completion{Kind: "vendors", Mode: "valid_rows", Format: "csv", Charset: "utf-8",
				FileSHA256: sha256Hex(utf8CSV), Total: 3000, Unchanged: 2988, Failed: 12})
		}
		if n := e.warnings.count(noEvent); n != warned {
			t.Errorf("the re-import was logged as a write without a domain event")
		}
		// The same file as Shift_JIS and as XLSX gives the same report.
		sj := e.importReport(t, path+"?mode=valid_rows", e.admin, sjisCSV, http.StatusOK)
		if sj.Charset != "shift_jis" || sj.Format != "csv" {
			t.Errorf("Shift_JIS file read as %s %s", sj.Format, sj.Charset)
		}
		sameRows(t, "Shift_JIS", again, sj)
		xl := e.importReport(t, path+"?mode=valid_rows", e.admin, xlsx, http.StatusOK)
		if xl.Format != "xlsx" {
			t.Errorf("XLSX read as %s", xl.Format)
		}
		sameRows(t, "XLSX", again, xl)
	})
}

var importSeq atomic.Int64

// engagementCSV is a one-row engagement import for the vendor with external_ref vendorRef, a new name
// each time so that every import creates one.
func engagementCSV(vendorRef string) []byte {
	return fmt.Appendf(nil, "vendor_external_ref,name,service_type\n%s,Imported %d,saas\n", vendorRef, importSeq.Add(1))
}

// TestEngagementImport: rows name their vendor by corporate number or external_ref, match stored
// engagements by external_ref or by vendor and name, and are checked by the API's own rules.
func TestEngagementImport(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		number := newCorpNumber()
		v1 := e.createVendor(t, vendorBody("Import One", "corporate_number", number))
		v2 := e.createVendor(t, vendorBody("Import Two", "external_ref", "SAP-2"))
		gone := e.createVendor(t, vendorBody("Import Gone", "external_ref", "SAP-GONE"))
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+gone.ID, e.admin, map[string]any{"status": "terminated"}), http.StatusOK)
		records := [][]string{
			{"外部参照ID", "取引先法人番号", "取引先外部参照ID", "名称", "サービス種別", "データ区分", "データ保存国", "インターネット公開", "目標復旧時間", "年間支出額", "通貨"},
			{"ENG-1", number, "", "Hosting", "iaas", "personal:1000;payment_card", "JP;US", "はい", "24", "1,000,000", "JPY"},
			{"", "", "SAP-2", "Payroll", "saas", "", "", "", "", "", ""},
			{"", newCorpNumber(), "", "Nobody's", "saas", "", "", "", "", "", ""},
			{"", number, "", "Bad type", "mainframe", "", "", "", "", "", ""},
			{"", number, "", "Bad flag", "saas", "", "", "maybe", "", "", ""},
			{"", "", "SAP-GONE", "Too late", "saas", "", "", "", "", "", ""},
			{"ENG-1", number, "", "Again", "saas", "", "", "", "", "", ""},
		}
		bad := map[int]string{4: "vendor_corporate_number", 5: "service_type", 6: "internet_facing", 7: "vendor_external_ref", 8: "external_ref"}
		const path = "/api/v1/engagements/import"
		file := sheetBytes(t, sheet.CSV, records)
		refused := e.importReport(t, path, e.admin, file, http.StatusUnprocessableEntity)
		wantBadRows(t, refused, bad)
		got := e.importReport(t, path+"?mode=valid_rows", e.admin, file, http.StatusOK)
		wantBadRows(t, got, bad)
		if got.Created != 2 || !got.Applied {
			t.Fatalf("created %d, applied %v: %+v", got.Created, got.Applied, got.Rows)
		}
		var hosting api.EngagementResponse
		must(t, e.do(t, "GET", "/api/v1/engagements/"+got.Rows[0].ID, e.admin, nil), http.StatusOK).into(t, &hosting)
		if hosting.Vendor.ID != v1.ID || hosting.ExternalRef != "ENG-1" || !hosting.InternetFacing || hosting.RTOHours == nil ||
			*hosting.RTOHours != 24 || len(hosting.DataCategories) != 2 || hosting.AnnualSpend == nil || hosting.AnnualSpend.Amount != 1000000 {
			t.Errorf("imported engagement %+v", hosting)
		}
		list := must(t, e.do(t, "GET", "/api/v1/engagements?vendor_id="+v2.ID, e.admin, nil), http.StatusOK).items(t)
		if len(list) != 1 || list[0]["name"] != "Payroll" {
			t.Errorf("engagements of vendor two: %v", list)
		}

		wantCompleted(t, e.lastAuditEvent(t), completion{Kind: "engagements", Mode: "valid_rows", Format: "csv",
			FileSHA256: sha256Hex(file), Total: 7, Created: 2, Failed: 5})

		// Again: unchanged, the second row matched by its vendor and name; only the import is recorded.
		last := e.lastAuditEvent(t)
		again := e.importReport(t, path+"?mode=valid_rows", e.admin, file, http.StatusOK)
		if again.Unchanged != 2 || again.Created+again.Updated != 0 {
			t.Errorf("re-import: %+v", again)
		}
		if recorded := e.auditSince(t, last); len(recorded) != 1 {
			t.Errorf("re-import recorded %d events, want one import.completed", len(recorded))
		} else {
			wantCompleted(t, recorded[0], completion{Kind: "engagements", Mode: "valid_rows", Format: "csv",
				FileSHA256: sha256Hex(file), Total: 7, Unchanged: 2, Failed: 5})
		}
		// A changed cell updates the engagement matched by external_ref.
		records[1][3] = "Hosting (renamed)"
		changed := e.importReport(t, path+"?mode=valid_rows", e.admin, sheetBytes(t, sheet.CSV, records), http.StatusOK)
		if changed.Updated != 1 || changed.Rows[0].ID != hosting.ID {
			t.Errorf("changed file: %+v", changed)
		}
		if recent := e.auditSince(t, last); len(recent) < 3 || recent[1]["action"] != "engagement.updated" {
			t.Errorf("events of the changed file %v, want engagement.updated then import.completed", recent)
		}
		byRef := must(t, e.do(t, "GET", "/api/v1/engagements?external_ref=ENG-1", e.admin, nil), http.StatusOK).items(t)
		if len(byRef) != 1 || byRef[0]["name"] != "Hosting (renamed)" {
			t.Errorf("list by external_ref: %v", byRef)
		}
	})
}

// TestImportTemplates downloads each template (CSV and XLSX, en and ja headers) and imports a row
// written under its header: the template is a file the import reads.
func TestImportTemplates(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		vendorRef := "TPL-VENDOR"
		e.createVendor(t, vendorBody("Template Vendor", "external_ref", vendorRef))
		rows := map[string]map[string]string{
			"vendors":     {"name": "Template %s %s", "kind": "contractor", "country": "JP"},
			"engagements": {"vendor_external_ref": vendorRef, "name": "Template %s %s", "service_type": "saas"},
		}
		for _, what := range []string{"vendors", "engagements"} {
			for _, f := range []sheet.Format{sheet.CSV, sheet.XLSX} {
				for _, lang := range []string{"en", "ja"} {
					t.Run(what+"/"+string(f)+"/"+lang, func(t *testing.T) {
						r := must(t, e.do(t, "GET", fmt.Sprintf("/api/v1/%s/import/template?format=%s&lang=%s", what, f, lang), e.admin, nil), http.StatusOK)
						if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, strings.Split(f.ContentType(), ";")[0]) {
							t.Errorf("Content-Type %q", ct)
						}
						tbl, err := sheet.Read(bytes.NewReader(r.Raw), "")
						if err != nil {
							t.Fatal(err)
						}
						if len(tbl.Rows) != 0 || len(tbl.Header) < 10 {
							t.Fatalf("template: header %q, %d rows", tbl.Header, len(tbl.Rows))
						}
						if lang == "ja" && !slices.Contains(tbl.Header, "名称") || lang == "en" && !slices.Contains(tbl.Header, "name") {
							t.Errorf("%s header %q", lang, tbl.Header)
						}
						canonical := map[string]string{"名称": "name", "種別": "kind", "国": "country", "取引先外部参照ID": "vendor_external_ref", "サービス種別": "service_type"}
						row := make([]string, len(tbl.Header))
						for i, h := range tbl.Header {
							if c, ok := canonical[h]; ok {
								h = c
							}
							row[i] = rows[what][h]
							if h == "name" {
								row[i] = fmt.Sprintf(row[i], f, lang)
							}
						}
						rep := e.importReport(t, "/api/v1/"+what+"/import", e.admin, sheetBytes(t, f, [][]string{tbl.Header, row}), http.StatusOK)
						if rep.Created != 1 {
							t.Errorf("import under the template's header: %+v", rep)
						}
					})
				}
			}
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/import/template?format=pdf", e.admin, nil), http.StatusUnprocessableEntity, "format")
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/import/template?lang=fr", e.admin, nil), http.StatusUnprocessableEntity, "lang")
	})
}

// startJob stores an import job as the admin, as a large upload would.
func (e *env) startJob(t *testing.T, kind string, rows ...bulk.Row) string {
	t.Helper()
	p, err := e.keys.Authenticate(t.Context(), e.admin)
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.jobs.Start(auth.WithPrincipal(t.Context(), p), kind, rows, bulk.Options{Mode: bulk.AllOrNothing}, bulk.Source{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	return j.ID
}

func (e *env) job(t *testing.T, id, key string) api.JobResponse {
	t.Helper()
	var j api.JobResponse
	must(t, e.do(t, "GET", "/api/v1/jobs/"+id, key, nil), http.StatusOK).into(t, &j)
	return j
}

// TestImportJob: above ImportJobRows an import is a job (202 and Location); it runs under its lease,
// shows its progress and report, is visible to the roles that may import only, and a job left
// running by a replica that died is taken up once that replica's lease expired.
func TestImportJob(t *testing.T) {
	records, _ := vendorFile(120) // row 102 has a bad corporate number
	file := sheetBytes(t, sheet.CSV, records)
	eachDBWith(t, api.Config{ImportJobRows: 50}, func(t *testing.T, e *env) {
		r := must(t, e.do(t, "POST", "/api/v1/vendors/import?mode=valid_rows", e.admin, fileUpload("v.csv", file)), http.StatusAccepted)
		var started api.JobResponse
		r.into(t, &started)
		if r.Header.Get("Location") != "/api/v1/jobs/"+started.ID || started.State != "queued" || started.RowsTotal != 120 || started.Kind != "vendors" {
			t.Fatalf("started %+v, Location %q", started, r.Header.Get("Location"))
		}
		procurement := e.key(t, auth.RoleProcurement, "")
		if j := e.job(t, started.ID, procurement); j.State != "queued" || j.Report != nil {
			t.Errorf("before the run: %+v", j)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/jobs/"+started.ID, e.key(t, auth.RoleAuditor, ""), nil), http.StatusForbidden)
		wantProblem(t, e.do(t, "GET", "/api/v1/jobs/"+started.ID, e.key(t, auth.RoleSupplier, e.newVendor(t, "Job Supplier")), nil), http.StatusForbidden)
		wantProblem(t, e.do(t, "GET", "/api/v1/jobs/"+unknownID(), e.admin, nil), http.StatusNotFound)

		ran, err := e.jobs.RunPending(t.Context())
		if err != nil || ran != 1 {
			t.Fatalf("ran %d jobs: %v", ran, err)
		}
		done := e.job(t, started.ID, e.admin)
		if done.State != "done" || done.RowsDone != 120 || done.Report == nil || done.Report.Created != 119 || done.Report.Errors != 1 ||
			done.EndedAt == nil {
			t.Fatalf("done: %+v", done)
		}
		if bad := done.Report.Rows[100]; bad.Row != 102 || bad.Outcome != "error" || bad.Errors[0].Header != "法人番号" {
			t.Errorf("row 102 in the job's report: %+v", bad)
		}
		if n := len(e.storedVendors(t)); n != 119+1 { // and the supplier's vendor
			t.Errorf("%d vendors stored", n)
		}
		if ev := e.lastAuditEvent(t); ev["actor_role"] != "admin" {
			t.Errorf("the job's events: last %v by %v", ev["action"], ev["actor_role"])
		} else {
			wantCompleted(t, ev, completion{Kind: "vendors", JobID: started.ID, Mode: "valid_rows", Format: "csv",
				FileSHA256: sha256Hex(file), Total: 120, Created: 119, Failed: 1})
		}

		// A replica took the job and died: its lease holds it until it expires, then this replica runs it.
		again := must(t, e.do(t, "POST", "/api/v1/vendors/import?mode=valid_rows", e.admin, fileUpload("v.csv", file)), http.StatusAccepted).str("id")
		leases := repository.NewLeases(e.db)
		now := e.clock.Now()
		if ok, err := leases.Claim(t.Context(), "import_job:"+again, "dead-replica", now, now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim as the dead replica: %v %v", ok, err)
		}
		if err := repository.NewImportJobs(e.db).Progress(t.Context(), again, bulk.JobRunning, 0, now); err != nil {
			t.Fatal(err)
		}
		if ran, err := e.jobs.RunPending(t.Context()); err != nil || ran != 0 {
			t.Fatalf("ran %d jobs under another replica's lease: %v", ran, err)
		}
		if j := e.job(t, again, e.admin); j.State != "running" {
			t.Errorf("job held by the dead replica: %s", j.State)
		}
		e.clock.Advance(2 * time.Minute)
		if ran, err := e.jobs.RunPending(t.Context()); err != nil || ran != 1 {
			t.Fatalf("after the lease expired: ran %d: %v", ran, err)
		}
		if j := e.job(t, again, e.admin); j.State != "done" || j.Report == nil || j.Report.Unchanged != 119 || j.Report.Created != 0 {
			t.Errorf("taken-up job: %+v", j)
		}
		wantCompleted(t, e.lastAuditEvent(t), completion{Kind: "vendors", JobID: again, Mode: "valid_rows", Format: "csv",
			FileSHA256: sha256Hex(file), Total: 120, Unchanged: 119, Failed: 1})
	})
}

// TestVendorImportMatching: rows update the vendor their corporate number or external_ref names,
// keys that name two vendors are errors, and an update follows PATCH's rules (the lifecycle).
func TestVendorImportMatching(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		numA, numB := newCorpNumber(), newCorpNumber()
		a := e.createVendor(t, vendorBody("Match A", "corporate_number", numA, "external_ref", "ERP-A"))
		b := e.createVendor(t, vendorBody("Match B", "external_ref", "ERP-B", "description", "kept"))
		c := e.createVendor(t, vendorBody("Match C", "corporate_number", numB, "status", "active"))
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+c.ID, e.admin, map[string]any{"status": "offboarding"}), http.StatusOK)
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+c.ID, e.admin, map[string]any{"status": "terminated"}), http.StatusOK)
		records := [][]string{
			{"corporate_number", "external_ref", "name", "country", "status", "description", "kind"},
			{numA, "", "Match A (renamed)", "JP", "", "", ""},       // by corporate number
			{"", "ERP-B", "", "US", "", "", ""},                     // by external_ref; empty cells keep
			{numA, "ERP-B", "Crossed", "", "", "", ""},              // the keys name two vendors
			{numB, "", "", "", "active", "", ""},                    // terminated is final
			{"", "ERP-NEW", "New One", "", "", "imported", "other"}, // new
		}
		file := sheetBytes(t, sheet.CSV, records)
		rep := e.importReport(t, "/api/v1/vendors/import?mode=valid_rows", e.admin, file, http.StatusOK)
		want := []struct {
			outcome, id, column string
		}{{"updated", a.ID, ""}, {"updated", b.ID, ""}, {"error", "", "external_ref"}, {"error", "", "status"}, {"created", "", ""}}
		for i, w := range want {
			got := rep.Rows[i]
			if got.Outcome != w.outcome || w.id != "" && got.ID != w.id ||
				w.column != "" && !slices.ContainsFunc(got.Errors, func(p api.ImportProblem) bool { return p.Column == w.column }) {
				t.Errorf("row %d: %+v, want %s %s %s", got.Row, got, w.outcome, w.id, w.column)
			}
		}
		var gotA, gotB api.VendorResponse
		must(t, e.do(t, "GET", "/api/v1/vendors/"+a.ID, e.admin, nil), http.StatusOK).into(t, &gotA)
		must(t, e.do(t, "GET", "/api/v1/vendors/"+b.ID, e.admin, nil), http.StatusOK).into(t, &gotB)
		if gotA.Name != "Match A (renamed)" || gotA.Country != "JP" || gotA.Version != 2 || gotA.ExternalRef != "ERP-A" {
			t.Errorf("vendor A after import: %+v", gotA)
		}
		if gotB.Country != "US" || gotB.Name != "Match B" || gotB.Description == nil || *gotB.Description != "kept" {
			t.Errorf("vendor B after import: %+v", gotB)
		}
		trail := must(t, e.do(t, "GET", "/api/v1/audit-events?resource_id="+a.ID, e.admin, nil), http.StatusOK).items(t)
		if len(trail) == 0 || trail[0]["action"] != "vendor.updated" || trail[0]["path"] != "/api/v1/vendors/import" {
			t.Errorf("vendor A's newest audit event: %v", trail[0])
		}
		items := must(t, e.do(t, "GET", "/api/v1/vendors?external_ref=ERP-NEW", e.admin, nil), http.StatusOK).items(t)
		if len(items) != 1 || items[0]["name"] != "New One" {
			t.Errorf("list by external_ref: %v", items)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors?external_ref=ERP-NEW", e.key(t, auth.RoleSupplier, a.ID), nil),
			http.StatusUnprocessableEntity, "external_ref")
		// A bad header is refused before any row is read.
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors/import", e.admin, fileUpload("v.csv", []byte("name,colour\nX,red\n"))),
			http.StatusUnprocessableEntity, "header")
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors/import?mode=some", e.admin, fileUpload("v.csv", file)),
			http.StatusUnprocessableEntity, "mode")
	})
}

// TestImportJobFailed: a job whose second chunk fails (a trigger refuses the 551st vendor) keeps its
// first chunk's rows and their events, and records import.failed with the rows committed and the error.
func TestImportJobFailed(t *testing.T) {
	records, _ := vendorFile(bulk.JobChunk + 100)
	file := sheetBytes(t, sheet.CSV, records)
	eachDBWith(t, api.Config{ImportJobRows: 50}, func(t *testing.T, e *env) {
		if e.db.Dialect() == repository.DialectMySQL {
			e.sqlExec(t, `CREATE TRIGGER fail_late_vendors BEFORE INSERT ON vendors FOR EACH ROW
				BEGIN IF (SELECT COUNT(*) FROM vendors) >= 550 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'died'; END IF; END`)
		} else {
			e.sqlExec(t, `CREATE TRIGGER fail_late_vendors BEFORE INSERT ON vendors
				WHEN (SELECT COUNT(*) FROM vendors) >= 550 BEGIN SELECT RAISE(ABORT, 'died'); END`)
		}
		t.Cleanup(func() {
			_, _ = e.db.SQL().ExecContext(context.Background(), "DROP TRIGGER IF EXISTS fail_late_vendors")
		})
		id := must(t, e.do(t, "POST", "/api/v1/vendors/import?mode=valid_rows", e.admin, fileUpload("v.csv", file)), http.StatusAccepted).str("id")
		if _, err := e.jobs.RunPending(t.Context()); err != nil {
			t.Fatalf("run: %v", err)
		}
		if j := e.job(t, id, e.admin); j.State != "failed" || j.Error == "" {
			t.Fatalf("job %+v, want failed", j)
		}
		if n := len(e.storedVendors(t)); n == 0 || n > bulk.JobChunk { // the first chunk, without its bad rows
			t.Errorf("%d vendors stored, want the first chunk's", n)
		}
		ev := e.lastAuditEvent(t)
		if ev["action"] != bulk.FailedType || ev["resource_type"] != bulk.SubjectType || ev["resource_id"] != id || ev["actor_role"] != "admin" {
			t.Fatalf("last event %v on %v %v by %v, want %s", ev["action"], ev["resource_type"], ev["resource_id"], ev["actor_role"], bulk.FailedType)
		}
		raw, _ := json.Marshal(ev["result"].(map[string]any)["data"])
		var got struct {
			Kind       string `json:"kind"`
			JobID      string `json:"job_id"`
			Mode       string `json:"mode"`
			FileSHA256 string `json:"file_sha256"`
			Total      int    `json:"total"`
			Committed  int    `json:"committed"`
			Error      string `json:"error"`
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if got.Kind != "vendors" || got.JobID != id || got.Mode != "valid_rows" || got.FileSHA256 != sha256Hex(file) ||
			got.Total != bulk.JobChunk+100 || got.Committed != bulk.JobChunk || got.Error == "" {
			t.Errorf("data %s", raw)
		}
	})
}
