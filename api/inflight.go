package api

import "sync"

// inFlight counts each credential's requests in progress.
type inFlight struct {
	mu    sync.Mutex
	limit int
	n     map[string]int
}

func newInFlight(limit int) *inFlight { return &inFlight{limit: limit, n: map[string]int{}} }

// acquire takes a slot for key; it reports false when key already has limit requests in progress.
// A zero limit disables the cap.
func (f *inFlight) acquire(key string) bool {
	if f.limit <= 0 {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[key] >= f.limit {
		return false
	}
	f.n[key]++
	return true
}

// release gives the slot back; the map forgets keys with nothing in flight, so it never grows.
func (f *inFlight) release(key string) {
	if f.limit <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[key] <= 1 {
		delete(f.n, key)
		return
	}
	f.n[key]--
}
