package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// The done-when: a cloud provider, an engagement holding 1,150,000 personal records, its
// explained risk with breach exposure exactly 575,000,000 JPY, then a contract and its gaps.
func TestEngagementRiskDoneWhen(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		cloud := e.createVendor(t, vendorBody("Sakura Cloud", "kind", "cloud_provider"))
		r := must(t, e.do(t, "POST", "/api/v1/engagements", e.admin, engagementBody(cloud.ID)), http.StatusCreated)
		var created api.EngagementResponse
		r.into(t, &created)
		if r.Header.Get("Location") != "/api/v1/engagements/"+created.ID || r.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if created.Status != "intake" || created.Version != 1 || created.Vendor.ID != cloud.ID || created.Vendor.Name != "Sakura Cloud" ||
			!created.CreatedAt.Equal(start) || created.Impact.Source != "derived" ||
			strings.Join(created.AllowedTransitions, ",") != "assessing,ended" {
			t.Errorf("created %+v", created)
		}

		risk := must(t, e.do(t, "GET", "/api/v1/engagements/"+created.ID+"/risk", e.key(t, auth.RoleAuditor, ""), nil), http.StatusOK)
		var got api.RiskResponse
		risk.into(t, &got)
		if got.ModelVersion == "" || got.ModelVersion != created.Risk.ModelVersion {
			t.Errorf("model_version %q (engagement says %q)", got.ModelVersion, created.Risk.ModelVersion)
		}
		sum := 0
		for _, c := range got.Contributions {
			sum += c.Points
			if c.Points < 0 || c.Points > c.Max || c.Basis == "" || c.Factor == "" {
				t.Errorf("contribution %+v", c)
			}
		}
		if len(got.Contributions) == 0 || sum != got.Score {
			t.Errorf("contributions add up to %d, score %d: %+v", sum, got.Score, got.Contributions)
		}
		if got.RecommendedTier < 1 || got.RecommendedTier > 4 || got.EffectiveTier != got.RecommendedTier ||
			got.RecommendedLabel == "" || got.Override != nil {
			t.Errorf("tier: recommended %d (%s), effective %d, override %+v", got.RecommendedTier, got.RecommendedLabel, got.EffectiveTier, got.Override)
		}
		// The score tier follows the published thresholds.
		scoreTier := 0
		for _, th := range got.TierThresholds {
			if got.Score >= th.MinScore && (scoreTier == 0 || th.Tier < scoreTier) {
				scoreTier = th.Tier
			}
		}
		if scoreTier != got.ScoreTier || got.RecommendedTier > got.ScoreTier {
			t.Errorf("score %d: score_tier %d (thresholds give %d), recommended %d", got.Score, got.ScoreTier, scoreTier, got.RecommendedTier)
		}
		if !slices.Equal(got.BreachExposure.Totals, []api.MoneyDTO{{Amount: 575_000_000, Currency: "JPY"}}) {
			t.Errorf("breach exposure totals %+v, want exactly [{575000000 JPY}]", got.BreachExposure.Totals)
		}
		if len(got.BreachExposure.Lines) != 1 || got.BreachExposure.Lines[0] != (api.ExposureLineDTO{Category: "personal",
			Records: 1_150_000, CostPerRecord: api.MoneyDTO{Amount: 500, Currency: "JPY"}, Amount: api.MoneyDTO{Amount: 575_000_000, Currency: "JPY"}}) {
			t.Errorf("exposure lines %+v", got.BreachExposure.Lines)
		}
		if got.EngagementID != created.ID || got.RiskPolicyVersion != 1 || got.EngagementVersion != 1 || !got.EvaluatedAt.Equal(start) {
			t.Errorf("risk header %+v", got)
		}
		// The engagement itself carries the same tier and exposure.
		var eng api.EngagementResponse
		must(t, e.do(t, "GET", "/api/v1/engagements/"+created.ID, e.admin, nil), http.StatusOK).into(t, &eng)
		if eng.Risk.Score != got.Score || eng.Risk.EffectiveTier != got.EffectiveTier || eng.BreachExposure == nil ||
			eng.BreachExposure.Totals[0].Amount != 575_000_000 {
			t.Errorf("engagement risk %+v, exposure %+v", eng.Risk, eng.BreachExposure)
		}

		// A contract with only some clauses, measured against the tier's policy.
		k := e.createContract(t, created.ID, contractBody("clauses", []map[string]any{
			{"type": "confidentiality", "reference": "§3"},
			{"type": "breach_notification", "hours": 72},
		}))
		var gaps api.GapReportResponse
		must(t, e.do(t, "GET", "/api/v1/contracts/"+k.ID+"/gaps", e.key(t, auth.RoleRiskOwner, ""), nil), http.StatusOK).into(t, &gaps)
		if gaps.ContractID != k.ID || gaps.EngagementID != created.ID || gaps.EffectiveTier != got.EffectiveTier ||
			gaps.RiskPolicyVersion != 1 || len(gaps.Requirements) == 0 {
			t.Errorf("gap report header %+v", gaps)
		}
		if len(gaps.Gaps) == 0 {
			t.Fatalf("no gaps for a contract with two clauses: %+v", gaps)
		}
		for _, g := range gaps.Gaps {
			if g.Severity == "" || g.Detail == "" || len(g.ControlRefs) == 0 || (g.Problem != "missing" && g.Problem != "weaker") {
				t.Errorf("gap %+v lacks severity, detail, control_refs or problem", g)
			}
			if g.ClauseType == "confidentiality" {
				t.Errorf("confidentiality is present and has no threshold, yet a gap: %+v", g)
			}
		}
		if gaps.EffectiveTier <= 3 && !slices.ContainsFunc(gaps.Gaps, func(g api.GapDTO) bool {
			return g.ClauseType == "breach_notification" && g.Problem == "weaker" && strings.Contains(g.Detail, "72")
		}) {
			t.Errorf("72 h breach notification on a tier %d engagement is not weaker: %+v", gaps.EffectiveTier, gaps.Gaps)
		}
	})
}

// fixedScoreBody is an engagement whose score is known: personal data (12) of 1,150,000 records (15),
// derived impact C4 I3 A2 (12), moderately substitutable (2), no access (0), not internet-facing,
// no fourth parties, cloud-hosted in Japan (2): 43, tier 3.
func fixedScoreBody(vendorID, name string) map[string]any {
	return engagementBody(vendorID, "name", name, "access_type", "none", "substitutability", "moderate", "rto_hours", 48)
}

func TestEngagementModelArithmetic(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	v := e.newVendor(t, "Arithmetic Cloud")
	eng := e.createEngagement(t, fixedScoreBody(v, "Known score"))
	if eng.Risk.Score != 43 || eng.Risk.RecommendedTier != 3 {
		t.Fatalf("score %d tier %d, want 43 and tier 3 (see fixedScoreBody)", eng.Risk.Score, eng.Risk.RecommendedTier)
	}
}

func TestEngagementValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Validated Cloud")
		cases := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"unknown vendor", engagementBody(unknownID()), "vendor_id"},
			{"malformed vendor id", engagementBody("v-1"), "vendor_id"},
			{"missing vendor", engagementBody(v, "vendor_id", nil), "vendor_id"},
			{"missing name", engagementBody(v, "name", nil), "name"},
			{"unknown service type", engagementBody(v, "service_type", "magic"), "service_type"},
			{"second data category unknown", engagementBody(v, "data_categories", []map[string]any{
				{"category": "personal", "records": 10}, {"category": "secrets", "records": 10}}), "data_categories[1].category"},
			{"category twice", engagementBody(v, "data_categories", []map[string]any{
				{"category": "personal", "records": 10}, {"category": "personal", "records": 10}}), "data_categories[1].category"},
			{"negative records", engagementBody(v, "data_categories", []map[string]any{{"category": "personal", "records": -1}}),
				"data_categories[0].records"},
			{"too many records", engagementBody(v, "data_categories", []map[string]any{{"category": "personal", "records": 10_000_000_001}}),
				"data_categories[0].records"},
			{"impact c 6", engagementBody(v, "impact", map[string]any{"c": 6, "i": 3, "a": 3}), "impact.c"},
			{"impact a 0", engagementBody(v, "impact", map[string]any{"c": 3, "i": 3, "a": 0}), "impact.a"},
			{"unknown country", engagementBody(v, "data_locations", []string{"JP", "XX"}), "data_locations[1]"},
			{"negative rto", engagementBody(v, "rto_hours", -1), "rto_hours"},
			{"unknown access", engagementBody(v, "access_type", "root"), "access_type"},
			{"unknown status", engagementBody(v, "status", "paused"), "status"},
			{"bad spend currency", engagementBody(v, "annual_spend", map[string]any{"amount": 100, "currency": "yen"}), "annual_spend.currency"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, e.do(t, "POST", "/api/v1/engagements", e.admin, tc.body), http.StatusUnprocessableEntity, tc.field)
			})
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/engagements", e.admin, engagementBody(v, "colour", "red")), http.StatusBadRequest, "colour")
		// A terminated vendor takes no new engagements: a state conflict, not a bad value.
		gone := e.newVendor(t, "Terminated Cloud")
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+gone, e.admin, map[string]any{"status": "terminated"}), http.StatusOK)
		wantProblem(t, e.do(t, "POST", "/api/v1/engagements", e.admin, engagementBody(gone)), http.StatusConflict)
		if n := len(must(t, e.do(t, "GET", "/api/v1/engagements", e.admin, nil), http.StatusOK).items(t)); n != 0 {
			t.Errorf("refused creates stored %d engagements", n)
		}

		// Filters and sorts of the list are checked too.
		for _, q := range []string{"tier=5", "tier=x", "status=paused", "service_type=magic", "sort=risk", "vendor_id=v-1", "limit=201", "cursor=zzz"} {
			field, _, _ := strings.Cut(q, "=")
			wantProblem(t, e.do(t, "GET", "/api/v1/engagements?"+q, e.admin, nil), http.StatusUnprocessableEntity, field)
		}
	})
}

func TestTierOverride(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Override Cloud")
		eng := e.createEngagement(t, fixedScoreBody(v, "Payroll")) // tier 3
		url := "/api/v1/engagements/" + eng.ID + "/tier-override"
		owner, ownerSecret := e.keyWith(t, apikey.NewKey{Role: auth.RoleRiskOwner, Name: "Risk Owner Rie"})

		wantProblem(t, e.do(t, "POST", url, e.admin, map[string]any{"tier": 1, "reason": "x"}), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", url, e.key(t, auth.RoleProcurement, ""), map[string]any{"tier": 1, "reason": "x"}), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": 1}), http.StatusUnprocessableEntity, "reason")
		wantProblem(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": 1, "reason": "   "}), http.StatusUnprocessableEntity, "reason")
		wantProblem(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": 5, "reason": "x"}), http.StatusUnprocessableEntity, "tier")
		wantProblem(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": 0, "reason": "x"}), http.StatusUnprocessableEntity, "tier")
		wantProblem(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": 1, "reason": "x"}, "If-Match", `"7"`),
			http.StatusPreconditionFailed)
		wantProblem(t, e.do(t, "POST", "/api/v1/engagements/"+unknownID()+"/tier-override", ownerSecret,
			map[string]any{"tier": 1, "reason": "x"}), http.StatusNotFound)
		if got := must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID, e.admin, nil), http.StatusOK); got.Header.Get("ETag") != `"1"` {
			t.Fatalf("a refused override changed the engagement: %s", got)
		}

		e.clock.Advance(time.Minute)
		r := must(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": 1, "reason": "Runs the payroll of all staff"},
			"If-Match", `"1"`), http.StatusOK)
		var ov api.RiskResponse
		r.into(t, &ov)
		if r.Header.Get("ETag") != `"2"` || ov.EffectiveTier != 1 || ov.RecommendedTier != 3 || ov.EffectiveLabel != "critical" ||
			ov.RecommendedLabel != "medium" {
			t.Errorf("after override: ETag %s, effective %d (%s), recommended %d (%s)", r.Header.Get("ETag"), ov.EffectiveTier,
				ov.EffectiveLabel, ov.RecommendedTier, ov.RecommendedLabel)
		}
		want := api.TierOverrideResponse{Tier: 1, Reason: "Runs the payroll of all staff", ByKeyID: owner.ID, ByName: "Risk Owner Rie",
			At: start.Add(time.Minute), RecommendedTierAtOverride: 3}
		if ov.Override == nil || *ov.Override != want {
			t.Errorf("override %+v, want %+v", ov.Override, want)
		}
		var got api.EngagementResponse
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID, e.admin, nil), http.StatusOK).into(t, &got)
		if got.Risk.EffectiveTier != 1 || got.Risk.RecommendedTier != 3 || got.Risk.Override == nil || *got.Risk.Override != want {
			t.Errorf("engagement risk after override %+v (override %+v)", got.Risk, got.Risk.Override)
		}
		// The list filters by the effective tier.
		if ids := e.engagementIDs(t, "tier=1"); !slices.Equal(ids, []string{eng.ID}) {
			t.Errorf("?tier=1 lists %q", ids)
		}
		if ids := e.engagementIDs(t, "tier=3"); len(ids) != 0 {
			t.Errorf("?tier=3 lists %q", ids)
		}

		// The engagement changes enough to move the recommended tier: the override says so.
		more := []map[string]any{{"category": "personal", "records": 1_150_000}, {"category": "sensitive_personal", "records": 1_000_000}}
		must(t, e.do(t, "PATCH", "/api/v1/engagements/"+eng.ID, e.key(t, auth.RoleProcurement, ""),
			map[string]any{"data_categories": more}), http.StatusOK).into(t, &got)
		if got.Risk.RecommendedTier != 1 || got.Risk.Override == nil || !got.Risk.Override.RecommendationChangedSince ||
			got.Risk.Override.RecommendedTierAtOverride != 3 {
			t.Errorf("after the change: recommended %d, override %+v", got.Risk.RecommendedTier, got.Risk.Override)
		}
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID+"/risk", e.admin, nil), http.StatusOK).into(t, &ov)
		if ov.Override == nil || !ov.Override.RecommendationChangedSince || ov.RecommendedTier != 1 || len(ov.RulesApplied) == 0 {
			t.Errorf("risk after the change: recommended %d, rules %q, override %+v", ov.RecommendedTier, ov.RulesApplied, ov.Override)
		}

		// Clearing: tier null, a reason is still required.
		wantProblem(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": nil}), http.StatusUnprocessableEntity, "reason")
		r = must(t, e.do(t, "POST", url, ownerSecret, map[string]any{"tier": nil, "reason": "The model sees it now"}), http.StatusOK)
		r.into(t, &ov)
		if ov.Override != nil || ov.EffectiveTier != ov.RecommendedTier {
			t.Errorf("after clearing: override %+v, effective %d, recommended %d", ov.Override, ov.EffectiveTier, ov.RecommendedTier)
		}
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID, e.admin, nil), http.StatusOK).into(t, &got)
		if got.Risk.Override != nil || got.Risk.EffectiveTier != got.Risk.RecommendedTier {
			t.Errorf("engagement after clearing %+v", got.Risk)
		}
	})
}

// engagementIDs lists the ids an admin sees with the query.
func (e *env) engagementIDs(t *testing.T, query string) []string {
	t.Helper()
	var ids []string
	for _, it := range must(t, e.do(t, "GET", "/api/v1/engagements?limit=200&"+query, e.admin, nil), http.StatusOK).items(t) {
		ids = append(ids, it["id"].(string))
	}
	return ids
}

func TestEngagementUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Patched Cloud")
		eng := e.createEngagement(t, engagementBody(v, "rto_hours", 4, "critical_process", true,
			"impact", map[string]any{"c": 2, "i": 2, "a": 2}, "annual_spend", map[string]any{"amount": 1_200_000, "currency": "JPY"}))
		u := "/api/v1/engagements/" + eng.ID
		if eng.Impact.Source != "override" || eng.Impact.C != 2 || eng.Impact.Derived != (api.ImpactDTO{C: 4, I: 3, A: 5}) ||
			eng.RTOHours == nil || *eng.RTOHours != 4 || eng.AnnualSpend == nil || eng.AnnualSpend.Amount != 1_200_000 {
			t.Fatalf("created %+v", eng)
		}

		// If-Match: current applies, stale is 412 and changes nothing.
		var got api.EngagementResponse
		r := must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"description": "v2"}, "If-Match", `"1"`), http.StatusOK)
		r.into(t, &got)
		if r.Header.Get("ETag") != `"2"` || got.Version != 2 || got.Description != "v2" {
			t.Errorf("PATCH: ETag %s, %+v", r.Header.Get("ETag"), got)
		}
		for _, stale := range []string{`"1"`, `"3"`, `"x"`} {
			wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"description": "lost"}, "If-Match", stale), http.StatusPreconditionFailed)
		}
		if got := must(t, e.do(t, "GET", u, e.admin, nil), http.StatusOK); got.str("description") != "v2" || got.Header.Get("ETag") != `"2"` {
			t.Errorf("a stale PATCH changed it: %s", got)
		}

		// clear_impact: back to the derived impact, and the score follows.
		before := got.Risk.Score
		must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clear_impact": true}), http.StatusOK).into(t, &got)
		if got.Impact.Source != "derived" || got.Impact.C != 4 || got.Impact.I != 3 || got.Impact.A != 5 {
			t.Errorf("after clear_impact: %+v", got.Impact)
		}
		if got.Risk.Score != before+2*((4-2)+(3-2)+(5-2)) {
			t.Errorf("score %d after clear_impact, want %d", got.Risk.Score, before+12)
		}
		// clear_rto_hours: the RTO is gone; the derived availability drops from 5 to 4.
		must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clear_rto_hours": true}), http.StatusOK).into(t, &got)
		if got.RTOHours != nil || got.Impact.A != 4 {
			t.Errorf("after clear_rto_hours: rto %v, impact %+v", got.RTOHours, got.Impact)
		}
		if r := must(t, e.do(t, "GET", u, e.admin, nil), http.StatusOK); r.JSON["rto_hours"] != nil {
			t.Errorf("rto_hours still stored: %s", r)
		}
		must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clear_annual_spend": true}), http.StatusOK).into(t, &got)
		if got.AnnualSpend != nil {
			t.Errorf("after clear_annual_spend: %+v", got.AnnualSpend)
		}
		wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clear_impact": true, "impact": map[string]any{"c": 1, "i": 1, "a": 1}}),
			http.StatusUnprocessableEntity, "clear_impact")
		wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"impact": map[string]any{"c": 6, "i": 1, "a": 1}}),
			http.StatusUnprocessableEntity, "impact.c")
		wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"data_categories": []map[string]any{{"category": "personal", "records": -5}}}),
			http.StatusUnprocessableEntity, "data_categories[0].records")

		// Lifecycle: an illegal change is 409 naming the current status.
		r = e.do(t, "PATCH", u, e.admin, map[string]any{"status": "active"})
		wantProblem(t, r, http.StatusConflict)
		if !strings.Contains(r.str("detail"), "intake") {
			t.Errorf("409 detail %q does not name the current status", r.str("detail"))
		}
		for _, st := range []string{"assessing", "decided", "active", "assessing", "decided", "ended"} {
			must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"status": st}), http.StatusOK).into(t, &got)
			if got.Status != st {
				t.Fatalf("status %q, want %q", got.Status, st)
			}
		}
		if len(got.AllowedTransitions) != 0 {
			t.Errorf("ended engagement allows %q", got.AllowedTransitions)
		}
		r = e.do(t, "PATCH", u, e.admin, map[string]any{"status": "assessing"})
		wantProblem(t, r, http.StatusConflict)
		if !strings.Contains(r.str("detail"), "ended") {
			t.Errorf("409 detail %q does not name the current status", r.str("detail"))
		}
		wantProblem(t, e.do(t, "PATCH", "/api/v1/engagements/"+unknownID(), e.admin, map[string]any{"name": "x"}), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/engagements/not-an-id", e.admin, nil), http.StatusNotFound)
	})
}

// The stored evaluation follows the vendor's subcontractor graph without the engagement being touched.
func TestEngagementFollowsSubcontractorGraph(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.newVendor(t, "Graph A")
		b, c, d := e.newVendor(t, "Graph B"), e.newVendor(t, "Graph C"), e.newVendor(t, "Graph D")
		other := e.createEngagement(t, fixedScoreBody(e.newVendor(t, "Unrelated"), "Unrelated"))
		eng := e.createEngagement(t, fixedScoreBody(a, "Graph engagement")) // 43, tier 3
		u := "/api/v1/engagements/" + eng.ID

		stored := func() api.EngagementResponse {
			t.Helper()
			var l api.EngagementList
			must(t, e.do(t, "GET", "/api/v1/engagements?limit=200&vendor_id="+a, e.admin, nil), http.StatusOK).into(t, &l)
			if len(l.Items) != 1 {
				t.Fatalf("list by vendor %+v", l.Items)
			}
			return l.Items[0]
		}
		fresh := func() (api.EngagementResponse, api.RiskResponse) {
			t.Helper()
			var g api.EngagementResponse
			var r api.RiskResponse
			must(t, e.do(t, "GET", u, e.admin, nil), http.StatusOK).into(t, &g)
			must(t, e.do(t, "GET", u+"/risk", e.admin, nil), http.StatusOK).into(t, &r)
			return g, r
		}
		if !slices.Contains(e.engagementIDs(t, "tier=3"), eng.ID) {
			t.Fatalf("?tier=3 does not list the engagement")
		}

		// A → B: one fourth party (+2): 45, tier 2.
		e.link(t, a, b)
		g, r := fresh()
		if len(g.FourthParties) != 1 || g.FourthParties[0].VendorID != b || g.FourthParties[0].Depth != 1 ||
			g.FourthParties[0].ViaVendorID != a || g.FourthParties[0].Name != "Graph B" {
			t.Errorf("fourth parties %+v", g.FourthParties)
		}
		if points(r, "fourth_parties") != 2 || r.Score != 45 || r.RecommendedTier != 2 || r.FourthPartyCount != 1 {
			t.Errorf("risk after A→B: score %d tier %d, fourth_parties %+v", r.Score, r.RecommendedTier, contribution(r, "fourth_parties"))
		}
		if s := stored(); s.Risk.Score != 45 || s.Risk.EffectiveTier != 2 || s.Version != 2 {
			t.Errorf("stored after A→B: %+v, version %d", s.Risk, s.Version)
		}
		if ids := e.engagementIDs(t, "tier=2"); !slices.Contains(ids, eng.ID) {
			t.Errorf("?tier=2 does not see the refreshed tier: %q", ids)
		}
		if ids := e.engagementIDs(t, "tier=3"); slices.Contains(ids, eng.ID) || !slices.Contains(ids, other.ID) {
			t.Errorf("?tier=3 lists %q", ids)
		}

		// B → C, a link further down the chain: C is a fourth party at depth 2 (still +2 for two).
		e.link(t, b, c)
		g, r = fresh()
		if len(g.FourthParties) != 2 || !slices.ContainsFunc(g.FourthParties, func(f api.FourthPartyDTO) bool {
			return f.VendorID == c && f.Depth == 2 && f.ViaVendorID == b
		}) {
			t.Errorf("fourth parties after B→C %+v", g.FourthParties)
		}
		// C → D: three fourth parties (+4): 47. Stored at once, though the link is two vendors away.
		e.link(t, c, d)
		if s := stored(); s.Risk.Score != 47 {
			t.Errorf("stored score after C→D %d, want 47", s.Risk.Score)
		}
		_, r = fresh()
		if points(r, "fourth_parties") != 4 || r.Score != 47 || r.FourthPartyCount != 3 {
			t.Errorf("risk after C→D: %d, %+v", r.Score, contribution(r, "fourth_parties"))
		}
		// Sorting by risk score sees it too.
		var l api.EngagementList
		must(t, e.do(t, "GET", "/api/v1/engagements?sort=-risk_score", e.admin, nil), http.StatusOK).into(t, &l)
		if len(l.Items) != 2 || l.Items[0].ID != eng.ID || l.Items[0].Risk.Score != 47 || l.Items[1].Risk.Score != 43 {
			t.Errorf("-risk_score order %+v", l.Items)
		}

		// Removing the first link drops all three.
		links := must(t, e.do(t, "GET", "/api/v1/vendors/"+a+"/subcontractors", e.admin, nil), http.StatusOK).items(t)
		must(t, e.do(t, "DELETE", "/api/v1/vendors/"+a+"/subcontractors/"+links[0]["id"].(string), e.admin, nil), http.StatusNoContent)
		if s := stored(); s.Risk.Score != 43 || s.Risk.EffectiveTier != 3 {
			t.Errorf("stored after removing A→B: %+v", s.Risk)
		}
		if g, _ := fresh(); len(g.FourthParties) != 0 {
			t.Errorf("fourth parties after removing A→B: %+v", g.FourthParties)
		}
		// The unrelated engagement was never touched.
		if got := must(t, e.do(t, "GET", "/api/v1/engagements/"+other.ID, e.admin, nil), http.StatusOK); got.Header.Get("ETag") != `"1"` {
			t.Errorf("the unrelated engagement changed: ETag %s", got.Header.Get("ETag"))
		}
	})
}

func TestEngagementList(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v1, v2 := e.newVendor(t, "List One"), e.newVendor(t, "List Two")
		mk := func(v, name string, extra ...any) string {
			return e.createEngagement(t, engagementBody(v, append([]any{"name", name}, extra...)...)).ID
		}
		pct := mk(v1, "100% uptime", "service_type", "saas")
		under := mk(v1, "snake_case ops", "service_type", "paas")
		plain := mk(v2, "plain 100 uptime", "data_categories", []map[string]any{}, "access_type", "none")
		other := mk(v2, "snakeXcase", "service_type", "saas")
		must(t, e.do(t, "PATCH", "/api/v1/engagements/"+plain, e.admin, map[string]any{"status": "assessing"}), http.StatusOK)

		cases := []struct {
			query string
			want  []string
		}{
			{"vendor_id=" + v1, []string{pct, under}},
			{"vendor_id=" + v2, []string{plain, other}},
			{"vendor_id=" + unknownID(), nil},
			{"status=assessing", []string{plain}},
			{"status=intake", []string{pct, under, other}},
			{"service_type=saas", []string{pct, other}},
			{"service_type=iaas", []string{plain}},
			{"service_type=onsite_maintenance", nil},
			{"q=" + url.QueryEscape("100%"), []string{pct}},
			{"q=" + url.QueryEscape("e_c"), []string{under}},
			{"q=UPTIME", []string{pct, plain}},
			{"q=snake", []string{under, other}},
			{"vendor_id=" + v2 + "&service_type=saas", []string{other}},
			{"tier=4", []string{plain}},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				got := e.engagementIDs(t, tc.query)
				slices.Sort(got)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("?%s lists %q, want %q", tc.query, got, want)
				}
			})
		}
	})
}

// TestEngagementPagination pages through every sort with limit 3 while engagements are inserted
// between pages: every engagement that existed at the start comes exactly once, in order.
func TestEngagementPagination(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Paged Cloud")
		// Names tie and scores tie (the id breaks ties); records set the score.
		mk := func(name string, records int) {
			cats := []map[string]any{{"category": "internal", "records": records}}
			e.createEngagement(t, engagementBody(v, "name", name, "data_categories", cats))
		}
		for i, n := range []string{"eng-05", "eng-02", "eng-09", "eng-02", "eng-07", "eng-01", "eng-07", "eng-04", "eng-10", "eng-03"} {
			mk(n, []int{0, 5, 5000, 50000, 5, 500000}[i%6])
		}
		inserts := []string{"eng-00", "eng-06", "eng-99", "eng-02", "eng-055", "eng-08"}

		type item struct {
			id, name string
			score    int
		}
		fetch := func(q url.Values) ([]item, string) {
			var l api.EngagementList
			must(t, e.do(t, "GET", "/api/v1/engagements?"+q.Encode(), e.admin, nil), http.StatusOK).into(t, &l)
			out := make([]item, len(l.Items))
			for i, it := range l.Items {
				out[i] = item{it.ID, it.Name, it.Risk.Score}
			}
			return out, l.NextCursor
		}
		less := map[string]func(a, b item) int{
			"created_at":  func(a, b item) int { return strings.Compare(a.id, b.id) },
			"-created_at": func(a, b item) int { return strings.Compare(b.id, a.id) },
			"name": func(a, b item) int {
				if c := strings.Compare(a.name, b.name); c != 0 {
					return c
				}
				return strings.Compare(a.id, b.id)
			},
			"-name": func(a, b item) int {
				if c := strings.Compare(b.name, a.name); c != 0 {
					return c
				}
				return strings.Compare(b.id, a.id)
			},
			"risk_score": func(a, b item) int {
				if a.score != b.score {
					return a.score - b.score
				}
				return strings.Compare(a.id, b.id)
			},
			"-risk_score": func(a, b item) int {
				if a.score != b.score {
					return b.score - a.score
				}
				return strings.Compare(b.id, a.id)
			},
		}
		for _, sort := range []string{"created_at", "-created_at", "name", "-name", "risk_score", "-risk_score"} {
			t.Run(sort, func(t *testing.T) {
				want, next := fetch(url.Values{"limit": {"200"}, "sort": {sort}})
				if next != "" {
					t.Fatal("more than 200 engagements")
				}
				if !slices.IsSortedFunc(want, less[sort]) {
					t.Errorf("one page with sort=%s is out of order: %v", sort, want)
				}
				scores := map[int]bool{}
				original := map[string]bool{}
				for _, w := range want {
					original[w.id] = true
					scores[w.score] = true
				}
				if len(scores) < 3 {
					t.Fatalf("the fixture has only scores %v", scores)
				}
				var got []item
				seen := map[string]bool{}
				cursor, pages := "", 0
				for {
					q := url.Values{"limit": {"3"}, "sort": {sort}}
					if cursor != "" {
						q.Set("cursor", cursor)
					}
					items, next := fetch(q)
					pages++
					if len(items) > 3 {
						t.Fatalf("page of %d with limit=3", len(items))
					}
					for _, it := range items {
						if seen[it.id] {
							t.Errorf("engagement %v listed twice", it)
						}
						seen[it.id] = true
						if original[it.id] {
							got = append(got, it)
						}
					}
					if next == "" {
						break
					}
					if pages > 50 {
						t.Fatal("pagination does not end")
					}
					cursor = next
					if pages <= len(inserts) {
						mk(inserts[pages-1], []int{7, 0, 70000, 5, 700, 5000}[pages-1])
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("sort=%s with inserts between pages gave\n%v\nwant\n%v", sort, got, want)
				}
			})
		}
		// A cursor belongs to its sort.
		_, c := fetch(url.Values{"limit": {"1"}, "sort": {"risk_score"}})
		wantProblem(t, e.do(t, "GET", "/api/v1/engagements?sort=name&cursor="+c, e.admin, nil), http.StatusUnprocessableEntity, "cursor")
	})
}

// The model reads the vendor's kind (a cloud provider's service is cloud-hosted): changing the kind
// must change the stored evaluation that lists filter and sort by, as a graph change does, so that a
// list never disagrees with the engagement it lists.
func TestEngagementFollowsVendorKind(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.createVendor(t, vendorBody("Turning Cloud", "kind", "contractor"))
		// personal (12) × 1,150,000 (15), impact 12, RTO 24 h (2) and moderate (2), no access, not
		// cloud-hosted, in Japan: 43, tier 3. As a cloud provider's service: 45, tier 2.
		eng := e.createEngagement(t, engagementBody(v.ID, "service_type", "consulting", "access_type", "none", "rto_hours", 24))
		if eng.Risk.Score != 43 || eng.Risk.EffectiveTier != 3 {
			t.Fatalf("score %d tier %d, want 43 and tier 3", eng.Risk.Score, eng.Risk.EffectiveTier)
		}
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+v.ID, e.admin, map[string]any{"kind": "cloud_provider"}), http.StatusOK)

		var fresh api.RiskResponse
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID+"/risk", e.admin, nil), http.StatusOK).into(t, &fresh)
		if fresh.Score != 45 || fresh.EffectiveTier != 2 {
			t.Fatalf("GET risk after the kind change: score %d tier %d, want 45 and tier 2", fresh.Score, fresh.EffectiveTier)
		}
		var l api.EngagementList
		must(t, e.do(t, "GET", "/api/v1/engagements?vendor_id="+v.ID, e.admin, nil), http.StatusOK).into(t, &l)
		if len(l.Items) != 1 || l.Items[0].Risk.Score != fresh.Score || l.Items[0].Risk.EffectiveTier != fresh.EffectiveTier {
			t.Errorf("the list shows score %d tier %d while GET /risk says %d and tier %d: the stored evaluation was not refreshed",
				l.Items[0].Risk.Score, l.Items[0].Risk.EffectiveTier, fresh.Score, fresh.EffectiveTier)
		}
		if ids := e.engagementIDs(t, "tier=2"); !slices.Contains(ids, eng.ID) {
			t.Errorf("?tier=2 misses the engagement whose tier is now 2")
		}
		// Contract gaps are measured against the stored tier too.
		k := e.createContract(t, eng.ID, contractBody())
		var g api.GapReportResponse
		must(t, e.do(t, "GET", "/api/v1/contracts/"+k.ID+"/gaps", e.admin, nil), http.StatusOK).into(t, &g)
		if g.EffectiveTier != fresh.EffectiveTier {
			t.Errorf("gaps measured against tier %d, the engagement's tier is %d", g.EffectiveTier, fresh.EffectiveTier)
		}
	})
}

// Country codes are case-insensitive everywhere: engagement locations, clause countries and the
// policy's allowed countries are compared in one form.
func TestCountryCodesNormalized(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Lowercase Cloud")
		eng := e.createEngagement(t, engagementBody(v, "data_locations", []string{"jp"}))
		if !slices.Equal(eng.DataLocations, []string{"JP"}) || eng.Risk.Score != 47 {
			t.Errorf("data_locations %q, score %d; want [JP] and 47 (Japan is home)", eng.DataLocations, eng.Risk.Score)
		}
		b := defaultPolicyBody()
		b["home_country"] = "jp"
		tier1 := policyTiers(b)[0].(map[string]any)
		tier1["required_clauses"] = []map[string]any{{"type": "data_location", "allowed_countries": []string{"jp", "sg"}}}
		r := must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, b), http.StatusOK)
		var p api.RiskPolicyResponse
		r.into(t, &p)
		if p.HomeCountry != "JP" || !slices.Equal(p.Tiers[0].RequiredClauses[0].AllowedCountries, []string{"JP", "SG"}) {
			t.Errorf("stored policy: home %q, allowed countries %q; want JP and [JP SG]", p.HomeCountry, p.Tiers[0].RequiredClauses[0].AllowedCountries)
		}
		must(t, e.do(t, "POST", "/api/v1/engagements/"+eng.ID+"/tier-override", e.key(t, auth.RoleRiskOwner, ""),
			map[string]any{"tier": 1, "reason": "tested"}), http.StatusOK)
		k := e.createContract(t, eng.ID, contractBody("clauses", []map[string]any{{"type": "data_location", "countries": []string{"jp"}}}))
		if !slices.Equal(k.Clauses[0].Countries, []string{"JP"}) {
			t.Errorf("clause countries %q, want [JP]", k.Clauses[0].Countries)
		}
		var g api.GapReportResponse
		must(t, e.do(t, "GET", "/api/v1/contracts/"+k.ID+"/gaps", e.admin, nil), http.StatusOK).into(t, &g)
		if g.EffectiveTier != 1 || len(g.Gaps) != 0 {
			t.Errorf("a Japan-only clause under a policy allowing jp and sg has gaps %+v", g.Gaps)
		}
	})
}

// Concurrent engagement writes, subcontractor links on its vendor and a policy change: none fails,
// and the stored evaluation ends equal to a fresh one.
func TestEngagementConcurrentRefresh(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.newVendor(t, "Busy Cloud")
		eng := e.createEngagement(t, fixedScoreBody(a, "Busy"))
		u := "/api/v1/engagements/" + eng.ID
		const n = 6
		subs := make([]string, n)
		for i := range subs {
			subs[i] = e.newVendor(t, "Busy sub "+strconv.Itoa(i))
		}
		var wg sync.WaitGroup
		results := make(chan resp, 3*n+1)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				results <- e.do(t, "PATCH", u, e.admin, map[string]any{"description": "writer " + strconv.Itoa(i)})
			}()
			go func() {
				defer wg.Done()
				results <- e.do(t, "POST", "/api/v1/vendors/"+a+"/subcontractors", e.admin,
					map[string]any{"subcontractor_id": subs[i], "service": "hosting"})
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := defaultPolicyBody()
			b["home_country"] = "US"
			results <- e.do(t, "PUT", "/api/v1/risk-policy", e.admin, b)
		}()
		wg.Wait()
		close(results)
		for r := range results {
			if r.Status >= 300 {
				t.Errorf("concurrent write failed: %s", r)
			}
		}
		var fresh api.RiskResponse
		must(t, e.do(t, "GET", u+"/risk", e.admin, nil), http.StatusOK).into(t, &fresh)
		var l api.EngagementList
		must(t, e.do(t, "GET", "/api/v1/engagements?vendor_id="+a, e.admin, nil), http.StatusOK).into(t, &l)
		if fresh.FourthPartyCount != n || fresh.RiskPolicyVersion != 2 || len(l.Items) != 1 || l.Items[0].Risk.Score != fresh.Score {
			t.Errorf("after the storm: %d fourth parties, policy v%d, fresh score %d, stored %+v", fresh.FourthPartyCount,
				fresh.RiskPolicyVersion, fresh.Score, l.Items)
		}
	})
}
