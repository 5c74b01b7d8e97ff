package contract

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// EngagementInfo is what a contract needs to know about its engagement.
type EngagementInfo struct {
	ID            string
	VendorID      string
	EffectiveTier risk.Tier
	DataLocations []string
}

// Engagements reads engagements; it answers NotFound for callers who may not see them.
type Engagements interface {
	EngagementInfo(ctx context.Context, id string) (EngagementInfo, error)
}

// Requirements gives the clauses the current policy requires for a tier, and the policy version.
type Requirements interface {
	RequiredClauses(ctx context.Context, tier risk.Tier) ([]Requirement, int, error)
}

// Repository stores contracts.
type Repository interface {
	Create(ctx context.Context, c Contract) error
	Get(ctx context.Context, id string) (Contract, error)
	GetForUpdate(ctx context.Context, id string) (Contract, error)
	ListByEngagement(ctx context.Context, engagementID string) ([]Contract, error)
	// Update writes c when the stored version is c.Version-1, else domain.ErrStaleVersion.
	Update(ctx context.Context, c Contract) error
}

// Service holds the contract use cases.
type Service struct {
	repo         Repository
	engagements  Engagements
	requirements Requirements
	tx           domain.TxManager
	now          domain.Clock
	events       event.Recorder
}

// NewService wires the contract use cases; events records what each change did.
func NewService(repo Repository, engagements Engagements, requirements Requirements, tx domain.TxManager, now domain.Clock,
	events event.Recorder) *Service {
	return &Service{repo: repo, engagements: engagements, requirements: requirements, tx: tx, now: now, events: events}
}

func subject(c Contract, vendorID string) event.Subject {
	return event.Subject{Type: "contract", ID: c.ID, VendorID: vendorID}
}

// Create adds a contract to an engagement.
func (s *Service) Create(ctx context.Context, engagementID string, c Contract) (Contract, error) {
	eng, err := s.engagements.EngagementInfo(ctx, engagementID)
	if err != nil {
		return Contract{}, err
	}
	c.normalize()
	if err := c.validate(); err != nil {
		return Contract{}, err
	}
	now := s.now()
	c.ID, c.EngagementID, c.Version, c.CreatedAt, c.UpdatedAt = domain.NewID(), engagementID, 1, now, now
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Create(ctx, c); err != nil {
			return fmt.Errorf("create contract: %w", err)
		}
		return event.Record(ctx, s.events, "contract.created", subject(c, eng.VendorID), nil, c)
	})
	if err != nil {
		return Contract{}, err
	}
	return c, nil
}

// List returns an engagement's contracts, latest start first.
func (s *Service) List(ctx context.Context, engagementID string) ([]Contract, error) {
	if _, err := s.engagements.EngagementInfo(ctx, engagementID); err != nil {
		return nil, err
	}
	cs, err := s.repo.ListByEngagement(ctx, engagementID)
	if err != nil {
		return nil, fmt.Errorf("list contracts: %w", err)
	}
	return cs, nil
}

// Get returns one contract; its engagement decides who may see it.
func (s *Service) Get(ctx context.Context, id string) (Contract, error) {
	c, err := s.load(ctx, id, false)
	if err != nil {
		return Contract{}, err
	}
	if _, err := s.engagements.EngagementInfo(ctx, c.EngagementID); err != nil {
		if domain.IsKind(err, domain.KindNotFound) {
			return Contract{}, domain.NotFound("contract", id)
		}
		return Contract{}, err
	}
	return c, nil
}

func (s *Service) load(ctx context.Context, id string, forUpdate bool) (Contract, error) {
	return domain.Load(ctx, "contract", id, s.repo.Get, s.repo.GetForUpdate, forUpdate)
}

// Patch holds a partial update; nil means unchanged. Clauses, when given, replace all clauses.
type Patch struct {
	Title             *string
	DocumentReference *string
	SignedOn          **time.Time
	StartsOn          *time.Time
	EndsOn            **time.Time
	AutoRenew         *bool
	NoticeDays        *int
	Clauses           *[]Clause
}

// Update applies a patch with optimistic concurrency.
func (s *Service) Update(ctx context.Context, id string, p Patch, ifMatch *int) (Contract, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return Contract{}, err
	}
	eng, err := s.engagements.EngagementInfo(ctx, cur.EngagementID)
	if err != nil {
		return Contract{}, err
	}
	change := domain.Change[Contract]{Resource: "contract", Lock: s.repo.GetForUpdate, Store: s.repo.Update,
		Version: func(c *Contract) *int { return &c.Version }, Touch: func(c *Contract) { c.UpdatedAt = s.now() },
		Clone: func(c Contract) Contract {
			c.Clauses = slices.Clone(c.Clauses)
			return c
		},
		Record: func(ctx context.Context, before, after Contract) error {
			return event.Record(ctx, s.events, "contract.updated", subject(after, eng.VendorID), before, after)
		}}
	return change.Apply(ctx, s.tx, id, ifMatch, func(_ context.Context, c *Contract) error {
		domain.Set(&c.Title, p.Title)
		domain.Set(&c.DocumentReference, p.DocumentReference)
		domain.Set(&c.SignedOn, p.SignedOn)
		domain.Set(&c.StartsOn, p.StartsOn)
		domain.Set(&c.EndsOn, p.EndsOn)
		domain.Set(&c.AutoRenew, p.AutoRenew)
		domain.Set(&c.NoticeDays, p.NoticeDays)
		domain.Set(&c.Clauses, p.Clauses)
		c.normalize()
		return c.validate()
	})
}

// GapReport is the gap analysis of a contract with what it was measured against.
type GapReport struct {
	Contract      Contract
	EffectiveTier risk.Tier
	PolicyVersion int
	Requirements  []Requirement
	Gaps          []Gap
}

// Gaps measures a contract against the policy for its engagement's effective tier.
func (s *Service) Gaps(ctx context.Context, id string) (GapReport, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return GapReport{}, err
	}
	e, err := s.engagements.EngagementInfo(ctx, c.EngagementID)
	if err != nil {
		return GapReport{}, err
	}
	reqs, version, err := s.requirements.RequiredClauses(ctx, e.EffectiveTier)
	if err != nil {
		return GapReport{}, fmt.Errorf("load required clauses: %w", err)
	}
	return GapReport{
		Contract: c, EffectiveTier: e.EffectiveTier, PolicyVersion: version, Requirements: reqs,
		Gaps: Gaps(c, GapInput{Requirements: reqs, Tier1: e.EffectiveTier == risk.Tier1Critical, DataLocations: e.DataLocations}),
	}, nil
}

// EngagementGap is one gap of one of an engagement's contracts; ContractID is "" for the gaps of an
// engagement that has no contract (problem no_contract).
type EngagementGap struct {
	ContractID string
	Gap
}

// EngagementGaps lists every gap of the engagement's contracts and the clause types they hold. An
// engagement without any contract lacks every clause the policy requires for its effective tier: each
// is a no_contract gap, so that "no contract" never reads as "no gaps".
func (s *Service) EngagementGaps(ctx context.Context, engagementID string) ([]EngagementGap, []ClauseType, error) {
	cs, err := s.List(ctx, engagementID)
	if err != nil {
		return nil, nil, err
	}
	gaps, clauses := []EngagementGap{}, []ClauseType{}
	if len(cs) == 0 {
		e, err := s.engagements.EngagementInfo(ctx, engagementID)
		if err != nil {
			return nil, nil, err
		}
		reqs, _, err := s.requirements.RequiredClauses(ctx, e.EffectiveTier)
		if err != nil {
			return nil, nil, fmt.Errorf("load required clauses: %w", err)
		}
		for _, g := range GapsWithoutContract(GapInput{Requirements: reqs, Tier1: e.EffectiveTier == risk.Tier1Critical}) {
			gaps = append(gaps, EngagementGap{Gap: g})
		}
		return gaps, clauses, nil
	}
	for _, c := range cs {
		rep, err := s.Gaps(ctx, c.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("gaps of contract %s: %w", c.ID, err)
		}
		for _, g := range rep.Gaps {
			gaps = append(gaps, EngagementGap{ContractID: c.ID, Gap: g})
		}
		for _, cl := range c.Clauses {
			if !slices.Contains(clauses, cl.Type) {
				clauses = append(clauses, cl.Type)
			}
		}
	}
	return gaps, clauses, nil
}
