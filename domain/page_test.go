package domain_test

import (
	"encoding/base64"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

func TestCursorRoundTrip(t *testing.T) {
	id := domain.NewID()
	tests := []struct {
		name string
		in   domain.Cursor
	}{
		{"id only", domain.Cursor{Sort: "created_at", ID: id}},
		{"descending", domain.Cursor{Sort: "-created_at", ID: id}},
		{"with value", domain.Cursor{Sort: "name", Value: "Acme Cloud", ID: id}},
		{"value with unicode and quotes", domain.Cursor{Sort: "-name", Value: `株式会社 "Ω" / ?&=`, ID: id}},
		{"empty value", domain.Cursor{Sort: "name", Value: "", ID: id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.in.Encode()
			if _, err := base64.RawURLEncoding.DecodeString(s); err != nil {
				t.Fatalf("Encode() = %q is not unpadded base64url: %v", s, err)
			}
			got, err := domain.DecodeCursor(s, tt.in.Sort)
			if err != nil {
				t.Fatalf("DecodeCursor(%q, %q): %v", s, tt.in.Sort, err)
			}
			if got == nil || *got != tt.in {
				t.Fatalf("DecodeCursor(Encode(%+v)) = %+v", tt.in, got)
			}
		})
	}
}

func TestDecodeCursorEmpty(t *testing.T) {
	got, err := domain.DecodeCursor("", "name")
	if err != nil || got != nil {
		t.Fatalf(`DecodeCursor("") = %+v, %v; want nil, nil`, got, err)
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	id := domain.NewID()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name    string
		cursor  string
		sort    string
		message string
	}{
		{"not base64", "%%%not-base64%%%", "created_at", "is not a cursor returned by this API"},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte(`{"s":"name","id":"`+id+`"}`)) + "=", "name", "is not a cursor returned by this API"},
		{"not json", enc("hello"), "created_at", "is not a cursor returned by this API"},
		{"json array", enc(`["created_at","` + id + `"]`), "created_at", "is not a cursor returned by this API"},
		{"missing id", enc(`{"s":"created_at"}`), "created_at", "is not a cursor returned by this API"},
		{"id not a uuid", enc(`{"s":"created_at","id":"1; DROP TABLE vendors"}`), "created_at", "is not a cursor returned by this API"},
		{"id wrong length", enc(`{"s":"created_at","id":"` + id + `0"}`), "created_at", "is not a cursor returned by this API"},
		{"other sort", domain.Cursor{Sort: "name", Value: "x", ID: id}.Encode(), "created_at", "was issued for another sort order"},
		{"other direction", domain.Cursor{Sort: "-name", Value: "x", ID: id}.Encode(), "name", "was issued for another sort order"},
		{"sort missing", enc(`{"id":"` + id + `"}`), "created_at", "was issued for another sort order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.DecodeCursor(tt.cursor, tt.sort)
			if err == nil {
				t.Fatalf("DecodeCursor(%q, %q) = %+v, want an error", tt.cursor, tt.sort, got)
			}
			if got != nil {
				t.Errorf("DecodeCursor returned a cursor %+v with its error", got)
			}
			assertField(t, err, domain.KindInvalid, "cursor", tt.message)
		})
	}
}

func TestClampLimit(t *testing.T) {
	tests := []struct {
		in      int
		want    int
		wantErr bool
	}{
		{0, domain.DefaultPageLimit, false},
		{1, 1, false},
		{50, 50, false},
		{199, 199, false},
		{domain.MaxPageLimit, domain.MaxPageLimit, false},
		{domain.MaxPageLimit + 1, 0, true},
		{-1, 0, true},
		{1 << 40, 0, true},
	}
	if domain.DefaultPageLimit != 50 || domain.MaxPageLimit != 200 {
		t.Fatalf("page limits changed: default %d, max %d", domain.DefaultPageLimit, domain.MaxPageLimit)
	}
	for _, tt := range tests {
		got, err := domain.ClampLimit(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ClampLimit(%d) = %d, want an error", tt.in, got)
				continue
			}
			assertField(t, err, domain.KindInvalid, "limit", "must be between 1 and 200")
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ClampLimit(%d) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
		}
	}
}

// assertField checks that err is a *domain.Error of kind naming exactly one field with message.
func assertField(t *testing.T, err error, kind domain.Kind, field, message string) {
	t.Helper()
	if got := domain.KindOf(err); got != kind {
		t.Fatalf("kind of %v = %v, want %v", err, got, kind)
	}
	var de *domain.Error
	if !asDomainError(err, &de) {
		t.Fatalf("%v is not a *domain.Error", err)
	}
	if len(de.Fields) != 1 || de.Fields[0].Field != field || de.Fields[0].Message != message {
		t.Fatalf("fields = %+v, want one %s: %s", de.Fields, field, message)
	}
}
