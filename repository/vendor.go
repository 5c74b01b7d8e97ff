package repository

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"database/sql"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// Vendors stores the vendor register.
type Vendors struct {
	db    *DB
	reads *prepared // the vendor reads, prepared once
}

// NewVendors returns the vendor repository.
func NewVendors(db *DB) *Vendors { return &Vendors{db: db, reads: newPrepared(db)} }

var _ register.Repository = (*Vendors)(nil)

type vendorRow struct {
	ID              string `gorm:"primaryKey"`
	Kind            string
	Name            string
	LegalName       string
	CorporateNumber *string
	ExternalRef     *string
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

func toVendorRow(v register.Vendor) vendorRow {
	ids := make([]registrationIDJSON, len(v.RegistrationIDs))
	for i, r := range v.RegistrationIDs {
		ids[i] = registrationIDJSON(r)
	}
	regs, _ := json.Marshal(ids) // a slice of string pairs always marshals
	var corp, ref *string
	if v.CorporateNumber != "" {
		corp = &v.CorporateNumber
	}
	if v.ExternalRef != "" {
		ref = &v.ExternalRef
	}
	return vendorRow{
		ID: v.ID, Kind: string(v.Kind), Name: v.Name, LegalName: v.LegalName, CorporateNumber: corp,
		ExternalRef: ref, RegistrationIDs: string(regs), Country: v.Country, Website: v.Website, Description: v.Description,
		InternalOwner: v.InternalOwner, Status: string(v.Status), Version: v.Version,
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
	}
}

func (r vendorRow) toDomain(tags []string) (register.Vendor, error) {
	var ids []registrationIDJSON
	if r.RegistrationIDs != "[]" { // most vendors have none: skip the decoder
		if err := json.Unmarshal([]byte(r.RegistrationIDs), &ids); err != nil {
			return register.Vendor{}, fmt.Errorf("decode registration ids of vendor %s: %w", r.ID, err)
		}
	}
	regs := make([]register.RegistrationID, len(ids))
	for i, id := range ids {
		regs[i] = register.RegistrationID(id)
	}
	v := register.Vendor{
		ID: r.ID, Kind: register.Kind(r.Kind), Name: r.Name, LegalName: r.LegalName, RegistrationIDs: regs,
		Country: r.Country, Website: r.Website, Description: r.Description, InternalOwner: r.InternalOwner,
		Tags: tags, Status: register.Status(r.Status), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if r.CorporateNumber != nil {
		v.CorporateNumber = *r.CorporateNumber
	}
	if r.ExternalRef != nil {
		v.ExternalRef = *r.ExternalRef
	}
	return v, nil
}

// Create inserts the vendor and its tags in one transaction.
func (s *Vendors) Create(ctx context.Context, v register.Vendor) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		row := toVendorRow(v)
		if err := s.db.conn(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("insert vendor: %w", s.uniqueRef(ctx, dbErr(err), v))
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

// Get reads one vendor with its tags, in one statement.
func (s *Vendors) Get(ctx context.Context, id string) (register.Vendor, error) {
	return s.get(ctx, id, "")
}

// GetForUpdate reads one vendor and locks its row (MySQL; SQLite transactions already hold the write lock).
func (s *Vendors) GetForUpdate(ctx context.Context, id string) (register.Vendor, error) {
	lock := ""
	if s.db.dialect == DialectMySQL {
		lock = " FOR UPDATE"
	}
	return s.get(ctx, id, lock)
}

func (s *Vendors) get(ctx context.Context, id, lock string) (register.Vendor, error) {
	rows, err := s.reads.query(ctx, "SELECT "+vendorColumns+" FROM vendors WHERE id = ?"+lock, id)
	if err != nil {
		return register.Vendor{}, fmt.Errorf("read vendor %s: %w", id, err)
	}
	vs, err := scanVendors(rows, 1)
	if err != nil {
		return register.Vendor{}, fmt.Errorf("read vendor %s: %w", id, err)
	}
	if len(vs) == 0 {
		return register.Vendor{}, domain.ErrNotFound
	}
	return vs[0], nil
}

// vendorColumns are what a vendor read selects: the row and its tags, joined by commas in tag order
// (tags are at most 20 of at most 40 characters of a-z0-9_.:-, so no comma inside and well under
// MySQL's default group_concat_max_len of 1024), so that one statement reads the whole aggregate.
const vendorColumns = `id, kind, name, legal_name, corporate_number, external_ref, registration_ids, country, website,
description, internal_owner, status, version, created_at, updated_at,
(SELECT GROUP_CONCAT(t.tag ORDER BY t.tag) FROM vendor_tags t WHERE t.vendor_id = vendors.id) AS tags`

// scanVendors reads rows of vendorColumns.
func scanVendors(rows *sql.Rows, capacity int) ([]register.Vendor, error) {
	defer rows.Close()
	out := make([]register.Vendor, 0, capacity)
	for rows.Next() {
		var (
			r    vendorRow
			tags sql.NullString
		)
		if err := rows.Scan(&r.ID, &r.Kind, &r.Name, &r.LegalName, &r.CorporateNumber, &r.ExternalRef, &r.RegistrationIDs, &r.Country,
			&r.Website, &r.Description, &r.InternalOwner, &r.Status, &r.Version, &r.CreatedAt, &r.UpdatedAt, &tags); err != nil {
			return nil, fmt.Errorf("scan vendor: %w", markUnavailable(err))
		}
		var list []string
		if tags.Valid && tags.String != "" {
			list = strings.Split(tags.String, ",")
		}
		v, err := r.toDomain(list)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, markUnavailable(err)
	}
	return out, nil
}

// likeEscaper escapes LIKE wildcards with '!', an escape character both dialects read the same way.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// List applies the filter with keyset pagination: rows after the cursor in the sort order, ID breaking
// ties. One statement reads the page with its tags.
func (s *Vendors) List(ctx context.Context, f register.Filter) ([]register.Vendor, error) {
	var (
		where []string
		args  []any
	)
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return []register.Vendor{}, nil
		}
		where = append(where, "id IN (?"+strings.Repeat(",?", len(f.IDs)-1)+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Country != "" {
		where, args = append(where, "country = ?"), append(args, f.Country)
	}
	if f.ExternalRef != "" {
		where, args = append(where, "external_ref = ?"), append(args, f.ExternalRef)
	}
	if f.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM vendor_tags t WHERE t.vendor_id = vendors.id AND t.tag = ?)")
		args = append(args, f.Tag)
	}
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(f.Query) + "%"
		where, args = append(where, "(name LIKE ? ESCAPE '!' OR legal_name LIKE ? ESCAPE '!')"), append(args, like, like)
	}
	cond, order, kargs := keysetSQL(f.Sort, f.After)
	if cond != "" {
		where, args = append(where, cond), append(args, kargs...)
	}
	var q strings.Builder
	q.WriteString("SELECT " + vendorColumns + " FROM vendors")
	if len(where) > 0 {
		q.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	q.WriteString(" ORDER BY " + order + " LIMIT ?")
	args = append(args, f.Limit)
	query := s.reads.query
	if f.IDs != nil { // a text per number of IDs: not worth keeping
		query = s.db.query
	}
	rows, err := query(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("query vendors: %w", err)
	}
	out, err := scanVendors(rows, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("query vendors: %w", err)
	}
	return out, nil
}

// keysetSQL is keyset for plain SQL: the condition after the cursor (empty without one), its
// arguments, and the order.
func keysetSQL(sort string, after *domain.Cursor) (cond, order string, args []any) {
	desc := strings.HasPrefix(sort, "-")
	dir, cmp, cmpEq := "ASC", ">", ">="
	if desc {
		dir, cmp, cmpEq = "DESC", "<", "<="
	}
	switch strings.TrimPrefix(sort, "-") {
	case "name":
		if after != nil {
			cond, args = "name "+cmpEq+" ? AND (name "+cmp+" ? OR id "+cmp+" ?)", []any{after.Value, after.Value, after.ID}
		}
		return cond, "name " + dir + ", id " + dir, args
	default: // created_at: IDs are UUIDv7, ordered by creation time
		if after != nil {
			cond, args = "id "+cmp+" ?", []any{after.ID}
		}
		return cond, "id " + dir, args
	}
}

// Update writes v when the stored version is v.Version-1 and replaces its tags.
func (s *Vendors) Update(ctx context.Context, v register.Vendor) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		row := toVendorRow(v)
		res := s.db.conn(ctx).Model(&vendorRow{}).Where("id = ? AND version = ?", v.ID, v.Version-1).
			Select("*").Omit("id", "created_at").Updates(&row)
		if res.Error != nil {
			return fmt.Errorf("update vendor %s: %w", v.ID, s.uniqueRef(ctx, dbErr(res.Error), v))
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

// uniqueRef names external_ref when a duplicate comes from its unique index, so that the client
// learns which value collides (the driver's message is not kept by GORM's error translation: ask).
func (s *Vendors) uniqueRef(ctx context.Context, err error, v register.Vendor) error {
	if !errors.Is(err, domain.ErrDuplicate) || v.ExternalRef == "" {
		return err
	}
	var n int64
	if s.db.conn(ctx).Model(&vendorRow{}).Where("external_ref = ? AND id <> ?", v.ExternalRef, v.ID).Count(&n).Error != nil || n == 0 {
		return err
	}
	return &domain.Error{Kind: domain.KindConflict, Message: "another vendor has this external_ref",
		Fields: []domain.FieldError{{Field: "external_ref", Message: "is already used"}}}
}

// ByKeys returns the vendors whose corporate number or external reference is among the given ones,
// in one statement (the import's batch lookup).
func (s *Vendors) ByKeys(ctx context.Context, corporateNumbers, externalRefs []string) ([]register.Vendor, error) {
	var (
		where []string
		args  []any
	)
	if len(corporateNumbers) > 0 {
		where = append(where, "corporate_number IN (?"+strings.Repeat(",?", len(corporateNumbers)-1)+")")
		for _, n := range corporateNumbers {
			args = append(args, n)
		}
	}
	if len(externalRefs) > 0 {
		where = append(where, "external_ref IN (?"+strings.Repeat(",?", len(externalRefs)-1)+")")
		for _, r := range externalRefs {
			args = append(args, r)
		}
	}
	if len(where) == 0 {
		return nil, nil
	}
	rows, err := s.db.query(ctx, "SELECT "+vendorColumns+" FROM vendors WHERE "+strings.Join(where, " OR "), args...)
	if err != nil {
		return nil, fmt.Errorf("query vendors by key: %w", err)
	}
	return scanVendors(rows, len(args))
}
