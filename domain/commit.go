package domain

import "context"

// commitHooks are what must run last in a transaction, just before it commits.
type commitHooks struct {
	fns     []func(ctx context.Context) error
	batches map[any]any // Batch's collections by key
}

type commitHooksKey struct{}

// WithCommitHooks is for TxManager implementations: called when the outermost transaction begins, it
// returns the context that carries the hooks and the function that runs them, in order, inside the
// transaction after the use case's work and before the commit.
func WithCommitHooks(ctx context.Context) (context.Context, func(ctx context.Context) error) {
	h := &commitHooks{}
	return context.WithValue(ctx, commitHooksKey{}, h), func(ctx context.Context) error {
		for _, fn := range h.fns {
			if err := fn(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// BeforeCommit registers fn to run last in ctx's transaction, and reports whether ctx carries one.
// The audit trail appends there: its head row is the one lock every write takes, so taking it last,
// in every transaction, keeps the lock order the same everywhere (no deadlock between a use case that
// locks rows after recording an event and one that records after locking them).
func BeforeCommit(ctx context.Context, fn func(ctx context.Context) error) bool {
	h, ok := ctx.Value(commitHooksKey{}).(*commitHooks)
	if ok {
		h.fns = append(h.fns, fn)
	}
	return ok
}

// batch is the items one Batch key collected in a transaction.
type batch[T any] struct{ items []T }

// Batch adds items to the transaction's batch under key and reports whether ctx carries a
// transaction. The first call for a key registers flush to run before the commit, in that call's
// place among the hooks, with everything the transaction added under the key by then: a use case that
// records ten thousand events (an import) writes them with one flush, not ten thousand.
func Batch[T any](ctx context.Context, key any, flush func(ctx context.Context, items []T) error, items ...T) bool {
	h, ok := ctx.Value(commitHooksKey{}).(*commitHooks)
	if !ok {
		return false
	}
	if b, ok := h.batches[key].(*batch[T]); ok {
		b.items = append(b.items, items...)
		return true
	}
	b := &batch[T]{items: items}
	if h.batches == nil {
		h.batches = map[any]any{}
	}
	h.batches[key] = b
	h.fns = append(h.fns, func(ctx context.Context) error { return flush(ctx, b.items) })
	return true
}
