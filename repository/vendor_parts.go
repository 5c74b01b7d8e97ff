package repository

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/vendor"
)

type contactRow struct {
	ID        string `gorm:"primaryKey"`
	VendorID  string
	Name      string
	Email     string
	Phone     string
	Role      string
	IsPrimary bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (contactRow) TableName() string { return "vendor_contacts" }

func toContactRow(c vendor.Contact) contactRow {
	return contactRow{ID: c.ID, VendorID: c.VendorID, Name: c.Name, Email: c.Email, Phone: c.Phone, Role: c.Role,
		IsPrimary: c.Primary, Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r contactRow) toDomain() vendor.Contact {
	return vendor.Contact{ID: r.ID, VendorID: r.VendorID, Name: r.Name, Email: r.Email, Phone: r.Phone, Role: r.Role,
		Primary: r.IsPrimary, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateContact inserts a contact.
func (s *Vendors) CreateContact(ctx context.Context, c vendor.Contact) error {
	row := toContactRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert contact: %w", dbErr(err))
	}
	return nil
}

// GetContact reads one contact of a vendor.
func (s *Vendors) GetContact(ctx context.Context, vendorID, id string) (vendor.Contact, error) {
	var row contactRow
	if err := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Take(&row).Error; err != nil {
		return vendor.Contact{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// ListContacts lists a vendor's contacts, primary first, then by name.
func (s *Vendors) ListContacts(ctx context.Context, vendorID string) ([]vendor.Contact, error) {
	var rows []contactRow
	err := s.db.conn(ctx).Where("vendor_id = ?", vendorID).Order("is_primary DESC").Order("name").Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query contacts: %w", dbErr(err))
	}
	out := make([]vendor.Contact, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// UpdateContact writes c when the stored version is c.Version-1.
func (s *Vendors) UpdateContact(ctx context.Context, c vendor.Contact) error {
	row := toContactRow(c)
	res := s.db.conn(ctx).Model(&contactRow{}).Where("id = ? AND vendor_id = ? AND version = ?", c.ID, c.VendorID, c.Version-1).
		Select("*").Omit("id", "vendor_id", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update contact "+c.ID)
}

// DeleteContact removes one contact.
func (s *Vendors) DeleteContact(ctx context.Context, vendorID, id string) error {
	res := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Delete(&contactRow{})
	if res.Error != nil {
		return fmt.Errorf("delete contact %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// ClearPrimaryContact unsets primary on the vendor's other contacts, bumping their versions.
func (s *Vendors) ClearPrimaryContact(ctx context.Context, vendorID, keepID string, at time.Time) error {
	err := s.db.conn(ctx).Model(&contactRow{}).Where("vendor_id = ? AND id <> ? AND is_primary = ?", vendorID, keepID, true).
		Updates(map[string]any{"is_primary": false, "version": gormExpr("version + 1"), "updated_at": at.UTC()}).Error
	if err != nil {
		return fmt.Errorf("clear primary contacts: %w", dbErr(err))
	}
	return nil
}

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

func toCertificationRow(c vendor.Certification) certificationRow {
	return certificationRow{ID: c.ID, VendorID: c.VendorID, Scheme: string(c.Scheme), SchemeName: c.SchemeName,
		CertificateID: c.CertificateID, Issuer: c.Issuer, Scope: c.Scope, ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil,
		Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r certificationRow) toDomain() vendor.Certification {
	return vendor.Certification{ID: r.ID, VendorID: r.VendorID, Scheme: vendor.Scheme(r.Scheme), SchemeName: r.SchemeName,
		CertificateID: r.CertificateID, Issuer: r.Issuer, Scope: r.Scope,
		ValidFrom: vendor.Day(r.ValidFrom), ValidUntil: vendor.Day(r.ValidUntil),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateCertification inserts a certification.
func (s *Vendors) CreateCertification(ctx context.Context, c vendor.Certification) error {
	row := toCertificationRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert certification: %w", dbErr(err))
	}
	return nil
}

// GetCertification reads one certification of a vendor.
func (s *Vendors) GetCertification(ctx context.Context, vendorID, id string) (vendor.Certification, error) {
	var row certificationRow
	if err := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Take(&row).Error; err != nil {
		return vendor.Certification{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// ListCertifications lists a vendor's certifications, soonest expiry first.
func (s *Vendors) ListCertifications(ctx context.Context, vendorID string) ([]vendor.Certification, error) {
	var rows []certificationRow
	if err := s.db.conn(ctx).Where("vendor_id = ?", vendorID).Order("valid_until").Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query certifications: %w", dbErr(err))
	}
	out := make([]vendor.Certification, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// UpdateCertification writes c when the stored version is c.Version-1.
func (s *Vendors) UpdateCertification(ctx context.Context, c vendor.Certification) error {
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

type subcontractorRow struct {
	ID              string `gorm:"primaryKey"`
	VendorID        string
	SubcontractorID string
	Service         string
	HandlesOurData  bool
	CreatedAt       time.Time
}

func (subcontractorRow) TableName() string { return "vendor_subcontractors" }

// CreateSubcontractor inserts a link.
func (s *Vendors) CreateSubcontractor(ctx context.Context, sc vendor.Subcontractor) error {
	row := subcontractorRow{ID: sc.ID, VendorID: sc.VendorID, SubcontractorID: sc.SubcontractorID, Service: sc.Service,
		HandlesOurData: sc.HandlesOurData, CreatedAt: sc.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert subcontractor link: %w", dbErr(err))
	}
	return nil
}

// ListSubcontractors lists a vendor's links with the subcontractors' names, by name.
func (s *Vendors) ListSubcontractors(ctx context.Context, vendorID string) ([]vendor.Subcontractor, error) {
	return s.SubcontractorLinksOf(ctx, []string{vendorID})
}

// SubcontractorLinksOf lists the links of several vendors in one query, by subcontractor name.
func (s *Vendors) SubcontractorLinksOf(ctx context.Context, vendorIDs []string) ([]vendor.Subcontractor, error) {
	// A flat struct: GORM does not fill an embedded unexported row type from a joined scan.
	var rows []struct {
		ID                string
		VendorID          string
		SubcontractorID   string
		Service           string
		HandlesOurData    bool
		CreatedAt         time.Time
		SubcontractorName string
	}
	err := s.db.conn(ctx).Table("vendor_subcontractors s").
		Select("s.id, s.vendor_id, s.subcontractor_id, s.service, s.handles_our_data, s.created_at, v.name AS subcontractor_name").
		Joins("JOIN vendors v ON v.id = s.subcontractor_id").
		Where("s.vendor_id IN ?", vendorIDs).Order("v.name").Order("s.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query subcontractor links: %w", dbErr(err))
	}
	out := make([]vendor.Subcontractor, len(rows))
	for i, r := range rows {
		out[i] = vendor.Subcontractor{ID: r.ID, VendorID: r.VendorID, SubcontractorID: r.SubcontractorID, Service: r.Service,
			HandlesOurData: r.HandlesOurData, CreatedAt: r.CreatedAt.UTC(), SubcontractorName: r.SubcontractorName}
	}
	return out, nil
}

// DeleteSubcontractor removes one link.
func (s *Vendors) DeleteSubcontractor(ctx context.Context, vendorID, id string) error {
	res := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Delete(&subcontractorRow{})
	if res.Error != nil {
		return fmt.Errorf("delete subcontractor link %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// SubcontractorsOf returns the distinct subcontractors of the given vendors.
func (s *Vendors) SubcontractorsOf(ctx context.Context, vendorIDs []string) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&subcontractorRow{}).Distinct("subcontractor_id").
		Where("vendor_id IN ?", vendorIDs).Pluck("subcontractor_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("query subcontractors: %w", dbErr(err))
	}
	return ids, nil
}

// LockSubcontractorGraph takes the graph's row lock until the transaction ends.
func (s *Vendors) LockSubcontractorGraph(ctx context.Context) error {
	return takeLock(ctx, s.db, "subcontractor_graph")
}

// VendorsRelyingOn returns the distinct vendors that list any of the given vendors as subcontractor.
func (s *Vendors) VendorsRelyingOn(ctx context.Context, vendorIDs []string) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&subcontractorRow{}).Distinct("vendor_id").
		Where("subcontractor_id IN ?", vendorIDs).Pluck("vendor_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("query vendors relying on: %w", dbErr(err))
	}
	return ids, nil
}
