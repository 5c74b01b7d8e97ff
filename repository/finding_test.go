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

// date is a calendar day in UTC, as the repository reads next_due back.
func date(t *testing.T, s string) *time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

// TestFindingRepositoryPriorityByNextDue: equal priorities are ordered by next_due (findings without one
// last), then id; keyset pages with finding.PriorityKey cursors return every row exactly once.
func TestFindingRepositoryPriorityByNextDue(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		repo := repository.NewFindings(db)
		ctx := t.Context()
		vID, engID := e.engagementOf(t, "Finding Due Order KK")

		// Ties on purpose: three 12s due the same day, two 12s and a 4 without a date, two 4s due the same day.
		specs := []struct {
			priority int
			due      string // "" for none
		}{
			{12, "2025-05-01"}, {12, ""}, {12, "2025-04-15"}, {12, "2025-05-01"}, {9, "2025-04-02"}, {12, "2025-05-01"},
			{12, ""}, {9, ""}, {9, "2025-04-01"}, {16, ""}, {16, "2026-01-01"}, {4, "2025-04-15"}, {4, ""},
			{4, "2025-04-15"}, {1, "2024-12-31"}, {9, "2030-06-30"},
		}
		var all []finding.Stored
		for i, s := range specs {
			f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engID, VendorID: vID,
				QuestionKey: fmt.Sprintf("due%d", i), Title: "Due " + strconv.Itoa(i), Severity: domain.SeverityHigh,
				Status: finding.StatusRemediationPlanned, Source: finding.SourceAssessment, Version: 1, CreatedAt: start,
				UpdatedAt: start, EvidenceIDs: []string{}, ControlRefs: []string{}}, Priority: s.priority}
			if s.due != "" {
				f.NextDue = date(t, s.due)
			}
			if err := repo.Create(ctx, f); err != nil {
				t.Fatal(err)
			}
			all = append(all, f)
		}
		// next_due reads back as the day it was written, or nil.
		for _, f := range all {
			got, err := repo.Get(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertSameFinding(t, got, f)
		}

		noDue := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		dueOf := func(f finding.Stored) time.Time {
			if f.NextDue == nil {
				return noDue
			}
			return *f.NextDue
		}
		want := slices.Clone(all)
		slices.SortFunc(want, func(a, b finding.Stored) int {
			if a.Priority != b.Priority {
				return b.Priority - a.Priority
			}
			if c := dueOf(a).Compare(dueOf(b)); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		wantIDs := make([]string, len(want))
		for i, f := range want {
			wantIDs[i] = f.ID
		}

		for _, size := range []int{1, 2, 3, 4, 5, 7, len(all) - 1, len(all), len(all) + 1} {
			t.Run(fmt.Sprintf("pages of %d", size), func(t *testing.T) {
				var got []finding.Stored
				var after *domain.Cursor
				for range len(all) + 2 {
					rows, err := repo.List(ctx, finding.Filter{Sort: "priority", After: after, Limit: size})
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, rows...)
					if len(rows) < size {
						break
					}
					last := rows[len(rows)-1]
					after = &domain.Cursor{Sort: "priority", Value: finding.PriorityKey(last), ID: last.ID}
				}
				gotIDs := make([]string, len(got))
				seen := map[string]int{}
				for i, f := range got {
					gotIDs[i] = f.ID
					seen[f.ID]++
				}
				for _, f := range all {
					if seen[f.ID] != 1 {
						t.Errorf("finding %d/%v listed %d times", f.Priority, f.NextDue, seen[f.ID])
					}
				}
				if !slices.Equal(gotIDs, wantIDs) {
					for i := range max(len(got), len(want)) {
						var g, w string
						if i < len(got) {
							g = finding.PriorityKey(got[i]) + " " + got[i].ID
						}
						if i < len(want) {
							w = finding.PriorityKey(want[i]) + " " + want[i].ID
						}
						t.Logf("%2d got %-50s want %s", i, g, w)
					}
					t.Errorf("priority paging by %d differs from priority DESC, next_due ASC (none last), id ASC", size)
				}
			})
		}
	})
}

// TestFindingRepositoryOverdue: the overdue filter keeps unfinished findings whose next_due is before
// Today; due today, no due date, closed and risk_accepted are left out.
func TestFindingRepositoryOverdue(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		repo := repository.NewFindings(db)
		ctx := t.Context()
		v1, eng1 := e.engagementOf(t, "Finding Overdue One KK")
		v2, eng2 := e.engagementOf(t, "Finding Overdue Two KK")

		rows := []struct {
			name     string
			status   finding.Status
			due      string
			other    bool // the second vendor's
			priority int
		}{
			{"open due yesterday", finding.StatusOpen, "2025-04-09", false, 9},
			{"open due long ago", finding.StatusOpen, "2024-12-31", false, 4},
			{"planned past due", finding.StatusRemediationPlanned, "2025-04-01", false, 12},
			{"in progress past due", finding.StatusInProgress, "2025-04-09", false, 12},
			{"resolved past due", finding.StatusResolved, "2025-03-01", false, 2},
			{"other vendor past due", finding.StatusOpen, "2025-04-08", true, 16},
			{"open due today", finding.StatusOpen, "2025-04-10", false, 9},
			{"in progress due today", finding.StatusInProgress, "2025-04-10", true, 6},
			{"open due tomorrow", finding.StatusOpen, "2025-04-11", false, 9},
			{"closed past due", finding.StatusClosed, "2025-04-01", false, 16},
			{"risk accepted past due", finding.StatusRiskAccepted, "2025-04-01", false, 16},
			{"open without due", finding.StatusOpen, "", false, 16},
			{"in progress without due", finding.StatusInProgress, "", true, 3},
		}
		names := map[string]string{}
		var all []finding.Stored
		for i, r := range rows {
			eng, ven := eng1, v1
			if r.other {
				eng, ven = eng2, v2
			}
			f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: eng, VendorID: ven,
				QuestionKey: fmt.Sprintf("od%d", i), Title: r.name, Severity: domain.SeverityMedium, Status: r.status,
				Source: finding.SourceAssessment, Version: 1, CreatedAt: start, UpdatedAt: start,
				EvidenceIDs: []string{}, ControlRefs: []string{}}, Priority: r.priority}
			if r.due != "" {
				f.NextDue = date(t, r.due)
			}
			if r.status.Closed() {
				closed := start
				f.ClosedAt = &closed
			}
			if err := repo.Create(ctx, f); err != nil {
				t.Fatal(err)
			}
			names[f.ID] = r.name
			all = append(all, f)
		}
		named := func(ids []string) []string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = names[id]
			}
			return out
		}
		list := func(t *testing.T, f finding.Filter) []string {
			t.Helper()
			var out []string
			var after *domain.Cursor
			for range 20 {
				f.After, f.Limit = after, 2
				page, err := repo.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page {
					out = append(out, it.ID)
				}
				if len(page) < 2 {
					break
				}
				last := page[len(page)-1]
				after = &domain.Cursor{Sort: f.Sort, ID: last.ID}
				if f.Sort == "priority" {
					after.Value = finding.PriorityKey(last)
				}
			}
			return out
		}

		apr10 := *date(t, "2025-04-10")
		tests := []struct {
			name   string
			filter finding.Filter
			want   []string
		}{
			{"today 2025-04-10", finding.Filter{Overdue: true, Today: apr10}, []string{"open due yesterday", "open due long ago",
				"planned past due", "in progress past due", "resolved past due", "other vendor past due"}},
			{"today 2025-04-11: due 04-10 is late now", finding.Filter{Overdue: true, Today: apr10.AddDate(0, 0, 1)},
				[]string{"open due yesterday", "open due long ago", "planned past due", "in progress past due", "resolved past due",
					"other vendor past due", "open due today", "in progress due today"}},
			{"today 2025-03-01: only the one from 2024", finding.Filter{Overdue: true, Today: *date(t, "2025-03-01")},
				[]string{"open due long ago"}},
			{"with the vendor filter", finding.Filter{Overdue: true, Today: apr10, VendorID: v2}, []string{"other vendor past due"}},
			{"with the status filter", finding.Filter{Overdue: true, Today: apr10, Status: finding.StatusInProgress},
				[]string{"in progress past due"}},
			{"with open only", finding.Filter{Overdue: true, OpenOnly: true, Today: apr10}, []string{"open due yesterday",
				"open due long ago", "planned past due", "in progress past due", "resolved past due", "other vendor past due"}},
			{"priority order", finding.Filter{Overdue: true, Today: apr10, Sort: "priority"}, []string{"other vendor past due",
				"planned past due", "in progress past due", "open due yesterday", "open due long ago", "resolved past due"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got := named(list(t, tc.filter))
				want := tc.want
				if tc.filter.Sort != "priority" { // id order: compare as sets, the ids decide the order
					slices.Sort(got)
					want = slices.Clone(want)
					slices.Sort(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("overdue list\n got %q\nwant %q", got, want)
				}
				// The repository agrees with Finding.Overdue at any time of that day.
				if tc.filter.Sort == "" && tc.filter.VendorID == "" && tc.filter.Status == "" {
					var byDomain []string
					for _, f := range all {
						if f.Overdue(tc.filter.Today.Add(23*time.Hour + 59*time.Minute)) {
							byDomain = append(byDomain, names[f.ID])
						}
					}
					slices.Sort(byDomain)
					if !slices.Equal(got, byDomain) {
						t.Errorf("repository %q, Finding.Overdue %q", got, byDomain)
					}
				}
			})
		}
		// Without the flag nothing is filtered by date.
		if got := list(t, finding.Filter{Today: apr10}); len(got) != len(rows) {
			t.Errorf("without overdue: %d findings, want %d", len(got), len(rows))
		}
	})
}

// TestFindingNextDueBackfill: migration 8 fills next_due of the findings that existed before it from
// their open or in-progress remediation items, and findings without such an item get none. A closed or
// risk-accepted finding keeps the date of its pending items, as the application keeps it (finding.NextDue:
// "kept while the finding is closed, so that a reopened finding is due again at once"). The backfilled
// values order and filter like the ones the application writes.
func TestFindingNextDueBackfill(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		repo := repository.NewFindings(db)
		ctx := t.Context()
		vID, engID := e.engagementOf(t, "Finding Backfill KK")

		type item struct {
			status finding.RemediationStatus
			due    string
		}
		rows := []struct {
			name   string
			status finding.Status
			items  []item
			want   string // "" for none
		}{
			{"open, mixed items", finding.StatusInProgress, []item{{finding.RemOpen, "2025-05-10"}, {finding.RemInProgress, "2025-04-20"},
				{finding.RemDone, "2025-04-01"}, {finding.RemVerified, "2025-03-01"}}, "2025-04-20"},
			{"planned, one item", finding.StatusRemediationPlanned, []item{{finding.RemOpen, "2025-06-30"}}, "2025-06-30"},
			{"resolved, items done", finding.StatusResolved, []item{{finding.RemDone, "2025-04-01"}, {finding.RemVerified, "2025-04-02"}}, ""},
			{"closed, item still open", finding.StatusClosed, []item{{finding.RemOpen, "2025-04-01"}}, "2025-04-01"},
			{"risk accepted, item still open", finding.StatusRiskAccepted, []item{{finding.RemInProgress, "2025-04-01"}}, "2025-04-01"},
			{"open, no items", finding.StatusOpen, nil, ""},
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engID, VendorID: vID,
				QuestionKey: fmt.Sprintf("bf%d", i), Title: r.name, Severity: domain.SeverityHigh, Status: r.status,
				Source: finding.SourceAssessment, Version: 1, CreatedAt: start, UpdatedAt: start,
				EvidenceIDs: []string{}, ControlRefs: []string{}}, Priority: 9}
			if err := repo.Create(ctx, f); err != nil {
				t.Fatal(err)
			}
			for _, it := range r.items {
				if err := repo.CreateRemediation(ctx, finding.Remediation{ID: domain.NewID(), FindingID: f.ID, VendorID: vID,
					Type: "corrective", Owner: "supplier", Description: r.name, DueDate: *date(t, it.due), Status: it.status,
					Version: 1, CreatedAt: start, UpdatedAt: start}); err != nil {
					t.Fatal(err)
				}
			}
			ids[i] = f.ID
		}

		// Back to before next_due existed, and up again: the migration computes it.
		m, err := repository.NewMigrator(db)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.DownTo(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			got, err := repo.Get(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			var want *time.Time
			if r.want != "" {
				want = date(t, r.want)
			}
			if !sameTime(got.NextDue, want) {
				t.Errorf("%s: next_due %v after the migration, want %v", r.name, got.NextDue, want)
			}
		}

		// Equal priorities: by the backfilled date, then the ones without; overdue compares with it too.
		list, err := repo.List(ctx, finding.Filter{Sort: "priority", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range list {
			got = append(got, f.Title)
		}
		order := make([]int, len(rows))
		for i := range order {
			order[i] = i
		}
		key := func(i int) string { // the due day ("9999" when none), then the id
			d := "9999-12-31"
			if rows[i].want != "" {
				d = rows[i].want
			}
			return d + " " + ids[i]
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(key(a), key(b)) })
		var want []string
		for _, i := range order {
			want = append(want, rows[i].name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("priority order after the backfill\n got %q\nwant %q", got, want)
		}
		over, err := repo.List(ctx, finding.Filter{Overdue: true, Today: *date(t, "2025-05-01"), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(over) != 1 || over[0].ID != ids[0] {
			t.Errorf("overdue on 2025-05-01 after the backfill: %d findings, want only %q", len(over), rows[0].name)
		}
	})
}

// RemediationsOf reads the items of several findings at once, each finding's in creation order, and
// nothing of findings not asked for.
func TestFindingRemediationsOf(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		repo := repository.NewFindings(db)
		ctx := t.Context()
		vID, engID := e.engagementOf(t, "Remediations Of KK")
		items := map[string][]string{} // finding id → item ids in creation order
		var findings []string
		for i, n := range []int{2, 0, 3, 1} {
			f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engID, VendorID: vID,
				QuestionKey: fmt.Sprintf("ro%d", i), Title: "t", Severity: domain.SeverityLow, Status: finding.StatusOpen,
				Source: finding.SourceAssessment, Version: 1, CreatedAt: start, UpdatedAt: start,
				EvidenceIDs: []string{}, ControlRefs: []string{}}, Priority: 1}
			if err := repo.Create(ctx, f); err != nil {
				t.Fatal(err)
			}
			findings = append(findings, f.ID)
			for range n {
				id := domain.NewID()
				if err := repo.CreateRemediation(ctx, finding.Remediation{ID: id, FindingID: f.ID, VendorID: vID,
					Type: "corrective", Owner: "supplier", Description: "d", DueDate: *date(t, "2025-06-30"), Status: finding.RemOpen,
					Version: 1, CreatedAt: start, UpdatedAt: start}); err != nil {
					t.Fatal(err)
				}
				items[f.ID] = append(items[f.ID], id)
			}
		}
		asked := []string{findings[0], findings[1], findings[2]} // not findings[3]
		got, err := repo.RemediationsOf(ctx, asked)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Errorf("items of %d findings, want 2 (the one without items and the one not asked for are absent)", len(got))
		}
		for _, f := range asked {
			var ids []string
			for _, r := range got[f] {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, items[f]) {
				t.Errorf("finding %s: items %v, want %v", f, ids, items[f])
			}
		}
		if none, err := repo.RemediationsOf(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("no findings: %v, %v", none, err)
		}
	})
}
