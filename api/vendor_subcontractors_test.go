package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

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
