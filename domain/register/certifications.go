package register

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Scheme is a certification or attestation scheme.
type Scheme string

const (
	SchemeISO27001    Scheme = "iso_27001"
	SchemeISO27017    Scheme = "iso_27017"
	SchemeISO27018    Scheme = "iso_27018"
	SchemeSOC2Type2   Scheme = "soc2_type2"
	SchemeISMAP       Scheme = "ismap"
	SchemePrivacyMark Scheme = "privacymark"
	SchemeCSASTAR     Scheme = "csa_star"
	SchemeOther       Scheme = "other"
)

// Schemes lists every scheme.
var Schemes = []Scheme{SchemeISO27001, SchemeISO27017, SchemeISO27018, SchemeSOC2Type2, SchemeISMAP,
	SchemePrivacyMark, SchemeCSASTAR, SchemeOther}

// ExpiryWarning is how far ahead a certification counts as expiring soon.
const ExpiryWarning = 90 * 24 * time.Hour

// Certification is a certificate or attestation report the vendor holds.
type Certification struct {
	ID            string
	VendorID      string
	Scheme        Scheme
	SchemeName    string // required for SchemeOther
	CertificateID string
	Issuer        string
	Scope         string
	ValidFrom     time.Time // a date: midnight UTC
	ValidUntil    time.Time // a date: the last day it is valid
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Expiry says where a certification stands on a given day.
type Expiry struct {
	Expired         bool
	ExpiringSoon    bool
	DaysUntilExpiry int
}

// ExpiryAt computes the expiry flags for the day of now (UTC).
func (c Certification) ExpiryAt(now time.Time) Expiry {
	today := Day(now)
	days := int(c.ValidUntil.Sub(today).Hours() / 24)
	return Expiry{
		Expired:         c.ValidUntil.Before(today),
		ExpiringSoon:    !c.ValidUntil.Before(today) && c.ValidUntil.Sub(today) <= ExpiryWarning,
		DaysUntilExpiry: days,
	}
}

// Day truncates t to midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (c *Certification) normalize() {
	c.SchemeName = strings.TrimSpace(c.SchemeName)
	c.CertificateID = strings.TrimSpace(c.CertificateID)
	c.Issuer = strings.TrimSpace(c.Issuer)
	c.Scope = strings.TrimSpace(c.Scope)
	c.ValidFrom = Day(c.ValidFrom)
	c.ValidUntil = Day(c.ValidUntil)
}

func (c *Certification) validate() error {
	var v domain.Validator
	v.Check(slices.Contains(Schemes, c.Scheme), "scheme",
		"must be one of iso_27001, iso_27017, iso_27018, soc2_type2, ismap, privacymark, csa_star, other")
	v.Check(c.Scheme != SchemeOther || c.SchemeName != "", "scheme_name", "is required when scheme is other")
	v.Check(utf8.RuneCountInString(c.SchemeName) <= maxName, "scheme_name", "must be at most 200 characters")
	v.Check(utf8.RuneCountInString(c.CertificateID) <= 100, "certificate_id", "must be at most 100 characters")
	v.Check(utf8.RuneCountInString(c.Issuer) <= maxName, "issuer", "must be at most 200 characters")
	v.Check(utf8.RuneCountInString(c.Scope) <= maxDescription, "scope", "must be at most 4000 characters")
	v.Check(!c.ValidFrom.IsZero(), "valid_from", "is required")
	v.Check(!c.ValidUntil.IsZero(), "valid_until", "is required")
	v.Check(c.ValidFrom.IsZero() || c.ValidUntil.IsZero() || !c.ValidUntil.Before(c.ValidFrom), "valid_until",
		"must not be before valid_from")
	return v.Err()
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
