package domain

import (
	"context"
	"errors"
	"fmt"
)

// Getter reads one record by ID, returning ErrNotFound when there is none.
type Getter[T any] func(ctx context.Context, id string) (T, error)

// Load reads a record by an ID that came from a client: a malformed ID or a missing record is NotFound
// for resource (an ID we never issued cannot exist); any other error is wrapped with context. forUpdate
// selects the locking read.
func Load[T any](ctx context.Context, resource, id string, get, getForUpdate Getter[T], forUpdate bool) (T, error) {
	var zero T
	if !ValidID(id) {
		return zero, NotFound(resource, id)
	}
	if forUpdate {
		get = getForUpdate
	}
	v, err := get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return zero, NotFound(resource, id)
	}
	if err != nil {
		return zero, fmt.Errorf("load %s %s: %w", resource, id, err)
	}
	return v, nil
}

// Set copies *src into *dst when src is not nil: the one rule of every partial update.
func Set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
