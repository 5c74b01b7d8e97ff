package repository_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// countingKeys is the real key repository, counting the lookups and last-used writes that reach it.
type countingKeys struct {
	apikey.Repository
	mu              sync.Mutex
	lookups, writes int
}

func (r *countingKeys) GetByHash(ctx context.Context, h string) (apikey.Key, error) {
	r.mu.Lock()
	r.lookups++
	r.mu.Unlock()
	return r.Repository.GetByHash(ctx, h)
}

func (r *countingKeys) TouchLastUsed(ctx context.Context, id string, at time.Time) error {
	r.mu.Lock()
	r.writes++
	r.mu.Unlock()
	return r.Repository.TouchLastUsed(ctx, id, at)
}

func (r *countingKeys) counts() (lookups, writes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups, r.writes
}

// TestAuthenticationCache runs two services on one store, as two replicas on one database: a verified
// key is read once per TTL, a revocation is refused at once by the replica that made it and by the
// other one within the TTL, and last-used stays written at most once a minute.
func TestAuthenticationCache(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		clk := newClock()
		repo := &countingKeys{Repository: repository.NewAPIKeys(db)}
		a := apikey.NewService(repo, nil, clk.Now, db, audit.NewService(repository.NewAuditTrail(db), db, clk.Now)) // the default TTL
		b := apikey.NewService(repo, nil, clk.Now, db, audit.NewService(repository.NewAuditTrail(db), db, clk.Now))
		b.CacheFor(3 * time.Second)
		k, secret, err := a.Create(ctx, apikey.NewKey{Name: "k", Role: auth.RoleAuditor, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		authn := func(s *apikey.Service) error { _, err := s.Authenticate(ctx, secret); return err }
		for _, s := range []*apikey.Service{a, b, a, b, a, b} {
			if err := authn(s); err != nil {
				t.Fatal(err)
			}
		}
		if l, w := repo.counts(); l != 2 || w != 1 {
			t.Fatalf("six requests on two replicas: %d lookups and %d last-used writes, want 2 and 1", l, w)
		}
		// Past the TTL the key is read again; last-used is written again only a minute after the first.
		clk.Advance(apikey.DefaultCacheTTL)
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
	})
}

// TestAuthenticationCacheExpiryAndOff: a cached key past its own expiry is refused at once, and a
// zero TTL reads the key on every request.
func TestAuthenticationCacheExpiryAndOff(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		clk := newClock()
		repo := &countingKeys{Repository: repository.NewAPIKeys(db)}
		s := apikey.NewService(repo, nil, clk.Now, db, audit.NewService(repository.NewAuditTrail(db), db, clk.Now))
		s.CacheFor(time.Minute)
		exp := clk.Now().Add(2 * time.Second)
		_, secret, err := s.Create(ctx, apikey.NewKey{Name: "k", Role: auth.RoleAuditor, CreatedBy: "test", ExpiresAt: &exp})
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

		off := apikey.NewService(repo, nil, clk.Now, db, audit.NewService(repository.NewAuditTrail(db), db, clk.Now))
		off.CacheFor(0)
		_, secret2, err := off.Create(ctx, apikey.NewKey{Name: "k2", Role: auth.RoleAuditor, CreatedBy: "test"})
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
	})
}
