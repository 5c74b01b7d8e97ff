package repository

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/vendorrisk/vendorrisk/domain"
)

// TxRetry bounds how a transaction aborted by a conflict is run again: InnoDB's deadlock victim, and
// on a Galera cluster the transaction that loses certification at commit (reported as the same
// error 1213, "try restarting transaction"). The whole unit of work runs again from its start.
type TxRetry struct {
	// Retries is how many times a conflicting unit of work runs again (0: never).
	Retries int
	// Base is the first pause; each further one doubles, up to Max, with full jitter.
	Base, Max time.Duration
}

// DefaultTxRetry: three more runs, pauses of up to 20, 40 and 80 ms.
var DefaultTxRetry = TxRetry{Retries: 3, Base: 20 * time.Millisecond, Max: 500 * time.Millisecond}

// SetTxRetry sets the retry bound of transactions opened by InTx.
func (d *DB) SetTxRetry(r TxRetry) { d.retry = &r }

func (d *DB) txRetry() TxRetry {
	if d.retry == nil {
		return DefaultTxRetry
	}
	return *d.retry
}

// conflict reports whether err aborted the transaction because another one won: running the whole
// unit again may succeed. Lock wait timeouts (1205) are not conflicts: the other transaction still
// holds the lock, and waiting again would only double the wait.
func conflict(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// withRetry runs one transaction attempt, and again after a conflict while the bound, the context's
// deadline and the unit of work (domain.Retryable) allow.
func (d *DB) withRetry(ctx context.Context, attempt func() error) error {
	r := d.txRetry()
	if !domain.Retryable(ctx) {
		r.Retries = 0
	}
	pause := r.Base
	for i := 0; ; i++ {
		err := attempt()
		if err == nil || i >= r.Retries || !conflict(err) {
			return err
		}
		wait := time.Duration(rand.Int64N(int64(pause) + 1))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		pause = min(2*pause, r.Max)
	}
}
