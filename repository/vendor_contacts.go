package repository

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
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

func toContactRow(c register.Contact) contactRow {
	return contactRow{ID: c.ID, VendorID: c.VendorID, Name: c.Name, Email: c.Email, Phone: c.Phone, Role: c.Role,
		IsPrimary: c.Primary, Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r contactRow) toDomain() register.Contact {
	return register.Contact{ID: r.ID, VendorID: r.VendorID, Name: r.Name, Email: r.Email, Phone: r.Phone, Role: r.Role,
		Primary: r.IsPrimary, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateContact inserts a contact.
func (s *Vendors) CreateContact(ctx context.Context, c register.Contact) error {
	row := toContactRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert contact: %w", dbErr(err))
	}
	return nil
}

// GetContact reads one contact of a vendor.
func (s *Vendors) GetContact(ctx context.Context, vendorID, id string) (register.Contact, error) {
	var row contactRow
	if err := s.db.conn(ctx).Where("vendor_id = ? AND id = ?", vendorID, id).Take(&row).Error; err != nil {
		return register.Contact{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// ListContacts lists a vendor's contacts, primary first, then by name.
func (s *Vendors) ListContacts(ctx context.Context, vendorID string) ([]register.Contact, error) {
	var rows []contactRow
	err := s.db.conn(ctx).Where("vendor_id = ?", vendorID).Order("is_primary DESC").Order("name").Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query contacts: %w", dbErr(err))
	}
	out := make([]register.Contact, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// UpdateContact writes c when the stored version is c.Version-1.
func (s *Vendors) UpdateContact(ctx context.Context, c register.Contact) error {
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
