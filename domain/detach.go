package domain

import (
	"context"
	"time"
)

// DetachTimeout bounds the work Detach lets outlive its caller.
const DetachTimeout = 30 * time.Second

// Detach returns a context for work that must finish after the caller gave up (storing an outcome,
// releasing a lease): it keeps ctx's values but not its cancellation, and has a deadline of its own,
// so that a database that stopped answering does not hold it for ever.
func Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), DetachTimeout)
}
