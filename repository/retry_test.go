package repository_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// deadlock runs two units of work that take two lock rows in opposite orders, so that on their
// first run InnoDB aborts one of them with error 1213 (a Galera cluster aborts a transaction that
// loses certification with the same error). It returns each unit's error and how many runs there were.
func deadlock(t *testing.T, db *repository.DB, ctx context.Context) ([2]error, int32) {
	t.Helper()
	if _, err := db.SQL().ExecContext(t.Context(), "INSERT INTO locks (name, version) VALUES ('retry-a', 0), ('retry-b', 0)"); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	var first sync.WaitGroup // both hold their first lock before either asks for its second
	first.Add(2)
	var errs [2]error
	var wg sync.WaitGroup
	for i, order := range [][2]string{{"retry-a", "retry-b"}, {"retry-b", "retry-a"}} {
		wg.Go(func() {
			attempt := 0
			errs[i] = db.InTx(ctx, func(ctx context.Context) error {
				runs.Add(1)
				attempt++
				if err := repository.TakeLock(ctx, db, order[0]); err != nil {
					return err
				}
				if attempt == 1 {
					first.Done()
					first.Wait()
				}
				return repository.TakeLock(ctx, db, order[1])
			})
		})
	}
	wg.Wait()
	return errs, runs.Load()
}

func TestInTxRunsAgainAfterAConflict(t *testing.T) {
	db := testdb.Open(t, repository.DialectMySQL)
	errs, runs := deadlock(t, db, t.Context())
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("with retries both units should commit: %v", errs)
	}
	if runs != 3 {
		t.Errorf("%d runs, want 3 (the deadlock victim ran again once)", runs)
	}
	var versions int
	if err := db.SQL().QueryRowContext(t.Context(), "SELECT SUM(version) FROM locks WHERE name LIKE 'retry-%'").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 4 { // each unit bumped each row once; the aborted run left nothing
		t.Errorf("lock versions add up to %d, want 4", versions)
	}
}

func TestInTxDoesNotRunAgainWhenTheUnitCannot(t *testing.T) {
	db := testdb.Open(t, repository.DialectMySQL)
	errs, runs := deadlock(t, db, domain.NoRetry(t.Context()))
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, domain.ErrUnavailable) {
				t.Errorf("the victim's error %v is not ErrUnavailable (503 with Retry-After)", err)
			}
		}
	}
	if failed != 1 || runs != 2 {
		t.Errorf("%d failed in %d runs; want the victim to fail after 2 runs in all", failed, runs)
	}
}

func TestInTxRetryIsBounded(t *testing.T) {
	db := testdb.Open(t, repository.DialectMySQL)
	db.SetTxRetry(repository.TxRetry{Retries: 0, Base: time.Millisecond, Max: time.Millisecond})
	errs, runs := deadlock(t, db, t.Context())
	if (errs[0] == nil) == (errs[1] == nil) || runs != 2 {
		t.Errorf("with no retries: errors %v in %d runs; want one failure in 2 runs", errs, runs)
	}
}
