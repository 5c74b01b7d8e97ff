package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/sweep"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

const decisionsPath = "/api/v1/decisions"

// replica wires another copy of the services on the env's database and clock, as a second replica
// of the service would run them (the services keep no state of their own).
func (e *env) replica() wiring.Services {
	return wiring.WireWith(e.db, e.clock.Now, e.blobs, wiring.Options{Observe: produced, Secrets: testSecrets()})
}

// runSweep runs the background job once as holder, on its own replica, and fails on error.
func (e *env) runSweep(t *testing.T, holder string) sweep.Result {
	t.Helper()
	res, err := e.replica().Sweeper(e.db, holder, e.clock.Now, testdb.Logger()).RunOnce(t.Context())
	if err != nil {
		t.Fatalf("sweep by %s: %v", holder, err)
	}
	if !res.Ran {
		t.Fatalf("sweep by %s did not get the lease", holder)
	}
	return res
}

// systemCtx carries the principal the background job acts as.
func systemCtx(t *testing.T) context.Context {
	return auth.WithPrincipal(t.Context(), auth.Principal{KeyID: audit.System.KeyID, Name: audit.System.Name, Role: auth.Role(audit.System.Role)})
}

// person is an API key and its secret.
type person struct {
	id, name, secret string
}

func (e *env) person(t *testing.T, role auth.Role, name string) person {
	t.Helper()
	k, secret := e.keyWith(t, apikey.NewKey{Role: role, Name: name})
	return person{id: k.ID, name: k.Name, secret: secret}
}

func (e *env) requestDecision(t *testing.T, key, engagementID string) api.DecisionResponse {
	t.Helper()
	var d api.DecisionResponse
	r := must(t, e.do(t, "POST", decisionsPath, key, map[string]any{"engagement_id": engagementID, "purpose": "Outsource " + engagementID[:8]}),
		http.StatusCreated)
	r.into(t, &d)
	if r.Header.Get("Location") != decisionsPath+"/"+d.ID || r.Header.Get("ETag") != `"1"` {
		t.Errorf("request: Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
	}
	return d
}

func (e *env) approveDecision(t *testing.T, key, id string, body map[string]any) api.DecisionResponse {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	var d api.DecisionResponse
	must(t, e.do(t, "POST", decisionsPath+"/"+id+"/approve", key, body), http.StatusOK).into(t, &d)
	return d
}

func (e *env) getDecision(t *testing.T, id string) (api.DecisionResponse, string) {
	t.Helper()
	var d api.DecisionResponse
	r := must(t, e.do(t, "GET", decisionsPath+"/"+id, e.admin, nil), http.StatusOK)
	r.into(t, &d)
	return d, r.Header.Get("ETag")
}

// eventsOf lists the audit events of one resource, newest first.
func (e *env) eventsOf(t *testing.T, typ, id string) []api.AuditEventResponse {
	t.Helper()
	return e.auditAll(t, url.Values{"resource_type": {typ}, "resource_id": {id}, "limit": {"200"}})
}

// wantEvents checks a resource's audit events, newest first, as "action by actor_key_id (role)".
func wantEvents(t *testing.T, evs []api.AuditEventResponse, want ...string) {
	t.Helper()
	got := make([]string, len(evs))
	for i, ev := range evs {
		got[i] = fmt.Sprintf("%s by %s (%s)", ev.Action, ev.ActorKeyID, ev.ActorRole)
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit events\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestDecisionFourEyes: whoever requested a decision can neither approve nor reject it. Over HTTP the
// roles already keep requesters (admin, procurement) from deciding; a credential that requested through
// the service and holds the risk owner's rights meets the four-eyes rule itself. Nothing changes.
func TestDecisionFourEyes(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Four Eyes KK")
		eng := e.createEngagement(t, engagementBody(v, "name", "Payroll")).ID
		eng2 := e.createEngagement(t, engagementBody(v, "name", "Archive")).ID
		owner := e.person(t, auth.RoleRiskOwner, "Risk Owner Rie")

		d := e.requestDecision(t, e.admin, eng)
		if d.Status != "pending" || d.Version != 1 || d.RequiredApprovals != 1 || d.Inputs.EffectiveTier != 2 ||
			d.Inputs.RequiredApprovals != 1 || len(d.Approvals) != 0 || d.Conditional {
			t.Fatalf("requested %+v", d)
		}
		wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/approve", e.admin, map[string]any{}), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/reject", e.admin, map[string]any{"reason": "mine"}), http.StatusForbidden)
		if got, etag := e.getDecision(t, d.ID); got.Status != "pending" || etag != `"1"` || len(got.Approvals) != 0 {
			t.Fatalf("after the requester's attempts: %s, ETag %s, %d approvals", got.Status, etag, len(got.Approvals))
		}

		// The same credential requests (through the service) and then tries to decide.
		svc := e.replica()
		both := auth.WithPrincipal(t.Context(), auth.Principal{KeyID: owner.id, Name: owner.name, Role: auth.RoleRiskOwner})
		d2, err := svc.Decisions.Request(both, eng2, "Archive")
		if err != nil {
			t.Fatal(err)
		}
		r := e.do(t, "POST", decisionsPath+"/"+d2.ID+"/approve", owner.secret, map[string]any{"comment": "looks fine to me"})
		wantProblem(t, r, http.StatusForbidden)
		if !strings.Contains(r.str("detail"), "four eyes") {
			t.Errorf("detail %q does not name the four-eyes rule", r.str("detail"))
		}
		wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d2.ID+"/reject", owner.secret, map[string]any{"reason": "no"}), http.StatusForbidden)
		if _, err := svc.Decisions.Approve(both, d2.ID, "", nil, nil); domain.KindOf(err) != domain.KindForbidden {
			t.Errorf("service Approve by the requester: %v, want Forbidden", err)
		}
		if _, err := svc.Decisions.Reject(both, d2.ID, "no", nil); domain.KindOf(err) != domain.KindForbidden {
			t.Errorf("service Reject by the requester: %v, want Forbidden", err)
		}
		got, etag := e.getDecision(t, d2.ID)
		if got.Status != "pending" || etag != `"1"` || len(got.Approvals) != 0 || got.RejectedBy != nil || got.RequestedBy.KeyID != owner.id {
			t.Errorf("after the refusals: %+v (ETag %s)", got, etag)
		}
		// The request (made through the service) is recorded; the refused decisions added nothing.
		wantEvents(t, e.eventsOf(t, "decision", d2.ID), "decision.requested by "+owner.id+" (risk_owner)")

		// Another risk owner decides both.
		other := e.person(t, auth.RoleRiskOwner, "Risk Owner Ken")
		if got := e.approveDecision(t, other.secret, d.ID, nil); got.Status != "approved" || len(got.Approvals) != 1 ||
			got.Approvals[0].By != (api.PersonDTO{KeyID: other.id, Name: other.name}) {
			t.Errorf("approved by another risk owner: %+v", got)
		}
		var rej api.DecisionResponse
		must(t, e.do(t, "POST", decisionsPath+"/"+d2.ID+"/reject", other.secret, map[string]any{"reason": "Archive stays in house"}),
			http.StatusOK).into(t, &rej)
		if rej.Status != "rejected" || rej.RejectionReason != "Archive stays in house" || rej.RejectedBy == nil || rej.RejectedBy.KeyID != other.id {
			t.Errorf("rejected %+v", rej)
		}
		adminEvents := e.eventsOf(t, "decision", d.ID)
		if len(adminEvents) == 2 {
			wantEvents(t, adminEvents, "decision.approved by "+other.id+" (risk_owner)",
				"decision.requested by "+adminEvents[1].ActorKeyID+" (admin)")
		} else {
			t.Errorf("%d audit events for the decision, want 2", len(adminEvents))
		}
		wantEvents(t, e.eventsOf(t, "decision", d2.ID), "decision.rejected by "+other.id+" (risk_owner)",
			"decision.requested by "+owner.id+" (risk_owner)")
	})
}

// TestDecisionQuorumPerTier: tier 1 needs two distinct risk owners (one approving twice counts once);
// tier 3 needs one; the approval is valid for one cadence when the engagement was never assessed.
func TestDecisionQuorumPerTier(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		proc := e.person(t, auth.RoleProcurement, "Procurement Pia")
		ro1, ro2, ro3 := e.person(t, auth.RoleRiskOwner, "RO One"), e.person(t, auth.RoleRiskOwner, "RO Two"), e.person(t, auth.RoleRiskOwner, "RO Three")

		t.Run("tier 1 needs two distinct approvals", func(t *testing.T) {
			f := newDueFixture(t, e, "Quorum One KK", 1)
			d := e.requestDecision(t, proc.secret, f.eng)
			if d.RequiredApprovals != 2 || d.Inputs.RequiredApprovals != 2 || d.Inputs.EffectiveTier != 1 || d.RequestedBy.KeyID != proc.id {
				t.Fatalf("tier 1 request %+v", d)
			}
			path := decisionsPath + "/" + d.ID + "/approve"
			wantProblem(t, e.do(t, "POST", path, proc.secret, map[string]any{}), http.StatusForbidden) // the requester's role cannot decide

			e.clock.Advance(time.Minute)
			r := must(t, e.do(t, "POST", path, ro1.secret, map[string]any{"comment": "fine"}, "If-Match", `"1"`), http.StatusOK)
			var one api.DecisionResponse
			r.into(t, &one)
			if one.Status != "pending" || len(one.Approvals) != 1 || r.Header.Get("ETag") != `"2"` || one.ApprovedAt != nil || one.ValidUntil != nil {
				t.Fatalf("after one of two approvals: %+v (ETag %s)", one, r.Header.Get("ETag"))
			}
			r = e.do(t, "POST", path, ro1.secret, map[string]any{"comment": "me again"})
			wantProblem(t, r, http.StatusConflict)
			if !strings.Contains(r.str("detail"), "counts once") {
				t.Errorf("second approval by the same owner: detail %q", r.str("detail"))
			}
			got, etag := e.getDecision(t, d.ID)
			if got.Status != "pending" || len(got.Approvals) != 1 || etag != `"2"` {
				t.Fatalf("after the repeated approval: %s, %d approvals, ETag %s", got.Status, len(got.Approvals), etag)
			}
			wantProblem(t, e.do(t, "POST", path, ro2.secret, map[string]any{}, "If-Match", `"1"`), http.StatusPreconditionFailed)

			e.clock.Advance(time.Minute)
			two := e.approveDecision(t, ro2.secret, d.ID, map[string]any{"comment": "agreed"})
			wantApprovals := []api.PersonDTO{{KeyID: ro1.id, Name: ro1.name}, {KeyID: ro2.id, Name: ro2.name}}
			var by []api.PersonDTO
			for _, a := range two.Approvals {
				by = append(by, a.By)
			}
			if two.Status != "approved" || !slices.Equal(by, wantApprovals) || two.ApprovedAt == nil || !two.ApprovedAt.Equal(e.clock.Now()) ||
				two.ValidUntil == nil || *two.ValidUntil != "2026-04-01" || two.Version != 3 || two.Conditional {
				t.Errorf("after the quorum: %+v (valid until %v)", two, two.ValidUntil)
			}
			wantProblem(t, e.do(t, "POST", path, ro3.secret, map[string]any{}), http.StatusConflict)
			wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/reject", ro3.secret, map[string]any{"reason": "late"}), http.StatusConflict)

			wantEvents(t, e.eventsOf(t, "decision", d.ID),
				"decision.approved by "+ro2.id+" (risk_owner)",
				"decision.approval_given by "+ro1.id+" (risk_owner)",
				"decision.requested by "+proc.id+" (procurement)")
			ids := e.listIDs(t, decisionsPath+"?status=approved&engagement_id="+f.eng, e.admin)
			if !slices.Equal(ids, []string{d.ID}) {
				t.Errorf("approved decisions of the engagement %q", ids)
			}
		})

		t.Run("tier 3 needs one", func(t *testing.T) {
			f := newDueFixture(t, e, "Quorum Three KK", 3)
			d := e.requestDecision(t, proc.secret, f.eng)
			if d.RequiredApprovals != 1 || d.Inputs.EffectiveTier != 3 {
				t.Fatalf("tier 3 request %+v", d)
			}
			got := e.approveDecision(t, ro3.secret, d.ID, nil)
			if got.Status != "approved" || len(got.Approvals) != 1 || got.ValidUntil == nil || *got.ValidUntil != "2027-04-01" {
				t.Errorf("tier 3 after one approval: %+v (valid until %v)", got, got.ValidUntil)
			}
		})

		t.Run("reject needs a reason", func(t *testing.T) {
			f := newDueFixture(t, e, "Rejected KK", 0)
			d := e.requestDecision(t, proc.secret, f.eng)
			wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/reject", ro1.secret, map[string]any{}), http.StatusUnprocessableEntity, "reason")
			wantProblem(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/reject", ro1.secret, map[string]any{"reason": "  "}),
				http.StatusUnprocessableEntity, "reason")
			// A second request while one is pending is refused.
			wantProblem(t, e.do(t, "POST", decisionsPath, proc.secret, map[string]any{"engagement_id": f.eng}), http.StatusConflict)
			must(t, e.do(t, "POST", decisionsPath+"/"+d.ID+"/reject", ro1.secret, map[string]any{"reason": "Too risky"}), http.StatusOK)
			wantEvents(t, e.eventsOf(t, "decision", d.ID),
				"decision.rejected by "+ro1.id+" (risk_owner)",
				"decision.requested by "+proc.id+" (procurement)")
		})
	})
}

// TestDecisionConditionLapses: an approval with two remediation conditions; the verified one is marked
// met; the other, unmet the day after its due date, turns the decision to needs_review with a reason
// naming it, recorded as a system event.
func TestDecisionConditionLapses(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Conditional KK", 0)
		fid := f.manual(t, "No MFA on the admin console", "high")
		itemA := e.addItem(t, fid, "Enforce MFA", "")
		itemB := e.addItem(t, fid, "Encrypt backups", "")
		elsewhere := newDueFixture(t, e, "Elsewhere KK", 0)
		foreign := e.addItem(t, elsewhere.manual(t, "Other", "low"), "Not ours", "")
		proc := e.person(t, auth.RoleProcurement, "Procurement Pia")
		ro := e.person(t, auth.RoleRiskOwner, "Risk Owner Rie")
		d := e.requestDecision(t, proc.secret, f.eng)
		path := decisionsPath + "/" + d.ID + "/approve"

		cond := func(itemID, description, due string) map[string]any {
			return map[string]any{"kind": "remediation", "remediation_id": itemID, "description": description, "due_date": due}
		}
		bad := []struct {
			name  string
			conds []map[string]any
			field string
		}{
			{"another engagement's item", []map[string]any{cond(foreign.ID, "x", "2025-04-11")}, "conditions[0].remediation_id"},
			{"an unknown item", []map[string]any{cond(unknownID(), "x", "2025-04-11")}, "conditions[0].remediation_id"},
			{"due in the past", []map[string]any{cond(itemA.ID, "x", "2025-03-31")}, "conditions[0].due_date"},
			{"an unknown clause", []map[string]any{{"kind": "contract_clause", "clause_type": "nope", "description": "x", "due_date": "2025-04-11"}},
				"conditions[0].clause_type"},
		}
		for _, tt := range bad {
			wantProblem(t, e.do(t, "POST", path, ro.secret, map[string]any{"conditions": tt.conds}), http.StatusUnprocessableEntity, tt.field)
		}

		approved := e.approveDecision(t, ro.secret, d.ID, map[string]any{"comment": "with conditions", "conditions": []map[string]any{
			cond(itemA.ID, "Enforce MFA", "2025-04-11"), cond(itemB.ID, "Encrypt backups", "2025-04-11")}})
		if approved.Status != "approved" || !approved.Conditional || len(approved.Conditions) != 2 || approved.Version != 2 {
			t.Fatalf("approved %+v", approved)
		}
		for i, c := range approved.Conditions {
			if c.ID == "" || c.Kind != "remediation" || c.DueDate != "2025-04-11" || c.SetBy.KeyID != ro.id || c.MetAt != nil {
				t.Errorf("condition %d: %+v", i, c)
			}
		}

		// B is done and verified; A is not.
		e.patchItem(t, itemB.ID, map[string]any{"status": "done"})
		e.verify(t, itemB.ID, true)

		e.setClock(t, "2025-04-11") // due today: nothing lapses, B is recorded as met
		if res := e.runSweep(t, "replica-1"); res.Changed["decisions"] != 0 {
			t.Errorf("sweep on the due date changed %v", res.Changed)
		}
		got, etag := e.getDecision(t, d.ID)
		if got.Status != "approved" || got.Conditions[0].MetAt != nil || got.Conditions[1].MetAt == nil ||
			!got.Conditions[1].MetAt.Equal(e.clock.Now()) || etag != `"3"` {
			t.Fatalf("on the due date: %s, ETag %s, conditions %+v", got.Status, etag, got.Conditions)
		}

		e.setClock(t, "2025-04-12") // A is late
		if res := e.runSweep(t, "replica-1"); res.Changed["decisions"] != 1 {
			t.Errorf("sweep after the due date changed %v, want one decision", res.Changed)
		}
		got, etag = e.getDecision(t, d.ID)
		if got.Status != "needs_review" || etag != `"4"` || got.NeedsReviewAt == nil || !got.NeedsReviewAt.Equal(e.clock.Now()) ||
			len(got.NeedsReviewWhy) != 1 || !strings.Contains(got.NeedsReviewWhy[0], `"Enforce MFA" was due on 2025-04-11 and is not met`) {
			t.Fatalf("after the lapse: %s, ETag %s, at %v, reasons %q", got.Status, etag, got.NeedsReviewAt, got.NeedsReviewWhy)
		}
		if res := e.runSweep(t, "replica-2"); res.Changed["decisions"] != 0 {
			t.Errorf("a second sweep changed %v", res.Changed)
		}
		if _, etag := e.getDecision(t, d.ID); etag != `"4"` {
			t.Errorf("a second sweep moved the version to %s", etag)
		}
		ids := e.listIDs(t, decisionsPath+"?status=needs_review", e.admin)
		if !slices.Equal(ids, []string{d.ID}) {
			t.Errorf("needs_review decisions %q", ids)
		}
		// A decision that needs review can no longer be approved.
		wantProblem(t, e.do(t, "POST", path, e.person(t, auth.RoleRiskOwner, "Late").secret, map[string]any{}), http.StatusConflict)

		evs := e.eventsOf(t, "decision", d.ID)
		wantEvents(t, evs,
			"decision.needs_review by system (system)",
			"decision.conditions_met by system (system)", // the verified item's condition, on the first sweep
			"decision.approved by "+ro.id+" (risk_owner)",
			"decision.requested by "+proc.id+" (procurement)")
		if len(evs) > 0 && (!strings.Contains(string(evs[0].Input), "Enforce MFA") || !strings.Contains(string(evs[0].Result), `"needs_review"`)) {
			t.Errorf("system event input %s result %s", evs[0].Input, evs[0].Result)
		}
		if v := e.verifyTrail(t, e.admin); !v.Intact {
			t.Errorf("audit chain broken: %+v", v.FirstBroken)
		}
	})
}

// TestDecisionSweepAuditsEveryChange: every change the sweep writes to a decision (here: a condition
// becoming met, which bumps the version) is in the audit trail, as every other state change is.
func TestDecisionSweepAuditsEveryChange(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "Met Condition KK", 0)
		item := e.addItem(t, f.manual(t, "Weak backups", "medium"), "Encrypt backups", "")
		d := e.requestDecision(t, e.key(t, auth.RoleProcurement, ""), f.eng)
		e.approveDecision(t, e.key(t, auth.RoleRiskOwner, ""), d.ID, map[string]any{"conditions": []map[string]any{
			{"kind": "remediation", "remediation_id": item.ID, "description": "Encrypt backups", "due_date": "2025-05-01"}}})
		e.patchItem(t, item.ID, map[string]any{"status": "done"})
		e.verify(t, item.ID, true)
		e.runSweep(t, "replica-1")
		got, etag := e.getDecision(t, d.ID)
		if got.Conditions[0].MetAt == nil || etag != `"3"` {
			t.Fatalf("the sweep did not record the met condition: ETag %s, %+v", etag, got.Conditions)
		}
		if evs := e.eventsOf(t, "decision", d.ID); len(evs) != 3 {
			t.Errorf("decision at version 3 has %d audit events (%s); the sweep's change (condition met, version 2 → 3) left none",
				len(evs), actions(evs))
		}
	})
}

func actions(evs []api.AuditEventResponse) string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return strings.Join(out, "; ")
}

// TestDecisionSweepTwoWorkers: approvals that all lapse are swept by two replicas at once, first each
// through the lease and then straight through the service (no lease: the row lock alone); every
// decision turns to needs_review once, with one version bump and one system audit event.
func TestDecisionSweepTwoWorkers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		const n = 6
		proc := e.person(t, auth.RoleProcurement, "Procurement Pia")
		ro := e.person(t, auth.RoleRiskOwner, "Risk Owner Rie")
		var engs []string
		for i := range n {
			v := e.newVendor(t, fmt.Sprintf("Swept %d KK", i))
			engs = append(engs, e.createEngagement(t, engagementBody(v)).ID)
		}
		approveAll := func() map[string]int {
			versions := map[string]int{}
			for _, eng := range engs {
				d := e.requestDecision(t, proc.secret, eng)
				got := e.approveDecision(t, ro.secret, d.ID, nil)
				if got.Status != "approved" || got.ValidUntil == nil {
					t.Fatalf("approve %+v", got)
				}
				versions[d.ID] = got.Version
			}
			return versions
		}
		check := func(t *testing.T, versions map[string]int) {
			t.Helper()
			for id, v := range versions {
				got, _ := e.getDecision(t, id)
				if got.Status != "needs_review" || got.Version != v+1 || len(got.NeedsReviewWhy) != 1 ||
					!strings.Contains(got.NeedsReviewWhy[0], "review date") {
					t.Errorf("decision %s: %s v%d (approved at v%d), reasons %q; want needs_review at v%d", id, got.Status, got.Version,
						v, got.NeedsReviewWhy, v+1)
				}
				system := 0
				for _, ev := range e.eventsOf(t, "decision", id) {
					if ev.ActorRole == "system" {
						system++
						if ev.Action != "decision.needs_review" || ev.ActorKeyID != "system" {
							t.Errorf("decision %s: system event %s by %s", id, ev.Action, ev.ActorKeyID)
						}
					}
				}
				if system != 1 {
					t.Errorf("decision %s has %d system audit events, want 1", id, system)
				}
			}
		}
		// race runs fn on each worker at the same moment and returns what each reported.
		race := func(workers int, fn func(i int) (int, error)) []int {
			var wg sync.WaitGroup
			gate := make(chan struct{})
			out, errs := make([]int, workers), make([]error, workers)
			for i := range workers {
				wg.Go(func() {
					<-gate
					out[i], errs[i] = fn(i)
				})
			}
			close(gate)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("worker %d: %v", i, err)
				}
			}
			return out
		}

		t.Run("through the lease", func(t *testing.T) {
			versions := approveAll()
			e.setClock(t, "2026-04-02") // the day after valid_until (today + 12 months on tier 2)
			runners := []*sweep.Runner{
				e.replica().Sweeper(e.db, "replica-a", e.clock.Now, testdb.Logger()),
				e.replica().Sweeper(e.db, "replica-b", e.clock.Now, testdb.Logger()),
			}
			ran := make([]bool, 2)
			changed := race(2, func(i int) (int, error) {
				res, err := runners[i].RunOnce(t.Context())
				ran[i] = res.Ran
				return res.Changed["decisions"], err
			})
			if !ran[0] && !ran[1] {
				t.Fatal("neither replica got the lease")
			}
			if changed[0]+changed[1] != n {
				t.Errorf("the replicas changed %v decisions, want %d in all", changed, n)
			}
			check(t, versions)
			if n := count(t, e, "SELECT COUNT(*) FROM job_leases"); n != 0 {
				t.Errorf("%d leases left after both runs, want none (released)", n)
			}
		})

		t.Run("straight through the service", func(t *testing.T) {
			versions := approveAll()
			e.setClock(t, "2027-04-03")
			replicas := []wiring.Services{e.replica(), e.replica(), e.replica(), e.replica()}
			changed := race(len(replicas), func(i int) (int, error) { return replicas[i].Decisions.Sweep(systemCtx(t)) })
			sum := 0
			for _, c := range changed {
				sum += c
			}
			if sum != n {
				t.Errorf("the workers changed %v decisions, want %d in all", changed, n)
			}
			check(t, versions)
		})

		if v := e.verifyTrail(t, e.admin); !v.Intact {
			t.Errorf("audit chain broken: %+v", v.FirstBroken)
		}
	})
}

// count runs a COUNT query on the env's database.
func count(t *testing.T, e *env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// clauseApproval requests a decision for the engagement and has a risk owner approve it with one
// contract_clause condition on breach notification, due on due.
func (e *env) clauseApproval(t *testing.T, engagementID, due string) api.DecisionResponse {
	t.Helper()
	d := e.requestDecision(t, e.key(t, auth.RoleProcurement, ""), engagementID)
	got := e.approveDecision(t, e.key(t, auth.RoleRiskOwner, ""), d.ID, map[string]any{"conditions": []map[string]any{
		{"kind": "contract_clause", "clause_type": "breach_notification", "description": "Breach notification within 48h", "due_date": due}}})
	if got.Status != "approved" || len(got.Conditions) != 1 || got.Conditions[0].ClauseType != "breach_notification" {
		t.Fatalf("approved %+v", got)
	}
	return got
}

// TestDecisionContractClauseCondition: a contract_clause condition is met when the engagement's contract
// has the clause without a gap, and lapses when its contract still lacks it after the due date.
func TestDecisionContractClauseCondition(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		lacking := newDueFixture(t, e, "Lacking Clause KK", 0)
		e.createContract(t, lacking.eng, contractBody("clauses", []map[string]any{{"type": "confidentiality"}}))
		having := newDueFixture(t, e, "Having Clause KK", 0)
		e.createContract(t, having.eng, contractBody("clauses", []map[string]any{{"type": "confidentiality"},
			{"type": "breach_notification", "hours": 24}}))
		dl := e.clauseApproval(t, lacking.eng, "2025-04-11")
		dh := e.clauseApproval(t, having.eng, "2025-04-11")

		e.setClock(t, "2025-04-11")
		e.runSweep(t, "replica-1")
		if got, _ := e.getDecision(t, dl.ID); got.Status != "approved" || got.Conditions[0].MetAt != nil {
			t.Errorf("lacking the clause on the due date: %s, met_at %v", got.Status, got.Conditions[0].MetAt)
		}
		if got, _ := e.getDecision(t, dh.ID); got.Status != "approved" || got.Conditions[0].MetAt == nil {
			t.Errorf("having the clause: %s, met_at %v; want approved and met", got.Status, got.Conditions[0].MetAt)
		}
		e.setClock(t, "2025-04-12")
		if res := e.runSweep(t, "replica-1"); res.Changed["decisions"] != 1 {
			t.Errorf("sweep after the due date changed %v, want one decision", res.Changed)
		}
		got, _ := e.getDecision(t, dl.ID)
		if got.Status != "needs_review" || len(got.NeedsReviewWhy) != 1 || !strings.Contains(got.NeedsReviewWhy[0], "Breach notification within 48h") {
			t.Errorf("lacking the clause after the due date: %s, %q", got.Status, got.NeedsReviewWhy)
		}
		if got, _ := e.getDecision(t, dh.ID); got.Status != "approved" {
			t.Errorf("having the clause after the due date: %s", got.Status)
		}
	})
}

// TestDecisionContractClauseConditionWithoutContract: an engagement with no contract at all does not
// have the clause a condition asks for; the condition must not count as met (it would hold forever).
func TestDecisionContractClauseConditionWithoutContract(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "No Contract KK", 0)
		d := e.clauseApproval(t, f.eng, "2025-04-11")
		e.setClock(t, "2025-04-12")
		e.runSweep(t, "replica-1")
		got, _ := e.getDecision(t, d.ID)
		if got.Conditions[0].MetAt != nil || got.Status != "needs_review" {
			t.Errorf("a breach-notification condition on an engagement without any contract, a day after its due date: "+
				"status %s, met_at %v; want needs_review and not met", got.Status, got.Conditions[0].MetAt)
		}
	})
}

// TestDecisionLapsesWhenFactsChange: over HTTP, an approval turns to needs_review when a certification
// valid at the request expires, and when a newer completed assessment raises the residual level.
func TestDecisionLapsesWhenFactsChange(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		f.round(t, "yes", "full", "yes") // a clean first assessment
		e.seedCertification(t, f.vendorID, "2024-07-01", "2025-04-30")
		proc, ro := e.key(t, auth.RoleProcurement, ""), e.key(t, auth.RoleRiskOwner, "")
		d := e.requestDecision(t, proc, f.eng)
		if len(d.Inputs.ValidCerts) != 1 || d.Inputs.Residual == nil || d.Inputs.AssessmentID == "" {
			t.Fatalf("snapshot %+v", d.Inputs)
		}
		approved := e.approveDecision(t, ro, d.ID, nil)
		if approved.ApprovedLevel != d.Inputs.Residual.Level || approved.ValidUntil == nil || *approved.ValidUntil != "2026-04-01" {
			t.Fatalf("approved at level %q until %v; want the snapshot's %q until the next review 2026-04-01", approved.ApprovedLevel,
				approved.ValidUntil, d.Inputs.Residual.Level)
		}

		t.Run("a certification expires", func(t *testing.T) {
			e.setClock(t, "2025-04-30") // its last valid day
			if res := e.runSweep(t, "replica-1"); res.Changed["decisions"] != 0 {
				t.Fatalf("sweep on the certification's last day changed %v", res.Changed)
			}
			e.setClock(t, "2025-05-01")
			if res := e.runSweep(t, "replica-1"); res.Changed["decisions"] != 1 {
				t.Fatalf("sweep after the certification expired changed %v", res.Changed)
			}
			got, _ := e.getDecision(t, d.ID)
			if got.Status != "needs_review" || len(got.NeedsReviewWhy) != 1 || !strings.Contains(got.NeedsReviewWhy[0], "expired (valid until 2025-04-30)") {
				t.Errorf("after the certification expired: %s, %q", got.Status, got.NeedsReviewWhy)
			}
		})

		t.Run("a newer assessment raises the residual level", func(t *testing.T) {
			d2 := e.requestDecision(t, proc, f.eng) // the expired certification is in the new snapshot already
			approved := e.approveDecision(t, ro, d2.ID, nil)
			e.runSweep(t, "replica-1")
			if got, _ := e.getDecision(t, d2.ID); got.Status != "approved" || got.Version != approved.Version {
				t.Fatalf("a fresh approval did not hold: %s v%d", got.Status, got.Version)
			}
			f.round(t, "no", "none", "no") // every control fails
			var rr api.RiskResponse
			must(t, e.do(t, "GET", "/api/v1/engagements/"+f.eng+"/risk", e.admin, nil), http.StatusOK).into(t, &rr)
			if rr.ResidualRisk == nil || rr.ResidualRisk.Level == approved.ApprovedLevel {
				t.Fatalf("the failing round left the residual risk at %+v; the test needs it to rise above %q", rr.ResidualRisk, approved.ApprovedLevel)
			}
			if res := e.runSweep(t, "replica-1"); res.Changed["decisions"] != 1 {
				t.Fatalf("sweep after the new assessment changed %v", res.Changed)
			}
			got, _ := e.getDecision(t, d2.ID)
			if got.Status != "needs_review" || len(got.NeedsReviewWhy) != 1 ||
				!strings.Contains(got.NeedsReviewWhy[0], "from "+approved.ApprovedLevel+" to "+rr.ResidualRisk.Level) {
				t.Errorf("after the new assessment: %s, %q", got.Status, got.NeedsReviewWhy)
			}
		})
	})
}

// TestDecisionSnapshotWithoutContract: an engagement without a contract shows every clause its tier's
// policy requires as a no_contract gap (no contract id), not as "no gaps".
func TestDecisionSnapshotWithoutContract(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newDueFixture(t, e, "No Contract KK", 3)
		var pol struct {
			Tiers []struct {
				Tier            int `json:"tier"`
				RequiredClauses []struct {
					Type string `json:"type"`
				} `json:"required_clauses"`
			} `json:"tiers"`
		}
		must(t, e.do(t, "GET", "/api/v1/risk-policy", e.admin, nil), http.StatusOK).into(t, &pol)
		var required []string
		for _, tp := range pol.Tiers {
			if tp.Tier == 3 {
				for _, c := range tp.RequiredClauses {
					required = append(required, c.Type)
				}
			}
		}
		if len(required) == 0 {
			t.Fatal("the built-in policy requires no clause on tier 3; the test needs one")
		}
		d := e.requestDecision(t, e.admin, f.eng)
		var got []string
		for _, g := range d.Inputs.ContractGaps {
			if g.Problem != "no_contract" || g.ContractID != "" || g.Severity == "" {
				t.Errorf("gap without a contract %+v, want problem no_contract, no contract_id, a severity", g)
			}
			got = append(got, g.ClauseType)
		}
		if !slices.Equal(got, required) {
			t.Errorf("contract_gaps of an engagement without a contract name %q, want every required clause %q", got, required)
		}
	})
}
