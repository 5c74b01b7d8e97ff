package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestListErrorPrecedence: a list request wrong in several ways names the same field it always did,
// in the order each list checks them (as each list orders its checks).
func TestListErrorPrecedence(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sup := e.key(t, auth.RoleSupplier, e.newVendor(t, "Precedence KK"))
		for _, tc := range []struct {
			path, key string
			fields    []string
		}{
			{"/api/v1/vendors?limit=-1&sort=bogus&kind=x", e.admin, []string{"limit"}},
			{"/api/v1/vendors?sort=bogus&kind=x&cursor=garbage", e.admin, []string{"sort", "kind"}},
			{"/api/v1/vendors?tag=x&cursor=garbage", sup, []string{"cursor"}},
			{"/api/v1/vendors?tag=x", sup, []string{"tag"}},
			{"/api/v1/engagements?limit=201&tier=9", e.admin, []string{"limit"}},
			{"/api/v1/engagements?sort=bogus&cursor=garbage", e.admin, []string{"sort"}},
			{"/api/v1/audit-events?limit=201&cursor=garbage", e.admin, []string{"limit"}},
			{"/api/v1/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&cursor=garbage", e.admin, []string{"cursor"}},
			{"/api/v1/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", e.admin, []string{"to"}},
			{"/api/v1/findings?severity=x&cursor=garbage", e.admin, []string{"severity"}},
			{"/api/v1/findings?limit=-1&cursor=garbage", e.admin, []string{"limit"}},
			{"/api/v1/assessments?status=x&cursor=garbage", e.admin, []string{"status"}},
			{"/api/v1/questionnaire-templates?status=x&cursor=garbage", e.admin, []string{"status"}},
			{"/api/v1/supplier/findings?limit=201&cursor=garbage", sup, []string{"limit"}},
			{"/api/v1/frameworks?limit=201&cursor=garbage", e.admin, []string{"limit"}},
		} {
			t.Run(tc.path, func(t *testing.T) {
				r := e.do(t, "GET", tc.path, tc.key, nil)
				wantProblem(t, r, http.StatusUnprocessableEntity)
				if got := problemFields(r); !slices.Equal(got, tc.fields) {
					t.Errorf("errors[] fields %q, want %q: %s", got, tc.fields, r)
				}
			})
		}
	})
}
