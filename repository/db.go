// Package repository stores the domain in MySQL or SQLite through GORM. Row structs stay here; the
// domain sees only its own types and sentinel errors.
package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Dialects we support.
const (
	DialectSQLite = "sqlite"
	DialectMySQL  = "mysql"
)

// Pool limits. SQLite allows one writer at a time, so a large pool only queues on its lock.
type Pool struct {
	MaxOpen     int
	MaxIdle     int
	MaxLifetime time.Duration
}

// DefaultPool returns sensible pool limits for a dialect.
func DefaultPool(dialect string) Pool {
	if dialect == DialectSQLite {
		return Pool{MaxOpen: 8, MaxIdle: 8, MaxLifetime: time.Hour}
	}
	return Pool{MaxOpen: 25, MaxIdle: 25, MaxLifetime: 5 * time.Minute}
}

// DB is an open database with its dialect.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	dialect string
	retry   *TxRetry // nil: DefaultTxRetry
}

// Open connects and checks the connection. dsn must already carry the dialect's required settings
// (see the config package in cmd): parseTime and UTC for MySQL, pragmas for SQLite.
func Open(ctx context.Context, dialect, dsn string, pool Pool, log *slog.Logger) (*DB, error) {
	return OpenDriver(ctx, dialect, "", dsn, pool, log)
}

// OpenDriver is Open through the database/sql driver registered as driverName ("" for the dialect's
// own), such as a wrapper that counts statements in tests.
func OpenDriver(ctx context.Context, dialect, driverName, dsn string, pool Pool, log *slog.Logger) (*DB, error) {
	var d gorm.Dialector
	switch dialect {
	case DialectSQLite:
		d = &sqlite.Dialector{DriverName: driverName, DSN: dsn}
	case DialectMySQL:
		d = mysql.New(mysql.Config{DriverName: driverName, DSN: dsn})
	default:
		return nil, fmt.Errorf("unknown database driver %q", dialect)
	}
	g, err := gorm.Open(d, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true, // our services open transactions where they need them
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 newGormLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if err := registerUnavailable(g); err != nil {
		return nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("get %s connection pool: %w", dialect, err)
	}
	sqlDB.SetMaxOpenConns(pool.MaxOpen)
	sqlDB.SetMaxIdleConns(pool.MaxIdle)
	sqlDB.SetConnMaxLifetime(pool.MaxLifetime)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return &DB{gorm: g, sql: sqlDB, dialect: dialect}, nil
}

// SQL returns the underlying pool (for migrations, readiness and pool metrics).
func (d *DB) SQL() *sql.DB { return d.sql }

// Dialect names the database kind.
func (d *DB) Dialect() string { return d.dialect }

// Close closes the pool.
func (d *DB) Close() error { return d.sql.Close() }

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return markUnavailable(d.sql.PingContext(ctx)) }

type txKey struct{}

// conn returns the transaction carried by ctx, or the pool, bound to ctx.
func (d *DB) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return d.gorm.WithContext(ctx)
}

// InTx implements domain.TxManager. A nested call joins the outer transaction.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	// A conflict (deadlock, Galera certification failure) runs the whole unit again: retry.go. The
	// commit hooks are made per attempt, so a retried unit records its events once.
	return d.withRetry(ctx, func() error {
		// Begin and commit do not pass through the statement callbacks: mark their outage errors here.
		return markUnavailable(d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			ctx, beforeCommit := domain.WithCommitHooks(context.WithValue(ctx, txKey{}, tx))
			if err := fn(ctx); err != nil {
				return err
			}
			return beforeCommit(ctx)
		}, d.txOptions()))
	})
}

// txOptions: on MySQL, READ COMMITTED, so that a read after taking a lock row sees what the previous
// holder committed (REPEATABLE READ would keep the snapshot of the transaction's first read, which in
// a use case that reads other aggregates before locking its own can be older than the lock). SQLite
// transactions are serialised by the database write lock and take the driver's default.
func (d *DB) txOptions() *sql.TxOptions {
	if d.dialect == DialectMySQL {
		return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return nil
}

var _ domain.TxManager = (*DB)(nil)

// dbErr maps driver errors to the domain's sentinels, keeping the original for the log.
func dbErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %w", domain.ErrDuplicate, err)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("%w: %w", domain.ErrReferenced, err)
	}
	return err
}

// gormLogger sends slow queries and errors (except not-found) to slog; routine queries stay quiet.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func newGormLogger(log *slog.Logger) logger.Interface {
	return gormLogger{log: log, slow: 200 * time.Millisecond}
}

func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}
func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}
func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		sql, rows := fc()
		l.log.DebugContext(ctx, "query failed", "err", err, "sql", sql, "rows", rows, "elapsed", elapsed)
	case elapsed > l.slow:
		sql, rows := fc()
		l.log.WarnContext(ctx, "slow query", "sql", sql, "rows", rows, "elapsed", elapsed)
	}
}
