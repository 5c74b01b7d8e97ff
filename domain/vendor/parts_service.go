package vendor

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// ContactPatch holds a partial contact update; nil means unchanged.
type ContactPatch struct {
	Name    *string
	Email   *string
	Phone   *string
	Role    *string
	Primary *bool
}

// AddContact adds a contact; a primary contact replaces the vendor's previous primary one.
func (s *Service) AddContact(ctx context.Context, vendorID string, c Contact) (Contact, error) {
	c.normalize()
	if err := c.validate(); err != nil {
		return Contact{}, err
	}
	now := s.now()
	c.ID, c.VendorID, c.Version, c.CreatedAt, c.UpdatedAt = domain.NewID(), vendorID, 1, now, now
	err := s.inVendor(ctx, vendorID, func(ctx context.Context) error {
		if err := s.repo.CreateContact(ctx, c); err != nil {
			return translate(err, "create contact")
		}
		if err := event.Record(ctx, s.events, "vendor.contact.created", part("contact", c.ID, vendorID), nil, c); err != nil {
			return err
		}
		return s.keepOnePrimary(ctx, c)
	})
	return c, err
}

func (s *Service) keepOnePrimary(ctx context.Context, c Contact) error {
	if !c.Primary {
		return nil
	}
	if err := s.repo.ClearPrimaryContact(ctx, c.VendorID, c.ID, c.UpdatedAt); err != nil {
		return fmt.Errorf("clear primary contact of vendor %s: %w", c.VendorID, err)
	}
	return nil
}

// ListContacts lists a vendor's contacts, primary first.
func (s *Service) ListContacts(ctx context.Context, vendorID string) ([]Contact, error) {
	if _, err := s.Get(ctx, vendorID); err != nil {
		return nil, err
	}
	cs, err := s.repo.ListContacts(ctx, vendorID)
	if err != nil {
		return nil, fmt.Errorf("list contacts of vendor %s: %w", vendorID, err)
	}
	return cs, nil
}

// GetContact returns one contact of a vendor the caller may see.
func (s *Service) GetContact(ctx context.Context, vendorID, id string) (Contact, error) {
	if err := s.visible(ctx, vendorID); err != nil {
		return Contact{}, err
	}
	c, err := s.repo.GetContact(ctx, vendorID, id)
	if err != nil {
		return Contact{}, notFoundOr(err, "contact", id)
	}
	return c, nil
}

// UpdateContact applies a partial update with the same version rules as vendors.
func (s *Service) UpdateContact(ctx context.Context, vendorID, id string, p ContactPatch, ifMatch *int) (Contact, error) {
	var out Contact
	err := s.inVendor(ctx, vendorID, func(ctx context.Context) error {
		c := domain.Change[Contact]{Resource: "contact", Store: s.repo.UpdateContact,
			Lock:    func(ctx context.Context, id string) (Contact, error) { return s.repo.GetContact(ctx, vendorID, id) },
			Version: func(c *Contact) *int { return &c.Version }, Touch: func(c *Contact) { c.UpdatedAt = s.now() },
			Record: func(ctx context.Context, before, after Contact) error {
				if err := event.Record(ctx, s.events, "vendor.contact.updated", part("contact", after.ID, vendorID), before, after); err != nil {
					return err
				}
				return s.keepOnePrimary(ctx, after)
			}}
		var err error
		out, err = c.Apply(ctx, s.tx, id, ifMatch, func(_ context.Context, c *Contact) error {
			domain.Set(&c.Name, p.Name)
			domain.Set(&c.Email, p.Email)
			domain.Set(&c.Phone, p.Phone)
			domain.Set(&c.Role, p.Role)
			domain.Set(&c.Primary, p.Primary)
			c.normalize()
			return c.validate()
		})
		return translate(err, "update contact")
	})
	return out, err
}

// DeleteContact removes a contact.
func (s *Service) DeleteContact(ctx context.Context, vendorID, id string, ifMatch *int) error {
	return s.inVendor(ctx, vendorID, func(ctx context.Context) error {
		c, err := s.repo.GetContact(ctx, vendorID, id)
		if err != nil {
			return notFoundOr(err, "contact", id)
		}
		if err := checkVersion(c.Version, ifMatch); err != nil {
			return err
		}
		if err := s.repo.DeleteContact(ctx, vendorID, id); err != nil {
			return translate(err, "delete contact")
		}
		return event.Record(ctx, s.events, "vendor.contact.deleted", part("contact", c.ID, vendorID), c, nil)
	})
}

// inVendor runs fn in a transaction after locking the vendor row, so parts never outlive a vendor
// deleted concurrently and the caller's scope is checked once.
func (s *Service) inVendor(ctx context.Context, vendorID string, fn func(ctx context.Context) error) error {
	if err := s.visible(ctx, vendorID); err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.repo.GetForUpdate(ctx, vendorID); err != nil {
			return notFoundOr(err, "vendor", vendorID)
		}
		return fn(ctx)
	})
}

// CertificationPatch holds a partial certification update; nil means unchanged.
type CertificationPatch struct {
	Scheme        *Scheme
	SchemeName    *string
	CertificateID *string
	Issuer        *string
	Scope         *string
	ValidFrom     *time.Time
	ValidUntil    *time.Time
}

// AddCertification records a certificate the vendor holds.
func (s *Service) AddCertification(ctx context.Context, vendorID string, c Certification) (Certification, error) {
	c.normalize()
	if err := c.validate(); err != nil {
		return Certification{}, err
	}
	now := s.now()
	c.ID, c.VendorID, c.Version, c.CreatedAt, c.UpdatedAt = domain.NewID(), vendorID, 1, now, now
	err := s.inVendor(ctx, vendorID, func(ctx context.Context) error {
		if err := s.repo.CreateCertification(ctx, c); err != nil {
			return translate(err, "create certification")
		}
		return event.Record(ctx, s.events, "vendor.certification.created", part("certification", c.ID, vendorID), nil, c)
	})
	return c, err
}

// ListCertifications lists a vendor's certifications, soonest expiry first.
func (s *Service) ListCertifications(ctx context.Context, vendorID string) ([]Certification, error) {
	if _, err := s.Get(ctx, vendorID); err != nil {
		return nil, err
	}
	cs, err := s.repo.ListCertifications(ctx, vendorID)
	if err != nil {
		return nil, fmt.Errorf("list certifications of vendor %s: %w", vendorID, err)
	}
	return cs, nil
}

// GetCertification returns one certification of a vendor the caller may see.
func (s *Service) GetCertification(ctx context.Context, vendorID, id string) (Certification, error) {
	if err := s.visible(ctx, vendorID); err != nil {
		return Certification{}, err
	}
	c, err := s.repo.GetCertification(ctx, vendorID, id)
	if err != nil {
		return Certification{}, notFoundOr(err, "certification", id)
	}
	return c, nil
}

// UpdateCertification applies a partial update (e.g. a renewed certificate's new validity).
func (s *Service) UpdateCertification(ctx context.Context, vendorID, id string, p CertificationPatch, ifMatch *int) (Certification, error) {
	var out Certification
	err := s.inVendor(ctx, vendorID, func(ctx context.Context) error {
		c := domain.Change[Certification]{Resource: "certification", Store: s.repo.UpdateCertification,
			Lock: func(ctx context.Context, id string) (Certification, error) {
				return s.repo.GetCertification(ctx, vendorID, id)
			},
			Version: func(c *Certification) *int { return &c.Version }, Touch: func(c *Certification) { c.UpdatedAt = s.now() },
			Record: func(ctx context.Context, before, after Certification) error {
				return event.Record(ctx, s.events, "vendor.certification.updated", part("certification", after.ID, vendorID), before, after)
			}}
		var err error
		out, err = c.Apply(ctx, s.tx, id, ifMatch, func(_ context.Context, c *Certification) error {
			domain.Set(&c.Scheme, p.Scheme)
			domain.Set(&c.SchemeName, p.SchemeName)
			domain.Set(&c.CertificateID, p.CertificateID)
			domain.Set(&c.Issuer, p.Issuer)
			domain.Set(&c.Scope, p.Scope)
			domain.Set(&c.ValidFrom, p.ValidFrom)
			domain.Set(&c.ValidUntil, p.ValidUntil)
			c.normalize()
			return c.validate()
		})
		return translate(err, "update certification")
	})
	return out, err
}

// DeleteCertification removes a certification.
func (s *Service) DeleteCertification(ctx context.Context, vendorID, id string, ifMatch *int) error {
	return s.inVendor(ctx, vendorID, func(ctx context.Context) error {
		c, err := s.repo.GetCertification(ctx, vendorID, id)
		if err != nil {
			return notFoundOr(err, "certification", id)
		}
		if err := checkVersion(c.Version, ifMatch); err != nil {
			return err
		}
		if err := s.repo.DeleteCertification(ctx, vendorID, id); err != nil {
			return translate(err, "delete certification")
		}
		return event.Record(ctx, s.events, "vendor.certification.deleted", part("certification", c.ID, vendorID), c, nil)
	})
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
		if err := event.Record(ctx, s.events, "vendor.subcontractor.linked", part("subcontractor_link", sc.ID, vendorID), nil, sc); err != nil {
			return err
		}
		return s.graphChanged(ctx, vendorID)
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
		if err := event.Record(ctx, s.events, "vendor.subcontractor.unlinked", part("subcontractor_link", id, vendorID), gone, nil); err != nil {
			return err
		}
		return s.graphChanged(ctx, vendorID)
	})
}
