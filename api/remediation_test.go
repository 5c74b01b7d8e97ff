package api_test

import (
	"net/http"
	"testing"
)

// TestFindingToClosedThroughSupplierAndVerification follows one finding from a weak answer to closed:
// the supplier responds with a plan, marks it done, a first verification fails, the second passes.
func TestFindingToClosedThroughSupplierAndVerification(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, scoreTemplate()), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
		vendorID := e.newVendor(t, "Remediating Vendor")
		eng := e.createEngagement(t, engagementBody(vendorID)).ID // tier 2: the question's severity stands
		id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		sup := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK).
			JSON["supplier_key"].(map[string]any)["secret"].(string)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
			{"key": "q1", "value": "no"}, {"key": "q2", "value": "full"}, {"key": "q3", "value": "yes"}}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK)

		list := must(t, e.do(t, "GET", "/api/v1/findings?engagement_id="+eng, e.admin, nil), http.StatusOK).items(t)
		if len(list) != 1 || list[0]["question_key"] != "q1" || list[0]["severity"] != "high" || list[0]["status"] != "open" {
			t.Fatalf("findings = %v, want one open high finding for q1", list)
		}
		fid := list[0]["id"].(string)
		status := func() string {
			return must(t, e.do(t, "GET", "/api/v1/findings/"+fid, e.admin, nil), http.StatusOK).str("status")
		}

		// The supplier answers with a plan and procurement accepts it: the finding is planned, the item is
		// the supplier's, due by default after the policy's days for a high finding on tier 2 (45 days in
		// the built-in policy).
		must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", sup, map[string]any{
			"response": "We will enable it.", "plans": []map[string]any{{"type": "corrective", "description": "Enable MFA"}}}), http.StatusOK)
		if got := status(); got != "open" {
			t.Fatalf("with the plan proposed the finding is %s, want open until procurement accepts", got)
		}
		must(t, e.do(t, "POST", "/api/v1/findings/"+fid+"/remediation-plan/accept", e.admin, nil), http.StatusOK)
		if got := status(); got != "remediation_planned" {
			t.Fatalf("after the plan the finding is %s, want remediation_planned", got)
		}
		items := must(t, e.do(t, "GET", "/api/v1/supplier/findings/"+fid+"/remediations", sup, nil), http.StatusOK).items(t)
		if len(items) != 1 || items[0]["owner"] != "supplier" || items[0]["status"] != "open" || items[0]["due_date"] != "2025-05-16" {
			t.Fatalf("items = %v, want one open supplier item due 2025-05-16", items)
		}
		rid := items[0]["id"].(string)

		// Done, verification fails (comment required), done again, verification passes: closed.
		must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", sup, map[string]any{
			"response": "Enabled.", "done": []string{rid}}), http.StatusOK)
		if got := status(); got != "resolved" {
			t.Fatalf("with every item done the finding is %s, want resolved", got)
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/remediations/"+rid+"/verify", e.admin, map[string]any{"passed": false}),
			http.StatusUnprocessableEntity, "comment")
		must(t, e.do(t, "POST", "/api/v1/remediations/"+rid+"/verify", e.admin,
			map[string]any{"passed": false, "comment": "Contractors are not covered."}), http.StatusOK)
		if got := status(); got != "in_progress" {
			t.Fatalf("after a failed verification the finding is %s, want in_progress", got)
		}
		must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", sup, map[string]any{
			"response": "Contractors covered too.", "done": []string{rid}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/remediations/"+rid+"/verify", e.admin, map[string]any{"passed": true}), http.StatusOK)
		if got := status(); got != "closed" {
			t.Fatalf("with every item verified the finding is %s, want closed", got)
		}
		// Verified items are final; a supplier cannot verify.
		wantProblem(t, e.do(t, "POST", "/api/v1/remediations/"+rid+"/verify", e.admin, map[string]any{"passed": true}), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", "/api/v1/remediations/"+rid+"/verify", sup, map[string]any{"passed": true}), http.StatusNotFound)

		// Another vendor's supplier sees none of it.
		other := e.key(t, "supplier", e.newVendor(t, "Other Vendor"))
		wantProblem(t, e.do(t, "GET", "/api/v1/supplier/findings/"+fid+"/remediations", other, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", other,
			map[string]any{"response": "x", "done": []string{rid}}), http.StatusNotFound)
	})
}
