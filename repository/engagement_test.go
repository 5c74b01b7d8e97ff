package repository_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// minimalEngagement is a valid engagement of vendorID with every optional value absent.
func minimalEngagement(vendorID, name string) engagement.Engagement {
	return engagement.Engagement{
		ID: domain.NewID(), VendorID: vendorID, Name: name, ServiceType: engagement.ServiceSaaS,
		Access: risk.AccessNone, Substitutability: risk.SubstituteModerate, Status: engagement.StatusIntake,
		Risk:    engagement.RiskSnapshot{Score: 10, RecommendedTier: risk.Tier4Low, EffectiveTier: risk.Tier4Low, ModelVersion: risk.ModelVersion},
		Version: 1, CreatedAt: start, UpdatedAt: start,
	}
}

// fullEngagement sets every field, the nullable ones included.
func fullEngagement(vendorID string) engagement.Engagement {
	return engagement.Engagement{
		ID: domain.NewID(), VendorID: vendorID, Name: "Payroll outsourcing 給与", Description: "line one\nline \"two\" 100%",
		BusinessOwner: "HR director", ServiceType: engagement.ServiceOperationsOutsourcing,
		Holdings: []risk.Holding{{Category: risk.DataPersonal, Records: 1_150_000}, {Category: risk.DataSensitivePersonal, Records: 9_999_999_999},
			{Category: risk.DataPublic, Records: 0}},
		Access: risk.AccessPrivilegedAdm, InternetFacing: true, DataLocations: []string{"JP", "US", "SG"}, CriticalProcess: true,
		RTOHours: ptr(4), Substitutability: risk.SubstituteHard, AnnualSpend: &domain.Money{Amount: 9_000_000_000_000, Currency: "JPY"},
		ImpactOverride: &risk.CIA{C: 5, I: 4, A: 3}, Status: engagement.StatusActive,
		Override: &engagement.TierOverride{Tier: risk.Tier1Critical, Reason: "runs payroll; 理由", ByKeyID: domain.NewID(), ByName: "Rie",
			At: start.Add(time.Hour), RecommendedTier: risk.Tier2High},
		Risk:    engagement.RiskSnapshot{Score: 88, RecommendedTier: risk.Tier2High, EffectiveTier: risk.Tier1Critical, ModelVersion: risk.ModelVersion},
		Version: 4, CreatedAt: start, UpdatedAt: start.Add(2 * time.Hour),
	}
}

// assertSameEngagement compares every field: times by instant (and in UTC), nil and empty slices alike.
func assertSameEngagement(t *testing.T, got, want engagement.Engagement) {
	t.Helper()
	for _, tm := range []time.Time{got.CreatedAt, got.UpdatedAt} {
		if tm.Location() != time.UTC {
			t.Errorf("time %s is not UTC", tm)
		}
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("created/updated %s/%s, want %s/%s", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	if (got.Override == nil) != (want.Override == nil) {
		t.Fatalf("override %+v, want %+v", got.Override, want.Override)
	}
	g, w := got, want
	if got.Override != nil {
		if !got.Override.At.Equal(want.Override.At) || got.Override.At.Location() != time.UTC {
			t.Errorf("override at %s, want %s", got.Override.At, want.Override.At)
		}
		go1, wo := *got.Override, *want.Override
		go1.At, wo.At = time.Time{}, time.Time{}
		g.Override, w.Override = &go1, &wo
	}
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	for _, e := range []*engagement.Engagement{&g, &w} {
		if len(e.Holdings) == 0 {
			e.Holdings = nil
		}
		if len(e.DataLocations) == 0 {
			e.DataLocations = nil
		}
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("engagement\n%s\nwant\n%s", dump(g), dump(w))
	}
}

func dump(e engagement.Engagement) string {
	s := fmt.Sprintf("%+v", e)
	if e.RTOHours != nil {
		s += fmt.Sprintf(" rto=%d", *e.RTOHours)
	}
	if e.AnnualSpend != nil {
		s += fmt.Sprintf(" spend=%v", *e.AnnualSpend)
	}
	if e.ImpactOverride != nil {
		s += fmt.Sprintf(" impact=%+v", *e.ImpactOverride)
	}
	if e.Override != nil {
		s += fmt.Sprintf(" override=%+v", *e.Override)
	}
	return s
}

func TestEngagementRepositoryRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		v := ve.create(t, register.Vendor{Name: "Engaged"})
		repo := repository.NewEngagements(db)

		zeroes := minimalEngagement(v.ID, "zero values that are not absent")
		zeroes.RTOHours, zeroes.AnnualSpend = ptr(0), &domain.Money{Amount: 0, Currency: "USD"}
		zeroes.Holdings = []risk.Holding{{Category: risk.DataInternal, Records: 0}}
		zeroes.Override = &engagement.TierOverride{Tier: risk.Tier4Low, Reason: "r", ByKeyID: domain.NewID(), At: start, RecommendedTier: risk.Tier3Medium}
		cases := []struct {
			name string
			e    engagement.Engagement
		}{
			{"every field", fullEngagement(v.ID)},
			{"every optional value absent", minimalEngagement(v.ID, "minimal")},
			{"zero rto and spend, override without a name", zeroes},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				if err := repo.Create(ctx, tc.e); err != nil {
					t.Fatalf("Create: %v", err)
				}
				got, err := repo.Get(ctx, tc.e.ID)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				assertSameEngagement(t, got, tc.e)
				if got.DataLocations == nil || got.Holdings == nil {
					t.Errorf("nil slices read back: locations %v, holdings %v", got.DataLocations, got.Holdings)
				}
				locked, err := repo.GetForUpdate(ctx, tc.e.ID)
				if err != nil {
					t.Fatalf("GetForUpdate: %v", err)
				}
				assertSameEngagement(t, locked, tc.e)
			})
		}

		// Update writes every field, nulls included, both ways.
		t.Run("update clears and sets every nullable field", func(t *testing.T) {
			ctx := t.Context()
			full := fullEngagement(v.ID)
			if err := repo.Create(ctx, full); err != nil {
				t.Fatal(err)
			}
			cleared := minimalEngagement(v.ID, "cleared")
			cleared.ID, cleared.CreatedAt, cleared.Version, cleared.UpdatedAt = full.ID, full.CreatedAt, full.Version+1, start.Add(3*time.Hour)
			if err := repo.Update(ctx, cleared); err != nil {
				t.Fatalf("Update: %v", err)
			}
			got, err := repo.Get(ctx, full.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertSameEngagement(t, got, cleared)
			for _, col := range []string{"rto_hours", "annual_spend_amount", "impact_c", "impact_i", "impact_a", "override_tier",
				"override_reason", "override_by_key_id", "override_by_name", "override_at", "override_recommended_tier"} {
				if n := count(t, db, "SELECT COUNT(*) FROM engagements WHERE id = ? AND "+col+" IS NULL", full.ID); n != 1 {
					t.Errorf("%s is not NULL after clearing", col)
				}
			}
			again := fullEngagement(v.ID)
			again.ID, again.CreatedAt, again.Version = full.ID, full.CreatedAt, cleared.Version+1
			if err := repo.Update(ctx, again); err != nil {
				t.Fatalf("Update back: %v", err)
			}
			got, _ = repo.Get(ctx, full.ID)
			assertSameEngagement(t, got, again)

			// Stale: the stored version is not Version-1.
			stale := got
			stale.Name = "lost update"
			for _, version := range []int{got.Version, got.Version + 2, 1} {
				stale.Version = version
				if err := repo.Update(ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
					t.Errorf("Update with version %d over stored %d = %v, want ErrStaleVersion", version, got.Version, err)
				}
			}
			missing := minimalEngagement(v.ID, "missing")
			missing.Version = 2
			if err := repo.Update(ctx, missing); !errors.Is(err, domain.ErrStaleVersion) {
				t.Errorf("Update of an unknown id = %v, want ErrStaleVersion", err)
			}
			if got, _ := repo.Get(ctx, full.ID); got.Name != again.Name || got.Version != again.Version {
				t.Errorf("stale updates changed the row: %s v%d", got.Name, got.Version)
			}
		})

		t.Run("unknown id and unknown vendor", func(t *testing.T) {
			if _, err := repo.Get(t.Context(), domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
			}
			if _, err := repo.GetForUpdate(t.Context(), domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("GetForUpdate(unknown) = %v, want ErrNotFound", err)
			}
			if err := repo.Create(t.Context(), minimalEngagement(domain.NewID(), "orphan")); !errors.Is(err, domain.ErrReferenced) {
				t.Errorf("Create with an unknown vendor = %v, want ErrReferenced", err)
			}
			dup := minimalEngagement(v.ID, "dup")
			if err := repo.Create(t.Context(), dup); err != nil {
				t.Fatal(err)
			}
			if err := repo.Create(t.Context(), dup); !errors.Is(err, domain.ErrDuplicate) {
				t.Errorf("Create twice = %v, want ErrDuplicate", err)
			}
		})
	})
}

func TestEngagementRepositoryList(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		v1, v2 := ve.create(t, register.Vendor{Name: "One"}), ve.create(t, register.Vendor{Name: "Two"})
		repo := repository.NewEngagements(db)
		ctx := t.Context()
		add := func(vendorID, name string, mut func(e *engagement.Engagement)) string {
			t.Helper()
			e := minimalEngagement(vendorID, name)
			if mut != nil {
				mut(&e)
			}
			if err := repo.Create(ctx, e); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return e.ID
		}
		tier := func(tr risk.Tier) func(e *engagement.Engagement) {
			return func(e *engagement.Engagement) { e.Risk.EffectiveTier, e.Risk.RecommendedTier = tr, risk.Tier4Low }
		}
		pct := add(v1.ID, "100% uptime", func(e *engagement.Engagement) { e.ServiceType = engagement.ServiceIaaS })
		under := add(v1.ID, "snake_case", tier(risk.Tier1Critical))
		bang := add(v2.ID, "wow! 100 uptime", func(e *engagement.Engagement) { e.Status = engagement.StatusActive })
		plain := add(v2.ID, "snakeXcase", tier(risk.Tier2High))
		overridden := add(v2.ID, "Overridden", func(e *engagement.Engagement) {
			e.Risk.RecommendedTier, e.Risk.EffectiveTier = risk.Tier1Critical, risk.Tier3Medium
			e.Status = engagement.StatusActive
		})

		cases := []struct {
			name string
			f    engagement.Filter
			want []string
		}{
			{"all", engagement.Filter{}, []string{pct, under, bang, plain, overridden}},
			{"vendor", engagement.Filter{VendorID: v1.ID}, []string{pct, under}},
			{"unknown vendor", engagement.Filter{VendorID: domain.NewID()}, nil},
			{"status", engagement.Filter{Status: engagement.StatusActive}, []string{bang, overridden}},
			{"effective tier, not recommended", engagement.Filter{Tier: risk.Tier3Medium}, []string{overridden}},
			{"tier 1", engagement.Filter{Tier: risk.Tier1Critical}, []string{under}},
			{"service type", engagement.Filter{ServiceType: engagement.ServiceIaaS}, []string{pct}},
			{"q with a literal %", engagement.Filter{Query: "100%"}, []string{pct}},
			{"q with a literal _", engagement.Filter{Query: "e_c"}, []string{under}},
			{"q with the escape character", engagement.Filter{Query: "wow!"}, []string{bang}},
			{"q is case-insensitive", engagement.Filter{Query: "UPTIME"}, []string{pct, bang}},
			{"q and vendor", engagement.Filter{Query: "snake", VendorID: v2.ID}, []string{plain}},
			{"status and tier", engagement.Filter{Status: engagement.StatusActive, Tier: risk.Tier4Low}, []string{bang}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := tc.f
				f.Sort, f.Limit = "created_at", 100
				rows, err := repo.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rows {
					got = append(got, r.ID)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("List(%+v) = %q, want %q", tc.f, got, tc.want)
				}
			})
		}
		t.Run("rows are whole", func(t *testing.T) {
			rows, err := repo.List(ctx, engagement.Filter{Sort: "created_at", Limit: 100, Query: "Overridden"})
			if err != nil || len(rows) != 1 {
				t.Fatalf("List = %v, %v", rows, err)
			}
			want := minimalEngagement(v2.ID, "Overridden")
			want.ID, want.Status = overridden, engagement.StatusActive
			want.Risk.RecommendedTier, want.Risk.EffectiveTier = risk.Tier1Critical, risk.Tier3Medium
			assertSameEngagement(t, rows[0], want)
		})
	})
}

// cursorAfter is the cursor the engagement service hands out for the last row of a page.
func cursorAfter(sort string, last engagement.Engagement) *domain.Cursor {
	c := &domain.Cursor{Sort: sort, ID: last.ID}
	switch strings.TrimPrefix(sort, "-") {
	case "name":
		c.Value = last.Name
	case "risk_score":
		c.Value = strconv.Itoa(last.Risk.Score)
	}
	return c
}

func TestEngagementRepositoryKeysetPaging(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		v := ve.create(t, register.Vendor{Name: "Paged"})
		repo := repository.NewEngagements(db)
		ctx := t.Context()
		add := func(name string, score int) {
			t.Helper()
			e := minimalEngagement(v.ID, name)
			e.Risk.Score = score
			if err := repo.Create(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		// Names and scores tie; the id breaks ties.
		for i, n := range []string{"e-05", "e-02", "e-09", "e-02", "e-07", "e-01", "e-07", "e-04", "e-10", "e-03", "e-02"} {
			add(n, []int{40, 12, 40, 0, 99, 12, 40}[i%7])
		}
		inserts := []struct {
			name  string
			score int
		}{{"e-00", 0}, {"e-06", 40}, {"e-99", 100}, {"e-02", 12}, {"e-055", 41}, {"e-08", 5}, {"e-02", 40}}

		order := map[string]func(a, b engagement.Engagement) int{
			"created_at":  func(a, b engagement.Engagement) int { return strings.Compare(a.ID, b.ID) },
			"-created_at": func(a, b engagement.Engagement) int { return strings.Compare(b.ID, a.ID) },
			"name": func(a, b engagement.Engagement) int {
				return cmpOr(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
			},
			"-name": func(a, b engagement.Engagement) int {
				return cmpOr(strings.Compare(b.Name, a.Name), strings.Compare(b.ID, a.ID))
			},
			"risk_score": func(a, b engagement.Engagement) int {
				return cmpOr(a.Risk.Score-b.Risk.Score, strings.Compare(a.ID, b.ID))
			},
			"-risk_score": func(a, b engagement.Engagement) int {
				return cmpOr(b.Risk.Score-a.Risk.Score, strings.Compare(b.ID, a.ID))
			},
		}
		for _, sort := range engagement.Sorts {
			t.Run(sort, func(t *testing.T) {
				all, err := repo.List(ctx, engagement.Filter{Sort: sort, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.IsSortedFunc(all, order[sort]) {
					t.Errorf("sort=%s is out of order", sort)
				}
				original := map[string]bool{}
				for _, e := range all {
					original[e.ID] = true
				}
				var got []string
				seen := map[string]bool{}
				var after *domain.Cursor
				for page := 0; ; page++ {
					if page > 100 {
						t.Fatal("paging does not end")
					}
					rows, err := repo.List(ctx, engagement.Filter{Sort: sort, Limit: 3, After: after})
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range rows {
						if seen[r.ID] {
							t.Errorf("%s %q listed twice", r.ID, r.Name)
						}
						seen[r.ID] = true
						if original[r.ID] {
							got = append(got, r.ID)
						}
					}
					if len(rows) < 3 {
						break
					}
					after = cursorAfter(sort, rows[len(rows)-1])
					if page < len(inserts) {
						add(inserts[page].name, inserts[page].score)
					}
				}
				var want []string
				for _, e := range all {
					want = append(want, e.ID)
				}
				if !slices.Equal(got, want) {
					t.Errorf("sort=%s with inserts between pages: the originals came as\n%q\nwant\n%q", sort, got, want)
				}
			})
		}
	})
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func TestEngagementRepositoryIDs(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		a, b, c := ve.create(t, register.Vendor{Name: "A"}), ve.create(t, register.Vendor{Name: "B"}), ve.create(t, register.Vendor{Name: "C"})
		repo := repository.NewEngagements(db)
		ctx := t.Context()
		byVendor := map[string][]string{}
		var all []string
		for i := range 7 {
			vid := []string{a.ID, b.ID, a.ID}[i%3]
			e := minimalEngagement(vid, fmt.Sprintf("e%d", i))
			if err := repo.Create(ctx, e); err != nil {
				t.Fatal(err)
			}
			byVendor[vid] = append(byVendor[vid], e.ID)
			all = append(all, e.ID)
		}
		slices.Sort(all)

		for _, tc := range []struct {
			name    string
			vendors []string
			want    []string
		}{
			{"one vendor", []string{a.ID}, byVendor[a.ID]},
			{"two vendors", []string{b.ID, a.ID}, slices.Sorted(slices.Values(append(slices.Clone(byVendor[a.ID]), byVendor[b.ID]...)))},
			{"a vendor without engagements", []string{c.ID}, nil},
			{"an unknown vendor", []string{domain.NewID()}, nil},
			{"no vendors", nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := repo.IDsOfVendors(ctx, tc.vendors)
				if err != nil {
					t.Fatalf("IDsOfVendors: %v", err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("IDsOfVendors = %q, want %q", got, tc.want)
				}
			})
		}

		t.Run("IDsAfter walks every id once, in order", func(t *testing.T) {
			var got []string
			after := ""
			for range 10 {
				ids, err := repo.IDsAfter(ctx, after, 3)
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) > 3 {
					t.Fatalf("IDsAfter returned %d ids with limit 3", len(ids))
				}
				if len(ids) == 0 {
					break
				}
				got = append(got, ids...)
				after = ids[len(ids)-1]
			}
			if !slices.Equal(got, all) {
				t.Errorf("IDsAfter walk = %q, want %q", got, all)
			}
			if ids, err := repo.IDsAfter(ctx, all[len(all)-1], 3); err != nil || len(ids) != 0 {
				t.Errorf("IDsAfter(last) = %q, %v", ids, err)
			}
			if ids, err := repo.IDsAfter(ctx, all[2], 2); err != nil || !slices.Equal(ids, all[3:5]) {
				t.Errorf("IDsAfter(third, 2) = %q, %v; want %q", ids, err, all[3:5])
			}
		})
	})
}

// A vendor with an engagement is referenced: the vendor service refuses to delete it (Conflict,
// naming engagements) and the database refuses to orphan the engagement.
func TestVendorReferencedByEngagement(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		v := ve.create(t, register.Vendor{Name: "Engaged vendor"})
		free := ve.create(t, register.Vendor{Name: "Free vendor"})
		repo := repository.NewEngagements(db)
		e := minimalEngagement(v.ID, "keeps the vendor")
		if err := repo.Create(ve.ctx, e); err != nil {
			t.Fatal(err)
		}
		refs, err := ve.repo.ReferencedBy(ve.ctx, v.ID)
		if err != nil || !slices.Equal(refs, []string{"engagements"}) {
			t.Fatalf("ReferencedBy = %q, %v; want [engagements]", refs, err)
		}
		if refs, err := ve.repo.ReferencedBy(ve.ctx, free.ID); err != nil || len(refs) != 0 {
			t.Fatalf("ReferencedBy(free) = %q, %v", refs, err)
		}
		err = ve.svc.Delete(ve.ctx, v.ID, nil)
		assertKind(t, err, domain.KindConflict)
		if !strings.Contains(err.Error(), "engagements") {
			t.Errorf("Delete error %q does not name engagements", err)
		}
		if err := ve.repo.Delete(ve.ctx, v.ID); !errors.Is(err, domain.ErrReferenced) {
			t.Errorf("repo.Delete of a vendor with an engagement = %v, want ErrReferenced", err)
		}
		if _, err := repo.Get(ve.ctx, e.ID); err != nil {
			t.Errorf("the engagement is gone: %v", err)
		}
		if _, err := ve.svc.Get(ve.ctx, v.ID); err != nil {
			t.Errorf("the vendor is gone: %v", err)
		}
		if err := ve.svc.Delete(ve.ctx, free.ID, nil); err != nil {
			t.Errorf("Delete of a vendor without engagements: %v", err)
		}
	})
}
