// Package idempotency remembers the outcome of create requests sent with an Idempotency-Key, so that a
// client's retry returns the first result instead of creating a second record.
package idempotency

import (
	"context"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Record is one remembered request. Status 0 means the first request is still running, or, with a
// Location, that its change committed but its response was never stored (the process died).
type Record struct {
	KeyID       string // the credential that sent it: keys are scoped per credential
	Key         string
	RequestHash string // method, route and body
	Status      int
	Location    string
	ETag        string
	Body        []byte
	CreatedAt   time.Time
	// Token fences the reservation: a retry that takes over an abandoned one gets a new token, and
	// the first request, if it was only slow, can then neither mark, complete nor release the key.
	Token string
}

// ErrTakenOver is a request whose reservation a retry took over: its change is rolled back.
var ErrTakenOver = domain.Errorf(domain.KindConflict,
	"a retry with this Idempotency-Key took the request over; nothing of this attempt was saved")

// Store keeps records. Reserve inserts a pending record and reports false when one exists already.
// Complete, Release and MarkCommitted act only on the reservation r's token names.
type Store interface {
	Reserve(ctx context.Context, r Record) (bool, error)
	Get(ctx context.Context, keyID, key string) (Record, error)
	Complete(ctx context.Context, r Record) error
	// Release forgets a reservation whose request failed, unless its change committed.
	Release(ctx context.Context, r Record) error
	// MarkCommitted records, inside the use case's transaction, where the created resource is read;
	// ErrTakenOver when the reservation is no longer r's.
	MarkCommitted(ctx context.Context, r Record, location string) error
	DeleteBefore(ctx context.Context, t time.Time) (int64, error)
}

// Claim is a request that holds a reserved key while its use case runs. The use case's transaction
// marks the key with where the created resource is read, together with the change: a replica that
// dies between the commit and storing the response leaves a marked key, and the retry is answered
// from the resource instead of creating it a second time.
type Claim struct {
	Reservation Record
	// Type is the event subject type of the resource the request creates ("vendor").
	Type string
	// Locate names the path the created resource is read at.
	Locate func(event.Subject) string
}

type claimKey struct{}

// WithClaim returns ctx carrying c, for the use case the request runs.
func WithClaim(ctx context.Context, c *Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

// Marker is the event recorder that marks a claimed key in the transaction that creates the claim's
// resource. It sits first among the recorders: the mark is one row the request itself reserved, so
// taking its lock before the audit trail's keeps every transaction's lock order the same.
type Marker struct{ Store Store }

// Record implements event.Recorder.
func (m Marker) Record(ctx context.Context, events ...event.Event) error {
	c, ok := ctx.Value(claimKey{}).(*Claim)
	if !ok || c.Locate == nil {
		return nil
	}
	for _, e := range events {
		if e.Subject.Type != c.Type {
			continue
		}
		// Batched per transaction attempt: the first created subject of the claim's type is the one.
		domain.Batch(ctx, c, func(ctx context.Context, at []string) error {
			return m.Store.MarkCommitted(ctx, c.Reservation, at[0])
		}, c.Locate(e.Subject))
		return nil
	}
	return nil
}
