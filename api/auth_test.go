package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

func TestUnauthenticated(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		revokedKey, revoked := e.keyWith(t, apikey.NewKey{Role: auth.RoleAdmin})
		if _, err := e.keys.Revoke(t.Context(), revokedKey.ID); err != nil {
			t.Fatal(err)
		}
		expiresAt := start.Add(time.Hour)
		_, expiring := e.keyWith(t, apikey.NewKey{Role: auth.RoleAdmin, ExpiresAt: &expiresAt})
		must(t, e.do(t, "GET", "/api/v1/vendors", expiring, nil), http.StatusOK) // valid until it expires

		cases := []struct {
			name, authorization string
			advance             time.Duration
		}{
			{name: "no Authorization header"},
			{name: "basic scheme", authorization: "Basic YWRtaW46YWRtaW4="},
			{name: "bearer without secret", authorization: "Bearer"},
			{name: "bearer with blank secret", authorization: "Bearer   "},
			{name: "secret without scheme", authorization: e.admin},
			{name: "unknown secret", authorization: "Bearer vrk_" + strings.Repeat("a", 52)},
			{name: "secret of another format", authorization: "Bearer not-a-vendorrisk-secret"},
			{name: "truncated secret", authorization: "Bearer " + e.admin[:len(e.admin)-1]},
			{name: "revoked key", authorization: "Bearer " + revoked},
			{name: "key at its expiry instant", authorization: "Bearer " + expiring, advance: time.Hour},
			{name: "expired key", authorization: "Bearer " + expiring, advance: time.Second},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.clock.Advance(tc.advance)
				var h []string
				if tc.authorization != "" {
					h = []string{"Authorization", tc.authorization}
				}
				r := e.do(t, "GET", "/api/v1/vendors", "", nil, h...)
				wantProblem(t, r, http.StatusUnauthorized)
				if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
				}
			})
		}
		// The admin key still works: the failures above were about the credentials, not the server.
		must(t, e.do(t, "GET", "/api/v1/vendors", e.admin, nil), http.StatusOK)
	})
}

// fixture is a fresh set of resources one role-matrix case acts on.
type fixture struct {
	vendor, contact, cert, link, other, key string
}

func (e *env) fixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{vendor: e.newVendor(t, "Matrix Vendor"), other: e.newVendor(t, "Matrix Other")}
	sub := e.newVendor(t, "Matrix Sub")
	f.contact = e.newContact(t, f.vendor, map[string]any{"name": "Hanako", "email": "hanako@example.com"}).ID
	f.cert = e.seedCertification(t, f.vendor, "2025-01-01", "2027-12-31")
	f.link = e.link(t, f.vendor, sub).ID
	k, _ := e.keyWith(t, apikey.NewKey{Role: auth.RoleAuditor})
	f.key = k.ID
	return f
}

// TestRoleMatrix checks every route of /api/v1 for every role. The expectation is this test's own
// table (what API.md says each role may do), not the permission table of the code.
func TestRoleMatrix(t *testing.T) {
	all := []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor, auth.RoleSupplier}
	readers := all
	writers := []auth.Role{auth.RoleAdmin, auth.RoleProcurement}
	admins := []auth.Role{auth.RoleAdmin}

	type route struct {
		method, template string
		path             func(f fixture) string
		body             func(f fixture) any
		allowed          []auth.Role
		success          int
	}
	v := func(f fixture) string { return "/api/v1/vendors/" + f.vendor }
	routes := []route{
		{"POST", "/api/v1/api-keys", func(fixture) string { return "/api/v1/api-keys" },
			func(fixture) any { return map[string]any{"role": "auditor", "name": "new"} }, admins, 201},
		{"GET", "/api/v1/api-keys", func(fixture) string { return "/api/v1/api-keys" }, nil, admins, 200},
		{"GET", "/api/v1/api-keys/:id", func(f fixture) string { return "/api/v1/api-keys/" + f.key }, nil, admins, 200},
		{"DELETE", "/api/v1/api-keys/:id", func(f fixture) string { return "/api/v1/api-keys/" + f.key }, nil, admins, 204},

		{"POST", "/api/v1/vendors", func(fixture) string { return "/api/v1/vendors" },
			func(fixture) any { return vendorBody("Created") }, writers, 201},
		{"GET", "/api/v1/vendors", func(fixture) string { return "/api/v1/vendors" }, nil, readers, 200},
		{"GET", "/api/v1/vendors/:id", v, nil, readers, 200},
		{"PATCH", "/api/v1/vendors/:id", v, func(fixture) any { return map[string]any{"name": "Renamed"} }, writers, 200},
		{"DELETE", "/api/v1/vendors/:id", v, nil, writers, 204},

		{"POST", "/api/v1/vendors/:id/contacts", func(f fixture) string { return v(f) + "/contacts" },
			func(fixture) any { return map[string]any{"name": "Taro", "phone": "+81 3-1234-5678"} }, writers, 201},
		{"GET", "/api/v1/vendors/:id/contacts", func(f fixture) string { return v(f) + "/contacts" }, nil, readers, 200},
		{"GET", "/api/v1/vendors/:id/contacts/:contact_id", func(f fixture) string { return v(f) + "/contacts/" + f.contact },
			nil, readers, 200},
		{"PATCH", "/api/v1/vendors/:id/contacts/:contact_id", func(f fixture) string { return v(f) + "/contacts/" + f.contact },
			func(fixture) any { return map[string]any{"role": "CISO"} }, writers, 200},
		{"DELETE", "/api/v1/vendors/:id/contacts/:contact_id", func(f fixture) string { return v(f) + "/contacts/" + f.contact },
			nil, writers, 204},

		{"POST", "/api/v1/vendors/:id/certifications", func(f fixture) string { return v(f) + "/certifications" },
			func(fixture) any {
				return map[string]any{"scheme": "ismap", "valid_from": "2025-01-01", "valid_until": "2026-01-01"}
			}, writers, 201},
		{"GET", "/api/v1/vendors/:id/certifications", func(f fixture) string { return v(f) + "/certifications" },
			nil, readers, 200},
		{"GET", "/api/v1/vendors/:id/certifications/:certification_id",
			func(f fixture) string { return v(f) + "/certifications/" + f.cert }, nil, readers, 200},
		{"PATCH", "/api/v1/vendors/:id/certifications/:certification_id",
			func(f fixture) string { return v(f) + "/certifications/" + f.cert },
			func(fixture) any { return map[string]any{"issuer": "JQA"} }, writers, 200},
		{"DELETE", "/api/v1/vendors/:id/certifications/:certification_id",
			func(f fixture) string { return v(f) + "/certifications/" + f.cert }, nil, writers, 204},

		{"POST", "/api/v1/vendors/:id/subcontractors", func(f fixture) string { return v(f) + "/subcontractors" },
			func(f fixture) any { return map[string]any{"subcontractor_id": f.other, "service": "backup"} }, writers, 201},
		{"GET", "/api/v1/vendors/:id/subcontractors", func(f fixture) string { return v(f) + "/subcontractors" },
			nil, readers, 200},
		{"DELETE", "/api/v1/vendors/:id/subcontractors/:link_id",
			func(f fixture) string { return v(f) + "/subcontractors/" + f.link }, nil, writers, 204},
	}

	eachDB(t, func(t *testing.T, e *env) {
		// Every credentialed route must be in the table, so a new route cannot skip the matrix.
		var have []string
		for _, r := range e.h.(*gin.Engine).Routes() {
			if strings.HasPrefix(r.Path, "/api/v1/") {
				have = append(have, r.Method+" "+r.Path)
			}
		}
		var listed []string
		for _, r := range routes {
			listed = append(listed, r.method+" "+r.template)
		}
		slices.Sort(have)
		slices.Sort(listed)
		if !slices.Equal(have, listed) {
			t.Errorf("the matrix lists\n%q\nbut the router has\n%q", listed, have)
		}

		for _, rt := range routes {
			for _, role := range all {
				t.Run(rt.method+" "+rt.template+"/"+string(role), func(t *testing.T) {
					f := e.fixture(t)
					vendorID := ""
					if role == auth.RoleSupplier {
						vendorID = f.vendor // a supplier reads its own vendor
					}
					secret := e.key(t, role, vendorID)
					var body any
					if rt.body != nil {
						body = rt.body(f)
					}
					before := e.snapshot(t, readBack(rt.method, rt.path(f)))
					r := e.do(t, rt.method, rt.path(f), secret, body)
					if slices.Contains(rt.allowed, role) {
						if r.Status != rt.success {
							t.Errorf("%s may %s %s: status %d, want %d: %s", role, rt.method, rt.template, r.Status, rt.success, r)
						}
						return
					}
					wantProblem(t, r, http.StatusForbidden)
					if after := e.snapshot(t, readBack(rt.method, rt.path(f))); after != before {
						t.Errorf("a refused %s changed the resource:\nbefore %s\nafter  %s", rt.method, before, after)
					}
				})
			}
		}
	})
}

// readBack is where a change made by method on path shows: the collection for a create, the
// collection for a subcontractor link (which has no GET of its own), else the resource itself.
func readBack(method, path string) string {
	if method != "POST" && strings.Contains(path, "/subcontractors/") {
		path = path[:strings.LastIndex(path, "/")]
	}
	return path + "?limit=200"
}

// snapshot describes what an admin reads at path: the ids of a list, else the whole body.
func (e *env) snapshot(t *testing.T, path string) string {
	t.Helper()
	r := e.do(t, "GET", path, e.admin, nil)
	if _, ok := r.JSON["items"]; ok && r.Status == http.StatusOK {
		var ids []string
		for _, it := range r.items(t) {
			ids = append(ids, it["id"].(string))
		}
		slices.Sort(ids)
		return strings.Join(ids, ",")
	}
	return r.String()
}

func TestAPIKeysOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		vendorID := e.newVendor(t, "Keyed Vendor")

		// Created: the secret is in this answer only.
		r := must(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "procurement", "name": "buyers"}),
			http.StatusCreated)
		var created api.CreatedAPIKeyResponse
		r.into(t, &created)
		if !strings.HasPrefix(created.Secret, "vrk_") || len(created.Secret) < 30 {
			t.Fatalf("secret %q does not look like a fresh secret", created.Secret)
		}
		if created.Role != "procurement" || created.Name != "buyers" || !created.Active || created.ID == "" {
			t.Errorf("created key %+v", created.APIKeyResponse)
		}
		if !strings.HasPrefix(created.Secret, created.Prefix) {
			t.Errorf("prefix %q is not the start of the secret", created.Prefix)
		}
		if got := r.Header.Get("Location"); got != "/api/v1/api-keys/"+created.ID {
			t.Errorf("Location %q", got)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store on the answer carrying a secret", got)
		}

		// The secret is never shown again, neither by GET nor in the list.
		for _, path := range []string{"/api/v1/api-keys/" + created.ID, "/api/v1/api-keys?limit=200"} {
			got := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK)
			if strings.Contains(string(got.Raw), created.Secret) || strings.Contains(string(got.Raw), `"secret"`) ||
				strings.Contains(string(got.Raw), `"hash"`) {
				t.Errorf("GET %s reveals the secret: %s", path, got)
			}
		}
		list := must(t, e.do(t, "GET", "/api/v1/api-keys?limit=200", e.admin, nil), http.StatusOK).items(t)
		if !slices.ContainsFunc(list, func(k map[string]any) bool { return k["id"] == created.ID }) {
			t.Errorf("the list does not hold the new key")
		}

		// Key creation takes no Idempotency-Key (a replay would need the stored secret): a repeated
		// request creates a second key rather than replaying the first one's secret.
		again := []resp{
			e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "auditor"}, "Idempotency-Key", "k-1"),
			e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "auditor"}, "Idempotency-Key", "k-1"),
		}
		for _, r := range again {
			if must(t, r, http.StatusCreated); r.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("API key creation replayed a stored response: %s", r)
			}
		}
		if again[0].str("secret") == again[1].str("secret") || again[0].str("id") == again[1].str("id") {
			t.Errorf("two creations answered the same key")
		}

		// The new secret authenticates with its role.
		must(t, e.do(t, "POST", "/api/v1/vendors", created.Secret, vendorBody("By Procurement")), http.StatusCreated)
		wantProblem(t, e.do(t, "GET", "/api/v1/api-keys", created.Secret, nil), http.StatusForbidden)

		// A supplier key is bound to a vendor that exists.
		past := start.Add(-time.Hour).Format(time.RFC3339)
		invalid := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"supplier without vendor", map[string]any{"role": "supplier"}, "vendor_id"},
			{"supplier with unknown vendor", map[string]any{"role": "supplier", "vendor_id": unknownID()}, "vendor_id"},
			{"supplier with malformed vendor id", map[string]any{"role": "supplier", "vendor_id": "v-1"}, "vendor_id"},
			{"vendor on a non-supplier key", map[string]any{"role": "auditor", "vendor_id": vendorID}, "vendor_id"},
			{"unknown role", map[string]any{"role": "root"}, "role"},
			{"missing role", map[string]any{"name": "x"}, "role"},
			{"expiry in the past", map[string]any{"role": "auditor", "expires_at": past}, "expires_at"},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, tc.body), http.StatusUnprocessableEntity, tc.field)
			})
		}

		var supplier api.CreatedAPIKeyResponse
		must(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "supplier", "vendor_id": vendorID}),
			http.StatusCreated).into(t, &supplier)
		if supplier.VendorID != vendorID {
			t.Errorf("supplier key vendor_id %q, want %q", supplier.VendorID, vendorID)
		}
		must(t, e.do(t, "GET", "/api/v1/vendors/"+vendorID, supplier.Secret, nil), http.StatusOK)

		// Revoked: at once 401, the metadata stays, a second revocation is harmless.
		must(t, e.do(t, "DELETE", "/api/v1/api-keys/"+created.ID, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors", created.Secret, nil), http.StatusUnauthorized)
		var after api.APIKeyResponse
		must(t, e.do(t, "GET", "/api/v1/api-keys/"+created.ID, e.admin, nil), http.StatusOK).into(t, &after)
		if after.Active || after.RevokedAt == nil || !after.RevokedAt.Equal(start) {
			t.Errorf("after revocation: active %v, revoked_at %v (want %v)", after.Active, after.RevokedAt, start)
		}
		must(t, e.do(t, "DELETE", "/api/v1/api-keys/"+created.ID, e.admin, nil), http.StatusNoContent)
		wantProblem(t, e.do(t, "DELETE", "/api/v1/api-keys/"+unknownID(), e.admin, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/api-keys/not-an-id", e.admin, nil), http.StatusNotFound)

		// An expiring key reports its expiry and stops working after it.
		exp := start.Add(24 * time.Hour)
		var expiring api.CreatedAPIKeyResponse
		must(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "auditor", "expires_at": exp}),
			http.StatusCreated).into(t, &expiring)
		if expiring.ExpiresAt == nil || !expiring.ExpiresAt.Equal(exp) {
			t.Errorf("expires_at %v, want %v", expiring.ExpiresAt, exp)
		}
		must(t, e.do(t, "GET", "/api/v1/vendors", expiring.Secret, nil), http.StatusOK)
		e.clock.Advance(25 * time.Hour)
		wantProblem(t, e.do(t, "GET", "/api/v1/vendors", expiring.Secret, nil), http.StatusUnauthorized)
	})
}
