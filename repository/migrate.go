package repository

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/vendorrisk/vendorrisk/migrations"
)

// Migrator applies the embedded goose migrations of the database's dialect.
type Migrator struct {
	p *goose.Provider
}

// NewMigrator prepares the migrations for d.
func NewMigrator(d *DB) (*Migrator, error) {
	gd := goose.DialectSQLite3
	if d.dialect == DialectMySQL {
		gd = goose.DialectMySQL
	}
	sub, err := fs.Sub(migrations.FS, d.dialect)
	if err != nil {
		return nil, fmt.Errorf("open %s migrations: %w", d.dialect, err)
	}
	p, err := goose.NewProvider(gd, d.sql, sub)
	if err != nil {
		return nil, fmt.Errorf("load %s migrations: %w", d.dialect, err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration and returns how many it applied.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// Down rolls back the latest migration.
func (m *Migrator) Down(ctx context.Context) error {
	if _, err := m.p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// DownTo rolls back to the given version (0: everything).
func (m *Migrator) DownTo(ctx context.Context, version int64) error {
	if _, err := m.p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down to %d: %w", version, err)
	}
	return nil
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

// Status lists every migration.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, len(st))
	for i, s := range st {
		out[i] = MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied}
	}
	return out, nil
}

// Pending reports whether migrations are waiting to be applied.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	ok, err := m.p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check pending migrations: %w", err)
	}
	return ok, nil
}
