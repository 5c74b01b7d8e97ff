package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

func (e *env) finding(t *testing.T, id string) api.FindingResponse {
	t.Helper()
	var f api.FindingResponse
	must(t, e.do(t, "GET", "/api/v1/findings/"+id, e.admin, nil), http.StatusOK).into(t, &f)
	return f
}

func (e *env) overrideTier(t *testing.T, engagementID string, tier any) {
	t.Helper()
	must(t, e.do(t, "POST", "/api/v1/engagements/"+engagementID+"/tier-override", e.key(t, auth.RoleRiskOwner, ""),
		map[string]any{"tier": tier, "reason": "tier test"}), http.StatusOK)
}

func (e *env) effectiveTier(t *testing.T, engagementID string) int {
	t.Helper()
	var r api.RiskResponse
	must(t, e.do(t, "GET", "/api/v1/engagements/"+engagementID+"/risk", e.admin, nil), http.StatusOK).into(t, &r)
	return r.EffectiveTier
}

// priorityOrder lists every finding's id in sort=priority order, one per page so that the cursor's
// stored priority is used too.
func (e *env) priorityOrder(t *testing.T) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 50 {
		r := must(t, e.do(t, "GET", "/api/v1/findings?sort=priority&limit=1&cursor="+url.QueryEscape(cursor), e.admin, nil), http.StatusOK)
		for _, it := range r.items(t) {
			id, _ := it["id"].(string)
			ids = append(ids, id)
		}
		if cursor = r.str("next_cursor"); cursor == "" {
			break
		}
	}
	return ids
}

// TestFindingPriorityFollowsTier: a finding's priority (and, for an assessment finding, its severity)
// follows its engagement's effective tier whatever moves it: an override, clearing it, a changed
// engagement; sort=priority orders by the new values.
func TestFindingPriorityFollowsTier(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// Manual findings keep the severity they were given; only the priority follows the tier.
		a := newDueFixture(t, e, "Tier Three KK", 3)
		medium := a.manual(t, "Shared admin accounts", "medium")
		b := newDueFixture(t, e, "Tier Two KK", 2)
		high := b.manual(t, "No penetration test", "high")
		if f := e.finding(t, medium); f.Priority != 4 {
			t.Fatalf("medium on tier 3: priority %d, want 4", f.Priority)
		}
		if got := e.priorityOrder(t); !slices.Equal(got, []string{high, medium}) {
			t.Fatalf("sort=priority before the overrides %q, want high (9) then medium (4)", got)
		}

		manual := []struct {
			name      string
			eng       string
			tier      any
			id        string
			wantPrio  int
			wantOrder []string
		}{
			{"medium, tier 3 → 1", a.eng, 1, medium, 8, []string{high, medium}},
			{"high, tier 2 → 1", b.eng, 1, high, 12, []string{high, medium}},
			{"high, tier 1 → 4", b.eng, 4, high, 3, []string{medium, high}},
			{"medium, override cleared (model tier 2)", a.eng, nil, medium, 6, []string{medium, high}},
		}
		for _, tc := range manual {
			before := e.finding(t, tc.id)
			e.overrideTier(t, tc.eng, tc.tier)
			f := e.finding(t, tc.id)
			if f.Priority != tc.wantPrio || f.Severity != before.Severity || f.Version != before.Version+1 {
				t.Errorf("%s: priority %d, severity %s, version %d; want %d, %s, %d", tc.name, f.Priority, f.Severity,
					f.Version, tc.wantPrio, before.Severity, before.Version+1)
			}
			if got := e.priorityOrder(t); !slices.Equal(got, tc.wantOrder) {
				t.Errorf("%s: sort=priority %q, want %q", tc.name, got, tc.wantOrder)
			}
		}

		// An assessment finding on a "high" question: the tier raises (1) or lowers (4) its severity.
		fe := newFindingEnv(t, e)
		if fe.tier != 2 {
			t.Fatalf("finding engagement on tier %d, want 2", fe.tier)
		}
		fe.round(t, "no", "full", "yes")
		q1 := fe.byQuestion(t)["q1"].ID
		steps := []struct {
			name     string
			change   func(t *testing.T)
			wantTier int
			wantSev  string
			wantPrio int
		}{
			{"as assessed", func(*testing.T) {}, 2, "high", 9},
			{"override to 1", func(t *testing.T) { e.overrideTier(t, fe.eng, 1) }, 1, "critical", 16},
			{"override to 4", func(t *testing.T) { e.overrideTier(t, fe.eng, 4) }, 4, "medium", 2},
			{"override cleared", func(t *testing.T) { e.overrideTier(t, fe.eng, nil) }, 2, "high", 9},
			{"sensitive data raises the inherent risk", func(t *testing.T) {
				must(t, e.do(t, "PATCH", "/api/v1/engagements/"+fe.eng, e.admin, map[string]any{
					"data_categories": []map[string]any{{"category": "sensitive_personal", "records": 1150000}}}), http.StatusOK)
			}, 1, "critical", 16},
		}
		for _, st := range steps {
			st.change(t)
			if tier := e.effectiveTier(t, fe.eng); tier != st.wantTier {
				t.Fatalf("%s: engagement on tier %d, want %d", st.name, tier, st.wantTier)
			}
			if f := e.finding(t, q1); f.Severity != st.wantSev || f.Priority != st.wantPrio {
				t.Errorf("%s: q1 finding %s / %d, want %s / %d", st.name, f.Severity, f.Priority, st.wantSev, st.wantPrio)
			}
		}
	})
}

// TestFindingPriorityFollowsPolicyTier: a risk policy change that moves an engagement's tier moves its
// findings' priority in the same change.
func TestFindingPriorityFollowsPolicyTier(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// Just below tier 2 while Japan is home.
		eng := e.createEngagement(t, engagementBody(e.newVendor(t, "Policy Tier KK"),
			"data_categories", []map[string]any{{"category": "personal", "records": 100000}})).ID
		d := &dueFixture{env: e, eng: eng}
		id := d.manual(t, "No penetration test", "high")
		was := e.effectiveTier(t, d.eng)
		b := defaultPolicyBody()
		b["home_country"] = "us" // the engagement's data in Japan is now abroad
		b["breach_costs"] = []map[string]any{{"category": "personal", "amount": 1000, "currency": "JPY"}}
		must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, b, "If-Match", `"1"`), http.StatusOK)
		now := e.effectiveTier(t, d.eng)
		if now == was {
			t.Fatalf("the policy change left the engagement on tier %d; the test needs one that moves it", was)
		}
		if f := e.finding(t, id); f.Priority != 3*(5-now) {
			t.Errorf("high finding on tier %d (was %d): priority %d, want %d", now, was, f.Priority, 3*(5-now))
		}
	})
}
