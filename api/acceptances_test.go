package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

const acceptancesPath = "/api/v1/risk-acceptances"

func (e *env) askAcceptance(t *testing.T, key, findingID, expires string) api.RiskAcceptanceResponse {
	t.Helper()
	var a api.RiskAcceptanceResponse
	r := must(t, e.do(t, "POST", "/api/v1/findings/"+findingID+"/risk-acceptances", key,
		map[string]any{"justification": "Compensating control: VPN with device certificates", "expires_on": expires}), http.StatusCreated)
	r.into(t, &a)
	if r.Header.Get("Location") != acceptancesPath+"/"+a.ID || r.Header.Get("ETag") != `"1"` {
		t.Errorf("ask: Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
	}
	return a
}

func (e *env) acceptanceDo(t *testing.T, key, id, action string, body any, want int) api.RiskAcceptanceResponse {
	t.Helper()
	var a api.RiskAcceptanceResponse
	must(t, e.do(t, "POST", acceptancesPath+"/"+id+"/"+action, key, body), want).into(t, &a)
	return a
}

func (e *env) getAcceptance(t *testing.T, id string) (api.RiskAcceptanceResponse, string) {
	t.Helper()
	var a api.RiskAcceptanceResponse
	r := must(t, e.do(t, "GET", acceptancesPath+"/"+id, e.admin, nil), http.StatusOK)
	r.into(t, &a)
	return a, r.Header.Get("ETag")
}

// acceptanceLimit reads the risk policy's max_acceptance_days for the tier and returns the latest
// expiry allowed today and the day after it.
func (e *env) acceptanceLimit(t *testing.T, tier int) (latest, over string) {
	t.Helper()
	var pol struct {
		Tiers []struct {
			Tier              int `json:"tier"`
			MaxAcceptanceDays int `json:"max_acceptance_days"`
		} `json:"tiers"`
	}
	must(t, e.do(t, "GET", "/api/v1/risk-policy", e.admin, nil), http.StatusOK).into(t, &pol)
	for _, tp := range pol.Tiers {
		if tp.Tier == tier && tp.MaxAcceptanceDays > 0 {
			y, m, d := e.clock.Now().UTC().Date()
			limit := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, tp.MaxAcceptanceDays)
			return limit.Format(time.DateOnly), limit.AddDate(0, 0, 1).Format(time.DateOnly)
		}
	}
	t.Fatalf("the risk policy has no max_acceptance_days for tier %d: %+v", tier, pol)
	return "", ""
}

func (e *env) findingStatus(t *testing.T, id string) string {
	t.Helper()
	return must(t, e.do(t, "GET", "/api/v1/findings/"+id, e.admin, nil), http.StatusOK).str("status")
}

// TestRiskAcceptanceExpiry: the expiry is bounded by the risk policy's max_acceptance_days for the tier; the requester cannot accept
// its own request; an accepted finding is risk_accepted until the day after the expiry, when the sweep
// ends the acceptance and the finding re-opens; every step is in the audit trail.
func TestRiskAcceptanceExpiry(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Accepted Risk KK", 0)
		fid := f.manual(t, "No yearly penetration test", "high")
		latest, over := e.acceptanceLimit(t, int(f.tier))
		roA, roB := e.person(t, auth.RoleRiskOwner, "RO Asker"), e.person(t, auth.RoleRiskOwner, "RO Approver")
		ask := "/api/v1/findings/" + fid + "/risk-acceptances"

		bad := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"a day beyond the tier's maximum", map[string]any{"justification": "j", "expires_on": over}, "expires_on"},
			{"today", map[string]any{"justification": "j", "expires_on": "2025-04-01"}, "expires_on"},
			{"in the past", map[string]any{"justification": "j", "expires_on": "2025-01-31"}, "expires_on"},
			{"no expiry", map[string]any{"justification": "j"}, "expires_on"},
			{"not a date", map[string]any{"justification": "j", "expires_on": "2025-13-01"}, "expires_on"},
			{"no justification", map[string]any{"expires_on": "2025-05-01"}, "justification"},
			{"a blank justification", map[string]any{"justification": "   ", "expires_on": "2025-05-01"}, "justification"},
		}
		for _, tt := range bad {
			r := e.do(t, "POST", ask, roA.secret, tt.body)
			wantProblem(t, r, http.StatusUnprocessableEntity, tt.field)
			if tt.name == "a day beyond the tier's maximum" && !strings.Contains(r.String(), latest) {
				t.Errorf("%s: the problem does not name the maximum %s: %s", tt.name, latest, r)
			}
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/findings/"+unknownID()+"/risk-acceptances", roA.secret,
			map[string]any{"justification": "j", "expires_on": "2025-05-01"}), http.StatusNotFound)
		if ids := e.listIDs(t, acceptancesPath, e.admin); len(ids) != 0 {
			t.Fatalf("refused requests stored acceptances %q", ids)
		}

		a := e.askAcceptance(t, roA.secret, fid, "2025-05-01")
		if a.Status != "pending" || a.ExpiresOn != "2025-05-01" || a.MaxExpiresOn != latest || a.FindingID != fid ||
			a.EngagementID != f.eng || a.VendorID != f.vendorID || a.RequestedBy.KeyID != roA.id || a.Frozen != nil {
			t.Fatalf("asked %+v", a)
		}
		wantProblem(t, e.do(t, "POST", ask, roB.secret, map[string]any{"justification": "j", "expires_on": "2025-05-01"}), http.StatusConflict)

		// Four eyes: the asker cannot accept; procurement has no say.
		r := e.do(t, "POST", acceptancesPath+"/"+a.ID+"/approve", roA.secret, nil)
		wantProblem(t, r, http.StatusForbidden)
		if !strings.Contains(r.str("detail"), "four eyes") {
			t.Errorf("detail %q does not name the four-eyes rule", r.str("detail"))
		}
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a.ID+"/approve", e.key(t, auth.RoleProcurement, ""), nil), http.StatusForbidden)
		if got, etag := e.getAcceptance(t, a.ID); got.Status != "pending" || etag != `"1"` || e.findingStatus(t, fid) != "open" {
			t.Fatalf("after the refusals: %s (ETag %s), finding %s", got.Status, etag, e.findingStatus(t, fid))
		}

		// A stale If-Match is a precondition failure, as for every versioned resource.
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a.ID+"/approve", roB.secret, nil, "If-Match", `"7"`),
			http.StatusPreconditionFailed)
		ok := e.acceptanceDo(t, roB.secret, a.ID, "approve", nil, http.StatusOK)
		if ok.Status != "active" || ok.ApprovedBy == nil || ok.ApprovedBy.KeyID != roB.id || ok.Frozen == nil || ok.Frozen.Severity != "high" ||
			ok.Version != 2 {
			t.Fatalf("approved %+v (frozen %+v)", ok, ok.Frozen)
		}
		if st := e.findingStatus(t, fid); st != "risk_accepted" {
			t.Fatalf("finding %s after approval, want risk_accepted", st)
		}

		e.setClock(t, "2025-05-01") // the last day it holds
		if res := e.runSweep(t, "replica-1"); res.Changed["risk_acceptances"] != 0 {
			t.Errorf("sweep on the expiry day changed %v", res.Changed)
		}
		if got, _ := e.getAcceptance(t, a.ID); got.Status != "active" || e.findingStatus(t, fid) != "risk_accepted" {
			t.Fatalf("on the expiry day: %s, finding %s", got.Status, e.findingStatus(t, fid))
		}
		e.setClock(t, "2025-05-02")
		if res := e.runSweep(t, "replica-1"); res.Changed["risk_acceptances"] != 1 {
			t.Errorf("sweep after the expiry changed %v, want one acceptance", res.Changed)
		}
		got, etag := e.getAcceptance(t, a.ID)
		if got.Status != "expired" || got.EndReason != "expired on 2025-05-01" || got.EndedAt == nil || !got.EndedAt.Equal(e.clock.Now()) ||
			etag != `"3"` {
			t.Errorf("after expiry: %+v (ETag %s)", got, etag)
		}
		if st := e.findingStatus(t, fid); st != "open" {
			t.Errorf("finding %s after the acceptance expired, want open", st)
		}
		if res := e.runSweep(t, "replica-2"); res.Changed["risk_acceptances"] != 0 {
			t.Errorf("a second sweep changed %v", res.Changed)
		}
		// Ended: it can no longer be approved or revoked; a new one may be asked.
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a.ID+"/revoke", roB.secret, map[string]any{"reason": "x"}), http.StatusConflict)
		e.askAcceptance(t, roA.secret, fid, "2025-06-01")

		evs := e.eventsOf(t, "risk_acceptance", a.ID)
		wantEvents(t, evs,
			"risk_acceptance.expired by system (system)",
			"risk_acceptance.approved by "+roB.id+" (risk_owner)",
			"risk_acceptance.requested by "+roA.id+" (risk_owner)")
		if len(evs) == 3 && (!strings.Contains(string(evs[0].Result), fid) || !strings.Contains(string(evs[0].Input), "expired on 2025-05-01")) {
			t.Errorf("system event input %s result %s", evs[0].Input, evs[0].Result)
		}
		if v := e.verifyTrail(t, e.admin); !v.Intact {
			t.Errorf("audit chain broken: %+v", v.FirstBroken)
		}
	})
}

// TestRiskAcceptanceMaximumFollowsTier: the longest expiry is the effective tier's max_acceptance_days;
// the built-in policy gives critical tiers shorter limits.
func TestRiskAcceptanceMaximumFollowsTier(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ro := e.person(t, auth.RoleRiskOwner, "RO")
		limits := map[int]string{}
		for tier := 1; tier <= 4; tier++ {
			latest, over := e.acceptanceLimit(t, tier)
			limits[tier] = latest
			f := newDueFixture(t, e, fmt.Sprintf("Tier %d KK", tier), risk.Tier(tier))
			fid := f.manual(t, "Finding", "medium")
			wantProblem(t, e.do(t, "POST", "/api/v1/findings/"+fid+"/risk-acceptances", ro.secret,
				map[string]any{"justification": "j", "expires_on": over}), http.StatusUnprocessableEntity, "expires_on")
			if a := e.askAcceptance(t, ro.secret, fid, latest); a.MaxExpiresOn != latest || a.ExpiresOn != latest {
				t.Errorf("tier %d: expires_on %s, max_expires_on %s, want both %s", tier, a.ExpiresOn, a.MaxExpiresOn, latest)
			}
		}
		if !(limits[1] < limits[2] && limits[2] <= limits[3] && limits[3] <= limits[4]) {
			t.Errorf("built-in limits by tier %v: a more critical tier should not allow a longer acceptance", limits)
		}
	})
}

// TestRiskAcceptanceRevoke: the requester withdraws its own pending request, nobody else but a risk
// owner may; revoking an active acceptance re-opens the finding.
func TestRiskAcceptanceRevoke(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Revoked KK", 0)
		fid := f.manual(t, "Shared admin accounts", "medium")
		proc1, proc2 := e.person(t, auth.RoleProcurement, "Proc One"), e.person(t, auth.RoleProcurement, "Proc Two")
		roA, roB := e.person(t, auth.RoleRiskOwner, "RO A"), e.person(t, auth.RoleRiskOwner, "RO B")

		a1 := e.askAcceptance(t, proc1.secret, fid, "2025-06-30")
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a1.ID+"/revoke", proc2.secret, map[string]any{"reason": "not yours"}),
			http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a1.ID+"/revoke", e.key(t, auth.RoleAuditor, ""), map[string]any{"reason": "x"}),
			http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a1.ID+"/revoke", proc1.secret, map[string]any{}), http.StatusUnprocessableEntity, "reason")
		w := e.acceptanceDo(t, proc1.secret, a1.ID, "revoke", map[string]any{"reason": "Asked too early"}, http.StatusOK)
		if w.Status != "revoked" || w.EndedBy == nil || w.EndedBy.KeyID != proc1.id || w.EndReason != "Asked too early" {
			t.Errorf("withdrawn %+v", w)
		}
		if st := e.findingStatus(t, fid); st != "open" {
			t.Errorf("finding %s after withdrawing a pending request", st)
		}

		a2 := e.askAcceptance(t, proc1.secret, fid, "2025-06-30")
		e.acceptanceDo(t, roB.secret, a2.ID, "approve", nil, http.StatusOK)
		if st := e.findingStatus(t, fid); st != "risk_accepted" {
			t.Fatalf("finding %s after approval", st)
		}
		r := e.acceptanceDo(t, roA.secret, a2.ID, "revoke", map[string]any{"reason": "The VPN was decommissioned"}, http.StatusOK)
		if r.Status != "revoked" || r.EndedBy == nil || r.EndedBy.KeyID != roA.id || r.Version != 3 {
			t.Errorf("revoked %+v", r)
		}
		if st := e.findingStatus(t, fid); st != "open" {
			t.Errorf("finding %s after revoking an active acceptance, want open", st)
		}
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a2.ID+"/revoke", roA.secret, map[string]any{"reason": "again"}), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a2.ID+"/approve", roB.secret, nil), http.StatusConflict)

		wantEvents(t, e.eventsOf(t, "risk_acceptance", a1.ID),
			"risk_acceptance.revoked by "+proc1.id+" (procurement)",
			"risk_acceptance.requested by "+proc1.id+" (procurement)")
		wantEvents(t, e.eventsOf(t, "risk_acceptance", a2.ID),
			"risk_acceptance.revoked by "+roA.id+" (risk_owner)",
			"risk_acceptance.approved by "+roB.id+" (risk_owner)",
			"risk_acceptance.requested by "+proc1.id+" (procurement)")
		ids := e.listIDs(t, acceptancesPath+"?status=revoked&finding_id="+fid, e.admin)
		if !slices.Equal(ids, sorted(a1.ID, a2.ID)) {
			t.Errorf("revoked acceptances of the finding %q", ids)
		}
	})
}

// TestRiskAcceptanceStale: a newer assessment on a higher tier raises the accepted finding's severity;
// the sweep marks the acceptance stale, says what changed, and re-opens the finding.
func TestRiskAcceptanceStale(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e) // tier 2: a "high" question stays high
		if f.tier != 2 {
			t.Fatalf("engagement tier %d, want 2", f.tier)
		}
		f.round(t, "no", "full", "yes")
		q1 := f.byQuestion(t)["q1"]
		if q1.Severity != "high" || q1.Status != "open" {
			t.Fatalf("q1 finding %+v", q1)
		}
		roA, roB := e.person(t, auth.RoleRiskOwner, "RO A"), e.person(t, auth.RoleRiskOwner, "RO B")
		a := e.askAcceptance(t, roA.secret, q1.ID, "2025-06-15")
		ok := e.acceptanceDo(t, roB.secret, a.ID, "approve", nil, http.StatusOK)
		if ok.Frozen == nil || ok.Frozen.Severity != "high" || ok.Frozen.Priority != q1.Priority {
			t.Fatalf("frozen %+v, want the finding's high / %d", ok.Frozen, q1.Priority)
		}
		if res := e.runSweep(t, "replica-1"); res.Changed["risk_acceptances"] != 0 {
			t.Fatalf("sweep with nothing changed: %v", res.Changed)
		}

		must(t, e.do(t, "POST", "/api/v1/engagements/"+f.eng+"/tier-override", roA.secret,
			map[string]any{"tier": 1, "reason": "Now runs payroll"}), http.StatusOK)
		f.round(t, "no", "full", "yes") // the same weak answer, now on tier 1: critical
		q1 = f.byQuestion(t)["q1"]
		if q1.Severity != "critical" || q1.Status != "risk_accepted" {
			t.Fatalf("q1 after the second round: %s, %s; want critical, still risk_accepted until the sweep", q1.Severity, q1.Status)
		}
		if res := e.runSweep(t, "replica-1"); res.Changed["risk_acceptances"] != 1 {
			t.Errorf("sweep after the change: %v, want one acceptance", res.Changed)
		}
		got, _ := e.getAcceptance(t, a.ID)
		if got.Status != "stale" || !strings.Contains(got.EndReason, "severity high → critical") || got.EndedAt == nil {
			t.Errorf("after the change: %s, %q", got.Status, got.EndReason)
		}
		if st := e.findingStatus(t, q1.ID); st != "open" {
			t.Errorf("finding %s after the acceptance went stale, want open", st)
		}
		evs := e.eventsOf(t, "risk_acceptance", a.ID)
		if len(evs) == 0 || evs[0].Action != "risk_acceptance.stale" || evs[0].ActorRole != "system" {
			t.Errorf("newest audit event of the acceptance: %s", actions(evs))
		}
	})
}

// TestDecisionAndAcceptanceRoutesHiddenFromSuppliers: a supplier, even of the vendor concerned, gets 404
// on every decision and risk acceptance route, and changes nothing.
func TestDecisionAndAcceptanceRoutesHiddenFromSuppliers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Hidden KK", 0)
		fid := f.manual(t, "Hidden finding", "low")
		d := e.requestDecision(t, e.admin, f.eng)
		a := e.askAcceptance(t, e.admin, fid, "2025-06-30")
		routes := []struct {
			method, path string
			body         any
		}{
			{"GET", decisionsPath, nil},
			{"GET", decisionsPath + "/" + d.ID, nil},
			{"POST", decisionsPath, map[string]any{"engagement_id": f.eng}},
			{"POST", decisionsPath + "/" + d.ID + "/approve", map[string]any{}},
			{"POST", decisionsPath + "/" + d.ID + "/reject", map[string]any{"reason": "x"}},
			{"POST", "/api/v1/findings/" + fid + "/risk-acceptances", map[string]any{"justification": "j", "expires_on": "2025-05-01"}},
			{"GET", acceptancesPath, nil},
			{"GET", acceptancesPath + "/" + a.ID, nil},
			{"POST", acceptancesPath + "/" + a.ID + "/approve", nil},
			{"POST", acceptancesPath + "/" + a.ID + "/revoke", map[string]any{"reason": "x"}},
		}
		for _, rt := range routes {
			wantProblem(t, e.do(t, rt.method, rt.path, f.sup, rt.body), http.StatusNotFound)
		}
		if got, etag := e.getDecision(t, d.ID); got.Status != "pending" || etag != `"1"` {
			t.Errorf("decision after the supplier's attempts: %s %s", got.Status, etag)
		}
		if got, etag := e.getAcceptance(t, a.ID); got.Status != "pending" || etag != `"1"` {
			t.Errorf("acceptance after the supplier's attempts: %s %s", got.Status, etag)
		}
		// An auditor reads both but writes neither.
		aud := e.key(t, auth.RoleAuditor, "")
		must(t, e.do(t, "GET", decisionsPath+"/"+d.ID, aud, nil), http.StatusOK)
		must(t, e.do(t, "GET", acceptancesPath+"/"+a.ID, aud, nil), http.StatusOK)
		wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/approve", aud, map[string]any{}), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", acceptancesPath+"/"+a.ID+"/approve", aud, nil), http.StatusForbidden)
		if evs := e.eventsOf(t, "decision", d.ID); len(evs) != 1 || evs[0].Action != "decision.requested" {
			t.Errorf("decision events after the supplier's attempts: %s", actions(evs))
		}
		if evs := e.eventsOf(t, "risk_acceptance", a.ID); len(evs) != 1 {
			t.Errorf("acceptance events after the supplier's attempts: %s", actions(evs))
		}
	})
}

// TestRiskAcceptanceStaleWhenTierMoves: an acceptance given on tier 1 goes stale at the next sweep once
// the engagement is overridden to tier 3, naming the tier; the finding re-opens, rated for tier 3.
func TestRiskAcceptanceStaleWhenTierMoves(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Tier Moves KK", 1)
		fid := f.manual(t, "No yearly penetration test", "medium")
		roA, roB := e.person(t, auth.RoleRiskOwner, "RO A"), e.person(t, auth.RoleRiskOwner, "RO B")
		a := e.askAcceptance(t, roA.secret, fid, "2025-06-01")
		ok := e.acceptanceDo(t, roB.secret, a.ID, "approve", nil, http.StatusOK)
		if ok.Frozen == nil || ok.Frozen.Tier != 1 || ok.Frozen.Priority != 8 {
			t.Fatalf("frozen %+v, want tier 1, priority 8", ok.Frozen)
		}
		if res := e.runSweep(t, "replica-1"); res.Changed["risk_acceptances"] != 0 {
			t.Fatalf("sweep with nothing changed: %v", res.Changed)
		}

		e.overrideTier(t, f.eng, 3)
		if res := e.runSweep(t, "replica-1"); res.Changed["risk_acceptances"] != 1 {
			t.Errorf("sweep after the tier moved: %v, want one acceptance", res.Changed)
		}
		got, _ := e.getAcceptance(t, a.ID)
		if got.Status != "stale" || !strings.Contains(got.EndReason, "tier 1 → 3") || !strings.Contains(got.EndReason, "priority 8 → 4") {
			t.Errorf("after the tier moved: %s, %q; want stale naming tier 1 → 3 and priority 8 → 4", got.Status, got.EndReason)
		}
		if fd := e.finding(t, fid); fd.Status != "open" || fd.Priority != 4 {
			t.Errorf("finding %s / priority %d after the acceptance went stale, want open / 4", fd.Status, fd.Priority)
		}
	})
}
