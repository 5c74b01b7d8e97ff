package repository_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// allClauses is one clause of every type with every parameter its type takes.
func allClauses() []contract.Clause {
	return []contract.Clause{
		{Type: contract.Confidentiality, Reference: "§3"},
		{Type: contract.DataProtection, Reference: "§4 個人情報"},
		{Type: contract.RightToAudit, Reference: "§5", NoticeDays: ptr(0)},
		{Type: contract.BreachNotification, Reference: "§6", Hours: ptr(24)},
		{Type: contract.Subcontracting, Reference: "§7", Level: contract.SubPriorApproval},
		{Type: contract.DataLocation, Reference: "§8", Countries: []string{"JP", "SG"}},
		{Type: contract.ReturnAndDeletion, Reference: "§9", Days: ptr(30)},
		{Type: contract.BusinessContinuity, Reference: "§10", RTOHours: ptr(4), BCPTestedYearly: true},
		{Type: contract.SecurityRequirements, Reference: "Annex 2"},
		{Type: contract.StaffSecurity, Reference: "§11", NDA: true, Training: true},
		{Type: contract.Liability, Reference: "§12", Cap: &domain.Money{Amount: 100_000_000, Currency: "JPY"}},
		{Type: contract.ExitAssistance, Reference: "§13", Days: ptr(180)},
	}
}

func assertSameContract(t *testing.T, got, want contract.Contract) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("created/updated %s/%s, want %s/%s", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	for _, p := range []struct {
		name      string
		got, want *time.Time
	}{{"signed_on", got.SignedOn, want.SignedOn}, {"ends_on", got.EndsOn, want.EndsOn}, {"starts_on", &got.StartsOn, &want.StartsOn}} {
		if !sameTime(p.got, p.want) || (p.got != nil && p.got.Location() != time.UTC) {
			t.Errorf("%s = %v, want %v", p.name, p.got, p.want)
		}
	}
	g, w := got, want
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	g.SignedOn, g.EndsOn, w.SignedOn, w.EndsOn = nil, nil, nil, nil
	g.StartsOn, w.StartsOn = time.Time{}, time.Time{}
	if len(g.Clauses) == 0 && len(w.Clauses) == 0 {
		g.Clauses, w.Clauses = nil, nil
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("contract\n%+v\nwant\n%+v", g, w)
	}
}

// engagementFor stores a minimal engagement and returns its id.
func engagementFor(t *testing.T, db *repository.DB, ve *vendorEnv, name string) string {
	t.Helper()
	v := ve.create(t, register.Vendor{Name: name + " vendor"})
	e := minimalEngagement(v.ID, name)
	if err := repository.NewEngagements(db).Create(ve.ctx, e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func TestContractRepository(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		engID := engagementFor(t, db, ve, "Contracted")
		other := engagementFor(t, db, ve, "Other")
		repo := repository.NewContracts(db)
		ctx := t.Context()

		full := contract.Contract{ID: domain.NewID(), EngagementID: engID, Title: "MSA 基本契約", DocumentReference: "DMS-2025-0042",
			SignedOn: ptr(day(2024, 12, 20)), StartsOn: day(2025, 1, 1), EndsOn: ptr(day(2027, 12, 31)), AutoRenew: true,
			NoticeDays: 90, Clauses: allClauses(), Version: 3, CreatedAt: start, UpdatedAt: start.Add(time.Hour)}
		bare := contract.Contract{ID: domain.NewID(), EngagementID: engID, Title: "Pilot", StartsOn: day(2024, 2, 29),
			Version: 1, CreatedAt: start, UpdatedAt: start}
		for _, c := range []contract.Contract{full, bare} {
			t.Run(c.Title, func(t *testing.T) {
				if err := repo.Create(ctx, c); err != nil {
					t.Fatalf("Create: %v", err)
				}
				got, err := repo.Get(ctx, c.ID)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				assertSameContract(t, got, c)
				locked, err := repo.GetForUpdate(ctx, c.ID)
				if err != nil {
					t.Fatalf("GetForUpdate: %v", err)
				}
				assertSameContract(t, locked, c)
			})
		}
		for _, col := range []string{"signed_on", "ends_on"} {
			if n := count(t, db, "SELECT COUNT(*) FROM contracts WHERE id = ? AND "+col+" IS NULL", bare.ID); n != 1 {
				t.Errorf("%s of a contract without it is not NULL", col)
			}
		}

		t.Run("update replaces clauses, clears dates, checks the version", func(t *testing.T) {
			next := full
			next.Clauses = []contract.Clause{{Type: contract.BreachNotification, Hours: ptr(12)}}
			next.SignedOn, next.EndsOn, next.AutoRenew = nil, nil, false
			next.Version, next.UpdatedAt = full.Version+1, start.Add(2*time.Hour)
			if err := repo.Update(ctx, next); err != nil {
				t.Fatalf("Update: %v", err)
			}
			got, _ := repo.Get(ctx, full.ID)
			assertSameContract(t, got, next)
			stale := next
			stale.Title = "lost"
			if err := repo.Update(ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
				t.Errorf("Update with the stored version = %v, want ErrStaleVersion", err)
			}
			moved := next
			moved.EngagementID, moved.Version = other, next.Version+1
			if err := repo.Update(ctx, moved); err != nil {
				t.Fatal(err)
			}
			if got, _ := repo.Get(ctx, full.ID); got.EngagementID != engID {
				t.Errorf("Update moved the contract to engagement %s", got.EngagementID)
			}
		})

		t.Run("list: latest start first, id breaks ties, only the engagement's", func(t *testing.T) {
			var want []string
			tied := day(2026, 4, 1)
			for range 3 {
				c := contract.Contract{ID: domain.NewID(), EngagementID: engID, Title: "tied", StartsOn: tied, Version: 1, CreatedAt: start, UpdatedAt: start}
				if err := repo.Create(ctx, c); err != nil {
					t.Fatal(err)
				}
				want = append([]string{c.ID}, want...)
			}
			oc := contract.Contract{ID: domain.NewID(), EngagementID: other, Title: "other", StartsOn: tied, Version: 1, CreatedAt: start, UpdatedAt: start}
			if err := repo.Create(ctx, oc); err != nil {
				t.Fatal(err)
			}
			want = append(want, full.ID, bare.ID) // 2025-01-01, 2024-02-29
			cs, err := repo.ListByEngagement(ctx, engID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("ListByEngagement = %q, want %q", got, want)
			}
			if cs[len(cs)-1].Title != "Pilot" || len(cs[len(cs)-2].Clauses) != 1 {
				t.Errorf("listed rows are not whole: %+v", cs[len(cs)-2:])
			}
			if cs, err := repo.ListByEngagement(ctx, domain.NewID()); err != nil || len(cs) != 0 {
				t.Errorf("ListByEngagement(unknown) = %v, %v", cs, err)
			}
		})

		t.Run("unknown ids", func(t *testing.T) {
			if _, err := repo.Get(ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Get(unknown) = %v", err)
			}
			orphan := bare
			orphan.ID, orphan.EngagementID = domain.NewID(), domain.NewID()
			if err := repo.Create(ctx, orphan); !errors.Is(err, domain.ErrReferenced) {
				t.Errorf("Create for an unknown engagement = %v, want ErrReferenced", err)
			}
		})
	})
}
