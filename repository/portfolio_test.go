package repository_test

import (
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/portfolio"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// portfolioSeed stores one copy of a small portfolio. The tests' clock reads 2025-04-01, so today is
// 2025-04-01 and the 90-day horizon 2025-06-30. Each copy has its own vendors:
//
//	vendors  P → S1 → S2 (subcontractor chain), Q → S2
//	e1  P   tier 1  active  review 2025-03-01 (overdue)   1,000 personal records (500,000 JPY)
//	e2  Q   tier 3  active  review 2025-04-20 (due soon)  no data
//	e3  S2  tier 2  intake  never assessed                no data
//	e4  P   tier 4  ended                                 (excluded from everything but by-status)
//
//	assessments  e1 sent, due 2025-03-31 (overdue); e2 draft, due 2025-03-01 (a draft is not with the
//	             supplier: not overdue); e4 sent, due 2025-03-01 (ended engagement)
//	findings     e1 critical, open, an open item due 2025-03-15 (overdue) and a done one due 2025-03-01
//	             (done: not overdue); e2 high, closed; e3 low, open, no item; e4 critical, open, an open
//	             item due 2025-03-01 (ended engagement)
//	certificates S2 iso_27001 until 2025-05-01 (expiring; an older one until 2024-05-01 was renewed by it),
//	             Q soc2_type2 until 2025-03-01 (expired), P ismap until 2026-01-01 (not expiring)
//	contracts    e1 ends 2025-06-30 (expiring, the horizon's last day), e2 ended 2025-03-31, e4 ends
//	             2025-05-01 (ended engagement)
//	decisions    e1 rejected, then approved (latest approved); e2 approved, then pending (latest pending:
//	             without approval); e3 none (intake: not counted as without); e4 pending (ended engagement)
//	acceptances  e1's critical: active until 2025-06-30 (expiring) and a revoked one; e3's low: active
//	             until 2025-12-31; e4's critical: active until 2025-05-01 (ended engagement)
func portfolioSeed(t *testing.T, db *repository.DB, ve *vendorEnv, tpl func() questionnaire.Template) {
	t.Helper()
	ctx := ve.ctx
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	dp := func(s string) *time.Time { v := d(s); return &v }
	p := ve.create(t, register.Vendor{Name: "P"})
	s1 := ve.create(t, register.Vendor{Name: "S1"})
	s2 := ve.create(t, register.Vendor{Name: "S2"})
	q := ve.create(t, register.Vendor{Name: "Q"})
	for _, l := range [][2]string{{p.ID, s1.ID}, {s1.ID, s2.ID}, {q.ID, s2.ID}} {
		if _, err := ve.svc.AddSubcontractor(ctx, l[0], register.Subcontractor{SubcontractorID: l[1], Service: "hosting"}); err != nil {
			t.Fatalf("link: %v", err)
		}
	}
	engs := repository.NewEngagements(db)
	eng := func(vendorID string, tier risk.Tier, st engagement.Status, review *time.Time, hs ...risk.Holding) string {
		e := minimalEngagement(vendorID, "engagement")
		e.Risk.EffectiveTier, e.Status, e.NextReviewOn, e.Holdings = tier, st, review, hs
		if review != nil {
			e.LastAssessedAt = dp("2024-01-01")
		}
		if err := engs.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	e1 := eng(p.ID, risk.Tier1Critical, engagement.StatusActive, dp("2025-03-01"), risk.Holding{Category: risk.DataPersonal, Records: 1000})
	e2 := eng(q.ID, risk.Tier3Medium, engagement.StatusActive, dp("2025-04-20"))
	e3 := eng(s2.ID, risk.Tier2High, engagement.StatusIntake, nil)
	e4 := eng(p.ID, risk.Tier4Low, engagement.StatusEnded, nil, risk.Holding{Category: risk.DataPersonal, Records: 5000})

	asm := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: ve}
	asm.stored(t, p.ID, e1, tpl(), assessment.StatusSent, d("2025-03-31"))
	asm.stored(t, q.ID, e2, tpl(), assessment.StatusDraft, d("2025-03-01"))
	asm.stored(t, p.ID, e4, tpl(), assessment.StatusSent, d("2025-03-01"))

	fr := repository.NewFindings(db)
	fnd := func(engID, vendorID string, sev domain.Severity, st finding.Status, next *time.Time) string {
		f := finding.Stored{Finding: finding.Finding{ID: domain.NewID(), EngagementID: engID, VendorID: vendorID, Title: "weakness",
			Severity: sev, Status: st, Source: finding.SourceManual, NextDue: next, Version: 1, CreatedAt: start, UpdatedAt: start},
			Priority: 1}
		if err := fr.Create(ctx, f); err != nil {
			t.Fatal(err)
		}
		return f.ID
	}
	item := func(findingID, vendorID string, st finding.RemediationStatus, due string) {
		r := finding.Remediation{ID: domain.NewID(), FindingID: findingID, VendorID: vendorID, Type: "corrective", Owner: "supplier",
			Description: "fix", DueDate: d(due), Status: st, Version: 1, CreatedAt: start, UpdatedAt: start}
		if err := fr.CreateRemediation(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	f1 := fnd(e1, p.ID, domain.SeverityCritical, finding.StatusRemediationPlanned, dp("2025-03-15"))
	item(f1, p.ID, finding.RemOpen, "2025-03-15")
	item(f1, p.ID, finding.RemDone, "2025-03-01")
	fnd(e2, q.ID, domain.SeverityHigh, finding.StatusClosed, nil)
	f3 := fnd(e3, s2.ID, domain.SeverityLow, finding.StatusOpen, nil)
	f4 := fnd(e4, p.ID, domain.SeverityCritical, finding.StatusRemediationPlanned, dp("2025-03-01"))
	item(f4, p.ID, finding.RemOpen, "2025-03-01")

	cert := func(vendorID string, scheme register.Scheme, until string) {
		c := register.Certification{ID: domain.NewID(), VendorID: vendorID, Scheme: scheme, ValidFrom: d(until).AddDate(-1, 0, 0),
			ValidUntil: d(until), Version: 1, CreatedAt: start, UpdatedAt: start}
		if err := ve.repo.CreateCertification(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cert(s2.ID, register.SchemeISO27001, "2024-05-01")
	cert(s2.ID, register.SchemeISO27001, "2025-05-01")
	cert(q.ID, register.SchemeSOC2Type2, "2025-03-01")
	cert(p.ID, register.SchemeISMAP, "2026-01-01")

	cr := repository.NewContracts(db)
	con := func(engID, ends string) {
		c := contract.Contract{ID: domain.NewID(), EngagementID: engID, Title: "MSA", StartsOn: d("2024-01-01"), EndsOn: dp(ends),
			Version: 1, CreatedAt: start, UpdatedAt: start}
		if err := cr.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	con(e1, "2025-06-30")
	con(e2, "2025-03-31")
	con(e4, "2025-05-01")

	decs := repository.NewDecisions(db)
	dec := func(engID, vendorID string, st decision.Status) {
		x := decision.Decision{ID: domain.NewID(), EngagementID: engID, VendorID: vendorID, Purpose: "outsourcing", Status: st,
			RequiredApprovals: 1, Version: 1, CreatedAt: start, UpdatedAt: start}
		if err := decs.Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	dec(e1, p.ID, decision.StatusRejected)
	dec(e1, p.ID, decision.StatusApproved)
	dec(e2, q.ID, decision.StatusApproved)
	dec(e2, q.ID, decision.StatusPending)
	dec(e4, p.ID, decision.StatusPending)

	accs := repository.NewAcceptances(db)
	acc := func(findingID, engID, vendorID string, st acceptance.Status, expires string) {
		a := acceptance.Acceptance{ID: domain.NewID(), FindingID: findingID, EngagementID: engID, VendorID: vendorID, Status: st,
			Justification: "compensating control", ExpiresOn: d(expires), MaxExpiresOn: d(expires), Version: 1, CreatedAt: start,
			UpdatedAt: start}
		if err := accs.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	acc(f1, e1, p.ID, acceptance.StatusActive, "2025-06-30")
	acc(f1, e1, p.ID, acceptance.StatusRevoked, "2025-05-01")
	acc(f3, e3, s2.ID, acceptance.StatusActive, "2025-12-31")
	acc(f4, e4, p.ID, acceptance.StatusActive, "2025-05-01")
}

// TestPortfolioSummaryQueries seeds one and then three copies of portfolioSeed: the numbers triple and
// the summary runs the same eleven statements (see portfolio.Service.Summary), whatever the size.
func TestPortfolioSummaryQueries(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ve := newVendorEnv(t, db)
		svc := portfolio.NewService(repository.NewPortfolio(db), policy.NewService(repository.NewPolicies(db), db, ve.clock.Now, audit.NewService(repository.NewAuditTrail(db), db, ve.clock.Now)),
			db, ve.clock.Now)
		family := domain.NewID()
		n := 0
		tpl := func() questionnaire.Template { n++; return asmTemplate(family, n) }
		counter := repository.CountStatements(db)
		seeded := 0
		for _, copies := range []int{1, 3} {
			for ; seeded < copies; seeded++ {
				portfolioSeed(t, db, ve, tpl)
			}
			before := counter.Load()
			got, err := svc.Summary(as(t, auth.RoleAuditor))
			if err != nil {
				t.Fatal(err)
			}
			if q := counter.Load() - before; q != 11 {
				t.Errorf("%d copies: the summary ran %d statements, want 11", copies, q)
			}
			c := copies
			checks := []struct {
				name      string
				got, want int
			}{
				{"engagements.total", got.Engagements.Total, 4 * c},
				{"engagements.live", got.Engagements.Live, 3 * c},
				{"by status active", got.Engagements.ByStatus[engagement.StatusActive], 2 * c},
				{"by status intake", got.Engagements.ByStatus[engagement.StatusIntake], c},
				{"by status ended", got.Engagements.ByStatus[engagement.StatusEnded], c},
				{"by tier 1", got.Engagements.ByTier[risk.Tier1Critical], c},
				{"by tier 2", got.Engagements.ByTier[risk.Tier2High], c},
				{"by tier 3", got.Engagements.ByTier[risk.Tier3Medium], c},
				{"by tier 4 (only the ended one)", got.Engagements.ByTier[risk.Tier4Low], 0},
				{"reviews overdue", got.Reviews.Overdue, c},
				{"reviews due soon", got.Reviews.DueSoon, c},
				{"reviews ok", got.Reviews.OK, 0},
				{"reviews never assessed", got.Reviews.NeverAssessed, c},
				{"assessments overdue", got.AssessmentsOverdue, c},
				{"findings open", got.Findings.Open, 2 * c},
				{"findings critical", got.Findings.OpenBySeverity[domain.SeverityCritical], c},
				{"findings high (closed)", got.Findings.OpenBySeverity[domain.SeverityHigh], 0},
				{"findings low", got.Findings.OpenBySeverity[domain.SeverityLow], c},
				{"findings overdue", got.Findings.Overdue, c},
				{"remediations overdue", got.RemediationsOverdue, c},
				{"certifications expiring", got.Certifications.Expiring, c},
				{"certifications expired", got.Certifications.Expired, c},
				{"contracts expiring", got.Contracts.Expiring, c},
				{"concentration total (S2, P, S1 per copy)", got.ConcentrationTotal, 3 * c},
				{"decisions approved (e1's latest, e2's first)", got.Decisions.ByStatus[decision.StatusApproved], 2 * c},
				{"decisions rejected (e1's first)", got.Decisions.ByStatus[decision.StatusRejected], c},
				{"decisions pending (e2's latest; e4 ended)", got.Decisions.ByStatus[decision.StatusPending], c},
				{"decisions needs review", got.Decisions.ByStatus[decision.StatusNeedsReview], 0},
				{"engagements without approval (e2)", got.Decisions.EngagementsWithoutApproval, c},
				{"risk acceptances active (e1, e3; e4 ended)", got.RiskAcceptances.Active, 2 * c},
				{"risk acceptances expiring (e1's)", got.RiskAcceptances.Expiring, c},
			}
			for _, ck := range checks {
				if ck.got != ck.want {
					t.Errorf("%d copies: %s = %d, want %d", copies, ck.name, ck.got, ck.want)
				}
			}
			if len(got.Exposure) != 1 || got.Exposure[0].Amount != (domain.Money{Amount: 500_000 * int64(c), Currency: "JPY"}) ||
				got.Exposure[0].Engagements != c {
				t.Errorf("%d copies: exposure %+v, want %d JPY over %d engagements", copies, got.Exposure, 500_000*c, c)
			}
			// Each S2 is behind its copy's e1 (through P → S1 → S2), e2 (Q → S2) and e3 (its own).
			top := got.Concentration[0]
			if top.VendorName != "S2" || top.Engagements != 3 || top.Tier1Engagements != 1 || top.Direct != 1 || len(top.EngagementIDs) != 3 {
				t.Errorf("%d copies: top concentration %+v, want S2 with 3 engagements, 1 tier-1, 1 direct", copies, top)
			}
			if !got.Today.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) || !got.AsOf.Equal(ve.clock.Now()) {
				t.Errorf("today %s, as of %s", got.Today, got.AsOf)
			}
		}

		if _, err := svc.Summary(asSupplier(t, domain.NewID())); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("a supplier's summary: %v, want not found", err)
		}
	})
}
