package repository

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/idempotency"
)

// Idempotency stores idempotency records.
type Idempotency struct{ db *DB }

// NewIdempotency returns the idempotency store.
func NewIdempotency(db *DB) *Idempotency { return &Idempotency{db: db} }

var _ idempotency.Store = (*Idempotency)(nil)

type idempotencyRow struct {
	KeyID       string `gorm:"primaryKey"`
	IdemKey     string `gorm:"primaryKey"`
	RequestHash string
	Status      int
	Location    string
	ETag        string `gorm:"column:etag"`
	Body        []byte
	CreatedAt   time.Time
	Token       string
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// Reserve inserts a pending record; false means the key is taken (pending or completed).
func (s *Idempotency) Reserve(ctx context.Context, r idempotency.Record) (bool, error) {
	row := idempotencyRow{KeyID: r.KeyID, IdemKey: r.Key, RequestHash: r.RequestHash, CreatedAt: r.CreatedAt.UTC(), Token: r.Token}
	err := dbErr(s.db.conn(ctx).Create(&row).Error)
	if errors.Is(err, domain.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reserve idempotency key: %w", err)
	}
	return true, nil
}

// Get reads a record.
func (s *Idempotency) Get(ctx context.Context, keyID, key string) (idempotency.Record, error) {
	var row idempotencyRow
	if err := s.db.conn(ctx).Where("key_id = ? AND idem_key = ?", keyID, key).Take(&row).Error; err != nil {
		return idempotency.Record{}, dbErr(err)
	}
	return idempotency.Record{KeyID: row.KeyID, Key: row.IdemKey, RequestHash: row.RequestHash, Status: row.Status,
		Location: row.Location, ETag: row.ETag, Body: row.Body, CreatedAt: row.CreatedAt.UTC(), Token: row.Token}, nil
}

// Complete stores the response of a reserved record.
func (s *Idempotency) Complete(ctx context.Context, r idempotency.Record) error {
	err := s.db.conn(ctx).Model(&idempotencyRow{}).Where("key_id = ? AND idem_key = ? AND token = ?", r.KeyID, r.Key, r.Token).
		Updates(map[string]any{"status": r.Status, "location": r.Location, "etag": r.ETag, "body": r.Body}).Error
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", dbErr(err))
	}
	return nil
}

// MarkCommitted records where the created resource is read, in the use case's transaction (ctx).
func (s *Idempotency) MarkCommitted(ctx context.Context, r idempotency.Record, location string) error {
	res := s.db.conn(ctx).Model(&idempotencyRow{}).
		Where("key_id = ? AND idem_key = ? AND token = ? AND location = ''", r.KeyID, r.Key, r.Token).
		Update("location", location)
	if res.Error != nil {
		return fmt.Errorf("mark idempotency key committed: %w", dbErr(res.Error))
	}
	if res.RowsAffected != 1 {
		return idempotency.ErrTakenOver
	}
	return nil
}

// Release forgets a reservation whose request failed, so that the client may retry; a reservation
// whose change committed (a failure after the commit) is kept, so the retry replays the resource.
func (s *Idempotency) Release(ctx context.Context, r idempotency.Record) error {
	err := s.db.conn(ctx).Where("key_id = ? AND idem_key = ? AND token = ? AND location = ''", r.KeyID, r.Key, r.Token).
		Delete(&idempotencyRow{}).Error
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", dbErr(err))
	}
	return nil
}

// DeleteBefore removes records created before t.
func (s *Idempotency) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.conn(ctx).Where("created_at < ?", t.UTC()).Delete(&idempotencyRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("expire idempotency keys: %w", dbErr(res.Error))
	}
	return res.RowsAffected, nil
}
