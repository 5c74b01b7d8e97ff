package register

import (
	"context"
	"errors"
	"fmt"

	"github.com/vendorrisk/vendorrisk/domain"
)

// maxDepth bounds walks of the fourth-party graph; the graph is acyclic, this only guards the cost.
const maxDepth = 10

// FourthParty is a vendor that vendorID relies on, directly (depth 1) or through others.
type FourthParty struct {
	Link  Subcontractor // the link that reached it (Link.VendorID relies on it)
	Depth int
}

// FourthParties walks the subcontractor graph down from vendorID, one query per level, and returns
// each reachable vendor once, at the depth it is first reached.
func (s *Service) FourthParties(ctx context.Context, vendorID string) ([]FourthParty, error) {
	seen := map[string]bool{vendorID: true}
	frontier := []string{vendorID}
	var out []FourthParty
	for depth := 1; len(frontier) > 0 && depth <= maxDepth; depth++ {
		links, err := s.repo.SubcontractorLinksOf(ctx, frontier)
		if err != nil {
			return nil, fmt.Errorf("walk fourth parties of %s: %w", vendorID, err)
		}
		frontier = frontier[:0]
		for _, l := range links {
			if seen[l.SubcontractorID] {
				continue
			}
			seen[l.SubcontractorID] = true
			frontier = append(frontier, l.SubcontractorID)
			out = append(out, FourthParty{Link: l, Depth: depth})
		}
	}
	return out, nil
}

// Info returns a vendor's identity for other modules, without the caller scope check: the callers
// (engagement evaluation) are internal and check their own scope.
func (s *Service) Info(ctx context.Context, id string) (Vendor, error) {
	if !domain.ValidID(id) {
		return Vendor{}, domain.ErrNotFound
	}
	v, err := s.repo.Get(ctx, id)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return Vendor{}, fmt.Errorf("load vendor %s: %w", id, err)
	}
	return v, err
}

// Upstream returns vendorID and every vendor relying on it, directly or further up: the vendors whose
// fourth parties change with vendorID's links (domain/workflow re-evaluates their engagements).
func (s *Service) Upstream(ctx context.Context, vendorID string) ([]string, error) {
	seen := map[string]bool{vendorID: true}
	all := []string{vendorID}
	frontier := []string{vendorID}
	for depth := 0; len(frontier) > 0 && depth <= maxDepth; depth++ {
		up, err := s.repo.VendorsRelyingOn(ctx, frontier)
		if err != nil {
			return nil, fmt.Errorf("walk vendors relying on %s: %w", vendorID, err)
		}
		frontier = frontier[:0]
		for _, id := range up {
			if !seen[id] {
				seen[id] = true
				all = append(all, id)
				frontier = append(frontier, id)
			}
		}
	}
	return all, nil
}
