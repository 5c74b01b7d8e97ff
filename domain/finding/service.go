package finding

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
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Filter selects findings for a list.
type Filter struct {
	EngagementID string
	VendorID     string
	Status       Status
	Severity     domain.Severity
	OpenOnly     bool
	Overdue      bool      // only unfinished findings with a remediation item past due
	Today        time.Time // set by the service: the day overdue is judged against
	Sort         string    // "created_at" or "priority"
	After        *domain.Cursor
	Limit        int
}

// Stored is a finding with the priority it is sorted by.
type Stored struct {
	Finding
	Priority int
}

// Repository stores findings.
type Repository interface {
	Create(ctx context.Context, f Stored) error
	Get(ctx context.Context, id string) (Stored, error)
	GetForUpdate(ctx context.Context, id string) (Stored, error)
	// Update writes f when the stored version is f.Version-1, else domain.ErrStaleVersion.
	Update(ctx context.Context, f Stored) error
	List(ctx context.Context, f Filter) ([]Stored, error)
	// ByQuestion returns the engagement's finding for a question (domain.ErrNotFound if none).
	ByQuestion(ctx context.Context, engagementID, questionKey string) (Stored, error)
	// OfEngagementForUpdate reads and locks every finding of an engagement, whatever its status.
	OfEngagementForUpdate(ctx context.Context, engagementID string) ([]Stored, error)
}

// Engagements tells a finding's engagement: its vendor and effective tier.
type Engagements func(ctx context.Context, id string) (vendorID string, tier risk.Tier, err error)

// Service holds the finding use cases.
type Service struct {
	repo        Repository
	engagements Engagements
	tx          domain.TxManager
	now         domain.Clock
	events      event.Recorder
}

// NewService wires the finding use cases; events records what each write changed, in its transaction
// (the remediation use cases record theirs there too).
func NewService(repo Repository, engagements Engagements, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, engagements: engagements, tx: tx, now: now, events: events}
}

// Answer is one scored answer of a completed assessment.
type Answer struct {
	QuestionKey    string
	Title          string
	TitleJA        string // the question's Japanese text ("" when it has none)
	Answer         string
	ScoreBP        int
	Severity       domain.Severity
	ThreatCategory string
	ControlRefs    []string
	EvidenceIDs    []string
	// NotApplicable: the question was hidden by its condition, or answered "not applicable": its finding,
	// if any, is closed as not_applicable and none is raised.
	NotApplicable bool
}

// Outcome is what a completed assessment says about each scored answer.
type Outcome struct {
	AssessmentID string
	EngagementID string
	Answers      []Answer
}

// FromAssessment turns a completed assessment's weak answers (score below Threshold) into findings. A
// finding for the same question on the same engagement continues: it is reopened and updated, not
// duplicated; an answer that now passes closes it (passed), and a question now hidden or not applicable
// closes it too (not_applicable). Runs in the completing transaction.
func (s *Service) FromAssessment(ctx context.Context, o Outcome) error {
	vendorID, tier, err := s.engagements(ctx, o.EngagementID)
	if err != nil {
		return fmt.Errorf("engagement of assessment %s: %w", o.AssessmentID, err)
	}
	now := s.now()
	for _, a := range o.Answers {
		prev, err := s.repo.ByQuestion(ctx, o.EngagementID, a.QuestionKey)
		found := err == nil
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("look up finding for %s: %w", a.QuestionKey, err)
		}
		failed := a.ScoreBP < Threshold && !a.NotApplicable
		switch {
		case !found && !failed:
			continue
		case a.NotApplicable:
			if prev.Status.Closed() {
				continue // closed, or risk-accepted: nothing to close
			}
			f := prev
			f.AssessmentID, f.Status, f.ClosedAt, f.CloseReason = o.AssessmentID, StatusClosed, &now, ClosedNotApplicable
			f.Version++
			f.UpdatedAt = now
			if err := s.repo.Update(ctx, f); err != nil {
				return fmt.Errorf("close finding %s as not applicable: %w", f.ID, err)
			}
			if err := s.record(ctx, eventOf("finding.closed", &prev, f).
				Because("assessment "+o.AssessmentID+" found the question not applicable")); err != nil {
				return err
			}
		case !found:
			f := Stored{Finding: Finding{ID: domain.NewID(), EngagementID: o.EngagementID, VendorID: vendorID,
				AssessmentID: o.AssessmentID, QuestionKey: a.QuestionKey, Title: a.Title, TitleJA: a.TitleJA, Answer: a.Answer, ScoreBP: a.ScoreBP,
				EvidenceIDs: a.EvidenceIDs, ControlRefs: a.ControlRefs, ThreatCategory: a.ThreatCategory,
				QuestionSeverity: a.Severity, Severity: SeverityFor(a.Severity, tier), Status: StatusOpen, Source: SourceAssessment, Version: 1,
				CreatedAt: now, UpdatedAt: now}}
			f.Priority = Priority(f.Severity, tier)
			if err := s.repo.Create(ctx, f); err != nil {
				return fmt.Errorf("create finding for %s: %w", a.QuestionKey, err)
			}
			if err := s.record(ctx, eventOf("finding.raised", nil, f).
				Because("assessment "+o.AssessmentID+" scored the answer below the threshold")); err != nil {
				return err
			}
		default:
			f := prev
			f.AssessmentID, f.Answer, f.ScoreBP, f.EvidenceIDs = o.AssessmentID, a.Answer, a.ScoreBP, a.EvidenceIDs
			f.QuestionSeverity = a.Severity
			if f.TitleJA == "" {
				f.TitleJA = a.TitleJA // raised before titles were kept in Japanese
			}
			f.Severity = SeverityFor(a.Severity, tier)
			f.Priority = Priority(f.Severity, tier)
			typ, reason := "finding.reassessed", "assessment "+o.AssessmentID+" answered the question again"
			switch {
			case failed && f.Status == StatusClosed:
				f.Status, f.ClosedAt, f.CloseReason = StatusOpen, nil, "" // the weakness is back
				typ, reason = "finding.reopened", "assessment "+o.AssessmentID+" scored the answer below the threshold again"
			case !failed && !f.Status.Closed():
				f.Status, f.ClosedAt, f.CloseReason = StatusClosed, &now, ClosedPassed // the new answer passes
				typ, reason = "finding.closed", "assessment "+o.AssessmentID+" scored the answer as passing"
			}
			f.Version++
			f.UpdatedAt = now
			if err := s.repo.Update(ctx, f); err != nil {
				return fmt.Errorf("update finding %s: %w", f.ID, err)
			}
			if err := s.record(ctx, eventOf(typ, &prev, f).Because(reason)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Retier rates every finding of an engagement again after its effective tier moved to tier (an
// override, a policy change, a re-evaluated inherent risk): severities of assessment findings and all
// priorities follow the tier. It runs in the transaction that changed the tier, without a caller check
// (the engagement service checked its caller); a finding that changes gets a new version.
func (s *Service) Retier(ctx context.Context, engagementID string, tier risk.Tier) error {
	fs, err := s.repo.OfEngagementForUpdate(ctx, engagementID)
	if err != nil {
		return fmt.Errorf("findings of engagement %s: %w", engagementID, err)
	}
	now := s.now()
	for _, f := range fs {
		before := f
		if !f.Retier(tier) {
			continue
		}
		f.Version++
		f.UpdatedAt = now
		if err := s.repo.Update(ctx, f); err != nil {
			return fmt.Errorf("rate finding %s for tier %d: %w", f.ID, tier, err)
		}
		if err := s.record(ctx, eventOf("finding.retiered", &before, f).
			Because(fmt.Sprintf("the engagement's effective tier is now %d", tier))); err != nil {
			return err
		}
	}
	return nil
}

// Get returns a finding the caller may see (a supplier: its own vendor's only).
func (s *Service) Get(ctx context.Context, id string) (Stored, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Stored{}, err
	}
	f, err := s.load(ctx, id, false)
	if err != nil {
		return Stored{}, err
	}
	if err := p.Scope("finding", id, f.VendorID); err != nil {
		return Stored{}, err
	}
	return f, nil
}

func (s *Service) load(ctx context.Context, id string, forUpdate bool) (Stored, error) {
	return domain.Load(ctx, "finding", id, s.repo.Get, s.repo.GetForUpdate, forUpdate)
}

// List returns one page of findings; a supplier sees its own vendor's only.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Stored], error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return domain.Page[Stored]{}, err
	}
	var v domain.Validator
	if f.Sort == "" {
		f.Sort = "created_at"
	}
	v.Check(f.Sort == "created_at" || f.Sort == "priority", "sort", "must be created_at or priority")
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "is not a finding status")
	v.Check(f.Severity == "" || slices.Contains(domain.Severities, f.Severity), "severity", "must be critical, high, medium or low")
	v.Check(f.EngagementID == "" || domain.ValidID(f.EngagementID), "engagement_id", "must be an engagement id")
	v.Check(f.VendorID == "" || domain.ValidID(f.VendorID), "vendor_id", "must be a vendor id")
	if err := v.Err(); err != nil {
		return domain.Page[Stored]{}, err
	}
	if p.IsSupplier() {
		if f.VendorID != "" && f.VendorID != p.VendorID {
			return domain.Page[Stored]{Items: []Stored{}}, nil
		}
		f.VendorID = p.VendorID
	}
	return domain.ListPage(ctx, "findings", f.Limit, cursor, f.Sort,
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Stored, error) {
			if after != nil && f.Sort == "priority" {
				if _, _, err := PriorityCursor(after.Value); err != nil {
					return nil, domain.ErrBadCursor()
				}
			}
			f.After, f.Limit, f.Today = after, limit, day(s.now())
			return s.repo.List(ctx, f)
		}, func(last Stored) domain.Cursor {
			c := domain.Cursor{Sort: f.Sort, ID: last.ID}
			if f.Sort == "priority" {
				c.Value = PriorityKey(last)
			}
			return c
		})
}

// NewFinding is a finding recorded by hand.
type NewFinding struct {
	EngagementID   string
	Title          string
	Severity       domain.Severity
	ThreatCategory string
	ControlRefs    []string
	InternalNotes  string
}

// Create records a finding by hand (internal roles).
func (s *Service) Create(ctx context.Context, in NewFinding) (Stored, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Stored{}, err
	}
	if p.IsSupplier() {
		return Stored{}, domain.NotFound("engagement", in.EngagementID)
	}
	if !domain.ValidID(in.EngagementID) {
		return Stored{}, domain.Invalid("engagement_id", "must be an engagement id")
	}
	vendorID, tier, err := s.engagements(ctx, in.EngagementID)
	if domain.IsKind(err, domain.KindNotFound) {
		return Stored{}, domain.Invalid("engagement_id", "no such engagement")
	}
	if err != nil {
		return Stored{}, err
	}
	now := s.now()
	f := Stored{Finding: Finding{ID: domain.NewID(), EngagementID: in.EngagementID, VendorID: vendorID, Title: in.Title,
		Severity: in.Severity, ThreatCategory: in.ThreatCategory, ControlRefs: in.ControlRefs, InternalNotes: in.InternalNotes,
		Status: StatusOpen, Source: SourceManual, Version: 1, CreatedAt: now, UpdatedAt: now}}
	if err := f.validate(); err != nil {
		return Stored{}, err
	}
	f.Priority = Priority(f.Severity, tier)
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Create(ctx, f); err != nil {
			return fmt.Errorf("create finding: %w", err)
		}
		return s.record(ctx, eventOf("finding.raised", nil, f))
	})
	if err != nil {
		return Stored{}, err
	}
	return f, nil
}

// Patch changes a finding by hand; nil means unchanged.
type Patch struct {
	Status        *Status
	InternalNotes *string
}

// Update applies a patch (internal roles). Status changes follow the lifecycle (409 otherwise).
func (s *Service) Update(ctx context.Context, id string, p Patch, ifMatch *int) (Stored, error) {
	return s.change(ctx, id, ifMatch, "finding.updated", func(_ context.Context, f *Stored) error {
		if p.Status != nil {
			if !slices.Contains(Statuses, *p.Status) || *p.Status == StatusRiskAccepted {
				return domain.Invalid("status", "must be open, remediation_planned, in_progress, resolved or closed (risks are accepted through risk acceptances)")
			}
			if !CanTransition(f.Status, *p.Status) {
				return domain.Errorf(domain.KindConflict, "the finding is %s and cannot become %s", f.Status, *p.Status)
			}
			f.Status, f.CloseReason = *p.Status, ""
			if f.Status == StatusClosed {
				now := s.now()
				f.ClosedAt = &now
			} else {
				f.ClosedAt = nil
			}
		}
		if p.InternalNotes != nil {
			f.InternalNotes = *p.InternalNotes
		}
		return f.validate()
	}, true)
}

// Respond records the supplier's response to its own vendor's finding.
func (s *Service) Respond(ctx context.Context, id, response string) (Stored, error) {
	response = strings.TrimSpace(response)
	if response == "" || utf8.RuneCountInString(response) > 10000 {
		return Stored{}, domain.Invalid("response", "is required and at most 10000 characters")
	}
	return s.change(ctx, id, nil, "finding.supplier_responded", func(_ context.Context, f *Stored) error {
		if f.Status.Closed() {
			return domain.Errorf(domain.KindConflict, "the finding is %s", f.Status)
		}
		f.SupplierResponse = response
		return nil
	}, false)
}

// change runs one read-modify-write of a finding in a transaction with the row locked, and records it
// as an event of type typ ("" records nothing: the caller records its own).
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typ string, mutate func(ctx context.Context, f *Stored) error,
	internal bool) (Stored, error) {
	return s.changeNamed(ctx, id, ifMatch, func(_, _ Stored) (string, string) { return typ, "" }, mutate, internal)
}

// changeBecause is change for what the system does on its own, for reason.
func (s *Service) changeBecause(ctx context.Context, id string, ifMatch *int, typ, reason string,
	mutate func(ctx context.Context, f *Stored) error, internal bool) (Stored, error) {
	return s.changeNamed(ctx, id, ifMatch, func(_, _ Stored) (string, string) { return typ, reason }, mutate, internal)
}

// named gives the event type and reason ("" for a caller's own change) of a finding's change.
type named func(before, after Stored) (typ, reason string)

// changeNamed is change with the event named after what the change did.
func (s *Service) changeNamed(ctx context.Context, id string, ifMatch *int, name named,
	mutate func(ctx context.Context, f *Stored) error, internal bool) (Stored, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Stored{}, err
	}
	c := domain.Change[Stored]{Resource: "finding", Store: s.repo.Update,
		Lock: func(ctx context.Context, id string) (Stored, error) {
			f, err := s.repo.GetForUpdate(ctx, id)
			if err != nil {
				return Stored{}, err
			}
			if err := p.Scope("finding", id, f.VendorID); err != nil {
				return Stored{}, err
			}
			if internal && p.IsSupplier() {
				return Stored{}, domain.NotFound("finding", id)
			}
			return f, nil
		},
		Version: func(f *Stored) *int { return &f.Version }, Touch: func(f *Stored) { f.UpdatedAt = s.now() },
		Record: func(ctx context.Context, before, after Stored) error {
			typ, reason := name(before, after)
			if typ == "" {
				return nil
			}
			return s.record(ctx, eventOf(typ, &before, after).Because(reason))
		}}
	return c.Apply(ctx, s.tx, id, ifMatch, mutate)
}

// noDue stands for "no pending item" in priority order: after every real date.
var noDue = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// PriorityKey is the value a priority page's cursor carries: the priority and the next due date.
func PriorityKey(f Stored) string {
	due := noDue
	if f.NextDue != nil {
		due = *f.NextDue
	}
	return strconv.Itoa(f.Priority) + "|" + due.Format(time.DateOnly)
}

// PriorityCursor parses a PriorityKey.
func PriorityCursor(v string) (priority int, due time.Time, err error) {
	p, d, ok := strings.Cut(v, "|")
	if !ok {
		return 0, time.Time{}, fmt.Errorf("priority cursor %q has no due date", v)
	}
	if priority, err = strconv.Atoi(p); err != nil {
		return 0, time.Time{}, fmt.Errorf("priority cursor %q: %w", v, err)
	}
	if due, err = time.Parse(time.DateOnly, d); err != nil {
		return 0, time.Time{}, fmt.Errorf("priority cursor %q: %w", v, err)
	}
	return priority, due, nil
}

// NoDue reports whether d is the stand-in for "no pending item".
func NoDue(d time.Time) bool { return !d.Before(noDue) }

// NoDueDate is the stand-in stored for "no pending item".
func NoDueDate() time.Time { return noDue }

// Lookup reads a finding without a caller check, for modules that checked their caller already (risk
// acceptances are internal; the sweep runs as the system).
func (s *Service) Lookup(ctx context.Context, id string) (Stored, error) {
	return s.load(ctx, id, false)
}

// SetRiskAccepted marks an unfinished finding risk_accepted (the acceptance workflow's call).
func (s *Service) SetRiskAccepted(ctx context.Context, id string) error {
	_, err := s.changeBecause(ctx, id, nil, "finding.risk_accepted", "its risk acceptance was approved", func(_ context.Context, f *Stored) error {
		if f.Status.Closed() {
			return domain.Errorf(domain.KindConflict, "the finding is %s", f.Status)
		}
		f.Status = StatusRiskAccepted
		return nil
	}, true)
	return err
}

// EndRiskAcceptance re-opens a risk_accepted finding (acceptance revoked, expired or stale).
func (s *Service) EndRiskAcceptance(ctx context.Context, id string) error {
	_, err := s.changeBecause(ctx, id, nil, "finding.reopened", "its risk acceptance ended", func(_ context.Context, f *Stored) error {
		if f.Status == StatusRiskAccepted {
			f.Status, f.CloseReason = StatusOpen, ""
		}
		return nil
	}, true)
	return err
}

func subject(f Stored) event.Subject {
	return event.Subject{Type: "finding", ID: f.ID, VendorID: f.VendorID}
}

// eventOf describes a finding's change from before (nil: raised) to after. The payload is the finding
// with its priority (which Stored keeps beside it). It includes the internal notes and the answer's
// score: the audit trail is internal; a consumer scoped to a supplier must leave them out.
func eventOf(typ string, before *Stored, after Stored) event.Event {
	var b any
	if before != nil {
		b = before.Finding
	}
	e := event.New(typ, subject(after), b, after.Finding)
	e.Data["priority"] = after.Priority
	if before != nil && before.Priority != after.Priority {
		e.Changes = append(e.Changes, event.Change{Field: "priority", Before: before.Priority, After: after.Priority})
		slices.SortFunc(e.Changes, func(x, y event.Change) int { return strings.Compare(x.Field, y.Field) })
	}
	return e
}

func (s *Service) record(ctx context.Context, e event.Event) error {
	if err := s.events.Record(ctx, e); err != nil {
		return fmt.Errorf("record %s %s: %w", e.Type, e.Subject.ID, err)
	}
	return nil
}
