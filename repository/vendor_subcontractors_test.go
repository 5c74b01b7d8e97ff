package repository_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func TestSubcontractorLinks(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newVendorEnv(t, db)
		vs := map[string]register.Vendor{}
		for _, n := range []string{"A", "B", "C", "D"} {
			vs[n] = e.create(t, register.Vendor{Name: "Vendor " + n})
		}
		links := map[string]string{} // "A->B" -> link id
		link := func(from, to string) func() error {
			return func() error {
				sc, err := e.svc.AddSubcontractor(e.ctx, vs[from].ID, register.Subcontractor{SubcontractorID: vs[to].ID, Service: "hosting", HandlesOurData: true})
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
				_, err := e.svc.AddSubcontractor(e.ctx, vs["A"].ID, register.Subcontractor{SubcontractorID: domain.NewID(), Service: "x"})
				return err
			}, domain.KindInvalid, []string{"subcontractor_id"}, 4},
			{"subcontractor id not an id", func() error {
				_, err := e.svc.AddSubcontractor(e.ctx, vs["A"].ID, register.Subcontractor{SubcontractorID: "Vendor B", Service: "x"})
				return err
			}, domain.KindInvalid, []string{"subcontractor_id"}, 4},
			{"unknown vendor", func() error {
				_, err := e.svc.AddSubcontractor(e.ctx, domain.NewID(), register.Subcontractor{SubcontractorID: vs["A"].ID, Service: "x"})
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
			err := e.repo.CreateSubcontractor(e.ctx, register.Subcontractor{ID: domain.NewID(), VendorID: vs["D"].ID,
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
			a := e.create(t, register.Vendor{Name: fmt.Sprintf("A%d", round)})
			b := e.create(t, register.Vendor{Name: fmt.Sprintf("B%d", round)})
			pairs := [][2]string{{a.ID, b.ID}, {b.ID, a.ID}}
			errs := make([]error, len(pairs))
			var ready, wg sync.WaitGroup
			startGun := make(chan struct{})
			for i, p := range pairs {
				ready.Add(1)
				wg.Go(func() {
					ready.Done()
					<-startGun
					_, errs[i] = e.svc.AddSubcontractor(e.ctx, p[0], register.Subcontractor{SubcontractorID: p[1], Service: "race"})
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
