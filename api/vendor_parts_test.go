package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

func TestSubcontractors(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a, b, c := e.newVendor(t, "A Corp"), e.newVendor(t, "B Corp"), e.newVendor(t, "C Corp")
		ab := e.link(t, a, b)
		if ab.VendorID != a || ab.SubcontractorID != b || ab.SubcontractorName != "B Corp" || ab.Service != "hosting" {
			t.Errorf("link %+v", ab)
		}
		e.link(t, b, c)
		subs := func(vendorID string) string {
			return "/api/v1/vendors/" + vendorID + "/subcontractors"
		}
		linkBody := func(id string) map[string]any { return map[string]any{"subcontractor_id": id, "service": "x"} }

		// C → A would close A → B → C → A.
		wantProblem(t, e.do(t, "POST", subs(c), e.admin, linkBody(a)), http.StatusUnprocessableEntity, "subcontractor_id")
		wantProblem(t, e.do(t, "POST", subs(b), e.admin, linkBody(a)), http.StatusUnprocessableEntity, "subcontractor_id")
		wantProblem(t, e.do(t, "POST", subs(a), e.admin, linkBody(a)), http.StatusUnprocessableEntity, "subcontractor_id")
		// Unknown or malformed subcontractor.
		wantProblem(t, e.do(t, "POST", subs(a), e.admin, linkBody(unknownID())), http.StatusUnprocessableEntity, "subcontractor_id")
		wantProblem(t, e.do(t, "POST", subs(a), e.admin, linkBody("c-corp")), http.StatusUnprocessableEntity, "subcontractor_id")
		// Unknown owner.
		wantProblem(t, e.do(t, "POST", subs(unknownID()), e.admin, linkBody(a)), http.StatusNotFound)
		// Duplicate.
		wantProblem(t, e.do(t, "POST", subs(a), e.admin, linkBody(b)), http.StatusConflict)
		// A → C is fine (a diamond, not a cycle).
		e.link(t, a, c)

		var list api.SubcontractorList
		must(t, e.do(t, "GET", subs(a), e.admin, nil), http.StatusOK).into(t, &list)
		if len(list.Items) != 2 || list.Items[0].SubcontractorName != "B Corp" || list.Items[1].SubcontractorName != "C Corp" {
			t.Errorf("A's subcontractors %+v", list.Items)
		}

		// A vendor others rely on cannot be deleted; one nothing refers to can.
		r := e.do(t, "DELETE", "/api/v1/vendors/"+b, e.admin, nil)
		wantProblem(t, r, http.StatusConflict)
		if !strings.Contains(r.str("detail"), "subcontractor") {
			t.Errorf("409 detail %q does not say what refers to the vendor", r.str("detail"))
		}
		must(t, e.do(t, "GET", "/api/v1/vendors/"+b, e.admin, nil), http.StatusOK)
		// Nor one a supplier key is bound to.
		bound := e.newVendor(t, "Bound Corp")
		e.key(t, auth.RoleSupplier, bound)
		wantProblem(t, e.do(t, "DELETE", "/api/v1/vendors/"+bound, e.admin, nil), http.StatusConflict)

		// Removing the link frees B; deleting A takes its own links with it.
		must(t, e.do(t, "DELETE", subs(a)+"/"+ab.ID, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "DELETE", subs(a)+"/"+ab.ID, e.admin, nil), http.StatusNotFound)
		must(t, e.do(t, "DELETE", "/api/v1/vendors/"+a, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/"+a, e.admin, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", subs(a), e.admin, nil), http.StatusNotFound)
		// C is still B's subcontractor; B, referred to by nothing now, goes with its link to C.
		wantProblem(t, e.do(t, "DELETE", "/api/v1/vendors/"+c, e.admin, nil), http.StatusConflict)
		must(t, e.do(t, "DELETE", "/api/v1/vendors/"+b, e.admin, nil), http.StatusNoContent)
		must(t, e.do(t, "DELETE", "/api/v1/vendors/"+c, e.admin, nil), http.StatusNoContent)
		lone := e.newVendor(t, "Lone Corp")
		must(t, e.do(t, "DELETE", "/api/v1/vendors/"+lone, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/"+lone, e.admin, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "DELETE", "/api/v1/vendors/"+lone, e.admin, nil), http.StatusNotFound)
	})
}

// TestSubcontractorCycleRace: X → Y and Y → X sent at once; one may win, never both.
func TestSubcontractorCycleRace(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for round := range 3 {
			x, y := e.newVendor(t, fmt.Sprintf("X%d", round)), e.newVendor(t, fmt.Sprintf("Y%d", round))
			var wg sync.WaitGroup
			var rx, ry resp
			wg.Go(func() {
				rx = e.do(t, "POST", "/api/v1/vendors/"+x+"/subcontractors", e.admin, map[string]any{"subcontractor_id": y, "service": "s"})
			})
			wg.Go(func() {
				ry = e.do(t, "POST", "/api/v1/vendors/"+y+"/subcontractors", e.admin, map[string]any{"subcontractor_id": x, "service": "s"})
			})
			wg.Wait()
			created := 0
			for _, r := range []resp{rx, ry} {
				switch r.Status {
				case http.StatusCreated:
					created++
				case http.StatusUnprocessableEntity:
				default:
					t.Errorf("racing link answered %s", r)
				}
			}
			if created != 1 {
				t.Errorf("round %d: %d of two opposite links were created, want exactly 1", round, created)
			}
		}
	})
}

func TestContacts(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Contacted")
		url := "/api/v1/vendors/" + v + "/contacts"
		primaries := func() []string {
			t.Helper()
			var list api.ContactList
			must(t, e.do(t, "GET", url, e.admin, nil), http.StatusOK).into(t, &list)
			var out []string
			for i, c := range list.Items {
				if c.Primary {
					out = append(out, c.Name)
					if i != 0 {
						t.Errorf("primary contact %s listed at %d, want first", c.Name, i)
					}
				}
			}
			return out
		}

		c1 := e.newContact(t, v, map[string]any{"name": "Zed", "email": "zed@example.com", "primary": true})
		if !c1.Primary || c1.VendorID != v || c1.Version != 1 {
			t.Errorf("created contact %+v", c1)
		}
		c2 := e.newContact(t, v, map[string]any{"name": "Amy", "phone": "+81 3-1234-5678", "primary": true})
		if got := primaries(); len(got) != 1 || got[0] != "Amy" {
			t.Errorf("primary contacts %q, want only Amy", got)
		}
		var old api.ContactResponse
		must(t, e.do(t, "GET", url+"/"+c1.ID, e.admin, nil), http.StatusOK).into(t, &old)
		if old.Primary {
			t.Errorf("the previous primary contact is still primary")
		}
		// Making Zed primary again by PATCH demotes Amy.
		must(t, e.do(t, "PATCH", url+"/"+c1.ID, e.admin, map[string]any{"primary": true}), http.StatusOK)
		if got := primaries(); len(got) != 1 || got[0] != "Zed" {
			t.Errorf("primary contacts %q, want only Zed", got)
		}
		e.newContact(t, v, map[string]any{"name": "Bob", "email": "bob@example.com"})
		if got := primaries(); len(got) != 1 || got[0] != "Zed" {
			t.Errorf("a non-primary contact changed the primary: %q", got)
		}
		// Another vendor's primary is another matter.
		w := e.newVendor(t, "Other")
		e.newContact(t, w, map[string]any{"name": "Wu", "email": "wu@example.com", "primary": true})
		if got := primaries(); len(got) != 1 || got[0] != "Zed" {
			t.Errorf("another vendor's primary changed this one's: %q", got)
		}

		// Concurrent primaries: still exactly one.
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				e.do(t, "POST", url, e.admin, map[string]any{"name": fmt.Sprintf("Racer %d", i), "email": "r@example.com", "primary": true})
			})
		}
		wg.Wait()
		if got := primaries(); len(got) != 1 {
			t.Errorf("after concurrent primaries: %q, want exactly one", got)
		}

		// Delete: gone afterwards.
		must(t, e.do(t, "DELETE", url+"/"+c2.ID, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "GET", url+"/"+c2.ID, e.admin, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors/"+w+"/contacts/"+c1.ID, e.admin, nil), http.StatusNotFound)
	})
}

func TestCertificationExpiry(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Certified")
		// The clock is at 2025-04-01.
		cases := []struct {
			name, until     string
			expired, soon   bool
			days            int
			afterMonthState string
		}{
			{"long valid", "2027-03-31", false, false, 729, "valid"},
			{"expires in 91 days", "2025-07-01", false, false, 91, "soon"},
			{"expires in 90 days", "2025-06-30", false, true, 90, "soon"},
			{"expires in 30 days", "2025-05-01", false, true, 30, "expired"},
			{"expires today", "2025-04-01", false, true, 0, "expired"},
			{"expired yesterday", "2025-03-31", true, false, -1, "expired"},
		}
		ids := make([]string, len(cases))
		for i, tc := range cases {
			ids[i] = e.seedCertification(t, v, "2024-01-01", tc.until)
		}
		read := func(id string) api.CertificationResponse {
			t.Helper()
			var c api.CertificationResponse
			must(t, e.do(t, "GET", "/api/v1/vendors/"+v+"/certifications/"+id, e.admin, nil), http.StatusOK).into(t, &c)
			return c
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := read(ids[i])
				if c.Expired != tc.expired || c.ExpiringSoon != tc.soon || c.DaysUntilExpiry != tc.days {
					t.Errorf("valid_until %s on 2025-04-01: expired %v, expiring_soon %v, days %d; want %v, %v, %d",
						tc.until, c.Expired, c.ExpiringSoon, c.DaysUntilExpiry, tc.expired, tc.soon, tc.days)
				}
				if c.ValidUntil != tc.until || c.ValidFrom != "2024-01-01" {
					t.Errorf("dates %s..%s", c.ValidFrom, c.ValidUntil)
				}
			})
		}
		// The list shows the same flags, soonest expiry first.
		var list api.CertificationList
		must(t, e.do(t, "GET", "/api/v1/vendors/"+v+"/certifications", e.admin, nil), http.StatusOK).into(t, &list)
		for i := 1; i < len(list.Items); i++ {
			if list.Items[i-1].ValidUntil > list.Items[i].ValidUntil {
				t.Errorf("certifications not by expiry: %s before %s", list.Items[i-1].ValidUntil, list.Items[i].ValidUntil)
			}
		}
		for _, c := range list.Items {
			if c.ValidUntil == "2025-03-31" && !c.Expired {
				t.Errorf("the list does not flag the expired certification")
			}
		}

		// A month later (2025-05-02) the flags follow the injected clock.
		e.clock.Advance(31 * 24 * time.Hour)
		for i, tc := range cases {
			c := read(ids[i])
			state := "valid"
			switch {
			case c.Expired:
				state = "expired"
			case c.ExpiringSoon:
				state = "soon"
			}
			if state != tc.afterMonthState {
				t.Errorf("%s on 2025-05-02: %s, want %s", tc.name, state, tc.afterMonthState)
			}
		}
	})
}

// TestCertifications goes through the create, update and delete endpoints.
func TestCertifications(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Certified")
		url := "/api/v1/vendors/" + v + "/certifications"
		r := e.do(t, "POST", url, e.admin, map[string]any{
			"scheme": "ismap", "certificate_id": "C-1", "issuer": "IPA", "valid_from": "2025-01-01", "valid_until": "2025-06-01"})
		must(t, r, http.StatusCreated)
		var c api.CertificationResponse
		r.into(t, &c)
		if c.Scheme != "ismap" || !c.ExpiringSoon || c.Expired || c.DaysUntilExpiry != 61 || c.Version != 1 {
			t.Errorf("created certification %+v", c)
		}
		if r.Header.Get("Location") != url+"/"+c.ID || r.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		// Renewed: no longer expiring soon.
		r = must(t, e.do(t, "PATCH", url+"/"+c.ID, e.admin, map[string]any{"valid_until": "2028-06-01"}, "If-Match", `"1"`), http.StatusOK)
		r.into(t, &c)
		if c.ExpiringSoon || c.Version != 2 {
			t.Errorf("renewed certification %+v", c)
		}
		wantProblem(t, e.do(t, "DELETE", url+"/"+c.ID, e.admin, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
		must(t, e.do(t, "DELETE", url+"/"+c.ID, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "GET", url+"/"+c.ID, e.admin, nil), http.StatusNotFound)
	})
}
