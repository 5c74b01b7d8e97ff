package api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/test/apiclient"
)

// TestGeneratedClientWorkflow drives the whole workflow through the Go client that oapi-codegen
// generates from docs/openapi.yaml (test/apiclient): vendor → engagement → template → assessment →
// supplier answers → complete → score → finding → outsourcing decision. No JSON is built by hand:
// when the spec and the server disagree, the client cannot decode an answer and the test fails (the
// harness validates every exchange against the spec as well).
func TestGeneratedClientWorkflow(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		srv := httptest.NewServer(e.h)
		t.Cleanup(srv.Close)
		client := func(secret string) *apiclient.ClientWithResponses {
			c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithRequestEditorFn(
				func(_ context.Context, req *http.Request) error {
					req.Header.Set("Authorization", "Bearer "+secret)
					return nil
				}))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		ctx := t.Context()
		proc := client(e.key(t, auth.RoleProcurement, ""))
		owner := client(e.key(t, auth.RoleRiskOwner, ""))

		// The vendor and the engagement.
		v, err := proc.CreateVendorWithResponse(ctx, &apiclient.CreateVendorParams{}, apiclient.CreateVendorRequest{
			Kind: apiclient.VendorKind("cloud_provider"), Name: "Generated Client Cloud KK", Country: ptr("JP"),
		})
		wantStatus(t, "createVendor", err, v.StatusCode(), http.StatusCreated, v.Body)
		if v.JSON201 == nil || v.JSON201.Status != "proposed" || v.HTTPResponse.Header.Get("Location") != "/api/v1/vendors/"+v.JSON201.Id {
			t.Fatalf("createVendor = %s", v.Body)
		}
		vendorID := v.JSON201.Id

		eng, err := proc.CreateEngagementWithResponse(ctx, &apiclient.CreateEngagementParams{}, apiclient.CreateEngagementRequest{
			VendorId: vendorID, Name: "Payroll SaaS", ServiceType: apiclient.ServiceType("saas"),
			AccessType:     ptr(apiclient.AccessType("data_transfer")),
			DataCategories: &[]apiclient.HoldingDTO{{Category: "personal", Records: 20000}},
			DataLocations:  &[]string{"JP"},
		})
		wantStatus(t, "createEngagement", err, eng.StatusCode(), http.StatusCreated, eng.Body)
		engagementID := eng.JSON201.Id

		risk, err := proc.GetEngagementRiskWithResponse(ctx, engagementID)
		wantStatus(t, "getEngagementRisk", err, risk.StatusCode(), http.StatusOK, risk.Body)

		// A one-question template, published.
		text := func(en, ja string) *apiclient.TextDTO { return &apiclient.TextDTO{En: en, Ja: &ja} }
		tpl, err := proc.CreateTemplateWithResponse(ctx, &apiclient.CreateTemplateParams{}, apiclient.TemplateRequest{
			Name: text("Generated client questionnaire", "生成クライアントの質問票"), VendorKinds: &[]string{"cloud_provider"},
			Sections: &[]apiclient.SectionRequest{{
				Key: ptr("access"), Title: text("Access control", "アクセス制御"),
				Questions: &[]apiclient.QuestionRequest{{
					Key: ptr("mfa"), Text: text("Do administrators use MFA?", "管理者は多要素認証を使っていますか？"), Type: ptr(apiclient.QuestionType("yes_no")),
					Weight: ptr(5), Required: ptr(true), Severity: ptr(apiclient.Severity("high")),
					ThreatCategory: ptr(apiclient.ThreatCategory("external")), Depth: ptr(apiclient.QuestionDepth("core")),
					Evidence: &apiclient.EvidenceDTO{Mode: apiclient.EvidenceMode("none")},
				}},
			}},
		})
		wantStatus(t, "createTemplate", err, tpl.StatusCode(), http.StatusCreated, tpl.Body)
		pub, err := proc.PublishTemplateWithResponse(ctx, tpl.JSON201.Id, &apiclient.PublishTemplateParams{})
		wantStatus(t, "publishTemplate", err, pub.StatusCode(), http.StatusOK, pub.Body)

		// Issue and send the assessment: the supplier's secret comes back once.
		due := openapi_types.Date{Time: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
		asm, err := proc.IssueAssessmentWithResponse(ctx, &apiclient.IssueAssessmentParams{}, apiclient.IssueAssessmentRequest{
			EngagementId: engagementID, TemplateId: tpl.JSON201.Id, DueDate: due,
		})
		wantStatus(t, "issueAssessment", err, asm.StatusCode(), http.StatusCreated, asm.Body)
		assessmentID := asm.JSON201.Id
		sent, err := proc.SendAssessmentWithResponse(ctx, assessmentID, &apiclient.SendAssessmentParams{})
		wantStatus(t, "sendAssessment", err, sent.StatusCode(), http.StatusOK, sent.Body)
		supplier := client(sent.JSON200.SupplierKey.Secret)

		// The supplier answers "no" (a finding) and submits.
		view, err := supplier.SupplierGetAssessmentWithResponse(ctx, assessmentID, &apiclient.SupplierGetAssessmentParams{})
		wantStatus(t, "supplierGetAssessment", err, view.StatusCode(), http.StatusOK, view.Body)
		if view.JSON200.Questions == nil || len(*view.JSON200.Questions) != 1 {
			t.Fatalf("supplier view = %s", view.Body)
		}
		etag := view.HTTPResponse.Header.Get("ETag")
		saved, err := supplier.SupplierSaveAnswersWithResponse(ctx, assessmentID, &apiclient.SupplierSaveAnswersParams{IfMatch: &etag},
			apiclient.SaveAnswersRequest{Answers: []apiclient.AnswerInputDTO{{Key: "mfa", Value: ptr("no")}}})
		wantStatus(t, "supplierSaveAnswers", err, saved.StatusCode(), http.StatusOK, saved.Body)
		stale, err := supplier.SupplierSaveAnswersWithResponse(ctx, assessmentID, &apiclient.SupplierSaveAnswersParams{IfMatch: &etag},
			apiclient.SaveAnswersRequest{Answers: []apiclient.AnswerInputDTO{{Key: "mfa", Value: ptr("yes")}}})
		wantStatus(t, "supplierSaveAnswers (stale)", err, stale.StatusCode(), http.StatusPreconditionFailed, stale.Body)
		if stale.ApplicationproblemJSON412 == nil || stale.ApplicationproblemJSON412.Status != http.StatusPreconditionFailed {
			t.Errorf("a stale If-Match gives no typed problem: %s", stale.Body)
		}
		// Evidence: the one hand-built body, since multipart is a form, not JSON.
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		if err := mw.WriteField("question_keys", "mfa"); err != nil {
			t.Fatal(err)
		}
		fw, err := mw.CreateFormFile("file", "mfa-rollout.txt")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte("MFA rollout plan: all administrators by 2025-09-30.\n"))
		mw.Close()
		ev, err := supplier.SupplierUploadEvidenceWithBodyWithResponse(ctx, assessmentID, mw.FormDataContentType(), &form)
		wantStatus(t, "supplierUploadEvidence", err, ev.StatusCode(), http.StatusCreated, ev.Body)
		if !strings.HasPrefix(ev.JSON201.ContentType, "text/plain") || len(ev.JSON201.QuestionKeys) != 1 {
			t.Errorf("evidence = %s", ev.Body)
		}

		sub, err := supplier.SupplierSubmitAssessmentWithResponse(ctx, assessmentID)
		wantStatus(t, "supplierSubmitAssessment", err, sub.StatusCode(), http.StatusOK, sub.Body)

		// Procurement completes the review; the score is final and the "no" is a finding.
		done, err := proc.ReviewAssessmentWithResponse(ctx, assessmentID, &apiclient.ReviewAssessmentParams{},
			apiclient.AssessmentReviewRequest{Decision: apiclient.AssessmentReviewRequestDecision("complete")})
		wantStatus(t, "reviewAssessment", err, done.StatusCode(), http.StatusOK, done.Body)
		if done.JSON200.Status != "completed" {
			t.Fatalf("after review: %s", done.Body)
		}
		score, err := proc.GetAssessmentScoreWithResponse(ctx, assessmentID)
		wantStatus(t, "getAssessmentScore", err, score.StatusCode(), http.StatusOK, score.Body)
		if score.JSON200.State != "final" || score.JSON200.Overall != 0 {
			t.Errorf("score = %s, want final 0", score.Body)
		}
		findings, err := proc.ListFindingsWithResponse(ctx, &apiclient.ListFindingsParams{EngagementId: &engagementID})
		wantStatus(t, "listFindings", err, findings.StatusCode(), http.StatusOK, findings.Body)
		if len(findings.JSON200.Items) != 1 || findings.JSON200.Items[0].Severity != "high" {
			t.Fatalf("findings = %s, want the one high finding", findings.Body)
		}
		f, err := proc.GetFindingWithResponse(ctx, findings.JSON200.Items[0].Id)
		wantStatus(t, "getFinding", err, f.StatusCode(), http.StatusOK, f.Body)

		// The outsourcing decision: procurement asks, the risk owner approves (four eyes).
		d, err := proc.RequestDecisionWithResponse(ctx, &apiclient.RequestDecisionParams{},
			apiclient.OutsourcingDecisionRequest{EngagementId: engagementID, Purpose: ptr("Payroll from FY2026")})
		wantStatus(t, "requestDecision", err, d.StatusCode(), http.StatusCreated, d.Body)
		self, err := proc.ApproveDecisionWithResponse(ctx, d.JSON201.Id, &apiclient.ApproveDecisionParams{}, apiclient.ApproveDecisionRequest{})
		wantStatus(t, "approveDecision (requester)", err, self.StatusCode(), http.StatusForbidden, self.Body)
		if self.ApplicationproblemJSON403 == nil {
			t.Errorf("four eyes refusal gives no typed problem: %s", self.Body)
		}
		ok, err := owner.ApproveDecisionWithResponse(ctx, d.JSON201.Id, &apiclient.ApproveDecisionParams{},
			apiclient.ApproveDecisionRequest{Comment: ptr("MFA finding to be remediated")})
		wantStatus(t, "approveDecision", err, ok.StatusCode(), http.StatusOK, ok.Body)
		got, err := owner.GetDecisionWithResponse(ctx, d.JSON201.Id)
		wantStatus(t, "getDecision", err, got.StatusCode(), http.StatusOK, got.Body)
		if got.JSON200.Status != "approved" {
			t.Errorf("decision = %s, want approved", got.Body)
		}
	})
}

func wantStatus(t *testing.T, op string, err error, got, want int, body []byte) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	if got != want {
		t.Fatalf("%s: status %d, want %d: %s", op, got, want, body)
	}
}

func ptr[T any](v T) *T { return &v }
