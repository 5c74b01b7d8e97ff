package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

const importRows = 10_000

// importFile is a CSV of importRows new vendors (corporate number, external reference, name, kind,
// country, tags); batch makes its keys differ from every other batch's.
func importFile(b *testing.B, batch int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"external_ref", "corporate_number", "name", "kind", "country", "tags"})
	for i := range importRows {
		n := batch*importRows + i
		_ = w.Write([]string{fmt.Sprintf("ERP-%07d", n), corporateNumber(fmt.Sprintf("%012d", 300000000000+n)),
			fmt.Sprintf("ベンチ商事%05d株式会社", n), "contractor", "JP", "bench;tier-" + strconv.Itoa(n%4)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// corporateNumber adds the check digit to 12 digits.
func corporateNumber(body string) string {
	sum := 0
	for i := range 12 {
		q := 1
		if (12-i)%2 == 0 {
			q = 2
		}
		sum += int(body[i]-'0') * q
	}
	return strconv.Itoa(9-sum%9) + body
}

// BenchmarkImport10k imports 10,000 new vendors (POST /api/v1/vendors/import, a CSV upload): parsing,
// the batch lookup, every row's rules, the inserts and their 10,000 audited events. "request" runs the
// file in its request (one transaction); "job" is the same file above VENDORRISK_IMPORT_JOB_ROWS: the
// 202, then the job run to its end (chunks of 500 rows, progress stored after each).
func BenchmarkImport10k(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		for _, mode := range []string{"request", "job"} {
			b.Run(dialect+"/"+mode, func(b *testing.B) {
				db := testdb.Open(b, dialect)
				svc := wiring.Wire(db, domain.SystemClock, nil)
				_, secret, err := svc.Keys.Create(context.Background(), apikey.NewKey{Role: auth.RoleProcurement, CreatedBy: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				cfg := api.Config{RateLimit: 0, ImportJobRows: -1} // -1: every file in its request
				if mode == "job" {
					cfg.ImportJobRows = 2000
				}
				h := api.NewHandler(cfg, svc.APIDeps(db, testdb.Logger(), domain.SystemClock))
				batch := 0
				for b.Loop() {
					b.StopTimer()
					req := importRequest(b, secret, batch)
					batch++
					rec := httptest.NewRecorder()
					b.StartTimer()
					h.ServeHTTP(rec, req)
					if mode == "job" {
						if rec.Code != http.StatusAccepted {
							b.Fatalf("import: %d %.300s", rec.Code, rec.Body.String())
						}
						if ran, err := svc.Jobs.RunPending(context.Background()); err != nil || ran != 1 {
							b.Fatalf("ran %d jobs: %v", ran, err)
						}
						b.StopTimer()
						var started api.JobResponse
						_ = json.Unmarshal(rec.Body.Bytes(), &started)
						j, err := repository.NewImportJobs(db).Get(context.Background(), started.ID)
						if err != nil || j.State != bulk.JobDone || j.Report == nil || j.Report.Created != importRows {
							b.Fatalf("job %s: %s %v", started.ID, j.State, err)
						}
						b.StartTimer()
						continue
					}
					b.StopTimer()
					var rep api.ImportReport
					if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &rep) != nil || rep.Created != importRows {
						b.Fatalf("import: %d %.300s", rec.Code, rec.Body.String())
					}
					b.StartTimer()
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/10k-rows")
			})
		}
	}
}

// importRequest is the upload of batch's file.
func importRequest(b *testing.B, secret string, batch int) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "vendors.csv")
	_, _ = fw.Write(importFile(b, batch))
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/api/v1/vendors/import", &body)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}
