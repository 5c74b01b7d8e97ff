package repository_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// builtInSizes is what the embedded catalogs hold (domain/catalog/README.md).
var builtInSizes = []struct {
	id       string
	controls int
	levels   []catalog.LevelCount
}{
	{"contract-clauses", 12, []catalog.LevelCount{}},
	{"iso27001-2005", 133, []catalog.LevelCount{{Level: "domain", Groups: 11}, {Level: "objective", Groups: 39}}},
	{"iso27001-2013", 114, []catalog.LevelCount{{Level: "domain", Groups: 14}, {Level: "objective", Groups: 35}}},
	{"iso27001-2022", 93, []catalog.LevelCount{{Level: "theme", Groups: 4}}},
}

// catalogEnv is the catalog service wired on a real database.
type catalogEnv struct {
	db    *repository.DB
	repo  *repository.Catalogs
	svc   *catalog.Service
	clock *clock
}

func newCatalogEnv(db *repository.DB) *catalogEnv {
	clk := newClock()
	repo := repository.NewCatalogs(db)
	return &catalogEnv{db: db, repo: repo, svc: catalog.NewService(repo, db, clk.Now, audit.NewService(repository.NewAuditTrail(db), db, clk.Now)), clock: clk}
}

// catalogSnapshot is everything EnsureBuiltIn may write, in a comparable form.
type catalogSnapshot struct {
	frameworks []string // id|source|hash|version|created_at|updated_at
	groups     int
	controls   map[string]int // per framework
	mappings   int
	hashes     map[string]string
}

func takeCatalogSnapshot(t *testing.T, e *catalogEnv) catalogSnapshot {
	t.Helper()
	ctx := t.Context()
	s := catalogSnapshot{controls: map[string]int{}}
	rows, err := e.db.SQL().QueryContext(ctx, "SELECT id, source, content_hash, version, created_at, updated_at FROM frameworks ORDER BY id")
	if err != nil {
		t.Fatalf("query frameworks: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, source, hash string
		var version int
		var created, updated any
		if err := rows.Scan(&id, &source, &hash, &version, &created, &updated); err != nil {
			t.Fatalf("scan framework: %v", err)
		}
		s.frameworks = append(s.frameworks, fmt.Sprintf("%s|%s|%s|%d|%v|%v", id, source, hash, version, created, updated))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	s.groups = catalogCount(t, e.db, "SELECT COUNT(*) FROM framework_groups")
	s.mappings = catalogCount(t, e.db, "SELECT COUNT(*) FROM control_mappings")
	for _, b := range builtInSizes {
		s.controls[b.id] = catalogCount(t, e.db, "SELECT COUNT(*) FROM controls WHERE framework_id = ?", b.id)
	}
	if s.hashes, err = e.repo.BuiltInHashes(ctx); err != nil {
		t.Fatalf("built-in hashes: %v", err)
	}
	return s
}

func catalogCount(t *testing.T, db *repository.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkBuiltInStored compares the stored built-in frameworks with the expected sizes.
func checkBuiltInStored(t *testing.T, e *catalogEnv) {
	t.Helper()
	ctx := as(t, auth.RoleAuditor)
	for _, b := range builtInSizes {
		f, err := e.repo.Get(ctx, b.id)
		if err != nil {
			t.Errorf("get %s: %v", b.id, err)
			continue
		}
		if f.Source != catalog.SourceBuiltIn || !f.BuiltIn || f.Version != 1 || len(f.ContentHash) != 64 {
			t.Errorf("%s: source %q built-in %v version %d hash %q", b.id, f.Source, f.BuiltIn, f.Version, f.ContentHash)
		}
		if got := f.Counts().Levels; !slices.Equal(got, b.levels) {
			t.Errorf("%s: groups per level %v, want %v", b.id, got, b.levels)
		}
		if n := catalogCount(t, e.db, "SELECT COUNT(*) FROM controls WHERE framework_id = ?", b.id); n != b.controls {
			t.Errorf("%s: %d controls stored, want %d", b.id, n, b.controls)
		}
	}
	if n := catalogCount(t, e.db, "SELECT COUNT(*) FROM frameworks WHERE source = 'builtin'"); n != len(builtInSizes) {
		t.Errorf("%d built-in frameworks stored, want %d", n, len(builtInSizes))
	}
	// Every mapping the embedded catalog derives is stored, from both sides.
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range c.Frameworks() {
		for _, ctl := range f.Controls {
			want += len(c.MappingsOf(f.ID, ctl.Ref))
		}
	}
	if n := catalogCount(t, e.db, "SELECT COUNT(*) FROM control_mappings"); n != want || n == 0 {
		t.Errorf("%d mappings stored, want %d", n, want)
	}
}

func TestCatalogEnsureBuiltIn(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newCatalogEnv(db)
		ctx := t.Context()

		changed, err := e.svc.EnsureBuiltIn(ctx)
		if err != nil || !changed {
			t.Fatalf("first EnsureBuiltIn: changed %v, err %v; want true, nil", changed, err)
		}
		checkBuiltInStored(t, e)
		first := takeCatalogSnapshot(t, e)
		if len(first.hashes) != len(builtInSizes) {
			t.Fatalf("built-in hashes %v", first.hashes)
		}
		// The load is the system's: one framework.imported per built-in framework, with the reason.
		loaded := builtInLoadEvents(t, db)
		if len(loaded) != len(builtInSizes) {
			t.Errorf("load recorded %v, want one event per built-in framework", loaded)
		}

		// Again, later: nothing is rewritten (created_at/updated_at would move with the clock).
		e.clock.Advance(time.Hour)
		for i := range 2 {
			changed, err = e.svc.EnsureBuiltIn(ctx)
			if err != nil || changed {
				t.Fatalf("EnsureBuiltIn #%d: changed %v, err %v; want false, nil", i+2, changed, err)
			}
			if again := takeCatalogSnapshot(t, e); !sameCatalogSnapshot(first, again) {
				t.Fatalf("EnsureBuiltIn #%d changed the store:\nbefore %+v\nafter  %+v", i+2, first, again)
			}
		}

		// A service on another connection pool (another replica) sees the same: unchanged.
		other := newCatalogEnv(db)
		if changed, err := other.svc.EnsureBuiltIn(ctx); err != nil || changed {
			t.Fatalf("EnsureBuiltIn from a new service: changed %v, err %v", changed, err)
		}
		if again := builtInLoadEvents(t, db); len(again) != len(loaded) {
			t.Errorf("an unchanged load recorded events: %v", again)
		}
	})
}

// builtInLoadEvents lists the audit trail's events as "action resource by actor_role: input".
func builtInLoadEvents(t *testing.T, db *repository.DB) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), "SELECT action, resource_id, actor_role, input FROM audit_events ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, id, role string
		var input []byte
		if err := rows.Scan(&action, &id, &role, &input); err != nil {
			t.Fatal(err)
		}
		if action != "framework.imported" || role != "system" || !strings.Contains(string(input), "built-in catalog") {
			t.Errorf("event %s %s by %s (%s), want framework.imported by the system with the reason", action, id, role, input)
		}
		out = append(out, action+" "+id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameCatalogSnapshot(a, b catalogSnapshot) bool {
	return slices.Equal(a.frameworks, b.frameworks) && a.groups == b.groups && a.mappings == b.mappings &&
		fmt.Sprint(a.controls) == fmt.Sprint(b.controls) && fmt.Sprint(a.hashes) == fmt.Sprint(b.hashes)
}

// TestCatalogEnsureBuiltInRepairs: a stored built-in that differs from the embedded data (or is
// missing) is reloaded, and custom or imported frameworks survive the reload.
func TestCatalogEnsureBuiltInRepairs(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newCatalogEnv(db)
		ctx := t.Context()
		if _, err := e.svc.EnsureBuiltIn(ctx); err != nil {
			t.Fatal(err)
		}
		good := takeCatalogSnapshot(t, e)
		custom := smallFramework("acme-std")
		if _, err := e.svc.Create(as(t, auth.RoleProcurement), custom); err != nil {
			t.Fatalf("create custom: %v", err)
		}
		tampers := []struct {
			name string
			sql  string
		}{
			{"hash changed", "UPDATE frameworks SET content_hash = 'x' WHERE id = 'iso27001-2013'"},
			{"framework deleted", "DELETE FROM frameworks WHERE id = 'contract-clauses'"},
			// Last: the custom framework turned built-in is dropped by the reload.
			{"extra built-in", "UPDATE frameworks SET source = 'builtin' WHERE id = 'acme-std'"},
		}
		for _, tc := range tampers {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := db.SQL().ExecContext(ctx, tc.sql); err != nil {
					t.Fatalf("tamper: %v", err)
				}
				changed, err := e.svc.EnsureBuiltIn(ctx)
				if err != nil || !changed {
					t.Fatalf("EnsureBuiltIn after tampering: changed %v, err %v; want true, nil", changed, err)
				}
				checkBuiltInStored(t, e)
				now := takeCatalogSnapshot(t, e)
				if fmt.Sprint(now.hashes) != fmt.Sprint(good.hashes) {
					t.Errorf("hashes after repair %v, want %v", now.hashes, good.hashes)
				}
				if tc.name != "extra built-in" {
					if _, err := e.repo.Get(ctx, "acme-std"); err != nil {
						t.Errorf("custom framework lost in the reload: %v", err)
					}
				}
			})
		}
	})
}

// TestCatalogEnsureBuiltInConcurrent starts two replicas (two connection pools on one database) at once.
func TestCatalogEnsureBuiltInConcurrent(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := testdb.DSN(t, dialect)
			var dbs []*repository.DB
			for range 2 {
				db, err := repository.Open(t.Context(), dialect, dsn, repository.DefaultPool(dialect), testdb.Logger())
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				t.Cleanup(func() { _ = db.Close() })
				dbs = append(dbs, db)
			}
			m, err := repository.NewMigrator(dbs[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(t.Context()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			var (
				wg      sync.WaitGroup
				gate    = make(chan struct{})
				changed = make([]bool, len(dbs))
				errs    = make([]error, len(dbs))
			)
			for i, db := range dbs {
				svc := newCatalogEnv(db).svc
				wg.Go(func() {
					<-gate
					changed[i], errs[i] = svc.EnsureBuiltIn(context.WithoutCancel(t.Context()))
				})
			}
			close(gate)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
			}
			if n := countTrue(changed); n != 1 {
				t.Errorf("%d replicas loaded the catalogs (changed %v), want exactly 1", n, changed)
			}
			checkBuiltInStored(t, newCatalogEnv(dbs[1]))
		})
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// smallFramework is a valid custom framework: two nested groups, three controls, one enhancement.
func smallFramework(id string) catalog.Framework {
	return catalog.Framework{
		ID: id, Name: "ACME supplier standard", Edition: "2026", Publisher: "ACME",
		Description: catalog.Text{EN: "Internal standard", JA: "社内基準"},
		Levels:      []string{"area", "topic"},
		Groups: []catalog.Group{
			{Ref: "ops", Title: catalog.Text{EN: "Operations", JA: "運用"}},
			{Ref: "ops.access", Parent: "ops", Title: catalog.Text{EN: "Access"}},
		},
		Controls: []catalog.Control{
			{Ref: "ops-1", GroupPath: []string{"ops.access"}, Title: catalog.Text{EN: "MFA for admins", JA: "管理者の多要素認証"}, SupplierRelated: true},
			{Ref: "ops-1.1", ParentRef: "ops-1", GroupPath: []string{"ops.access"}, Title: catalog.Text{EN: "Hardware keys"}},
			{Ref: "ops-2", GroupPath: []string{"ops"}, Title: catalog.Text{EN: "Backups tested"},
				Parts: []catalog.Part{{Name: "statement", Prose: "Test restores quarterly.", Parts: []catalog.Part{{Name: "item", Prose: "Keep evidence."}}}},
				Props: []catalog.Prop{{Name: "label", Value: "OPS-2"}}},
		},
	}
}

func TestCatalogResolve(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newCatalogEnv(db)
		if _, err := e.svc.EnsureBuiltIn(t.Context()); err != nil {
			t.Fatal(err)
		}
		imported := smallFramework("acme-oscal")
		imported.SourceUUID = "0470d39a-3e02-4bff-82cf-676d522c1554"
		if _, created, err := e.svc.Import(as(t, auth.RoleAdmin), imported); err != nil || !created {
			t.Fatalf("import: created %v, err %v", created, err)
		}
		tests := []struct {
			ref  string
			want bool
		}{
			{"iso27001-2022:5.19", true},
			{"iso27001-2013:A.15.1.1", true},
			{"iso27001-2005:A.6.2.3", true},
			{"contract-clauses:right_to_audit", true},
			{"acme-oscal:ops-1", true},
			{"acme-oscal:ops-1.1", true},
			{"iso27001-2022:5.38", false},
			{"iso27001-2022:A.5.19", false},
			{"iso27001-2005:a.6.2.3", false}, // exact match: no case folding (MySQL collations fold by default)
			{"ISO27001-2022:5.19", false},
			{"iso27001-2022:5.19 ", false},
			{"iso27001-2022: 5.19", false},
			{"iso27001-2013:A.15.1.1.", false},
			{"acme-oscal:ops-9", false},
			{"acme-oscal:OPS-1", false},
			{"nope:5.19", false},
			{"iso27001-2022", false},
			{"5.19", false},
			{":5.19", false},
			{"iso27001-2022:", false},
			{"", false},
			{"iso27001-2022:5.19:x", false},
		}
		for _, tc := range tests {
			got, err := e.svc.Resolve(t.Context(), tc.ref)
			if err != nil || got != tc.want {
				t.Errorf("Resolve(%q) = %v, %v; want %v, nil", tc.ref, got, err, tc.want)
			}
		}
	})
}

// TestCatalogCreateAtomic: a framework whose groups or controls cannot be stored leaves nothing behind.
func TestCatalogCreateAtomic(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newCatalogEnv(db)
		ctx := t.Context()
		if err := e.repo.Create(ctx, withStamp(smallFramework("first"))); err != nil {
			t.Fatalf("create: %v", err)
		}
		dupControl := withStamp(smallFramework("dup-control"))
		dupControl.Controls[2].Ref = dupControl.Controls[0].Ref
		dupGroup := withStamp(smallFramework("dup-group"))
		dupGroup.Groups[1].Ref = dupGroup.Groups[0].Ref
		dupUUID := withStamp(smallFramework("dup-uuid"))
		dupUUID.SourceUUID = "0695844e-03cb-4ad1-a173-b3ff96de837b"
		if err := e.repo.Create(ctx, withStamp(func() catalog.Framework {
			f := smallFramework("uuid-owner")
			f.SourceUUID = dupUUID.SourceUUID
			return f
		}())); err != nil {
			t.Fatalf("create uuid owner: %v", err)
		}
		tests := []struct {
			name string
			f    catalog.Framework
			dup  bool
		}{
			{"duplicate control ref", dupControl, true},
			{"duplicate group ref", dupGroup, true},
			{"duplicate id", withStamp(smallFramework("first")), true},
			{"duplicate source uuid", dupUUID, true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := tableCounts(t, db)
				err := e.repo.Create(ctx, tc.f)
				if err == nil {
					t.Fatal("Create succeeded")
				}
				if tc.dup && !errors.Is(err, domain.ErrDuplicate) {
					t.Errorf("error %v, want domain.ErrDuplicate", err)
				}
				if after := tableCounts(t, db); after != before {
					t.Errorf("rows after a failed create %v, before %v", after, before)
				}
			})
		}
	})
}

func withStamp(f catalog.Framework) catalog.Framework {
	f.Source, f.Version, f.ContentHash = catalog.SourceCustom, 1, "h"
	f.CreatedAt, f.UpdatedAt = start, start
	for i := range f.Groups {
		f.Groups[i].Level = 1
		if f.Groups[i].Parent != "" {
			f.Groups[i].Level = 2
		}
	}
	for i := range f.Controls {
		f.Controls[i].FrameworkID = f.ID
	}
	return f
}

func tableCounts(t *testing.T, db *repository.DB) [4]int {
	t.Helper()
	var out [4]int
	for i, table := range []string{"frameworks", "framework_groups", "controls", "control_mappings"} {
		out[i] = catalogCount(t, db, "SELECT COUNT(*) FROM "+table)
	}
	return out
}

// TestCatalogImportService: the same catalog again is a no-op, other content under its uuid is a
// Conflict, and a failed import stores nothing.
func TestCatalogImportService(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newCatalogEnv(db)
		ctx := as(t, auth.RoleProcurement)
		f := smallFramework("imp")
		f.SourceUUID = "11111111-2222-4333-8444-555555555555"
		first, created, err := e.svc.Import(ctx, f)
		if err != nil || !created || first.Version != 1 || first.ContentHash == "" {
			t.Fatalf("import: %+v created %v err %v", first, created, err)
		}
		e.clock.Advance(time.Minute)
		before := tableCounts(t, db)
		again, created, err := e.svc.Import(ctx, smallFrameworkWithUUID("imp", f.SourceUUID))
		if err != nil || created || again.ID != "imp" || again.ContentHash != first.ContentHash || !again.CreatedAt.Equal(start) {
			t.Errorf("re-import: id %q created %v hash %q created_at %v err %v", again.ID, created, again.ContentHash, again.CreatedAt, err)
		}
		changed := smallFrameworkWithUUID("imp-2", f.SourceUUID)
		changed.Controls[0].Title.EN = "Changed"
		_, _, err = e.svc.Import(ctx, changed)
		assertKind(t, err, domain.KindConflict)
		clash := smallFrameworkWithUUID("imp", "99999999-2222-4333-8444-555555555555")
		_, _, err = e.svc.Import(ctx, clash)
		assertKind(t, err, domain.KindConflict)
		bad := smallFrameworkWithUUID("imp-3", "aaaaaaaa-2222-4333-8444-555555555555")
		bad.Groups[1].Parent = "nowhere"
		_, _, err = e.svc.Import(ctx, bad)
		assertKind(t, err, domain.KindInvalid)
		_, _, err = e.svc.Import(asSupplier(t, domain.NewID()), smallFrameworkWithUUID("imp-4", "bbbbbbbb-2222-4333-8444-555555555555"))
		assertKind(t, err, domain.KindNotFound)
		if after := tableCounts(t, db); after != before {
			t.Errorf("rows after re-import and failed imports %v, before %v", after, before)
		}
	})
}

func smallFrameworkWithUUID(id, uuid string) catalog.Framework {
	f := smallFramework(id)
	f.SourceUUID = uuid
	return f
}
