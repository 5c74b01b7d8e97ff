package repository

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/portal"
)

// PortalTokens stores the supplier portal's invitations and sessions.
type PortalTokens struct{ db *DB }

// NewPortalTokens returns the portal token repository.
func NewPortalTokens(db *DB) *PortalTokens { return &PortalTokens{db: db} }

var _ portal.Repository = (*PortalTokens)(nil)

type portalTokenRow struct {
	ID           string `gorm:"primaryKey"`
	Kind         string
	Hash         string
	KeyID        string
	VendorID     string
	AssessmentID string
	CSRF         string `gorm:"column:csrf"`
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time
	EndedAt      *time.Time
}

func (portalTokenRow) TableName() string { return "portal_tokens" }

// Create inserts a token.
func (s *PortalTokens) Create(ctx context.Context, t portal.Token) error {
	row := portalTokenRow{ID: t.ID, Kind: string(t.Kind), Hash: t.Hash, KeyID: t.KeyID, VendorID: t.VendorID,
		AssessmentID: t.AssessmentID, CSRF: t.CSRF, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert portal token: %w", dbErr(err))
	}
	return nil
}

// GetByHash reads a token by its secret's hash.
func (s *PortalTokens) GetByHash(ctx context.Context, hash string) (portal.Token, error) {
	var r portalTokenRow
	if err := s.db.conn(ctx).Where("hash = ?", hash).Take(&r).Error; err != nil {
		return portal.Token{}, dbErr(err)
	}
	return portal.Token{ID: r.ID, Kind: portal.Kind(r.Kind), Hash: r.Hash, KeyID: r.KeyID, VendorID: r.VendorID,
		AssessmentID: r.AssessmentID, CSRF: r.CSRF, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		UsedAt: utcPtr(r.UsedAt), EndedAt: utcPtr(r.EndedAt)}, nil
}

// Use marks an unused invitation used; the conditional update makes two concurrent exchanges of one
// invitation open one session between them.
func (s *PortalTokens) Use(ctx context.Context, id string, at time.Time) (bool, error) {
	res := s.db.conn(ctx).Model(&portalTokenRow{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", at.UTC())
	if res.Error != nil {
		return false, dbErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// End marks a session ended.
func (s *PortalTokens) End(ctx context.Context, id string, at time.Time) error {
	res := s.db.conn(ctx).Model(&portalTokenRow{}).Where("id = ? AND ended_at IS NULL", id).Update("ended_at", at.UTC())
	return dbErr(res.Error)
}
