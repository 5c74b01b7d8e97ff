// Package audit is the tamper-evident audit trail: every committed write becomes an event, and each
// event carries a SHA-256 over the previous event's hash and its own canonical content, so that a
// changed, removed or inserted row breaks the chain at that row.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Genesis is the previous hash of the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// HashVersion names the canonical form hashed; it is part of the hashed content.
const HashVersion = "audit-v1"

// System is the actor of changes the service makes on its own (the background job).
var System = Actor{KeyID: "system", Name: "vendorrisk", Role: "system"}

// Actor is who made a change.
type Actor struct {
	KeyID string
	Name  string
	Role  string
}

// ActorOf is the authenticated caller in ctx, or System when there is none.
func ActorOf(ctx context.Context) Actor {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return System
	}
	return Actor{KeyID: p.KeyID, Name: p.Name, Role: string(p.Role)}
}

// Entry is what a writer records: who did what to which resource, with the input it gave and the
// state that resulted. Input and Result are JSON (a summary when the body was not JSON or too large).
type Entry struct {
	Actor        Actor
	Action       string // the domain event's type, "vendor.updated"
	ResourceType string
	ResourceID   string
	Path         string
	Status       int
	RequestID    string
	Input        json.RawMessage
	Result       json.RawMessage
}

// Event is a recorded entry in the chain.
type Event struct {
	Entry
	Seq        int64
	ID         string
	OccurredAt time.Time
	PrevHash   string
	Hash       string
}

// canonical is the hashed form: fixed field order, times in UTC at microsecond precision (what both
// databases keep), JSON compacted.
type canonical struct {
	V            string          `json:"v"`
	Seq          int64           `json:"seq"`
	ID           string          `json:"id"`
	OccurredAt   string          `json:"occurred_at"`
	ActorKeyID   string          `json:"actor_key_id"`
	ActorName    string          `json:"actor_name"`
	ActorRole    string          `json:"actor_role"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resource_type"`
	ResourceID   string          `json:"resource_id"`
	Path         string          `json:"path"`
	Status       int             `json:"status"`
	RequestID    string          `json:"request_id"`
	Input        json.RawMessage `json:"input"`
	Result       json.RawMessage `json:"result"`
	PrevHash     string          `json:"prev_hash"`
}

// ComputeHash returns the hash the event must carry: SHA-256 over its canonical content, which
// includes the previous event's hash.
func ComputeHash(e Event) string {
	c := canonical{V: HashVersion, Seq: e.Seq, ID: e.ID, OccurredAt: e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000Z"),
		ActorKeyID: e.Actor.KeyID, ActorName: e.Actor.Name, ActorRole: e.Actor.Role, Action: e.Action,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, Path: e.Path, Status: e.Status, RequestID: e.RequestID,
		Input: orNull(e.Input), Result: orNull(e.Result), PrevHash: e.PrevHash}
	b, err := json.Marshal(c)
	if err != nil { // only a stored Input or Result that is not JSON (a tampered row) gets here
		return "invalid: " + err.Error()
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func orNull(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("null")
	}
	return m
}

// Compact returns m in compact form, or a JSON string holding it when it is not valid JSON, so that
// what is stored and hashed is always valid, deterministic JSON.
func Compact(m []byte) json.RawMessage {
	if len(bytes.TrimSpace(m)) == 0 {
		return json.RawMessage("null")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, m); err != nil {
		s, _ := json.Marshal(string(m))
		return s
	}
	return buf.Bytes()
}

// Seal makes the event that follows prev (Genesis and seq 0 for the first).
func Seal(e Entry, id string, at time.Time, prevSeq int64, prevHash string) Event {
	e.Input, e.Result = Compact(e.Input), Compact(e.Result)
	ev := Event{Entry: e, Seq: prevSeq + 1, ID: id, OccurredAt: at.UTC().Truncate(time.Microsecond), PrevHash: prevHash}
	ev.Hash = ComputeHash(ev)
	return ev
}

// Break says where and why the chain does not hold.
type Break struct {
	Seq    int64
	ID     string
	Reason string
}

// Check verifies one event against the one before it (seq 0 and Genesis for the first).
func Check(prevSeq int64, prevHash string, e Event) *Break {
	switch {
	case e.Seq != prevSeq+1:
		return &Break{Seq: e.Seq, ID: e.ID, Reason: "sequence gap: expected seq " + strconv.FormatInt(prevSeq+1, 10) + " (an event was removed or inserted)"}
	case e.PrevHash != prevHash:
		return &Break{Seq: e.Seq, ID: e.ID, Reason: "prev_hash does not match the previous event's hash"}
	case ComputeHash(e) != e.Hash:
		return &Break{Seq: e.Seq, ID: e.ID, Reason: "content does not match its hash (the event was changed)"}
	}
	return nil
}

// Filter selects events for a list, newest first.
type Filter struct {
	ResourceType string
	ResourceID   string
	ActorKeyID   string
	Action       string // prefix match, e.g. "decision." or "vendor.updated"
	From, To     *time.Time
	BeforeSeq    int64 // keyset: events with seq below this (0: from the newest)
	Limit        int
}

// Head is the chain's last event as the head row records it.
type Head struct {
	Seq  int64
	Hash string
}

// Repository stores the chain.
type Repository interface {
	// Append seals e after the current head and stores it, in ctx's transaction, holding the head's
	// row lock until that transaction ends so concurrent appends never fork the chain.
	Append(ctx context.Context, e Entry, id string, at time.Time) (Event, error)
	// AppendAll seals and stores the entries after the head, in order, under one lock of the head.
	AppendAll(ctx context.Context, entries []Entry, ids []string, at time.Time) error
	List(ctx context.Context, f Filter) ([]Event, error)
	// Scan returns up to limit events with seq above afterSeq, in seq order.
	Scan(ctx context.Context, afterSeq int64, limit int) ([]Event, error)
	Head(ctx context.Context) (Head, error)
}

// Service records and reads the trail.
type Service struct {
	repo Repository
	tx   domain.TxManager
	now  domain.Clock
}

// NewService wires the audit trail.
func NewService(repo Repository, tx domain.TxManager, now domain.Clock) *Service {
	return &Service{repo: repo, tx: tx, now: now}
}

// Record appends one audit event per domain event, with the actor and the request that ctx carries;
// called inside the transaction of the change they describe (it is the one event.Recorder of the
// trail, so a change and its audit events commit together).
//
// The entries are built now and appended last in the transaction, just before it commits (see
// domain.BeforeCommit): every writer then takes the chain's head lock as its last lock.
func (s *Service) Record(ctx context.Context, events ...event.Event) error {
	actor := ActorOf(ctx)
	reqID, path := event.RequestOf(ctx)
	entries := make([]Entry, len(events))
	for i, ev := range events {
		entries[i] = Entry{Actor: actor, Action: ev.Type, ResourceType: ev.Subject.Type, ResourceID: ev.Subject.ID,
			Path: path, RequestID: reqID, Input: ev.Input(), Result: ev.Result()}
	}
	event.Count(ctx, len(events))
	if domain.Batch(ctx, batchKey{s}, s.appendAll, entries...) {
		return nil // every event of the transaction is appended by one appendAll
	}
	return s.appendAll(ctx, entries) // outside a transaction: its own
}

// batchKey names a service's batch of entries in a transaction.
type batchKey struct{ s *Service }

// appendAll appends entries in order, in one transaction, under one lock of the head.
func (s *Service) appendAll(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	ids := make([]string, len(entries))
	for i := range ids {
		ids[i] = domain.NewID()
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error { return s.repo.AppendAll(ctx, entries, ids, s.now()) })
	if err != nil {
		return fmt.Errorf("record %d audit events (first %s): %w", len(entries), entries[0].Action, err)
	}
	return nil
}

// Append appends e; called inside the transaction of the change it describes.
func (s *Service) Append(ctx context.Context, e Entry) (Event, error) {
	var ev Event
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		ev, err = s.repo.Append(ctx, e, domain.NewID(), s.now())
		return err
	})
	if err != nil {
		return Event{}, fmt.Errorf("record audit event %s: %w", e.Action, err)
	}
	return ev, nil
}

// List returns one page of events, newest first.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Event], error) {
	return domain.ListPage(ctx, "audit events", f.Limit, cursor, "seq",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Event, error) {
			if err := f.prepare(after); err != nil {
				return nil, err
			}
			f.Limit = limit
			return s.repo.List(ctx, f)
		}, func(e Event) domain.Cursor {
			return domain.Cursor{Sort: "seq", Value: strconv.FormatInt(e.Seq, 10), ID: e.ID}
		})
}

// prepare reads where the page starts from after and checks the filter. It runs once the limit and
// the cursor are checked, so a request wrong in several ways names the limit, then the cursor.
func (f *Filter) prepare(after *domain.Cursor) error {
	if after != nil {
		seq, err := strconv.ParseInt(after.Value, 10, 64)
		if err != nil || seq < 1 {
			return domain.ErrBadCursor()
		}
		f.BeforeSeq = seq
	}
	var v domain.Validator
	v.CheckDate(f.From, "from")
	v.CheckDate(f.To, "to")
	if err := v.Err(); err != nil {
		return err
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return domain.Invalid("to", "must not be before from")
	}
	f.Action = strings.TrimSpace(f.Action)
	return nil
}

// Verification is the outcome of recomputing the chain.
type Verification struct {
	Intact  bool
	Checked int64
	Head    Head
	Break   *Break
	At      time.Time
}

// verifyBatch is how many events are read per query while verifying.
const verifyBatch = 1000

// Verify recomputes the whole chain from the first event and compares its end with the head row (a
// removed tail shows there).
func (s *Service) Verify(ctx context.Context) (Verification, error) {
	v := Verification{At: s.now()}
	head, err := s.repo.Head(ctx)
	if err != nil {
		return v, fmt.Errorf("read audit head: %w", err)
	}
	v.Head = head
	prevSeq, prevHash := int64(0), Genesis
	for {
		evs, err := s.repo.Scan(ctx, prevSeq, verifyBatch)
		if err != nil {
			return v, fmt.Errorf("scan audit events after %d: %w", prevSeq, err)
		}
		for _, e := range evs {
			if b := Check(prevSeq, prevHash, e); b != nil {
				v.Break = b
				return v, nil
			}
			prevSeq, prevHash = e.Seq, e.Hash
			v.Checked++
		}
		if len(evs) < verifyBatch {
			break
		}
	}
	// Events appended after the head was read are beyond it; the chain up to the head must end there.
	if prevSeq < head.Seq {
		v.Break = &Break{Seq: prevSeq + 1, Reason: "the chain ends at seq " + strconv.FormatInt(prevSeq, 10) +
			" but the head records seq " + strconv.FormatInt(head.Seq, 10) + " (events were removed)"}
		return v, nil
	}
	// Every real event commits with the head move, so no scanned event can be beyond the head as it
	// is now: one that is was inserted outside the service.
	if prevSeq > head.Seq {
		now, err := s.repo.Head(ctx)
		if err != nil {
			return v, fmt.Errorf("read audit head: %w", err)
		}
		if prevSeq > now.Seq {
			v.Break = &Break{Seq: now.Seq + 1, Reason: "events after seq " + strconv.FormatInt(now.Seq, 10) +
				" are beyond the head (inserted outside the service)"}
			return v, nil
		}
	}
	v.Intact = true
	return v, nil
}
