package repository_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// Outage errors (a deadline that passed, a transaction that could not begin) reach the services marked
// with domain.ErrUnavailable on both databases, while a plain miss stays ErrNotFound.
func TestOutageErrorsAreMarkedUnavailable(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		vendors := repository.NewVendors(db)
		expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		checks := map[string]error{
			"read":  func() error { _, err := vendors.Get(expired, domain.NewID()); return err }(),
			"tx":    db.InTx(expired, func(context.Context) error { return nil }),
			"ping":  db.Ping(expired),
			"inner": db.InTx(t.Context(), func(ctx context.Context) error { _, err := vendors.Get(expired, domain.NewID()); return err }),
		}
		for name, err := range checks {
			if !errors.Is(err, domain.ErrUnavailable) || domain.KindOf(err) != domain.KindUnavailable {
				t.Errorf("%s under a passed deadline: %v, want ErrUnavailable", name, err)
			}
		}
		if _, err := vendors.Get(t.Context(), domain.NewID()); !errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrUnavailable) {
			t.Errorf("a missing vendor: %v, want ErrNotFound only", err)
		}
	})
}
