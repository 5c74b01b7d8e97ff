package register

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Contact is a person at the vendor we talk to.
type Contact struct {
	ID        string
	VendorID  string
	Name      string
	Email     string
	Phone     string
	Role      string
	Primary   bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{3,30}$`)

func (c *Contact) normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.TrimSpace(c.Email)
	c.Phone = strings.TrimSpace(c.Phone)
	c.Role = strings.TrimSpace(c.Role)
}

func (c *Contact) validate() error {
	var v domain.Validator
	v.Check(c.Name != "" && utf8.RuneCountInString(c.Name) <= maxName, "name", "is required and at most 200 characters")
	v.Check(c.Email == "" || validEmail(c.Email), "email", "must be a plain e-mail address")
	v.Check(c.Phone == "" || phonePattern.MatchString(c.Phone), "phone", "must be digits with an optional leading +, spaces, dashes or parentheses")
	v.Check(utf8.RuneCountInString(c.Role) <= maxName, "role", "must be at most 200 characters")
	v.Check(c.Email != "" || c.Phone != "", "email", "an e-mail address or a phone number is required")
	return v.Err()
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

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
