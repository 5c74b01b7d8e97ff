package api_test

import (
	"net/http"
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
		for _, q := range []string{"", "?q=Bravo", "?sort=name", "?kind=cloud_provider&limit=1", "?tag=tier-1"} {
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
