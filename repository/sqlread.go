package repository

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
)

// query runs a plain database/sql query on the transaction ctx carries, or on the pool: the hot reads
// use it to scan rows by hand, without GORM's reflection. Outage errors are marked as GORM's
// statements' are.
func (d *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		pool := tx.Statement.ConnPool
		if pool == nil {
			return nil, fmt.Errorf("transaction without a connection")
		}
		rows, err = pool.QueryContext(ctx, query, args...)
	} else {
		rows, err = d.sql.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, markUnavailable(err)
	}
	return rows, nil
}
