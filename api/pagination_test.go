package api_test

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

type listed struct{ id, name string }

// page fetches one page of vendors.
func (e *env) page(t *testing.T, query url.Values) (items []listed, next string) {
	t.Helper()
	r := must(t, e.do(t, "GET", "/api/v1/vendors?"+query.Encode(), e.admin, nil), http.StatusOK)
	for _, it := range r.items(t) {
		items = append(items, listed{id: it["id"].(string), name: it["name"].(string)})
	}
	return items, r.str("next_cursor")
}

func TestCursorPagination(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// Name order differs from creation order, and some names tie (the id breaks the tie).
		for _, n := range []string{"vendor-05", "vendor-02", "vendor-09", "vendor-02", "vendor-07",
			"vendor-01", "vendor-07", "vendor-04", "vendor-10", "vendor-03", "vendor-07"} {
			e.newVendor(t, n)
		}
		// Inserted while paging: before, between and after the originals in every order.
		inserts := []string{"vendor-00", "vendor-06", "vendor-99", "vendor-02", "vendor-055", "vendor-08"}

		orders := map[string]func(a, b listed) int{
			"created_at":  func(a, b listed) int { return cmp.Compare(a.id, b.id) },
			"-created_at": func(a, b listed) int { return cmp.Compare(b.id, a.id) },
			"name":        func(a, b listed) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.id, b.id)) },
			"-name":       func(a, b listed) int { return cmp.Or(cmp.Compare(b.name, a.name), cmp.Compare(b.id, a.id)) },
		}
		for _, sort := range []string{"created_at", "-created_at", "name", "-name"} {
			t.Run(sort, func(t *testing.T) {
				// The originals are every vendor that exists when paging starts.
				want, next := e.page(t, url.Values{"limit": {"200"}, "sort": {sort}})
				if next != "" {
					t.Fatalf("more than 200 vendors")
				}
				slices.SortFunc(want, orders[sort])
				original := map[string]bool{}
				for _, v := range want {
					original[v.id] = true
				}

				var got []listed
				seen := map[string]bool{}
				cursor, pages := "", 0
				for {
					q := url.Values{"limit": {"3"}, "sort": {sort}}
					if cursor != "" {
						q.Set("cursor", cursor)
					}
					items, next := e.page(t, q)
					pages++
					if len(items) > 3 {
						t.Fatalf("page of %d items with limit=3", len(items))
					}
					for _, it := range items {
						if seen[it.id] {
							t.Errorf("vendor %s %s listed twice", it.id, it.name)
						}
						seen[it.id] = true
						if original[it.id] {
							got = append(got, it)
						}
					}
					if next == "" {
						break
					}
					if pages > 50 {
						t.Fatal("pagination does not end")
					}
					cursor = next
					if pages <= len(inserts) {
						e.newVendor(t, inserts[pages-1])
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("with sort=%s and inserts between pages, the originals came as\n%v\nwant\n%v", sort, got, want)
				}
			})
		}

		// Limits and cursors.
		for len(must(t, e.do(t, "GET", "/api/v1/vendors?limit=200", e.admin, nil), http.StatusOK).items(t)) <= 50 {
			e.newVendor(t, "filler")
		}
		for _, q := range []string{"", "?limit="} {
			r := must(t, e.do(t, "GET", "/api/v1/vendors"+q, e.admin, nil), http.StatusOK)
			if n := len(r.items(t)); n != 50 || r.str("next_cursor") == "" {
				t.Errorf("GET /vendors%s: %d items, next_cursor %q; want the default page of 50 and a cursor", q, n, r.str("next_cursor"))
			}
		}
		must(t, e.do(t, "GET", "/api/v1/vendors?limit=200", e.admin, nil), http.StatusOK)
		_, nameCursor := e.page(t, url.Values{"limit": {"1"}, "sort": {"name"}})
		badID := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"created_at","id":"42"}`))
		for _, tc := range []struct{ query, field string }{
			{"limit=201", "limit"},
			{"limit=-1", "limit"},
			{"limit=0", "limit"},
			{"limit=" + strconv.Itoa(1<<40), "limit"},
			{"cursor=garbage!!", "cursor"},
			{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("not json")), "cursor"},
			{"cursor=" + badID, "cursor"},
			{"sort=created_at&cursor=" + nameCursor, "cursor"},
		} {
			t.Run(tc.query, func(t *testing.T) {
				wantProblem(t, e.do(t, "GET", "/api/v1/vendors?"+tc.query, e.admin, nil), http.StatusUnprocessableEntity, tc.field)
			})
		}
	})
}

func TestVendorListFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.createVendor(t, vendorBody("Discount 100% Cloud", "kind", "cloud_provider", "country", "jp", "tags", []string{"Hosting"})).ID
		b := e.createVendor(t, vendorBody("Under_score Contractors", "kind", "contractor", "country", "US", "legal_name", "Acme K.K.")).ID
		c := e.createVendor(t, vendorBody("Plain Other", "kind", "other", "status", "active", "tags", []string{"tier-1", "hosting"})).ID
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{a, b, c}},
			{"kind=contractor", []string{b}},
			{"status=active", []string{c}},
			{"status=proposed", []string{a, b}},
			{"country=JP", []string{a}},
			{"country=us", []string{b}},
			{"tag=hosting", []string{a, c}},
			{"tag=TIER-1", []string{c}},
			{"q=%25", []string{a}},   // a literal %, not a wildcard
			{"q=_", []string{b}},     // a literal _, not a wildcard
			{"q=acme", []string{b}},  // legal name
			{"q=cloud", []string{a}}, // case-insensitive
			{"kind=other&tag=hosting", []string{c}},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				items, _ := e.page(t, mustQuery(t, tc.query))
				var got []string
				for _, it := range items {
					got = append(got, it.id)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("GET /vendors?%s: %v, want %v", tc.query, got, tc.want)
				}
			})
		}
	})
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestListLimitOutOfRange: on every paginated list, a given limit outside 1..200 is 422 naming limit,
// 0 included (absent means the default page); a given tier outside 1..4 likewise.
func TestListLimitOutOfRange(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		vendorID := e.newVendor(t, "Limits KK")
		sup := e.key(t, auth.RoleSupplier, vendorID)
		fw := "iso27001-2022"
		if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
			t.Fatal(err)
		}
		lists := []struct{ path, key string }{
			{"/api/v1/vendors", e.admin},
			{"/api/v1/engagements", e.admin},
			{"/api/v1/api-keys", e.admin},
			{"/api/v1/frameworks", e.admin},
			{"/api/v1/frameworks/" + fw + "/controls", e.admin},
			{"/api/v1/questionnaire-templates", e.admin},
			{"/api/v1/assessments", e.admin},
			{"/api/v1/findings", e.admin},
			{"/api/v1/decisions", e.admin},
			{"/api/v1/risk-acceptances", e.admin},
			{"/api/v1/audit-events", e.admin},
			{"/api/v1/supplier/assessments", sup},
			{"/api/v1/supplier/findings", sup},
		}
		for _, l := range lists {
			must(t, e.do(t, "GET", l.path, l.key, nil), http.StatusOK)
			must(t, e.do(t, "GET", l.path+"?limit=1", l.key, nil), http.StatusOK)
			for _, q := range []string{"0", "-1", "201", "ten"} {
				wantProblem(t, e.do(t, "GET", l.path+"?limit="+q, l.key, nil), http.StatusUnprocessableEntity, "limit")
			}
		}
		for _, q := range []string{"0", "5", "-1"} {
			wantProblem(t, e.do(t, "GET", "/api/v1/engagements?tier="+q, e.admin, nil), http.StatusUnprocessableEntity, "tier")
		}
		must(t, e.do(t, "GET", "/api/v1/engagements?tier=4", e.admin, nil), http.StatusOK)
	})
}
