package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/api/sheet"
	"github.com/vendorrisk/vendorrisk/domain/register"
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
		raw, _ := json.Marshal(r.JSON["report"])
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatalf("422 without a report: %s", r)
		}
		return rep
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
	sjisCSV := shiftJIS(t, csvBytes(t, records))
	xlsx := sheetBytes(t, sheet.XLSX, records)
	eachDB(t, func(t *testing.T, e *env) {
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
		// Dry run of valid_rows: the same rows, 200, still nothing written.
		dryValid := e.importReport(t, path+"?dry_run=true&mode=valid_rows", e.admin, utf8CSV, http.StatusOK)
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
		audited := e.lastAuditEvent(t)
		if audited["action"] != "vendor.created" {
			t.Errorf("last audit event %v, want vendor.created", audited["action"])
		}

		// The same file again: every good row unchanged, no event.
		again := e.importReport(t, path+"?mode=valid_rows", e.admin, utf8CSV, http.StatusOK)
		if again.Unchanged != 2988 || again.Created+again.Updated != 0 || again.Applied {
			t.Errorf("re-import: unchanged %d created %d updated %d", again.Unchanged, again.Created, again.Updated)
		}
		wantBadRows(t, again, bad)
		if now := e.lastAuditEvent(t); now["seq"] != audited["seq"] {
			t.Errorf("re-import recorded %v", now["action"])
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
