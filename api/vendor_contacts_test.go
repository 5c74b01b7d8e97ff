package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

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
