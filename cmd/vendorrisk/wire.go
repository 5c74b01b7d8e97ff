package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/vendorrisk/vendorrisk/repository"
)

// parseFlags parses a subcommand's flags, wherever they stand among its arguments (so that both
// "migrate up --db-dsn X" and "migrate --db-dsn X up" work), and completes the configuration.
// The positional arguments are left in fs.Args().
func parseFlags(fs *flag.FlagSet, finish func() error, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageErr("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return usageErr("%v", err)
	}
	return finish()
}

// openDB opens the configured database, creating the SQLite folder on first use.
func openDB(ctx context.Context, cfg *config, log *slog.Logger) (*repository.DB, error) {
	if cfg.DBDriver == repository.DialectSQLite {
		if err := os.MkdirAll(filepath.Dir(repository.SQLitePath(cfg.DBDSN)), 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	db, err := repository.Open(ctx, cfg.DBDriver, cfg.DBDSN, repository.DefaultPool(cfg.DBDriver), log)
	if err != nil {
		return nil, err
	}
	retry := repository.DefaultTxRetry
	retry.Retries = cfg.TxRetries
	db.SetTxRetry(retry)
	return db, nil
}

// requireSchema fails when migrations are pending, so the service never runs on an old schema.
func requireSchema(ctx context.Context, db *repository.DB) error {
	m, err := repository.NewMigrator(db)
	if err != nil {
		return err
	}
	pending, err := m.Pending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return fmt.Errorf("the database has pending migrations: run `vendorrisk migrate up` (or serve --migrate)")
	}
	return nil
}
