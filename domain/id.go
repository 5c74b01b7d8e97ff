package domain

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new opaque identifier. UUIDv7 is time-ordered, so ordering by ID is creation order.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// ValidID reports whether s looks like an ID we issue; anything else cannot exist.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Clock tells the time; services take one so that tests control it.
type Clock func() time.Time

// SystemClock is the real clock, in UTC, truncated to the microsecond that MySQL's DATETIME(6) keeps,
// so that a resource reads back exactly as it was returned when written.
func SystemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// TxManager runs fn in one database transaction carried by the context; nested calls join it.
type TxManager interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}
