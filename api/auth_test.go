package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/repository"
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
	// engaged is the vendor of the engagement; the engagement holds the contract.
	engaged, engagement, contract string
	engagedRef                    string // the engaged vendor's external_ref (engagement imports name it)
	job                           string // a queued vendor import job
	// framework is a custom control framework; control is one of its controls ("framework:ref").
	framework, control string
	// draft and published are questionnaire templates in those states.
	draft, published string
	// Assessments of published on engagements of vendor: a draft, a sent one (with evidence), a
	// submitted one; evidence is the sent one's file. Filled only for assessment and evidence routes.
	asDraft, asSent, asSubmitted, evidence string
	// asSentSheet is asSent's workbook with q1's answer changed from yes to no.
	asSentSheet []byte
	// finding is a manual finding on an engagement of vendor (filled for finding routes).
	finding, remediation string
	// findingEngagement is finding's engagement.
	findingEngagement string
	// decision is a pending outsourcing decision the admin requested; acceptance a pending risk
	// acceptance of finding the admin asked for (filled for their routes).
	decision, acceptance string
	// hook is a webhook endpoint with one queued delivery (filled for the webhook routes).
	hook, delivery string
}

// assessmentFixture issues assessments of f.published on three fresh engagements of f.vendor.
func (e *env) assessmentFixture(t *testing.T, f *fixture) {
	t.Helper()
	issue := func() string {
		eng := e.createEngagement(t, engagementBody(f.vendor)).ID
		return must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng,
			"template_id": f.published, "due_date": "2025-06-30"}), http.StatusCreated).str("id")
	}
	send := func(id string) string {
		r := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK)
		return r.JSON["supplier_key"].(map[string]any)["secret"].(string)
	}
	f.asDraft, f.asSent, f.asSubmitted = issue(), issue(), issue()
	sup := send(f.asSent)
	f.evidence = must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+f.asSent+"/evidence", sup,
		upload{field: "file", name: "policy.txt", data: []byte("our NDA policy"), fields: map[string][]string{"question_keys": {"q1"}}}),
		http.StatusCreated).str("id")
	must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+f.asSent+"/answers", sup,
		map[string]any{"answers": []map[string]any{{"key": "q1", "value": "yes"}}}), http.StatusOK)
	f.asSentSheet = changedSheet(t, must(t, e.do(t, "GET", "/api/v1/supplier/assessments/"+f.asSent+"/export", sup, nil), http.StatusOK).Raw)
	sup = send(f.asSubmitted)
	must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+f.asSubmitted+"/answers", sup,
		map[string]any{"answers": []map[string]any{{"key": "q1", "value": "yes"}}}), http.StatusOK)
	must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+f.asSubmitted+"/submit", sup, nil), http.StatusOK)
}

// templateBody is a small valid template draft.
func templateBody() map[string]any {
	return map[string]any{"name": map[string]any{"en": "Matrix template", "ja": "マトリクス"}, "vendor_kinds": []string{"contractor"},
		"sections": []map[string]any{{"key": "s1", "title": map[string]any{"en": "S1", "ja": "S1"},
			"questions": []map[string]any{{"key": "q1", "text": map[string]any{"en": "NDA?", "ja": "NDAは？"}, "type": "yes_no",
				"weight": 5, "required": true, "severity": "high", "threat_category": "internal_malicious",
				"control_refs": []string{}, "depth": "core"}}}}}
}

var frameworkSeq atomic.Int64

// customFramework is a create body for a custom framework with a fresh id and one control.
func customFramework() map[string]any {
	return map[string]any{"id": "matrix-" + strconv.FormatInt(frameworkSeq.Add(1), 10), "name": "Matrix standard",
		"controls": []map[string]any{{"ref": "c-1", "title": map[string]any{"en": "Control one"}}}}
}

// oscalCatalog is a minimal OSCAL catalog with a fresh uuid.
func oscalCatalog() map[string]any {
	return map[string]any{"catalog": map[string]any{"uuid": uuid.NewString(),
		"metadata": map[string]any{"title": "Matrix import " + strconv.FormatInt(frameworkSeq.Add(1), 10), "version": "1", "oscal-version": "1.1.2"},
		"controls": []map[string]any{{"id": "ac-1", "title": "Policy"}}}}
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
	f.engagedRef = fmt.Sprintf("MATRIX-%d", importSeq.Add(1))
	f.engaged = e.createVendor(t, vendorBody("Matrix Engaged", "external_ref", f.engagedRef)).ID
	f.engagement = e.createEngagement(t, engagementBody(f.engaged)).ID
	f.contract = e.createContract(t, f.engagement, contractBody()).ID
	f.job = e.startJob(t, "vendors", bulk.Row{Line: 2, Cells: map[string]string{"name": "Matrix Job", "kind": "other"}})
	fw := customFramework()
	must(t, e.do(t, "POST", "/api/v1/frameworks", e.admin, fw), http.StatusCreated)
	f.framework = fw["id"].(string)
	f.control = f.framework + ":c-1"
	f.draft = must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, templateBody()), http.StatusCreated).str("id")
	f.published = must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, templateBody()), http.StatusCreated).str("id")
	must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+f.published+"/publish", e.admin, nil), http.StatusOK)
	return f
}

// TestRoleMatrix checks every route of /api/v1 for every role. The expectation is this test's own
// table (what API.md says each role may do), not the permission table of the code.
func TestRoleMatrix(t *testing.T) {
	all := []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor, auth.RoleSupplier}
	readers := all
	writers := []auth.Role{auth.RoleAdmin, auth.RoleProcurement}
	admins := []auth.Role{auth.RoleAdmin}
	// Engagements, contracts and the risk policy are internal: every role but the supplier reads them,
	// and a supplier must not even learn that they exist (404, not 403).
	internal := []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor}
	riskOwners := []auth.Role{auth.RoleRiskOwner}
	auditReaders := []auth.Role{auth.RoleAdmin, auth.RoleRiskOwner, auth.RoleAuditor}
	suppliers := []auth.Role{auth.RoleSupplier}

	type route struct {
		method, template string
		path             func(f fixture) string
		body             func(f fixture) any
		allowed          []auth.Role
		success          int
		hidden           bool // refused suppliers get 404
	}
	v := func(f fixture) string { return "/api/v1/vendors/" + f.vendor }
	eng := func(f fixture) string { return "/api/v1/engagements/" + f.engagement }
	con := func(f fixture) string { return "/api/v1/contracts/" + f.contract }
	policyPath := func(fixture) string { return "/api/v1/risk-policy" }
	hook := func(f fixture) string { return "/api/v1/webhook-endpoints/" + f.hook }
	routes := []route{
		{"POST", "/api/v1/api-keys", func(fixture) string { return "/api/v1/api-keys" },
			func(fixture) any { return map[string]any{"role": "auditor", "name": "new"} }, admins, 201, false},
		{"GET", "/api/v1/api-keys", func(fixture) string { return "/api/v1/api-keys" }, nil, admins, 200, false},
		{"GET", "/api/v1/api-keys/:id", func(f fixture) string { return "/api/v1/api-keys/" + f.key }, nil, admins, 200, false},
		{"DELETE", "/api/v1/api-keys/:id", func(f fixture) string { return "/api/v1/api-keys/" + f.key }, nil, admins, 204, false},

		{"POST", "/api/v1/vendors", func(fixture) string { return "/api/v1/vendors" },
			func(fixture) any { return vendorBody("Created") }, writers, 201, false},
		{"GET", "/api/v1/vendors", func(fixture) string { return "/api/v1/vendors" }, nil, readers, 200, false},
		{"GET", "/api/v1/vendors/export", func(fixture) string { return "/api/v1/vendors/export" }, nil, readers, 200, false},
		{"GET", "/api/v1/engagements/export", func(fixture) string { return "/api/v1/engagements/export" }, nil, internal, 200, true},
		{"GET", "/api/v1/findings/export", func(fixture) string { return "/api/v1/findings/export" }, nil, internal, 200, true},
		{"GET", "/api/v1/vendors/import/template", func(fixture) string { return "/api/v1/vendors/import/template" },
			nil, writers, 200, false},
		{"GET", "/api/v1/jobs/:id", func(f fixture) string { return "/api/v1/jobs/" + f.job }, nil, writers, 200, false},
		{"POST", "/api/v1/vendors/import", func(fixture) string { return "/api/v1/vendors/import" },
			func(fixture) any { return fileUpload("v.csv", []byte("name,kind\nMatrix Import,contractor\n")) }, writers, 200, false},
		{"GET", "/api/v1/vendors/:id", v, nil, readers, 200, false},
		{"PATCH", "/api/v1/vendors/:id", v, func(fixture) any { return map[string]any{"name": "Renamed"} }, writers, 200, false},
		{"DELETE", "/api/v1/vendors/:id", v, nil, writers, 204, false},

		{"POST", "/api/v1/vendors/:id/contacts", func(f fixture) string { return v(f) + "/contacts" },
			func(fixture) any { return map[string]any{"name": "Taro", "phone": "+81 3-1234-5678"} }, writers, 201, false},
		{"GET", "/api/v1/vendors/:id/contacts", func(f fixture) string { return v(f) + "/contacts" }, nil, readers, 200, false},
		{"GET", "/api/v1/vendors/:id/contacts/:contact_id", func(f fixture) string { return v(f) + "/contacts/" + f.contact },
			nil, readers, 200, false},
		{"PATCH", "/api/v1/vendors/:id/contacts/:contact_id", func(f fixture) string { return v(f) + "/contacts/" + f.contact },
			func(fixture) any { return map[string]any{"role": "CISO"} }, writers, 200, false},
		{"DELETE", "/api/v1/vendors/:id/contacts/:contact_id", func(f fixture) string { return v(f) + "/contacts/" + f.contact },
			nil, writers, 204, false},

		{"POST", "/api/v1/vendors/:id/certifications", func(f fixture) string { return v(f) + "/certifications" },
			func(fixture) any {
				return map[string]any{"scheme": "ismap", "valid_from": "2025-01-01", "valid_until": "2026-01-01"}
			}, writers, 201, false},
		{"GET", "/api/v1/vendors/:id/certifications", func(f fixture) string { return v(f) + "/certifications" },
			nil, readers, 200, false},
		{"GET", "/api/v1/vendors/:id/certifications/:certification_id",
			func(f fixture) string { return v(f) + "/certifications/" + f.cert }, nil, readers, 200, false},
		{"PATCH", "/api/v1/vendors/:id/certifications/:certification_id",
			func(f fixture) string { return v(f) + "/certifications/" + f.cert },
			func(fixture) any { return map[string]any{"issuer": "JQA"} }, writers, 200, false},
		{"DELETE", "/api/v1/vendors/:id/certifications/:certification_id",
			func(f fixture) string { return v(f) + "/certifications/" + f.cert }, nil, writers, 204, false},

		{"POST", "/api/v1/vendors/:id/subcontractors", func(f fixture) string { return v(f) + "/subcontractors" },
			func(f fixture) any { return map[string]any{"subcontractor_id": f.other, "service": "backup"} }, writers, 201, false},
		{"GET", "/api/v1/vendors/:id/subcontractors", func(f fixture) string { return v(f) + "/subcontractors" },
			nil, readers, 200, false},
		{"DELETE", "/api/v1/vendors/:id/subcontractors/:link_id",
			func(f fixture) string { return v(f) + "/subcontractors/" + f.link }, nil, writers, 204, false},

		{"POST", "/api/v1/engagements", func(fixture) string { return "/api/v1/engagements" },
			func(f fixture) any { return engagementBody(f.engaged, "name", "Created") }, writers, 201, true},
		{"GET", "/api/v1/engagements", func(fixture) string { return "/api/v1/engagements" }, nil, internal, 200, true},
		{"GET", "/api/v1/engagements/import/template", func(fixture) string { return "/api/v1/engagements/import/template" },
			nil, writers, 200, true},
		{"POST", "/api/v1/engagements/import", func(fixture) string { return "/api/v1/engagements/import" },
			func(f fixture) any { return fileUpload("e.csv", engagementCSV(f.engagedRef)) }, writers, 200, true},
		{"GET", "/api/v1/engagements/:id", eng, nil, internal, 200, true},
		{"PATCH", "/api/v1/engagements/:id", eng, func(fixture) any { return map[string]any{"name": "Renamed"} },
			writers, 200, true},
		{"GET", "/api/v1/engagements/:id/risk", func(f fixture) string { return eng(f) + "/risk" }, nil, internal, 200, true},
		{"POST", "/api/v1/engagements/:id/tier-override", func(f fixture) string { return eng(f) + "/tier-override" },
			func(fixture) any { return map[string]any{"tier": 1, "reason": "runs payroll"} }, riskOwners, 200, true},

		{"POST", "/api/v1/engagements/:id/contracts", func(f fixture) string { return eng(f) + "/contracts" },
			func(fixture) any { return contractBody("title", "Created") }, writers, 201, true},
		{"GET", "/api/v1/engagements/:id/contracts", func(f fixture) string { return eng(f) + "/contracts" },
			nil, internal, 200, true},
		{"GET", "/api/v1/contracts/:id", con, nil, internal, 200, true},
		{"PATCH", "/api/v1/contracts/:id", con, func(fixture) any { return map[string]any{"title": "Renamed"} },
			writers, 200, true},
		{"GET", "/api/v1/contracts/:id/gaps", func(f fixture) string { return con(f) + "/gaps" }, nil, internal, 200, true},

		// Control catalogs (not in API.md's role table): every internal role reads them, admin and
		// procurement add frameworks, and suppliers do not see them.
		{"GET", "/api/v1/frameworks", func(fixture) string { return "/api/v1/frameworks" }, nil, internal, 200, true},
		{"POST", "/api/v1/frameworks", func(fixture) string { return "/api/v1/frameworks" },
			func(fixture) any { return customFramework() }, writers, 201, true},
		{"POST", "/api/v1/frameworks/import", func(fixture) string { return "/api/v1/frameworks/import" },
			func(fixture) any { return oscalCatalog() }, writers, 201, true},
		{"GET", "/api/v1/frameworks/:id", func(f fixture) string { return "/api/v1/frameworks/" + f.framework }, nil, internal, 200, true},
		{"GET", "/api/v1/frameworks/:id/controls", func(f fixture) string { return "/api/v1/frameworks/" + f.framework + "/controls" },
			nil, internal, 200, true},
		{"GET", "/api/v1/controls", func(f fixture) string { return "/api/v1/controls?framework=" + f.framework }, nil, internal, 200, true},
		{"GET", "/api/v1/controls/:id", func(f fixture) string { return "/api/v1/controls/" + f.control }, nil, internal, 200, true},

		// Questionnaire templates: internal roles read, admin and procurement write, suppliers see them
		// only through their own assessments (404 here).
		{"POST", "/api/v1/questionnaire-templates", func(fixture) string { return "/api/v1/questionnaire-templates" },
			func(fixture) any { return templateBody() }, writers, 201, true},
		{"GET", "/api/v1/questionnaire-templates", func(fixture) string { return "/api/v1/questionnaire-templates" },
			nil, internal, 200, true},
		{"POST", "/api/v1/questionnaire-templates/import", func(fixture) string { return "/api/v1/questionnaire-templates/import" },
			func(fixture) any { return templateDocument() }, writers, 201, true},
		{"GET", "/api/v1/questionnaire-templates/:id", func(f fixture) string { return "/api/v1/questionnaire-templates/" + f.published },
			nil, internal, 200, true},
		{"PATCH", "/api/v1/questionnaire-templates/:id", func(f fixture) string { return "/api/v1/questionnaire-templates/" + f.draft },
			func(fixture) any { return templateBody() }, writers, 200, true},
		{"POST", "/api/v1/questionnaire-templates/:id/publish",
			func(f fixture) string { return "/api/v1/questionnaire-templates/" + f.draft + "/publish" }, nil, writers, 200, true},
		{"POST", "/api/v1/questionnaire-templates/:id/archive",
			func(f fixture) string { return "/api/v1/questionnaire-templates/" + f.published + "/archive" }, nil, writers, 200, true},
		{"POST", "/api/v1/questionnaire-templates/:id/new-version",
			func(f fixture) string { return "/api/v1/questionnaire-templates/" + f.published + "/new-version" }, nil, writers, 201, true},
		{"GET", "/api/v1/questionnaire-templates/:id/export",
			func(f fixture) string { return "/api/v1/questionnaire-templates/" + f.published + "/export" }, nil, internal, 200, true},

		// Assessments: internal roles read, admin and procurement write; suppliers use /supplier/... and
		// get 404 here. The supplier routes are the supplier's alone (internal roles 403).
		{"POST", "/api/v1/assessments", func(fixture) string { return "/api/v1/assessments" },
			func(f fixture) any {
				return map[string]any{"engagement_id": f.engagement, "template_id": f.published, "due_date": "2025-06-30"}
			}, writers, 201, true},
		{"GET", "/api/v1/assessments", func(fixture) string { return "/api/v1/assessments" }, nil, internal, 200, true},
		{"GET", "/api/v1/assessments/:id", func(f fixture) string { return "/api/v1/assessments/" + f.asSent }, nil, internal, 200, true},
		{"POST", "/api/v1/assessments/:id/send", func(f fixture) string { return "/api/v1/assessments/" + f.asDraft + "/send" },
			nil, writers, 200, true},
		{"POST", "/api/v1/assessments/:id/cancel", func(f fixture) string { return "/api/v1/assessments/" + f.asSent + "/cancel" },
			nil, writers, 200, true},
		{"POST", "/api/v1/assessments/:id/answer-reviews",
			func(f fixture) string { return "/api/v1/assessments/" + f.asSubmitted + "/answer-reviews" },
			func(fixture) any {
				return map[string]any{"reviews": []map[string]any{{"key": "q1", "flag": "accepted"}}}
			},
			writers, 200, true},
		{"POST", "/api/v1/assessments/:id/review", func(f fixture) string { return "/api/v1/assessments/" + f.asSubmitted + "/review" },
			func(fixture) any { return map[string]any{"decision": "complete"} }, writers, 200, true},
		{"GET", "/api/v1/assessments/:id/score", func(f fixture) string { return "/api/v1/assessments/" + f.asSent + "/score" },
			nil, internal, 200, true},
		{"GET", "/api/v1/assessments/:id/export", func(f fixture) string { return "/api/v1/assessments/" + f.asSent + "/export" },
			nil, internal, 200, true},
		{"GET", "/api/v1/assessments/:id/oscal/assessment-results",
			func(f fixture) string { return "/api/v1/assessments/" + f.asSent + "/oscal/assessment-results" }, nil, internal, 200, true},
		{"GET", "/api/v1/engagements/:id/oscal/poam",
			func(f fixture) string { return "/api/v1/engagements/" + f.findingEngagement + "/oscal/poam" }, nil, internal, 200, true},
		{"POST", "/api/v1/assessments/:id/score/simulate",
			func(f fixture) string { return "/api/v1/assessments/" + f.asSent + "/score/simulate" },
			func(fixture) any { return map[string]any{"answers": []map[string]any{{"key": "q1", "value": "no"}}} },
			internal, 200, true},
		{"GET", "/api/v1/supplier/assessments", func(fixture) string { return "/api/v1/supplier/assessments" },
			nil, suppliers, 200, false},
		{"GET", "/api/v1/supplier/assessments/:id", func(f fixture) string { return "/api/v1/supplier/assessments/" + f.asSent },
			nil, suppliers, 200, false},
		{"PUT", "/api/v1/supplier/assessments/:id/answers",
			func(f fixture) string { return "/api/v1/supplier/assessments/" + f.asSent + "/answers" },
			func(fixture) any { return map[string]any{"answers": []map[string]any{{"key": "q1", "value": "no"}}} },
			suppliers, 200, false},
		{"POST", "/api/v1/supplier/assessments/:id/evidence",
			func(f fixture) string { return "/api/v1/supplier/assessments/" + f.asSent + "/evidence" },
			func(fixture) any {
				return upload{field: "file", name: "more.txt", data: []byte("more"), fields: map[string][]string{"question_keys": {"q1"}}}
			}, suppliers, 201, false},
		{"GET", "/api/v1/supplier/assessments/:id/export",
			func(f fixture) string { return "/api/v1/supplier/assessments/" + f.asSent + "/export" }, nil, suppliers, 200, false},
		{"POST", "/api/v1/supplier/assessments/:id/answers/import",
			func(f fixture) string { return "/api/v1/supplier/assessments/" + f.asSent + "/answers/import" },
			func(f fixture) any { return upload{field: "file", name: "answers.xlsx", data: f.asSentSheet} }, suppliers, 200, false},
		{"POST", "/api/v1/supplier/assessments/:id/submit",
			func(f fixture) string { return "/api/v1/supplier/assessments/" + f.asSent + "/submit" }, nil, suppliers, 200, false},
		// Findings: internal roles read, admin and procurement write; suppliers use /supplier/findings.
		{"GET", "/api/v1/findings", func(fixture) string { return "/api/v1/findings" }, nil, internal, 200, true},
		{"POST", "/api/v1/findings", func(fixture) string { return "/api/v1/findings" },
			func(f fixture) any {
				return map[string]any{"engagement_id": f.engagement, "title": "Manual", "severity": "low"}
			}, writers, 201, true},
		{"GET", "/api/v1/findings/:id", func(f fixture) string { return "/api/v1/findings/" + f.finding }, nil, internal, 200, true},
		{"PATCH", "/api/v1/findings/:id", func(f fixture) string { return "/api/v1/findings/" + f.finding },
			func(fixture) any { return map[string]any{"internal_notes": "checked with the vendor"} }, writers, 200, true},
		{"POST", "/api/v1/findings/:id/remediations", func(f fixture) string { return "/api/v1/findings/" + f.finding + "/remediations" },
			func(fixture) any {
				return map[string]any{"type": "preventive", "owner": "internal", "description": "Train staff"}
			},
			writers, 201, true},
		{"GET", "/api/v1/findings/:id/remediations", func(f fixture) string { return "/api/v1/findings/" + f.finding + "/remediations" },
			nil, internal, 200, true},
		{"GET", "/api/v1/remediations/:id", func(f fixture) string { return "/api/v1/remediations/" + f.remediation }, nil, internal, 200, true},
		{"PATCH", "/api/v1/remediations/:id", func(f fixture) string { return "/api/v1/remediations/" + f.remediation },
			func(fixture) any { return map[string]any{"description": "Enable MFA everywhere"} }, writers, 200, true},
		{"POST", "/api/v1/remediations/:id/verify", func(f fixture) string { return "/api/v1/remediations/" + f.remediation + "/verify" },
			func(fixture) any { return map[string]any{"passed": true} }, writers, 200, true},
		// A supplier reaches the plan's judgement and is refused by the service: 403 on its own finding.
		{"POST", "/api/v1/findings/:id/remediation-plan/accept",
			func(f fixture) string { return "/api/v1/findings/" + f.finding + "/remediation-plan/accept" }, nil, writers, 200, false},
		{"POST", "/api/v1/findings/:id/remediation-plan/reject",
			func(f fixture) string { return "/api/v1/findings/" + f.finding + "/remediation-plan/reject" },
			func(fixture) any { return map[string]any{"reason": "dates too late"} }, writers, 200, false},
		{"GET", "/api/v1/supplier/findings/:id/remediations",
			func(f fixture) string { return "/api/v1/supplier/findings/" + f.finding + "/remediations" }, nil, suppliers, 200, false},
		{"GET", "/api/v1/supplier/findings", func(fixture) string { return "/api/v1/supplier/findings" }, nil, suppliers, 200, false},
		{"GET", "/api/v1/supplier/reminders", func(fixture) string { return "/api/v1/supplier/reminders" }, nil, suppliers, 200, false},
		{"POST", "/api/v1/supplier/findings/:id/response",
			func(f fixture) string { return "/api/v1/supplier/findings/" + f.finding + "/response" },
			func(fixture) any { return map[string]any{"response": "MFA is on since March."} }, suppliers, 200, false},

		{"GET", "/api/v1/evidence/:id", func(f fixture) string { return "/api/v1/evidence/" + f.evidence }, nil, readers, 200, false},
		{"GET", "/api/v1/evidence/:id/content", func(f fixture) string { return "/api/v1/evidence/" + f.evidence + "/content" },
			nil, readers, 200, false},

		{"GET", "/api/v1/risk-policy", policyPath, nil, internal, 200, true},
		{"PUT", "/api/v1/risk-policy", policyPath, func(fixture) any { return defaultPolicyBody() }, admins, 200, true},

		{"POST", "/api/v1/decisions", func(fixture) string { return "/api/v1/decisions" },
			func(f fixture) any { return map[string]any{"engagement_id": f.engagement, "purpose": "payroll"} }, writers, 201, true},
		{"GET", "/api/v1/decisions", func(fixture) string { return "/api/v1/decisions" }, nil, internal, 200, true},
		{"GET", "/api/v1/decisions/:id", func(f fixture) string { return "/api/v1/decisions/" + f.decision }, nil, internal, 200, true},
		{"POST", "/api/v1/decisions/:id/approve", func(f fixture) string { return "/api/v1/decisions/" + f.decision + "/approve" },
			func(fixture) any { return map[string]any{"comment": "ok"} }, riskOwners, 200, true},
		{"POST", "/api/v1/decisions/:id/reject", func(f fixture) string { return "/api/v1/decisions/" + f.decision + "/reject" },
			func(fixture) any { return map[string]any{"reason": "too risky"} }, riskOwners, 200, true},

		{"POST", "/api/v1/findings/:id/risk-acceptances",
			func(f fixture) string { return "/api/v1/findings/" + f.finding + "/risk-acceptances" },
			func(fixture) any {
				return map[string]any{"justification": "compensating control", "expires_on": start.AddDate(0, 1, 0).Format("2006-01-02")}
			}, []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner}, 201, true},
		{"GET", "/api/v1/risk-acceptances", func(fixture) string { return "/api/v1/risk-acceptances" }, nil, internal, 200, true},
		{"GET", "/api/v1/risk-acceptances/:id", func(f fixture) string { return "/api/v1/risk-acceptances/" + f.acceptance },
			nil, internal, 200, true},
		{"POST", "/api/v1/risk-acceptances/:id/approve",
			func(f fixture) string { return "/api/v1/risk-acceptances/" + f.acceptance + "/approve" }, nil, riskOwners, 200, true},
		// Admin and procurement reach the service but are neither risk owners nor the requester: 403.
		{"POST", "/api/v1/risk-acceptances/:id/revoke",
			func(f fixture) string { return "/api/v1/risk-acceptances/" + f.acceptance + "/revoke" },
			func(fixture) any { return map[string]any{"reason": "changed our mind"} }, riskOwners, 200, true},

		{"GET", "/api/v1/portfolio/summary", func(fixture) string { return "/api/v1/portfolio/summary" }, nil, internal, 200, true},

		// Webhooks are the admin's; every internal role reads the event catalog.
		{"GET", "/api/v1/event-types", func(fixture) string { return "/api/v1/event-types" }, nil, internal, 200, true},
		{"POST", "/api/v1/webhook-endpoints", func(fixture) string { return "/api/v1/webhook-endpoints" },
			func(fixture) any {
				return map[string]any{"url": "https://hooks.example.com/new", "event_types": []string{"vendor.*"}}
			}, admins, 201, true},
		{"GET", "/api/v1/webhook-endpoints", func(fixture) string { return "/api/v1/webhook-endpoints" }, nil, admins, 200, true},
		{"GET", "/api/v1/webhook-endpoints/:id", hook, nil, admins, 200, true},
		{"PATCH", "/api/v1/webhook-endpoints/:id", hook, func(fixture) any { return map[string]any{"description": "changed"} },
			admins, 200, true},
		{"DELETE", "/api/v1/webhook-endpoints/:id", hook, nil, admins, 204, true},
		{"POST", "/api/v1/webhook-endpoints/:id/rotate-secret", func(f fixture) string { return hook(f) + "/rotate-secret" }, nil,
			admins, 200, true},
		{"POST", "/api/v1/webhook-endpoints/:id/test", func(f fixture) string { return hook(f) + "/test" }, nil, admins, 202, true},
		{"GET", "/api/v1/webhook-endpoints/:id/deliveries", func(f fixture) string { return hook(f) + "/deliveries" }, nil,
			admins, 200, true},
		{"POST", "/api/v1/webhook-endpoints/:id/deliveries/:delivery_id/redeliver",
			func(f fixture) string { return hook(f) + "/deliveries/" + f.delivery + "/redeliver" }, nil, admins, 202, true},

		{"GET", "/api/v1/audit-events", func(fixture) string { return "/api/v1/audit-events" }, nil, auditReaders, 200, true},
		{"GET", "/api/v1/audit-events/verify", func(fixture) string { return "/api/v1/audit-events/verify" }, nil,
			auditReaders, 200, true},
		{"GET", "/api/v1/audit-events/checkpoints", func(fixture) string { return "/api/v1/audit-events/checkpoints" }, nil,
			auditReaders, 200, true},
		{"POST", "/api/v1/audit-events/checkpoints/verify", func(fixture) string { return "/api/v1/audit-events/checkpoints/verify" },
			func(fixture) any {
				return map[string]any{"seq": 1, "hash": "x", "signed_at": "2025-04-01T00:00:00Z", "key_id": "k", "public_key": "", "signature": "", "version": "audit-checkpoint-v1"}
			}, auditReaders, 200, true},
	}

	eachDB(t, func(t *testing.T, e *env) {
		// Every credentialed route must be in the table, so a new route cannot skip the matrix.
		var have []string
		for _, r := range e.h.(interface{ Unwrap() http.Handler }).Unwrap().(*gin.Engine).Routes() {
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

		// A write gets a fresh fixture for every role (it may delete or move what it touches); reads share
		// one full fixture, built once, which keeps the matrix fast enough to run under -race.
		build := func(t *testing.T, template string) fixture {
			f := e.fixture(t)
			if strings.Contains(template, "assessments") || strings.Contains(template, "evidence") {
				e.assessmentFixture(t, &f)
			}
			if strings.Contains(template, "findings") || strings.Contains(template, "remediations") ||
				strings.Contains(template, "risk-acceptances") {
				eng := e.createEngagement(t, engagementBody(f.vendor)).ID
				f.findingEngagement = eng
				f.finding = must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": eng,
					"title": "No MFA on remote access", "severity": "high"}), http.StatusCreated).str("id")
				f.remediation = must(t, e.do(t, "POST", "/api/v1/findings/"+f.finding+"/remediations", e.admin, map[string]any{
					"type": "corrective", "owner": "supplier", "description": "Enable MFA"}), http.StatusCreated).str("id")
				must(t, e.do(t, "PATCH", "/api/v1/remediations/"+f.remediation, e.admin, map[string]any{"status": "done"}), http.StatusOK)
				if strings.Contains(template, "remediation-plan") {
					must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+f.finding+"/response", e.key(t, auth.RoleSupplier, f.vendor),
						map[string]any{"response": "We plan.", "plans": []map[string]any{{"type": "corrective", "description": "Enable MFA",
							"due_date": "2025-06-30"}}}), http.StatusOK)
				}
			}
			if strings.Contains(template, "risk-acceptances/") {
				f.acceptance = must(t, e.do(t, "POST", "/api/v1/findings/"+f.finding+"/risk-acceptances", e.admin, map[string]any{
					"justification": "compensating control", "expires_on": start.AddDate(0, 1, 0).Format("2006-01-02")}),
					http.StatusCreated).str("id")
			}
			if strings.Contains(template, "webhook-endpoints") {
				f.hook, f.delivery = e.hookFixture(t)
			}
			if strings.Contains(template, "/decisions/") {
				f.decision = must(t, e.do(t, "POST", "/api/v1/decisions", e.admin, map[string]any{"engagement_id": f.engagement}),
					http.StatusCreated).str("id")
			}
			return f
		}
		var shared *fixture
		for _, rt := range routes {
			for _, role := range all {
				t.Run(rt.method+" "+rt.template+"/"+string(role), func(t *testing.T) {
					var f fixture
					switch {
					case rt.method != "GET":
						f = build(t, rt.template)
					case shared == nil:
						full := build(t, "assessments findings risk-acceptances/ /decisions/ webhook-endpoints")
						shared, f = &full, full
					default:
						f = *shared
					}
					vendorID := ""
					if role == auth.RoleSupplier {
						vendorID = f.vendor // a supplier reads its own vendor
						if rt.hidden {
							vendorID = f.engaged // and not even its own vendor's engagements
						}
					}
					secret := e.key(t, role, vendorID)
					var body any
					if rt.body != nil {
						body = rt.body(f)
					}
					before := e.snapshot(t, readBack(rt.method, rt.path(f)))
					lastEvent := e.lastAuditEvent(t)
					r := e.do(t, rt.method, rt.path(f), secret, body)
					if slices.Contains(rt.allowed, role) {
						if r.Status != rt.success {
							t.Errorf("%s may %s %s: status %d, want %d: %s", role, rt.method, rt.template, r.Status, rt.success, r)
						}
						switch {
						case rt.method == "GET":
						case readOnlyPost[rt.template]: // a what-if changes nothing and records nothing
							if now := e.lastAuditEvent(t); now["seq"] != lastEvent["seq"] {
								t.Errorf("%s %s recorded an audit event: %v", rt.method, rt.template, now["action"])
							}
						default:
							e.wantEvents(t, lastEvent, rt.method+" "+rt.template, role, r)
						}
						return
					}
					if rt.hidden && role == auth.RoleSupplier {
						wantProblem(t, r, http.StatusNotFound)
					} else {
						wantProblem(t, r, http.StatusForbidden)
					}
					if after := e.snapshot(t, readBack(rt.method, rt.path(f))); after != before {
						t.Errorf("a refused %s changed the resource:\nbefore %s\nafter  %s", rt.method, before, after)
					}
					if now := e.lastAuditEvent(t); now["seq"] != lastEvent["seq"] {
						t.Errorf("a refused %s was audited as a change: %v", rt.method, now)
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
	// A tier override shows on the engagement, an import in the list of frameworks.
	path = strings.TrimSuffix(path, "/tier-override")
	path = strings.TrimSuffix(path, "/import")
	path = strings.TrimSuffix(path, "/checkpoints/verify") // a check changes nothing: the trail shows it
	// Supplier actions and assessment transitions show on the assessment as an admin reads it.
	if path == "/api/v1/supplier/assessments" {
		path = "/api/v1/assessments"
	}
	if path == "/api/v1/supplier/reminders" {
		path = "/api/v1/assessments"
	}
	if path == "/api/v1/supplier/findings" {
		path = "/api/v1/findings"
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/supplier/findings/"); ok {
		path = "/api/v1/findings/" + strings.TrimSuffix(rest, "/response")
	}
	if strings.HasPrefix(path, "/api/v1/findings/") && strings.HasSuffix(path, "/risk-acceptances") {
		path = "/api/v1/risk-acceptances"
	}
	for _, suffix := range []string{"/approve", "/reject", "/revoke"} {
		if strings.HasPrefix(path, "/api/v1/decisions/") || strings.HasPrefix(path, "/api/v1/risk-acceptances/") {
			path = strings.TrimSuffix(path, suffix)
		}
	}
	if strings.HasPrefix(path, "/api/v1/findings/") {
		path = strings.TrimSuffix(strings.TrimSuffix(path, "/remediation-plan/accept"), "/remediation-plan/reject")
	}
	if strings.HasPrefix(path, "/api/v1/remediations/") {
		path = strings.TrimSuffix(path, "/verify")
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/supplier/assessments/"); ok {
		path = "/api/v1/assessments/" + rest
	}
	if strings.HasPrefix(path, "/api/v1/assessments/") {
		for _, suffix := range []string{"/answers", "/evidence", "/submit", "/send", "/cancel", "/answer-reviews", "/review",
			"/score/simulate", "/score"} {
			path = strings.TrimSuffix(path, suffix)
		}
	}
	// A webhook endpoint's actions show on it; a redelivery in its deliveries.
	if strings.HasPrefix(path, "/api/v1/webhook-endpoints/") {
		path = strings.TrimSuffix(strings.TrimSuffix(path, "/rotate-secret"), "/test")
		if i := strings.Index(path, "/deliveries/"); i > 0 {
			path = path[:i] + "/deliveries"
		}
	}
	// Publishing and archiving show on the template; a new version in the list of templates.
	path = strings.TrimSuffix(strings.TrimSuffix(path, "/publish"), "/archive")
	if strings.HasSuffix(path, "/new-version") {
		path = "/api/v1/questionnaire-templates"
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
			id, ok := it["id"].(string)
			if !ok { // the event catalog has no ids
				id, _ = it["type"].(string)
			}
			ids = append(ids, id)
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

// templateDocument is templateBody in the export format.
func templateDocument() map[string]any {
	d := templateBody()
	d["format"] = "vendorrisk.questionnaire-template/v1"
	d["key"] = ""
	d["description"] = map[string]any{"en": "", "ja": ""}
	for _, sec := range d["sections"].([]map[string]any) {
		for _, q := range sec["questions"].([]map[string]any) {
			q["help"] = map[string]any{"en": "", "ja": ""}
			q["options"] = []any{}
			q["evidence"] = map[string]any{"mode": "none"}
			q["condition"] = nil
		}
	}
	return d
}

// lastAuditEvent is the newest event of the audit trail (nil when it is empty).
// readOnlyPost are the POST routes that change nothing and are therefore not audited.
var readOnlyPost = map[string]bool{"/api/v1/assessments/:id/score/simulate": true, "/api/v1/audit-events/checkpoints/verify": true}

func (e *env) lastAuditEvent(t *testing.T) map[string]any {
	t.Helper()
	items := must(t, e.do(t, "GET", "/api/v1/audit-events?limit=1", e.admin, nil), http.StatusOK).items(t)
	if len(items) == 0 {
		return nil
	}
	return items[0]
}

// routeEvents names a domain event each write route records (one its use case records on every success;
// alternatives separated by |). Every write route must be listed: a use case that records nothing is
// a change the audit trail would miss.
var routeEvents = map[string]string{
	"POST /api/v1/api-keys":                                                "api_key.created",
	"DELETE /api/v1/api-keys/:id":                                          "api_key.revoked",
	"POST /api/v1/vendors":                                                 "vendor.created",
	"PATCH /api/v1/vendors/:id":                                            "vendor.updated",
	"DELETE /api/v1/vendors/:id":                                           "vendor.deleted",
	"POST /api/v1/vendors/import":                                          "import.completed",
	"POST /api/v1/vendors/:id/contacts":                                    "vendor.contact.created",
	"PATCH /api/v1/vendors/:id/contacts/:contact_id":                       "vendor.contact.updated",
	"DELETE /api/v1/vendors/:id/contacts/:contact_id":                      "vendor.contact.deleted",
	"POST /api/v1/vendors/:id/certifications":                              "vendor.certification.created",
	"PATCH /api/v1/vendors/:id/certifications/:certification_id":           "vendor.certification.updated",
	"DELETE /api/v1/vendors/:id/certifications/:certification_id":          "vendor.certification.deleted",
	"POST /api/v1/vendors/:id/subcontractors":                              "vendor.subcontractor.linked",
	"DELETE /api/v1/vendors/:id/subcontractors/:link_id":                   "vendor.subcontractor.unlinked",
	"POST /api/v1/engagements":                                             "engagement.created",
	"POST /api/v1/engagements/import":                                      "import.completed",
	"PATCH /api/v1/engagements/:id":                                        "engagement.updated",
	"POST /api/v1/engagements/:id/tier-override":                           "engagement.tier_overridden",
	"POST /api/v1/engagements/:id/contracts":                               "contract.created",
	"PATCH /api/v1/contracts/:id":                                          "contract.updated",
	"POST /api/v1/frameworks":                                              "framework.created",
	"POST /api/v1/frameworks/import":                                       "framework.imported",
	"POST /api/v1/questionnaire-templates":                                 "questionnaire_template.created",
	"POST /api/v1/questionnaire-templates/import":                          "questionnaire_template.imported",
	"PATCH /api/v1/questionnaire-templates/:id":                            "questionnaire_template.updated",
	"POST /api/v1/questionnaire-templates/:id/publish":                     "questionnaire_template.published",
	"POST /api/v1/questionnaire-templates/:id/archive":                     "questionnaire_template.archived",
	"POST /api/v1/questionnaire-templates/:id/new-version":                 "questionnaire_template.version_created",
	"POST /api/v1/assessments":                                             "assessment.created",
	"POST /api/v1/assessments/:id/send":                                    "assessment.sent",
	"POST /api/v1/assessments/:id/cancel":                                  "assessment.cancelled",
	"POST /api/v1/assessments/:id/answer-reviews":                          "assessment.answers_reviewed",
	"POST /api/v1/assessments/:id/review":                                  "assessment.completed|assessment.returned",
	"PUT /api/v1/supplier/assessments/:id/answers":                         "assessment.answers_saved",
	"POST /api/v1/supplier/assessments/:id/evidence":                       "assessment.evidence_added",
	"POST /api/v1/supplier/assessments/:id/answers/import":                 "assessment.answers_saved",
	"POST /api/v1/supplier/assessments/:id/submit":                         "assessment.submitted",
	"POST /api/v1/findings":                                                "finding.raised",
	"PATCH /api/v1/findings/:id":                                           "finding.updated",
	"POST /api/v1/findings/:id/remediations":                               "remediation.created",
	"PATCH /api/v1/remediations/:id":                                       "remediation.updated",
	"POST /api/v1/remediations/:id/verify":                                 "remediation.verified",
	"POST /api/v1/findings/:id/remediation-plan/accept":                    "remediation_plan.accepted",
	"POST /api/v1/findings/:id/remediation-plan/reject":                    "remediation_plan.rejected",
	"POST /api/v1/supplier/findings/:id/response":                          "finding.supplier_responded",
	"PUT /api/v1/risk-policy":                                              "risk_policy.updated",
	"POST /api/v1/decisions":                                               "decision.requested",
	"POST /api/v1/decisions/:id/approve":                                   "decision.approval_given|decision.approved",
	"POST /api/v1/decisions/:id/reject":                                    "decision.rejected",
	"POST /api/v1/findings/:id/risk-acceptances":                           "risk_acceptance.requested",
	"POST /api/v1/risk-acceptances/:id/approve":                            "risk_acceptance.approved",
	"POST /api/v1/risk-acceptances/:id/revoke":                             "risk_acceptance.revoked",
	"POST /api/v1/webhook-endpoints":                                       "webhook_endpoint.created",
	"PATCH /api/v1/webhook-endpoints/:id":                                  "webhook_endpoint.updated",
	"DELETE /api/v1/webhook-endpoints/:id":                                 "webhook_endpoint.deleted",
	"POST /api/v1/webhook-endpoints/:id/rotate-secret":                     "webhook_endpoint.secret_rotated",
	"POST /api/v1/webhook-endpoints/:id/test":                              "webhook_endpoint.tested",
	"POST /api/v1/webhook-endpoints/:id/deliveries/:delivery_id/redeliver": "webhook_delivery.redelivery_requested",
}

// hookFixture subscribes a webhook endpoint and queues one delivery to it straight in storage (as
// the delivery worker would), returning both ids.
func (e *env) hookFixture(t *testing.T) (string, string) {
	t.Helper()
	id := must(t, e.do(t, "POST", "/api/v1/webhook-endpoints", e.admin, map[string]any{"url": "https://hooks.example.com/matrix",
		"event_types": []string{"vendor.*"}}), http.StatusCreated).str("id")
	repo := repository.NewWebhooks(e.db, nil)
	cursor, err := repo.Cursor(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	d := webhook.Delivery{ID: domain.NewID(), EndpointID: id, Seq: cursor + 1, MessageID: domain.NewID(), EventType: "vendor.created",
		Status: webhook.StatusFailed, RetryFrom: now, CreatedAt: now, UpdatedAt: now}
	if err := repo.Enqueue(t.Context(), id, []webhook.Delivery{d}, cursor, cursor); err != nil {
		t.Fatal(err)
	}
	return id, d.ID
}

// wantEvents checks the audit events the write r just made (those after prev): at least one, the
// route's domain event among them, each by the role that made it and carrying the request's id and path.
func (e *env) wantEvents(t *testing.T, prev map[string]any, route string, role auth.Role, r resp) {
	t.Helper()
	want, ok := routeEvents[route]
	if !ok {
		t.Errorf("%s: no domain event listed in routeEvents", route)
		return
	}
	prevSeq := 0.0
	if prev != nil {
		prevSeq = prev["seq"].(float64)
	}
	items := must(t, e.do(t, "GET", "/api/v1/audit-events?limit=200", e.admin, nil), http.StatusOK).items(t)
	var types []string
	for _, ev := range items {
		if ev["seq"].(float64) <= prevSeq {
			break
		}
		types = append(types, ev["action"].(string))
		switch {
		case ev["actor_role"] != string(role):
			t.Errorf("%s: event %s by role %q, want %q", route, ev["action"], ev["actor_role"], role)
		case ev["request_id"] != r.Header.Get("X-Request-ID"):
			t.Errorf("%s: event %s request_id %q, want %q", route, ev["action"], ev["request_id"], r.Header.Get("X-Request-ID"))
		case ev["path"] == "":
			t.Errorf("%s: event %s has no request path", route, ev["action"])
		}
	}
	for _, w := range strings.Split(want, "|") {
		if slices.Contains(types, w) {
			return
		}
	}
	t.Errorf("%s: recorded events %v, want %s among them", route, types, want)
}
