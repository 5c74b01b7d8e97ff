package repository_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/idempotency"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func TestIdempotencyStore(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		store := repository.NewIdempotency(db)
		keyA, keyB := domain.NewID(), domain.NewID()
		rec := idempotency.Record{KeyID: keyA, Key: "order-1", RequestHash: hashOf("POST /v1/vendors {}"), CreatedAt: start}
		// A binary body with a NUL byte and invalid UTF-8 must come back byte for byte.
		body := append([]byte(`{"id":"x","name":"株式会社"}`), 0x00, 0xff, 0xfe)

		reserve := func(r idempotency.Record, want bool) func(t *testing.T) {
			return func(t *testing.T) {
				got, err := store.Reserve(ctx, r)
				if err != nil || got != want {
					t.Fatalf("Reserve(%s/%s) = %v, %v; want %v", r.KeyID, r.Key, got, err, want)
				}
			}
		}
		get := func(keyID, key string, want *idempotency.Record) func(t *testing.T) {
			return func(t *testing.T) {
				got, err := store.Get(ctx, keyID, key)
				if want == nil {
					if !errors.Is(err, domain.ErrNotFound) {
						t.Fatalf("Get(%s) = %+v, %v; want ErrNotFound", key, got, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.KeyID != want.KeyID || got.Key != want.Key || got.RequestHash != want.RequestHash ||
					got.Status != want.Status || got.Location != want.Location || !bytes.Equal(got.Body, want.Body) ||
					!got.CreatedAt.Equal(want.CreatedAt) {
					t.Fatalf("Get =\n%+v\nwant\n%+v", got, *want)
				}
			}
		}
		completed := rec
		completed.Status, completed.Location, completed.Body = 201, "/v1/vendors/x", body

		steps := []struct {
			name string
			run  func(t *testing.T)
		}{
			{"unknown key", get(keyA, "order-1", nil)},
			{"first reserve wins", reserve(rec, true)},
			{"second reserve loses", reserve(rec, false)},
			{"the same key of another credential is separate", reserve(idempotency.Record{KeyID: keyB, Key: "order-1",
				RequestHash: hashOf("other"), CreatedAt: start}, true)},
			{"pending record", get(keyA, "order-1", &idempotency.Record{KeyID: keyA, Key: "order-1", RequestHash: rec.RequestHash, CreatedAt: start})},
			{"complete", func(t *testing.T) {
				if err := store.Complete(ctx, completed); err != nil {
					t.Fatal(err)
				}
			}},
			{"completed record returns the body", get(keyA, "order-1", &completed)},
			{"other credential's record untouched", get(keyB, "order-1", &idempotency.Record{KeyID: keyB, Key: "order-1",
				RequestHash: hashOf("other"), CreatedAt: start})},
			{"reserve after complete loses", reserve(rec, false)},
			{"release of a pending record", func(t *testing.T) {
				if err := store.Release(ctx, idempotency.Record{KeyID: keyB, Key: "order-1"}); err != nil {
					t.Fatal(err)
				}
			}},
			{"released record is gone", get(keyB, "order-1", nil)},
			{"reserve after release wins", reserve(idempotency.Record{KeyID: keyB, Key: "order-1",
				RequestHash: hashOf("other"), CreatedAt: start}, true)},
			{"release of a completed record keeps it", func(t *testing.T) {
				if err := store.Release(ctx, completed); err != nil {
					t.Fatal(err)
				}
				get(keyA, "order-1", &completed)(t)
			}},
			{"release of an unknown key is harmless", func(t *testing.T) {
				if err := store.Release(ctx, idempotency.Record{KeyID: keyA, Key: "never-reserved"}); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, s := range steps {
			if !t.Run(s.name, s.run) {
				return
			}
		}
	})
}

func TestIdempotencyDeleteBefore(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		store := repository.NewIdempotency(db)
		keyID := domain.NewID()
		// Sub-second offsets check that the cut-off compares instants, not text.
		ages := map[string]time.Time{
			"old":           start.Add(-48 * time.Hour),
			"day":           start.Add(-24 * time.Hour),
			"half second":   start.Add(-500 * time.Millisecond),
			"a microsecond": start.Add(-time.Microsecond),
			"at cut-off":    start,
			"after":         start.Add(250 * time.Millisecond),
			"new":           start.Add(time.Hour),
		}
		for key, at := range ages {
			if ok, err := store.Reserve(ctx, idempotency.Record{KeyID: keyID, Key: key, RequestHash: hashOf(key), CreatedAt: at}); err != nil || !ok {
				t.Fatalf("Reserve(%s) = %v, %v", key, ok, err)
			}
		}
		tests := []struct {
			cutoff  time.Time
			deleted int64
			gone    []string
			kept    []string
		}{
			{start.Add(-72 * time.Hour), 0, nil, []string{"old", "day", "half second", "a microsecond", "at cut-off", "after", "new"}},
			{start.Add(-24 * time.Hour), 1, []string{"old"}, []string{"day", "half second"}},
			{start.Add(-time.Second), 1, []string{"day"}, []string{"half second"}},
			{start, 2, []string{"half second", "a microsecond"}, []string{"at cut-off", "after", "new"}},
			{start.Add(500 * time.Millisecond), 2, []string{"at cut-off", "after"}, []string{"new"}},
			{start.Add(500 * time.Millisecond), 0, nil, []string{"new"}},
		}
		for _, tt := range tests {
			n, err := store.DeleteBefore(ctx, tt.cutoff)
			if err != nil || n != tt.deleted {
				t.Fatalf("DeleteBefore(%s) = %d, %v; want %d", tt.cutoff, n, err, tt.deleted)
			}
			for _, key := range tt.gone {
				if _, err := store.Get(ctx, keyID, key); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("DeleteBefore(%s) kept %q: %v", tt.cutoff, key, err)
				}
			}
			for _, key := range tt.kept {
				if _, err := store.Get(ctx, keyID, key); err != nil {
					t.Errorf("DeleteBefore(%s) removed %q: %v", tt.cutoff, key, err)
				}
			}
		}
	})
}

// TestIdempotencyMarkCommitsWithTheUseCase: the mark is part of the use case's transaction (gone with
// its rollback, kept with its commit), and a marked reservation survives Release.
func TestIdempotencyMarkCommitsWithTheUseCase(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		store := repository.NewIdempotency(db)
		rec := idempotency.Record{KeyID: domain.NewID(), Key: "mark-1", RequestHash: hashOf("POST /v1/vendors {}"), CreatedAt: start,
			Token: "first"}
		if ok, err := store.Reserve(ctx, rec); !ok || err != nil {
			t.Fatalf("Reserve = %v, %v", ok, err)
		}
		location := func() string {
			got, err := store.Get(ctx, rec.KeyID, rec.Key)
			if err != nil {
				t.Fatal(err)
			}
			return got.Location
		}
		rollback := errors.New("use case failed")
		err := db.InTx(ctx, func(ctx context.Context) error {
			if err := store.MarkCommitted(ctx, rec, "/v1/vendors/rolled-back"); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) || location() != "" {
			t.Fatalf("after a rollback: %v, location %q; want no mark", err, location())
		}
		if err := db.InTx(ctx, func(ctx context.Context) error {
			return store.MarkCommitted(ctx, rec, "/v1/vendors/x")
		}); err != nil {
			t.Fatal(err)
		}
		if err := store.Release(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if got := location(); got != "/v1/vendors/x" {
			t.Errorf("after Release of a committed reservation: location %q, want it kept", got)
		}
	})
}

// TestIdempotencyTokenFencesATakenOverReservation: once a retry took a reservation over, the first
// request (only slow, not dead) can neither mark it in its transaction (which then rolls back), nor
// complete or release it.
func TestIdempotencyTokenFencesATakenOverReservation(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		store := repository.NewIdempotency(db)
		slow := idempotency.Record{KeyID: domain.NewID(), Key: "fence-1", RequestHash: hashOf("POST /v1/vendors {}"),
			CreatedAt: start, Token: "slow"}
		retry := slow
		retry.CreatedAt, retry.Token = start.Add(time.Minute), "retry"
		if ok, err := store.Reserve(ctx, slow); !ok || err != nil {
			t.Fatalf("Reserve = %v, %v", ok, err)
		}
		if err := store.Release(ctx, slow); err != nil { // the takeover
			t.Fatal(err)
		}
		if ok, err := store.Reserve(ctx, retry); !ok || err != nil {
			t.Fatalf("Reserve by the retry = %v, %v", ok, err)
		}
		inserted := false
		err := db.InTx(ctx, func(ctx context.Context) error {
			inserted = true
			return store.MarkCommitted(ctx, slow, "/v1/vendors/slow")
		})
		if !inserted || !errors.Is(err, idempotency.ErrTakenOver) {
			t.Fatalf("the slow request's mark: %v, want ErrTakenOver", err)
		}
		done := slow
		done.Status, done.Location, done.Body = 201, "/v1/vendors/slow", []byte("{}")
		if err := store.Complete(ctx, done); err != nil {
			t.Fatal(err)
		}
		if err := store.Release(ctx, slow); err != nil {
			t.Fatal(err)
		}
		got, err := store.Get(ctx, retry.KeyID, retry.Key)
		if err != nil || got.Token != "retry" || got.Status != 0 || got.Location != "" {
			t.Fatalf("the retry's reservation after the slow request's writes: %+v, %v", got, err)
		}
		if err := db.InTx(ctx, func(ctx context.Context) error {
			return store.MarkCommitted(ctx, retry, "/v1/vendors/retry")
		}); err != nil {
			t.Fatalf("the retry's own mark: %v", err)
		}
	})
}
