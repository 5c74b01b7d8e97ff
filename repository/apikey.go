package repository

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// APIKeys stores credentials.
type APIKeys struct{ db *DB }

// NewAPIKeys returns the credential repository.
func NewAPIKeys(db *DB) *APIKeys { return &APIKeys{db: db} }

var _ apikey.Repository = (*APIKeys)(nil)

type apiKeyRow struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	Role       string
	VendorID   *string
	Prefix     string
	Hash       string
	CreatedBy  string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r apiKeyRow) toDomain() apikey.Key {
	k := apikey.Key{ID: r.ID, Name: r.Name, Role: auth.Role(r.Role), Prefix: r.Prefix, Hash: r.Hash,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: utcPtr(r.ExpiresAt),
		RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt)}
	if r.VendorID != nil {
		k.VendorID = *r.VendorID
	}
	return k
}

// Create inserts a key.
func (s *APIKeys) Create(ctx context.Context, k apikey.Key) error {
	row := apiKeyRow{ID: k.ID, Name: k.Name, Role: string(k.Role), Prefix: k.Prefix, Hash: k.Hash,
		CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC(), ExpiresAt: utcPtr(k.ExpiresAt)}
	if k.VendorID != "" {
		row.VendorID = &k.VendorID
	}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert api key: %w", dbErr(err))
	}
	return nil
}

// Get reads a key by ID.
func (s *APIKeys) Get(ctx context.Context, id string) (apikey.Key, error) {
	return s.take(ctx, "id = ?", id)
}

// GetByHash reads a key by its secret's hash.
func (s *APIKeys) GetByHash(ctx context.Context, hash string) (apikey.Key, error) {
	return s.take(ctx, "hash = ?", hash)
}

func (s *APIKeys) take(ctx context.Context, where string, arg any) (apikey.Key, error) {
	var row apiKeyRow
	if err := s.db.conn(ctx).Where(where, arg).Take(&row).Error; err != nil {
		return apikey.Key{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// List returns keys after afterID in ID order.
func (s *APIKeys) List(ctx context.Context, afterID string, limit int) ([]apikey.Key, error) {
	var rows []apiKeyRow
	q := s.db.conn(ctx).Order("id").Limit(limit)
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query api keys: %w", dbErr(err))
	}
	out := make([]apikey.Key, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// Revoke sets the revocation time once.
func (s *APIKeys) Revoke(ctx context.Context, id string, at time.Time) error {
	res := s.db.conn(ctx).Model(&apiKeyRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at.UTC())
	if res.Error != nil {
		return fmt.Errorf("revoke api key: %w", dbErr(res.Error))
	}
	return nil
}

// TouchLastUsed records a use.
func (s *APIKeys) TouchLastUsed(ctx context.Context, id string, at time.Time) error {
	err := s.db.conn(ctx).Model(&apiKeyRow{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("touch api key: %w", dbErr(err))
	}
	return nil
}

// Count counts every key, revoked or not.
func (s *APIKeys) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.conn(ctx).Model(&apiKeyRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count api keys: %w", dbErr(err))
	}
	return n, nil
}

// VendorExists reports whether a vendor exists; it backs apikey.VendorExists.
func (s *APIKeys) VendorExists(ctx context.Context, id string) (bool, error) {
	var n int64
	if err := s.db.conn(ctx).Model(&vendorRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check vendor: %w", dbErr(err))
	}
	return n > 0, nil
}
