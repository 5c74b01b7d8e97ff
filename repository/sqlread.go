package repository

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

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

// maxPrepared bounds the statements one repository keeps prepared.
const maxPrepared = 64

// prepared keeps the prepared statements of a repository's hot reads by text, so that SQLite does not
// parse and plan them on every request (and MySQL executes them in its binary protocol). They serve
// reads outside a transaction; inside one, the statement runs plainly on the transaction's connection
// (a prepared one would have to be prepared again there).
type prepared struct {
	db *DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newPrepared(db *DB) *prepared { return &prepared{db: db, m: map[string]*sql.Stmt{}} }

// query runs the statement prepared, or plainly inside a transaction or once maxPrepared are kept.
func (p *prepared) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx {
		return p.db.query(ctx, query, args...)
	}
	stmt, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if stmt == nil {
		return p.db.query(ctx, query, args...)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, markUnavailable(err)
	}
	return rows, nil
}

func (p *prepared) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	s, ok := p.m[query]
	full := len(p.m) >= maxPrepared
	p.mu.Unlock()
	if ok || full {
		return s, nil
	}
	s, err := p.db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, markUnavailable(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.m[query]; ok { // prepared meanwhile by another request
		_ = s.Close()
		return old, nil
	}
	p.m[query] = s
	return s, nil
}
