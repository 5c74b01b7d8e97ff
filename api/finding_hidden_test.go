package api_test

import (
	"net/http"
	"testing"
)

// TestFindingOfHiddenQuestionCloses: q_why is asked only when q_policy is "no". A first assessment fails
// both; the next answers q_policy "yes", which hides q_why: the q_why finding closes as not_applicable
// (the q_policy one as passed), and a later round that asks q_why again and fails it reopens it.
func TestFindingOfHiddenQuestionCloses(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tx := func(en string) map[string]any { return map[string]any{"en": en, "ja": en} }
		body := map[string]any{"name": tx("Conditional"), "vendor_kinds": []string{"cloud_provider"},
			"sections": []map[string]any{{"key": "s1", "title": tx("S1"), "questions": []map[string]any{
				asmQ("q_policy", "yes_no", true, "core"),
				asmQ("q_why", "yes_no", true, "core", "condition", asmCond("q_policy", "no")),
				asmQ("q_other", "yes_no", true, "core"),
			}}}}
		tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, body), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
		f := &findingEnv{env: e, tpl: tpl, vendorID: e.newVendor(t, "Conditional KK")}
		f.eng = e.createEngagement(t, engagementBody(f.vendorID)).ID
		round := func(answers map[string]string) {
			t.Helper()
			id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": f.eng, "template_id": tpl,
				"due_date": "2025-06-30"}), http.StatusCreated).str("id")
			sent := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK)
			sup := sent.JSON["supplier_key"].(map[string]any)["secret"].(string)
			var list []map[string]any
			for k, v := range answers {
				list = append(list, map[string]any{"key": k, "value": v})
			}
			must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": list}), http.StatusOK)
			must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)
			must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK)
		}
		type state struct{ status, reason string }
		check := func(when string, want map[string]state) {
			t.Helper()
			got := f.byQuestion(t)
			if len(got) != len(want) {
				t.Errorf("%s: findings for %d questions, want %d: %+v", when, len(got), len(want), got)
			}
			for k, w := range want {
				if g := got[k]; g.Status != w.status || g.CloseReason != w.reason || (w.status == "closed") != (g.ClosedAt != nil) {
					t.Errorf("%s: %s finding %s (close_reason %q, closed_at %v), want %s (%q)", when, k, g.Status, g.CloseReason,
						g.ClosedAt, w.status, w.reason)
				}
			}
		}

		round(map[string]string{"q_policy": "no", "q_why": "no", "q_other": "yes"})
		check("q_policy and q_why failed", map[string]state{"q_policy": {"open", ""}, "q_why": {"open", ""}})
		round(map[string]string{"q_policy": "yes", "q_other": "yes"})
		check("q_policy passes, q_why hidden", map[string]state{"q_policy": {"closed", "passed"}, "q_why": {"closed", "not_applicable"}})
		round(map[string]string{"q_policy": "no", "q_why": "no", "q_other": "yes"})
		check("q_why asked and failed again", map[string]state{"q_policy": {"open", ""}, "q_why": {"open", ""}})
	})
}
