package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/vendor"
)

// Vendors stores the vendor register.
type Vendors struct{ db *DB }

// NewVendors returns the vendor repository.
func NewVendors(db *DB) *Vendors { return &Vendors{db: db} }

var _ vendor.Repository = (*Vendors)(nil)

type vendorRow struct {
	ID              string `gorm:"primaryKey"`
	Kind            string
	Name            string
	LegalName       string
	CorporateNumber *string
	RegistrationIDs string
	Country         string
	Website         string
	Description     string
	InternalOwner   string
	Status          string
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
}

func (vendorRow) TableName() string { return "vendors" }

type vendorTagRow struct {
	VendorID string `gorm:"primaryKey"`
	Tag      string `gorm:"primaryKey"`
}

func (vendorTagRow) TableName() string { return "vendor_tags" }

type registrationIDJSON struct {
	Scheme string `json:"scheme"`
	Value  string `json:"value"`
}

func toVendorRow(v vendor.Vendor) vendorRow {
	ids := make([]registrationIDJSON, len(v.RegistrationIDs))
	for i, r := range v.RegistrationIDs {
		ids[i] = registrationIDJSON(r)
	}
	regs, _ := json.Marshal(ids) // a slice of string pairs always marshals
	var corp *string
	if v.CorporateNumber != "" {
		corp = &v.CorporateNumber
	}
	return vendorRow{
		ID: v.ID, Kind: string(v.Kind), Name: v.Name, LegalName: v.LegalName, CorporateNumber: corp,
		RegistrationIDs: string(regs), Country: v.Country, Website: v.Website, Description: v.Description,
		InternalOwner: v.InternalOwner, Status: string(v.Status), Version: v.Version,
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
	}
}

func (r vendorRow) toDomain(tags []string) (vendor.Vendor, error) {
	var ids []registrationIDJSON
	if err := json.Unmarshal([]byte(r.RegistrationIDs), &ids); err != nil {
		return vendor.Vendor{}, fmt.Errorf("decode registration ids of vendor %s: %w", r.ID, err)
	}
	regs := make([]vendor.RegistrationID, len(ids))
	for i, id := range ids {
		regs[i] = vendor.RegistrationID(id)
	}
	v := vendor.Vendor{
		ID: r.ID, Kind: vendor.Kind(r.Kind), Name: r.Name, LegalName: r.LegalName, RegistrationIDs: regs,
		Country: r.Country, Website: r.Website, Description: r.Description, InternalOwner: r.InternalOwner,
		Tags: tags, Status: vendor.Status(r.Status), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if r.CorporateNumber != nil {
		v.CorporateNumber = *r.CorporateNumber
	}
	return v, nil
}

// Create inserts the vendor and its tags in one transaction.
func (s *Vendors) Create(ctx context.Context, v vendor.Vendor) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		row := toVendorRow(v)
		if err := s.db.conn(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("insert vendor: %w", dbErr(err))
		}
		return s.insertTags(ctx, v.ID, v.Tags)
	})
}

func (s *Vendors) insertTags(ctx context.Context, id string, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	rows := make([]vendorTagRow, len(tags))
	for i, t := range tags {
		rows[i] = vendorTagRow{VendorID: id, Tag: t}
	}
	if err := s.db.conn(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("insert vendor tags: %w", dbErr(err))
	}
	return nil
}

// Get reads one vendor with its tags.
func (s *Vendors) Get(ctx context.Context, id string) (vendor.Vendor, error) {
	return s.get(ctx, s.db.conn(ctx), id)
}

// GetForUpdate reads one vendor and locks its row (MySQL; SQLite transactions already hold the write lock).
func (s *Vendors) GetForUpdate(ctx context.Context, id string) (vendor.Vendor, error) {
	return s.get(ctx, s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), id)
}

func (s *Vendors) get(ctx context.Context, q *gorm.DB, id string) (vendor.Vendor, error) {
	var row vendorRow
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return vendor.Vendor{}, dbErr(err)
	}
	tags, err := s.tagsOf(ctx, []string{id})
	if err != nil {
		return vendor.Vendor{}, err
	}
	return row.toDomain(tags[id])
}

// tagsOf loads the tags of many vendors in one query.
func (s *Vendors) tagsOf(ctx context.Context, ids []string) (map[string][]string, error) {
	var rows []vendorTagRow
	if err := s.db.conn(ctx).Where("vendor_id IN ?", ids).Order("tag").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load vendor tags: %w", dbErr(err))
	}
	out := make(map[string][]string, len(ids))
	for _, r := range rows {
		out[r.VendorID] = append(out[r.VendorID], r.Tag)
	}
	return out, nil
}

// likeEscaper escapes LIKE wildcards with '!', an escape character both dialects read the same way.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// List applies the filter with keyset pagination: rows after the cursor in the sort order, ID breaking ties.
func (s *Vendors) List(ctx context.Context, f vendor.Filter) ([]vendor.Vendor, error) {
	q := s.db.conn(ctx).Model(&vendorRow{})
	if f.IDs != nil {
		q = q.Where("id IN ?", f.IDs)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Country != "" {
		q = q.Where("country = ?", f.Country)
	}
	if f.Tag != "" {
		q = q.Where("EXISTS (SELECT 1 FROM vendor_tags t WHERE t.vendor_id = vendors.id AND t.tag = ?)", f.Tag)
	}
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(f.Query) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR legal_name LIKE ? ESCAPE '!')", like, like)
	}
	q = keyset(q, f.Sort, f.After)
	var rows []vendorRow
	if err := q.Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query vendors: %w", dbErr(err))
	}
	if len(rows) == 0 {
		return []vendor.Vendor{}, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	tags, err := s.tagsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]vendor.Vendor, len(rows))
	for i, r := range rows {
		if out[i], err = r.toDomain(tags[r.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keyset orders by the sort key and ID and starts after the cursor. The name condition is written as
// name >= ? AND (...) so that the (name, id) index serves it as a range.
func keyset(q *gorm.DB, sort string, after *domain.Cursor) *gorm.DB {
	desc := strings.HasPrefix(sort, "-")
	dir, cmp, cmpEq := "ASC", ">", ">="
	if desc {
		dir, cmp, cmpEq = "DESC", "<", "<="
	}
	switch strings.TrimPrefix(sort, "-") {
	case "name":
		if after != nil {
			q = q.Where("name "+cmpEq+" ? AND (name "+cmp+" ? OR id "+cmp+" ?)", after.Value, after.Value, after.ID)
		}
		return q.Order("name " + dir).Order("id " + dir)
	default: // created_at: IDs are UUIDv7, ordered by creation time
		if after != nil {
			q = q.Where("id "+cmp+" ?", after.ID)
		}
		return q.Order("id " + dir)
	}
}

// Update writes v when the stored version is v.Version-1 and replaces its tags.
func (s *Vendors) Update(ctx context.Context, v vendor.Vendor) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		row := toVendorRow(v)
		res := s.db.conn(ctx).Model(&vendorRow{}).Where("id = ? AND version = ?", v.ID, v.Version-1).
			Select("*").Omit("id", "created_at").Updates(&row)
		if res.Error != nil {
			return fmt.Errorf("update vendor %s: %w", v.ID, dbErr(res.Error))
		}
		if res.RowsAffected == 0 {
			return domain.ErrStaleVersion
		}
		if err := s.db.conn(ctx).Where("vendor_id = ?", v.ID).Delete(&vendorTagRow{}).Error; err != nil {
			return fmt.Errorf("clear vendor tags: %w", dbErr(err))
		}
		return s.insertTags(ctx, v.ID, v.Tags)
	})
}

// Delete removes the vendor; contacts, certifications, tags and its own links go by cascade.
func (s *Vendors) Delete(ctx context.Context, id string) error {
	res := s.db.conn(ctx).Where("id = ?", id).Delete(&vendorRow{})
	if res.Error != nil {
		return fmt.Errorf("delete vendor %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// ReferencedBy lists what still refers to the vendor.
func (s *Vendors) ReferencedBy(ctx context.Context, id string) ([]string, error) {
	checks := []struct{ what, table, column string }{
		{"subcontractor links of other vendors", "vendor_subcontractors", "subcontractor_id"},
		{"supplier api keys", "api_keys", "vendor_id"},
		{"engagements", "engagements", "vendor_id"},
	}
	var refs []string
	for _, c := range checks {
		var n int64
		if err := s.db.conn(ctx).Table(c.table).Where(c.column+" = ?", id).Limit(1).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("count %s: %w", c.table, dbErr(err))
		}
		if n > 0 {
			refs = append(refs, c.what)
		}
	}
	return refs, nil
}
