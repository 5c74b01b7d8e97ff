package repository_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func assertSameKey(t *testing.T, got, want apikey.Key) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Role != want.Role || got.VendorID != want.VendorID ||
		got.Prefix != want.Prefix || got.Hash != want.Hash || got.CreatedBy != want.CreatedBy ||
		!got.CreatedAt.Equal(want.CreatedAt) || !sameTime(got.ExpiresAt, want.ExpiresAt) ||
		!sameTime(got.RevokedAt, want.RevokedAt) || !sameTime(got.LastUsedAt, want.LastUsedAt) {
		t.Fatalf("key =\n%s\nwant\n%s", keyString(got), keyString(want))
	}
}

func keyString(k apikey.Key) string {
	opt := func(p *time.Time) string {
		if p == nil {
			return "nil"
		}
		return p.String()
	}
	return fmt.Sprintf("{ID:%s Name:%q Role:%s VendorID:%q Prefix:%s Hash:%s CreatedBy:%s CreatedAt:%s ExpiresAt:%s RevokedAt:%s LastUsedAt:%s}",
		k.ID, k.Name, k.Role, k.VendorID, k.Prefix, k.Hash, k.CreatedBy, k.CreatedAt, opt(k.ExpiresAt), opt(k.RevokedAt), opt(k.LastUsedAt))
}

func hashOf(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

func TestAPIKeyRepository(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		keys := repository.NewAPIKeys(db)
		v := e.create(t, register.Vendor{Name: "Supplier Co"})

		roundTrips := []apikey.Key{
			{ID: domain.NewID(), Name: "supplier portal", Role: auth.RoleSupplier, VendorID: v.ID, Prefix: "vrk_abcdefgh",
				Hash: hashOf("one"), CreatedBy: "cli", CreatedAt: start, ExpiresAt: ptr(start.Add(30 * 24 * time.Hour))},
			{ID: domain.NewID(), Role: auth.RoleAdmin, Prefix: "vrk_ijklmnop", Hash: hashOf("two"), CreatedBy: "bootstrap", CreatedAt: start},
			{ID: domain.NewID(), Name: "auditor 株式会社", Role: auth.RoleAuditor, Prefix: "vrk_qrstuvwx", Hash: hashOf("three"),
				CreatedBy: domain.NewID(), CreatedAt: start.Add(time.Microsecond)},
		}
		for _, k := range roundTrips {
			t.Run("round trip "+string(k.Role), func(t *testing.T) {
				if err := keys.Create(e.ctx, k); err != nil {
					t.Fatal(err)
				}
				got, err := keys.Get(e.ctx, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertSameKey(t, got, k)
				got, err = keys.GetByHash(e.ctx, k.Hash)
				if err != nil {
					t.Fatal(err)
				}
				assertSameKey(t, got, k)
			})
		}

		refused := []struct {
			name string
			key  apikey.Key
			want error
		}{
			{"duplicate hash", apikey.Key{ID: domain.NewID(), Role: auth.RoleAdmin, Prefix: "vrk_x", Hash: hashOf("one"), CreatedBy: "t", CreatedAt: start}, domain.ErrDuplicate},
			{"duplicate id", apikey.Key{ID: roundTrips[0].ID, Role: auth.RoleAdmin, Prefix: "vrk_x", Hash: hashOf("new"), CreatedBy: "t", CreatedAt: start}, domain.ErrDuplicate},
			{"unknown vendor", apikey.Key{ID: domain.NewID(), Role: auth.RoleSupplier, VendorID: domain.NewID(), Prefix: "vrk_x", Hash: hashOf("four"), CreatedBy: "t", CreatedAt: start}, domain.ErrReferenced},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				if err := keys.Create(e.ctx, tt.key); !errors.Is(err, tt.want) {
					t.Fatalf("Create err = %v, want %v", err, tt.want)
				}
			})
		}

		t.Run("not found", func(t *testing.T) {
			if _, err := keys.Get(e.ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
			}
			if _, err := keys.GetByHash(e.ctx, hashOf("nope")); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("GetByHash(unknown) = %v, want ErrNotFound", err)
			}
		})

		t.Run("revoke once", func(t *testing.T) {
			k := roundTrips[1]
			first := start.Add(time.Hour)
			for _, at := range []time.Time{first, first.Add(time.Hour)} {
				if err := keys.Revoke(e.ctx, k.ID, at); err != nil {
					t.Fatal(err)
				}
			}
			got, err := keys.Get(e.ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
				t.Fatalf("revoked_at = %v, want the first revocation %s", got.RevokedAt, first)
			}
			other, _ := keys.Get(e.ctx, roundTrips[2].ID)
			if other.RevokedAt != nil {
				t.Fatalf("revoking one key revoked another")
			}
		})

		t.Run("touch", func(t *testing.T) {
			k := roundTrips[2]
			for _, at := range []time.Time{start.Add(time.Minute), start.Add(2 * time.Minute)} {
				if err := keys.TouchLastUsed(e.ctx, k.ID, at); err != nil {
					t.Fatal(err)
				}
				got, err := keys.Get(e.ctx, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.LastUsedAt == nil || !got.LastUsedAt.Equal(at) {
					t.Fatalf("last_used_at = %v, want %s", got.LastUsedAt, at)
				}
			}
		})

		t.Run("count and list pages", func(t *testing.T) {
			for i := range 7 {
				k := apikey.Key{ID: domain.NewID(), Name: fmt.Sprint("k", i), Role: auth.RoleRiskOwner, Prefix: "vrk_p",
					Hash: hashOf(fmt.Sprint("page", i)), CreatedBy: "t", CreatedAt: start}
				if err := keys.Create(e.ctx, k); err != nil {
					t.Fatal(err)
				}
			}
			n, err := keys.Count(e.ctx)
			if err != nil || n != 10 {
				t.Fatalf("Count = %d, %v; want 10", n, err)
			}
			var want []string
			rows, err := db.SQL().QueryContext(e.ctx, "SELECT id FROM api_keys")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				want = append(want, id)
			}
			rows.Close()
			slices.Sort(want)
			for _, limit := range []int{1, 3, 4, 10, 11} {
				var got []string
				after := ""
				for {
					page, err := keys.List(e.ctx, after, limit)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > limit {
						t.Fatalf("List returned %d keys, limit %d", len(page), limit)
					}
					for _, k := range page {
						got = append(got, k.ID)
					}
					if len(page) < limit {
						break
					}
					after = page[len(page)-1].ID
				}
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: listed %q, want %q", limit, got, want)
				}
			}
		})
	})
}

// keyEnv wires the credential service with the test clock.
type keyEnv struct {
	*vendorEnv
	keys *repository.APIKeys
	svc  *apikey.Service
}

func newKeyEnv(t *testing.T, db *repository.DB) *keyEnv {
	t.Helper()
	e := newVendorEnv(t, db)
	keys := repository.NewAPIKeys(db)
	return &keyEnv{vendorEnv: e, keys: keys, svc: apikey.NewService(keys, keys.VendorExists, e.clock.Now, e.db, audit.NewService(repository.NewAuditTrail(e.db), e.db, e.clock.Now))}
}

func TestAPIKeyServiceCreate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newKeyEnv(t, db)
		v := e.create(t, register.Vendor{Name: "Supplier Co"})
		now := e.clock.Now()
		tests := []struct {
			name   string
			in     apikey.NewKey
			fields []string // nil: created
		}{
			{"admin", apikey.NewKey{Name: " ops ", Role: auth.RoleAdmin, CreatedBy: "cli"}, nil},
			{"auditor with expiry", apikey.NewKey{Name: "audit 2025", Role: auth.RoleAuditor, ExpiresAt: ptr(now.Add(time.Hour))}, nil},
			{"supplier with its vendor", apikey.NewKey{Name: "portal", Role: auth.RoleSupplier, VendorID: " " + v.ID + " "}, nil},
			{"supplier without vendor", apikey.NewKey{Role: auth.RoleSupplier}, []string{"vendor_id"}},
			{"supplier with unknown vendor", apikey.NewKey{Role: auth.RoleSupplier, VendorID: domain.NewID()}, []string{"vendor_id"}},
			{"supplier with a malformed vendor id", apikey.NewKey{Role: auth.RoleSupplier, VendorID: "Supplier Co"}, []string{"vendor_id"}},
			{"non-supplier with vendor", apikey.NewKey{Role: auth.RoleProcurement, VendorID: v.ID}, []string{"vendor_id"}},
			{"unknown role", apikey.NewKey{Role: "root"}, []string{"role"}},
			{"expiry in the past", apikey.NewKey{Role: auth.RoleAdmin, ExpiresAt: ptr(now.Add(-time.Second))}, []string{"expires_at"}},
			{"expiry now", apikey.NewKey{Role: auth.RoleAdmin, ExpiresAt: ptr(now)}, []string{"expires_at"}},
			{"name too long", apikey.NewKey{Name: strings.Repeat("n", 201), Role: auth.RoleAdmin}, []string{"name"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, err := e.keys.Count(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				k, secret, err := e.svc.Create(e.ctx, tt.in)
				if tt.fields != nil {
					assertKind(t, err, domain.KindInvalid, tt.fields...)
					if n, _ := e.keys.Count(e.ctx); n != before {
						t.Fatalf("a refused key was stored")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(secret, "vrk_") || k.Prefix != secret[:12] || k.Hash != hashOf(secret) || strings.Contains(k.Hash, secret) {
					t.Fatalf("secret %q, prefix %q, hash %q: want vrk_ secret, its first 12 characters, its SHA-256", secret, k.Prefix, k.Hash)
				}
				if k.Name != strings.TrimSpace(tt.in.Name) || k.Role != tt.in.Role || k.VendorID != strings.TrimSpace(tt.in.VendorID) ||
					!k.CreatedAt.Equal(now) || !sameTime(k.ExpiresAt, tt.in.ExpiresAt) {
					t.Fatalf("created %s from %+v", keyString(k), tt.in)
				}
				stored, err := e.svc.Get(e.ctx, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertSameKey(t, stored, k)
				p, err := e.svc.Authenticate(e.ctx, secret)
				if err != nil {
					t.Fatalf("Authenticate(fresh secret): %v", err)
				}
				if want := (auth.Principal{KeyID: k.ID, Name: k.Name, Role: k.Role, VendorID: k.VendorID}); p != want {
					t.Fatalf("principal = %+v, want %+v", p, want)
				}
			})
		}
	})
}

func TestAPIKeyAuthenticate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newKeyEnv(t, db)
		newSecret := func(t *testing.T, in apikey.NewKey) (apikey.Key, string) {
			t.Helper()
			if in.Role == "" {
				in.Role = auth.RoleProcurement
			}
			k, secret, err := e.svc.Create(e.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return k, secret
		}
		tests := []struct {
			name string
			// secret prepares a credential and the clock, and returns what the client sends.
			secret func(t *testing.T) string
			ok     bool
		}{
			{"fresh key", func(t *testing.T) string { _, s := newSecret(t, apikey.NewKey{}); return s }, true},
			{"unknown secret of the right shape", func(t *testing.T) string {
				_, s := newSecret(t, apikey.NewKey{})
				return s[:len(s)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(s, "a")]
			}, false},
			{"secret without its prefix", func(t *testing.T) string { _, s := newSecret(t, apikey.NewKey{}); return strings.TrimPrefix(s, "vrk_") }, false},
			{"hash sent instead of the secret", func(t *testing.T) string { k, _ := newSecret(t, apikey.NewKey{}); return k.Hash }, false},
			{"too long", func(t *testing.T) string { _, s := newSecret(t, apikey.NewKey{}); return s + strings.Repeat("a", 100) }, false},
			{"empty", func(*testing.T) string { return "" }, false},
			{"revoked", func(t *testing.T) string {
				k, s := newSecret(t, apikey.NewKey{})
				if _, err := e.svc.Revoke(e.ctx, k.ID); err != nil {
					t.Fatal(err)
				}
				return s
			}, false},
			{"revoked through the repository a second ago", func(t *testing.T) string {
				k, s := newSecret(t, apikey.NewKey{})
				if err := e.keys.Revoke(e.ctx, k.ID, e.clock.Now().Add(-time.Second)); err != nil {
					t.Fatal(err)
				}
				return s
			}, false},
			{"expired", func(t *testing.T) string {
				_, s := newSecret(t, apikey.NewKey{ExpiresAt: ptr(e.clock.Now().Add(time.Hour))})
				e.clock.Advance(time.Hour)
				return s
			}, false},
			{"not yet expired", func(t *testing.T) string {
				_, s := newSecret(t, apikey.NewKey{ExpiresAt: ptr(e.clock.Now().Add(time.Hour))})
				e.clock.Advance(time.Hour - time.Second)
				return s
			}, true},
		}
		var denial string
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				secret := tt.secret(t)
				p, err := e.svc.Authenticate(e.ctx, secret)
				if tt.ok {
					if err != nil || p.KeyID == "" || p.Role != auth.RoleProcurement {
						t.Fatalf("Authenticate = %+v, %v; want the key's principal", p, err)
					}
					return
				}
				assertKind(t, err, domain.KindUnauthenticated)
				if p != (auth.Principal{}) {
					t.Fatalf("a refused authentication returned principal %+v", p)
				}
				// Every refusal reads the same, so that it tells nothing about which keys exist.
				if denial == "" {
					denial = err.Error()
				} else if err.Error() != denial {
					t.Fatalf("refusal %q differs from %q", err.Error(), denial)
				}
			})
		}
	})
}

func TestAPIKeyLastUsed(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newKeyEnv(t, db)
		k, secret, err := e.svc.Create(e.ctx, apikey.NewKey{Role: auth.RoleAuditor})
		if err != nil {
			t.Fatal(err)
		}
		if k.LastUsedAt != nil {
			t.Fatalf("new key last_used_at = %v, want nil", k.LastUsedAt)
		}
		t0 := e.clock.Now()
		steps := []struct {
			advance time.Duration
			want    time.Time
		}{
			{0, t0},                                      // first use is recorded
			{30 * time.Second, t0},                       // within the minute: not written again
			{29 * time.Second, t0},                       // still within the minute
			{time.Second, t0.Add(time.Minute)},           // a minute later: written
			{time.Hour, t0.Add(time.Minute + time.Hour)}, // and again much later
		}
		for i, s := range steps {
			e.clock.Advance(s.advance)
			if _, err := e.svc.Authenticate(e.ctx, secret); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got, err := e.keys.Get(e.ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(s.want) {
				t.Fatalf("step %d: last_used_at = %v, want %s", i, got.LastUsedAt, s.want)
			}
		}
	})
}

func TestAPIKeyServiceListAndRevoke(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newKeyEnv(t, db)
		var want []string
		for i := range 5 {
			k, _, err := e.svc.Create(e.ctx, apikey.NewKey{Name: fmt.Sprint("key ", i), Role: auth.RoleRiskOwner})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, k.ID)
		}
		t.Run("pages", func(t *testing.T) {
			for _, limit := range []int{1, 2, 5, 0} {
				var got []string
				cursor := ""
				for range 10 {
					page, err := e.svc.List(e.ctx, limit, cursor)
					if err != nil {
						t.Fatal(err)
					}
					for _, k := range page.Items {
						got = append(got, k.ID)
					}
					if cursor = page.NextCursor; cursor == "" {
						break
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: listed %q, want %q (oldest first, each once)", limit, got, want)
				}
			}
		})
		t.Run("rejected list input", func(t *testing.T) {
			_, err := e.svc.List(e.ctx, 201, "")
			assertKind(t, err, domain.KindInvalid, "limit")
			_, err = e.svc.List(e.ctx, 2, "garbage")
			assertKind(t, err, domain.KindInvalid, "cursor")
			_, err = e.svc.List(e.ctx, 2, domain.Cursor{Sort: "name", ID: want[0]}.Encode())
			assertKind(t, err, domain.KindInvalid, "cursor")
		})
		t.Run("revoke keeps the first time", func(t *testing.T) {
			first := e.clock.Now()
			k, err := e.svc.Revoke(e.ctx, want[0])
			if err != nil || k.RevokedAt == nil || !k.RevokedAt.Equal(first) {
				t.Fatalf("Revoke = %s, %v", keyString(k), err)
			}
			e.clock.Advance(time.Hour)
			k, err = e.svc.Revoke(e.ctx, want[0])
			if err != nil || k.RevokedAt == nil || !k.RevokedAt.Equal(first) {
				t.Fatalf("second Revoke = %s, %v; want revoked_at %s kept", keyString(k), err, first)
			}
			stored, err := e.svc.Get(e.ctx, want[0])
			if err != nil || stored.RevokedAt == nil || !stored.RevokedAt.Equal(first) {
				t.Fatalf("stored = %s, %v", keyString(stored), err)
			}
			if other, _ := e.svc.Get(e.ctx, want[1]); other.RevokedAt != nil {
				t.Fatal("another key was revoked")
			}
		})
		t.Run("unknown ids", func(t *testing.T) {
			for _, id := range []string{domain.NewID(), "not-an-id", ""} {
				_, err := e.svc.Get(e.ctx, id)
				assertKind(t, err, domain.KindNotFound)
				_, err = e.svc.Revoke(e.ctx, id)
				assertKind(t, err, domain.KindNotFound)
			}
		})
	})
}

func TestAPIKeyBootstrap(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newKeyEnv(t, db)
		var bootstrapID string
		steps := []struct {
			name    string
			before  func(t *testing.T)
			created bool
			count   int64
		}{
			{"empty database gets an admin key", func(*testing.T) {}, true, 1},
			{"a second call creates nothing", func(*testing.T) {}, false, 1},
			{"nor after the key is revoked", func(t *testing.T) {
				if _, err := e.svc.Revoke(e.ctx, bootstrapID); err != nil {
					t.Fatal(err)
				}
			}, false, 1},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				s.before(t)
				k, secret, err := e.svc.Bootstrap(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := e.keys.Count(e.ctx); err != nil || n != s.count {
					t.Fatalf("Count = %d, %v; want %d", n, err, s.count)
				}
				if !s.created {
					if secret != "" || k.ID != "" {
						t.Fatalf("Bootstrap created %s with secret %q although keys exist", keyString(k), secret)
					}
					return
				}
				if secret == "" || k.Role != auth.RoleAdmin || k.CreatedBy != "bootstrap" || k.VendorID != "" || k.ExpiresAt != nil {
					t.Fatalf("Bootstrap = %s, secret %q; want an admin key", keyString(k), secret)
				}
				bootstrapID = k.ID
				p, err := e.svc.Authenticate(e.ctx, secret)
				if err != nil || p.Role != auth.RoleAdmin || p.KeyID != k.ID || !p.Can(auth.PermAPIKeysManage) {
					t.Fatalf("the bootstrap secret authenticates as %+v, %v", p, err)
				}
			})
		}
	})
}
