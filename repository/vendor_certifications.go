package repository

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

type certificationRow struct {
	ID            string `gorm:"primaryKey"`
	VendorID      string
	Scheme        string
	SchemeName    string
	CertificateID string
	Issuer        string
	Scope         string
	ValidFrom     time.Time
	ValidUntil    time.Time
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
}

func (certificationRow) TableName() string { return "vendor_certifications" }

func toCertificationRow(c register.Certification) certificationRow {
	return certificationRow{ID: c.ID, VendorID: c.VendorID, Scheme: string(c.Scheme), SchemeName: c.SchemeName,
		CertificateID: c.CertificateID, Issuer: c.Issuer, Scope: c.Scope, ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil,
		Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r certificationRow) toDomain() register.Certification {
	return register.Certification{ID: r.ID, VendorID: r.VendorID, Scheme: register.Scheme(r.Scheme), SchemeName: r.SchemeName,
		CertificateID: r.CertificateID, Issuer: r.Issuer, Scope: r.Scope,
		ValidFrom: register.Day(r.ValidFrom), ValidUntil: register.Day(r.ValidUntil),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateCertification inserts a certification.
func (s *Vendors) CreateCertification(ctx context.Context, c register.Certification) error {
	row := toCertificationRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert certification: %w", dbErr(err))
	}
	return nil
}

// GetCertification reads one certification of a vendor.
func (s *Vendors) GetCertification(ctx context.Context, vendorID, id string) (register.Certification, error) {
	var row certificationRow
	if err := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Take(&row).Error; err != nil {
		return register.Certification{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// ListCertifications lists a vendor's certifications, soonest expiry first.
func (s *Vendors) ListCertifications(ctx context.Context, vendorID string) ([]register.Certification, error) {
	var rows []certificationRow
	if err := s.db.conn(ctx).Where("vendor_id = ?", vendorID).Order("valid_until").Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query certifications: %w", dbErr(err))
	}
	out := make([]register.Certification, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// UpdateCertification writes c when the stored version is c.Version-1.
func (s *Vendors) UpdateCertification(ctx context.Context, c register.Certification) error {
	row := toCertificationRow(c)
	res := s.db.conn(ctx).Model(&certificationRow{}).Where("id = ? AND vendor_id = ? AND version = ?", c.ID, c.VendorID, c.Version-1).
		Select("*").Omit("id", "vendor_id", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update certification "+c.ID)
}

// DeleteCertification removes one certification.
func (s *Vendors) DeleteCertification(ctx context.Context, vendorID, id string) error {
	res := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Delete(&certificationRow{})
	if res.Error != nil {
		return fmt.Errorf("delete certification %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}
