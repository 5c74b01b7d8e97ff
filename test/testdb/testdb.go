// Package testdb gives tests a fresh, migrated, real database per dialect: a SQLite file in a temp
// folder, and a throw-away MySQL/MariaDB database. MySQL is skipped when unreachable, unless
// VENDORRISK_REQUIRE_MYSQL=1 (set by CI), which turns the skip into a failure.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/vendorrisk/vendorrisk/repository"
)

// Dialects are the databases every repository behaviour runs on.
var Dialects = []string{repository.DialectSQLite, repository.DialectMySQL}

// MySQLServerDSN is the server the MySQL tests use, without a database name.
func MySQLServerDSN() string {
	if dsn := os.Getenv("VENDORRISK_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// ForEach runs fn as a subtest on each dialect with a fresh migrated database.
func ForEach(t *testing.T, fn func(t *testing.T, db *repository.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated database of the dialect, removed when the test ends.
func Open(t testing.TB, dialect string) *repository.DB {
	t.Helper()
	db := OpenEmpty(t, dialect)
	Migrate(t, db)
	return db
}

// Migrate applies every migration to db.
func Migrate(t testing.TB, db *repository.DB) {
	t.Helper()
	m, err := repository.NewMigrator(db)
	if err != nil {
		t.Fatalf("migrator: %v", err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}

// OpenEmpty returns a fresh database with no migrations applied.
func OpenEmpty(t testing.TB, dialect string) *repository.DB {
	t.Helper()
	dsn := DSN(t, dialect)
	db, err := repository.Open(context.Background(), dialect, dsn, repository.DefaultPool(dialect), Logger())
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// DSN creates a fresh empty database and returns its normalised DSN.
func DSN(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case repository.DialectSQLite:
		dsn, err := repository.NormalizeSQLiteDSN(filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		return dsn
	case repository.DialectMySQL:
		return mysqlDatabase(t)
	}
	t.Fatalf("unknown dialect %q", dialect)
	return ""
}

func mysqlDatabase(t testing.TB) string {
	t.Helper()
	server := MySQLServerDSN()
	admin, err := sql.Open("mysql", server)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("VENDORRISK_REQUIRE_MYSQL") == "1" {
			t.Fatalf("MySQL is required (VENDORRISK_REQUIRE_MYSQL=1) but unreachable at %s: %v", server, err)
		}
		t.Skipf("MySQL unreachable at %s (set VENDORRISK_REQUIRE_MYSQL=1 to fail instead): %v", server, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "vrtest_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name)
		_ = admin.Close()
	})
	cfg, err := gomysql.ParseDSN(server)
	if err != nil {
		t.Fatalf("parse %s: %v", server, err)
	}
	cfg.DBName = name
	dsn, err := repository.NormalizeMySQLDSN(cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Logger is a quiet logger for tests; set VENDORRISK_TEST_LOG=1 to see it.
func Logger() *slog.Logger {
	if os.Getenv("VENDORRISK_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
