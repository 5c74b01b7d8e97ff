package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// OutboxRepository stores outbox messages.
type OutboxRepository interface {
	// Append stores messages in ctx's transaction, assigning each its Seq in commit order (a writer
	// holds the outbox lock until its transaction ends, so a reader never sees a later seq commit
	// before an earlier one).
	Append(ctx context.Context, msgs []Message) error
	// After returns up to limit messages with seq above afterSeq, in order.
	After(ctx context.Context, afterSeq int64, limit int) ([]Message, error)
	// LastSeq is the highest seq stored (0 for none).
	LastSeq(ctx context.Context) (int64, error)
}

// Outbox is the event.Recorder that writes each event to the outbox in the transaction of the change:
// an event is delivered if and only if its change committed, and writing it costs one insert, never
// a network call.
type Outbox struct {
	repo OutboxRepository
	now  domain.Clock
}

// NewOutbox returns the outbox recorder.
func NewOutbox(repo OutboxRepository, now domain.Clock) *Outbox { return &Outbox{repo: repo, now: now} }

var _ event.Recorder = (*Outbox)(nil)

// Record implements event.Recorder; called inside the change's transaction.
func (o *Outbox) Record(ctx context.Context, events ...event.Event) error {
	if len(events) == 0 {
		return nil
	}
	reqID, _ := event.RequestOf(ctx)
	at := o.now().UTC()
	msgs := make([]Message, len(events))
	for i, ev := range events {
		m, err := message(ev, domain.NewID(), reqID, at)
		if err != nil {
			return err
		}
		msgs[i] = m
	}
	write := func(ctx context.Context, msgs []Message) error {
		if err := o.repo.Append(ctx, msgs); err != nil {
			return fmt.Errorf("write %d events to the webhook outbox: %w", len(msgs), err)
		}
		return nil
	}
	// Last in the transaction, like the audit trail: the outbox lock row is then taken after every row
	// lock of the use case, in the same order in every writer (no deadlock). One write per transaction
	// takes every message the transaction recorded.
	if domain.Batch(ctx, outboxKey{o}, write, msgs...) {
		return nil
	}
	return write(ctx, msgs)
}

// outboxKey names an outbox's batch of messages in a transaction.
type outboxKey struct{ o *Outbox }

// message renders an event as the body its subscribers receive.
func message(ev event.Event, id, reqID string, at time.Time) (Message, error) {
	b := Body{ID: id, Type: ev.Type, Version: ev.Version, Timestamp: at.UTC(), Subject: BodySubject{Type: ev.Subject.Type, ID: ev.Subject.ID},
		VendorID: ev.Subject.VendorID, Data: ev.Data, Reason: ev.Reason, RequestID: reqID}
	if b.Data == nil {
		b.Data = map[string]any{}
	}
	if len(ev.Changes) > 0 {
		c, err := json.Marshal(ev.Changes)
		if err != nil {
			return Message{}, fmt.Errorf("encode the changes of %s: %w", ev.Type, err)
		}
		b.Changes = c
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return Message{}, fmt.Errorf("encode event %s: %w", ev.Type, err)
	}
	return Message{ID: id, Type: ev.Type, Version: ev.Version, SubjectType: ev.Subject.Type, SubjectID: ev.Subject.ID,
		VendorID: ev.Subject.VendorID, Payload: payload, RequestID: reqID, OccurredAt: b.Timestamp}, nil
}
