package repository_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
)

// start is the tests' fixed "now"; microseconds only, as MySQL DATETIME(6) keeps.
var start = time.Date(2025, 4, 1, 9, 30, 15, 123456000, time.UTC)

// clock is a controllable domain.Clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// as returns the test's context carrying a principal of the role.
func as(t *testing.T, role auth.Role) context.Context {
	t.Helper()
	return auth.WithPrincipal(t.Context(), auth.Principal{KeyID: domain.NewID(), Name: "test " + string(role), Role: role})
}

// asSupplier returns the test's context carrying a supplier scoped to vendorID.
func asSupplier(t *testing.T, vendorID string) context.Context {
	t.Helper()
	return auth.WithPrincipal(t.Context(), auth.Principal{KeyID: domain.NewID(), Name: "supplier", Role: auth.RoleSupplier, VendorID: vendorID})
}

// vendorEnv is the vendor register wired on a real database.
type vendorEnv struct {
	db    *repository.DB
	repo  *repository.Vendors
	svc   *register.Service
	clock *clock
	ctx   context.Context // an admin
}

func newVendorEnv(t *testing.T, db *repository.DB) *vendorEnv {
	t.Helper()
	c := newClock()
	repo := repository.NewVendors(db)
	trail := audit.NewService(repository.NewAuditTrail(db), db, c.Now)
	return &vendorEnv{db: db, repo: repo, svc: register.NewService(repo, db, c.Now, trail), clock: c, ctx: as(t, auth.RoleAdmin)}
}

// create registers a vendor through the service and fails the test on error.
func (e *vendorEnv) create(t *testing.T, v register.Vendor) register.Vendor {
	t.Helper()
	if v.Kind == "" {
		v.Kind = register.KindContractor
	}
	got, err := e.svc.Create(e.ctx, v)
	if err != nil {
		t.Fatalf("create vendor %q: %v", v.Name, err)
	}
	e.clock.Advance(time.Second)
	return got
}

// assertKind checks err carries kind and, when fields are given, names exactly those fields.
func assertKind(t *testing.T, err error, kind domain.Kind, fields ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want kind %v", kind)
	}
	if got := domain.KindOf(err); got != kind {
		t.Fatalf("err = %v (kind %v), want kind %v", err, got, kind)
	}
	if len(fields) == 0 {
		return
	}
	var de *domain.Error
	errors.As(err, &de)
	got := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		got[i] = f.Field
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("err = %v names fields %q, want %q", err, got, fields)
	}
}

// count runs a COUNT query with ? placeholders, which both dialects accept.
func count(t *testing.T, db *repository.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// sameTime reports whether two optional times are both nil or equal.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func ptr[T any](v T) *T { return &v }

// supplierKey is a stored supplier credential for vendorID.
func supplierKey(vendorID string) apikey.Key {
	id := domain.NewID()
	return apikey.Key{ID: id, Name: "supplier " + vendorID, Role: auth.RoleSupplier, VendorID: vendorID,
		Prefix: "vrk_test", Hash: fmt.Sprintf("%064x", sha256.Sum256([]byte(id))), CreatedBy: "test", CreatedAt: start}
}
