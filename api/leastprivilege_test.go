package api_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestLeastPrivilegeMySQL runs the API with the runtime user docs/deploy.md describes: migrations as
// the DDL user (root here), then requests through a user holding SELECT, INSERT, UPDATE and DELETE on
// the database only (no DROP, ALTER, TRIGGER, so no TRUNCATE either). Writes, reads, a signed
// checkpoint and the audit verification work; the audit trail's protections cannot be removed by it.
func TestLeastPrivilegeMySQL(t *testing.T) {
	dsn := testdb.DSN(t, repository.DialectMySQL) // skips when MySQL is unreachable
	ctx := context.Background()
	root, err := repository.Open(ctx, repository.DialectMySQL, dsn, repository.DefaultPool(repository.DialectMySQL), testdb.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = root.Close() })
	testdb.Migrate(t, root) // as the migration user

	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", testdb.MySQLServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	user, password := "vrrt_"+hex.EncodeToString(b), hex.EncodeToString(b)+"-Pw1"
	for _, stmt := range []string{
		"CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON `" + cfg.DBName + "`.* TO '" + user + "'@'%'",
	} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS '" + user + "'@'%'") })

	cfg.User, cfg.Passwd = user, password
	runtimeDSN, err := repository.NormalizeMySQLDSN(cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db, err := repository.Open(ctx, repository.DialectMySQL, runtimeDSN, repository.DefaultPool(repository.DialectMySQL), testdb.Logger())
	if err != nil {
		t.Fatalf("open as the runtime user: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// serve's start-up check: the runtime user reads the migration table and finds nothing pending.
	m, err := repository.NewMigrator(db)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := m.Pending(ctx); err != nil || pending {
		t.Fatalf("pending migrations as the runtime user: %v, %v", pending, err)
	}
	e := newEnv(t, db, api.Config{})

	// Writes and reads through the API.
	vendorID := e.newVendor(t, "Least Privilege Vendor")
	eng := e.createEngagement(t, engagementBody(vendorID)).ID
	must(t, e.do(t, "PATCH", "/api/v1/vendors/"+vendorID, e.admin, map[string]any{"name": "Least Privilege Vendor KK"}), http.StatusOK)
	fid := must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": eng, "title": "No MFA",
		"severity": "high"}), http.StatusCreated).str("id")
	must(t, e.do(t, "POST", "/api/v1/findings/"+fid+"/remediations", e.admin, map[string]any{"type": "corrective",
		"owner": "internal", "description": "Enable MFA"}), http.StatusCreated)
	if n := len(must(t, e.do(t, "GET", "/api/v1/findings?engagement_id="+eng, e.admin, nil), http.StatusOK).items(t)); n != 1 {
		t.Errorf("%d findings listed, want 1", n)
	}
	if _, _, err := e.checkpoints.Sign(ctx); err != nil {
		t.Fatalf("sign a checkpoint as the runtime user: %v", err)
	}
	v := must(t, e.do(t, "GET", "/api/v1/audit-events/verify", e.admin, nil), http.StatusOK)
	if v.JSON["intact"] != true {
		t.Errorf("audit verification as the runtime user: %v", v.JSON)
	}

	// What the runtime user cannot do to the trail.
	conn, err := sql.Open("mysql", runtimeDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	for _, stmt := range []string{
		"TRUNCATE TABLE audit_events",
		"DROP TRIGGER audit_events_no_delete",
		"ALTER TABLE audit_events ADD COLUMN forged INT",
		"DROP TABLE audit_checkpoints",
		"DELETE FROM audit_events",
		"UPDATE audit_events SET action = 'forged'",
	} {
		if _, err := conn.ExecContext(ctx, stmt); err == nil {
			t.Errorf("the runtime user ran %q", stmt)
		} else if !strings.Contains(err.Error(), "denied") && !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%q failed for another reason than its rights or the triggers: %v", stmt, err)
		}
	}
}
