package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// maxBody is the body limit of the validation tests' handler.
const maxBody = 2048

func TestValidation(t *testing.T) {
	eachDBWith(t, api.Config{MaxBodyBytes: maxBody}, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Validated")
		contact := e.newContact(t, v, map[string]any{"name": "Hanako", "email": "hanako@example.com"}).ID
		cert := e.seedCertification(t, v, "2025-01-01", "2027-01-01")
		const wrongCheck = "8000012050002" // 7000012050002 is valid

		vendors, vendorURL := "/api/v1/vendors", "/api/v1/vendors/"+v
		cases := []struct {
			name         string
			method, path string
			body         any
			headers      []string
			status       int
			field        string
		}{
			// 422: a value breaks a rule; errors[].field is the JSON name.
			{"missing name", "POST", vendors, map[string]any{"kind": "contractor"}, nil, 422, "name"},
			{"unknown kind", "POST", vendors, vendorBody("x", "kind", "bank"), nil, 422, "kind"},
			{"corporate number check digit", "POST", vendors, vendorBody("x", "corporate_number", wrongCheck), nil, 422, "corporate_number"},
			{"corporate number length", "POST", vendors, vendorBody("x", "corporate_number", "123"), nil, 422, "corporate_number"},
			{"corporate number letters", "POST", vendors, vendorBody("x", "corporate_number", "70000120500A2"), nil, 422, "corporate_number"},
			{"registration scheme missing", "POST", vendors, vendorBody("x", "registration_ids", []any{
				map[string]any{"scheme": "duns", "value": "123456789"}, map[string]any{"value": "1"}}), nil, 422, "registration_ids[1].scheme"},
			{"registration scheme malformed", "POST", vendors, vendorBody("x", "registration_ids", []any{
				map[string]any{"scheme": "duns", "value": "123456789"}, map[string]any{"scheme": "no spaces!", "value": "1"}}), nil, 422, "registration_ids[1].scheme"},
			{"registration scheme twice", "POST", vendors, vendorBody("x", "registration_ids", []any{
				map[string]any{"scheme": "lei", "value": "1"}, map[string]any{"scheme": "LEI", "value": "2"}}), nil, 422, "registration_ids[1].scheme"},
			{"country not assigned", "POST", vendors, vendorBody("x", "country", "XX"), nil, 422, "country"},
			{"country too long", "POST", vendors, vendorBody("x", "country", "JPN"), nil, 422, "country"},
			{"website not a URL", "POST", vendors, vendorBody("x", "website", "ftp://example.com"), nil, 422, "website"},
			{"tag malformed", "POST", vendors, vendorBody("x", "tags", []string{"Not OK!"}), nil, 422, "tags[0]"},
			{"patch country", "PATCH", vendorURL, map[string]any{"country": "ZZ"}, nil, 422, "country"},
			{"patch empty name", "PATCH", vendorURL, map[string]any{"name": " "}, nil, 422, "name"},
			{"patch unknown status", "PATCH", vendorURL, map[string]any{"status": "closed"}, nil, 422, "status"},
			{"contact email", "POST", vendorURL + "/contacts", map[string]any{"name": "A", "email": "not-an-email"}, nil, 422, "email"},
			{"contact email with display name", "POST", vendorURL + "/contacts", map[string]any{"name": "A", "email": "A <a@example.com>"}, nil, 422, "email"},
			{"contact without email or phone", "POST", vendorURL + "/contacts", map[string]any{"name": "A"}, nil, 422, "email"},
			{"contact phone", "POST", vendorURL + "/contacts", map[string]any{"name": "A", "phone": "call me"}, nil, 422, "phone"},
			{"patch contact email", "PATCH", vendorURL + "/contacts/" + contact, map[string]any{"email": "@"}, nil, 422, "email"},
			{"certification until before from", "POST", vendorURL + "/certifications", map[string]any{
				"scheme": "iso_27001", "valid_from": "2025-06-01", "valid_until": "2025-05-31"}, nil, 422, "valid_until"},
			{"certification date format", "POST", vendorURL + "/certifications", map[string]any{
				"scheme": "iso_27001", "valid_from": "2025/06/01", "valid_until": "2026-05-31"}, nil, 422, "valid_from"},
			{"certification other without name", "POST", vendorURL + "/certifications", map[string]any{
				"scheme": "other", "valid_from": "2025-06-01", "valid_until": "2026-05-31"}, nil, 422, "scheme_name"},
			{"patch certification until before from", "PATCH", vendorURL + "/certifications/" + cert, map[string]any{
				"valid_until": "2024-12-31"}, nil, 422, "valid_until"},
			{"subcontractor id missing", "POST", vendorURL + "/subcontractors", map[string]any{"service": "x"}, nil, 422, "subcontractor_id"},
			{"list limit not a number", "GET", vendors + "?limit=ten", nil, nil, 422, "limit"},
			{"list sort unknown", "GET", vendors + "?sort=size", nil, nil, 422, "sort"},
			{"list status unknown", "GET", vendors + "?status=closed", nil, nil, 422, "status"},

			// 400: the body is not the JSON this endpoint reads.
			{"unknown field", "POST", vendors, vendorBody("x", "colour", "blue"), nil, 400, "colour"},
			{"unknown field on patch", "PATCH", vendorURL, map[string]any{"nmae": "typo"}, nil, 400, "nmae"},
			{"wrong type", "POST", vendors, `{"kind":"contractor","name":42}`, nil, 400, "name"},
			{"wrong type for array", "POST", vendors, `{"kind":"contractor","name":"x","tags":"a"}`, nil, 400, "tags"},
			{"array instead of object", "POST", vendors, `[]`, nil, 400, ""},
			{"malformed JSON", "POST", vendors, `{"kind":"contractor",`, nil, 400, ""},
			{"syntax error", "POST", vendors, `{"kind" "contractor"}`, nil, 400, ""},
			{"trailing data", "POST", vendors, `{"kind":"contractor","name":"x"} {}`, nil, 400, ""},
			{"empty body", "POST", vendors, ``, []string{"Content-Type", "application/json"}, 400, ""},

			// 415, 413, 404, 405.
			{"text content type", "POST", vendors, `{"kind":"contractor","name":"x"}`, []string{"Content-Type", "text/plain"}, 415, ""},
			{"form content type", "PATCH", vendorURL, `name=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, ""},
			{"no content type", "POST", vendors, `{"kind":"contractor","name":"x"}`, []string{"Content-Type", ""}, 415, ""},
			{"body over the limit", "POST", vendors, vendorBody("x", "description", strings.Repeat("a", maxBody)), nil, 413, ""},
			{"unknown route", "GET", "/api/v1/nothing-here", nil, nil, 404, ""},
			{"unknown route outside the API", "GET", "/nothing-here", nil, nil, 404, ""},
			{"unknown sub-resource", "GET", vendorURL + "/invoices", nil, nil, 404, ""},
			{"unknown vendor", "GET", "/api/v1/vendors/" + unknownID(), nil, nil, 404, ""},
			{"malformed vendor id", "GET", "/api/v1/vendors/42", nil, nil, 404, ""},
			{"wrong method on collection", "PUT", vendors, vendorBody("x"), nil, 405, ""},
			{"wrong method on item", "POST", vendorURL, vendorBody("x"), nil, 405, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.countVendors(t)
				r := e.do(t, tc.method, tc.path, e.admin, tc.body, tc.headers...)
				var fields []string
				if tc.field != "" {
					fields = append(fields, tc.field)
				}
				wantProblem(t, r, tc.status, fields...)
				if tc.status == http.StatusMethodNotAllowed && r.Header.Get("Allow") == "" {
					t.Errorf("405 without Allow")
				}
				if after := e.countVendors(t); after != before {
					t.Errorf("a refused request changed the vendor count from %d to %d", before, after)
				}
			})
		}

		// A streamed body (no Content-Length) is cut at the limit too, also when the idempotency
		// middleware reads it first.
		for _, idem := range []string{"", "big-1"} {
			t.Run("streamed body over the limit/idempotency key "+idem, func(t *testing.T) {
				req := httptest.NewRequestWithContext(t.Context(), "POST", vendors,
					strings.NewReader(`{"kind":"contractor","name":"x","description":"`+strings.Repeat("a", maxBody)+`"}`))
				req.ContentLength = -1
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+e.admin)
				if idem != "" {
					req.Header.Set("Idempotency-Key", idem)
				}
				wantProblem(t, e.send(t, req), http.StatusRequestEntityTooLarge)
			})
		}
		// A UTF-8 charset parameter and the JSON merge patch type are JSON (other +json types are 415: TestContentTypeRefused).
		t.Run("json with charset", func(t *testing.T) {
			must(t, e.do(t, "POST", vendors, e.admin, vendorBody("Charset"), "Content-Type", "application/json; charset=utf-8"), http.StatusCreated)
			must(t, e.do(t, "PATCH", vendorURL, e.admin, map[string]any{"legal_name": "V K.K."}, "Content-Type", "application/merge-patch+json"), http.StatusOK)
		})
		// All field errors come at once.
		t.Run("every broken field is reported", func(t *testing.T) {
			r := e.do(t, "POST", vendors, e.admin, vendorBody("x", "country", "XX", "corporate_number", wrongCheck, "website", "nope"))
			wantProblem(t, r, http.StatusUnprocessableEntity, "country", "corporate_number", "website")
		})
	})
}

// TestDecodeErrorsNameNestedFields: API.md says errors[].field is the JSON name, e.g. contacts[1].email,
// so a 400 about a nested field names its full path, as the 422s do.
func TestDecodeErrorsNameNestedFields(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	cases := []struct{ name, body, field string }{
		{"wrong type in an array element", `{"kind":"contractor","name":"x","registration_ids":[{"scheme":"duns","value":"1"},{"scheme":5,"value":"2"}]}`,
			"registration_ids[1].scheme"},
		{"unknown field in an array element", `{"kind":"contractor","name":"x","registration_ids":[{"scheme":"duns","value":"1","issuer":"D&B"}]}`,
			"registration_ids[0].issuer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, tc.body), http.StatusBadRequest, tc.field)
		})
	}
}

func TestCorporateNumbers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// 7000012050002 is the National Tax Agency's own corporate number.
		if got := corpNumber("000012050002"); got != "7000012050002" {
			t.Fatalf("the test's check digit oracle gives %s", got)
		}
		for _, n := range []string{"7000012050002", newCorpNumber(), newCorpNumber()} {
			got := e.createVendor(t, vendorBody("Numbered "+n, "corporate_number", n))
			if got.CorporateNumber != n {
				t.Errorf("corporate_number %q, want %q", got.CorporateNumber, n)
			}
		}
		// Every wrong check digit is refused.
		body := newCorpNumber()[1:]
		good := corpNumber(body)
		for d := '0'; d <= '9'; d++ {
			n := string(d) + body
			if n == good {
				continue
			}
			wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Bad "+n, "corporate_number", n)),
				http.StatusUnprocessableEntity, "corporate_number")
		}

		// Unique: a second vendor with the number is a conflict naming the field, on create and on update.
		dup := newCorpNumber()
		first := e.createVendor(t, vendorBody("First", "corporate_number", dup))
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Second", "corporate_number", dup)),
			http.StatusConflict, "corporate_number")
		other := e.createVendor(t, vendorBody("Other"))
		wantProblem(t, e.do(t, "PATCH", "/api/v1/vendors/"+other.ID, e.admin, map[string]any{"corporate_number": dup}),
			http.StatusConflict, "corporate_number")
		// Vendors without a number do not collide with each other.
		e.createVendor(t, vendorBody("No number 1"))
		e.createVendor(t, vendorBody("No number 2"))
		// Clearing the number frees it.
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+first.ID, e.admin, map[string]any{"corporate_number": ""}), http.StatusOK)
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+other.ID, e.admin, map[string]any{"corporate_number": dup}), http.StatusOK)
	})
}
