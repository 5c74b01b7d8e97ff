// Package notice raises the events nobody's write causes, because a date passed: a certificate about
// to expire, or expired. Each is raised once per occasion, across restarts and replicas: the notice
// is stored with its event, in one transaction, under a key of kind, subject and occasion.
package notice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Event types raised.
const (
	CertificateExpiring  = "vendor.certification.expiring"
	CertificateExpired   = "vendor.certification.expired"
	ReviewDue            = "engagement.review_due"
	ReviewOverdue        = "engagement.review_overdue"
	AssessmentReminder   = "assessment.reminder"
	AssessmentOverdue    = "assessment.overdue"
	RemediationReminder  = "remediation.reminder"
	RemediationOverdue   = "remediation.overdue"
	AssessmentEscalated  = "assessment.escalated"
	RemediationEscalated = "remediation.escalated"
	NoticeNear           = "contract.notice_deadline_near"
	NoticePassed         = "contract.notice_deadline_passed"
)

// Due is something with a due date that is still waiting: an assessment with the supplier (sent, in
// progress or returned), or a remediation item not yet done.
type Due struct {
	ID       string
	VendorID string
	ParentID string // the assessment's engagement, the remediation item's finding
	DueOn    time.Time
	Status   string
	// BusinessOwner is the engagement's business owner, InternalOwner the vendor's: whom an
	// escalation names.
	BusinessOwner string
	InternalOwner string
	// Tier is the engagement's effective tier: its policy sets the reminders and the escalation.
	Tier risk.Tier
}

// Policies gives the current risk policy, whose tiers set reminder offsets and escalation delays.
type Policies interface {
	Current(ctx context.Context) (policy.Policy, error)
}

// Contract is a running contract with an end date, as the sweep watches its notice deadline.
type Contract struct {
	ID           string
	EngagementID string
	VendorID     string
	Title        string
	EndsOn       time.Time
	NoticeDays   int
	AutoRenew    bool
}

// Review is an engagement's next periodic review, as the sweep watches it.
type Review struct {
	EngagementID string
	VendorID     string
	Name         string
	NextReviewOn time.Time
}

// Certificate is a vendor's certification as the sweep watches it.
type Certificate struct {
	ID         string
	VendorID   string
	Scheme     string
	SchemeName string
	ValidUntil time.Time // the last day it is valid
}

// Repository finds what is due and remembers what was raised.
type Repository interface {
	// CertificatesUntil returns certifications valid until at most until, by id after afterID.
	CertificatesUntil(ctx context.Context, until time.Time, afterID string, limit int) ([]Certificate, error)
	// ReviewsUntil returns engagements that have not ended whose next review is on or before until,
	// by id after afterID.
	ReviewsUntil(ctx context.Context, until time.Time, afterID string, limit int) ([]Review, error)
	// AssessmentsDue returns assessments waiting on the supplier due on or before until, by id.
	AssessmentsDue(ctx context.Context, until time.Time, afterID string, limit int) ([]Due, error)
	// RemediationsDue returns remediation items not yet done due on or before until, by id.
	RemediationsDue(ctx context.Context, until time.Time, afterID string, limit int) ([]Due, error)
	// Pending returns what vendorID's supplier must still do, by due date: its assessments waiting on
	// it, and the remediation items it owns not yet done (at most limit of each).
	Pending(ctx context.Context, vendorID string, limit int) (assessments, remediations []Due, err error)
	// RunningContracts returns contracts with an end date on or after from, by id after afterID.
	RunningContracts(ctx context.Context, from time.Time, afterID string, limit int) ([]Contract, error)
	// Raise stores that kind happened to subject on occasion, in ctx's transaction; false when it
	// was stored before.
	Raise(ctx context.Context, kind, subjectID, occasion string, at time.Time) (bool, error)
}

// Service raises the notices.
type Service struct {
	repo   Repository
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
	pols   Policies
	// Warn is how long before its last valid day a certificate is announced as expiring.
	Warn time.Duration
}

// DefaultWarn announces a certificate 30 days before it expires.
const DefaultWarn = 30 * 24 * time.Hour

// NewService wires the notices.
func NewService(repo Repository, tx domain.TxManager, now domain.Clock, events event.Recorder, pols Policies) *Service {
	return &Service{repo: repo, tx: tx, now: now, events: events, pols: pols, Warn: DefaultWarn}
}

const page = 100

// SweepCertificates raises vendor.certification.expiring for certificates within the warning period
// and vendor.certification.expired for those past their last valid day, each once per certificate
// and expiry date (a renewed certificate, with a new date, is announced again). It returns how many
// it raised.
func (s *Service) SweepCertificates(ctx context.Context) (int, error) {
	today := s.today()
	return walk(ctx, "certificate", func(ctx context.Context, after string) ([]Certificate, error) {
		return s.repo.CertificatesUntil(ctx, today.Add(s.Warn), after, page)
	}, func(c Certificate) string { return c.ID }, func(ctx context.Context, c Certificate) (bool, error) {
		return s.certificate(ctx, c, today)
	})
}

func (s *Service) certificate(ctx context.Context, c Certificate, today time.Time) (bool, error) {
	until := c.ValidUntil.UTC().Format(time.DateOnly)
	kind, why := CertificateExpiring, "the certificate expires after "+until
	if c.ValidUntil.Before(today) {
		kind, why = CertificateExpired, "the certificate expired after "+until
	}
	return s.raise(ctx, kind, event.Subject{Type: "certification", ID: c.ID, VendorID: c.VendorID}, until, why,
		map[string]any{"certification_id": c.ID, "vendor_id": c.VendorID, "scheme": c.Scheme, "scheme_name": c.SchemeName,
			"valid_until": until, "days_left": daysBetween(today, c.ValidUntil)})
}

func daysBetween(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

// raise records the event kind about subject once per occasion, with the notice, in one transaction.
func (s *Service) raise(ctx context.Context, kind string, subject event.Subject, occasion, why string, data map[string]any) (bool, error) {
	raised := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.repo.Raise(ctx, kind, subject.ID, occasion, s.now())
		if err != nil || !ok {
			return err
		}
		raised = true
		return s.events.Record(ctx, event.Event{Type: kind, Version: 1, Subject: subject, Data: data, Reason: why})
	})
	return raised, err
}

// SweepReviews raises engagement.review_due when an engagement's next periodic review is within the
// warning period and engagement.review_overdue once the day passed, each once per engagement and
// review date (an assessment moves the date, and the next one is announced in its turn). It returns
// how many it raised.
func (s *Service) SweepReviews(ctx context.Context) (int, error) {
	today := s.today()
	return walk(ctx, "engagement", func(ctx context.Context, after string) ([]Review, error) {
		return s.repo.ReviewsUntil(ctx, today.Add(s.Warn), after, page)
	}, func(r Review) string { return r.EngagementID }, func(ctx context.Context, r Review) (bool, error) {
		on := r.NextReviewOn.UTC().Format(time.DateOnly)
		kind, why := ReviewDue, "the engagement's periodic review is due on "+on
		if r.NextReviewOn.Before(today) {
			kind, why = ReviewOverdue, "the engagement's periodic review was due on "+on
		}
		return s.raise(ctx, kind, event.Subject{Type: "engagement", ID: r.EngagementID, VendorID: r.VendorID}, on, why,
			map[string]any{"engagement_id": r.EngagementID, "vendor_id": r.VendorID, "name": r.Name, "next_review_on": on,
				"days_left": daysBetween(today, r.NextReviewOn)})
	})
}

// SweepContracts raises contract.notice_deadline_near when the last day to give notice of
// termination or non-renewal (the end date less the notice days) is within the warning period, and
// contract.notice_deadline_passed once it passed while the contract runs (an automatically renewing
// contract then renews), each once per contract and deadline. It returns how many it raised.
func (s *Service) SweepContracts(ctx context.Context) (int, error) {
	today := s.today()
	return walk(ctx, "contract", func(ctx context.Context, after string) ([]Contract, error) {
		return s.repo.RunningContracts(ctx, today, after, page)
	}, func(c Contract) string { return c.ID }, func(ctx context.Context, c Contract) (bool, error) {
		deadline := c.EndsOn.AddDate(0, 0, -c.NoticeDays)
		if deadline.Sub(today) > s.Warn {
			return false, nil
		}
		dl := deadline.Format(time.DateOnly)
		kind, why := NoticeNear, "the last day to give notice on the contract is "+dl
		if deadline.Before(today) {
			kind, why = NoticePassed, "the last day to give notice on the contract was "+dl
		}
		return s.raise(ctx, kind, event.Subject{Type: "contract", ID: c.ID, VendorID: c.VendorID}, dl, why,
			map[string]any{"contract_id": c.ID, "engagement_id": c.EngagementID, "vendor_id": c.VendorID, "title": c.Title,
				"ends_on": c.EndsOn.Format(time.DateOnly), "notice_deadline": dl, "auto_renew": c.AutoRenew,
				"days_left": daysBetween(today, deadline)})
	})
}

// each walks what list returns due on or before until, a page at a time, and raises what one says.
func (s *Service) each(ctx context.Context, what string, until time.Time, list func(context.Context, time.Time, string, int) ([]Due, error),
	one func(ctx context.Context, d Due) (bool, error)) (int, error) {
	return walk(ctx, what, func(ctx context.Context, after string) ([]Due, error) { return list(ctx, until, after, page) },
		func(d Due) string { return d.ID }, one)
}

// walk reads what list returns a page at a time (keyset on id) and runs one on each: a record that
// fails is reported with the others but does not stop them. It returns how many one raised.
func walk[T any](ctx context.Context, what string, list func(ctx context.Context, after string) ([]T, error),
	id func(T) string, one func(ctx context.Context, x T) (bool, error)) (int, error) {
	raised := 0
	var errs []error
	after := ""
	for {
		xs, err := list(ctx, after)
		if err != nil {
			return raised, errors.Join(append(errs, fmt.Errorf("list %ss: %w", what, err))...)
		}
		for _, x := range xs {
			ok, err := one(ctx, x)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", what, id(x), err))
			} else if ok {
				raised++
			}
		}
		if len(xs) < page {
			return raised, errors.Join(errs...)
		}
		after = id(xs[len(xs)-1])
	}
}

// today is the day of the service's clock, in UTC.
func (s *Service) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SweepAssessments reminds the supplier on the days before an assessment's due date its tier's policy
// names (assessment.reminder; a sweep that comes late sends only the latest reminder due), raises
// assessment.overdue once the date passed and assessment.escalated once it is the tier's escalation
// delay overdue, each once per assessment and due date.
func (s *Service) SweepAssessments(ctx context.Context) (int, error) {
	return s.sweepDue(ctx, "assessment", s.repo.AssessmentsDue, func(a Due) dueKinds {
		return dueKinds{reminder: AssessmentReminder, overdue: AssessmentOverdue, escalated: AssessmentEscalated,
			what: "the assessment", subject: event.Subject{Type: "assessment", ID: a.ID, VendorID: a.VendorID},
			data: map[string]any{"assessment_id": a.ID, "engagement_id": a.ParentID, "vendor_id": a.VendorID}}
	})
}

// SweepRemediations does the same for remediation items not yet done: remediation.reminder,
// remediation.overdue and remediation.escalated.
func (s *Service) SweepRemediations(ctx context.Context) (int, error) {
	return s.sweepDue(ctx, "remediation", s.repo.RemediationsDue, func(r Due) dueKinds {
		return dueKinds{reminder: RemediationReminder, overdue: RemediationOverdue, escalated: RemediationEscalated,
			what: "the remediation item", subject: event.Subject{Type: "remediation", ID: r.ID, VendorID: r.VendorID},
			data: map[string]any{"remediation_id": r.ID, "finding_id": r.ParentID, "vendor_id": r.VendorID}}
	})
}

// dueKinds names the events of one kind of due item and what they carry.
type dueKinds struct {
	reminder, overdue, escalated, what string
	subject                            event.Subject
	data                               map[string]any
}

func (s *Service) sweepDue(ctx context.Context, what string, list func(context.Context, time.Time, string, int) ([]Due, error),
	kinds func(Due) dueKinds) (int, error) {
	pol, err := s.pols.Current(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the risk policy for %s reminders: %w", what, err)
	}
	today := s.today()
	return s.each(ctx, what, today.AddDate(0, 0, pol.MaxReminderDays()), list, func(ctx context.Context, d Due) (bool, error) {
		return s.due(ctx, d, kinds(d), pol.ForTier(d.Tier), today)
	})
}

// due raises what one waiting item is owed today under its tier's policy tp.
func (s *Service) due(ctx context.Context, d Due, k dueKinds, tp policy.TierPolicy, today time.Time) (bool, error) {
	due := d.DueOn.UTC().Format(time.DateOnly)
	left := daysBetween(today, d.DueOn)
	data := map[string]any{"due_date": due, "days_left": left, "status": d.Status, "tier": int(d.Tier)}
	for key, v := range k.data {
		data[key] = v
	}
	if left >= 0 {
		offset, ok := reminderOffset(tp.ReminderDays, left)
		if !ok {
			return false, nil
		}
		return s.raise(ctx, k.reminder, k.subject, due+"/"+fmt.Sprint(offset)+"d",
			fmt.Sprintf("%s is due on %s (%d days' reminder, tier %d policy)", k.what, due, offset, d.Tier), data)
	}
	ok, err := s.raise(ctx, k.overdue, k.subject, due, k.what+" was due on "+due, data)
	if err != nil || -left < tp.EscalateAfterDays {
		return ok, err
	}
	data["business_owner"], data["internal_owner"], data["escalate_after_days"] = d.BusinessOwner, d.InternalOwner, tp.EscalateAfterDays
	okEsc, err := s.raise(ctx, k.escalated, k.subject, due, fmt.Sprintf("%s is %d days overdue (tier %d escalates after %d); escalated to its owners (%s, %s)",
		k.what, -left, d.Tier, tp.EscalateAfterDays, orNone(d.BusinessOwner), orNone(d.InternalOwner)), data)
	return ok || okEsc, err
}

// reminderOffset is the reminder due with left days to go: the smallest offset (days before the due
// date, largest first) not below left. None when the first reminder is still ahead.
func reminderOffset(offsets []int, left int) (int, bool) {
	if len(offsets) == 0 || left > offsets[0] {
		return 0, false
	}
	offset := offsets[0]
	for _, o := range offsets {
		if left <= o {
			offset = o
		}
	}
	return offset, true
}

func orNone(s string) string {
	if s == "" {
		return "no owner recorded"
	}
	return s
}

// Reminder is one thing a supplier must still do, and by when.
type Reminder struct {
	Kind     string // "assessment" or "remediation"
	ID       string
	ParentID string // the engagement of an assessment, the finding of a remediation item
	DueOn    time.Time
	DaysLeft int // negative when overdue
	Status   string
}

// Pending lists what the calling supplier must still do, soonest due first: its assessments waiting
// on it and the remediation items it owns. Only a supplier has reminders.
func (s *Service) Pending(ctx context.Context) ([]Reminder, error) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.Role != auth.RoleSupplier || p.VendorID == "" {
		return nil, domain.Errorf(domain.KindForbidden, "only a supplier credential has reminders")
	}
	as, rs, err := s.repo.Pending(ctx, p.VendorID, 200)
	if err != nil {
		return nil, fmt.Errorf("list pending work of vendor %s: %w", p.VendorID, err)
	}
	today := s.today()
	out := make([]Reminder, 0, len(as)+len(rs))
	for kind, ds := range map[string][]Due{"assessment": as, "remediation": rs} {
		for _, x := range ds {
			out = append(out, Reminder{Kind: kind, ID: x.ID, ParentID: x.ParentID, DueOn: x.DueOn, DaysLeft: daysBetween(today, x.DueOn), Status: x.Status})
		}
	}
	slices.SortFunc(out, func(a, b Reminder) int {
		if c := a.DueOn.Compare(b.DueOn); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
