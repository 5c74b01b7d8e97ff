package apikey

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// memRepo is an in-memory Repository shared by several services, as a database is by replicas; it
// counts the reads by hash and the last-used writes.
type memRepo struct {
	mu      sync.Mutex
	keys    map[string]Key // by ID
	lookups int
	touches int
}

func (r *memRepo) Create(_ context.Context, k Key) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[k.ID] = k
	return nil
}

func (r *memRepo) Get(_ context.Context, id string) (Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.keys[id]
	if !ok {
		return Key{}, domain.ErrNotFound
	}
	return k, nil
}

func (r *memRepo) GetByHash(_ context.Context, h string) (Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups++
	for _, k := range r.keys {
		if k.Hash == h {
			return k, nil
		}
	}
	return Key{}, domain.ErrNotFound
}

func (r *memRepo) List(context.Context, string, int) ([]Key, error) { return nil, errors.New("unused") }

func (r *memRepo) Revoke(_ context.Context, id string, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.keys[id]
	k.RevokedAt = &at
	r.keys[id] = k
	return nil
}

func (r *memRepo) TouchLastUsed(_ context.Context, id string, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.touches++
	k := r.keys[id]
	k.LastUsedAt = &at
	r.keys[id] = k
	return nil
}

func (r *memRepo) Count(context.Context) (int64, error) { return int64(len(r.keys)), nil }

func (r *memRepo) counts() (lookups, touches int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups, r.touches
}

type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time          { return c.now }
func (c *testClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// TestAuthenticationCache runs two services on one store, as two replicas on one database: a verified
// key is read once per TTL, a revocation is refused at once by the replica that made it and by the
// other one within the TTL, and last-used stays written at most once a minute.
func TestAuthenticationCache(t *testing.T) {
	ctx := t.Context()
	clk := &testClock{now: time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)}
	repo := &memRepo{keys: map[string]Key{}}
	a := NewService(repo, nil, clk.Now) // the default TTL
	b := NewService(repo, nil, clk.Now)
	b.CacheFor(3 * time.Second)
	k, secret, err := a.Create(ctx, NewKey{Name: "k", Role: auth.RoleAuditor, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	authn := func(s *Service) error { _, err := s.Authenticate(ctx, secret); return err }
	for _, s := range []*Service{a, b, a, b, a, b} {
		if err := authn(s); err != nil {
			t.Fatal(err)
		}
	}
	if l, w := repo.counts(); l != 2 || w != 1 {
		t.Fatalf("six requests on two replicas: %d lookups and %d last-used writes, want 2 and 1", l, w)
	}
	// Past the TTL the key is read again; last-used is written again only a minute after the first.
	clk.Advance(DefaultCacheTTL)
	if err := authn(a); err != nil {
		t.Fatal(err)
	}
	if l, w := repo.counts(); l != 3 || w != 1 {
		t.Fatalf("after the TTL: %d lookups and %d writes, want 3 and 1", l, w)
	}
	clk.Advance(time.Minute)
	for range 3 {
		if err := authn(a); err != nil {
			t.Fatal(err)
		}
	}
	if l, w := repo.counts(); l != 4 || w != 2 {
		t.Fatalf("a minute later: %d lookups and %d writes, want 4 and 2", l, w)
	}
	if err := authn(b); err != nil { // b's entry is stale as well: it reads the key again
		t.Fatal(err)
	}

	// Revoked through a: a refuses at once, b still believes its entry until its TTL ends.
	if _, err := a.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := authn(a); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("a after revoking: %v, want unauthenticated", err)
	}
	if err := authn(b); err != nil {
		t.Fatalf("b within its TTL: %v, want the cached principal", err)
	}
	clk.Advance(3 * time.Second)
	if err := authn(b); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("b past its TTL: %v, want unauthenticated", err)
	}
}

// TestAuthenticationCacheExpiryAndOff: a cached key past its own expiry is refused at once, and a
// zero TTL reads the key on every request.
func TestAuthenticationCacheExpiryAndOff(t *testing.T) {
	ctx := t.Context()
	clk := &testClock{now: time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)}
	repo := &memRepo{keys: map[string]Key{}}
	s := NewService(repo, nil, clk.Now)
	s.CacheFor(time.Minute)
	exp := clk.now.Add(2 * time.Second)
	_, secret, err := s.Create(ctx, NewKey{Name: "k", Role: auth.RoleAuditor, CreatedBy: "test", ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	if _, err := s.Authenticate(ctx, secret); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("cached key past its expiry: %v, want unauthenticated", err)
	}

	off := NewService(repo, nil, clk.Now)
	off.CacheFor(0)
	_, secret2, err := off.Create(ctx, NewKey{Name: "k2", Role: auth.RoleAuditor, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := repo.counts()
	for range 3 {
		if _, err := off.Authenticate(ctx, secret2); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := repo.counts(); after-before != 3 {
		t.Fatalf("TTL 0: %d lookups for 3 requests, want 3", after-before)
	}
}
