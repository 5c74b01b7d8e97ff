package repository_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/domain/sweep"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestLeases: a live lease belongs to its holder (who may renew it); another holder gets it only
// after it expires or is released; names are independent.
func TestLeases(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		l := repository.NewLeases(db)
		ctx := t.Context()
		t0 := start // 09:30:15.123456
		claim := func(name, holder string, now, until time.Time) bool {
			t.Helper()
			ok, err := l.Claim(ctx, name, holder, now, until)
			if err != nil {
				t.Fatalf("Claim(%s, %s): %v", name, holder, err)
			}
			return ok
		}
		steps := []struct {
			name   string
			lease  string
			holder string
			now    time.Time
			until  time.Time
			want   bool
		}{
			{"a free lease is taken", "sweep", "a", t0, t0.Add(10 * time.Minute), true},
			{"another holder cannot take a live lease", "sweep", "b", t0.Add(time.Minute), t0.Add(11 * time.Minute), false},
			{"the holder renews it", "sweep", "a", t0.Add(time.Minute), t0.Add(11 * time.Minute), true},
			{"the holder renews it with the same expiry (no row changes)", "sweep", "a", t0.Add(time.Minute), t0.Add(11 * time.Minute), true},
			{"still live a whole second before its expiry", "sweep", "b", t0.Add(11 * time.Minute).Truncate(time.Second), t0.Add(20 * time.Minute), false},
			{"still live at its expiry instant", "sweep", "b", t0.Add(11 * time.Minute), t0.Add(20 * time.Minute), false},
			{"taken a microsecond after its expiry", "sweep", "b", t0.Add(11*time.Minute + time.Microsecond), t0.Add(20 * time.Minute), true},
			{"the former holder has lost it", "sweep", "a", t0.Add(12 * time.Minute), t0.Add(22 * time.Minute), false},
			{"another name is independent", "other", "a", t0.Add(12 * time.Minute), t0.Add(22 * time.Minute), true},
		}
		for _, s := range steps {
			if got := claim(s.lease, s.holder, s.now, s.until); got != s.want {
				t.Fatalf("%s: Claim(%s, %s) = %v, want %v", s.name, s.lease, s.holder, got, s.want)
			}
		}
		// A release by someone else frees nothing; the holder's release frees it at once.
		if err := l.Release(ctx, "sweep", "a"); err != nil {
			t.Fatal(err)
		}
		if claim("sweep", "c", t0.Add(13*time.Minute), t0.Add(23*time.Minute)) {
			t.Fatal("c took the lease b holds after a released it")
		}
		if err := l.Release(ctx, "sweep", "b"); err != nil {
			t.Fatal(err)
		}
		if !claim("sweep", "c", t0.Add(13*time.Minute), t0.Add(23*time.Minute)) {
			t.Fatal("c could not take the lease b released")
		}
		if n := count(t, db, "SELECT COUNT(*) FROM job_leases WHERE name = ? AND holder = ?", "sweep", "c"); n != 1 {
			t.Errorf("%d rows for sweep held by c, want 1", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM job_leases WHERE name = ? AND holder = ?", "other", "a"); n != 1 {
			t.Errorf("%d rows for other held by a, want 1", n)
		}
	})
}

// TestLeaseConcurrentClaims: holders racing for a lease, new or expired, leave exactly one winner.
func TestLeaseConcurrentClaims(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		l := repository.NewLeases(db)
		// An expired lease of a crashed replica.
		if ok, err := l.Claim(t.Context(), "expired", "crashed", start.Add(-time.Hour), start.Add(-time.Minute)); err != nil || !ok {
			t.Fatalf("seed the expired lease: %v %v", ok, err)
		}
		for _, name := range []string{"new", "expired"} {
			for round := range 5 {
				lease := name
				if name == "new" {
					lease = fmt.Sprintf("new-%d", round)
				}
				now := start.Add(time.Duration(round) * time.Hour) // each round the previous winner's lease has expired
				const workers = 8
				var (
					wg      sync.WaitGroup
					gate    = make(chan struct{})
					mu      sync.Mutex
					winners []string
					errs    []error
				)
				for i := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						holder := fmt.Sprintf("replica-%d-%d", round, i)
						<-gate
						ok, err := l.Claim(t.Context(), lease, holder, now, now.Add(10*time.Minute))
						mu.Lock()
						defer mu.Unlock()
						if err != nil {
							errs = append(errs, err)
						}
						if ok {
							winners = append(winners, holder)
						}
					}()
				}
				close(gate)
				wg.Wait()
				if len(errs) > 0 || len(winners) != 1 {
					t.Fatalf("%s round %d: winners %q, errors %v; want exactly one winner and no error", lease, round, winners, errs)
				}
				if n := count(t, db, "SELECT COUNT(*) FROM job_leases WHERE name = ? AND holder = ?", lease, winners[0]); n != 1 {
					t.Errorf("%s round %d: the stored holder is not the winner %s", lease, round, winners[0])
				}
			}
		}
	})
}

// decisionFixture stores a decision with every part filled.
func decisionFixture(engagementID, vendorID string, status decision.Status) decision.Decision {
	approved := start.Add(2 * time.Hour)
	met := start.Add(3 * time.Hour)
	until := day(2026, 4, 1)
	bp := 6400
	return decision.Decision{ID: domain.NewID(), EngagementID: engagementID, VendorID: vendorID, Purpose: "給与計算 payroll \"FY2026\"",
		Status: status, RequestedBy: decision.Person{KeyID: domain.NewID(), Name: "Procurement"}, RequiredApprovals: 2,
		Snapshot: decision.Inputs{EngagementID: engagementID, VendorID: vendorID, EffectiveTier: risk.Tier1Critical, InherentScore: 78,
			AssessmentID: domain.NewID(), ControlScoreBP: &bp, Residual: &risk.Residual{Version: "v1", InherentScore: 78, ControlScoreBP: 6400,
				Level: risk.LevelHigh, Explanation: []string{"x"}, LikelihoodBands: []int{1, 2}},
			OpenFindings: map[domain.Severity]int{domain.SeverityHigh: 2},
			ContractGaps: []decision.ContractGap{{ContractID: domain.NewID(), ClauseType: contract.ClauseTypes[0], Problem: "missing",
				Severity: domain.SeverityHigh}},
			ValidCerts:   []decision.Certification{{ID: domain.NewID(), Name: "ISO/IEC 27001", ValidUntil: day(2026, 1, 1)}},
			ExpiredCerts: []decision.Certification{}, NextReviewOn: &until, RequiredApprovals: 2, ReassessmentMonths: 12, PolicyVersion: 3},
		Approvals: []decision.Approval{{By: decision.Person{KeyID: domain.NewID(), Name: "RO 1"}, At: approved, Comment: "ok"}},
		Conditions: []decision.Condition{{ID: domain.NewID(), Kind: decision.ConditionRemediation, RemediationID: domain.NewID(),
			Description: "Enforce MFA", DueDate: day(2025, 5, 1), SetBy: decision.Person{KeyID: "k", Name: "RO 1"}, MetAt: &met}},
		ApprovedAt: &approved, ApprovedLevel: risk.LevelHigh, ValidUntil: &until,
		Version: 1, CreatedAt: start, UpdatedAt: start.Add(time.Hour)}
}

// TestDecisionRepository: a decision round-trips whole; updates are optimistic; lists filter and page.
func TestDecisionRepository(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		eng := engagementFor(t, db, ve, "Decided")
		other := engagementFor(t, db, ve, "Other decided")
		repo := repository.NewDecisions(db)
		ctx := t.Context()

		d := decisionFixture(eng, "v", decision.StatusPending)
		if err := repo.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		for name, get := range map[string]func() (decision.Decision, error){
			"Get":          func() (decision.Decision, error) { return repo.Get(ctx, d.ID) },
			"GetForUpdate": func() (decision.Decision, error) { return repo.GetForUpdate(ctx, d.ID) },
			"Pending":      func() (decision.Decision, error) { return repo.Pending(ctx, eng) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got, d) {
				t.Errorf("%s:\n%+v\nwant\n%+v", name, got, d)
			}
		}
		if _, err := repo.Get(ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get unknown: %v, want ErrNotFound", err)
		}
		if _, err := repo.Pending(ctx, other); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Pending of another engagement: %v, want ErrNotFound", err)
		}
		// A decision of an engagement that does not exist is refused by the foreign key.
		if err := repo.Create(ctx, decisionFixture(domain.NewID(), "v", decision.StatusPending)); err == nil {
			t.Error("a decision of an unknown engagement was stored")
		}

		// Optimistic update: only from the stored version.
		stale := d
		stale.Version = 3
		if err := repo.Update(ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
			t.Fatalf("update from a stale version: %v, want ErrStaleVersion", err)
		}
		next := d
		next.Version, next.Status, next.UpdatedAt = 2, decision.StatusNeedsReview, start.Add(5*time.Hour)
		next.Lapse = &decision.Lapse{At: start.Add(5 * time.Hour), Reasons: []string{"a", "b"}}
		if err := repo.Update(ctx, next); err != nil {
			t.Fatal(err)
		}
		if err := repo.Update(ctx, next); !errors.Is(err, domain.ErrStaleVersion) {
			t.Fatalf("the same update twice: %v, want ErrStaleVersion", err)
		}
		got, err := repo.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, next) {
			t.Errorf("after update:\n%+v\nwant\n%+v", got, next)
		}
		if _, err := repo.Pending(ctx, eng); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Pending after the status moved on: %v", err)
		}

		// Lists: by status and engagement, in id order, paged by id.
		var ids []string
		for i := range 5 {
			st := decision.StatusApproved
			e := eng
			if i%2 == 1 {
				e = other
			}
			x := decisionFixture(e, "v", st)
			if err := repo.Create(ctx, x); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, x.ID)
		}
		list := func(f decision.Filter) []string {
			t.Helper()
			ds, err := repo.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		tests := []struct {
			name string
			f    decision.Filter
			want []string
		}{
			{"approved", decision.Filter{Status: decision.StatusApproved, Limit: 100}, ids},
			{"approved of one engagement", decision.Filter{Status: decision.StatusApproved, EngagementID: other, Limit: 100}, []string{ids[1], ids[3]}},
			{"needs review", decision.Filter{Status: decision.StatusNeedsReview, Limit: 100}, []string{d.ID}},
			{"first page", decision.Filter{Status: decision.StatusApproved, Limit: 2}, ids[:2]},
			{"after the first page", decision.Filter{Status: decision.StatusApproved, Limit: 2, After: &domain.Cursor{Sort: "id", ID: ids[1]}}, ids[2:4]},
			{"rejected", decision.Filter{Status: decision.StatusRejected, Limit: 100}, []string{}},
		}
		for _, tt := range tests {
			if got := list(tt.f); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
			}
		}
	})
}

// TestDecisionRowLock: a second transaction's GetForUpdate waits for the first to commit and then reads
// what it wrote, on both databases: the sweep's "a decision changes once" rests on it.
func TestDecisionRowLock(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		eng := engagementFor(t, db, ve, "Locked")
		repo := repository.NewDecisions(db)
		d := decisionFixture(eng, "v", decision.StatusApproved)
		if err := repo.Create(t.Context(), d); err != nil {
			t.Fatal(err)
		}
		locked, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.InTx(t.Context(), func(ctx context.Context) error {
				x, err := repo.GetForUpdate(ctx, d.ID)
				if err != nil {
					return err
				}
				close(locked)
				<-release
				x.Version, x.Status = x.Version+1, decision.StatusNeedsReview
				return repo.Update(ctx, x)
			})
		}()
		<-locked
		seen := make(chan decision.Decision, 4)
		second := make(chan error, 1)
		go func() {
			second <- db.InTx(t.Context(), func(ctx context.Context) error {
				x, err := repo.GetForUpdate(ctx, d.ID)
				if err == nil {
					seen <- x
				}
				return err
			})
		}()
		select {
		case x := <-seen:
			t.Fatalf("the second transaction read through the lock: version %d", x.Version)
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		if x := <-seen; x.Version != 2 || x.Status != decision.StatusNeedsReview {
			t.Errorf("the second transaction read %s v%d, want what the first committed (needs_review v2)", x.Status, x.Version)
		}
	})
}

// TestAcceptanceRepository: an acceptance round-trips; Open finds the pending or active one only.
func TestAcceptanceRepository(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		vID, engID := e.engagementOf(t, "Accepting KK")
		fid := manualFinding(t, db, vID, engID)
		repo := repository.NewAcceptances(db)
		ctx := t.Context()
		approved := start.Add(time.Hour)
		a := acceptance.Acceptance{ID: domain.NewID(), FindingID: fid, EngagementID: engID, VendorID: vID, Status: acceptance.StatusActive,
			Justification: "VPN + 証明書", ExpiresOn: day(2025, 9, 30), MaxExpiresOn: day(2026, 4, 1),
			RequestedBy: acceptance.Person{KeyID: "a", Name: "A"}, ApprovedBy: &acceptance.Person{KeyID: "b", Name: "B"}, ApprovedAt: &approved,
			Frozen:  &acceptance.Risk{Severity: domain.SeverityHigh, Priority: 9, ScoreBP: 5000, ResidualLevel: risk.LevelMedium},
			Version: 2, CreatedAt: start, UpdatedAt: approved}
		if err := repo.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("round trip:\n%+v\nwant\n%+v", got, a)
		}
		if o, err := repo.Open(ctx, fid); err != nil || o.ID != a.ID {
			t.Errorf("Open = %v, %v", o.ID, err)
		}
		other := manualFinding(t, db, vID, engID)
		for _, tc := range []struct {
			ids  []string
			want int
		}{{[]string{fid}, 1}, {[]string{other, fid}, 1}, {[]string{other}, 0}} {
			as, err := repo.List(ctx, acceptance.Filter{FindingIDs: tc.ids, Status: acceptance.StatusActive, Limit: 10})
			if err != nil || len(as) != tc.want {
				t.Errorf("List(findings %v) = %d, %v; want %d", tc.ids, len(as), err, tc.want)
			}
		}
		ended := a
		ended.Version, ended.Status, ended.EndReason = 3, acceptance.StatusExpired, "expired on 2025-09-30"
		if err := repo.Update(ctx, ended); err != nil {
			t.Fatal(err)
		}
		if err := repo.Update(ctx, ended); !errors.Is(err, domain.ErrStaleVersion) {
			t.Errorf("second update: %v, want ErrStaleVersion", err)
		}
		if _, err := repo.Open(ctx, fid); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Open after the end: %v, want ErrNotFound", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM risk_acceptances WHERE status = ? AND expires_on = ?", "expired", day(2025, 9, 30)); n != 1 {
			t.Errorf("%d rows expired on 2025-09-30 by the columns, want 1", n)
		}
	})
}

// manualFinding stores an open manual finding of the engagement and returns its id.
func manualFinding(t *testing.T, db *repository.DB, vendorID, engagementID string) string {
	t.Helper()
	f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engagementID, VendorID: vendorID, Title: "Accepted",
		Severity: domain.SeverityHigh, Status: finding.StatusOpen, Source: finding.SourceManual, Version: 1,
		CreatedAt: start, UpdatedAt: start}, Priority: 9}
	if err := repository.NewFindings(db).Create(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// TestSweepRunnerHonoursTheLease: a runner does nothing while another replica holds the lease, runs
// every task once it is free (a failing task does not stop the next), and releases it afterwards.
func TestSweepRunnerHonoursTheLease(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		leases := repository.NewLeases(db)
		now := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		var ran []string
		task := func(name string, err error) sweep.Task {
			return sweep.Task{Name: name, Run: func(context.Context) (int, error) {
				ran = append(ran, name)
				return 1, err
			}}
		}
		r := sweep.NewRunner(leases, "replica-b", 10*time.Minute, clock, slog.New(slog.NewTextHandler(io.Discard, nil)),
			task("first", errors.New("boom")), task("second", nil))

		if ok, err := leases.Claim(t.Context(), sweep.LeaseName, "replica-a", now, now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("replica-a claim: %v, %v", ok, err)
		}
		if res, err := r.RunOnce(t.Context()); err != nil || res.Ran || len(ran) != 0 {
			t.Fatalf("while replica-a holds the lease: %+v, %v, tasks %v", res, err, ran)
		}
		if err := leases.Release(t.Context(), sweep.LeaseName, "replica-a"); err != nil {
			t.Fatal(err)
		}
		res, err := r.RunOnce(t.Context())
		if !res.Ran || !slices.Equal(ran, []string{"first", "second"}) || err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("free lease: %+v, %v, tasks %v; want both tasks run and the first's error", res, err, ran)
		}
		if ok, err := leases.Claim(t.Context(), sweep.LeaseName, "replica-a", now, now.Add(time.Minute)); err != nil || !ok {
			t.Errorf("the runner kept the lease after its run: %v, %v", ok, err)
		}
	})
}

// TestSweepRunsOncePerIntervalAcrossReplicas: three replicas ticking every interval (each at its own
// offset) run the sweep once per interval between them; the one that ran keeps it while it ticks, and
// another takes over within an interval of it stopping.
func TestSweepRunsOncePerIntervalAcrossReplicas(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		const interval = time.Minute
		now := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		runs := map[string]int{}
		runner := func(holder string) *sweep.Runner {
			return sweep.NewRunner(repository.NewLeases(db), holder, 10*time.Minute, clock, slog.New(slog.NewTextHandler(io.Discard, nil)),
				sweep.Task{Name: "count", Run: func(context.Context) (int, error) { runs[holder]++; return 0, nil }})
		}
		replicas := []*sweep.Runner{runner("a"), runner("b"), runner("c")}
		offsets := []time.Duration{0, 20 * time.Second, 40 * time.Second} // where in the interval each ticks
		start := now
		var perInterval []int
		for k := range 10 {
			if k == 5 {
				// a (the holder) stops ticking: b and c go on
				replicas, offsets = replicas[1:], offsets[1:]
			}
			ran := 0
			for i, r := range replicas {
				now = start.Add(time.Duration(k)*interval + offsets[i])
				res, err := r.RunDue(t.Context(), interval)
				if err != nil {
					t.Fatal(err)
				}
				if res.Ran {
					ran++
				}
			}
			perInterval = append(perInterval, ran)
		}
		// Interval 5 is the one a stopped in: its lease, kept until 1 interval after its last run,
		// is free again within interval 5 and the next replica to tick runs.
		want := []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
		if !slices.Equal(perInterval, want) {
			t.Errorf("runs per interval %v, want %v (runs by replica %v)", perInterval, want, runs)
		}
		if runs["a"] != 5 || runs["b"]+runs["c"] != 5 {
			t.Errorf("runs by replica %v: want a 5 times, then b or c", runs)
		}
	})
}

// TestSweepEachPagesThroughEveryRecord: the sweep's paging loop visits each of 230 approved decisions
// once over pages of 100 (others are skipped by the filter), and a record that fails does not stop it.
func TestSweepEachPagesThroughEveryRecord(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		eng := engagementFor(t, db, ve, "Swept")
		repo := repository.NewDecisions(db)
		want := map[string]bool{}
		err := db.InTx(t.Context(), func(ctx context.Context) error {
			for i := range 240 {
				status := decision.StatusApproved
				if i%24 == 0 {
					status = decision.StatusRejected
				}
				d := decisionFixture(eng, "v", status)
				if status == decision.StatusApproved {
					want[d.ID] = true
				}
				if err := repo.Create(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		var failing string
		n, err := sweep.Each(t.Context(), func(ctx context.Context, after *domain.Cursor, limit int) ([]decision.Decision, error) {
			return repo.List(ctx, decision.Filter{Status: decision.StatusApproved, After: after, Limit: limit})
		}, func(d decision.Decision) string { return d.ID }, func(_ context.Context, id string) (bool, error) {
			seen[id]++
			if failing == "" {
				failing = id
				return false, errors.New("cannot check this one")
			}
			return true, nil
		})
		if len(want) != 230 || len(seen) != len(want) || n != len(want)-1 || err == nil || !strings.Contains(err.Error(), failing) {
			t.Fatalf("visited %d of %d, changed %d, err %v", len(seen), len(want), n, err)
		}
		for id, c := range seen {
			if !want[id] || c != 1 {
				t.Errorf("decision %s visited %d times (approved %v)", id, c, want[id])
			}
		}
	})
}
