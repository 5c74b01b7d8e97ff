package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// internalFields are vendor fields a supplier never sees.
var internalFields = []string{"description", "internal_owner", "tags", "allowed_transitions"}

func TestSupplierIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		type side struct{ vendor, contact, cert string }
		mk := func(name string) side {
			id := e.createVendor(t, vendorBody(name, "description", "internal notes on "+name,
				"internal_owner", "it-infra@example.co.jp", "tags", []string{"tier-1", "hosting"})).ID
			return side{
				vendor:  id,
				contact: e.newContact(t, id, map[string]any{"name": "Contact of " + name, "email": "sec@example.com"}).ID,
				cert:    e.seedCertification(t, id, "2025-01-01", "2027-01-01"),
			}
		}
		a, b := mk("Alpha Cloud"), mk("Bravo Hosting")
		shared := e.newVendor(t, "Charlie DC")
		e.link(t, a.vendor, shared)
		e.link(t, b.vendor, shared)
		supplier := e.key(t, auth.RoleSupplier, a.vendor)

		urls := func(s side) []string {
			v := "/api/v1/vendors/" + s.vendor
			return []string{v, v + "/contacts", v + "/contacts/" + s.contact, v + "/certifications",
				v + "/certifications/" + s.cert, v + "/subcontractors"}
		}
		for _, u := range urls(a) {
			t.Run("own "+u, func(t *testing.T) {
				must(t, e.do(t, "GET", u, supplier, nil), http.StatusOK)
			})
		}
		// Another vendor's URLs answer exactly like URLs of nothing: 404, never 403.
		hiddenURLs := append(urls(b), "/api/v1/vendors/"+shared, "/api/v1/vendors/"+shared+"/contacts")
		for _, u := range hiddenURLs {
			t.Run("other "+u, func(t *testing.T) {
				wantProblem(t, e.do(t, "GET", u, supplier, nil), http.StatusNotFound)
				must(t, e.do(t, "GET", u, e.admin, nil), http.StatusOK) // it exists: the 404 hides it
			})
		}
		// Another vendor's part under the own vendor's URL.
		for _, u := range []string{
			"/api/v1/vendors/" + a.vendor + "/contacts/" + b.contact,
			"/api/v1/vendors/" + a.vendor + "/certifications/" + b.cert,
		} {
			wantProblem(t, e.do(t, "GET", u, supplier, nil), http.StatusNotFound)
		}
		nothing := e.do(t, "GET", "/api/v1/vendors/"+unknownID(), supplier, nil)
		hidden := e.do(t, "GET", "/api/v1/vendors/"+b.vendor, supplier, nil)
		if nothing.str("type") != hidden.str("type") || nothing.str("title") != hidden.str("title") {
			t.Errorf("a hidden vendor answers differently from a missing one:\n%s\n%s", hidden, nothing)
		}

		// Lists hold only the supplier's vendor, whatever the filters.
		for _, q := range []string{"", "?q=Bravo", "?sort=name", "?kind=cloud_provider&limit=1"} { // ?tag= is refused: TestSupplierCannotFilterOnInternalTags
			items := must(t, e.do(t, "GET", "/api/v1/vendors"+q, supplier, nil), http.StatusOK).items(t)
			for _, it := range items {
				if it["id"] != a.vendor {
					t.Errorf("GET /vendors%s shows vendor %v to the supplier of %s", q, it["id"], a.vendor)
				}
			}
			if q == "" && len(items) != 1 {
				t.Errorf("GET /vendors shows %d vendors, want only the own one", len(items))
			}
		}

		// Internal fields: shown to internal roles, never to the supplier.
		got := must(t, e.do(t, "GET", "/api/v1/vendors/"+a.vendor, e.admin, nil), http.StatusOK)
		for _, f := range internalFields {
			if _, ok := got.JSON[f]; !ok {
				t.Errorf("admin does not see %s: %s", f, got)
			}
		}
		own := must(t, e.do(t, "GET", "/api/v1/vendors/"+a.vendor, supplier, nil), http.StatusOK)
		for _, f := range internalFields {
			if _, ok := own.JSON[f]; ok {
				t.Errorf("the supplier sees %s: %s", f, own)
			}
		}
		if own.str("name") != "Alpha Cloud" {
			t.Errorf("the supplier reads %s", own)
		}
		for _, it := range must(t, e.do(t, "GET", "/api/v1/vendors", supplier, nil), http.StatusOK).items(t) {
			for _, f := range internalFields {
				if _, ok := it[f]; ok {
					t.Errorf("the supplier's list shows %s: %v", f, it)
				}
			}
		}

		// Writes are refused, to the own vendor and to others alike.
		for _, u := range []string{"/api/v1/vendors/" + a.vendor, "/api/v1/vendors/" + b.vendor} {
			wantProblem(t, e.do(t, "PATCH", u, supplier, map[string]any{"name": "x"}), http.StatusForbidden)
		}
	})
}

// TestSupplierCannotSeeEngagements: engagements, their risk, contracts, gaps and the risk policy are
// internal. A supplier gets 404 for them, even for its own vendor's engagement, exactly as for ids
// that name nothing, and its lists are 404 too.
func TestSupplierCannotSeeEngagements(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		own := e.newVendor(t, "Supplier's Own Cloud")
		eng := e.createEngagement(t, engagementBody(own))
		k := e.createContract(t, eng.ID, contractBody())
		supplier := e.key(t, auth.RoleSupplier, own)

		urls := []string{
			"/api/v1/engagements/" + eng.ID,
			"/api/v1/engagements/" + eng.ID + "/risk",
			"/api/v1/engagements/" + eng.ID + "/contracts",
			"/api/v1/contracts/" + k.ID,
			"/api/v1/contracts/" + k.ID + "/gaps",
			"/api/v1/risk-policy",
			"/api/v1/engagements",
			"/api/v1/engagements?vendor_id=" + own,
		}
		nothing := e.do(t, "GET", "/api/v1/engagements/"+unknownID(), supplier, nil)
		wantProblem(t, nothing, http.StatusNotFound)
		for _, u := range urls {
			t.Run(u, func(t *testing.T) {
				must(t, e.do(t, "GET", u, e.admin, nil), http.StatusOK) // it exists
				r := e.do(t, "GET", u, supplier, nil)
				wantProblem(t, r, http.StatusNotFound)
				if r.str("type") != nothing.str("type") || r.str("title") != nothing.str("title") || r.str("detail") != nothing.str("detail") {
					t.Errorf("GET %s answers differently from a missing engagement:\n%s\n%s", u, r, nothing)
				}
				for _, leak := range []string{"Customer portal", "575000000", "tier", own} {
					if strings.Contains(r.str("detail"), leak) || r.JSON["errors"] != nil || strings.Contains(string(r.Raw), leak) {
						t.Errorf("the 404 leaks %q: %s", leak, r)
					}
				}
			})
		}
		// Writes are hidden the same way and change nothing.
		writes := []struct {
			method, url string
			body        any
		}{
			{"POST", "/api/v1/engagements", engagementBody(own)},
			{"PATCH", "/api/v1/engagements/" + eng.ID, map[string]any{"name": "x"}},
			{"POST", "/api/v1/engagements/" + eng.ID + "/tier-override", map[string]any{"tier": 4, "reason": "x"}},
			{"POST", "/api/v1/engagements/" + eng.ID + "/contracts", contractBody()},
			{"PATCH", "/api/v1/contracts/" + k.ID, map[string]any{"title": "x"}},
			{"PUT", "/api/v1/risk-policy", defaultPolicyBody()},
		}
		for _, w := range writes {
			wantProblem(t, e.do(t, w.method, w.url, supplier, w.body), http.StatusNotFound)
		}
		if r := must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID, e.admin, nil), http.StatusOK); r.Header.Get("ETag") != `"1"` {
			t.Errorf("a supplier's refused write changed the engagement: %s", r)
		}
		if n := len(must(t, e.do(t, "GET", "/api/v1/engagements", e.admin, nil), http.StatusOK).items(t)); n != 1 {
			t.Errorf("%d engagements after the supplier's refused create", n)
		}
		// The supplier still reads its own vendor.
		must(t, e.do(t, "GET", "/api/v1/vendors/"+own, supplier, nil), http.StatusOK)
	})
}

// TestSupplierCannotFilterOnInternalTags: a supplier credential cannot probe its vendor's internal tags
// through GET /vendors?tag= (422 naming tag, whether the tag is there or not, so the answer tells
// nothing); other filters still work for it, and internal roles filter on tags as before.
func TestSupplierCannotFilterOnInternalTags(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.createVendor(t, vendorBody("Tagged KK", "tags", []string{"exit-candidate"})).ID
		sup := e.key(t, auth.RoleSupplier, v)
		for _, tag := range []string{"exit-candidate", "strategic", " "} {
			r := e.do(t, "GET", "/api/v1/vendors?tag="+url.QueryEscape(tag), sup, nil)
			if tag == " " { // blank is no filter
				must(t, r, http.StatusOK)
				continue
			}
			wantProblem(t, r, http.StatusUnprocessableEntity, "tag")
		}
		if got := must(t, e.do(t, "GET", "/api/v1/vendors?q=Tagged", sup, nil), http.StatusOK).items(t); len(got) != 1 || got[0]["tags"] != nil {
			t.Errorf("supplier's own vendor by name: %v (tags must stay hidden)", got)
		}
		if got := must(t, e.do(t, "GET", "/api/v1/vendors?tag=exit-candidate", e.key(t, auth.RoleAuditor, ""), nil), http.StatusOK).items(t); len(got) != 1 {
			t.Errorf("an auditor filtering on the tag lists %d vendors, want 1", len(got))
		}
	})
}
