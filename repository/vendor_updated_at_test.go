package repository_test

import (
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestUpdatedAtFollowsServiceClock checks that an update stores the updated_at its service stamped
// from the injected clock, so that the response, the stored row and the next read agree.
func TestUpdatedAtFollowsServiceClock(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "Clocked"})
		contact, err := e.svc.AddContact(e.ctx, v.ID, register.Contact{Name: "C", Email: "c@x.example"})
		if err != nil {
			t.Fatal(err)
		}
		cert := register.Certification{ID: domain.NewID(), VendorID: v.ID, Scheme: register.SchemeISMAP,
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
				got, err := e.svc.Update(e.ctx, v.ID, register.Patch{Description: ptr("new")}, nil)
				return got.UpdatedAt, err
			}, func() (time.Time, error) {
				got, err := e.repo.Get(e.ctx, v.ID)
				return got.UpdatedAt, err
			}},
			{"contact", func() (time.Time, error) {
				got, err := e.svc.UpdateContact(e.ctx, v.ID, contact.ID, register.ContactPatch{Role: ptr("new")}, nil)
				return got.UpdatedAt, err
			}, func() (time.Time, error) {
				got, err := e.repo.GetContact(e.ctx, v.ID, contact.ID)
				return got.UpdatedAt, err
			}},
			{"certification", func() (time.Time, error) {
				got, err := e.svc.UpdateCertification(e.ctx, v.ID, cert.ID, register.CertificationPatch{Issuer: ptr("new")}, nil)
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
