package api_test

import (
	"net/http"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
)

// TestRevocationAcrossReplicas runs two handlers on one database, as two replicas: a key revoked
// through one is refused by it at once and by the other once its cache time has passed.
func TestRevocationAcrossReplicas(t *testing.T) {
	eachDB(t, func(t *testing.T, a *env) {
		b := newEnv(t, a.db, api.Config{RateLimit: 0})
		var created api.CreatedAPIKeyResponse
		must(t, a.do(t, "POST", "/api/v1/api-keys", a.admin, map[string]any{"role": "auditor"}), http.StatusCreated).into(t, &created)
		for _, r := range []*env{a, b} { // both replicas verify and cache the key
			must(t, r.do(t, "GET", "/api/v1/vendors", created.Secret, nil), http.StatusOK)
		}
		must(t, a.do(t, "DELETE", "/api/v1/api-keys/"+created.ID, a.admin, nil), http.StatusNoContent)
		wantProblem(t, a.do(t, "GET", "/api/v1/vendors", created.Secret, nil), http.StatusUnauthorized)
		// The other replica believes its cached entry until it is apikey.DefaultCacheTTL old.
		b.clock.Advance(apikey.DefaultCacheTTL - 1)
		must(t, b.do(t, "GET", "/api/v1/vendors", created.Secret, nil), http.StatusOK)
		b.clock.Advance(1)
		wantProblem(t, b.do(t, "GET", "/api/v1/vendors", created.Secret, nil), http.StatusUnauthorized)
	})
}
