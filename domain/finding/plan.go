package finding

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// PlanStatus is the state of a supplier's remediation plan for a finding.
type PlanStatus string

const (
	PlanNone     PlanStatus = ""         // the supplier proposed nothing
	PlanProposed PlanStatus = "proposed" // items wait for procurement
	PlanAccepted PlanStatus = "accepted" // the last proposal's items are tracked
	PlanRejected PlanStatus = "rejected" // the last proposal went back to the supplier, with a reason
)

// Plan is the supplier's remediation plan of a finding: the items it proposed (remediations in status
// proposed) wait until procurement accepts them (they become open and count toward due dates, overdue
// notices and the finding's status) or rejects them with a reason (they become rejected and the
// supplier may propose again). Items procurement plans itself need no acceptance.
type Plan struct {
	Status    PlanStatus
	Reason    string     // why the last proposal was rejected ("" otherwise)
	DecidedBy string     // the credential that accepted or rejected the last proposal
	DecidedAt *time.Time // when
}

// PlanDecision is what a plan event carries: the finding, the plan after the decision and the items it
// concerned.
type PlanDecision struct {
	FindingID string
	VendorID  string
	Status    PlanStatus
	Reason    string
	ItemIDs   []string
	DecidedBy string
	DecidedAt *time.Time
}

// maxPlanReason bounds a rejection's reason (the column holds 2000 characters).
const maxPlanReason = 2000

// AcceptPlan accepts the supplier's proposed items of a finding: they become open, count toward its due
// date and overdue notices, and an open finding becomes remediation_planned. ifMatch is the finding's
// version (its ETag).
func (r *Remediations) AcceptPlan(ctx context.Context, findingID string, ifMatch *int) (Stored, error) {
	return r.decidePlan(ctx, findingID, ifMatch, PlanAccepted, "")
}

// RejectPlan sends the supplier's proposed items of a finding back with a reason: they become rejected
// (kept for the record, never tracked) and the supplier may propose again.
func (r *Remediations) RejectPlan(ctx context.Context, findingID, reason string, ifMatch *int) (Stored, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxPlanReason {
		return Stored{}, domain.Invalidf("reason", "is required and at most %d characters", maxPlanReason)
	}
	return r.decidePlan(ctx, findingID, ifMatch, PlanRejected, reason)
}

// decidePlan moves the proposed items and the finding's plan to the decision, in one transaction with
// the finding locked. A supplier sees no other vendor's finding (404) and may not judge its own plan
// (403): the route lets suppliers through so that the answer can tell the two apart.
func (r *Remediations) decidePlan(ctx context.Context, findingID string, ifMatch *int, to PlanStatus, reason string) (Stored, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Stored{}, err
	}
	if _, err := r.findings.Get(ctx, findingID); err != nil {
		return Stored{}, err
	}
	if !p.Can(auth.PermFindingsWrite) {
		return Stored{}, domain.Errorf(domain.KindForbidden, "the %s role may not accept or reject a remediation plan", p.Role)
	}
	var out Stored
	err = r.findings.tx.InTx(ctx, func(ctx context.Context) error {
		var decision PlanDecision
		f, err := r.findings.changeNamed(ctx, findingID, ifMatch, func(_, _ Stored) (string, string) { return "", "" },
			func(ctx context.Context, f *Stored) error {
				if f.Plan.Status != PlanProposed {
					return domain.Errorf(domain.KindConflict, "the finding has no proposed remediation plan (plan status %q)", f.Plan.Status)
				}
				ids, err := r.settleProposed(ctx, f.ID, to)
				if err != nil {
					return err
				}
				now := r.findings.now()
				f.Plan = Plan{Status: to, Reason: reason, DecidedBy: p.KeyID, DecidedAt: &now}
				decision = PlanDecision{FindingID: f.ID, VendorID: f.VendorID, Status: to, Reason: reason, ItemIDs: ids,
					DecidedBy: p.KeyID, DecidedAt: &now}
				return nil
			}, false)
		if err != nil {
			return err
		}
		if err := r.findings.record(ctx, planEvent("remediation_plan."+string(to), decision).Because(reason)); err != nil {
			return err
		}
		if to == PlanAccepted {
			if err := r.track(ctx, findingID, "procurement accepted the supplier's remediation plan"); err != nil {
				return err
			}
		}
		out, err = r.findings.load(ctx, f.ID, false)
		return err
	})
	return out, err
}

// settleProposed moves a finding's proposed items to open (accepted) or rejected, returning their ids.
func (r *Remediations) settleProposed(ctx context.Context, findingID string, to PlanStatus) ([]string, error) {
	items, err := r.repo.Remediations(ctx, findingID)
	if err != nil {
		return nil, fmt.Errorf("load remediations of %s: %w", findingID, err)
	}
	next := RemOpen
	if to == PlanRejected {
		next = RemRejected
	}
	ids := []string{}
	for _, it := range items {
		if it.Status != RemProposed {
			continue
		}
		it.Status, it.Version, it.UpdatedAt = next, it.Version+1, r.findings.now()
		if err := r.repo.UpdateRemediation(ctx, it); err != nil {
			return nil, fmt.Errorf("update remediation %s: %w", it.ID, err)
		}
		ids = append(ids, it.ID)
	}
	return ids, nil
}

// track lets the finding follow its tracked items (due date, status) and marks an open finding
// remediation_planned, for reason.
func (r *Remediations) track(ctx context.Context, findingID, reason string) error {
	if err := r.follow(ctx, findingID); err != nil {
		return err
	}
	f, err := r.findings.load(ctx, findingID, true)
	if err != nil {
		return err
	}
	if f.Status != StatusOpen {
		return nil
	}
	before := f
	f.Status, f.Version, f.UpdatedAt = StatusRemediationPlanned, f.Version+1, r.findings.now()
	if err := r.findings.repo.Update(ctx, f); err != nil {
		return fmt.Errorf("update finding %s: %w", f.ID, err)
	}
	return r.findings.record(ctx, eventOf("finding.remediation_planned", &before, f).Because(reason))
}

// propose records the supplier's new items as a proposed plan of the finding.
func (r *Remediations) propose(ctx context.Context, findingID string, items []Remediation) error {
	f, err := r.findings.load(ctx, findingID, true)
	if err != nil {
		return err
	}
	f.Plan = Plan{Status: PlanProposed}
	f.Version, f.UpdatedAt = f.Version+1, r.findings.now()
	if err := r.findings.repo.Update(ctx, f); err != nil {
		return fmt.Errorf("update finding %s: %w", f.ID, err)
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return r.findings.record(ctx, planEvent("remediation_plan.proposed",
		PlanDecision{FindingID: f.ID, VendorID: f.VendorID, Status: PlanProposed, ItemIDs: ids}))
}

func planEvent(typ string, d PlanDecision) event.Event {
	return event.New(typ, event.Subject{Type: "finding", ID: d.FindingID, VendorID: d.VendorID}, nil, d)
}
