package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// defaultPolicyJSON is the built-in risk policy (version 1) as the API shows it, written out here
// rather than derived from the code, so that a change of the defaults is a visible decision.
const defaultPolicyJSON = `{
  "home_country": "JP",
  "tiers": [
    {"tier": 1, "questionnaire_depth": "core+extended", "evidence_required": true, "reassessment_months": 12,
     "remediation_days": {"critical": 7, "high": 30, "medium": 60, "low": 90}, "approvals": 2, "max_acceptance_days": 90, "reminder_days": [14, 7, 3, 1], "escalate_after_days": 3,
     "required_clauses": [
       {"type": "confidentiality"}, {"type": "data_protection"},
       {"type": "right_to_audit", "max_audit_notice_days": 30},
       {"type": "breach_notification", "max_notification_hours": 24},
       {"type": "subcontracting", "min_subcontracting": "prior_approval"},
       {"type": "data_location"},
       {"type": "return_and_deletion", "max_deletion_days": 30},
       {"type": "business_continuity", "require_bcp_test": true},
       {"type": "security_requirements"},
       {"type": "staff_security", "require_nda": true, "require_training": true},
       {"type": "exit_assistance", "min_exit_assistance_days": 90}]},
    {"tier": 2, "questionnaire_depth": "core+extended", "evidence_required": true, "reassessment_months": 12,
     "remediation_days": {"critical": 14, "high": 45, "medium": 90, "low": 180}, "approvals": 1, "max_acceptance_days": 180, "reminder_days": [7, 3, 1], "escalate_after_days": 5,
     "required_clauses": [
       {"type": "confidentiality"}, {"type": "data_protection"},
       {"type": "right_to_audit", "max_audit_notice_days": 30},
       {"type": "breach_notification", "max_notification_hours": 48},
       {"type": "subcontracting", "min_subcontracting": "prior_approval"},
       {"type": "data_location"},
       {"type": "return_and_deletion", "max_deletion_days": 60},
       {"type": "staff_security", "require_nda": true}]},
    {"tier": 3, "questionnaire_depth": "core", "evidence_required": false, "reassessment_months": 24,
     "remediation_days": {"critical": 30, "high": 60, "medium": 120, "low": 180}, "approvals": 1, "max_acceptance_days": 365, "reminder_days": [7, 3, 1], "escalate_after_days": 7,
     "required_clauses": [
       {"type": "confidentiality"}, {"type": "data_protection"},
       {"type": "breach_notification", "max_notification_hours": 72},
       {"type": "subcontracting", "min_subcontracting": "notify"}]},
    {"tier": 4, "questionnaire_depth": "core", "evidence_required": false, "reassessment_months": 36,
     "remediation_days": {"critical": 30, "high": 90, "medium": 180, "low": 365}, "approvals": 1, "max_acceptance_days": 365, "reminder_days": [7, 1], "escalate_after_days": 14,
     "required_clauses": [{"type": "confidentiality"}]}
  ],
  "breach_costs": [
    {"category": "personal", "amount": 500, "currency": "JPY"},
    {"category": "sensitive_personal", "amount": 500, "currency": "JPY"},
    {"category": "payment_card", "amount": 500, "currency": "JPY"},
    {"category": "credentials", "amount": 500, "currency": "JPY"}
  ]
}`

// defaultPolicyBody returns a fresh, mutable copy of the default policy as a PUT body.
func defaultPolicyBody() map[string]any {
	var b map[string]any
	if err := json.Unmarshal([]byte(defaultPolicyJSON), &b); err != nil {
		panic(err)
	}
	return b
}

// policyTiers returns the tiers array of a policy body for editing.
func policyTiers(b map[string]any) []any { return b["tiers"].([]any) }

func TestRiskPolicy(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		vendorID := e.newVendor(t, "Policy Cloud")
		eng := e.createEngagement(t, engagementBody(vendorID))
		riskURL := "/api/v1/engagements/" + eng.ID + "/risk"
		var before api.RiskResponse
		must(t, e.do(t, "GET", riskURL, e.admin, nil), http.StatusOK).into(t, &before)
		if before.RiskPolicyVersion != 1 {
			t.Errorf("risk_policy_version %d before any change, want 1", before.RiskPolicyVersion)
		}

		// Version 1: the built-in defaults, for every internal role.
		for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor} {
			r := must(t, e.do(t, "GET", "/api/v1/risk-policy", e.key(t, role, ""), nil), http.StatusOK)
			if got := r.Header.Get("ETag"); got != `"1"` {
				t.Errorf("%s: ETag %q, want \"1\"", role, got)
			}
			var got api.RiskPolicyResponse
			r.into(t, &got)
			var want api.RiskPolicyRequest
			if err := json.Unmarshal([]byte(defaultPolicyJSON), &want); err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 || got.UpdatedBy != "built-in" || got.UpdatedAt != nil {
				t.Errorf("%s: version %d, updated_by %q, updated_at %v", role, got.Version, got.UpdatedBy, got.UpdatedAt)
			}
			gotJSON, _ := json.Marshal(api.RiskPolicyRequest{HomeCountry: got.HomeCountry, Tiers: got.Tiers, BreachCosts: got.BreachCosts})
			wantJSON, _ := json.Marshal(want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("%s: default policy\n%s\nwant\n%s", role, gotJSON, wantJSON)
			}
		}

		// Refused writers: 403 for internal roles other than admin.
		for _, role := range []auth.Role{auth.RoleAuditor, auth.RoleProcurement, auth.RoleRiskOwner} {
			wantProblem(t, e.do(t, "PUT", "/api/v1/risk-policy", e.key(t, role, ""), defaultPolicyBody()), http.StatusForbidden)
		}

		// Invalid policies: 422 naming the field; nothing is stored.
		invalid := []struct {
			name  string
			edit  func(b map[string]any)
			field string
		}{
			{"negative remediation days", func(b map[string]any) {
				policyTiers(b)[0].(map[string]any)["remediation_days"].(map[string]any)["high"] = -1
			}, "tiers[0].remediation_days.high"},
			{"missing tier", func(b map[string]any) { b["tiers"] = policyTiers(b)[:3] }, "tiers"},
			{"tier twice", func(b map[string]any) { policyTiers(b)[3].(map[string]any)["tier"] = 3 }, "tiers[3].tier"},
			{"unknown home country", func(b map[string]any) { b["home_country"] = "XX" }, "home_country"},
			{"unknown breach cost category", func(b map[string]any) {
				b["breach_costs"] = []map[string]any{{"category": "gold", "amount": 1, "currency": "JPY"}}
			}, "breach_costs[0].category"},
			{"negative breach cost", func(b map[string]any) {
				b["breach_costs"] = []map[string]any{{"category": "personal", "amount": -1, "currency": "JPY"}}
			}, "breach_costs[0].amount"},
			{"unknown clause type", func(b map[string]any) {
				policyTiers(b)[1].(map[string]any)["required_clauses"] = []map[string]any{{"type": "goodwill"}}
			}, "tiers[1].required_clauses[0].type"},
			{"negative notification hours", func(b map[string]any) {
				policyTiers(b)[2].(map[string]any)["required_clauses"] = []map[string]any{{"type": "breach_notification", "max_notification_hours": -4}}
			}, "tiers[2].required_clauses[0].max_notification_hours"},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				b := defaultPolicyBody()
				tc.edit(b)
				wantProblem(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, b), http.StatusUnprocessableEntity, tc.field)
			})
		}
		if got := must(t, e.do(t, "GET", "/api/v1/risk-policy", e.admin, nil), http.StatusOK); got.Header.Get("ETag") != `"1"` {
			t.Fatalf("a refused PUT stored a version: ETag %q", got.Header.Get("ETag"))
		}

		// Version 2: the breach cost of personal data doubles and home is the US, so data kept in Japan
		// is now abroad.
		b := defaultPolicyBody()
		b["home_country"] = "us"
		b["breach_costs"] = []map[string]any{{"category": "personal", "amount": 1000, "currency": "JPY"}}
		e.clock.Advance(time.Second)
		r := must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, b, "If-Match", `"1"`), http.StatusOK)
		var v2 api.RiskPolicyResponse
		r.into(t, &v2)
		if v2.Version != 2 || r.Header.Get("ETag") != `"2"` || v2.HomeCountry != "US" || v2.UpdatedAt == nil ||
			!v2.UpdatedAt.Equal(e.clock.Now()) || v2.UpdatedBy == "" || v2.UpdatedBy == "built-in" {
			t.Errorf("PUT answered version %d (ETag %s), home %q, updated %v by %q", v2.Version, r.Header.Get("ETag"),
				v2.HomeCountry, v2.UpdatedAt, v2.UpdatedBy)
		}
		var again api.RiskPolicyResponse
		got := must(t, e.do(t, "GET", "/api/v1/risk-policy", e.key(t, auth.RoleAuditor, ""), nil), http.StatusOK)
		got.into(t, &again)
		if got.Header.Get("ETag") != `"2"` || again.Version != 2 || again.HomeCountry != "US" || len(again.BreachCosts) != 1 {
			t.Errorf("GET after PUT: ETag %s, %+v", got.Header.Get("ETag"), again)
		}

		// The engagement is evaluated with version 2.
		var after api.RiskResponse
		must(t, e.do(t, "GET", riskURL, e.admin, nil), http.StatusOK).into(t, &after)
		if after.RiskPolicyVersion != 2 {
			t.Errorf("risk_policy_version %d, want 2", after.RiskPolicyVersion)
		}
		if !slices.Equal(after.BreachExposure.Totals, []api.MoneyDTO{{Amount: 1_150_000_000, Currency: "JPY"}}) {
			t.Errorf("exposure with the new cost %+v, want 1,150,000,000 JPY", after.BreachExposure.Totals)
		}
		if p := points(after, "hosting_and_location") - points(before, "hosting_and_location"); p != 3 {
			t.Errorf("hosting_and_location rose by %d, want 3 (Japan is abroad now): %+v", p, contribution(after, "hosting_and_location"))
		}
		if after.Score != before.Score+3 {
			t.Errorf("score %d, want %d", after.Score, before.Score+3)
		}
		// The stored evaluation (what lists filter and sort by) was refreshed by the PUT itself.
		list := must(t, e.do(t, "GET", "/api/v1/engagements?limit=200", e.admin, nil), http.StatusOK)
		var page api.EngagementList
		list.into(t, &page)
		if len(page.Items) != 1 || page.Items[0].Risk.Score != after.Score {
			t.Errorf("list after PUT shows %+v, want score %d", page.Items, after.Score)
		}

		// Tiers may come in any order; the policy keeps them from tier 1.
		rev := defaultPolicyBody()
		ts := policyTiers(rev)
		slices.Reverse(ts)
		r = must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, rev, "If-Match", `"2"`), http.StatusOK)
		var v3 api.RiskPolicyResponse
		r.into(t, &v3)
		if v3.Version != 3 || len(v3.Tiers) != 4 || v3.Tiers[0].Tier != 1 || v3.Tiers[3].Tier != 4 || v3.Tiers[0].Approvals != 2 {
			t.Errorf("reversed tiers stored as %+v", v3.Tiers)
		}
		b["home_country"] = "US"
		must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, b, "If-Match", `"3"`), http.StatusOK) // version 4 as version 2

		// A stale If-Match: 412, the current version stays.
		for _, stale := range []string{`"1"`, `"2"`, `"9"`} {
			wantProblem(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, defaultPolicyBody(), "If-Match", stale),
				http.StatusPreconditionFailed)
		}
		if got := must(t, e.do(t, "GET", "/api/v1/risk-policy", e.admin, nil), http.StatusOK); got.Header.Get("ETag") != `"4"` {
			t.Errorf("a stale PUT stored a version: ETag %q", got.Header.Get("ETag"))
		}
		// Back to the defaults as version 5 (without If-Match the last writer wins).
		r = must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, defaultPolicyBody()), http.StatusOK)
		if r.Header.Get("ETag") != `"5"` {
			t.Errorf("fifth PUT: ETag %q", r.Header.Get("ETag"))
		}
		var back api.RiskResponse
		must(t, e.do(t, "GET", riskURL, e.admin, nil), http.StatusOK).into(t, &back)
		if back.Score != before.Score || back.BreachExposure.Totals[0].Amount != 575_000_000 {
			t.Errorf("with the defaults again: score %d (want %d), exposure %+v", back.Score, before.Score, back.BreachExposure.Totals)
		}
	})
}

func contribution(r api.RiskResponse, factor string) api.ContributionDTO {
	for _, c := range r.Contributions {
		if c.Factor == factor {
			return c
		}
	}
	return api.ContributionDTO{}
}

func points(r api.RiskResponse, factor string) int { return contribution(r, factor).Points }
