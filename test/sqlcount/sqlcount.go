// Package sqlcount counts the statements a database serves: a database/sql driver wrapped around the
// real one (SQLite or MySQL), so that a test can assert how many round trips one HTTP request costs.
// It counts what reaches the driver, GORM or plain database/sql alike; BEGIN and COMMIT/ROLLBACK are
// counted too, since each is a round trip.
package sqlcount

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// Counter records the statements sent since the last Reset. Preparing a statement is kept apart: it
// happens once per pooled connection and statement text, not once per request.
type Counter struct {
	mu       sync.Mutex
	stmt     []string
	prepares []string
}

func (c *Counter) prepare(query string) {
	c.mu.Lock()
	c.prepares = append(c.prepares, strings.Join(strings.Fields(query), " "))
	c.mu.Unlock()
}

// Prepares returns the statements prepared since the last Reset.
func (c *Counter) Prepares() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.prepares...)
}

func (c *Counter) add(query string) {
	c.mu.Lock()
	c.stmt = append(c.stmt, strings.Join(strings.Fields(query), " "))
	c.mu.Unlock()
}

// Reset forgets what was counted.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.stmt, c.prepares = nil, nil
	c.mu.Unlock()
}

// Statements returns the statements sent since the last Reset, in order.
func (c *Counter) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.stmt...)
}

// Count is len(Statements()).
func (c *Counter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmt)
}

var seq atomic.Int64

// Open returns a fresh migrated database of the dialect whose statements c counts (the migrations are
// not counted: the counter starts empty).
func Open(t testing.TB, dialect string) (*repository.DB, *Counter) {
	t.Helper()
	dsn := testdb.DSN(t, dialect)
	var inner driver.Driver
	switch dialect {
	case repository.DialectSQLite:
		probe, err := sql.Open("sqlite", "")
		if err != nil {
			t.Fatal(err)
		}
		inner = probe.Driver()
		_ = probe.Close()
	case repository.DialectMySQL:
		inner = &gomysql.MySQLDriver{}
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	c := &Counter{}
	name := fmt.Sprintf("sqlcount-%s-%d", dialect, seq.Add(1))
	sql.Register(name, countingDriver{inner: inner, c: c})
	db, err := repository.OpenDriver(context.Background(), dialect, name, dsn, repository.DefaultPool(dialect), testdb.Logger())
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	testdb.Migrate(t, db)
	c.Reset()
	return db, c
}

type countingDriver struct {
	inner driver.Driver
	c     *Counter
}

func (d countingDriver) Open(name string) (driver.Conn, error) {
	conn, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: d.c}, nil
}

// countingConn forwards every optional interface database/sql asks for and counts the round trips.
type countingConn struct {
	driver.Conn
	c *Counter
}

var (
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.c.add(query)
	}
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.c.add(query)
	}
	return res, err
}

// PrepareContext records a prepare (see Prepares): on MySQL a round trip of its own, once per
// connection for a statement the repository keeps prepared, but on every execution when the driver
// cannot send a query with arguments in one go.
func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.c.prepare(query)
	var (
		s   driver.Stmt
		err error
	)
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, query)
	} else {
		s, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: s, query: query, c: c.c}, nil
}

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx) // both drivers have it
	if !ok {
		return nil, errors.New("sqlcount: the driver's connection lacks BeginTx")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.c.add("BEGIN")
	return countingTx{Tx: tx, c: c.c}, nil
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type countingTx struct {
	driver.Tx
	c *Counter
}

func (t countingTx) Commit() error {
	t.c.add("COMMIT")
	return t.Tx.Commit()
}

func (t countingTx) Rollback() error {
	t.c.add("ROLLBACK")
	return t.Tx.Rollback()
}

type countingStmt struct {
	driver.Stmt
	query string
	c     *Counter
}

var (
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
)

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.add(s.query)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, errors.New("sqlcount: the driver's statement lacks QueryContext")
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.add(s.query)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, errors.New("sqlcount: the driver's statement lacks ExecContext")
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
