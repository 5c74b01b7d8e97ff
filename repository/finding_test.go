package repository_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

func assertSameFinding(t *testing.T, got, want finding.Stored) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("finding\n%+v\nwant\n%+v", got, want)
	}
}

func TestFindingRepositoryRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		repo := repository.NewFindings(db)
		ctx := t.Context()
		vID, engID := e.engagementOf(t, "Finding Round Trip KK")

		closed := start.Add(72 * time.Hour)
		f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engID, VendorID: vID,
			AssessmentID: domain.NewID(), QuestionKey: "mfa_enforced", Title: "MFA 多要素 \"enforced\"?\nline 2", Answer: "partial, none",
			ScoreBP: 5000, EvidenceIDs: []string{domain.NewID(), domain.NewID()}, ControlRefs: []string{"ISO27001:A.5.17", "NIST:IA-2"},
			ThreatCategory: "internal_error", Severity: domain.SeverityCritical, Status: finding.StatusRemediationPlanned,
			Source: finding.SourceAssessment, InternalNotes: "内部メモ 100%", SupplierResponse: "We'll fix it",
			Version: 1, CreatedAt: start, UpdatedAt: start.Add(time.Hour), ClosedAt: &closed}, Priority: 16}
		if err := repo.Create(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertSameFinding(t, got, f)
		if got, err = repo.GetForUpdate(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		assertSameFinding(t, got, f)

		// Empty slices and no closed_at survive too (read back as empty, not nil).
		m := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engID, VendorID: vID, Title: "Manual",
			Severity: domain.SeverityLow, Status: finding.StatusOpen, Source: finding.SourceManual, Version: 1,
			CreatedAt: start, UpdatedAt: start}, Priority: 1}
		if err := repo.Create(ctx, m); err != nil {
			t.Fatal(err)
		}
		gm, err := repo.Get(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if gm.EvidenceIDs == nil || len(gm.EvidenceIDs) != 0 || gm.ControlRefs == nil || len(gm.ControlRefs) != 0 || gm.ClosedAt != nil {
			t.Errorf("manual finding read back as %+v", gm)
		}
		m.EvidenceIDs, m.ControlRefs = []string{}, []string{}
		assertSameFinding(t, gm, m)

		// Update every mutable field.
		u := f
		u.AssessmentID, u.Title, u.Answer, u.ScoreBP = domain.NewID(), "Changed", "no", 0
		u.EvidenceIDs, u.ControlRefs, u.ThreatCategory = []string{}, []string{"X-1"}, "accidental"
		u.Severity, u.Priority, u.Status, u.ClosedAt = domain.SeverityMedium, 4, finding.StatusOpen, nil
		u.InternalNotes, u.SupplierResponse, u.Version, u.UpdatedAt = "n2", "r2", 2, start.Add(5*time.Hour)
		if err := repo.Update(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err = repo.Get(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertSameFinding(t, got, u)

		// Immutable columns are not rewritten by Update.
		w := u
		w.Version, w.EngagementID, w.VendorID, w.QuestionKey, w.Source, w.CreatedAt = 3, domain.NewID(), domain.NewID(), "other", finding.SourceManual, start.Add(time.Hour)
		if err := repo.Update(ctx, w); err != nil {
			t.Fatal(err)
		}
		got, _ = repo.Get(ctx, f.ID)
		if got.EngagementID != engID || got.VendorID != vID || got.QuestionKey != "mfa_enforced" || got.Source != finding.SourceAssessment ||
			!got.CreatedAt.Equal(start) || got.Version != 3 {
			t.Errorf("update rewrote immutable columns: %+v", got)
		}

		// A stale version changes nothing.
		stale := got
		stale.Title = "lost"
		if err := repo.Update(ctx, stale); !errors.Is(err, domain.ErrStaleVersion) { // version 3 again: stored is 3, not 2
			t.Errorf("stale update: err = %v, want ErrStaleVersion", err)
		}
		stale.Version = 9
		if err := repo.Update(ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
			t.Errorf("future version update: err = %v, want ErrStaleVersion", err)
		}
		if again, _ := repo.Get(ctx, f.ID); again.Title != "Changed" || again.Version != 3 {
			t.Errorf("after stale updates: %+v", again)
		}
		missing := u
		missing.ID = domain.NewID()
		if err := repo.Update(ctx, missing); err == nil {
			t.Error("update of a missing finding succeeded")
		}
		if _, err := repo.Get(ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("get missing: err = %v, want ErrNotFound", err)
		}

		// ByQuestion.
		bq, err := repo.ByQuestion(ctx, engID, "mfa_enforced")
		if err != nil || bq.ID != f.ID {
			t.Errorf("ByQuestion = %s, %v; want %s", bq.ID, err, f.ID)
		}
		if _, err := repo.ByQuestion(ctx, engID, "unknown"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ByQuestion unknown key: err = %v", err)
		}
		_, otherEng := e.engagementOf(t, "Finding Other KK")
		if _, err := repo.ByQuestion(ctx, otherEng, "mfa_enforced"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ByQuestion other engagement: err = %v", err)
		}
	})
}

func TestFindingRepositoryList(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		repo := repository.NewFindings(db)
		ctx := t.Context()
		v1, eng1 := e.engagementOf(t, "Finding List One KK")
		v2, eng2 := e.engagementOf(t, "Finding List Two KK")

		statuses := []finding.Status{finding.StatusOpen, finding.StatusInProgress, finding.StatusClosed, finding.StatusRiskAccepted, finding.StatusResolved}
		priorities := []int{16, 12, 12, 9, 4, 4, 4, 1, 12, 6, 16, 2, 3}
		var all []finding.Stored
		for i, p := range priorities {
			eng, ven := eng1, v1
			if i%3 == 2 {
				eng, ven = eng2, v2
			}
			f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: eng, VendorID: ven,
				QuestionKey: fmt.Sprintf("q%d", i), Title: "F" + strconv.Itoa(i), Severity: domain.Severities[i%4],
				Status: statuses[i%len(statuses)], Source: finding.SourceAssessment, Version: 1, CreatedAt: start, UpdatedAt: start,
				EvidenceIDs: []string{}, ControlRefs: []string{}}, Priority: p}
			if err := repo.Create(ctx, f); err != nil {
				t.Fatal(err)
			}
			all = append(all, f)
		}
		ids := func(fs []finding.Stored) []string {
			out := make([]string, len(fs))
			for i, f := range fs {
				out[i] = f.ID
			}
			return out
		}
		want := func(keep func(finding.Stored) bool) []string {
			var out []string
			for _, f := range all {
				if keep(f) {
					out = append(out, f.ID)
				}
			}
			slices.Sort(out)
			return out
		}
		list := func(f finding.Filter) []string {
			t.Helper()
			if f.Limit == 0 {
				f.Limit = 100
			}
			rows, err := repo.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return ids(rows)
		}
		check := func(name string, f finding.Filter, keep func(finding.Stored) bool) {
			t.Helper()
			if got, w := list(f), want(keep); !slices.Equal(got, w) {
				t.Errorf("%s: got %v, want %v", name, got, w)
			}
		}
		check("all", finding.Filter{}, func(finding.Stored) bool { return true })
		check("engagement", finding.Filter{EngagementID: eng2}, func(f finding.Stored) bool { return f.EngagementID == eng2 })
		check("vendor", finding.Filter{VendorID: v1}, func(f finding.Stored) bool { return f.VendorID == v1 })
		check("status", finding.Filter{Status: finding.StatusInProgress}, func(f finding.Stored) bool { return f.Status == finding.StatusInProgress })
		check("severity", finding.Filter{Severity: domain.SeverityHigh}, func(f finding.Stored) bool { return f.Severity == domain.SeverityHigh })
		check("open only", finding.Filter{OpenOnly: true}, func(f finding.Stored) bool { return !f.Status.Closed() })
		check("combined", finding.Filter{VendorID: v1, OpenOnly: true, Severity: domain.SeverityCritical}, func(f finding.Stored) bool {
			return f.VendorID == v1 && !f.Status.Closed() && f.Severity == domain.SeverityCritical
		})
		check("none", finding.Filter{EngagementID: domain.NewID()}, func(finding.Stored) bool { return false })

		// id-order keyset paging.
		var paged []string
		var after *domain.Cursor
		for range 20 {
			rows, err := repo.List(ctx, finding.Filter{After: after, Limit: 4})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, ids(rows)...)
			if len(rows) < 4 {
				break
			}
			after = &domain.Cursor{Sort: "created_at", ID: rows[len(rows)-1].ID}
		}
		if w := want(func(finding.Stored) bool { return true }); !slices.Equal(paged, w) {
			t.Errorf("id paging: %v, want %v", paged, w)
		}

		// Priority order: priority desc, id asc, every row once over pages of every size.
		byPriority := slices.Clone(all)
		slices.SortFunc(byPriority, func(a, b finding.Stored) int {
			if a.Priority != b.Priority {
				return b.Priority - a.Priority
			}
			if a.ID < b.ID {
				return -1
			}
			return 1
		})
		wantOrder := ids(byPriority)
		if got := list(finding.Filter{Sort: "priority"}); !slices.Equal(got, wantOrder) {
			t.Errorf("priority order: %v, want %v", got, wantOrder)
		}
		for _, size := range []int{1, 2, 3, 5, 13} {
			var got []string
			var after *domain.Cursor
			for range 30 {
				rows, err := repo.List(ctx, finding.Filter{Sort: "priority", After: after, Limit: size})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(rows)...)
				if len(rows) < size {
					break
				}
				last := rows[len(rows)-1]
				after = &domain.Cursor{Sort: "priority", Value: finding.PriorityKey(last), ID: last.ID}
			}
			if !slices.Equal(got, wantOrder) {
				t.Errorf("priority paging by %d: %v, want %v", size, got, wantOrder)
			}
		}
		// Filters combine with the priority keyset.
		var open []string
		for _, f := range byPriority {
			if !f.Status.Closed() && f.VendorID == v1 {
				open = append(open, f.ID)
			}
		}
		var got []string
		after = nil
		for range 30 {
			rows, err := repo.List(ctx, finding.Filter{Sort: "priority", VendorID: v1, OpenOnly: true, After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(rows)...)
			if len(rows) < 2 {
				break
			}
			last := rows[len(rows)-1]
			after = &domain.Cursor{Sort: "priority", Value: finding.PriorityKey(last), ID: last.ID}
		}
		if !slices.Equal(got, open) {
			t.Errorf("filtered priority paging: %v, want %v", got, open)
		}
	})
}
