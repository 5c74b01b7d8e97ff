package api

import (
	"sync"
	"time"
)

// limiter is a token bucket per credential: a burst of `burst` requests, refilled at `rate` per second.
// It is per process; behind several replicas each enforces its own share.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(ratePerSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: ratePerSecond, burst: float64(burst), buckets: map[string]*bucket{}, now: now}
}

// allow takes a token for key; a zero rate disables limiting.
func (l *limiter) allow(key string) bool {
	if l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// exhausted reports, without taking a token, whether key has none left; a zero rate never is.
func (l *limiter) exhausted(key string) bool {
	if l.rate <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key).tokens < 1
}

// refill returns key's bucket topped up for the time since its last use; l.mu is held.
func (l *limiter) refill(key string) *bucket {
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 { // forget idle buckets rather than grow without bound
			l.buckets = map[string]*bucket{}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	return b
}

func (l *limiter) retryAfterSeconds() int {
	return max(1, int(1/l.rate+0.999))
}
