package finding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// RemediationStatus is a remediation item's state.
type RemediationStatus string

const (
	RemOpen       RemediationStatus = "open"
	RemInProgress RemediationStatus = "in_progress"
	RemDone       RemediationStatus = "done" // claimed; awaits verification
	RemVerified   RemediationStatus = "verified"
	// RemProposed: a supplier's item waiting for procurement to accept its plan; RemRejected: an item
	// of a rejected plan. Neither is tracked: no due date, no overdue notice, no say in the finding's
	// status.
	RemProposed RemediationStatus = "proposed"
	RemRejected RemediationStatus = "rejected"
)

var remTransitions = map[RemediationStatus][]RemediationStatus{
	RemOpen:       {RemInProgress, RemDone},
	RemInProgress: {RemDone},
	RemDone:       {RemInProgress}, // taken back before verification
	RemVerified:   {},
	RemProposed:   {},
	RemRejected:   {},
}

// Remediation is one corrective or preventive action for a finding.
type Remediation struct {
	ID          string
	FindingID   string
	VendorID    string
	Type        string // corrective or preventive
	Owner       string // supplier or internal
	Description string
	DueDate     time.Time
	Status      RemediationStatus
	Comment     string // the last verification comment
	VerifiedBy  string
	VerifiedAt  *time.Time
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Overdue reports whether the item is past due and not yet done.
func (r Remediation) Overdue(now time.Time) bool {
	return r.pending() && r.DueDate.Before(day(now))
}

func (r Remediation) pending() bool { return r.Status == RemOpen || r.Status == RemInProgress }

// tracked reports whether the item belongs to the finding's accepted work (not a proposal waiting
// for procurement, nor a rejected one).
func (r Remediation) tracked() bool { return r.Status != RemProposed && r.Status != RemRejected }

// nextDue is the earliest due date of the pending items, nil when none is pending.
func nextDue(items []Remediation) *time.Time {
	var next *time.Time
	for _, it := range items {
		if it.pending() && (next == nil || it.DueDate.Before(*next)) {
			d := it.DueDate
			next = &d
		}
	}
	return next
}

// RemediationRepository stores remediation items.
type RemediationRepository interface {
	CreateRemediation(ctx context.Context, r Remediation) error
	GetRemediation(ctx context.Context, id string) (Remediation, error)
	UpdateRemediation(ctx context.Context, r Remediation) error
	Remediations(ctx context.Context, findingID string) ([]Remediation, error)
	// RemediationsOf lists the items of several findings, keyed by finding id.
	RemediationsOf(ctx context.Context, findingIDs []string) (map[string][]Remediation, error)
}

// DueDays gives the policy's remediation days for a severity on a tier.
type DueDays func(ctx context.Context, tier risk.Tier, sev domain.Severity) (int, error)

// Remediations holds the remediation use cases.
type Remediations struct {
	findings *Service
	repo     RemediationRepository
	dueDays  DueDays
}

// NewRemediations wires the remediation use cases on the finding service (whose transactions and
// event recorder they share).
func NewRemediations(findings *Service, repo RemediationRepository, dueDays DueDays) *Remediations {
	return &Remediations{findings: findings, repo: repo, dueDays: dueDays}
}

// NewRemediation is the input of Add.
type NewRemediation struct {
	Type        string
	Owner       string
	Description string
	DueDate     *time.Time // nil: today + the policy's days for the finding's severity and tier
}

func (in *NewRemediation) validate(field string) error {
	var v domain.Validator
	in.Description = strings.TrimSpace(in.Description)
	v.Check(in.Type == "corrective" || in.Type == "preventive", field+"type", "must be corrective or preventive")
	v.Check(in.Owner == "supplier" || in.Owner == "internal", field+"owner", "must be supplier or internal")
	v.Check(in.Description != "" && utf8.RuneCountInString(in.Description) <= 4000, field+"description", "is required and at most 4000 characters")
	return v.Err()
}

// Add plans a remediation item; an open finding becomes remediation_planned.
func (r *Remediations) Add(ctx context.Context, findingID string, in NewRemediation) (Remediation, error) {
	if err := in.validate(""); err != nil {
		return Remediation{}, err
	}
	var out Remediation
	_, err := r.findings.changeNamed(ctx, findingID, nil, func(_, _ Stored) (string, string) {
		return "finding.remediation_planned", "remediation item " + out.ID + " was planned"
	}, func(ctx context.Context, f *Stored) error {
		if f.Status.Closed() {
			return domain.Errorf(domain.KindConflict, "the finding is %s", f.Status)
		}
		rem, err := r.add(ctx, *f, in, RemOpen)
		if err != nil {
			return err
		}
		out = rem
		if f.Status == StatusOpen {
			f.Status = StatusRemediationPlanned
		}
		if f.NextDue == nil || rem.DueDate.Before(*f.NextDue) {
			f.NextDue = &rem.DueDate
		}
		return nil
	}, true)
	return out, err
}

func (r *Remediations) add(ctx context.Context, f Stored, in NewRemediation, status RemediationStatus) (Remediation, error) {
	now := r.findings.now()
	due := in.DueDate
	if due == nil {
		_, tier, err := r.findings.engagements(ctx, f.EngagementID)
		if err != nil {
			return Remediation{}, err
		}
		days, err := r.dueDays(ctx, tier, f.Severity)
		if err != nil {
			return Remediation{}, err
		}
		d := now.AddDate(0, 0, days)
		due = &d
	}
	y, m, d := due.UTC().Date()
	rem := Remediation{ID: domain.NewID(), FindingID: f.ID, VendorID: f.VendorID, Type: in.Type, Owner: in.Owner,
		Description: in.Description, DueDate: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Status: status, Version: 1,
		CreatedAt: now, UpdatedAt: now}
	if err := r.repo.CreateRemediation(ctx, rem); err != nil {
		return Remediation{}, fmt.Errorf("create remediation: %w", err)
	}
	if err := r.findings.record(ctx, event.New("remediation.created", remSubject(rem), nil, rem)); err != nil {
		return Remediation{}, err
	}
	return rem, nil
}

func remSubject(rem Remediation) event.Subject {
	return event.Subject{Type: "remediation", ID: rem.ID, VendorID: rem.VendorID}
}

// followType names what a finding's change following its remediation items did.
func followType(before, after Stored) string {
	switch {
	case before.Status == after.Status:
		return "finding.due_date_changed"
	case after.Status == StatusClosed:
		return "finding.closed"
	case after.Status == StatusResolved:
		return "finding.resolved"
	case after.Status == StatusOpen:
		return "finding.reopened"
	}
	return "finding.status_changed"
}

// List returns a finding's remediation items, visible to whoever may see the finding.
func (r *Remediations) List(ctx context.Context, findingID string) ([]Remediation, error) {
	if _, err := r.findings.Get(ctx, findingID); err != nil {
		return nil, err
	}
	return r.repo.Remediations(ctx, findingID)
}

// Of lists the remediation items of findings the caller loaded through a scoped read (List or Get),
// keyed by finding id, in one read instead of one per finding. The scope is checked again here.
func (r *Remediations) Of(ctx context.Context, findings []Stored) (map[string][]Remediation, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(findings))
	for i, f := range findings {
		if err := p.Scope("finding", f.ID, f.VendorID); err != nil {
			return nil, err
		}
		ids[i] = f.ID
	}
	return r.repo.RemediationsOf(ctx, ids)
}

// RemediationPatch changes an item; nil means unchanged.
type RemediationPatch struct {
	Description *string
	DueDate     *time.Time
	Status      *RemediationStatus
}

// Update changes an item (internal roles, or the supplier for its own supplier-owned items).
func (r *Remediations) Update(ctx context.Context, id string, p RemediationPatch, ifMatch *int) (Remediation, error) {
	return r.mutate(ctx, id, ifMatch, func(before, after Remediation) string {
		if after.Status == RemDone && before.Status != RemDone {
			return "remediation.done"
		}
		return "remediation.updated"
	}, func(rem *Remediation, supplier bool) error {
		if supplier && rem.Owner != "supplier" {
			return domain.Errorf(domain.KindForbidden, "this item is owned internally")
		}
		if !rem.tracked() {
			return domain.Errorf(domain.KindConflict,
				"the item is %s: it changes only when procurement accepts or rejects the supplier's remediation plan", rem.Status)
		}
		if p.Status != nil {
			if *p.Status == RemVerified {
				return domain.Invalid("status", "items are verified with POST /remediations/{id}/verify")
			}
			if !slices.Contains(remTransitions[rem.Status], *p.Status) {
				return domain.Errorf(domain.KindConflict, "the item is %s and cannot become %s", rem.Status, *p.Status)
			}
			rem.Status = *p.Status
		}
		if p.Description != nil {
			d := strings.TrimSpace(*p.Description)
			if d == "" || utf8.RuneCountInString(d) > 4000 {
				return domain.Invalid("description", "is required and at most 4000 characters")
			}
			rem.Description = d
		}
		if p.DueDate != nil {
			y, m, d := p.DueDate.UTC().Date()
			rem.DueDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
		return nil
	})
}

// Verify accepts a done item (verified) or sends it back (in_progress; a comment is required).
func (r *Remediations) Verify(ctx context.Context, id string, passed bool, comment string) (Remediation, error) {
	comment = strings.TrimSpace(comment)
	if !passed && comment == "" {
		return Remediation{}, domain.Invalid("comment", "is required when verification fails")
	}
	return r.mutate(ctx, id, nil, func(_, after Remediation) string {
		if after.Status == RemVerified {
			return "remediation.verified"
		}
		return "remediation.verification_failed"
	}, func(rem *Remediation, supplier bool) error {
		if supplier {
			return domain.NotFound("remediation", id)
		}
		if rem.Status != RemDone {
			return domain.Errorf(domain.KindConflict, "the item is %s; only a done item is verified", rem.Status)
		}
		rem.Comment = comment
		if !passed {
			rem.Status = RemInProgress
			return nil
		}
		now := r.findings.now()
		p, _ := auth.Caller(ctx)
		rem.Status, rem.VerifiedAt, rem.VerifiedBy = RemVerified, &now, p.KeyID
		return nil
	})
}

// mutate changes one item and moves its finding along: any item in progress → in_progress; all done
// or verified → resolved; all verified → closed.
func (r *Remediations) mutate(ctx context.Context, id string, ifMatch *int, typ func(before, after Remediation) string,
	fn func(rem *Remediation, supplier bool) error) (Remediation, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Remediation{}, err
	}
	c := domain.Change[Remediation]{Resource: "remediation", Store: r.repo.UpdateRemediation,
		// Read without a row lock: the store's version check refuses a concurrent writer (412).
		Lock: func(ctx context.Context, id string) (Remediation, error) {
			rem, err := r.repo.GetRemediation(ctx, id)
			if err != nil {
				return Remediation{}, err
			}
			return rem, p.Scope("remediation", id, rem.VendorID)
		},
		Version: func(rem *Remediation) *int { return &rem.Version },
		Touch:   func(rem *Remediation) { rem.UpdatedAt = r.findings.now() },
		Record: func(ctx context.Context, before, after Remediation) error {
			if err := r.findings.record(ctx, event.New(typ(before, after), remSubject(after), before, after)); err != nil {
				return err
			}
			return r.follow(ctx, after.FindingID)
		}}
	return c.Apply(ctx, r.findings.tx, id, ifMatch, func(_ context.Context, rem *Remediation) error {
		return fn(rem, p.IsSupplier())
	})
}

// follow derives the finding's status from its items.
func (r *Remediations) follow(ctx context.Context, findingID string) error {
	all, err := r.repo.Remediations(ctx, findingID)
	if err != nil {
		return fmt.Errorf("load remediations of %s: %w", findingID, err)
	}
	items := slices.DeleteFunc(all, func(it Remediation) bool { return !it.tracked() })
	f, err := r.findings.load(ctx, findingID, true)
	if err != nil {
		return err
	}
	before := f
	due := nextDue(items)
	dueChanged := !sameDay(due, f.NextDue)
	f.NextDue = due
	if (f.Status.Closed() || len(items) == 0) && !dueChanged {
		return nil
	}
	allVerified, allDone, anyStarted := true, true, false
	for _, it := range items {
		allVerified = allVerified && it.Status == RemVerified
		allDone = allDone && (it.Status == RemDone || it.Status == RemVerified)
		anyStarted = anyStarted || it.Status != RemOpen
	}
	next := f.Status
	switch {
	case f.Status.Closed() || len(items) == 0:
	case allVerified:
		next = StatusClosed
	case allDone:
		next = StatusResolved
	case anyStarted:
		next = StatusInProgress
	}
	if next == f.Status && !dueChanged {
		return nil
	}
	now := r.findings.now()
	f.Status = next
	if next == StatusClosed && f.ClosedAt == nil {
		f.ClosedAt = &now
	}
	f.Version++
	f.UpdatedAt = now
	if err := r.findings.repo.Update(ctx, f); err != nil {
		return fmt.Errorf("update finding %s: %w", f.ID, err)
	}
	reason := "the due dates of its remediation items changed"
	switch {
	case next == before.Status:
	case allVerified:
		reason = "its remediation items are all verified"
	case allDone:
		reason = "its remediation items are all done"
	case anyStarted:
		reason = "work on its remediation items started or was taken back"
	}
	return r.findings.record(ctx, eventOf(followType(before, f), &before, f).Because(reason))
}

// SupplierPlan is a supplier's response: text, new plan items (a proposal procurement accepts or
// rejects), and items it marks done.
type SupplierPlan struct {
	Response string
	Plans    []NewRemediation
	Done     []string
}

// RespondWithPlan records the supplier's response on its own vendor's finding; new items are proposed
// (a proposal while another waits joins it) and count only once procurement accepts the plan.
func (r *Remediations) RespondWithPlan(ctx context.Context, findingID string, plan SupplierPlan) (Stored, []Remediation, error) {
	var v domain.Validator
	for i := range plan.Plans {
		plan.Plans[i].Owner = "supplier"
		if err := plan.Plans[i].validate(fmt.Sprintf("plans[%d].", i)); err != nil {
			var de *domain.Error
			if errors.As(err, &de) {
				for _, fe := range de.Fields {
					v.AddField(fe)
				}
			}
		}
	}
	if err := v.Err(); err != nil {
		return Stored{}, nil, err
	}
	var created []Remediation
	var out Stored
	err := r.findings.tx.InTx(ctx, func(ctx context.Context) error {
		f, err := r.findings.Respond(ctx, findingID, plan.Response)
		if err != nil {
			return err
		}
		for _, pl := range plan.Plans {
			rem, err := r.add(ctx, f, pl, RemProposed)
			if err != nil {
				return err
			}
			created = append(created, rem)
		}
		for i, id := range plan.Done {
			done := RemDone
			rem, err := r.Update(ctx, id, RemediationPatch{Status: &done}, nil)
			if err != nil {
				if domain.IsKind(err, domain.KindNotFound) {
					return domain.Invalid(fmt.Sprintf("done[%d]", i), "no such remediation item of yours")
				}
				return err
			}
			if rem.FindingID != findingID {
				return domain.Invalid(fmt.Sprintf("done[%d]", i), "belongs to another finding")
			}
		}
		if len(created) > 0 {
			if err := r.propose(ctx, findingID, created); err != nil {
				return err
			}
		}
		out, err = r.findings.load(ctx, findingID, false)
		return err
	})
	return out, created, err
}

// Get returns one item to whoever may see its finding's vendor.
func (r *Remediations) Get(ctx context.Context, id string) (Remediation, error) {
	rem, _, err := auth.Load(ctx, "remediation", id, r.repo.GetRemediation, func(r Remediation) string { return r.VendorID })
	return rem, err
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
