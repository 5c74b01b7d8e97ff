package repository_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func TestCertifications(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "Certified"})
		now := time.Date(2025, 4, 1, 15, 30, 0, 0, time.UTC)

		// Stored out of order through the repository; listed by valid_until.
		certs := []struct {
			in     register.Certification
			expiry register.Expiry
		}{
			{register.Certification{Scheme: register.SchemeISMAP, CertificateID: "C0", ValidFrom: day(2024, 1, 1), ValidUntil: day(2026, 1, 1)},
				register.Expiry{DaysUntilExpiry: 275}},
			{register.Certification{Scheme: register.SchemeISO27001, CertificateID: "C1", Issuer: "BSI", Scope: "all sites",
				ValidFrom: day(2022, 3, 1), ValidUntil: day(2025, 3, 31)},
				register.Expiry{Expired: true, DaysUntilExpiry: -1}},
			{register.Certification{Scheme: register.SchemeOther, SchemeName: "TISAX", CertificateID: "C2",
				ValidFrom: day(2024, 7, 1), ValidUntil: day(2025, 6, 30)},
				register.Expiry{ExpiringSoon: true, DaysUntilExpiry: 90}},
			{register.Certification{Scheme: register.SchemeSOC2Type2, CertificateID: "C3", ValidFrom: day(2024, 4, 1), ValidUntil: day(2025, 4, 1)},
				register.Expiry{ExpiringSoon: true, DaysUntilExpiry: 0}},
			{register.Certification{Scheme: register.SchemePrivacyMark, CertificateID: "C4", ValidFrom: day(2023, 7, 1), ValidUntil: day(2025, 7, 1)},
				register.Expiry{DaysUntilExpiry: 91}},
		}
		wantOrder := []string{"C1", "C3", "C2", "C4", "C0"}
		stored := map[string]register.Certification{}
		wantExpiry := map[string]register.Expiry{}
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
			in := register.Certification{Scheme: register.SchemeISO27017, CertificateID: " C5 ", Issuer: " JQA ",
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
			if got := back.ExpiryAt(now); got != (register.Expiry{ExpiringSoon: true, DaysUntilExpiry: 30}) {
				t.Errorf("ExpiryAt = %+v", got)
			}
		})

		t.Run("renewal moves it in the list", func(t *testing.T) {
			e.clock.Advance(time.Hour)
			renewed, err := e.svc.UpdateCertification(e.ctx, v.ID, stored["C1"].ID,
				register.CertificationPatch{ValidFrom: ptr(day(2025, 3, 1)), ValidUntil: ptr(day(2028, 3, 31))}, ptr(1))
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
					_, err := e.svc.UpdateCertification(e.ctx, v.ID, stored["C0"].ID, register.CertificationPatch{Issuer: ptr("x")}, ptr(2))
					return err
				}, domain.KindPreconditionFailed},
				{"ends before it starts", func() error {
					_, err := e.svc.UpdateCertification(e.ctx, v.ID, stored["C0"].ID, register.CertificationPatch{ValidUntil: ptr(day(2020, 1, 1))}, nil)
					return err
				}, domain.KindInvalid},
				{"unknown certification", func() error {
					_, err := e.svc.UpdateCertification(e.ctx, v.ID, domain.NewID(), register.CertificationPatch{Issuer: ptr("x")}, nil)
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
