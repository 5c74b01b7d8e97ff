// Package idempotency remembers the outcome of create requests sent with an Idempotency-Key, so that a
// client's retry returns the first result instead of creating a second record.
package idempotency

import (
	"context"
	"time"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Record is one remembered request. Status 0 means the first request is still running.
type Record struct {
	KeyID       string // the credential that sent it: keys are scoped per credential
	Key         string
	RequestHash string // method, route and body
	Status      int
	Location    string
	ETag        string
	Body        []byte
	CreatedAt   time.Time
}

// Store keeps records. Reserve inserts a pending record and reports false when one exists already.
type Store interface {
	Reserve(ctx context.Context, r Record) (bool, error)
	Get(ctx context.Context, keyID, key string) (Record, error)
	Complete(ctx context.Context, r Record) error
	Release(ctx context.Context, keyID, key string) error
	DeleteBefore(ctx context.Context, t time.Time) (int64, error)
}
