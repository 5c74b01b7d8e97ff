// Package event is what happened in the domain, as the public record of it: each use case records its
// events inside the transaction that made the change, and one writer turns them into the audit trail
// (and, with the webhook outbox, into deliveries). Names are stable and payloads versioned, so the
// events are the catalog that consumers rely on; what changed is computed from the aggregate before
// and after, never from the HTTP exchange.
package event

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
)

// Subject is what an event is about.
type Subject struct {
	Type string // "vendor", "engagement", "finding", ...
	ID   string
	// VendorID is the vendor the subject belongs to ("" for what belongs to no vendor: templates,
	// frameworks, the risk policy, credentials), so that a consumer scoped to a supplier sees only its own.
	VendorID string
}

// Change is one field whose value a use case changed.
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Event is one thing that happened.
type Event struct {
	Type    string // stable dotted name: "vendor.updated"
	Version int    // version of Data's shape for this Type
	Subject Subject
	// Changes lists the fields an update changed (empty for a creation or deletion).
	Changes []Change
	// Data is the subject's state after the change (before it, for a deletion), snake_case keys.
	Data map[string]any
	// Reason is why the system made a change on its own ("the review date passed"); "" for a caller's.
	Reason string
}

// Recorder keeps events: called inside the transaction of the change they describe, so that a change
// and its events commit together or not at all.
type Recorder interface {
	Record(ctx context.Context, events ...Event) error
}

// New describes a change of a subject from before to after: a creation when before is nil, a deletion
// when after is nil, otherwise an update whose Changes list the fields that differ. before and after are
// the domain values themselves (structs or pointers to them).
func New(typ string, s Subject, before, after any) Event {
	e := Event{Type: typ, Version: 1, Subject: s}
	b, a := Snapshot(before), Snapshot(after)
	switch {
	case a == nil:
		e.Data = b
	default:
		e.Data = a
		if b != nil {
			e.Changes = Diff(b, a)
		}
	}
	return e
}

// Because returns e with the reason the system made it.
func (e Event) Because(reason string) Event {
	e.Reason = reason
	return e
}

// Input is what the audit trail keeps as the event's input: the changes, and a system change's reason.
func (e Event) Input() json.RawMessage {
	if len(e.Changes) == 0 && e.Reason == "" {
		return nil
	}
	in := struct {
		Changes []Change `json:"changes,omitempty"`
		Reason  string   `json:"reason,omitempty"`
	}{e.Changes, e.Reason}
	b, err := json.Marshal(in)
	if err != nil {
		return marshalError(err)
	}
	return b
}

// Result is the audit trail's result of the event: its type, version and the subject's state.
func (e Event) Result() json.RawMessage {
	b, err := json.Marshal(struct {
		Event    string         `json:"event"`
		Version  int            `json:"version"`
		VendorID string         `json:"vendor_id,omitempty"`
		Data     map[string]any `json:"data"`
	}{e.Type, e.Version, e.Subject.VendorID, e.Data})
	if err != nil {
		return marshalError(err)
	}
	return b
}

func marshalError(err error) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"error": "unencodable event: " + err.Error()})
	return b
}

// Diff lists the top-level fields whose values differ between two snapshots, in field order.
func Diff(before, after map[string]any) []Change {
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []Change
	for _, k := range keys {
		if k == "updated_at" { // moves with every change; the event's own time says when
			continue
		}
		b, a := before[k], after[k]
		if !equalJSON(b, a) {
			out = append(out, Change{Field: k, Before: b, After: a})
		}
	}
	return out
}

func equalJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

// Snapshot is v as a map with snake_case keys (LegalName → legal_name, VendorID → vendor_id), nested
// structs and slices likewise; times in RFC 3339 UTC. A field tagged `event:"-"` (a secret's hash) is
// left out. nil, or a nil pointer, gives nil.
func Snapshot(v any) map[string]any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return map[string]any{"value": plain(rv)}
	}
	m, _ := plain(rv).(map[string]any)
	return m
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// plain turns a value into what encoding/json renders as the same JSON: maps, slices, strings,
// numbers, booleans, nil.
func plain(v reflect.Value) any {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return nil
	}
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	if v.Type().Implements(marshalerType) {
		b, err := v.Interface().(json.Marshaler).MarshalJSON()
		if err == nil {
			var out any
			if json.Unmarshal(b, &out) == nil {
				return out
			}
		}
		return fmt.Sprint(v.Interface())
	}
	switch v.Kind() {
	case reflect.Struct:
		m := make(map[string]any, v.NumField())
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("event") == "-" {
				continue
			}
			m[SnakeCase(f.Name)] = plain(v.Field(i))
		}
		return m
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = plain(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return map[string]any{}
		}
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			m[fmt.Sprint(it.Key().Interface())] = plain(it.Value())
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	default:
		return fmt.Sprint(v.Interface())
	}
}

// SnakeCase turns a Go field name into the catalog's key: "CorporateNumber" → "corporate_number",
// "VendorID" → "vendor_id", "RegistrationIDs" → "registration_ids", "SHA256" → "sha256".
func SnakeCase(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			prevLower := i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]))
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1]) && !(r[i+1] == 's' && i+2 == len(r))
			if i > 0 && (prevLower || (nextLower && unicode.IsUpper(r[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// request is what the transport tells the domain about the request a change came from.
type request struct{ id, path string }

type requestKey struct{}

// WithRequest marks ctx as serving the request with this id and path, for the audit trail.
func WithRequest(ctx context.Context, id, path string) context.Context {
	return context.WithValue(ctx, requestKey{}, request{id: id, path: path})
}

// RequestOf is the request id and path ctx serves ("" for a background job).
func RequestOf(ctx context.Context) (id, path string) {
	r, _ := ctx.Value(requestKey{}).(request)
	return r.id, r.path
}

// Tally counts the events recorded while serving one request, so the transport can tell a write that
// recorded nothing (a use case that forgot its event) from one that did.
type Tally struct{ n atomic.Int64 }

type tallyKey struct{}

// WithTally returns ctx carrying t.
func WithTally(ctx context.Context, t *Tally) context.Context {
	return context.WithValue(ctx, tallyKey{}, t)
}

// Count adds n recorded events to ctx's tally, if it carries one.
func Count(ctx context.Context, n int) {
	if t, ok := ctx.Value(tallyKey{}).(*Tally); ok {
		t.n.Add(int64(n))
	}
}

// N is how many events were counted.
func (t *Tally) N() int { return int(t.n.Load()) }

// Record records the one event New describes; the shorthand every use case calls inside its transaction.
func Record(ctx context.Context, r Recorder, typ string, s Subject, before, after any) error {
	if err := r.Record(ctx, New(typ, s, before, after)); err != nil {
		return fmt.Errorf("record %s %s: %w", typ, s.ID, err)
	}
	return nil
}

// Recorders is one recorder that hands every event to each of its recorders in turn, in the caller's
// transaction (the audit trail and the webhook outbox): the first error stops it and rolls the change back.
type Recorders []Recorder

// Record implements Recorder.
func (rs Recorders) Record(ctx context.Context, events ...Event) error {
	for _, r := range rs {
		if err := r.Record(ctx, events...); err != nil {
			return err
		}
	}
	return nil
}
