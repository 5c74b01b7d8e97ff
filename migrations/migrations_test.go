package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/migrations"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// gooseTable is goose's own bookkeeping table; it is not part of our schema.
const gooseTable = "goose_db_version"

// versions returns the migration version numbers of one dialect folder, in order.
func versions(t *testing.T, dialect string) []int64 {
	t.Helper()
	entries, err := fs.ReadDir(migrations.FS, dialect)
	if err != nil {
		t.Fatalf("read %s migrations: %v", dialect, err)
	}
	var out []int64
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			t.Errorf("%s/%s: only .sql migration files belong in a dialect folder", dialect, e.Name())
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			t.Errorf("%s/%s: name must be <version>_<name>.sql", dialect, e.Name())
			continue
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func TestDialectsHaveTheSameVersions(t *testing.T) {
	sqlite := versions(t, repository.DialectSQLite)
	mysql := versions(t, repository.DialectMySQL)
	if len(sqlite) == 0 {
		t.Fatal("no sqlite migrations embedded")
	}
	if !slices.Equal(sqlite, mysql) {
		t.Fatalf("migration versions differ: sqlite %v, mysql %v", sqlite, mysql)
	}
	if c := slices.Compact(slices.Clone(sqlite)); len(c) != len(sqlite) {
		t.Fatalf("a version is used twice: %v", sqlite)
	}
}

// schema maps each application table to its sorted column names.
type schema map[string][]string

func readSchema(t *testing.T, ctx context.Context, db *repository.DB) schema {
	t.Helper()
	var q string
	switch db.Dialect() {
	case repository.DialectMySQL:
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE()`
	case repository.DialectSQLite:
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'`
	default:
		t.Fatalf("unknown dialect %q", db.Dialect())
	}
	rows, err := db.SQL().QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("read %s schema: %v", db.Dialect(), err)
	}
	defer rows.Close()
	out := schema{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatalf("scan schema row: %v", err)
		}
		if strings.EqualFold(table, gooseTable) {
			continue
		}
		out[strings.ToLower(table)] = append(out[strings.ToLower(table)], strings.ToLower(column))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s schema: %v", db.Dialect(), err)
	}
	for _, cols := range out {
		slices.Sort(cols)
	}
	return out
}

func appliedVersions(t *testing.T, ctx context.Context, m *repository.Migrator) []int64 {
	t.Helper()
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, s := range st {
		if s.Applied {
			out = append(out, s.Version)
		}
	}
	return out
}

func TestUpDownUp(t *testing.T) {
	want := versions(t, repository.DialectSQLite)
	schemas := map[string]schema{}
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := t.Context()
			db := testdb.OpenEmpty(t, dialect)
			m, err := repository.NewMigrator(db)
			if err != nil {
				t.Fatal(err)
			}
			if pending, err := m.Pending(ctx); err != nil || !pending {
				t.Fatalf("Pending() on an empty database = %v, %v; want true", pending, err)
			}
			if got := readSchema(t, ctx, db); len(got) != 0 {
				t.Fatalf("empty database already has tables %v", slices.Sorted(maps.Keys(got)))
			}

			steps := []struct {
				name string
				run  func() error
				// wantApplied is how many migrations the step applies; -1 for a rollback.
				wantApplied int
				wantTables  bool
			}{
				{"up", func() error { return up(ctx, m, len(want)) }, len(want), true},
				{"up again is a no-op", func() error { return up(ctx, m, 0) }, 0, true},
				{"down to 0", func() error { return m.DownTo(ctx, 0) }, -1, false},
				{"up after down", func() error { return up(ctx, m, len(want)) }, len(want), true},
			}
			var first schema
			for _, s := range steps {
				if err := s.run(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				got := readSchema(t, ctx, db)
				applied := appliedVersions(t, ctx, m)
				if !s.wantTables {
					if len(got) != 0 {
						t.Fatalf("%s: tables remain: %v", s.name, got)
					}
					if len(applied) != 0 {
						t.Fatalf("%s: versions still applied: %v", s.name, applied)
					}
					continue
				}
				if !slices.Equal(applied, want) {
					t.Fatalf("%s: applied versions %v, want %v", s.name, applied, want)
				}
				if pending, err := m.Pending(ctx); err != nil || pending {
					t.Fatalf("%s: Pending() = %v, %v; want false", s.name, pending, err)
				}
				if len(got) == 0 {
					t.Fatalf("%s: no tables created", s.name)
				}
				if first == nil {
					first = got
				} else if !equalSchema(first, got) {
					t.Fatalf("%s: schema differs from the first up:\nfirst %v\nnow   %v", s.name, first, got)
				}
			}
			t.Logf("%d tables: %v", len(first), slices.Sorted(maps.Keys(first)))
			schemas[dialect] = first
		})
	}
	t.Run("dialects agree", func(t *testing.T) {
		sqlite, mysql := schemas[repository.DialectSQLite], schemas[repository.DialectMySQL]
		if sqlite == nil || mysql == nil {
			t.Skip("a dialect did not run")
		}
		for _, table := range slices.Sorted(maps.Keys(sqlite)) {
			if _, ok := mysql[table]; !ok {
				t.Errorf("table %s exists on sqlite only", table)
			} else if !slices.Equal(sqlite[table], mysql[table]) {
				t.Errorf("table %s columns differ:\nsqlite %v\nmysql  %v", table, sqlite[table], mysql[table])
			}
		}
		for _, table := range slices.Sorted(maps.Keys(mysql)) {
			if _, ok := sqlite[table]; !ok {
				t.Errorf("table %s exists on mysql only", table)
			}
		}
	})
}

func up(ctx context.Context, m *repository.Migrator, want int) error {
	n, err := m.Up(ctx)
	if err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("applied %d migrations, want %d", n, want)
	}
	return nil
}

func equalSchema(a, b schema) bool {
	return maps.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// TestLockRowsSeeded checks the rows that repository code relies on being present after migration.
func TestLockRowsSeeded(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		var version int64
		err := db.SQL().QueryRowContext(t.Context(), "SELECT version FROM locks WHERE name = ?", "subcontractor_graph").Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			t.Fatal("lock row subcontractor_graph is not seeded by the migrations")
		}
		if err != nil || version != 0 {
			t.Fatalf("lock row version = %d, %v; want 0", version, err)
		}
	})
}
