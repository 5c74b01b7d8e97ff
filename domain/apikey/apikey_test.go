package apikey

import (
	"strings"
	"testing"
	"time"
)

func TestKeyActive(t *testing.T) {
	now := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name string
		key  Key
		want bool
	}{
		{"no expiry, not revoked", Key{}, true},
		{"expires later", Key{ExpiresAt: at(time.Second)}, true},
		{"expires now", Key{ExpiresAt: at(0)}, false},
		{"expired", Key{ExpiresAt: at(-time.Hour)}, false},
		{"revoked", Key{RevokedAt: at(-time.Hour)}, false},
		{"revoked in the future still counts", Key{RevokedAt: at(time.Hour)}, false},
	}
	for _, tt := range tests {
		if got := tt.key.Active(now); got != tt.want {
			t.Errorf("%s: Active() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSecretShapeAndHash(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		s, err := newSecret()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, secretPrefix) || len(s) != len(secretPrefix)+52 || strings.ToLower(s) != s {
			t.Fatalf("newSecret() = %q, want %q followed by 52 lower-case base32 characters", s, secretPrefix)
		}
		if seen[s] {
			t.Fatalf("newSecret() repeated %q", s)
		}
		seen[s] = true
		if h := hash(s); len(h) != 64 || h != hash(s) || h == hash(s+"x") {
			t.Fatalf("hash(%q) = %q: want a stable 64-character hex digest", s, h)
		}
	}
	// SHA-256("abc"), so that the stored hashes stay readable by a future version.
	if got, want := hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf(`hash("abc") = %s, want %s`, got, want)
	}
}
