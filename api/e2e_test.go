package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestADayWithVendorrisk drives the whole product through HTTP, as README's "a day with vendorrisk"
// tells it: register, tier, contract, assess, findings, remediate one, accept another, decide with two
// risk owners, let a condition lapse, verify the audit trail. Only the background sweep is called
// directly (after moving the clock), as the server's ticker would.
func TestADayWithVendorrisk(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
			t.Fatal(err)
		}
		newKey := func(role, name string, vendorID ...string) string {
			body := map[string]any{"role": role, "name": name}
			if len(vendorID) > 0 {
				body["vendor_id"] = vendorID[0]
			}
			return must(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, body), http.StatusCreated).str("secret")
		}
		proc := newKey("procurement", "Hanako Sato (procurement)")
		ken := newKey("risk_owner", "Ken Ito (CISO)")
		yui := newKey("risk_owner", "Yui Mori (DPO)")
		auditor := newKey("auditor", "Internal audit")

		// Register the vendor with its certification, and the engagement; the CISO tiers it 1.
		vendorID := must(t, e.do(t, "POST", "/api/v1/vendors", proc, vendorBody("Sakura Cloud KK")), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/vendors/"+vendorID+"/certifications", proc, map[string]any{
			"scheme": "iso_27001", "issuer": "BSI", "valid_from": "2024-04-01", "valid_until": "2027-03-31"}), http.StatusCreated)
		eng := must(t, e.do(t, "POST", "/api/v1/engagements", proc, engagementBody(vendorID)), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/engagements/"+eng+"/tier-override", ken, map[string]any{"tier": 1,
			"reason": "Hosts the customer portal with every customer's records"}), http.StatusOK)
		contract := must(t, e.do(t, "POST", "/api/v1/engagements/"+eng+"/contracts", proc, contractBody()), http.StatusCreated).str("id")
		gaps := must(t, e.do(t, "GET", "/api/v1/contracts/"+contract+"/gaps", proc, nil), http.StatusOK)
		if n := len(gaps.JSON["gaps"].([]any)); n == 0 {
			t.Fatal("a bare contract on a tier-1 engagement shows no gaps")
		}

		// Issue, answer (two weak answers), submit and complete an assessment.
		tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", proc, findingTemplate()), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", proc, nil), http.StatusOK)
		asm := must(t, e.do(t, "POST", "/api/v1/assessments", proc, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		sup := must(t, e.do(t, "POST", "/api/v1/assessments/"+asm+"/send", proc, nil), http.StatusOK).
			JSON["supplier_key"].(map[string]any)["secret"].(string)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+asm+"/answers", sup, map[string]any{"answers": []map[string]any{
			{"key": "q1", "value": "no"}, {"key": "q2", "value": "partial"}, {"key": "q3", "value": "yes"}}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+asm+"/submit", sup, nil), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/assessments/"+asm+"/review", proc, map[string]any{"decision": "complete"}), http.StatusOK)

		// The score's contributions add up; the residual risk comes with its explanation.
		score := must(t, e.do(t, "GET", "/api/v1/assessments/"+asm+"/score", ken, nil), http.StatusOK)
		sum := 0.0
		for _, q := range score.JSON["questions"].([]any) {
			sum += q.(map[string]any)["contribution_bp"].(float64)
		}
		if overall := score.JSON["overall_bp"].(float64); sum != overall || score.JSON["state"] != "final" {
			t.Errorf("score %v (%v): contributions add up to %v", overall, score.JSON["state"], sum)
		}
		// The built-in questionnaire maps to ISO/IEC 27001 Annex A: the score rolls up to its domains.
		domains := map[string]bool{}
		for _, d := range score.JSON["domains"].([]any) {
			domains[d.(map[string]any)["key"].(string)] = true
		}
		if !domains["iso27001-2022:5"] {
			t.Errorf("score domains %v: want the 2022 organizational theme among them", domains)
		}
		residual := score.JSON["residual_risk"].(map[string]any)
		if residual["level"] == "" || len(residual["explanation"].([]any)) == 0 {
			t.Errorf("residual risk without level or explanation: %v", residual)
		}

		// Findings, highest priority first, with severities.
		findings := must(t, e.do(t, "GET", "/api/v1/findings?sort=priority&engagement_id="+eng, proc, nil), http.StatusOK).items(t)
		byQ := map[string]string{}
		for _, f := range findings {
			byQ[f["question_key"].(string)] = f["id"].(string)
			if f["severity"] == "" {
				t.Errorf("finding %v without severity", f["id"])
			}
		}
		if byQ["q1"] == "" || byQ["q2"] == "" || byQ["q3"] != "" {
			t.Fatalf("findings by question %v, want q1 and q2 only", byQ)
		}

		// Remediate q1: the supplier plans and marks it done; procurement verifies; the finding closes.
		plan := must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+byQ["q1"]+"/response", sup, map[string]any{
			"response": "We will enforce MFA", "plans": []map[string]any{{"type": "corrective", "description": "Enforce MFA"}}}),
			http.StatusOK)
		_ = plan
		must(t, e.do(t, "POST", "/api/v1/findings/"+byQ["q1"]+"/remediation-plan/accept", proc, nil), http.StatusOK)
		items := must(t, e.do(t, "GET", "/api/v1/findings/"+byQ["q1"]+"/remediations", proc, nil), http.StatusOK).items(t)
		if len(items) != 1 || items[0]["due_date"] == "" {
			t.Fatalf("remediation items %v, want one with a due date", items)
		}
		item := items[0]["id"].(string)
		must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+byQ["q1"]+"/response", sup, map[string]any{
			"response": "MFA enforced for all staff", "done": []string{item}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/remediations/"+item+"/verify", proc, map[string]any{"passed": true}), http.StatusOK)
		if st := must(t, e.do(t, "GET", "/api/v1/findings/"+byQ["q1"], proc, nil), http.StatusOK).str("status"); st != "closed" {
			t.Errorf("remediated finding is %s, want closed", st)
		}

		// Accept q2's risk: procurement asks, the CISO accepts.
		acc := must(t, e.do(t, "POST", "/api/v1/findings/"+byQ["q2"]+"/risk-acceptances", proc, map[string]any{
			"justification": "Partial logging is compensated by the provider's SOC", "expires_on": "2025-06-30"}),
			http.StatusCreated).str("id")
		wantProblem(t, e.do(t, "POST", "/api/v1/risk-acceptances/"+acc+"/approve", proc, nil), http.StatusForbidden)
		must(t, e.do(t, "POST", "/api/v1/risk-acceptances/"+acc+"/approve", ken, nil), http.StatusOK)
		if st := must(t, e.do(t, "GET", "/api/v1/findings/"+byQ["q2"], proc, nil), http.StatusOK).str("status"); st != "risk_accepted" {
			t.Errorf("accepted finding is %s, want risk_accepted", st)
		}

		// Request the decision; two risk owners approve (tier 1 quorum), one with a condition.
		dec := must(t, e.do(t, "POST", "/api/v1/decisions", proc, map[string]any{"engagement_id": eng,
			"purpose": "Customer portal hosting from July"}), http.StatusCreated)
		decID := dec.str("id")
		if inputs := dec.JSON["inputs"].(map[string]any); inputs["effective_tier"].(float64) != 1 ||
			inputs["required_approvals"].(float64) != 2 || len(inputs["contract_gaps"].([]any)) == 0 {
			t.Errorf("decision inputs %v", inputs)
		}
		first := must(t, e.do(t, "POST", "/api/v1/decisions/"+decID+"/approve", ken, map[string]any{"comment": "With breach notice",
			"conditions": []map[string]any{{"kind": "contract_clause", "clause_type": "breach_notification",
				"description": "Add a 24-hour breach notification clause", "due_date": "2025-04-15"}}}), http.StatusOK)
		if first.str("status") != "pending" {
			t.Errorf("after one of two approvals the decision is %s", first.str("status"))
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/decisions/"+decID+"/approve", ken, map[string]any{}), http.StatusConflict)
		approved := must(t, e.do(t, "POST", "/api/v1/decisions/"+decID+"/approve", yui, map[string]any{}), http.StatusOK)
		if approved.str("status") != "approved" || approved.JSON["conditional"] != true || approved.str("valid_until") == "" {
			t.Fatalf("decision after two approvals: %s", approved)
		}

		// The clause is never added: the day after its due date, the sweep turns the approval to needs_review.
		e.clock.Advance(16 * 24 * time.Hour)
		svc := e.replica()
		if _, err := svc.Sweeper(e.db, "e2e", e.clock.Now, testdb.Logger()).RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		lapsed := must(t, e.do(t, "GET", "/api/v1/decisions/"+decID, auditor, nil), http.StatusOK)
		reasons, _ := lapsed.JSON["needs_review_reasons"].([]any)
		if lapsed.str("status") != "needs_review" || len(reasons) == 0 || !strings.Contains(reasons[0].(string), "breach notification") {
			t.Errorf("decision after the condition lapsed: %s", lapsed)
		}

		// The auditor reads the trail, sees the system's change (beside the built-in catalogs it loaded at
		// start-up), and the chain holds.
		var sys []map[string]any
		for _, ev := range must(t, e.do(t, "GET", "/api/v1/audit-events?actor_key_id=system", auditor, nil), http.StatusOK).items(t) {
			if ev["action"] != "framework.imported" {
				sys = append(sys, ev)
			}
		}
		if len(sys) != 1 || sys[0]["resource_id"] != decID {
			t.Errorf("system audit events %v, want the decision's needs_review", sys)
		}
		v := must(t, e.do(t, "GET", "/api/v1/audit-events/verify", auditor, nil), http.StatusOK)
		if v.JSON["intact"] != true || v.JSON["events_checked"].(float64) < 25 {
			t.Errorf("audit verification %s", v)
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", auditor, vendorBody("Not allowed")), http.StatusForbidden)
	})
}
