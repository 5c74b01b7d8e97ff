package repository

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"

	sqlite "github.com/glebarez/go-sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/vendorrisk/vendorrisk/domain"
)

// SQLite result codes (the primary code is the low byte) that mean "try again later", not "your
// request is wrong".
const (
	sqliteBusy      = 5
	sqliteLocked    = 6
	sqliteInterrupt = 9
)

// MySQL server errors that mean the same: lock wait timeout, deadlock, too many connections, server
// shutting down, query interrupted by max_statement_time, and a Galera node that is not (yet) part
// of the primary component ("WSREP has not yet prepared node for application use").
var mysqlRetryable = map[uint16]bool{1205: true, 1213: true, 1040: true, 1053: true, 1969: true, 3024: true, 1047: true}

// unavailable reports whether err says the database could not serve the statement in time (refused,
// lost or timed-out connection, deadline, lock contention) rather than anything about the statement.
func unavailable(err error) bool {
	if err == nil || errors.Is(err, domain.ErrUnavailable) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, gomysql.ErrInvalidConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return mysqlRetryable[me.Number]
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked, sqliteInterrupt:
			return true
		}
	}
	return false
}

// markUnavailable wraps err with domain.ErrUnavailable when the database, not the statement, failed.
func markUnavailable(err error) error {
	if unavailable(err) {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	return err
}

// registerUnavailable marks outage errors of every GORM statement, so that every repository method
// reports them the same way without each one knowing the drivers.
func registerUnavailable(g *gorm.DB) error {
	mark := func(db *gorm.DB) {
		if db.Error != nil && unavailable(db.Error) {
			db.Error = markUnavailable(db.Error)
		}
	}
	cb := g.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("*").Register("vendorrisk:unavailable", mark),
		"query":  cb.Query().After("*").Register("vendorrisk:unavailable", mark),
		"update": cb.Update().After("*").Register("vendorrisk:unavailable", mark),
		"delete": cb.Delete().After("*").Register("vendorrisk:unavailable", mark),
		"row":    cb.Row().After("*").Register("vendorrisk:unavailable", mark),
		"raw":    cb.Raw().After("*").Register("vendorrisk:unavailable", mark),
	} {
		if err != nil {
			return fmt.Errorf("register %s callback: %w", name, err)
		}
	}
	return nil
}
