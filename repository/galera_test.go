package repository_test

import (
	"testing"

	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestEveryTableHasAPrimaryKeyAndInnoDB: Galera replicates InnoDB tables only, and certifies and
// applies rows by primary key; a table without one breaks or slows a cluster (docs/deploy.md).
func TestEveryTableHasAPrimaryKeyAndInnoDB(t *testing.T) {
	db := testdb.Open(t, repository.DialectMySQL)
	rows, err := db.SQL().QueryContext(t.Context(), `
		SELECT t.table_name, t.engine, COUNT(c.constraint_name)
		FROM information_schema.tables t
		LEFT JOIN information_schema.table_constraints c
		  ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY'
		WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
		GROUP BY t.table_name, t.engine`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, engine string
		var pks int
		if err := rows.Scan(&name, &engine, &pks); err != nil {
			t.Fatal(err)
		}
		n++
		if pks != 1 {
			t.Errorf("table %s has no primary key", name)
		}
		if engine != "InnoDB" {
			t.Errorf("table %s uses %s, not InnoDB", name, engine)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d tables found", n)
	}
}
