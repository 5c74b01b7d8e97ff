package repository

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/vendorrisk/vendorrisk/domain"
)

// takeLock updates a named row in the locks table: the row lock (MySQL) or the write lock (SQLite)
// holds until the surrounding transaction ends, serialising every writer that takes the same lock.
func takeLock(ctx context.Context, db *DB, name string) error {
	res := db.conn(ctx).Exec("UPDATE locks SET version = version + 1 WHERE name = ?", name)
	if res.Error != nil {
		return fmt.Errorf("take lock %s: %w", name, dbErr(res.Error))
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("take lock %s: lock row missing", name)
	}
	return nil
}

func gormExpr(sql string) any { return gorm.Expr(sql) }

// affectedOne turns an update's outcome into a domain result: zero rows means the version was stale
// (or the row is gone, which the caller has ruled out by reading it in the same transaction).
func affectedOne(err error, rows int64, op string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, dbErr(err))
	}
	if rows == 0 {
		return domain.ErrStaleVersion
	}
	return nil
}
