package repository_test

import (
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestVendorExternalRef: the ERP reference round-trips, is unique only when set (a collision is a
// Conflict naming external_ref), filters the list, and ByKeys finds vendors by it or by corporate number.
func TestVendorExternalRef(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		a := e.create(t, register.Vendor{Name: "A", ExternalRef: " SAP-1 "})
		b := e.create(t, register.Vendor{Name: "B", CorporateNumber: "7000012050002"})
		e.create(t, register.Vendor{Name: "C"}) // no reference: many vendors may have none
		e.create(t, register.Vendor{Name: "D"})
		got, err := e.repo.Get(e.ctx, a.ID)
		if err != nil || got.ExternalRef != "SAP-1" {
			t.Fatalf("stored external_ref %q (%v), want SAP-1 trimmed", got.ExternalRef, err)
		}
		assertSameVendor(t, got, a)

		_, err = e.svc.Create(e.ctx, register.Vendor{Kind: register.KindOther, Name: "Dup", ExternalRef: "SAP-1"})
		assertKind(t, err, domain.KindConflict, "external_ref")
		_, err = e.svc.Update(e.ctx, b.ID, register.Patch{ExternalRef: ptr("SAP-1")}, nil)
		assertKind(t, err, domain.KindConflict, "external_ref")
		_, err = e.svc.Create(e.ctx, register.Vendor{Kind: register.KindOther, Name: "Bad", ExternalRef: "tab\there"})
		assertKind(t, err, domain.KindInvalid, "external_ref")

		page, err := e.svc.List(e.ctx, register.Filter{ExternalRef: "SAP-1"}, "")
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != a.ID {
			t.Fatalf("list by external_ref: %+v, %v", page.Items, err)
		}
		found, err := e.repo.ByKeys(e.ctx, []string{"7000012050002", "5010401067252"}, []string{"SAP-1", "SAP-404"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range found {
			ids = append(ids, v.ID)
		}
		slices.Sort(ids)
		want := []string{a.ID, b.ID}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("ByKeys found %v, want %v", ids, want)
		}
	})
}
