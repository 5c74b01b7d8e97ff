package repository

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

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
func (s *Vendors) CreateSubcontractor(ctx context.Context, sc register.Subcontractor) error {
	row := subcontractorRow{ID: sc.ID, VendorID: sc.VendorID, SubcontractorID: sc.SubcontractorID, Service: sc.Service,
		HandlesOurData: sc.HandlesOurData, CreatedAt: sc.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert subcontractor link: %w", dbErr(err))
	}
	return nil
}

// ListSubcontractors lists a vendor's links with the subcontractors' names, by name.
func (s *Vendors) ListSubcontractors(ctx context.Context, vendorID string) ([]register.Subcontractor, error) {
	return s.SubcontractorLinksOf(ctx, []string{vendorID})
}

// SubcontractorLinksOf lists the links of several vendors in one query, by subcontractor name.
func (s *Vendors) SubcontractorLinksOf(ctx context.Context, vendorIDs []string) ([]register.Subcontractor, error) {
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
	out := make([]register.Subcontractor, len(rows))
	for i, r := range rows {
		out[i] = register.Subcontractor{ID: r.ID, VendorID: r.VendorID, SubcontractorID: r.SubcontractorID, Service: r.Service,
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
