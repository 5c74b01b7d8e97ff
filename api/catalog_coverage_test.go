package api_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/event"
)

// produced tallies the event types the API tests made the services record: a whole run of the
// package must produce every type of the published catalog (docs/events.md), so that no catalogued
// event is one nothing raises, and none goes untested.
var produced = &producedTypes{seen: map[string]bool{}}

type producedTypes struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (e *producedTypes) Record(_ context.Context, events ...event.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range events {
		e.seen[ev.Type] = true
	}
	return nil
}

// notRaisedHere are catalog types the API tests cannot produce, each with the test that does.
var notRaisedHere = map[string]string{
	// Not a domain event: POST /webhook-endpoints/{id}/test writes the ping to the outbox for one
	// endpoint (TestWebhookPayloadsMatchSchemas receives it and checks its schema).
	"webhook.ping": "TestWebhookPayloadsMatchSchemas",
}

// checkCatalog reports catalog types no test produced; only a run of the whole package checks.
func (e *producedTypes) checkCatalog() bool {
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() != "" || testing.Short() {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var missing []string
	for _, t := range event.Catalog {
		if _, elsewhere := notRaisedHere[t.Type]; !e.seen[t.Type] && !elsewhere {
			missing = append(missing, t.Type)
		}
	}
	for typ := range e.seen {
		if !slices.ContainsFunc(event.Catalog, func(c event.Type) bool { return c.Type == typ }) {
			missing = append(missing, typ+" (recorded but not in the catalog)")
		}
	}
	if len(missing) > 0 {
		fmt.Printf("event catalog: no API test produced %d types: %v\n", len(missing), missing)
		return false
	}
	fmt.Printf("event catalog: all %d types produced by the API tests\n", len(event.Catalog))
	return true
}
