package api_test

import (
	"context"
	"log/slog"
	"sync"
)

// warnings keeps the messages the handler logged at warning level or above (and passes every record
// on), so that a test can tell a write the audit middleware found suspicious.
type warnings struct {
	next slog.Handler
	mu   *sync.Mutex
	msgs *[]string
}

func newWarnings(next slog.Handler) warnings {
	return warnings{next: next, mu: &sync.Mutex{}, msgs: new([]string)}
}

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || w.next.Enabled(ctx, l)
}

func (w warnings) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		w.mu.Lock()
		*w.msgs = append(*w.msgs, r.Message)
		w.mu.Unlock()
	}
	if !w.next.Enabled(ctx, r.Level) {
		return nil
	}
	return w.next.Handle(ctx, r)
}

func (w warnings) WithAttrs(as []slog.Attr) slog.Handler {
	w.next = w.next.WithAttrs(as)
	return w
}

func (w warnings) WithGroup(name string) slog.Handler {
	w.next = w.next.WithGroup(name)
	return w
}

// count is how many times msg was logged so far.
func (w warnings) count(msg string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, m := range *w.msgs {
		if m == msg {
			n++
		}
	}
	return n
}
