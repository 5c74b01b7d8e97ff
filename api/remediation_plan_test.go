package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestRemediationPlanAcceptReject: a supplier's proposed items wait for procurement and count toward
// nothing (no due date, no overdue notice, no reminder); procurement rejects them with a reason, the
// supplier proposes again, procurement accepts under If-Match and only then are the items tracked.
// Nobody else judges the plan: the supplier itself 403, an auditor 403, another vendor's supplier 404.
func TestRemediationPlanAcceptReject(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		d := newDueFixture(t, e, "Plan Vendor", 0)
		fid := d.manual(t, "No MFA on remote access", "high")
		finding := func() (api.FindingResponse, string) {
			r := must(t, e.do(t, "GET", "/api/v1/findings/"+fid, e.admin, nil), http.StatusOK)
			var f api.FindingResponse
			r.into(t, &f)
			return f, r.Header.Get("ETag")
		}
		items := func() map[string]string {
			out := map[string]string{}
			for _, it := range must(t, e.do(t, "GET", "/api/v1/findings/"+fid+"/remediations", e.admin, nil), http.StatusOK).items(t) {
				out[it["description"].(string)] = it["status"].(string)
			}
			return out
		}
		propose := func(description, due string) {
			t.Helper()
			r := must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", d.sup, map[string]any{"response": "Our plan",
				"plans": []map[string]any{{"type": "corrective", "description": description, "due_date": due}}}), http.StatusOK)
			if plan, _ := r.JSON["remediation_plan"].(map[string]any); plan["status"] != "proposed" || plan["reason"] != nil {
				t.Fatalf("after a proposal the supplier reads the plan %v, want proposed without a reason", r.JSON["remediation_plan"])
			}
		}
		accept := func(key string, headers ...string) resp {
			return e.do(t, "POST", "/api/v1/findings/"+fid+"/remediation-plan/accept", key, nil, headers...)
		}
		reject := func(key string, body any, headers ...string) resp {
			return e.do(t, "POST", "/api/v1/findings/"+fid+"/remediation-plan/reject", key, body, headers...)
		}

		// Proposed: waiting, untracked. The item is due 2025-04-10; nine days past it nothing is overdue.
		propose("Enable MFA by April", "2025-04-10")
		if f, _ := finding(); f.Status != "open" || f.DueDate != nil || f.RemediationPlan == nil || f.RemediationPlan.Status != "proposed" {
			t.Fatalf("finding with a proposed plan: status %s, due %v, plan %+v; want open, no due date, proposed", f.Status, f.DueDate, f.RemediationPlan)
		}
		if got := items(); got["Enable MFA by April"] != "proposed" {
			t.Fatalf("items %v, want the proposal in status proposed", got)
		}
		rid := must(t, e.do(t, "GET", "/api/v1/supplier/findings/"+fid+"/remediations", d.sup, nil), http.StatusOK).items(t)[0]["id"].(string)
		wantProblem(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", d.sup,
			map[string]any{"response": "Done already", "done": []string{rid}}), http.StatusConflict)
		wantProblem(t, e.do(t, "PATCH", "/api/v1/remediations/"+rid, e.admin, map[string]any{"status": "in_progress"}), http.StatusConflict)
		e.clock.Advance(18 * 24 * time.Hour) // 2025-04-19
		if res := e.runSweep(t, "replica-1"); res.Changed["remediations_overdue"] != 0 {
			t.Errorf("the sweep raised %d overdue notices for a proposal nobody accepted", res.Changed["remediations_overdue"])
		}
		if rs := must(t, e.do(t, "GET", "/api/v1/supplier/reminders", d.sup, nil), http.StatusOK).items(t); len(rs) != 0 {
			t.Errorf("reminders %v for a proposal nobody accepted", rs)
		}
		if l := must(t, e.do(t, "GET", "/api/v1/findings?overdue=true&engagement_id="+d.eng, e.admin, nil), http.StatusOK).items(t); len(l) != 0 {
			t.Errorf("overdue findings %v: a proposal made one overdue", l)
		}

		// Who may judge it.
		other := e.key(t, auth.RoleSupplier, e.newVendor(t, "Other Vendor"))
		auditor := e.key(t, auth.RoleAuditor, "")
		for _, tc := range []struct {
			name string
			r    resp
			want int
		}{
			{"the supplier accepts its own plan", accept(d.sup), http.StatusForbidden},
			{"the supplier rejects its own plan", reject(d.sup, map[string]any{"reason": "no"}), http.StatusForbidden},
			{"an auditor accepts", accept(auditor), http.StatusForbidden},
			{"an auditor rejects", reject(auditor, map[string]any{"reason": "no"}), http.StatusForbidden},
			{"another vendor's supplier accepts", accept(other), http.StatusNotFound},
			{"another vendor's supplier rejects", reject(other, map[string]any{"reason": "no"}), http.StatusNotFound},
			{"a rejection without a reason", reject(e.admin, map[string]any{"reason": " "}), http.StatusUnprocessableEntity},
			{"a rejection under a stale If-Match", reject(e.admin, map[string]any{"reason": "late"}, "If-Match", `"1"`), http.StatusPreconditionFailed},
			{"an acceptance under a stale If-Match", accept(e.admin, "If-Match", `"1"`), http.StatusPreconditionFailed},
		} {
			t.Run(tc.name, func(t *testing.T) { wantProblem(t, tc.r, tc.want) })
		}
		if f, _ := finding(); f.RemediationPlan.Status != "proposed" {
			t.Fatalf("refused judgements changed the plan to %+v", f.RemediationPlan)
		}

		// Rejected with a reason: the supplier reads it; the items are kept as rejected; nothing to accept.
		proc := e.key(t, auth.RoleProcurement, "")
		_, etag := finding()
		r := must(t, reject(proc, map[string]any{"reason": "April is too late for a high finding"}, "If-Match", etag), http.StatusOK)
		if r.Header.Get("ETag") == etag {
			t.Errorf("the rejection kept the ETag %s", etag)
		}
		var sup api.SupplierFindingList
		must(t, e.do(t, "GET", "/api/v1/supplier/findings", d.sup, nil), http.StatusOK).into(t, &sup)
		if len(sup.Items) != 1 || sup.Items[0].RemediationPlan == nil || sup.Items[0].RemediationPlan.Status != "rejected" ||
			sup.Items[0].RemediationPlan.Reason != "April is too late for a high finding" {
			t.Fatalf("the supplier reads %+v, want its plan rejected with the reason", sup.Items)
		}
		if got := items(); got["Enable MFA by April"] != "rejected" {
			t.Errorf("items after the rejection %v, want rejected", got)
		}
		wantProblem(t, accept(proc), http.StatusConflict)

		// Proposed again, accepted: tracked from now on.
		propose("Enable MFA by May", "2025-05-30")
		f, etag := finding()
		if f.Status != "open" || f.RemediationPlan.Status != "proposed" || f.RemediationPlan.Reason != "" {
			t.Fatalf("after the second proposal: %s, plan %+v", f.Status, f.RemediationPlan)
		}
		must(t, accept(proc, "If-Match", etag), http.StatusOK).into(t, &f)
		if f.Status != "remediation_planned" || f.DueDate == nil || *f.DueDate != "2025-05-30" || f.RemediationPlan.Status != "accepted" ||
			f.RemediationPlan.DecidedAt == nil {
			t.Fatalf("accepted: status %s, due %v, plan %+v; want remediation_planned due 2025-05-30, accepted", f.Status, f.DueDate, f.RemediationPlan)
		}
		if got := items(); got["Enable MFA by May"] != "open" || got["Enable MFA by April"] != "rejected" {
			t.Errorf("items after the acceptance %v, want the May item open, the April item still rejected", got)
		}
		if _, now := finding(); now == etag {
			t.Errorf("the acceptance kept the ETag %s", etag)
		}
		if rs := must(t, e.do(t, "GET", "/api/v1/supplier/reminders", d.sup, nil), http.StatusOK).items(t); len(rs) != 1 {
			t.Errorf("reminders %v, want the accepted item", rs)
		}
		e.clock.Advance(45 * 24 * time.Hour) // 2025-06-03
		if res := e.runSweep(t, "replica-1"); res.Changed["remediations_overdue"] != 1 {
			t.Errorf("the sweep raised %d overdue notices, want 1 for the accepted item", res.Changed["remediations_overdue"])
		}

		// The trail: proposed twice, rejected once (with the reason), accepted once.
		for action, n := range map[string]int{"remediation_plan.proposed": 2, "remediation_plan.rejected": 1, "remediation_plan.accepted": 1} {
			evs := must(t, e.do(t, "GET", "/api/v1/audit-events?action="+action+"&resource_id="+fid, e.admin, nil), http.StatusOK).items(t)
			if len(evs) != n {
				t.Errorf("%d %s events, want %d", len(evs), action, n)
			}
		}
	})
}
