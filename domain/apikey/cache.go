package apikey

import (
	"sync"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// DefaultCacheTTL is how long a verified credential is believed without asking the database again.
// A revocation through this process takes effect at once; one made through another replica (or the
// CLI) takes effect here within the TTL.
const DefaultCacheTTL = 5 * time.Second

// maxCached bounds the cache; past it, expired entries are dropped and, if that is not enough, all.
const maxCached = 10_000

// cached is one verified credential.
type cached struct {
	principal auth.Principal
	expiresAt *time.Time // the key's own expiry, checked on every hit
	lastUsed  *time.Time // what the database holds, so that the last-used write stays throttled
	until     time.Time  // when the entry must be verified again
}

// authCache holds verified credentials by secret hash. The secrets themselves are never kept.
type authCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]*cached
	byKeyID map[string]string // key ID -> hash, for revocation
	// uncached are keys revoked here recently, with the time until which they are not cached: the
	// revoking transaction may not have committed yet when a concurrent request reads the key.
	uncached map[string]time.Time
}

// uncacheFor is how long a key revoked here stays out of the cache: longer than any transaction runs.
const uncacheFor = time.Minute

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, entries: map[string]*cached{}, byKeyID: map[string]string{}, uncached: map[string]time.Time{}}
}

// get returns the entry for hash when it is still fresh at now; the caller may update lastUsed under
// touch.
func (c *authCache) get(hash string, now time.Time) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.until) {
		return cached{}, false
	}
	return *e, true
}

func (c *authCache) put(hash string, e cached) {
	if c.ttl <= 0 {
		return
	}
	now := e.until.Add(-c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if until, ok := c.uncached[e.principal.KeyID]; ok {
		if now.Before(until) {
			return
		}
		delete(c.uncached, e.principal.KeyID)
	}
	if len(c.entries) >= maxCached {
		c.evict(now)
	}
	c.entries[hash] = &e
	c.byKeyID[e.principal.KeyID] = hash
}

// touched records the last-used time written for hash.
func (c *authCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		e.lastUsed = &at
	}
}

// forget drops the key's entry, so that its next request asks the database.
func (c *authCache) forget(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLocked(keyID)
}

func (c *authCache) forgetLocked(keyID string) {
	if h, ok := c.byKeyID[keyID]; ok {
		delete(c.entries, h)
		delete(c.byKeyID, keyID)
	}
}

// revoked forgets the key and keeps it out of the cache for uncacheFor after now.
func (c *authCache) revoked(keyID string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLocked(keyID)
	for id, until := range c.uncached { // few: revocations are rare
		if !now.Before(until) {
			delete(c.uncached, id)
		}
	}
	c.uncached[keyID] = now.Add(uncacheFor)
}

// evict drops the entries stale at now, or every entry when none is; c.mu is held.
func (c *authCache) evict(now time.Time) {
	for h, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, h)
			delete(c.byKeyID, e.principal.KeyID)
		}
	}
	if len(c.entries) >= maxCached {
		clear(c.entries)
		clear(c.byKeyID)
	}
}
