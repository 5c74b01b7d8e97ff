package decision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/sweep"
)

// Filter selects decisions for a list.
type Filter struct {
	EngagementID string
	Status       Status
	After        *domain.Cursor
	Limit        int
}

// Repository stores decisions.
type Repository interface {
	Create(ctx context.Context, d Decision) error
	Get(ctx context.Context, id string) (Decision, error)
	GetForUpdate(ctx context.Context, id string) (Decision, error)
	// Update writes d when the stored version is d.Version-1, else domain.ErrStaleVersion.
	Update(ctx context.Context, d Decision) error
	List(ctx context.Context, f Filter) ([]Decision, error)
	// Pending returns the engagement's pending decision (domain.ErrNotFound if none).
	Pending(ctx context.Context, engagementID string) (Decision, error)
	// LockEngagement serialises requests for one engagement.
	LockEngagement(ctx context.Context, engagementID string) error
}

// Deps are what decisions read from other modules.
type Deps struct {
	// Gather reads the current facts of an engagement (domain.ErrNotFound when it does not exist).
	Gather func(ctx context.Context, engagementID string) (Inputs, error)
	// RemediationOf returns the engagement a remediation item belongs to and whether it is verified.
	RemediationOf func(ctx context.Context, remediationID string) (engagementID string, verified bool, err error)
}

// Service holds the decision use cases.
type Service struct {
	repo   Repository
	deps   Deps
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
}

// NewService wires the decision use cases; events records each change.
func NewService(repo Repository, deps Deps, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, deps: deps, tx: tx, now: now, events: events}
}

func subject(d Decision) event.Subject {
	return event.Subject{Type: "decision", ID: d.ID, VendorID: d.VendorID}
}

func person(p auth.Principal) Person { return Person{KeyID: p.KeyID, Name: p.Name} }

// Request opens a decision for an engagement and snapshots its inputs (procurement).
func (s *Service) Request(ctx context.Context, engagementID, purpose string) (Decision, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Decision{}, err
	}
	purpose = strings.TrimSpace(purpose)
	var v domain.Validator
	v.Check(domain.ValidID(engagementID), "engagement_id", "must be an engagement id")
	v.Check(utf8.RuneCountInString(purpose) <= 4000, "purpose", "must be at most 4000 characters")
	if err := v.Err(); err != nil {
		return Decision{}, err
	}
	var d Decision
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.LockEngagement(ctx, engagementID); err != nil {
			return err
		}
		in, err := s.deps.Gather(ctx, engagementID)
		if domain.IsKind(err, domain.KindNotFound) || errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("engagement_id", "no such engagement")
		}
		if err != nil {
			return fmt.Errorf("gather inputs of engagement %s: %w", engagementID, err)
		}
		if prev, err := s.repo.Pending(ctx, engagementID); err == nil {
			return domain.Errorf(domain.KindConflict, "decision %s for this engagement is still pending", prev.ID)
		} else if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		now := s.now()
		d = Decision{ID: domain.NewID(), EngagementID: engagementID, VendorID: in.VendorID, Purpose: purpose,
			Status: StatusPending, RequestedBy: person(p), RequiredApprovals: max(in.RequiredApprovals, 1), Snapshot: in,
			Approvals: []Approval{}, Conditions: []Condition{}, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.repo.Create(ctx, d); err != nil {
			return err
		}
		return event.Record(ctx, s.events, "decision.requested", subject(d), nil, d)
	})
	if err != nil {
		return Decision{}, fmt.Errorf("request decision: %w", err)
	}
	return d, nil
}

// Get returns one decision.
func (s *Service) Get(ctx context.Context, id string) (Decision, error) {
	if _, err := auth.Caller(ctx); err != nil {
		return Decision{}, err
	}
	return s.load(ctx, id, false)
}

func (s *Service) load(ctx context.Context, id string, forUpdate bool) (Decision, error) {
	return domain.Load(ctx, "decision", id, s.repo.Get, s.repo.GetForUpdate, forUpdate)
}

// List returns one page of decisions, oldest first.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Decision], error) {
	var v domain.Validator
	v.Check(f.EngagementID == "" || domain.ValidID(f.EngagementID), "engagement_id", "must be an engagement id")
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "must be pending, approved, rejected or needs_review")
	if err := v.Err(); err != nil {
		return domain.Page[Decision]{}, err
	}
	return domain.ListPage(ctx, "decisions", f.Limit, cursor, "id",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Decision, error) {
			f.After, f.Limit = after, limit
			return s.repo.List(ctx, f)
		}, func(d Decision) domain.Cursor { return domain.Cursor{Sort: "id", ID: d.ID} })
}

// NewCondition is a condition an approver attaches.
type NewCondition struct {
	Kind          ConditionKind
	RemediationID string
	ClauseType    contract.ClauseType
	Description   string
	DueDate       time.Time
}

// Approve adds the caller's approval (a risk owner other than the requester; one credential counts
// once). With enough distinct approvals for the tier the decision is approved, with conditions if any
// approver attached some, valid until the engagement's next review date.
func (s *Service) Approve(ctx context.Context, id, comment string, conds []NewCondition, ifMatch *int) (Decision, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Decision{}, err
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 4000 {
		return Decision{}, domain.Invalid("comment", "must be at most 4000 characters")
	}
	return s.change(ctx, id, ifMatch, approvalEvent, func(ctx context.Context, d *Decision) error {
		if err := s.fourEyes(*d, p); err != nil {
			return err
		}
		if d.ApprovedBy(p.KeyID) {
			return domain.Errorf(domain.KindConflict, "you approved this decision already; one person counts once (%d of %d approvals)",
				len(d.Approvals), d.RequiredApprovals)
		}
		now := s.now()
		added, err := s.conditions(ctx, *d, conds, person(p), now)
		if err != nil {
			return err
		}
		d.Conditions = append(d.Conditions, added...)
		d.Approvals = append(d.Approvals, Approval{By: person(p), At: now, Comment: comment})
		if len(d.Approvals) < d.RequiredApprovals {
			return nil
		}
		cur, err := s.deps.Gather(ctx, d.EngagementID)
		if err != nil {
			return fmt.Errorf("gather inputs of engagement %s: %w", d.EngagementID, err)
		}
		d.Status, d.ApprovedAt, d.ApprovedLevel = StatusApproved, &now, ""
		if d.Snapshot.Residual != nil {
			d.ApprovedLevel = d.Snapshot.Residual.Level
		}
		d.ValidUntil = cur.NextReviewOn
		if d.ValidUntil == nil { // never assessed: one cadence from the approval
			until := day(now).AddDate(0, max(cur.ReassessmentMonths, 1), 0)
			d.ValidUntil = &until
		}
		return nil
	})
}

// Reject refuses the decision (a risk owner other than the requester; a reason is required).
func (s *Service) Reject(ctx context.Context, id, reason string, ifMatch *int) (Decision, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Decision{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 4000 {
		return Decision{}, domain.Invalid("reason", "is required and at most 4000 characters")
	}
	return s.change(ctx, id, ifMatch, func(Decision) string { return "decision.rejected" }, func(_ context.Context, d *Decision) error {
		if err := s.fourEyes(*d, p); err != nil {
			return err
		}
		d.Status = StatusRejected
		d.Rejection = &Rejection{By: person(p), At: s.now(), Reason: reason}
		return nil
	})
}

func (s *Service) fourEyes(d Decision, p auth.Principal) error {
	if d.RequestedBy.KeyID == p.KeyID {
		return domain.Errorf(domain.KindForbidden, "four eyes: the requester of a decision cannot approve or reject it")
	}
	if d.Status != StatusPending {
		return domain.Errorf(domain.KindConflict, "the decision is %s; only a pending decision can be approved or rejected", d.Status)
	}
	return nil
}

func (s *Service) conditions(ctx context.Context, d Decision, in []NewCondition, by Person, now time.Time) ([]Condition, error) {
	var v domain.Validator
	out := make([]Condition, 0, len(in))
	v.Check(len(in)+len(d.Conditions) <= 50, "conditions", "must have at most 50 entries")
	for i, c := range in {
		f := "conditions[" + strconv.Itoa(i) + "]."
		c.Description = strings.TrimSpace(c.Description)
		v.Check(c.Description != "" && utf8.RuneCountInString(c.Description) <= 1000, f+"description", "is required and at most 1000 characters")
		v.Check(!c.DueDate.IsZero() && !c.DueDate.Before(day(now)), f+"due_date", "is required and must not be in the past")
		switch c.Kind {
		case ConditionRemediation:
			eng, _, err := s.deps.RemediationOf(ctx, c.RemediationID)
			switch {
			case errors.Is(err, domain.ErrNotFound) || domain.IsKind(err, domain.KindNotFound) || !domain.ValidID(c.RemediationID):
				v.Add(f+"remediation_id", "no such remediation item")
			case err != nil:
				return nil, err
			case eng != d.EngagementID:
				v.Add(f+"remediation_id", "belongs to a finding of another engagement")
			}
		case ConditionContractClause:
			v.Check(slices.Contains(contract.ClauseTypes, c.ClauseType), f+"clause_type", "is not a clause type")
		default:
			v.Add(f+"kind", "must be remediation or contract_clause")
		}
		out = append(out, Condition{ID: domain.NewID(), Kind: c.Kind, RemediationID: c.RemediationID, ClauseType: c.ClauseType,
			Description: c.Description, DueDate: day(c.DueDate), SetBy: by})
	}
	return out, v.Err()
}

// approvalEvent names an approval: the one that completes the quorum approves the decision.
func approvalEvent(d Decision) string {
	if d.Status == StatusApproved {
		return "decision.approved"
	}
	return "decision.approval_given"
}

// change runs one read-modify-write of a decision and records it as the event typeOf names.
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typeOf func(Decision) string,
	mutate func(ctx context.Context, d *Decision) error) (Decision, error) {
	c := domain.Change[Decision]{Resource: "decision", Lock: s.repo.GetForUpdate, Store: s.repo.Update,
		Version: func(d *Decision) *int { return &d.Version }, Touch: func(d *Decision) { d.UpdatedAt = s.now() },
		Clone: func(d Decision) Decision {
			d.Approvals, d.Conditions = slices.Clone(d.Approvals), slices.Clone(d.Conditions)
			return d
		},
		Record: func(ctx context.Context, before, after Decision) error {
			return event.Record(ctx, s.events, typeOf(after), subject(after), before, after)
		}}
	return c.Apply(ctx, s.tx, id, ifMatch, mutate)
}

// Met says which of the decision's conditions are met now.
func (s *Service) Met(ctx context.Context, d Decision, cur Inputs) (map[string]bool, error) {
	met := map[string]bool{}
	for _, c := range d.Conditions {
		switch c.Kind {
		case ConditionRemediation:
			_, verified, err := s.deps.RemediationOf(ctx, c.RemediationID)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
			met[c.ID] = verified
		case ConditionContractClause: // a contract has the clause, and none falls short of the policy on it
			met[c.ID] = slices.Contains(cur.ContractClauses, c.ClauseType) &&
				!slices.ContainsFunc(cur.ContractGaps, func(g ContractGap) bool { return g.ClauseType == c.ClauseType })
		}
	}
	return met, nil
}

// Sweep re-checks every approved decision and turns those that no longer hold to needs_review, with
// the reasons, each in its own transaction under the row lock (a decision changes once, however many
// workers sweep at the same time). It also records when conditions become met. Returns how many
// decisions turned to needs_review.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n, err := sweep.Each(ctx, func(ctx context.Context, after *domain.Cursor, limit int) ([]Decision, error) {
		return s.repo.List(ctx, Filter{Status: StatusApproved, After: after, Limit: limit})
	}, func(d Decision) string { return d.ID }, s.sweepOne)
	if err != nil {
		return n, fmt.Errorf("sweep decisions: %w", err)
	}
	return n, nil
}

func (s *Service) sweepOne(ctx context.Context, id string) (bool, error) {
	lapsed := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		d, err := s.load(ctx, id, true)
		if err != nil || d.Status != StatusApproved { // another worker got here first
			return err
		}
		cur, err := s.deps.Gather(ctx, d.EngagementID)
		if err != nil {
			return err
		}
		met, err := s.Met(ctx, d, cur)
		if err != nil {
			return err
		}
		now := s.now()
		var newlyMet []string
		for i, c := range d.Conditions {
			if met[c.ID] && c.MetAt == nil {
				d.Conditions[i].MetAt = &now
				newlyMet = append(newlyMet, c.ID)
			}
		}
		before := d
		before.Conditions = slices.Clone(d.Conditions)
		for i, c := range before.Conditions {
			if slices.Contains(newlyMet, c.ID) {
				before.Conditions[i].MetAt = nil
			}
		}
		touched := len(newlyMet) > 0
		reasons := Lapses(d, now, cur, met)
		if len(reasons) > 0 {
			d.Status, d.Lapse, lapsed, touched = StatusNeedsReview, &Lapse{At: now, Reasons: reasons}, true, true
		}
		if !touched {
			return nil
		}
		d.Version++
		d.UpdatedAt = now
		if err := s.repo.Update(ctx, d); err != nil {
			return err
		}
		typ, why := "decision.conditions_met", "conditions were met"
		if lapsed {
			typ, why = "decision.needs_review", strings.Join(reasons, "; ")
		}
		return s.events.Record(ctx, event.New(typ, subject(d), before, d).Because(why))
	})
	return lapsed, err
}
