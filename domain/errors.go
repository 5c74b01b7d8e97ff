// Package domain holds vendorrisk's business rules: entities, value types, state machines and the use
// cases that change them. It imports neither the HTTP layer nor the storage layer.
package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error so that the transport can choose a status without knowing the cause.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindPreconditionFailed
	KindForbidden
	KindUnauthenticated
	// KindUnavailable: the database (or another dependency) did not answer in time or refused; the
	// client may retry.
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindPreconditionFailed:
		return "precondition_failed"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindUnavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// FieldError names the JSON field (e.g. "contacts[1].email") that broke a rule. Message is English;
// Format and Args, when set, are Message before formatting (the key a transport translates it by);
// otherwise Message itself is the key.
type FieldError struct {
	Field   string
	Message string
	Format  string
	Args    []any
}

// Fieldf builds a FieldError from a format and its arguments.
func Fieldf(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Text is the message as a Text (the key and its arguments).
func (f FieldError) Text() Text {
	if f.Format == "" {
		return Text{Format: f.Message}
	}
	return Text{Format: f.Format, Args: f.Args}
}

// Error is a business error safe to show to the client: Message never carries internals. Format and
// Args are Message before formatting (set by Errorf): the key a transport translates it by.
type Error struct {
	Kind    Kind
	Message string
	Format  string
	Args    []any
	Fields  []FieldError
	Err     error // the cause, for logs only
}

// Text is the message as a Text (the key and its arguments).
func (e *Error) Text() Text {
	if e.Format == "" {
		return Text{Format: e.Message}
	}
	return Text{Format: e.Format, Args: e.Args}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Invalid builds a validation error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Kind: KindInvalid, Message: "the request has invalid fields", Fields: []FieldError{{Field: field, Message: message}}}
}

// Invalidf builds a validation error naming one field, its message a format and arguments (so that a
// transport can word it in another language).
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Message: "the request has invalid fields", Fields: []FieldError{Fieldf(field, format, args...)}}
}

// MapFields returns an invalid-request err with each field error passed through fn and message as
// its message (where the fields came from a file, say, and are renamed to its cells); any other
// error is returned unchanged.
func MapFields(err error, message string, fn func(FieldError) FieldError) error {
	var de *Error
	if !errors.As(err, &de) || de.Kind != KindInvalid {
		return err
	}
	out := *de
	out.Message = message
	out.Fields = make([]FieldError, len(de.Fields))
	for i, fe := range de.Fields {
		out.Fields[i] = fn(fe)
	}
	return &out
}

// NotFound says a resource does not exist or is not visible to the caller.
func NotFound(resource, id string) *Error {
	return Errorf(KindNotFound, "%s %q not found", resource, id)
}

// KindOf returns the Kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Kind
	}
	switch {
	case errors.Is(err, ErrUnavailable):
		return KindUnavailable
	case errors.Is(err, ErrStaleVersion): // a writer that lost the race, wherever it is caught
		return KindPreconditionFailed
	}
	return KindInternal
}

// IsKind reports whether err carries the given Kind.
func IsKind(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Sentinel errors that repositories return; services turn them into *Error with context.
var (
	ErrNotFound     = errors.New("record not found")
	ErrDuplicate    = errors.New("duplicate record")
	ErrStaleVersion = errors.New("stale version")
	ErrReferenced   = errors.New("record is referenced")
	// ErrUnavailable marks a storage error that says nothing about the request: the database refused
	// the connection, lost it, or did not answer before the deadline. The repository wraps such driver
	// errors with it; the transport answers 503 with Retry-After.
	ErrUnavailable = errors.New("the database is unavailable")
)

// Validator collects field errors so one response reports every problem at once.
type Validator struct {
	fields []FieldError
}

// Check records message for field when ok is false.
func (v *Validator) Check(ok bool, field, message string) {
	if !ok {
		v.fields = append(v.fields, FieldError{Field: field, Message: message})
	}
}

// Add records a field error.
func (v *Validator) Add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// Checkf records a message built from format and args for field when ok is false.
func (v *Validator) Checkf(ok bool, field, format string, args ...any) {
	if !ok {
		v.fields = append(v.fields, Fieldf(field, format, args...))
	}
}

// Addf records a field error built from format and args.
func (v *Validator) Addf(field, format string, args ...any) {
	v.fields = append(v.fields, Fieldf(field, format, args...))
}

// AddField records a field error built elsewhere (with its Format and Args).
func (v *Validator) AddField(f FieldError) { v.fields = append(v.fields, f) }

// Err returns an Invalid error with every recorded field, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: "the request has invalid fields", Fields: v.fields}
}

// NextStates names the states a lifecycle allows next, for a Conflict message: "active, suspended",
// or "none, it is final".
func NextStates[T ~string](next []T) string {
	if len(next) == 0 {
		return "none, it is final"
	}
	names := make([]string, len(next))
	for i, n := range next {
		names[i] = string(n)
	}
	return strings.Join(names, ", ")
}
