package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// start is the tests' "now": a fixed instant with microseconds only, as MySQL DATETIME(6) keeps.
var start = time.Date(2025, 4, 1, 9, 30, 15, 123456000, time.UTC)

// clock is a mutable domain.Clock the tests advance.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one handler over one real database, with the services behind it.
type env struct {
	db      *repository.DB
	h       http.Handler
	clock   *clock
	keys    *apikey.Service
	vendors *register.Service
	repo    *repository.Vendors // for seeding only; requests go through the handler
	admin   string              // an admin secret

	engagements *engagement.Service
	contracts   *contract.Service
	policies    *policy.Service
	catalog     *catalog.Service // empty: tests that need the built-ins load them
	templates   *questionnaire.Service
	assessments *assessment.Service
	blobs       assessment.BlobStore
	checkpoints *audit.Checkpoints // signs with testSigner
	jobs        *bulk.Jobs         // runs import jobs when a test asks (no background loop in tests)
	warnings    warnings           // what the handler logged at warning level
}

// testSigner signs the test installations' audit checkpoints (serve makes a random key per install).
func testSigner(t *testing.T) *audit.Signer {
	t.Helper()
	seed := sha256.Sum256([]byte("vendorrisk test audit key"))
	s, err := audit.NewSigner(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testSecrets is the secrets key of the tests: one for every wiring, as the replicas of a deployment
// share theirs.
func testSecrets() *repository.SecretBox {
	key := sha256.Sum256([]byte("vendorrisk test secrets key"))
	b, err := repository.NewSecretBox(key[:], "test secrets key")
	if err != nil {
		panic(err) // a constant key of the right size
	}
	return b
}

// newEnv wires the handler with cmd/vendorrisk's own wiring, on the test clock.
func newEnv(t *testing.T, db *repository.DB, cfg api.Config) *env {
	t.Helper()
	blobs, err := repository.NewLocalBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWithBlobs(t, db, cfg, blobs)
}

// newEnvWithBlobs is newEnv with the given evidence store (an S3 bucket, or one shared by replicas).
func newEnvWithBlobs(t *testing.T, db *repository.DB, cfg api.Config, blobs assessment.BlobStore) *env {
	t.Helper()
	clk := &clock{now: start}
	if cfg.DBTimeout == 0 {
		// Under -race on a loaded 2-CPU CI machine requests run 5-10 times slower than in production;
		// the deadline itself is tested with short explicit values (outage_test.go).
		cfg.DBTimeout = 30 * time.Second
	}
	svc := wiring.WireWith(db, clk.Now, blobs, wiring.Options{Observe: produced, Secrets: testSecrets()})
	e := &env{
		db: db, clock: clk, keys: svc.Keys, vendors: svc.Vendors, repo: repository.NewVendors(db),
		engagements: svc.Engagements, contracts: svc.Contracts, policies: svc.Policies, catalog: svc.Catalog,
		templates: svc.Templates, assessments: svc.Assessments, blobs: blobs, jobs: svc.Jobs,
	}
	e.warnings = newWarnings(testdb.Logger().Handler())
	deps := svc.APIDeps(db, slog.New(e.warnings), clk.Now)
	trail := repository.NewAuditTrail(db)
	e.checkpoints = audit.NewCheckpoints(trail, trail, testSigner(t), clk.Now)
	deps.Checkpoints = e.checkpoints
	e.h = specCheck(t, api.NewHandler(cfg, deps))
	e.admin = e.key(t, auth.RoleAdmin, "")
	return e
}

// eachDB runs fn on both dialects, each with a fresh database and a handler without rate limit.
func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	eachDBWith(t, api.Config{RateLimit: 0}, fn)
}

func eachDBWith(t *testing.T, cfg api.Config, fn func(t *testing.T, e *env)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		fn(t, newEnv(t, db, cfg))
	})
}

// sqliteOnly runs a pure-transport check on a fresh SQLite database.
func sqliteOnly(t *testing.T, cfg api.Config) *env {
	t.Helper()
	return newEnv(t, testdb.Open(t, repository.DialectSQLite), cfg)
}

// key creates an API key of role directly through the service and returns its secret.
func (e *env) key(t *testing.T, role auth.Role, vendorID string) string {
	t.Helper()
	_, secret := e.keyWith(t, apikey.NewKey{Role: role, VendorID: vendorID})
	return secret
}

func (e *env) keyWith(t *testing.T, nk apikey.NewKey) (apikey.Key, string) {
	t.Helper()
	if nk.Name == "" {
		nk.Name = "test " + string(nk.Role)
	}
	if nk.CreatedBy == "" {
		nk.CreatedBy = "test"
	}
	// Credentials are seeded straight into storage, as an operator's setup: they are not what a test
	// audits (creating one through the API is audited, and tested).
	k, secret, err := apikey.Mint(nk, e.clock.Now())
	if err != nil {
		t.Fatalf("mint %s key: %v", nk.Role, err)
	}
	if err := repository.NewAPIKeys(e.db).Create(t.Context(), k); err != nil {
		t.Fatalf("store %s key: %v", nk.Role, err)
	}
	return k, secret
}

// resp is a recorded response.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any // the body when it is a JSON object
}

func (r resp) String() string {
	return fmt.Sprintf("%d %s", r.Status, bytes.TrimSpace(r.Raw))
}

// into decodes the body into dst, which is zeroed first: a field absent from the body (omitempty)
// must not keep a value from an earlier decode into the same variable.
func (r resp) into(t *testing.T, dst any) {
	t.Helper()
	if v := reflect.ValueOf(dst); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
	if err := json.Unmarshal(r.Raw, dst); err != nil {
		t.Fatalf("decode %T from %s: %v", dst, r, err)
	}
}

// str returns a top-level string field of the body.
func (r resp) str(name string) string {
	s, _ := r.JSON[name].(string)
	return s
}

// items returns the "items" array of a list body.
func (r resp) items(t *testing.T) []map[string]any {
	t.Helper()
	raw, ok := r.JSON["items"].([]any)
	if !ok {
		t.Fatalf("no items array in %s", r)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i], _ = it.(map[string]any)
	}
	return out
}

// do sends one request through the handler. body: nil sends none; a string or []byte is sent as is
// (for malformed bodies); anything else is marshalled to JSON. A body gets Content-Type
// application/json unless headers name another. headers are name, value pairs.
func (e *env) do(t *testing.T, method, path, key string, body any, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case upload:
		var buf bytes.Buffer
		ctype = b.encode(t, &buf)
		rd = &buf
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequestWithContext(t.Context(), method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if len(headers)%2 != 0 {
		t.Fatalf("headers must be name, value pairs: %q", headers)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send(t, req)
}

// send serves a prepared request.
func (e *env) send(t *testing.T, req *http.Request) resp {
	t.Helper()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	r := resp{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	if len(bytes.TrimSpace(r.Raw)) > 0 && bytes.TrimSpace(r.Raw)[0] == '{' {
		if err := json.Unmarshal(r.Raw, &r.JSON); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v: %s", req.Method, req.URL, err, r.Raw)
		}
	}
	return r
}

// must fails the test unless the response has status want.
func must(t *testing.T, r resp, want int) resp {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r)
	}
	return r
}

// wantProblem checks an RFC 9457 answer: status, media type, the members every problem carries, the
// request id matching the X-Request-ID header, and that errors[] names each of fields.
func wantProblem(t *testing.T, r resp, status int, fields ...string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if r.JSON == nil {
		t.Errorf("problem body is not a JSON object: %s", r)
		return
	}
	if !strings.HasPrefix(r.str("type"), "https://") {
		t.Errorf("problem type %q is not an absolute URI", r.str("type"))
	}
	if r.str("title") == "" {
		t.Errorf("problem has no title: %s", r)
	}
	if got, _ := r.JSON["status"].(float64); int(got) != status {
		t.Errorf("problem status member %v, want %d", r.JSON["status"], status)
	}
	if id := r.str("request_id"); id == "" || id != r.Header.Get("X-Request-ID") {
		t.Errorf("problem request_id %q, X-Request-ID header %q", id, r.Header.Get("X-Request-ID"))
	}
	got := problemFields(r)
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("errors[] fields %q do not name %q: %s", got, f, r)
		}
	}
}

// problemFields lists the field names of a problem's errors[].
func problemFields(r resp) []string {
	var out []string
	errs, _ := r.JSON["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			f, _ := m["field"].(string)
			out = append(out, f)
		}
	}
	return out
}

// Fixtures, created through the API as an admin.

var corpSeq atomic.Int64

// corpNumber computes a Japanese corporate number from 12 digits: the check digit is
// 9 - (Σ P(n)·Q(n) mod 9), n = 1..12 counted from the right, Q = 1 for odd n and 2 for even n.
func corpNumber(body string) string {
	if len(body) != 12 {
		panic("corpNumber needs 12 digits")
	}
	sum := 0
	for i := range 12 {
		n := 12 - i
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += int(body[i]-'0') * q
	}
	return strconv.Itoa(9-sum%9) + body
}

// newCorpNumber returns a valid corporate number no other test uses.
func newCorpNumber() string {
	return corpNumber(fmt.Sprintf("%012d", 500000000000+corpSeq.Add(1)*7919))
}

// vendorBody is a valid create body; extra keys override or add fields.
func vendorBody(name string, extra ...any) map[string]any {
	b := map[string]any{"kind": "cloud_provider", "name": name}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

func (e *env) createVendor(t *testing.T, body map[string]any) api.VendorResponse {
	t.Helper()
	var v api.VendorResponse
	must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body), http.StatusCreated).into(t, &v)
	return v
}

func (e *env) newVendor(t *testing.T, name string) string {
	t.Helper()
	return e.createVendor(t, vendorBody(name)).ID
}

func (e *env) newContact(t *testing.T, vendorID string, body map[string]any) api.ContactResponse {
	t.Helper()
	var c api.ContactResponse
	must(t, e.do(t, "POST", "/api/v1/vendors/"+vendorID+"/contacts", e.admin, body), http.StatusCreated).into(t, &c)
	return c
}

// seedCertification stores a certification straight in the real repository, so that tests about
// reading certifications do not depend on the create endpoint (see TestCertifications for that one).
func (e *env) seedCertification(t *testing.T, vendorID, from, until string) string {
	t.Helper()
	now := e.clock.Now()
	c := register.Certification{
		ID: domain.NewID(), VendorID: vendorID, Scheme: register.SchemeISO27001, Issuer: "BSI",
		ValidFrom: mustDate(t, from), ValidUntil: mustDate(t, until), Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if err := e.repo.CreateCertification(t.Context(), c); err != nil {
		t.Fatalf("seed certification: %v", err)
	}
	return c.ID
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *env) link(t *testing.T, vendorID, subID string) api.SubcontractorResponse {
	t.Helper()
	var l api.SubcontractorResponse
	body := map[string]any{"subcontractor_id": subID, "service": "hosting"}
	must(t, e.do(t, "POST", "/api/v1/vendors/"+vendorID+"/subcontractors", e.admin, body), http.StatusCreated).into(t, &l)
	return l
}

// countVendors counts every vendor an admin sees.
func (e *env) countVendors(t *testing.T) int {
	t.Helper()
	return len(must(t, e.do(t, "GET", "/api/v1/vendors?limit=200", e.admin, nil), http.StatusOK).items(t))
}

// unknownID is a well-formed id that names nothing.
func unknownID() string { return domain.NewID() }

// engagementBody is a valid create body for an engagement of vendorID: a cloud service holding
// 1,150,000 personal records in Japan. extra keys override or add fields (a nil value removes one).
func engagementBody(vendorID string, extra ...any) map[string]any {
	b := map[string]any{
		"vendor_id": vendorID, "name": "Customer portal hosting", "service_type": "iaas",
		"data_categories": []map[string]any{{"category": "personal", "records": 1150000}},
		"access_type":     "data_transfer", "data_locations": []string{"JP"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(b, extra[i].(string))
			continue
		}
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

func (e *env) createEngagement(t *testing.T, body map[string]any) api.EngagementResponse {
	t.Helper()
	var out api.EngagementResponse
	must(t, e.do(t, "POST", "/api/v1/engagements", e.admin, body), http.StatusCreated).into(t, &out)
	return out
}

// contractBody is a valid create body; extra keys override or add fields.
func contractBody(extra ...any) map[string]any {
	b := map[string]any{"title": "Master services agreement", "starts_on": "2025-01-01"}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(b, extra[i].(string))
			continue
		}
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

func (e *env) createContract(t *testing.T, engagementID string, body map[string]any) api.ContractResponse {
	t.Helper()
	var out api.ContractResponse
	must(t, e.do(t, "POST", "/api/v1/engagements/"+engagementID+"/contracts", e.admin, body), http.StatusCreated).into(t, &out)
	return out
}

// upload is a multipart/form-data body for e.do: a file and plain fields.
type upload struct {
	field, name string
	data        []byte
	fields      map[string][]string
}

func (u upload) encode(t *testing.T, buf *bytes.Buffer) string {
	t.Helper()
	w := multipart.NewWriter(buf)
	for k, vs := range u.fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if u.field != "" {
		fw, err := w.CreateFormFile(u.field, u.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(u.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType()
}
