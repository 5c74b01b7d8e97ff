package register

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Subcontractor records that a vendor relies on another vendor of the register for a service: an edge
// of the fourth-party graph. The graph is kept acyclic.
type Subcontractor struct {
	ID              string
	VendorID        string
	SubcontractorID string
	Service         string
	HandlesOurData  bool
	CreatedAt       time.Time
	// SubcontractorName is read with the link for display; it is not stored on it.
	SubcontractorName string
}

func (s *Subcontractor) normalize() {
	s.Service = strings.TrimSpace(s.Service)
}

func (s *Subcontractor) validate() error {
	var v domain.Validator
	v.Check(domain.ValidID(s.SubcontractorID), "subcontractor_id", "must be a vendor id")
	v.Check(s.SubcontractorID != s.VendorID, "subcontractor_id", "a vendor cannot be its own subcontractor")
	v.Check(s.Service != "" && utf8.RuneCountInString(s.Service) <= maxName, "service", "is required and at most 200 characters")
	return v.Err()
}

// AddSubcontractor links vendorID to a subcontractor it relies on. A link that would close a cycle in
// the fourth-party graph is refused: a dependency chain that returns to where it started is a data error.
func (s *Service) AddSubcontractor(ctx context.Context, vendorID string, sc Subcontractor) (Subcontractor, error) {
	sc.VendorID = vendorID
	sc.normalize()
	if err := sc.validate(); err != nil {
		return Subcontractor{}, err
	}
	sc.ID, sc.CreatedAt = domain.NewID(), s.now()
	// The graph lock comes before any vendor row lock: every graph writer takes the locks in the same
	// order, so two concurrent links cannot deadlock on each other's foreign-key checks.
	err := s.inGraph(ctx, vendorID, func(ctx context.Context) error {
		sub, err := s.repo.Get(ctx, sc.SubcontractorID)
		if err != nil {
			if domain.IsKind(notFoundOr(err, "vendor", sc.SubcontractorID), domain.KindNotFound) {
				return domain.Invalid("subcontractor_id", "no such vendor")
			}
			return fmt.Errorf("load subcontractor %s: %w", sc.SubcontractorID, err)
		}
		sc.SubcontractorName = sub.Name
		cycle, err := s.reaches(ctx, sc.SubcontractorID, vendorID)
		if err != nil {
			return err
		}
		if cycle {
			return domain.Invalid("subcontractor_id", "this link would make a cycle: the subcontractor already relies on this vendor, directly or through others")
		}
		if err := s.repo.CreateSubcontractor(ctx, sc); err != nil {
			if de := translate(err, "create subcontractor link"); domain.IsKind(de, domain.KindConflict) {
				return domain.Errorf(domain.KindConflict, "vendor %s is already linked as a subcontractor", sc.SubcontractorID)
			}
			return fmt.Errorf("create subcontractor link: %w", err)
		}
		return event.Record(ctx, s.events, "vendor.subcontractor.linked", part("subcontractor_link", sc.ID, vendorID), nil, sc)
	})
	return sc, err
}

// reaches walks the graph breadth-first, one query per level, from `from` looking for `to`.
func (s *Service) reaches(ctx context.Context, from, to string) (bool, error) {
	seen := map[string]bool{from: true}
	frontier := []string{from}
	for len(frontier) > 0 {
		next, err := s.repo.SubcontractorsOf(ctx, frontier)
		if err != nil {
			return false, fmt.Errorf("walk subcontractor graph: %w", err)
		}
		frontier = frontier[:0]
		for _, id := range next {
			if id == to {
				return true, nil
			}
			if !seen[id] {
				seen[id] = true
				frontier = append(frontier, id)
			}
		}
	}
	return false, nil
}

// inGraph is inVendor for changes to the subcontractor graph: graph lock first, then the vendor row.
func (s *Service) inGraph(ctx context.Context, vendorID string, fn func(ctx context.Context) error) error {
	if err := s.visible(ctx, vendorID); err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.LockSubcontractorGraph(ctx); err != nil {
			return fmt.Errorf("lock subcontractor graph: %w", err)
		}
		if _, err := s.repo.GetForUpdate(ctx, vendorID); err != nil {
			return notFoundOr(err, "vendor", vendorID)
		}
		return fn(ctx)
	})
}

// ListSubcontractors lists the vendors vendorID relies on.
func (s *Service) ListSubcontractors(ctx context.Context, vendorID string) ([]Subcontractor, error) {
	if _, err := s.Get(ctx, vendorID); err != nil {
		return nil, err
	}
	ls, err := s.repo.ListSubcontractors(ctx, vendorID)
	if err != nil {
		return nil, fmt.Errorf("list subcontractors of vendor %s: %w", vendorID, err)
	}
	return ls, nil
}

// RemoveSubcontractor deletes a link.
func (s *Service) RemoveSubcontractor(ctx context.Context, vendorID, id string) error {
	return s.inGraph(ctx, vendorID, func(ctx context.Context) error {
		if !domain.ValidID(id) {
			return domain.NotFound("subcontractor link", id)
		}
		if err := s.repo.DeleteSubcontractor(ctx, vendorID, id); err != nil {
			return notFoundOr(err, "subcontractor link", id)
		}
		gone := struct{ ID, VendorID string }{id, vendorID}
		return event.Record(ctx, s.events, "vendor.subcontractor.unlinked", part("subcontractor_link", id, vendorID), gone, nil)
	})
}
