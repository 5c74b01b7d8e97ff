package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery statuses.
const (
	// StatusPending: not yet delivered; NextAttemptAt says when it is tried (again).
	StatusPending DeliveryStatus = "pending"
	// StatusSucceeded: the receiver answered 2xx.
	StatusSucceeded DeliveryStatus = "succeeded"
	// StatusFailed: retries ran out, or the receiver answered 410 Gone; redeliver starts it again.
	StatusFailed DeliveryStatus = "failed"
)

// Delivery is one message to one endpoint, with its attempts.
type Delivery struct {
	ID         string
	EndpointID string
	Seq        int64 // the message's outbox seq: deliveries to an endpoint go in this order
	MessageID  string
	EventType  string
	Status     DeliveryStatus
	Attempts   int
	// NextAttemptAt is when a pending delivery is tried next.
	NextAttemptAt *time.Time
	// RetryFrom is when the current retry window began (the first attempt, or the redelivery request).
	RetryFrom      time.Time
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// History holds the attempts, oldest first (filled by lists).
	History []Attempt
}

// Attempt is one try to deliver.
type Attempt struct {
	ID          string
	DeliveryID  string
	EndpointID  string
	Number      int
	AttemptedAt time.Time
	StatusCode  int // 0 when no answer came (refused, timed out, blocked by the SSRF guard)
	DurationMS  int64
	Error       string
	Response    string // the first bytes of the answer
	Succeeded   bool
}

// Repository stores endpoints, deliveries and attempts.
type Repository interface {
	CreateEndpoint(ctx context.Context, e Endpoint, cursor int64) error
	GetEndpoint(ctx context.Context, id string) (Endpoint, error)
	// ListEndpoints returns endpoints by id after afterID, at most limit (0: all).
	ListEndpoints(ctx context.Context, afterID string, limit int) ([]Endpoint, error)
	// UpdateEndpoint stores e if the stored version is e.Version-1 (ErrStaleVersion otherwise).
	UpdateEndpoint(ctx context.Context, e Endpoint) error
	// DeleteEndpoint removes the endpoint with its deliveries and attempts.
	DeleteEndpoint(ctx context.Context, id string) error
	// SetFailures stores the endpoint's consecutive failed attempts (no version change).
	SetFailures(ctx context.Context, endpointID string, n int) error

	// Cursor is the last outbox seq the endpoint's deliveries were made from.
	Cursor(ctx context.Context, endpointID string) (int64, error)
	// Enqueue stores deliveries and moves the endpoint's cursor from 'from' to 'to' (ErrStaleVersion
	// when another worker moved it first).
	Enqueue(ctx context.Context, endpointID string, ds []Delivery, from, to int64) error
	// Head is the endpoint's oldest pending delivery (by seq) with its message; ErrNotFound for none.
	Head(ctx context.Context, endpointID string) (Delivery, Message, error)
	// SaveAttempt stores an attempt and the delivery's new state.
	SaveAttempt(ctx context.Context, d Delivery, a Attempt) error
	GetDelivery(ctx context.Context, endpointID, id string) (Delivery, error)
	// UpdateDelivery stores a delivery's state.
	UpdateDelivery(ctx context.Context, d Delivery) error
	// ListDeliveries returns the endpoint's deliveries newest first, before beforeID ("" from the newest).
	ListDeliveries(ctx context.Context, endpointID, beforeID string, limit int) ([]Delivery, error)
	// Attempts returns the attempts of the deliveries, oldest first.
	Attempts(ctx context.Context, deliveryIDs []string) (map[string][]Attempt, error)
	// Backlog counts pending deliveries and gives the oldest pending one's creation time.
	Backlog(ctx context.Context) (int64, *time.Time, error)
	// Purge removes outbox messages older than before that every enabled endpoint has moved past and
	// no pending delivery needs, with their finished deliveries and attempts.
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// DefaultGrace is how long a rotated-out secret still signs.
const DefaultGrace = 24 * time.Hour

// Service holds the webhook endpoint use cases.
type Service struct {
	repo   Repository
	outbox OutboxRepository
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
	guard  Guard
	vendor VendorCheck
}

// VendorCheck returns domain.ErrNotFound when no vendor has the id.
type VendorCheck func(ctx context.Context, id string) error

// NewService wires the endpoint use cases; events records each change to an endpoint.
func NewService(repo Repository, outbox OutboxRepository, tx domain.TxManager, now domain.Clock, events event.Recorder, guard Guard,
	vendor VendorCheck) *Service {
	return &Service{repo: repo, outbox: outbox, tx: tx, now: now, events: events, guard: guard, vendor: vendor}
}

// Guard is the SSRF policy the service checks URLs with.
func (s *Service) Guard() Guard { return s.guard }

func subject(e Endpoint) event.Subject { return event.Subject{Type: "webhook_endpoint", ID: e.ID} }

// NewEndpoint is the input of Create.
type NewEndpoint struct {
	URL         string
	Description string
	EventTypes  []string
	// VendorID scopes the endpoint to one supplier ("" for an internal consumer); it cannot change.
	VendorID string
	Enabled  *bool // default true
}

// Create subscribes an endpoint to events from now on; the returned endpoint carries its secret,
// which the caller shows once.
func (s *Service) Create(ctx context.Context, in NewEndpoint) (Endpoint, error) {
	now := s.now()
	e := Endpoint{ID: domain.NewID(), URL: in.URL, Description: in.Description, EventTypes: append([]string(nil), in.EventTypes...),
		VendorID: strings.TrimSpace(in.VendorID), Enabled: true, Version: 1, CreatedAt: now, UpdatedAt: now}
	domain.Set(&e.Enabled, in.Enabled)
	if err := e.validate(s.guard); err != nil {
		return Endpoint{}, err
	}
	if e.VendorID != "" {
		if err := s.vendor(ctx, e.VendorID); errors.Is(err, domain.ErrNotFound) {
			return Endpoint{}, domain.Invalid("vendor_id", "no vendor has this id")
		} else if err != nil {
			return Endpoint{}, fmt.Errorf("check the endpoint's vendor: %w", err)
		}
	}
	secret, err := NewSecret()
	if err != nil {
		return Endpoint{}, err
	}
	e.Secret = secret
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		// The endpoint receives what is recorded after it: its cursor starts at the outbox's end.
		last, err := s.outbox.LastSeq(ctx)
		if err != nil {
			return fmt.Errorf("read the outbox's end: %w", err)
		}
		if err := s.repo.CreateEndpoint(ctx, e, last); err != nil {
			return fmt.Errorf("store webhook endpoint: %w", err)
		}
		return event.Record(ctx, s.events, "webhook_endpoint.created", subject(e), nil, e)
	})
	if err != nil {
		return Endpoint{}, err
	}
	return e, nil
}

// Get returns one endpoint.
func (s *Service) Get(ctx context.Context, id string) (Endpoint, error) {
	return domain.Load(ctx, "webhook endpoint", id, s.repo.GetEndpoint, s.repo.GetEndpoint, false)
}

// List returns one page of endpoints, oldest first.
func (s *Service) List(ctx context.Context, limit int, cursor string) (domain.Page[Endpoint], error) {
	return domain.ListPage(ctx, "webhook endpoints", limit, cursor, "created_at",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Endpoint, error) {
			return s.repo.ListEndpoints(ctx, domain.CursorID(after), limit)
		}, func(e Endpoint) domain.Cursor { return domain.Cursor{Sort: "created_at", ID: e.ID} })
}

// Patch changes an endpoint; nil fields stay.
type Patch struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Enabled     *bool
}

func checkVersion(current int, ifMatch *int) error {
	if ifMatch != nil && *ifMatch != current {
		return domain.Errorf(domain.KindPreconditionFailed,
			"the resource has changed: If-Match names version %d, the current version is %d", *ifMatch, current)
	}
	return nil
}

// change loads an endpoint, checks If-Match, applies fn and stores it with the event typ.
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typ string, fn func(e *Endpoint) error) (Endpoint, error) {
	var out Endpoint
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(e.Version, ifMatch); err != nil {
			return err
		}
		before := e
		before.EventTypes = append([]string(nil), e.EventTypes...)
		if err := fn(&e); err != nil {
			return err
		}
		e.Version++
		e.UpdatedAt = s.now()
		if err := s.repo.UpdateEndpoint(ctx, e); err != nil {
			return fmt.Errorf("update webhook endpoint %s: %w", id, err)
		}
		out = e
		return event.Record(ctx, s.events, typ, subject(e), before, e)
	})
	return out, err
}

// Update changes an endpoint. Enabling a disabled endpoint clears its failure count: its pending
// deliveries are tried again at once, in order.
func (s *Service) Update(ctx context.Context, id string, p Patch, ifMatch *int) (Endpoint, error) {
	return s.change(ctx, id, ifMatch, "webhook_endpoint.updated", func(e *Endpoint) error {
		wasEnabled := e.Enabled
		domain.Set(&e.URL, p.URL)
		domain.Set(&e.Description, p.Description)
		if p.EventTypes != nil {
			e.EventTypes = append([]string(nil), (*p.EventTypes)...)
		}
		domain.Set(&e.Enabled, p.Enabled)
		if e.Enabled && !wasEnabled {
			e.DisabledReason, e.ConsecutiveFailures = "", 0
		}
		return e.validate(s.guard)
	})
}

// Delete removes an endpoint with its deliveries.
func (s *Service) Delete(ctx context.Context, id string, ifMatch *int) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(e.Version, ifMatch); err != nil {
			return err
		}
		if err := s.repo.DeleteEndpoint(ctx, id); err != nil {
			return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
		}
		return event.Record(ctx, s.events, "webhook_endpoint.deleted", subject(e), e, nil)
	})
}

// RotateSecret gives the endpoint a new secret; the old one still signs (next to the new) for grace
// (DefaultGrace when zero, none when negative). The returned endpoint carries the new secret.
func (s *Service) RotateSecret(ctx context.Context, id string, grace time.Duration, ifMatch *int) (Endpoint, error) {
	if grace == 0 {
		grace = DefaultGrace
	}
	if grace > 7*24*time.Hour {
		return Endpoint{}, domain.Invalid("grace_seconds", "must be at most 604800 (seven days)")
	}
	secret, err := NewSecret()
	if err != nil {
		return Endpoint{}, err
	}
	return s.change(ctx, id, ifMatch, "webhook_endpoint.secret_rotated", func(e *Endpoint) error {
		e.PreviousSecret, e.PreviousSecretUntil = "", nil
		if grace > 0 {
			until := s.now().Add(grace)
			e.PreviousSecret, e.PreviousSecretUntil = e.Secret, &until
		}
		e.Secret = secret
		return nil
	})
}

// PingType is the event type of a test message.
const PingType = "webhook.ping"

// Test queues a ping to this endpoint alone (whatever its filters), delivered like any message.
func (s *Service) Test(ctx context.Context, id string) (Message, error) {
	var msg Message
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		reqID, _ := event.RequestOf(ctx)
		ping := event.Event{Type: PingType, Version: 1, Subject: subject(e),
			Data: map[string]any{"endpoint_id": e.ID, "message": "a test message from vendorrisk"}}
		if msg, err = message(ping, domain.NewID(), reqID, s.now()); err != nil {
			return err
		}
		msg.EndpointID = e.ID
		if err := s.outbox.Append(ctx, []Message{msg}); err != nil {
			return fmt.Errorf("queue test message: %w", err)
		}
		ev := event.Event{Type: "webhook_endpoint.tested", Version: 1, Subject: subject(e),
			Data: map[string]any{"endpoint_id": e.ID, "message_id": msg.ID}}
		return s.events.Record(ctx, ev)
	})
	return msg, err
}

// Deliveries returns one page of an endpoint's deliveries, newest first, each with its attempts.
func (s *Service) Deliveries(ctx context.Context, endpointID string, limit int, cursor string) (domain.Page[Delivery], error) {
	if _, err := s.Get(ctx, endpointID); err != nil {
		return domain.Page[Delivery]{}, err
	}
	page, err := domain.ListPage(ctx, "deliveries of "+endpointID, limit, cursor, "-created_at",
		func(ctx context.Context, before *domain.Cursor, limit int) ([]Delivery, error) {
			return s.repo.ListDeliveries(ctx, endpointID, domain.CursorID(before), limit)
		}, func(d Delivery) domain.Cursor { return domain.Cursor{Sort: "-created_at", ID: d.ID} })
	if err != nil {
		return domain.Page[Delivery]{}, err
	}
	ids := make([]string, len(page.Items))
	for i, d := range page.Items {
		ids[i] = d.ID
	}
	attempts, err := s.repo.Attempts(ctx, ids)
	if err != nil {
		return domain.Page[Delivery]{}, fmt.Errorf("list attempts: %w", err)
	}
	for i := range page.Items {
		page.Items[i].History = attempts[page.Items[i].ID]
		if page.Items[i].History == nil {
			page.Items[i].History = []Attempt{}
		}
	}
	return page, nil
}

// Redeliver tries a delivery again at once, whatever its state, with a fresh retry window; it goes
// before the endpoint's later messages, as its place in the order says.
func (s *Service) Redeliver(ctx context.Context, endpointID, id string) (Delivery, error) {
	var out Delivery
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Get(ctx, endpointID); err != nil {
			return err
		}
		d, err := domain.Load(ctx, "delivery", id, func(ctx context.Context, id string) (Delivery, error) {
			return s.repo.GetDelivery(ctx, endpointID, id)
		}, nil, false)
		if err != nil {
			return err
		}
		before := d
		now := s.now()
		d.Status, d.NextAttemptAt, d.RetryFrom, d.UpdatedAt = StatusPending, &now, now, now
		if err := s.repo.UpdateDelivery(ctx, d); err != nil {
			return fmt.Errorf("queue redelivery of %s: %w", id, err)
		}
		out = d
		return event.Record(ctx, s.events, "webhook_delivery.redelivery_requested",
			event.Subject{Type: "webhook_delivery", ID: d.ID}, before, d)
	})
	return out, err
}

// Backlog is how many deliveries are pending and when the oldest of them was queued (nil for none).
func (s *Service) Backlog(ctx context.Context) (int64, *time.Time, error) {
	return s.repo.Backlog(ctx)
}

// errStop ends a worker's pass over an endpoint.
var errStop = errors.New("stop")
