package repository_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// fullPolicy is a policy that sets every field the stored document holds, each requirement parameter
// included.
func fullPolicy(version int) policy.Policy {
	p := policy.Default()
	p.Version, p.HomeCountry, p.UpdatedBy, p.UpdatedAt = version, "SG", domain.NewID(), start.Add(time.Duration(version)*time.Minute)
	p.Tiers[0].RequiredClauses = []contract.Requirement{
		{Type: contract.BreachNotification, MaxNotificationHours: 12},
		{Type: contract.RightToAudit, MaxAuditNoticeDays: 7},
		{Type: contract.Subcontracting, MinSubcontracting: contract.SubProhibited},
		{Type: contract.DataLocation, AllowedCountries: []string{"JP", "SG"}},
		{Type: contract.ReturnAndDeletion, MaxDeletionDays: 14},
		{Type: contract.BusinessContinuity, MaxRTOHours: 2, RequireBCPTest: true},
		{Type: contract.StaffSecurity, RequireNDA: true, RequireTraining: true},
		{Type: contract.Liability, MinLiabilityCap: &domain.Money{Amount: 500_000_000, Currency: "JPY"}},
		{Type: contract.ExitAssistance, MinExitAssistanceDays: 365},
	}
	p.Tiers[3].RequiredClauses = nil
	p.Tiers[2].EvidenceRequired = true
	p.BreachCosts = append(p.BreachCosts, risk.CostPerRecord{Category: risk.DataConfidential, Cost: domain.Money{Amount: 250, Currency: "USD"}})
	return p
}

func assertSamePolicy(t *testing.T, got, want policy.Policy) {
	t.Helper()
	if !got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("updated_at %s, want %s", got.UpdatedAt, want.UpdatedAt)
	}
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("policy\n%+v\nwant\n%+v", got, want)
	}
}

func TestPolicyRepository(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo := repository.NewPolicies(db)
		ctx := t.Context()
		if _, err := repo.Latest(ctx); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Latest on an empty table = %v, want ErrNotFound", err)
		}

		v2 := fullPolicy(2)
		if err := repo.Insert(ctx, v2); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		got, err := repo.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertSamePolicy(t, got, v2)

		dup := policy.Default()
		dup.Version, dup.UpdatedBy, dup.UpdatedAt = 2, "other admin", start
		if err := repo.Insert(ctx, dup); !errors.Is(err, domain.ErrDuplicate) {
			t.Fatalf("Insert of version 2 twice = %v, want ErrDuplicate", err)
		}
		got, _ = repo.Latest(ctx)
		assertSamePolicy(t, got, v2) // the first version 2 stays

		// Latest is the highest version, whatever the insertion order.
		v10, v3 := fullPolicy(10), policy.Default()
		v10.HomeCountry = "US"
		v3.Version, v3.UpdatedBy, v3.UpdatedAt = 3, "x", start
		for _, p := range []policy.Policy{v10, v3} {
			if err := repo.Insert(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = repo.Latest(ctx)
		assertSamePolicy(t, got, v10)
	})
}

// TestPolicyServiceOverRepository: the service serves the default until a version is stored, stores
// the next version, and refuses a stale If-Match (as it would a concurrent writer's duplicate).
func TestPolicyServiceOverRepository(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		c := newClock()
		// follow stands for what follows risk_policy.updated in its transaction (domain/workflow).
		follow := &followUp{}
		svc := policy.NewService(repository.NewPolicies(db), db, c.Now,
			event.Recorders{audit.NewService(repository.NewAuditTrail(db), db, c.Now), follow})
		ctx := t.Context()
		cur, err := svc.Current(ctx)
		if err != nil || cur.Version != 1 || cur.UpdatedBy != "built-in" {
			t.Fatalf("Current = %+v, %v", cur, err)
		}
		p := policy.Default()
		p.HomeCountry = "us"
		saved, err := svc.Update(ctx, p, "key-1", ptr(1))
		if err != nil || saved.Version != 2 || saved.HomeCountry != "US" || follow.seen["risk_policy.updated"] != 1 {
			t.Fatalf("Update = v%d %s, %v (followed %v)", saved.Version, saved.HomeCountry, err, follow.seen)
		}
		cur, _ = svc.Current(ctx)
		assertSamePolicy(t, cur, saved)
		_, err = svc.Update(ctx, policy.Default(), "key-2", ptr(1))
		assertKind(t, err, domain.KindPreconditionFailed)
		// A failing follow-up rolls the new version back.
		follow.err = errors.New("refresh failed")
		if _, err := svc.Update(ctx, policy.Default(), "key-3", nil); err == nil {
			t.Fatal("Update succeeded although its follow-up failed")
		}
		if cur, _ := svc.Current(ctx); cur.Version != 2 {
			t.Errorf("a failed Update left version %d", cur.Version)
		}
	})
}

// followUp is a recorder after the audit trail that counts the events it follows and fails with err.
type followUp struct {
	seen map[string]int
	err  error
}

func (f *followUp) Record(_ context.Context, events ...event.Event) error {
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	for _, e := range events {
		f.seen[e.Type]++
	}
	return f.err
}
