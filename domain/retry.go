package domain

import "context"

type noRetryKey struct{}

// NoRetry marks a unit of work that cannot be run a second time (an HTTP handler that has consumed
// its request): when its transaction is aborted by a conflict (a deadlock, or a Galera certification
// failure at commit), the TxManager reports ErrUnavailable instead of running it again, and the
// client retries (a create with its Idempotency-Key).
func NoRetry(ctx context.Context) context.Context { return context.WithValue(ctx, noRetryKey{}, true) }

// Retryable reports whether the unit of work carried by ctx may be run again after a conflict.
func Retryable(ctx context.Context) bool { v, _ := ctx.Value(noRetryKey{}).(bool); return !v }
