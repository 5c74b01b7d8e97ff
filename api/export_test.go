package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// readSheet reads an export's rows: CSV after its byte-order mark, or the first sheet of an XLSX file.
func readSheet(t *testing.T, r resp) [][]string {
	t.Helper()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	disp, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] == "" {
		t.Errorf("Content-Disposition %q, want an attachment with a file name", r.Header.Get("Content-Disposition"))
	}
	switch ct {
	case "text/csv":
		body, ok := bytes.CutPrefix(r.Raw, []byte("\uFEFF"))
		if !ok {
			t.Errorf("CSV without a byte-order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("read csv: %v", err)
		}
		return rows
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		f, err := excelize.OpenReader(bytes.NewReader(r.Raw))
		if err != nil {
			t.Fatalf("read xlsx: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	t.Fatalf("export content type %q", r.Header.Get("Content-Type"))
	return nil
}

// column returns the cells of the named column (below the header), failing when it is missing.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		if i < len(r) {
			out = append(out, r[i])
		} else {
			out = append(out, "")
		}
	}
	return out
}

// seedVendors registers n vendors directly through the service (the export pages through them).
func seedVendors(t *testing.T, e *env, n int, kind register.Kind, tag string) {
	t.Helper()
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{KeyID: "seed", Role: auth.RoleAdmin})
	err := e.db.InTx(ctx, func(ctx context.Context) error {
		for i := range n {
			if _, err := e.vendors.Create(ctx, register.Vendor{Kind: kind, Name: fmt.Sprintf("Seeded %s %03d", kind, i),
				Country: "JP", Tags: []string{tag}, InternalOwner: "procurement@example.co.jp"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExportVendors(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// 230 contractors (more than one 200-row page) and 3 cloud providers, one named like a formula.
		seedVendors(t, e, 230, register.KindContractor, "bulk")
		own := e.createVendor(t, vendorBody("=HYPERLINK(\"http://evil\")", "tags", []string{"secret-tag"}, "internal_owner", "it@example.co.jp")).ID
		e.newVendor(t, "Cloud Two")
		e.newVendor(t, "クラウド三")
		auditor := e.key(t, auth.RoleAuditor, "")

		cases := []struct {
			name, query, key, lang string
			rows                   int
			header0                string
			wantCols, noCols       []string
		}{
			{"csv filtered by kind, English", "?kind=cloud_provider", e.admin, "", 3, "id",
				[]string{"name", "tags", "internal_owner"}, nil},
			{"csv of every vendor", "", e.admin, "en", 233, "id", []string{"name"}, nil},
			{"xlsx filtered by tag, Japanese", "?format=xlsx&tag=bulk&sort=name", e.admin, "ja", 230, "ID",
				[]string{"名称", "タグ", "社内担当"}, nil},
			{"xlsx for the auditor", "?format=xlsx&kind=cloud_provider", auditor, "", 3, "id", []string{"tags"}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var h []string
				if tc.lang != "" {
					h = []string{"Accept-Language", tc.lang}
				}
				rows := readSheet(t, must(t, e.do(t, "GET", "/api/v1/vendors/export"+tc.query, tc.key, nil, h...), http.StatusOK))
				if len(rows)-1 != tc.rows || rows[0][0] != tc.header0 {
					t.Fatalf("%d rows under header %q, want %d under %q", len(rows)-1, rows[0], tc.rows, tc.header0)
				}
				for _, c := range tc.wantCols {
					column(t, rows, c)
				}
				if strings.Contains(tc.query, "sort=name") {
					if names := column(t, rows, rows[0][1]); !slices.IsSorted(names) {
						t.Errorf("sort=name: names not in order across pages: %q", names)
					}
				}
				ids := column(t, rows, rows[0][0])
				if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
					t.Errorf("an id appears twice across pages")
				}
			})
		}

		// The name of the vendor that looks like a formula: defused in CSV, kept as text in XLSX.
		rows := readSheet(t, must(t, e.do(t, "GET", "/api/v1/vendors/export?kind=cloud_provider&sort=name", e.admin, nil), http.StatusOK))
		if names := column(t, rows, "name"); !slices.Contains(names, `'=HYPERLINK("http://evil")`) {
			t.Errorf("csv names %q, want the formula defused", names)
		}
		tags := column(t, rows, "tags")
		if !slices.Contains(tags, "secret-tag") {
			t.Errorf("tags %q, want secret-tag for the admin", tags)
		}

		// A supplier exports its own vendor only, without the internal columns.
		sup := e.key(t, auth.RoleSupplier, own)
		for _, format := range []string{"csv", "xlsx"} {
			rows := readSheet(t, must(t, e.do(t, "GET", "/api/v1/vendors/export?format="+format, sup, nil), http.StatusOK))
			if len(rows) != 2 || column(t, rows, "id")[0] != own {
				t.Errorf("supplier %s export = %q, want its own vendor only", format, rows)
			}
			for _, internal := range []string{"tags", "internal_owner", "description"} {
				if slices.Contains(rows[0], internal) {
					t.Errorf("supplier %s export has the internal column %q", format, internal)
				}
			}
			if strings.Contains(strings.Join(rows[1], ","), "secret-tag") {
				t.Errorf("supplier export leaks a tag: %q", rows[1])
			}
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/export?tag=bulk", sup, nil), http.StatusUnprocessableEntity, "tag")
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/export?format=pdf", e.admin, nil), http.StatusUnprocessableEntity, "format")
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/export?kind=robot", e.admin, nil), http.StatusUnprocessableEntity, "kind")
	})
}

func TestExportEngagementsAndFindings(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		f.round(t, "no", "partial", "yes") // raises findings on q1 and q2
		other := e.newVendor(t, "Other Vendor")
		e.createEngagement(t, engagementBody(other))
		auditor := e.key(t, auth.RoleAuditor, "")

		rows := readSheet(t, must(t, e.do(t, "GET", "/api/v1/engagements/export?vendor_id="+f.vendorID, auditor, nil), http.StatusOK))
		if len(rows) != 2 || column(t, rows, "id")[0] != f.eng || column(t, rows, "effective_tier")[0] != fmt.Sprint(int(f.tier)) {
			t.Errorf("engagements of the vendor = %q, want its one engagement on tier %d", rows, f.tier)
		}
		rows = readSheet(t, must(t, e.do(t, "GET", "/api/v1/engagements/export?format=xlsx", e.admin, nil, "Accept-Language", "ja"), http.StatusOK))
		if len(rows) != 3 || rows[0][0] != "ID" || !slices.Contains(rows[0], "適用ティア") {
			t.Errorf("every engagement in Japanese = %q", rows)
		}

		rows = readSheet(t, must(t, e.do(t, "GET", "/api/v1/findings/export?format=xlsx&severity=high&engagement_id="+f.eng, auditor, nil), http.StatusOK))
		keys := column(t, rows, "question_key")
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"q1", "q2"}) || !slices.Equal(column(t, rows, "control_refs"), []string{"iso27001-2022:5.19", "iso27001-2022:5.19"}) {
			t.Errorf("findings export = %q, want q1 and q2 with their control", rows)
		}
		rows = readSheet(t, must(t, e.do(t, "GET", "/api/v1/findings/export?severity=low", e.admin, nil, "Accept-Language", "ja"), http.StatusOK))
		if len(rows) != 1 || !slices.Contains(rows[0], "重大度") {
			t.Errorf("no low findings: rows %q, want the Japanese header alone", rows)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/findings/export?status=gone", e.admin, nil), http.StatusUnprocessableEntity, "status")

		// Engagements and findings are internal: a supplier does not learn the exports exist.
		sup := e.key(t, auth.RoleSupplier, f.vendorID)
		wantProblem(t, e.do(t, "GET", "/api/v1/engagements/export", sup, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/findings/export", sup, nil), http.StatusNotFound)
	})
}
