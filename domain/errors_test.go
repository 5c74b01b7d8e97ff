package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

func asDomainError(err error, target **domain.Error) bool { return errors.As(err, target) }

func TestKindOf(t *testing.T) {
	cause := errors.New("driver said no")
	tests := []struct {
		name string
		err  error
		want domain.Kind
	}{
		{"nil", nil, domain.KindInternal},
		{"plain error", cause, domain.KindInternal},
		{"sentinel", domain.ErrNotFound, domain.KindInternal},
		{"invalid", domain.Invalid("name", "is required"), domain.KindInvalid},
		{"not found", domain.NotFound("vendor", "x"), domain.KindNotFound},
		{"wrapped conflict", fmt.Errorf("create: %w", domain.Errorf(domain.KindConflict, "taken")), domain.KindConflict},
		{"doubly wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", domain.Errorf(domain.KindUnauthenticated, "no"))), domain.KindUnauthenticated},
		{"with cause", &domain.Error{Kind: domain.KindPreconditionFailed, Message: "stale", Err: cause}, domain.KindPreconditionFailed},
		{"database unavailable", fmt.Errorf("list vendors: %w", fmt.Errorf("%w: %w", domain.ErrUnavailable, cause)), domain.KindUnavailable},
		{"internal wrapping an outage", &domain.Error{Kind: domain.KindInternal, Message: "x", Err: domain.ErrUnavailable}, domain.KindUnavailable},
		{"stale version from a repository", fmt.Errorf("update decision: %w", domain.ErrStaleVersion), domain.KindPreconditionFailed},
		{"a business kind wins over its cause", &domain.Error{Kind: domain.KindConflict, Message: "x", Err: domain.ErrUnavailable}, domain.KindConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if want := tt.err != nil; domain.IsKind(tt.err, tt.want) != want {
				t.Errorf("IsKind(%v, %v) = %v, want %v", tt.err, tt.want, !want, want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	tests := map[domain.Kind]string{
		domain.KindInternal:           "internal",
		domain.KindInvalid:            "invalid",
		domain.KindNotFound:           "not_found",
		domain.KindConflict:           "conflict",
		domain.KindPreconditionFailed: "precondition_failed",
		domain.KindForbidden:          "forbidden",
		domain.KindUnauthenticated:    "unauthenticated",
		domain.KindUnavailable:        "unavailable",
		domain.Kind(99):               "internal",
	}
	for k, want := range tests {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestErrorMessageAndUnwrap(t *testing.T) {
	cause := errors.New("duplicate entry")
	err := &domain.Error{Kind: domain.KindConflict, Message: "taken",
		Fields: []domain.FieldError{{Field: "corporate_number", Message: "is already registered"}}, Err: cause}
	if got, want := err.Error(), "taken; corporate_number: is already registered: duplicate entry"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Error("errors.Is(err, cause) = false; Unwrap must expose the cause")
	}
}

func TestValidatorCollectsEveryField(t *testing.T) {
	var v domain.Validator
	if err := v.Err(); err != nil {
		t.Fatalf("empty validator Err() = %v, want nil", err)
	}
	v.Check(true, "ok", "never reported")
	v.Check(false, "name", "is required")
	v.Add("tags[0]", "is bad")
	v.Check(false, "name", "is too long")
	var de *domain.Error
	if !errors.As(v.Err(), &de) || de.Kind != domain.KindInvalid {
		t.Fatalf("Err() = %v, want an invalid *domain.Error", v.Err())
	}
	want := []domain.FieldError{{Field: "name", Message: "is required"}, {Field: "tags[0]", Message: "is bad"}, {Field: "name", Message: "is too long"}}
	if fmt.Sprint(de.Fields) != fmt.Sprint(want) {
		t.Errorf("fields = %v, want %v", de.Fields, want)
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{domain.NewID(), true},
		{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", true},
		{"", false},
		{"not-an-id", false},
		{"0190a1b2c3d47e5f8a9b0c1d2e3f4a5b", false},              // uuid.Parse accepts it, but it is not our form
		{"urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", false}, // nor this
		{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5z", false},
	}
	for _, tt := range tests {
		if got := domain.ValidID(tt.in); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNewIDIsTimeOrdered(t *testing.T) {
	prev := domain.NewID()
	for range 1000 {
		id := domain.NewID()
		if id <= prev {
			t.Fatalf("NewID() = %s after %s: IDs must increase so that ordering by ID is creation order", id, prev)
		}
		prev = id
	}
}
