package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// oscalFixtures holds the public NIST OSCAL catalogs the import tests use (see its README for source and licence).
const oscalFixtures = "../testdata/oscal/"

// catEnv is the harness env with the catalog service wired in (as cmd/vendorrisk/wire.go does),
// the built-in catalogs loaded, and a key per role.
type catEnv struct {
	*env
	cat     *catalog.Service
	secrets map[auth.Role]string
}

func newCatEnv(t *testing.T, db *repository.DB, cfg api.Config) *catEnv {
	t.Helper()
	e := newEnv(t, db, cfg)
	svc := catalog.NewService(repository.NewCatalogs(db), db, e.clock.Now, audit.NewService(repository.NewAuditTrail(db), db, e.clock.Now))
	e.h = specCheck(t, api.NewHandler(cfg, api.Deps{
		Log: testdb.Logger(), Clock: e.clock.Now, Keys: e.keys, Vendors: e.vendors,
		Engagements: e.engagements, Contracts: e.contracts, Policies: e.policies, Catalog: svc,
		Idempotency: repository.NewIdempotency(db), Ready: db.Ping, DB: db.SQL(),
		Audit: audit.NewService(repository.NewAuditTrail(db), db, e.clock.Now),
	}))
	if changed, err := svc.EnsureBuiltIn(t.Context()); err != nil || !changed {
		t.Fatalf("EnsureBuiltIn: changed %v, err %v", changed, err)
	}
	ce := &catEnv{env: e, cat: svc, secrets: map[auth.Role]string{auth.RoleAdmin: e.admin}}
	for _, r := range []auth.Role{auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor} {
		ce.secrets[r] = e.key(t, r, "")
	}
	ce.secrets[auth.RoleSupplier] = e.key(t, auth.RoleSupplier, e.newVendor(t, "Catalog supplier"))
	return ce
}

// eachCatDB runs fn on both dialects with a fresh database and catalog env.
func eachCatDB(t *testing.T, cfg api.Config, fn func(t *testing.T, e *catEnv)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		fn(t, newCatEnv(t, db, cfg))
	})
}

// as sends a request with the key of role.
func (e *catEnv) as(t *testing.T, role auth.Role, method, path string, body any, headers ...string) resp {
	t.Helper()
	return e.do(t, method, path, e.secrets[role], body, headers...)
}

// upload posts data as the field of a multipart/form-data body.
func (e *catEnv) upload(t *testing.T, role auth.Role, path, field string, data []byte) resp {
	t.Helper()
	var buf bytes.Buffer
	ctype := multipartBody(t, &buf, field, data)
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+e.secrets[role])
	return e.send(t, req)
}

// multipartBody writes data as a file field of a multipart body into buf and returns its content type.
func multipartBody(t *testing.T, buf *bytes.Buffer, field string, data []byte) string {
	t.Helper()
	w := multipart.NewWriter(buf)
	fw, err := w.CreateFormFile(field, "catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType()
}

// tableRows counts the rows of a catalog table straight in the database.
func (e *catEnv) tableRows(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// catalogRows counts frameworks, groups, controls and mappings.
func (e *catEnv) catalogRows(t *testing.T) [4]int {
	t.Helper()
	return [4]int{e.tableRows(t, "frameworks"), e.tableRows(t, "framework_groups"), e.tableRows(t, "controls"),
		e.tableRows(t, "control_mappings")}
}

// readFixture reads one of the OSCAL fixture files.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(oscalFixtures, name))
	if err != nil {
		t.Fatalf("read OSCAL fixture: %v", err)
	}
	return b
}

// catProblem is wantProblem with a short failure message when the status is not the expected one
// (a successful list answer would otherwise flood the log).
func catProblem(t *testing.T, r resp, status int, fields ...string) {
	t.Helper()
	if r.Status != status {
		raw := bytes.TrimSpace(r.Raw)
		if len(raw) > 300 {
			raw = append(raw[:300:300], "..."...)
		}
		t.Errorf("status %d, want %d: %s", r.Status, status, raw)
		return
	}
	wantProblem(t, r, status, fields...)
}
