package repository_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func TestContacts(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "With contacts"})
		neighbour := e.create(t, register.Vendor{Name: "Neighbour"})
		np, err := e.svc.AddContact(e.ctx, neighbour.ID, register.Contact{Name: "Neighbour primary", Email: "n@x.example", Primary: true})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]register.Contact{}

		// primaries lists the names of the primary contacts; wantList is the list order (primary first, then name).
		steps := []struct {
			name      string
			run       func() (register.Contact, error)
			kind      domain.Kind // 0: success
			primaries []string
			wantList  []string
			versions  map[string]int
		}{
			{name: "first contact, primary", run: func() (register.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, register.Contact{Name: "Zed", Email: " zed@acme.example ", Role: "CISO", Primary: true})
			}, primaries: []string{"Zed"}, wantList: []string{"Zed"}, versions: map[string]int{"Zed": 1}},
			{name: "second contact, not primary", run: func() (register.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, register.Contact{Name: "Bob", Phone: "+81 3-1234-5678"})
			}, primaries: []string{"Zed"}, wantList: []string{"Zed", "Bob"}, versions: map[string]int{"Zed": 1, "Bob": 1}},
			{name: "a new primary clears the old one", run: func() (register.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, register.Contact{Name: "Yuki", Email: "yuki@acme.example", Primary: true})
			}, primaries: []string{"Yuki"}, wantList: []string{"Yuki", "Bob", "Zed"}, versions: map[string]int{"Zed": 2, "Bob": 1, "Yuki": 1}},
			{name: "promoting by update clears the old one", run: func() (register.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Bob"].ID, register.ContactPatch{Primary: ptr(true)}, ptr(1))
			}, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"}, versions: map[string]int{"Zed": 2, "Bob": 2, "Yuki": 2}},
			{name: "updating the primary keeps it primary", run: func() (register.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Bob"].ID, register.ContactPatch{Role: ptr("Account manager")}, ptr(2))
			}, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"}, versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "stale If-Match", run: func() (register.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Zed"].ID, register.ContactPatch{Primary: ptr(true)}, ptr(1))
			}, kind: domain.KindPreconditionFailed, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "invalid update", run: func() (register.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Zed"].ID, register.ContactPatch{Email: ptr(""), Phone: ptr("")}, nil)
			}, kind: domain.KindInvalid, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "invalid contact", run: func() (register.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, register.Contact{Name: "No way to reach", Primary: true})
			}, kind: domain.KindInvalid, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "unknown vendor", run: func() (register.Contact, error) {
				return e.svc.AddContact(e.ctx, domain.NewID(), register.Contact{Name: "Ghost", Email: "g@x.example"})
			}, kind: domain.KindNotFound, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "contact of another vendor", run: func() (register.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, np.ID, register.ContactPatch{Name: ptr("hijacked")}, nil)
			}, kind: domain.KindNotFound, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "delete the primary", run: func() (register.Contact, error) {
				return register.Contact{}, e.svc.DeleteContact(e.ctx, v.ID, byName["Bob"].ID, ptr(3))
			}, primaries: []string{}, wantList: []string{"Yuki", "Zed"}, versions: map[string]int{"Zed": 2, "Yuki": 2}},
			{name: "delete with stale If-Match", run: func() (register.Contact, error) {
				return register.Contact{}, e.svc.DeleteContact(e.ctx, v.ID, byName["Yuki"].ID, ptr(1))
			}, kind: domain.KindPreconditionFailed, primaries: []string{}, wantList: []string{"Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Yuki": 2}},
			{name: "delete unknown", run: func() (register.Contact, error) {
				return register.Contact{}, e.svc.DeleteContact(e.ctx, v.ID, domain.NewID(), nil)
			}, kind: domain.KindNotFound, primaries: []string{}, wantList: []string{"Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Yuki": 2}},
		}
		for _, s := range steps {
			ok := t.Run(s.name, func(t *testing.T) {
				e.clock.Advance(time.Minute)
				got, err := s.run()
				if s.kind != 0 {
					assertKind(t, err, s.kind)
				} else if err != nil {
					t.Fatalf("err = %v", err)
				}
				if err == nil && got.ID != "" {
					byName[got.Name] = got
					stored, err := e.svc.GetContact(e.ctx, v.ID, got.ID)
					if err != nil {
						t.Fatal(err)
					}
					// updated_at has its own test (TestUpdatedAtFollowsServiceClock).
					stored.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
					if stored != got {
						t.Errorf("stored contact =\n%+v\nreturned\n%+v", stored, got)
					}
				}
				list, err := e.svc.ListContacts(e.ctx, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				var order, primaries []string
				for _, c := range list {
					order = append(order, c.Name)
					if c.Primary {
						primaries = append(primaries, c.Name)
					}
					if want := s.versions[c.Name]; c.Version != want {
						t.Errorf("%s version = %d, want %d", c.Name, c.Version, want)
					}
				}
				if !slices.Equal(order, s.wantList) {
					t.Errorf("list order = %q, want %q", order, s.wantList)
				}
				if !slices.Equal(primaries, s.primaries) && len(primaries)+len(s.primaries) > 0 {
					t.Errorf("primaries = %q, want %q", primaries, s.primaries)
				}
				if n := count(t, db, "SELECT COUNT(*) FROM vendor_contacts WHERE vendor_id = ? AND is_primary = ?", v.ID, true); n > 1 {
					t.Errorf("%d primary contacts stored", n)
				}
				n, err := e.repo.GetContact(e.ctx, neighbour.ID, np.ID)
				if err != nil || !n.Primary || n.Version != 1 || n.Name != "Neighbour primary" {
					t.Errorf("another vendor's primary contact changed: %+v, %v", n, err)
				}
			})
			if !ok {
				break // later steps build on this one
			}
		}
		t.Run("round trip of every field", func(t *testing.T) {
			c, err := e.svc.GetContact(e.ctx, v.ID, byName["Zed"].ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Email != "zed@acme.example" || c.Role != "CISO" || c.VendorID != v.ID || !c.CreatedAt.Equal(start.Add(2*time.Second+time.Minute)) {
				t.Errorf("contact = %+v", c)
			}
			if _, err := e.svc.GetContact(e.ctx, neighbour.ID, byName["Zed"].ID); !domain.IsKind(err, domain.KindNotFound) {
				t.Errorf("GetContact through another vendor: err = %v, want not found", err)
			}
		})
	})
}

func TestContactRepositoryClearPrimary(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "V"})
		var ids []string
		for i, primary := range []bool{true, true, false} {
			c := register.Contact{ID: domain.NewID(), VendorID: v.ID, Name: fmt.Sprint("C", i), Email: "c@x.example",
				Primary: primary, Version: 1, CreatedAt: start, UpdatedAt: start}
			if err := e.repo.CreateContact(e.ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		if err := e.repo.ClearPrimaryContact(e.ctx, v.ID, ids[1], time.Now()); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			primary bool
			version int
		}{{false, 2}, {true, 1}, {false, 1}}
		for i, id := range ids {
			c, err := e.repo.GetContact(e.ctx, v.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Primary != want[i].primary || c.Version != want[i].version {
				t.Errorf("contact %d: primary %v version %d, want %v %d", i, c.Primary, c.Version, want[i].primary, want[i].version)
			}
		}
		stale := register.Contact{ID: ids[0], VendorID: v.ID, Name: "lost", Email: "c@x.example", Version: 2}
		if err := e.repo.UpdateContact(e.ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
			t.Fatalf("UpdateContact with stale version: %v, want ErrStaleVersion", err)
		}
	})
}
