package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

// TestDatesOutOfRange: a date before 1900 or after 9999 (in UTC) is 422 naming the field, with the same
// message on both databases, on every body date and on the audit trail's from/to filters; nothing is
// stored. 1900-01-01 is accepted.
func TestDatesOutOfRange(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Dates KK", 0)
		con := e.createContract(t, f.eng, contractBody())
		cert := must(t, e.do(t, "POST", "/api/v1/vendors/"+f.vendorID+"/certifications", e.admin, map[string]any{
			"scheme": "ismap", "certificate_id": "C-1", "issuer": "IPA", "valid_from": "2025-01-01", "valid_until": "2027-06-01"}),
			http.StatusCreated).str("id")
		fid := f.manual(t, "Dated finding", "medium")
		item := e.addItem(t, fid, "Dated item", "2025-06-01")

		bodies := []struct {
			name, method, path, field string
			body                      func(date string) map[string]any
		}{
			{"contract starts_on", "POST", "/api/v1/engagements/" + f.eng + "/contracts", "starts_on",
				func(d string) map[string]any { return contractBody("starts_on", d) }},
			{"contract signed_on", "POST", "/api/v1/engagements/" + f.eng + "/contracts", "signed_on",
				func(d string) map[string]any { return contractBody("signed_on", d) }},
			{"contract PATCH starts_on", "PATCH", "/api/v1/contracts/" + con.ID, "starts_on",
				func(d string) map[string]any { return map[string]any{"starts_on": d} }},
			{"contract PATCH signed_on", "PATCH", "/api/v1/contracts/" + con.ID, "signed_on",
				func(d string) map[string]any { return map[string]any{"signed_on": d} }},
			{"certification valid_from", "POST", "/api/v1/vendors/" + f.vendorID + "/certifications", "valid_from",
				func(d string) map[string]any {
					return map[string]any{"scheme": "ismap", "certificate_id": "C-2", "issuer": "IPA", "valid_from": d, "valid_until": "2027-06-01"}
				}},
			{"certification PATCH valid_from", "PATCH", "/api/v1/vendors/" + f.vendorID + "/certifications/" + cert, "valid_from",
				func(d string) map[string]any { return map[string]any{"valid_from": d} }},
			{"remediation due_date", "POST", "/api/v1/findings/" + fid + "/remediations", "due_date",
				func(d string) map[string]any {
					return map[string]any{"type": "corrective", "owner": "internal", "description": "x", "due_date": d}
				}},
			{"remediation PATCH due_date", "PATCH", "/api/v1/remediations/" + item.ID, "due_date",
				func(d string) map[string]any { return map[string]any{"due_date": d} }},
		}
		for _, b := range bodies {
			for _, d := range []string{"0000-01-01", "0001-01-01", "1899-12-31"} {
				r := e.do(t, b.method, b.path, e.admin, b.body(d))
				wantProblem(t, r, http.StatusUnprocessableEntity, b.field)
				if !strings.Contains(r.String(), domain.DateRangeMessage) {
					t.Errorf("%s %s: the problem does not say %q: %s", b.name, d, domain.DateRangeMessage, r)
				}
			}
		}
		// Nothing was stored or changed.
		if got := e.do(t, "GET", "/api/v1/engagements/"+f.eng+"/contracts", e.admin, nil); len(got.items(t)) != 1 {
			t.Errorf("contracts after the refusals: %s", got)
		}
		for _, path := range []string{"/api/v1/contracts/" + con.ID, "/api/v1/vendors/" + f.vendorID + "/certifications/" + cert,
			"/api/v1/remediations/" + item.ID} {
			if r := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK); r.Header.Get("ETag") != `"1"` {
				t.Errorf("%s changed: ETag %s", path, r.Header.Get("ETag"))
			}
		}
		// The lower bound itself is a date.
		must(t, e.do(t, "PATCH", "/api/v1/contracts/"+con.ID, e.admin, map[string]any{"signed_on": "1900-01-01"}), http.StatusOK)

		for _, q := range []struct{ param, value string }{
			{"to", "9999-12-31T23:59:59-23:59"}, // 10000-01-01 in UTC
			{"from", "0000-01-01T00:00:00Z"},
			{"to", "0001-01-01T00:00:00Z"},
			{"from", "1899-12-31T23:59:59Z"},
		} {
			r := e.do(t, "GET", "/api/v1/audit-events?"+q.param+"="+url.QueryEscape(q.value), e.admin, nil)
			wantProblem(t, r, http.StatusUnprocessableEntity, q.param)
		}
		must(t, e.do(t, "GET", "/api/v1/audit-events?from="+url.QueryEscape("1900-01-01T00:00:00Z")+"&to="+
			url.QueryEscape("9999-12-31T23:59:59Z"), e.admin, nil), http.StatusOK)
	})
}
