package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
)

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
