// Package acceptance holds risk acceptances: a finding's risk accepted for a while, with a
// justification, by a risk owner other than the one who asked, frozen at the risk it had then.
package acceptance

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
	"github.com/vendorrisk/vendorrisk/domain/sweep"
)

// Status is an acceptance's state.
type Status string

const (
	StatusPending Status = "pending" // asked for, awaiting a risk owner
	StatusActive  Status = "active"  // the finding is risk_accepted
	StatusRevoked Status = "revoked" // withdrawn or declined by hand
	StatusExpired Status = "expired" // its expiry passed; the finding re-opened
	StatusStale   Status = "stale"   // the finding's risk changed since; the finding re-opened
)

// Statuses lists every status.
var Statuses = []Status{StatusPending, StatusActive, StatusRevoked, StatusExpired, StatusStale}

// Person is who acted.
type Person struct {
	KeyID string
	Name  string
}

// Risk is a finding's risk as frozen at acceptance and compared later.
type Risk struct {
	Severity      domain.Severity
	Priority      int
	ScoreBP       int
	ResidualLevel risk.Level // the engagement's residual level ("" before a completed assessment)
	// Tier is the engagement's effective tier (0 in acceptances frozen before the tier was recorded).
	Tier risk.Tier
}

// changed reports whether the finding's risk now differs from the risk frozen at acceptance. A frozen
// risk without a tier (recorded before tiers were) compares everything else.
func changed(frozen, now Risk) bool {
	if frozen.Tier == 0 {
		now.Tier = 0
	}
	return frozen != now
}

// Acceptance is one risk acceptance of one finding.
type Acceptance struct {
	ID            string
	FindingID     string
	EngagementID  string
	VendorID      string
	Status        Status
	Justification string
	ExpiresOn     time.Time // the last day it holds
	MaxExpiresOn  time.Time // the policy limit when it was asked for
	RequestedBy   Person
	ApprovedBy    *Person
	ApprovedAt    *time.Time
	Frozen        *Risk // set at approval
	EndedAt       *time.Time
	EndedBy       *Person
	EndReason     string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Finding is what acceptances read and change of a finding.
type Finding struct {
	ID           string
	EngagementID string
	VendorID     string
	Closed       bool // closed or already risk_accepted
	Risk         Risk
	// MaxAcceptanceDays is the policy's limit for the engagement's tier: the longest an acceptance may run.
	MaxAcceptanceDays int
}

// Findings connects acceptances to findings.
type Findings interface {
	// Finding reads a finding with its current risk (domain.ErrNotFound when missing).
	Finding(ctx context.Context, id string) (Finding, error)
	// Accept sets the finding to risk_accepted; Reopen sets it back to open.
	Accept(ctx context.Context, id string) error
	Reopen(ctx context.Context, id string) error
}

// Filter selects acceptances.
type Filter struct {
	FindingID  string
	FindingIDs []string // any of these findings
	Status     Status
	After      *domain.Cursor
	Limit      int
}

// Repository stores acceptances.
type Repository interface {
	Create(ctx context.Context, a Acceptance) error
	Get(ctx context.Context, id string) (Acceptance, error)
	GetForUpdate(ctx context.Context, id string) (Acceptance, error)
	Update(ctx context.Context, a Acceptance) error
	List(ctx context.Context, f Filter) ([]Acceptance, error)
	// Open returns the finding's pending or active acceptance (domain.ErrNotFound if none).
	Open(ctx context.Context, findingID string) (Acceptance, error)
}

// Service holds the acceptance use cases.
type Service struct {
	repo     Repository
	findings Findings
	events   event.Recorder
	tx       domain.TxManager
	now      domain.Clock
}

// NewService wires risk acceptances; events records each change.
func NewService(repo Repository, findings Findings, events event.Recorder, tx domain.TxManager, now domain.Clock) *Service {
	return &Service{repo: repo, findings: findings, events: events, tx: tx, now: now}
}

func subject(a Acceptance) event.Subject {
	return event.Subject{Type: "risk_acceptance", ID: a.ID, VendorID: a.VendorID}
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Request asks for a finding's risk to be accepted until expiresOn, no later than the risk policy's
// max_acceptance_days for the engagement's tier from today.
func (s *Service) Request(ctx context.Context, findingID, justification string, expiresOn time.Time) (Acceptance, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Acceptance{}, err
	}
	justification = strings.TrimSpace(justification)
	var out Acceptance
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		f, err := s.findings.Finding(ctx, findingID)
		if err != nil {
			return err
		}
		today := day(s.now())
		limit := today.AddDate(0, 0, max(f.MaxAcceptanceDays, 1))
		var v domain.Validator
		v.Check(justification != "" && utf8.RuneCountInString(justification) <= 4000, "justification", "is required and at most 4000 characters")
		v.Check(!expiresOn.IsZero(), "expires_on", "is required")
		if !expiresOn.IsZero() {
			v.Check(expiresOn.After(today), "expires_on", "must be after today")
			v.Checkf(!expiresOn.After(limit), "expires_on",
				"must be no later than %s (the risk policy's max_acceptance_days for this tier from today)", limit.Format(time.DateOnly))
		}
		if err := v.Err(); err != nil {
			return err
		}
		if f.Closed {
			return domain.Errorf(domain.KindConflict, "the finding is closed or already accepted")
		}
		if prev, err := s.repo.Open(ctx, findingID); err == nil {
			return domain.Errorf(domain.KindConflict, "acceptance %s of this finding is %s", prev.ID, prev.Status)
		} else if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		now := s.now()
		out = Acceptance{ID: domain.NewID(), FindingID: f.ID, EngagementID: f.EngagementID, VendorID: f.VendorID,
			Status: StatusPending, Justification: justification, ExpiresOn: day(expiresOn), MaxExpiresOn: limit,
			RequestedBy: Person{KeyID: p.KeyID, Name: p.Name}, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.repo.Create(ctx, out); err != nil {
			return err
		}
		return event.Record(ctx, s.events, "risk_acceptance.requested", subject(out), nil, out)
	})
	return out, err
}

// Approve accepts the risk (a risk owner who did not ask): the finding becomes risk_accepted and its
// risk and the engagement's residual level are frozen.
func (s *Service) Approve(ctx context.Context, id string, ifMatch *int) (Acceptance, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Acceptance{}, err
	}
	return s.change(ctx, id, ifMatch, "risk_acceptance.approved", func(ctx context.Context, a *Acceptance) error {
		if a.RequestedBy.KeyID == p.KeyID {
			return domain.Errorf(domain.KindForbidden, "four eyes: the requester of a risk acceptance cannot accept it")
		}
		if a.Status != StatusPending {
			return domain.Errorf(domain.KindConflict, "the acceptance is %s; only a pending one can be approved", a.Status)
		}
		if !a.ExpiresOn.After(day(s.now())) {
			return domain.Errorf(domain.KindConflict, "the acceptance would expire today or earlier; ask again with a later date")
		}
		f, err := s.findings.Finding(ctx, a.FindingID)
		if err != nil {
			return err
		}
		if f.Closed {
			return domain.Errorf(domain.KindConflict, "the finding is closed or already accepted")
		}
		now := s.now()
		by := Person{KeyID: p.KeyID, Name: p.Name}
		a.Status, a.ApprovedBy, a.ApprovedAt, a.Frozen = StatusActive, &by, &now, &f.Risk
		return s.findings.Accept(ctx, a.FindingID)
	})
}

// Revoke withdraws a pending or active acceptance (a risk owner, or whoever asked for it); an active
// one re-opens the finding.
func (s *Service) Revoke(ctx context.Context, id, reason string, ifMatch *int) (Acceptance, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Acceptance{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 4000 {
		return Acceptance{}, domain.Invalid("reason", "is required and at most 4000 characters")
	}
	return s.change(ctx, id, ifMatch, "risk_acceptance.revoked", func(ctx context.Context, a *Acceptance) error {
		if p.Role != auth.RoleRiskOwner && a.RequestedBy.KeyID != p.KeyID {
			return domain.Errorf(domain.KindForbidden, "only a risk owner or the requester can revoke an acceptance")
		}
		if a.Status != StatusPending && a.Status != StatusActive {
			return domain.Errorf(domain.KindConflict, "the acceptance is %s already", a.Status)
		}
		wasActive := a.Status == StatusActive
		now := s.now()
		a.Status, a.EndedAt, a.EndedBy, a.EndReason = StatusRevoked, &now, &Person{KeyID: p.KeyID, Name: p.Name}, reason
		if wasActive {
			return s.findings.Reopen(ctx, a.FindingID)
		}
		return nil
	})
}

// Get returns one acceptance.
func (s *Service) Get(ctx context.Context, id string) (Acceptance, error) {
	if _, err := auth.Caller(ctx); err != nil {
		return Acceptance{}, err
	}
	return domain.Load(ctx, "risk acceptance", id, s.repo.Get, s.repo.GetForUpdate, false)
}

// List returns one page of acceptances, oldest first.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Acceptance], error) {
	var v domain.Validator
	v.Check(f.FindingID == "" || domain.ValidID(f.FindingID), "finding_id", "must be a finding id")
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "must be pending, active, revoked, expired or stale")
	if err := v.Err(); err != nil {
		return domain.Page[Acceptance]{}, err
	}
	return domain.ListPage(ctx, "risk acceptances", f.Limit, cursor, "id",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Acceptance, error) {
			f.After, f.Limit = after, limit
			return s.repo.List(ctx, f)
		}, func(a Acceptance) domain.Cursor { return domain.Cursor{Sort: "id", ID: a.ID} })
}

// Active returns the active acceptance of each of the findings that has one, by finding id (an
// export lists accepted risks with their expiry): one statement per 200 findings, never one each.
func (s *Service) Active(ctx context.Context, findingIDs []string) (map[string]Acceptance, error) {
	if _, err := auth.Caller(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]Acceptance, len(findingIDs))
	for start := 0; start < len(findingIDs); start += activePage {
		chunk := findingIDs[start:min(start+activePage, len(findingIDs))]
		var after *domain.Cursor
		for {
			as, err := s.repo.List(ctx, Filter{FindingIDs: chunk, Status: StatusActive, After: after, Limit: activePage})
			if err != nil {
				return nil, fmt.Errorf("read the active acceptances of %d findings: %w", len(chunk), err)
			}
			for _, a := range as {
				if _, seen := out[a.FindingID]; !seen { // the first by id, as a list of one finding gives
					out[a.FindingID] = a
				}
			}
			if len(as) < activePage {
				break
			}
			after = &domain.Cursor{ID: as[len(as)-1].ID}
		}
	}
	return out, nil
}

// activePage is how many findings Active asks about per statement, and how many rows it reads per page.
const activePage = 200

// change runs one read-modify-write of an acceptance and records it as an event of type typ.
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typ string,
	mutate func(ctx context.Context, a *Acceptance) error) (Acceptance, error) {
	c := domain.Change[Acceptance]{Resource: "risk acceptance", Lock: s.repo.GetForUpdate, Store: s.repo.Update,
		Version: func(a *Acceptance) *int { return &a.Version }, Touch: func(a *Acceptance) { a.UpdatedAt = s.now() },
		Record: func(ctx context.Context, before, after Acceptance) error {
			return event.Record(ctx, s.events, typ, subject(after), before, after)
		}}
	return c.Apply(ctx, s.tx, id, ifMatch, mutate)
}

// Sweep ends active acceptances whose expiry has passed (expired) or whose finding's risk changed
// since (stale); either way the finding re-opens. Each in its own transaction under the row lock.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n, err := sweep.Each(ctx, func(ctx context.Context, after *domain.Cursor, limit int) ([]Acceptance, error) {
		return s.repo.List(ctx, Filter{Status: StatusActive, After: after, Limit: limit})
	}, func(a Acceptance) string { return a.ID }, s.sweepOne)
	if err != nil {
		return n, fmt.Errorf("sweep risk acceptances: %w", err)
	}
	return n, nil
}

func (s *Service) sweepOne(ctx context.Context, id string) (bool, error) {
	ended := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		a, err := s.repo.GetForUpdate(ctx, id)
		if err != nil || a.Status != StatusActive {
			return err
		}
		f, err := s.findings.Finding(ctx, a.FindingID)
		if err != nil {
			return err
		}
		now, before := s.now(), a
		switch {
		case day(now).After(a.ExpiresOn):
			a.Status, a.EndReason = StatusExpired, "expired on "+a.ExpiresOn.Format(time.DateOnly)
		case a.Frozen != nil && changed(*a.Frozen, f.Risk):
			a.Status, a.EndReason = StatusStale, fmt.Sprintf("the finding's risk changed since acceptance: %s",
				describeChange(*a.Frozen, f.Risk))
		default:
			return nil
		}
		ended = true
		a.EndedAt, a.Version, a.UpdatedAt = &now, a.Version+1, now
		if err := s.repo.Update(ctx, a); err != nil {
			return err
		}
		if err := s.findings.Reopen(ctx, a.FindingID); err != nil {
			return err
		}
		ev := event.New("risk_acceptance."+string(a.Status), subject(a), before, a).Because(a.EndReason)
		return s.events.Record(ctx, ev)
	})
	return ended, err
}

func describeChange(was, now Risk) string {
	var parts []string
	if was.Tier != 0 && was.Tier != now.Tier {
		parts = append(parts, fmt.Sprintf("tier %d → %d", was.Tier, now.Tier))
	}
	if was.Severity != now.Severity {
		parts = append(parts, "severity "+string(was.Severity)+" → "+string(now.Severity))
	}
	if was.Priority != now.Priority {
		parts = append(parts, fmt.Sprintf("priority %d → %d", was.Priority, now.Priority))
	}
	if was.ScoreBP != now.ScoreBP {
		parts = append(parts, fmt.Sprintf("answer score %d → %d bp", was.ScoreBP, now.ScoreBP))
	}
	if was.ResidualLevel != now.ResidualLevel {
		parts = append(parts, "residual level "+string(was.ResidualLevel)+" → "+string(now.ResidualLevel))
	}
	return strings.Join(parts, ", ")
}
