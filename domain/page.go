package domain

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Page limits for every list endpoint.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// Cursor marks the last row of a page for keyset pagination: the sort key's value and the row ID, so
// that rows inserted later never shift the pages that follow.
type Cursor struct {
	Sort  string `json:"s"`
	Value string `json:"v,omitempty"`
	ID    string `json:"id"`
}

// CursorID is the row ID of after, or "" for the first page.
func CursorID(after *Cursor) string {
	if after == nil {
		return ""
	}
	return after.ID
}

// Encode returns the opaque form handed to clients.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c) // a struct of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrBadCursor is the answer to a cursor the API did not issue (or issued for another list): a new
// error each time, since callers may rename or reword its fields.
func ErrBadCursor() *Error { return Invalid("cursor", "is not a cursor returned by this API") }

// DecodeCursor parses an opaque cursor; sort must match the sort it was issued for.
func DecodeCursor(s, sort string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor()
	}
	var c Cursor
	if err := json.Unmarshal(raw, &c); err != nil || !ValidID(c.ID) {
		return nil, ErrBadCursor()
	}
	if c.Sort != sort {
		return nil, Invalid("cursor", "was issued for another sort order")
	}
	return &c, nil
}

// ClampLimit applies the default and validates the maximum.
func ClampLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultPageLimit, nil
	case limit < 0 || limit > MaxPageLimit:
		return 0, Invalid("limit", "must be between 1 and 200")
	}
	return limit, nil
}

// Page is one page of a list and the cursor of the next one ("" on the last page).
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// DecodeCursorLoose decodes a cursor whose position is a value rather than a row ID (keyset by a
// unique value such as a framework ID or a document position).
func DecodeCursorLoose(s, sort string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor()
	}
	var c Cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Sort != sort || c.Value == "" {
		return nil, ErrBadCursor()
	}
	return &c, nil
}

// PageOf makes a page of rows read with limit+1: the extra row only says there is more, and the
// cursor of the last row kept lets the client ask for it.
func PageOf[T any](rows []T, limit int, cursor func(last T) Cursor) Page[T] {
	if len(rows) <= limit {
		return Page[T]{Items: rows}
	}
	return Page[T]{Items: rows[:limit], NextCursor: cursor(rows[limit-1]).Encode()}
}

// Fetch reads up to limit rows of a list that come after the cursor's row (all from the start when
// after is nil).
type Fetch[T any] func(ctx context.Context, after *Cursor, limit int) ([]T, error)

// ListPage runs one keyset page, the prologue and epilogue every list shares: it checks limit (0 is
// the default page), decodes cursor for sort, asks fetch for one row more than the page (so whether a
// next page exists is known without counting), and cuts the page with the cursor of its last row.
// checks, when given, run between the limit and the cursor: they validate the filter, and its sort
// must be valid before a cursor can be decoded against it.
func ListPage[T any](ctx context.Context, what string, limit int, cursor, sort string,
	fetch Fetch[T], next func(last T) Cursor, checks ...func() error) (Page[T], error) {
	return listPage(ctx, what, limit, cursor, sort, DecodeCursor, fetch, next, checks)
}

// ListPageLoose is ListPage for a cursor whose position is a value, not a row ID (DecodeCursorLoose).
func ListPageLoose[T any](ctx context.Context, what string, limit int, cursor, sort string,
	fetch Fetch[T], next func(last T) Cursor) (Page[T], error) {
	return listPage(ctx, what, limit, cursor, sort, DecodeCursorLoose, fetch, next, nil)
}

func listPage[T any](ctx context.Context, what string, limit int, cursor, sort string,
	decode func(s, sort string) (*Cursor, error), fetch Fetch[T], next func(last T) Cursor, checks []func() error) (Page[T], error) {
	limit, err := ClampLimit(limit)
	if err != nil {
		return Page[T]{}, err
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return Page[T]{}, err
		}
	}
	after, err := decode(cursor, sort)
	if err != nil {
		return Page[T]{}, err
	}
	rows, err := fetch(ctx, after, limit+1)
	if err != nil {
		return Page[T]{}, fmt.Errorf("list %s: %w", what, err)
	}
	return PageOf(rows, limit, next), nil
}
