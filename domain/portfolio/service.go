package portfolio

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/policy"
)

// Repository reads the portfolio's facts in a fixed number of queries, whatever the number of
// engagements, vendors or links.
type Repository interface {
	// Facts reads every engagement, every subcontractor link, and the overdue, open and expiring items
	// counted on today with the given horizon, the decisions and the active risk acceptances (nine queries).
	Facts(ctx context.Context, today, horizon time.Time) (Facts, error)
	// VendorNames names the given vendors (one query).
	VendorNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Policies gives the current risk policy.
type Policies interface {
	Current(ctx context.Context) (policy.Policy, error)
}

// Service computes the portfolio summary.
type Service struct {
	repo     Repository
	policies Policies
	tx       domain.TxManager
	now      domain.Clock
}

// NewService wires the portfolio use case.
func NewService(repo Repository, policies Policies, tx domain.TxManager, now domain.Clock) *Service {
	return &Service{repo: repo, policies: policies, tx: tx, now: now}
}

// Summary computes the portfolio now, for internal roles (a supplier gets NotFound, so that it does not
// learn the portfolio exists). It reads in one transaction, so that the numbers agree with each other,
// with at most eleven queries whatever the size of the portfolio:
//
//	1 the current risk policy (breach costs)
//	2 engagements (id, vendor, status, effective tier, holdings, next review date)
//	3 subcontractor links (the graph is walked in memory)
//	4 overdue assessments, grouped by engagement
//	5 open findings, grouped by engagement and severity, with the overdue ones
//	6 overdue remediation items, grouped by engagement
//	7 the latest certificate per vendor and scheme that ends by the horizon
//	8 contracts ending between today and the horizon
//	9 decisions, grouped by engagement and status, with the greatest id of each group
//	10 active risk acceptances, grouped by engagement, with those ending by the horizon
//	11 the names of the vendors listed (skipped when none is)
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Summary{}, err
	}
	if p.IsSupplier() {
		return Summary{}, domain.NotFound("portfolio", "summary")
	}
	now := s.now()
	today := engagement.Day(now)
	var out Summary
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		pol, err := s.policies.Current(ctx)
		if err != nil {
			return err
		}
		facts, err := s.repo.Facts(ctx, today, today.AddDate(0, 0, ExpiryHorizonDays))
		if err != nil {
			return fmt.Errorf("read portfolio facts: %w", err)
		}
		if out, err = Summarize(facts, pol, now); err != nil {
			return err
		}
		ids := out.VendorIDs()
		if len(ids) == 0 {
			return nil
		}
		names, err := s.repo.VendorNames(ctx, ids)
		if err != nil {
			return fmt.Errorf("name portfolio vendors: %w", err)
		}
		out.Name(names)
		return nil
	})
	return out, err
}
