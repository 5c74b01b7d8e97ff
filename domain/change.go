package domain

import (
	"context"
	"errors"
	"fmt"
)

// Change is the one read-modify-write of a versioned aggregate T: every update use case describes
// its aggregate once with a Change and applies it, so that If-Match, the version bump, a concurrent
// writer's stale version and the event are handled the same way everywhere.
type Change[T any] struct {
	Resource string    // names the aggregate in errors: "vendor"
	Lock     Getter[T] // reads it by ID under its row lock (ErrNotFound when there is none)
	// Store writes it when the stored version is still the one read (else ErrStaleVersion).
	Store   func(ctx context.Context, v T) error
	Version func(v *T) *int // the version field (the ETag)
	Touch   func(v *T)      // stamps the time of the change
	// Clone copies what mutate may change in place (slices of the aggregate), so that Record sees the
	// state before; nil when a shallow copy is enough.
	Clone func(v T) T
	// Record records what happened, in the same transaction (the domain event).
	Record func(ctx context.Context, before, after T) error
}

// Apply runs the change in one transaction: load id under its lock, refuse a stale ifMatch
// (PreconditionFailed), mutate, bump the version, store, record. A writer that stored first makes the
// store stale, which is PreconditionFailed too.
func (c Change[T]) Apply(ctx context.Context, tx TxManager, id string, ifMatch *int,
	mutate func(ctx context.Context, v *T) error) (T, error) {
	var out T
	err := tx.InTx(ctx, func(ctx context.Context) error {
		v, err := Load(ctx, c.Resource, id, c.Lock, c.Lock, true)
		if err != nil {
			return err
		}
		if cur := *c.Version(&v); ifMatch != nil && *ifMatch != cur {
			return Errorf(KindPreconditionFailed,
				"the %s has changed: If-Match names version %d, the current version is %d", c.Resource, *ifMatch, cur)
		}
		before := v
		if c.Clone != nil {
			before = c.Clone(v)
		}
		if err := mutate(ctx, &v); err != nil {
			return err
		}
		*c.Version(&v)++
		c.Touch(&v)
		if err := c.Store(ctx, v); err != nil {
			if errors.Is(err, ErrStaleVersion) {
				return &Error{Kind: KindPreconditionFailed, Message: "the " + c.Resource + " was changed by another request; read it again",
					Format: "the %s was changed by another request; read it again", Args: []any{c.Resource}, Err: err}
			}
			return fmt.Errorf("store %s %s: %w", c.Resource, id, err)
		}
		out = v
		if c.Record == nil {
			return nil
		}
		return c.Record(ctx, before, v)
	})
	return out, err
}
