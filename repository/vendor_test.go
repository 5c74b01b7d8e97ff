package repository_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// assertSameVendor compares every field; times by instant, empty and nil slices alike.
func assertSameVendor(t *testing.T, got, want register.Vendor) {
	t.Helper()
	type plain struct {
		ID, Kind, Name, LegalName, CorporateNumber, ExternalRef, Country, Website, Description, InternalOwner, Status string
		Version                                                                                                       int
	}
	flat := func(v register.Vendor) plain {
		return plain{v.ID, string(v.Kind), v.Name, v.LegalName, v.CorporateNumber, v.ExternalRef, v.Country, v.Website, v.Description,
			v.InternalOwner, string(v.Status), v.Version}
	}
	if flat(got) != flat(want) {
		t.Errorf("vendor =\n%+v\nwant\n%+v", flat(got), flat(want))
	}
	if !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("tags = %q, want %q", got.Tags, want.Tags)
	}
	if got.Tags == nil {
		t.Error("tags = nil, want an empty slice")
	}
	if !slices.Equal(got.RegistrationIDs, want.RegistrationIDs) {
		t.Errorf("registration ids = %+v, want %+v", got.RegistrationIDs, want.RegistrationIDs)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("created/updated = %s/%s, want %s/%s", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("times are in %s/%s, want UTC", got.CreatedAt.Location(), got.UpdatedAt.Location())
	}
}

func TestVendorRepositoryRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo := repository.NewVendors(db)
		tests := []struct {
			name     string
			v        register.Vendor
			corpNull bool
		}{
			{"every field", register.Vendor{
				ID: domain.NewID(), Kind: register.KindCloudProvider, Name: "Acme Cloud", LegalName: "Acme Cloud K.K.",
				CorporateNumber: "7000012050002",
				RegistrationIDs: []register.RegistrationID{{Scheme: "duns", Value: "123456789"}, {Scheme: "lei", Value: "5493001KJTIIGC8Y1R12"}},
				Country:         "JP", Website: "https://acme.example/about?x=1", Description: "IaaS\nsecond line, 100% \"quoted\"",
				InternalOwner: "it-security", Tags: []string{"cloud", "critical", "tier:1"}, Status: register.StatusActive,
				Version: 3, CreatedAt: start, UpdatedAt: start.Add(90 * time.Minute),
			}, false},
			{"no corporate number, tags or registration ids", register.Vendor{
				ID: domain.NewID(), Kind: register.KindOther, Name: "Minimal", Status: register.StatusProposed,
				Version: 1, CreatedAt: start, UpdatedAt: start,
			}, true},
			{"a second vendor without corporate number: NULLs do not collide", register.Vendor{
				ID: domain.NewID(), Kind: register.KindContractor, Name: "Also minimal", Status: register.StatusSuspended,
				Version: 1, CreatedAt: start, UpdatedAt: start,
			}, true},
			{"multibyte text", register.Vendor{
				ID: domain.NewID(), Kind: register.KindContractor, Name: "株式会社テスト", LegalName: "株式会社テスト ホールディングス",
				CorporateNumber: "1180301018771", Country: "JP", Description: "絵文字 🚀", Tags: []string{"ja"},
				Status: register.StatusOffboarding, Version: 7, CreatedAt: start.Add(-24 * time.Hour), UpdatedAt: start,
			}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := t.Context()
				if err := repo.Create(ctx, tt.v); err != nil {
					t.Fatalf("Create: %v", err)
				}
				got, err := repo.Get(ctx, tt.v.ID)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				assertSameVendor(t, got, tt.v)
				locked, err := repo.GetForUpdate(ctx, tt.v.ID)
				if err != nil {
					t.Fatalf("GetForUpdate: %v", err)
				}
				assertSameVendor(t, locked, tt.v)

				var corp sql.NullString
				if err := db.SQL().QueryRowContext(ctx, "SELECT corporate_number FROM vendors WHERE id = ?", tt.v.ID).Scan(&corp); err != nil {
					t.Fatal(err)
				}
				if corp.Valid == tt.corpNull || corp.String != tt.v.CorporateNumber {
					t.Errorf("stored corporate_number = %+v, want NULL=%v %q", corp, tt.corpNull, tt.v.CorporateNumber)
				}
				if n := count(t, db, "SELECT COUNT(*) FROM vendor_tags WHERE vendor_id = ?", tt.v.ID); n != len(tt.v.Tags) {
					t.Errorf("vendor_tags rows = %d, want %d", n, len(tt.v.Tags))
				}
			})
		}
		t.Run("unknown id", func(t *testing.T) {
			if _, err := repo.Get(t.Context(), domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("Get(unknown) err = %v, want ErrNotFound", err)
			}
			if _, err := repo.GetForUpdate(t.Context(), domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("GetForUpdate(unknown) err = %v, want ErrNotFound", err)
			}
		})
	})
}

func TestVendorServiceCreate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		tests := []struct {
			name   string
			ctx    func(t *testing.T) context.Context
			in     register.Vendor
			want   func(v register.Vendor) register.Vendor // the expected stored vendor, given the created one
			kind   domain.Kind
			fields []string
		}{
			{name: "defaults and normalisation", ctx: admin(e),
				in: register.Vendor{Kind: register.KindCloudProvider, Name: "  Acme  ", Country: "jp", CorporateNumber: " 4000012090001 ",
					Tags: []string{"Critical", "cloud", "CLOUD"}, RegistrationIDs: []register.RegistrationID{{Scheme: " DUNS ", Value: " 1 "}}},
				want: func(v register.Vendor) register.Vendor {
					return register.Vendor{ID: v.ID, Kind: register.KindCloudProvider, Name: "Acme", Country: "JP",
						CorporateNumber: "4000012090001", Tags: []string{"cloud", "critical"},
						RegistrationIDs: []register.RegistrationID{{Scheme: "duns", Value: "1"}},
						Status:          register.StatusProposed, Version: 1, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
				}},
			{name: "explicit status kept", ctx: admin(e), in: register.Vendor{Kind: register.KindOther, Name: "Active one", Status: register.StatusActive},
				want: func(v register.Vendor) register.Vendor {
					return register.Vendor{ID: v.ID, Kind: register.KindOther, Name: "Active one", Status: register.StatusActive,
						Version: 1, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
				}},
			{name: "invalid fields are all reported", ctx: admin(e),
				in:   register.Vendor{Kind: "x", Name: "", Country: "XX", Tags: []string{"no way"}},
				kind: domain.KindInvalid, fields: []string{"kind", "name", "country", "tags[0]"}},
			{name: "no principal", ctx: func(t *testing.T) context.Context { return t.Context() },
				in: register.Vendor{Kind: register.KindOther, Name: "Nobody"}, kind: domain.KindUnauthenticated},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := count(t, db, "SELECT COUNT(*) FROM vendors")
				got, err := e.svc.Create(tt.ctx(t), tt.in)
				if tt.want == nil {
					assertKind(t, err, tt.kind, tt.fields...)
					if n := count(t, db, "SELECT COUNT(*) FROM vendors"); n != before {
						t.Fatalf("a refused create stored a row: %d vendors, was %d", n, before)
					}
					return
				}
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				want := tt.want(got)
				assertSameVendor(t, got, want)
				stored, err := e.svc.Get(e.ctx, got.ID)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				assertSameVendor(t, stored, want)
			})
		}
	})
}

func admin(e *vendorEnv) func(t *testing.T) context.Context {
	return func(*testing.T) context.Context { return e.ctx }
}

func TestVendorDuplicateCorporateNumber(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		first := e.create(t, register.Vendor{Name: "First", CorporateNumber: "7000012050002"})
		other := e.create(t, register.Vendor{Name: "Other", CorporateNumber: "5010401067252"})
		tests := []struct {
			name string
			run  func() error
			// repoLevel: the repository's sentinel is expected; otherwise the service's Conflict naming the field.
			repoLevel bool
		}{
			{"repository create", func() error {
				return e.repo.Create(e.ctx, register.Vendor{ID: domain.NewID(), Kind: register.KindOther, Name: "Dup",
					CorporateNumber: first.CorporateNumber, Status: register.StatusProposed, Version: 1, CreatedAt: start, UpdatedAt: start})
			}, true},
			{"repository update", func() error {
				v := other
				v.CorporateNumber = first.CorporateNumber
				v.Version++
				return e.repo.Update(e.ctx, v)
			}, true},
			{"service create", func() error {
				_, err := e.svc.Create(e.ctx, register.Vendor{Kind: register.KindOther, Name: "Dup", CorporateNumber: first.CorporateNumber})
				return err
			}, false},
			{"service update", func() error {
				_, err := e.svc.Update(e.ctx, other.ID, register.Patch{CorporateNumber: ptr(first.CorporateNumber)}, nil)
				return err
			}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.run()
				if tt.repoLevel {
					if !errors.Is(err, domain.ErrDuplicate) {
						t.Fatalf("err = %v, want domain.ErrDuplicate", err)
					}
				} else {
					assertKind(t, err, domain.KindConflict, "corporate_number")
				}
				if n := count(t, db, "SELECT COUNT(*) FROM vendors WHERE corporate_number = ?", first.CorporateNumber); n != 1 {
					t.Fatalf("%d vendors hold the corporate number, want 1", n)
				}
				got, err := e.repo.Get(e.ctx, other.ID)
				if err != nil || got.CorporateNumber != other.CorporateNumber || got.Version != 1 {
					t.Fatalf("other vendor changed: %+v, %v", got, err)
				}
			})
		}
		t.Run("clearing frees the number", func(t *testing.T) {
			if _, err := e.svc.Update(e.ctx, first.ID, register.Patch{CorporateNumber: ptr("")}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Update(e.ctx, other.ID, register.Patch{CorporateNumber: ptr(first.CorporateNumber)}, nil); err != nil {
				t.Fatalf("taking a freed corporate number: %v", err)
			}
		})
	})
}

func TestVendorUpdateVersions(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "Versioned", Tags: []string{"a", "b"}})
		tests := []struct {
			name        string
			run         func(current register.Vendor) error
			wantErr     func(t *testing.T, err error)
			wantVersion int
		}{
			{"repository: version not one ahead of the stored one is stale", func(cur register.Vendor) error {
				cur.Name = "lost update"
				return e.repo.Update(e.ctx, cur) // expects stored version cur.Version-1
			}, sentinel(domain.ErrStaleVersion), 1},
			{"repository: version two ahead is stale", func(cur register.Vendor) error {
				cur.Name = "lost update"
				cur.Version += 2
				return e.repo.Update(e.ctx, cur)
			}, sentinel(domain.ErrStaleVersion), 1},
			{"repository: next version writes", func(cur register.Vendor) error {
				cur.Name = "Renamed by repo"
				cur.Version++
				return e.repo.Update(e.ctx, cur)
			}, nil, 2},
			{"repository: unknown id writes nothing", func(cur register.Vendor) error {
				cur.ID = domain.NewID()
				cur.Version++
				return e.repo.Update(e.ctx, cur)
			}, sentinel(domain.ErrStaleVersion), 2},
			{"service: stale If-Match", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Name: ptr("lost update")}, ptr(1))
				return err
			}, kind(domain.KindPreconditionFailed), 2},
			{"service: current If-Match", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Name: ptr("Renamed by service")}, ptr(2))
				return err
			}, nil, 3},
			{"service: no If-Match", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Description: ptr("unconditional")}, nil)
				return err
			}, nil, 4},
			{"service: illegal transition", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Status: ptr(register.StatusSuspended)}, nil)
				return err
			}, kind(domain.KindConflict), 4},
			{"service: unknown status", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Status: ptr(register.Status("archived"))}, nil)
				return err
			}, kind(domain.KindInvalid, "status"), 4},
			{"service: invalid patch", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Name: ptr(" "), Website: ptr("nope")}, nil)
				return err
			}, kind(domain.KindInvalid, "name", "website"), 4},
			{"service: legal transition", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, v.ID, register.Patch{Status: ptr(register.StatusActive)}, nil)
				return err
			}, nil, 5},
			{"service: unknown vendor", func(register.Vendor) error {
				_, err := e.svc.Update(e.ctx, domain.NewID(), register.Patch{Name: ptr("x")}, nil)
				return err
			}, kind(domain.KindNotFound), 5},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				cur, err := e.repo.Get(e.ctx, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(time.Minute)
				err = tt.run(cur)
				if tt.wantErr == nil && err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if tt.wantErr != nil {
					tt.wantErr(t, err)
				}
				after, err := e.repo.Get(e.ctx, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Version != tt.wantVersion {
					t.Fatalf("stored version = %d, want %d", after.Version, tt.wantVersion)
				}
				if tt.wantErr != nil {
					assertSameVendor(t, after, cur) // a refused update changes nothing
				}
			})
		}
		got, err := e.svc.Get(e.ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Renamed by service" || got.Description != "unconditional" || got.Status != register.StatusActive ||
			!got.CreatedAt.Equal(v.CreatedAt) {
			t.Fatalf("final vendor = %+v", got)
		}
		// updated_at is checked by TestUpdatedAtFollowsServiceClock.
	})
}

func sentinel(want error) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}
}

func kind(k domain.Kind, fields ...string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		assertKind(t, err, k, fields...)
	}
}

func TestVendorTagsReplacedOnUpdate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "Tagged", Tags: []string{"old", "kept"}})
		bystander := e.create(t, register.Vendor{Name: "Bystander", Tags: []string{"old"}})
		tests := []struct {
			name  string
			patch register.Patch
			want  []string
		}{
			{"untouched when the patch has no tags", register.Patch{Name: ptr("Tagged 2")}, []string{"kept", "old"}},
			{"replaced", register.Patch{Tags: &[]string{"New", "kept", "new"}}, []string{"kept", "new"}},
			{"replaced again", register.Patch{Tags: &[]string{"z", "a"}}, []string{"a", "z"}},
			{"cleared", register.Patch{Tags: &[]string{}}, []string{}},
			{"set after clearing", register.Patch{Tags: &[]string{"old"}}, []string{"old"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				updated, err := e.svc.Update(e.ctx, v.ID, tt.patch, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(updated.Tags, tt.want) {
					t.Errorf("returned tags = %q, want %q", updated.Tags, tt.want)
				}
				got, err := e.repo.Get(e.ctx, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Tags, tt.want) {
					t.Errorf("stored tags = %q, want %q", got.Tags, tt.want)
				}
				if n := count(t, db, "SELECT COUNT(*) FROM vendor_tags WHERE vendor_id = ?", v.ID); n != len(tt.want) {
					t.Errorf("vendor_tags rows = %d, want %d", n, len(tt.want))
				}
				other, err := e.repo.Get(e.ctx, bystander.ID)
				if err != nil || !slices.Equal(other.Tags, []string{"old"}) {
					t.Errorf("another vendor's tags changed: %q, %v", other.Tags, err)
				}
			})
		}
	})
}

// listFixture is the register the list tests page through.
var listFixture = []register.Vendor{
	{Name: "Acme Cloud", LegalName: "Acme Cloud KK", Kind: register.KindCloudProvider, Status: register.StatusActive, Country: "JP", Tags: []string{"cloud", "critical"}},
	{Name: "beta Systems", Kind: register.KindContractor, Status: register.StatusProposed, Country: "US", Tags: []string{"it"}},
	{Name: "Gamma 100% Services", Kind: register.KindContractor, Status: register.StatusActive, Country: "JP", Tags: []string{"critical"}},
	{Name: "delta_ops", Kind: register.KindOther, Status: register.StatusSuspended, Country: "DE"},
	{Name: "delta-ops", Kind: register.KindOther, Status: register.StatusActive, Country: "DE", Tags: []string{"it"}},
	{Name: "Epsilon", LegalName: "100 percent Holdings", Kind: register.KindCloudProvider, Status: register.StatusOffboarding, Country: "US"},
	{Name: "Same Name", Kind: register.KindContractor, Status: register.StatusActive, Country: "JP", Tags: []string{"dup"}},
	{Name: "Same Name", Kind: register.KindContractor, Status: register.StatusActive, Country: "JP", Tags: []string{"dup", "it"}},
	{Name: "zeta! corp", Kind: register.KindOther, Status: register.StatusProposed},
	{Name: "Same Name", Kind: register.KindContractor, Status: register.StatusActive, Country: "JP", Tags: []string{"dup"}},
	{Name: "Omega", LegalName: "Legal Only Match Ltd", Kind: register.KindContractor, Status: register.StatusTerminated, Country: "GB"},
	{Name: "ALPHA upper", Kind: register.KindCloudProvider, Status: register.StatusActive, Country: "US", Tags: []string{"cloud"}},
}

// compareFor orders vendors as the list must: by the sort key (names case-insensitively), then ID.
func compareFor(sort string) func(a, b register.Vendor) int {
	return func(a, b register.Vendor) int {
		c := 0
		if strings.TrimPrefix(sort, "-") == "name" {
			c = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if strings.HasPrefix(sort, "-") {
			c = -c
		}
		return c
	}
}

// matches is the filter's meaning, written independently of the repository's SQL.
func matches(v register.Vendor, f register.Filter) bool {
	q := strings.ToLower(strings.TrimSpace(f.Query))
	country := strings.ToUpper(strings.TrimSpace(f.Country))
	tag := strings.ToLower(strings.TrimSpace(f.Tag))
	return (f.Kind == "" || v.Kind == f.Kind) &&
		(f.Status == "" || v.Status == f.Status) &&
		(country == "" || v.Country == country) &&
		(tag == "" || slices.Contains(v.Tags, tag)) &&
		(q == "" || strings.Contains(strings.ToLower(v.Name), q) || strings.Contains(strings.ToLower(v.LegalName), q))
}

func ids(vs []register.Vendor) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

func names(vs []register.Vendor) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Name
	}
	return out
}

// walk pages through the list and calls between(cursorRow) after every page but the last.
func walk(t *testing.T, e *vendorEnv, f register.Filter, between func(last register.Vendor)) []register.Vendor {
	t.Helper()
	var all []register.Vendor
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		page, err := e.svc.List(e.ctx, f, cursor)
		if err != nil {
			t.Fatalf("List(%+v, page %d): %v", f, pages+1, err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			if len(page.Items) == 0 && pages > 0 {
				t.Fatalf("page %d is empty: the previous page should have had no next cursor", pages+1)
			}
			return all
		}
		if len(page.Items) != f.Limit {
			t.Fatalf("page %d has %d items and a next cursor, want a full page of %d", pages+1, len(page.Items), f.Limit)
		}
		if between != nil {
			between(page.Items[len(page.Items)-1])
		}
		cursor = page.NextCursor
	}
}

func TestVendorListFiltersAndSorts(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		var fixture []register.Vendor
		for _, v := range listFixture {
			fixture = append(fixture, e.create(t, v))
		}
		filters := []struct {
			name string
			f    register.Filter
			want int // how many rows match, to keep the fixture honest
		}{
			{"all", register.Filter{}, 12},
			{"kind", register.Filter{Kind: register.KindContractor}, 6},
			{"status", register.Filter{Status: register.StatusActive}, 7},
			{"country, lower case", register.Filter{Country: "jp"}, 5},
			{"tag", register.Filter{Tag: "critical"}, 2},
			{"tag, upper case", register.Filter{Tag: " IT "}, 3},
			{"q matches name, case-insensitively", register.Filter{Query: "same"}, 3},
			{"q matches legal name only", register.Filter{Query: "only match"}, 1},
			{"q % is literal", register.Filter{Query: "%"}, 1},
			{"q 100% is literal", register.Filter{Query: "100%"}, 1},
			{"q _ is literal", register.Filter{Query: "_"}, 1},
			{"q delta_ops is literal", register.Filter{Query: "delta_ops"}, 1},
			{"q with the escape character", register.Filter{Query: "a!"}, 1},
			{"q with a backslash", register.Filter{Query: `\`}, 0},
			{"q no match", register.Filter{Query: "no such vendor"}, 0},
			{"combined", register.Filter{Kind: register.KindContractor, Status: register.StatusActive, Country: "JP", Tag: "dup"}, 3},
		}
		for _, sort := range register.Sorts {
			for _, fl := range filters {
				for _, limit := range []int{3, 5, 50} {
					t.Run(fmt.Sprintf("%s/%s/limit %d", sort, fl.name, limit), func(t *testing.T) {
						f := fl.f
						f.Sort, f.Limit = sort, limit
						var want []register.Vendor
						for _, v := range fixture {
							if matches(v, f) {
								want = append(want, v)
							}
						}
						if len(want) != fl.want {
							t.Fatalf("fixture has %d matches, the case expects %d", len(want), fl.want)
						}
						slices.SortFunc(want, compareFor(sort))
						got := walk(t, e, f, nil)
						if !slices.Equal(ids(got), ids(want)) {
							t.Fatalf("list =\n%q\nwant\n%q", names(got), names(want))
						}
					})
				}
			}
		}
		t.Run("default sort is created_at", func(t *testing.T) {
			page, err := e.svc.List(e.ctx, register.Filter{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(page.Items), ids(fixture)) || page.NextCursor != "" {
				t.Fatalf("default list = %q (next %q), want creation order", names(page.Items), page.NextCursor)
			}
		})
	})
}

func TestVendorListRejects(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		v := e.create(t, register.Vendor{Name: "Only"})
		nameCursor := domain.Cursor{Sort: "name", Value: v.Name, ID: v.ID}.Encode()
		tests := []struct {
			name   string
			f      register.Filter
			cursor string
			kind   domain.Kind
			fields []string
		}{
			{"unknown sort", register.Filter{Sort: "created"}, "", domain.KindInvalid, []string{"sort"}},
			{"unknown kind", register.Filter{Kind: "vendor"}, "", domain.KindInvalid, []string{"kind"}},
			{"unknown status", register.Filter{Status: "gone"}, "", domain.KindInvalid, []string{"status"}},
			{"q too long", register.Filter{Query: strings.Repeat("q", 201)}, "", domain.KindInvalid, []string{"q"}},
			{"limit too large", register.Filter{Limit: 201}, "", domain.KindInvalid, []string{"limit"}},
			{"cursor of another sort", register.Filter{Sort: "-name"}, nameCursor, domain.KindInvalid, []string{"cursor"}},
			{"garbage cursor", register.Filter{}, "garbage", domain.KindInvalid, []string{"cursor"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.svc.List(e.ctx, tt.f, tt.cursor)
				assertKind(t, err, tt.kind, tt.fields...)
			})
		}
		if _, err := e.svc.List(t.Context(), register.Filter{}, ""); !domain.IsKind(err, domain.KindUnauthenticated) {
			t.Fatalf("List without principal err = %v, want unauthenticated", err)
		}
	})
}

// TestVendorListStableUnderInserts inserts rows between pages: rows already listed never repeat, no
// row is skipped, and a new row shows up exactly when it sorts after the cursor it was inserted at.
func TestVendorListStableUnderInserts(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		var existing []register.Vendor
		for _, v := range listFixture {
			existing = append(existing, e.create(t, v))
		}
		n := 0
		for _, sort := range register.Sorts {
			t.Run(sort, func(t *testing.T) {
				before := slices.Clone(existing)
				cmp := compareFor(sort)
				var appear []register.Vendor
				insert := func(last register.Vendor) {
					// One row sorting first, one last, and one tied on name with the cursor row.
					for _, name := range []string{fmt.Sprintf("aaa new %02d", n), fmt.Sprintf("zzz new %02d", n), last.Name} {
						v := e.create(t, register.Vendor{Name: name, Kind: register.KindOther})
						existing = append(existing, v)
						if cmp(v, last) > 0 {
							appear = append(appear, v)
						}
					}
					n++
				}
				got := walk(t, e, register.Filter{Sort: sort, Limit: 4}, insert)
				want := append(slices.Clone(before), appear...)
				slices.SortFunc(want, cmp)
				if !slices.Equal(ids(got), ids(want)) {
					t.Fatalf("list =\n%q\nwant\n%q", names(got), names(want))
				}
				seen := map[string]bool{}
				for _, v := range got {
					if seen[v.ID] {
						t.Fatalf("%s (%s) listed twice", v.Name, v.ID)
					}
					seen[v.ID] = true
				}
				for _, v := range before {
					if !seen[v.ID] {
						t.Fatalf("%s (%s) skipped", v.Name, v.ID)
					}
				}
				if len(existing) == len(before) {
					t.Fatal("nothing was inserted between pages")
				}
			})
		}
	})
}

func TestVendorSupplierScope(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		own := e.create(t, register.Vendor{Name: "Own", Kind: register.KindContractor, Tags: []string{"x"}})
		other := e.create(t, register.Vendor{Name: "Other", Kind: register.KindContractor, Tags: []string{"x"}})
		e.create(t, register.Vendor{Name: "Third", Kind: register.KindOther})
		ctx := asSupplier(t, own.ID)

		lists := []struct {
			name string
			f    register.Filter
			want []string
		}{
			{"no filter", register.Filter{}, []string{own.ID}},
			{"filter matching both", register.Filter{Kind: register.KindContractor, Sort: "name"}, []string{own.ID}}, // tags are internal: refused to suppliers
			{"filter excluding own", register.Filter{Kind: register.KindOther}, []string{}},
			{"query naming the other", register.Filter{Query: "Other"}, []string{}},
		}
		for _, tt := range lists {
			t.Run("list "+tt.name, func(t *testing.T) {
				page, err := e.svc.List(ctx, tt.f, "")
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(page.Items), tt.want) || page.NextCursor != "" {
					t.Fatalf("supplier list = %q (next %q), want %q", names(page.Items), page.NextCursor, tt.want)
				}
			})
		}

		calls := []struct {
			name string
			run  func(id string) error
		}{
			{"get", func(id string) error { _, err := e.svc.Get(ctx, id); return err }},
			{"update", func(id string) error {
				_, err := e.svc.Update(ctx, id, register.Patch{Description: ptr("supplier edit")}, nil)
				return err
			}},
			{"list contacts", func(id string) error { _, err := e.svc.ListContacts(ctx, id); return err }},
			{"add contact", func(id string) error {
				_, err := e.svc.AddContact(ctx, id, register.Contact{Name: "S", Email: "s@x.example"})
				return err
			}},
			{"list certifications", func(id string) error { _, err := e.svc.ListCertifications(ctx, id); return err }},
			{"list subcontractors", func(id string) error { _, err := e.svc.ListSubcontractors(ctx, id); return err }},
			{"delete", func(id string) error { return e.svc.Delete(ctx, id, nil) }},
		}
		for _, c := range calls {
			t.Run(c.name+" of another vendor", func(t *testing.T) {
				assertKind(t, c.run(other.ID), domain.KindNotFound)
				got, err := e.repo.Get(e.ctx, other.ID)
				if err != nil || got.Version != 1 {
					t.Fatalf("the other vendor changed or vanished: %+v, %v", got, err)
				}
				if n := count(t, db, "SELECT COUNT(*) FROM vendor_contacts WHERE vendor_id = ?", other.ID); n != 0 {
					t.Fatalf("a contact was added to the other vendor")
				}
			})
		}
		t.Run("own vendor is visible", func(t *testing.T) {
			got, err := e.svc.Get(ctx, own.ID)
			if err != nil || got.ID != own.ID {
				t.Fatalf("Get(own) = %+v, %v", got, err)
			}
		})
		t.Run("not-found does not depend on existence", func(t *testing.T) {
			_, errOther := e.svc.Get(ctx, other.ID)
			_, errMissing := e.svc.Get(ctx, domain.NewID())
			assertKind(t, errOther, domain.KindNotFound)
			assertKind(t, errMissing, domain.KindNotFound)
		})
		t.Run("internal roles see every vendor", func(t *testing.T) {
			for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor} {
				page, err := e.svc.List(as(t, role), register.Filter{}, "")
				if err != nil || len(page.Items) != 3 {
					t.Fatalf("%s sees %d vendors, %v; want 3", role, len(page.Items), err)
				}
			}
		})
	})
}

func TestVendorDelete(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		keys := repository.NewAPIKeys(db)
		children := []string{"vendor_tags", "vendor_contacts", "vendor_certifications", "vendor_subcontractors"}

		// full creates a vendor with a tag, a contact, a certification and a link to a fresh subcontractor.
		full := func(t *testing.T, name string) (v, sub register.Vendor) {
			t.Helper()
			v = e.create(t, register.Vendor{Name: name, Tags: []string{"a", "b"}})
			sub = e.create(t, register.Vendor{Name: name + " sub"})
			if _, err := e.svc.AddContact(e.ctx, v.ID, register.Contact{Name: "C", Email: "c@x.example", Primary: true}); err != nil {
				t.Fatal(err)
			}
			// Through the repository: this fixture must not depend on the service's certification path,
			// which TestCertifications covers.
			if err := e.repo.CreateCertification(e.ctx, register.Certification{ID: domain.NewID(), VendorID: v.ID,
				Scheme: register.SchemeISO27001, ValidFrom: register.Day(start), ValidUntil: register.Day(start.AddDate(1, 0, 0)),
				Version: 1, CreatedAt: start, UpdatedAt: start}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.AddSubcontractor(e.ctx, v.ID, register.Subcontractor{SubcontractorID: sub.ID, Service: "hosting"}); err != nil {
				t.Fatal(err)
			}
			return v, sub
		}
		childRows := func(t *testing.T, id string) map[string]int {
			t.Helper()
			out := map[string]int{}
			for _, c := range children {
				out[c] = count(t, db, "SELECT COUNT(*) FROM "+c+" WHERE vendor_id = ?", id)
			}
			return out
		}

		tests := []struct {
			name    string
			setup   func(t *testing.T, v register.Vendor)
			ifMatch *int
			kind    domain.Kind // 0: deleted
			message string
		}{
			{name: "cascades to tags, contacts, certifications and own links", setup: func(*testing.T, register.Vendor) {}},
			{name: "with current If-Match", setup: func(*testing.T, register.Vendor) {}, ifMatch: ptr(1)},
			{name: "stale If-Match", setup: func(*testing.T, register.Vendor) {}, ifMatch: ptr(7), kind: domain.KindPreconditionFailed},
			{name: "refused while another vendor links to it", setup: func(t *testing.T, v register.Vendor) {
				parent := e.create(t, register.Vendor{Name: v.Name + " parent"})
				if _, err := e.svc.AddSubcontractor(e.ctx, parent.ID, register.Subcontractor{SubcontractorID: v.ID, Service: "support"}); err != nil {
					t.Fatal(err)
				}
			}, kind: domain.KindConflict, message: "subcontractor links"},
			{name: "refused while a supplier key references it", setup: func(t *testing.T, v register.Vendor) {
				if err := keys.Create(e.ctx, supplierKey(v.ID)); err != nil {
					t.Fatal(err)
				}
			}, kind: domain.KindConflict, message: "supplier api keys"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v, sub := full(t, fmt.Sprintf("Vendor %d", i))
				tt.setup(t, v)
				before := childRows(t, v.ID)
				for table, n := range before {
					if n == 0 {
						t.Fatalf("fixture has no %s rows", table)
					}
				}
				err := e.svc.Delete(e.ctx, v.ID, tt.ifMatch)
				if tt.kind != 0 {
					assertKind(t, err, tt.kind)
					if !strings.Contains(err.Error(), tt.message) {
						t.Errorf("err = %q, want it to name %q", err, tt.message)
					}
					if _, err := e.svc.Get(e.ctx, v.ID); err != nil {
						t.Fatalf("refused delete removed the vendor: %v", err)
					}
					if after := childRows(t, v.ID); fmt.Sprint(after) != fmt.Sprint(before) {
						t.Fatalf("refused delete changed child rows: %v, was %v", after, before)
					}
					return
				}
				if err != nil {
					t.Fatalf("Delete: %v", err)
				}
				assertKind(t, func() error { _, err := e.svc.Get(e.ctx, v.ID); return err }(), domain.KindNotFound)
				for table, n := range childRows(t, v.ID) {
					if n != 0 {
						t.Errorf("%d %s rows outlived the vendor", n, table)
					}
				}
				if _, err := e.svc.Get(e.ctx, sub.ID); err != nil {
					t.Fatalf("the subcontractor itself must stay: %v", err)
				}
			})
		}
		t.Run("unknown vendor", func(t *testing.T) {
			assertKind(t, e.svc.Delete(e.ctx, domain.NewID(), nil), domain.KindNotFound)
			if err := e.repo.Delete(e.ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("repo.Delete(unknown) = %v, want ErrNotFound", err)
			}
		})
		t.Run("the database itself refuses to orphan references", func(t *testing.T) {
			for _, ref := range []string{"link", "key"} {
				v := e.create(t, register.Vendor{Name: "Referenced by " + ref})
				if ref == "link" {
					parent := e.create(t, register.Vendor{Name: "Parent"})
					if _, err := e.svc.AddSubcontractor(e.ctx, parent.ID, register.Subcontractor{SubcontractorID: v.ID, Service: "x"}); err != nil {
						t.Fatal(err)
					}
				} else if err := keys.Create(e.ctx, supplierKey(v.ID)); err != nil {
					t.Fatal(err)
				}
				refs, err := e.repo.ReferencedBy(e.ctx, v.ID)
				if err != nil || len(refs) != 1 {
					t.Fatalf("ReferencedBy = %q, %v; want one reference", refs, err)
				}
				if err := e.repo.Delete(e.ctx, v.ID); !errors.Is(err, domain.ErrReferenced) {
					t.Fatalf("repo.Delete of a vendor referenced by a %s = %v, want ErrReferenced", ref, err)
				}
			}
		})
	})
}
