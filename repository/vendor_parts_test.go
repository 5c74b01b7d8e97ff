package repository_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/vendor"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func TestContacts(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, vendor.Vendor{Name: "With contacts"})
		neighbour := e.create(t, vendor.Vendor{Name: "Neighbour"})
		np, err := e.svc.AddContact(e.ctx, neighbour.ID, vendor.Contact{Name: "Neighbour primary", Email: "n@x.example", Primary: true})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]vendor.Contact{}

		// primaries lists the names of the primary contacts; wantList is the list order (primary first, then name).
		steps := []struct {
			name      string
			run       func() (vendor.Contact, error)
			kind      domain.Kind // 0: success
			primaries []string
			wantList  []string
			versions  map[string]int
		}{
			{name: "first contact, primary", run: func() (vendor.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, vendor.Contact{Name: "Zed", Email: " zed@acme.example ", Role: "CISO", Primary: true})
			}, primaries: []string{"Zed"}, wantList: []string{"Zed"}, versions: map[string]int{"Zed": 1}},
			{name: "second contact, not primary", run: func() (vendor.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, vendor.Contact{Name: "Bob", Phone: "+81 3-1234-5678"})
			}, primaries: []string{"Zed"}, wantList: []string{"Zed", "Bob"}, versions: map[string]int{"Zed": 1, "Bob": 1}},
			{name: "a new primary clears the old one", run: func() (vendor.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, vendor.Contact{Name: "Yuki", Email: "yuki@acme.example", Primary: true})
			}, primaries: []string{"Yuki"}, wantList: []string{"Yuki", "Bob", "Zed"}, versions: map[string]int{"Zed": 2, "Bob": 1, "Yuki": 1}},
			{name: "promoting by update clears the old one", run: func() (vendor.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Bob"].ID, vendor.ContactPatch{Primary: ptr(true)}, ptr(1))
			}, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"}, versions: map[string]int{"Zed": 2, "Bob": 2, "Yuki": 2}},
			{name: "updating the primary keeps it primary", run: func() (vendor.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Bob"].ID, vendor.ContactPatch{Role: ptr("Account manager")}, ptr(2))
			}, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"}, versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "stale If-Match", run: func() (vendor.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Zed"].ID, vendor.ContactPatch{Primary: ptr(true)}, ptr(1))
			}, kind: domain.KindPreconditionFailed, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "invalid update", run: func() (vendor.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, byName["Zed"].ID, vendor.ContactPatch{Email: ptr(""), Phone: ptr("")}, nil)
			}, kind: domain.KindInvalid, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "invalid contact", run: func() (vendor.Contact, error) {
				return e.svc.AddContact(e.ctx, v.ID, vendor.Contact{Name: "No way to reach", Primary: true})
			}, kind: domain.KindInvalid, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "unknown vendor", run: func() (vendor.Contact, error) {
				return e.svc.AddContact(e.ctx, domain.NewID(), vendor.Contact{Name: "Ghost", Email: "g@x.example"})
			}, kind: domain.KindNotFound, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "contact of another vendor", run: func() (vendor.Contact, error) {
				return e.svc.UpdateContact(e.ctx, v.ID, np.ID, vendor.ContactPatch{Name: ptr("hijacked")}, nil)
			}, kind: domain.KindNotFound, primaries: []string{"Bob"}, wantList: []string{"Bob", "Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Bob": 3, "Yuki": 2}},
			{name: "delete the primary", run: func() (vendor.Contact, error) {
				return vendor.Contact{}, e.svc.DeleteContact(e.ctx, v.ID, byName["Bob"].ID, ptr(3))
			}, primaries: []string{}, wantList: []string{"Yuki", "Zed"}, versions: map[string]int{"Zed": 2, "Yuki": 2}},
			{name: "delete with stale If-Match", run: func() (vendor.Contact, error) {
				return vendor.Contact{}, e.svc.DeleteContact(e.ctx, v.ID, byName["Yuki"].ID, ptr(1))
			}, kind: domain.KindPreconditionFailed, primaries: []string{}, wantList: []string{"Yuki", "Zed"},
				versions: map[string]int{"Zed": 2, "Yuki": 2}},
			{name: "delete unknown", run: func() (vendor.Contact, error) {
				return vendor.Contact{}, e.svc.DeleteContact(e.ctx, v.ID, domain.NewID(), nil)
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
		v := e.create(t, vendor.Vendor{Name: "V"})
		var ids []string
		for i, primary := range []bool{true, true, false} {
			c := vendor.Contact{ID: domain.NewID(), VendorID: v.ID, Name: fmt.Sprint("C", i), Email: "c@x.example",
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
		stale := vendor.Contact{ID: ids[0], VendorID: v.ID, Name: "lost", Email: "c@x.example", Version: 2}
		if err := e.repo.UpdateContact(e.ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
			t.Fatalf("UpdateContact with stale version: %v, want ErrStaleVersion", err)
		}
	})
}

func TestCertifications(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, vendor.Vendor{Name: "Certified"})
		now := time.Date(2025, 4, 1, 15, 30, 0, 0, time.UTC)

		// Stored out of order through the repository; listed by valid_until.
		certs := []struct {
			in     vendor.Certification
			expiry vendor.Expiry
		}{
			{vendor.Certification{Scheme: vendor.SchemeISMAP, CertificateID: "C0", ValidFrom: day(2024, 1, 1), ValidUntil: day(2026, 1, 1)},
				vendor.Expiry{DaysUntilExpiry: 275}},
			{vendor.Certification{Scheme: vendor.SchemeISO27001, CertificateID: "C1", Issuer: "BSI", Scope: "all sites",
				ValidFrom: day(2022, 3, 1), ValidUntil: day(2025, 3, 31)},
				vendor.Expiry{Expired: true, DaysUntilExpiry: -1}},
			{vendor.Certification{Scheme: vendor.SchemeOther, SchemeName: "TISAX", CertificateID: "C2",
				ValidFrom: day(2024, 7, 1), ValidUntil: day(2025, 6, 30)},
				vendor.Expiry{ExpiringSoon: true, DaysUntilExpiry: 90}},
			{vendor.Certification{Scheme: vendor.SchemeSOC2Type2, CertificateID: "C3", ValidFrom: day(2024, 4, 1), ValidUntil: day(2025, 4, 1)},
				vendor.Expiry{ExpiringSoon: true, DaysUntilExpiry: 0}},
			{vendor.Certification{Scheme: vendor.SchemePrivacyMark, CertificateID: "C4", ValidFrom: day(2023, 7, 1), ValidUntil: day(2025, 7, 1)},
				vendor.Expiry{DaysUntilExpiry: 91}},
		}
		wantOrder := []string{"C1", "C3", "C2", "C4", "C0"}
		stored := map[string]vendor.Certification{}
		wantExpiry := map[string]vendor.Expiry{}
		for _, c := range certs {
			in := c.in
			in.ID, in.VendorID, in.Version, in.CreatedAt, in.UpdatedAt = domain.NewID(), v.ID, 1, start, start
			if err := e.repo.CreateCertification(e.ctx, in); err != nil {
				t.Fatalf("CreateCertification(%s): %v", in.CertificateID, err)
			}
			stored[in.CertificateID] = in
			wantExpiry[in.CertificateID] = c.expiry
		}

		t.Run("listed by valid_until with expiry flags", func(t *testing.T) {
			list, err := e.svc.ListCertifications(e.ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			var order []string
			for _, c := range list {
				order = append(order, c.CertificateID)
				if c != stored[c.CertificateID] {
					t.Errorf("listed =\n%+v\nstored\n%+v", c, stored[c.CertificateID])
				}
				if got := c.ExpiryAt(now); got != wantExpiry[c.CertificateID] {
					t.Errorf("%s valid until %s: ExpiryAt(%s) = %+v, want %+v", c.CertificateID,
						c.ValidUntil.Format(time.DateOnly), now, got, wantExpiry[c.CertificateID])
				}
			}
			if !slices.Equal(order, wantOrder) {
				t.Fatalf("certifications listed %q, want %q (by valid_until)", order, wantOrder)
			}
		})

		t.Run("added through the service", func(t *testing.T) {
			tokyo := time.FixedZone("JST", 9*60*60)
			in := vendor.Certification{Scheme: vendor.SchemeISO27017, CertificateID: " C5 ", Issuer: " JQA ",
				// Times of day are dropped; the UTC day counts.
				ValidFrom: time.Date(2025, 1, 1, 8, 0, 0, 0, tokyo), ValidUntil: time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)}
			got, err := e.svc.AddCertification(e.ctx, v.ID, in)
			if err != nil {
				t.Fatalf("AddCertification: %v", err)
			}
			if got.CertificateID != "C5" || got.Issuer != "JQA" || !got.ValidFrom.Equal(day(2024, 12, 31)) ||
				!got.ValidUntil.Equal(day(2025, 5, 1)) || got.Version != 1 || got.VendorID != v.ID {
				t.Errorf("added = %+v", got)
			}
			back, err := e.svc.GetCertification(e.ctx, v.ID, got.ID)
			if err != nil {
				t.Fatalf("GetCertification: %v", err)
			}
			if back != got {
				t.Errorf("stored =\n%+v\nreturned\n%+v", back, got)
			}
			if got := back.ExpiryAt(now); got != (vendor.Expiry{ExpiringSoon: true, DaysUntilExpiry: 30}) {
				t.Errorf("ExpiryAt = %+v", got)
			}
		})

		t.Run("renewal moves it in the list", func(t *testing.T) {
			e.clock.Advance(time.Hour)
			renewed, err := e.svc.UpdateCertification(e.ctx, v.ID, stored["C1"].ID,
				vendor.CertificationPatch{ValidFrom: ptr(day(2025, 3, 1)), ValidUntil: ptr(day(2028, 3, 31))}, ptr(1))
			if err != nil {
				t.Fatal(err)
			}
			if renewed.Version != 2 || renewed.ExpiryAt(now).Expired || renewed.Issuer != "BSI" {
				t.Errorf("renewed = %+v", renewed)
			}
			back, err := e.repo.GetCertification(e.ctx, v.ID, renewed.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !back.ValidUntil.Equal(day(2028, 3, 31)) || back.Version != 2 {
				t.Errorf("stored = %+v", back)
			}
			list, err := e.svc.ListCertifications(e.ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if last := list[len(list)-1].CertificateID; last != "C1" {
				t.Errorf("last listed = %s, want the renewed C1", last)
			}
		})

		t.Run("refused changes", func(t *testing.T) {
			tests := []struct {
				name string
				run  func() error
				kind domain.Kind
			}{
				{"stale If-Match", func() error {
					_, err := e.svc.UpdateCertification(e.ctx, v.ID, stored["C0"].ID, vendor.CertificationPatch{Issuer: ptr("x")}, ptr(2))
					return err
				}, domain.KindPreconditionFailed},
				{"ends before it starts", func() error {
					_, err := e.svc.UpdateCertification(e.ctx, v.ID, stored["C0"].ID, vendor.CertificationPatch{ValidUntil: ptr(day(2020, 1, 1))}, nil)
					return err
				}, domain.KindInvalid},
				{"unknown certification", func() error {
					_, err := e.svc.UpdateCertification(e.ctx, v.ID, domain.NewID(), vendor.CertificationPatch{Issuer: ptr("x")}, nil)
					return err
				}, domain.KindNotFound},
				{"unknown vendor", func() error {
					_, err := e.svc.AddCertification(e.ctx, domain.NewID(), certs[0].in)
					return err
				}, domain.KindNotFound},
				{"delete with stale If-Match", func() error {
					return e.svc.DeleteCertification(e.ctx, v.ID, stored["C0"].ID, ptr(9))
				}, domain.KindPreconditionFailed},
				{"delete unknown", func() error {
					return e.svc.DeleteCertification(e.ctx, v.ID, domain.NewID(), nil)
				}, domain.KindNotFound},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					assertKind(t, tt.run(), tt.kind)
					c, err := e.repo.GetCertification(e.ctx, v.ID, stored["C0"].ID)
					if err != nil || c != stored["C0"] {
						t.Fatalf("C0 changed: %+v, %v", c, err)
					}
				})
			}
		})

		t.Run("deleted through the service", func(t *testing.T) {
			before := count(t, db, "SELECT COUNT(*) FROM vendor_certifications WHERE vendor_id = ?", v.ID)
			if err := e.svc.DeleteCertification(e.ctx, v.ID, stored["C0"].ID, ptr(1)); err != nil {
				t.Fatalf("DeleteCertification: %v", err)
			}
			if _, err := e.svc.GetCertification(e.ctx, v.ID, stored["C0"].ID); !domain.IsKind(err, domain.KindNotFound) {
				t.Fatalf("deleted certification: err = %v, want not found", err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM vendor_certifications WHERE vendor_id = ?", v.ID); n != before-1 {
				t.Fatalf("%d certifications left, want %d", n, before-1)
			}
		})

		t.Run("repository delete", func(t *testing.T) {
			if err := e.repo.DeleteCertification(e.ctx, v.ID, stored["C4"].ID); err != nil {
				t.Fatal(err)
			}
			if err := e.repo.DeleteCertification(e.ctx, v.ID, stored["C4"].ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("second delete: %v, want ErrNotFound", err)
			}
			if _, err := e.repo.GetCertification(e.ctx, v.ID, stored["C4"].ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("get after delete: %v, want ErrNotFound", err)
			}
		})
	})
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestUpdatedAtFollowsServiceClock checks that an update stores the updated_at its service stamped
// from the injected clock, so that the response, the stored row and the next read agree.
func TestUpdatedAtFollowsServiceClock(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, vendor.Vendor{Name: "Clocked"})
		contact, err := e.svc.AddContact(e.ctx, v.ID, vendor.Contact{Name: "C", Email: "c@x.example"})
		if err != nil {
			t.Fatal(err)
		}
		cert := vendor.Certification{ID: domain.NewID(), VendorID: v.ID, Scheme: vendor.SchemeISMAP,
			ValidFrom: day(2025, 1, 1), ValidUntil: day(2026, 1, 1), Version: 1, CreatedAt: start, UpdatedAt: start}
		if err := e.repo.CreateCertification(e.ctx, cert); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			// update returns the updated_at the service reports; stored reads the row again.
			update func() (time.Time, error)
			stored func() (time.Time, error)
		}{
			{"vendor", func() (time.Time, error) {
				got, err := e.svc.Update(e.ctx, v.ID, vendor.Patch{Description: ptr("new")}, nil)
				return got.UpdatedAt, err
			}, func() (time.Time, error) {
				got, err := e.repo.Get(e.ctx, v.ID)
				return got.UpdatedAt, err
			}},
			{"contact", func() (time.Time, error) {
				got, err := e.svc.UpdateContact(e.ctx, v.ID, contact.ID, vendor.ContactPatch{Role: ptr("new")}, nil)
				return got.UpdatedAt, err
			}, func() (time.Time, error) {
				got, err := e.repo.GetContact(e.ctx, v.ID, contact.ID)
				return got.UpdatedAt, err
			}},
			{"certification", func() (time.Time, error) {
				got, err := e.svc.UpdateCertification(e.ctx, v.ID, cert.ID, vendor.CertificationPatch{Issuer: ptr("new")}, nil)
				return got.UpdatedAt, err
			}, func() (time.Time, error) {
				got, err := e.repo.GetCertification(e.ctx, v.ID, cert.ID)
				return got.UpdatedAt, err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.clock.Advance(time.Hour)
				want := e.clock.Now()
				returned, err := tt.update()
				if err != nil {
					t.Fatal(err)
				}
				stored, err := tt.stored()
				if err != nil {
					t.Fatal(err)
				}
				if !returned.Equal(want) || !stored.Equal(want) {
					t.Errorf("updated_at returned %s, stored %s; want the service clock's %s for both", returned, stored, want)
				}
			})
		}
	})
}

func TestSubcontractorLinks(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		vs := map[string]vendor.Vendor{}
		for _, n := range []string{"A", "B", "C", "D"} {
			vs[n] = e.create(t, vendor.Vendor{Name: "Vendor " + n})
		}
		links := map[string]string{} // "A->B" -> link id
		link := func(from, to string) func() error {
			return func() error {
				sc, err := e.svc.AddSubcontractor(e.ctx, vs[from].ID, vendor.Subcontractor{SubcontractorID: vs[to].ID, Service: "hosting", HandlesOurData: true})
				if err == nil {
					links[from+"->"+to] = sc.ID
				}
				return err
			}
		}
		unlink := func(from, to string) func() error {
			return func() error { return e.svc.RemoveSubcontractor(e.ctx, vs[from].ID, links[from+"->"+to]) }
		}
		steps := []struct {
			name   string
			run    func() error
			kind   domain.Kind // 0: success
			fields []string
			rows   int // links stored afterwards
		}{
			{"A->B", link("A", "B"), 0, nil, 1},
			{"A->B again is a conflict", link("A", "B"), domain.KindConflict, nil, 1},
			{"B->C", link("B", "C"), 0, nil, 2},
			{"C->A closes a cycle", link("C", "A"), domain.KindInvalid, []string{"subcontractor_id"}, 2},
			{"C->B closes a cycle", link("C", "B"), domain.KindInvalid, []string{"subcontractor_id"}, 2},
			{"B->A closes a cycle", link("B", "A"), domain.KindInvalid, []string{"subcontractor_id"}, 2},
			{"A->A is a self link", link("A", "A"), domain.KindInvalid, []string{"subcontractor_id"}, 2},
			{"A->C makes a diamond, not a cycle", link("A", "C"), 0, nil, 3},
			{"D->A", link("D", "A"), 0, nil, 4},
			{"C->D closes a longer cycle", link("C", "D"), domain.KindInvalid, []string{"subcontractor_id"}, 4},
			{"unknown subcontractor", func() error {
				_, err := e.svc.AddSubcontractor(e.ctx, vs["A"].ID, vendor.Subcontractor{SubcontractorID: domain.NewID(), Service: "x"})
				return err
			}, domain.KindInvalid, []string{"subcontractor_id"}, 4},
			{"subcontractor id not an id", func() error {
				_, err := e.svc.AddSubcontractor(e.ctx, vs["A"].ID, vendor.Subcontractor{SubcontractorID: "Vendor B", Service: "x"})
				return err
			}, domain.KindInvalid, []string{"subcontractor_id"}, 4},
			{"unknown vendor", func() error {
				_, err := e.svc.AddSubcontractor(e.ctx, domain.NewID(), vendor.Subcontractor{SubcontractorID: vs["A"].ID, Service: "x"})
				return err
			}, domain.KindNotFound, nil, 4},
			{"remove a link of another vendor", func() error { return e.svc.RemoveSubcontractor(e.ctx, vs["B"].ID, links["A->B"]) },
				domain.KindNotFound, nil, 4},
			{"remove an unknown link", func() error { return e.svc.RemoveSubcontractor(e.ctx, vs["A"].ID, domain.NewID()) },
				domain.KindNotFound, nil, 4},
			{"remove A->B", unlink("A", "B"), 0, nil, 3},
			{"C->A still closes a cycle through A->C", link("C", "A"), domain.KindInvalid, []string{"subcontractor_id"}, 3},
			{"remove A->C", unlink("A", "C"), 0, nil, 2},
			{"C->A is fine once no path leads back", link("C", "A"), 0, nil, 3},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				err := s.run()
				if s.kind == 0 && err != nil {
					t.Fatalf("err = %v", err)
				}
				if s.kind != 0 {
					assertKind(t, err, s.kind, s.fields...)
				}
				if n := count(t, db, "SELECT COUNT(*) FROM vendor_subcontractors"); n != s.rows {
					t.Fatalf("%d links stored, want %d", n, s.rows)
				}
			})
		}
		t.Run("list with names", func(t *testing.T) {
			got, err := e.svc.ListSubcontractors(e.ctx, vs["D"].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].SubcontractorID != vs["A"].ID || got[0].SubcontractorName != "Vendor A" ||
				got[0].Service != "hosting" || !got[0].HandlesOurData || got[0].VendorID != vs["D"].ID || got[0].ID != links["D->A"] {
				t.Fatalf("D's subcontractors = %+v", got)
			}
			ids, err := e.repo.SubcontractorsOf(e.ctx, []string{vs["B"].ID, vs["C"].ID, vs["D"].ID})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(ids)
			want := []string{vs["A"].ID, vs["C"].ID}
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Fatalf("SubcontractorsOf(B, C, D) = %q, want %q", ids, want)
			}
		})
		t.Run("repository refuses a duplicate pair", func(t *testing.T) {
			err := e.repo.CreateSubcontractor(e.ctx, vendor.Subcontractor{ID: domain.NewID(), VendorID: vs["D"].ID,
				SubcontractorID: vs["A"].ID, Service: "again", CreatedAt: start})
			if !errors.Is(err, domain.ErrDuplicate) {
				t.Fatalf("err = %v, want ErrDuplicate", err)
			}
		})
	})
}

// TestSubcontractorConcurrentCycle races A->B against B->A: each alone is fine, together they are a
// cycle, so at most one may succeed and the other must be refused as a cycle.
func TestSubcontractorConcurrentCycle(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		for round := range 10 {
			a := e.create(t, vendor.Vendor{Name: fmt.Sprintf("A%d", round)})
			b := e.create(t, vendor.Vendor{Name: fmt.Sprintf("B%d", round)})
			pairs := [][2]string{{a.ID, b.ID}, {b.ID, a.ID}}
			errs := make([]error, len(pairs))
			var ready, wg sync.WaitGroup
			startGun := make(chan struct{})
			for i, p := range pairs {
				ready.Add(1)
				wg.Go(func() {
					ready.Done()
					<-startGun
					_, errs[i] = e.svc.AddSubcontractor(e.ctx, p[0], vendor.Subcontractor{SubcontractorID: p[1], Service: "race"})
				})
			}
			ready.Wait()
			close(startGun)
			wg.Wait()

			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				}
			}
			n := count(t, db, "SELECT COUNT(*) FROM vendor_subcontractors WHERE vendor_id IN (?, ?)", a.ID, b.ID)
			if ok > 1 || n > 1 {
				t.Fatalf("round %d: %d calls succeeded and %d links stored; a cycle A->B->A was created", round, ok, n)
			}
			if n != ok {
				t.Fatalf("round %d: %d successes but %d links stored", round, ok, n)
			}
			for i, err := range errs {
				if err != nil && !domain.IsKind(err, domain.KindInvalid) {
					t.Errorf("round %d, call %d: err = %v (kind %v); the loser must be refused as a cycle, not fail", round, i, err, domain.KindOf(err))
				}
			}
		}
	})
}
