package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/notice"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/sweep"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/repository"
)

// facts reads what decisions and acceptances rest on from the other modules.
type facts struct {
	engagements  *engagement.Service
	policies     *policy.Service
	contracts    *contract.Service
	vendors      *register.Service
	findings     *finding.Service
	remediations *finding.Remediations
	now          domain.Clock
}

// gather snapshots an engagement: tier, inherent and residual risk, open findings by severity,
// contract gaps, certifications, next review date and the tier's policy.
func (f facts) gather(ctx context.Context, engagementID string) (decision.Inputs, error) {
	e, ev, err := f.engagements.Get(ctx, engagementID)
	if err != nil {
		return decision.Inputs{}, err
	}
	pol, err := f.policies.Current(ctx)
	if err != nil {
		return decision.Inputs{}, err
	}
	tp := pol.ForTier(ev.EffectiveTier)
	in := decision.Inputs{EngagementID: e.ID, VendorID: e.VendorID, EffectiveTier: ev.EffectiveTier,
		InherentScore: ev.Assessment.Score, AssessmentID: ev.ResidualAssessmentID, Residual: ev.Residual,
		OpenFindings: map[domain.Severity]int{}, ContractGaps: []decision.ContractGap{}, ValidCerts: []decision.Certification{},
		ExpiredCerts: []decision.Certification{}, NextReviewOn: e.NextReviewOn, RequiredApprovals: tp.Approvals,
		ReassessmentMonths: tp.ReassessmentMonths, PolicyVersion: pol.Version}
	if ev.Residual != nil {
		bp := ev.Residual.ControlScoreBP
		in.ControlScoreBP = &bp
	}
	if err := f.openFindings(ctx, engagementID, in.OpenFindings); err != nil {
		return decision.Inputs{}, err
	}
	if in.ContractGaps, in.ContractClauses, err = f.gaps(ctx, engagementID); err != nil {
		return decision.Inputs{}, err
	}
	certs, err := f.vendors.ListCertifications(ctx, e.VendorID)
	if err != nil {
		return decision.Inputs{}, fmt.Errorf("certifications of vendor %s: %w", e.VendorID, err)
	}
	y, m, d := f.now().UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, c := range certs {
		dc := decision.Certification{ID: c.ID, Name: certName(c), ValidUntil: c.ValidUntil}
		if c.ValidUntil.Before(today) {
			in.ExpiredCerts = append(in.ExpiredCerts, dc)
		} else {
			in.ValidCerts = append(in.ValidCerts, dc)
		}
	}
	return in, nil
}

func certName(c register.Certification) string {
	if c.SchemeName != "" {
		return c.SchemeName
	}
	return string(c.Scheme)
}

func (f facts) openFindings(ctx context.Context, engagementID string, out map[domain.Severity]int) error {
	cursor := ""
	for {
		page, err := f.findings.List(ctx, finding.Filter{EngagementID: engagementID, OpenOnly: true, Limit: 200}, cursor)
		if err != nil {
			return fmt.Errorf("open findings of %s: %w", engagementID, err)
		}
		for _, it := range page.Items {
			out[it.Severity]++
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// gaps lists every gap of the engagement's contracts (every required clause when it has none) and the
// clause types they hold.
func (f facts) gaps(ctx context.Context, engagementID string) ([]decision.ContractGap, []contract.ClauseType, error) {
	gs, clauses, err := f.contracts.EngagementGaps(ctx, engagementID)
	if err != nil {
		return nil, nil, fmt.Errorf("contract gaps of %s: %w", engagementID, err)
	}
	out := make([]decision.ContractGap, len(gs))
	for i, g := range gs {
		out[i] = decision.ContractGap{ContractID: g.ContractID, ClauseType: g.ClauseType, Problem: g.Problem, Severity: g.Severity}
	}
	return out, clauses, nil
}

func (f facts) remediationOf(ctx context.Context, id string) (string, bool, error) {
	rem, err := f.remediations.Get(ctx, id)
	if err != nil {
		return "", false, err
	}
	fd, err := f.findings.Lookup(ctx, rem.FindingID)
	if err != nil {
		return "", false, err
	}
	return fd.EngagementID, rem.Status == finding.RemVerified, nil
}

// acceptanceFindings connects risk acceptances to findings.
type acceptanceFindings struct{ facts }

func (a acceptanceFindings) Finding(ctx context.Context, id string) (acceptance.Finding, error) {
	if !domain.ValidID(id) {
		return acceptance.Finding{}, domain.NotFound("finding", id)
	}
	fd, err := a.findings.Lookup(ctx, id)
	if err != nil {
		return acceptance.Finding{}, err
	}
	_, ev, err := a.engagements.Get(ctx, fd.EngagementID)
	if err != nil {
		return acceptance.Finding{}, err
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return acceptance.Finding{}, err
	}
	r := acceptance.Risk{Severity: fd.Severity, Priority: fd.Priority, ScoreBP: fd.ScoreBP, Tier: ev.EffectiveTier}
	if ev.Residual != nil {
		r.ResidualLevel = ev.Residual.Level
	}
	return acceptance.Finding{ID: fd.ID, EngagementID: fd.EngagementID, VendorID: fd.VendorID, Closed: fd.Status.Closed(),
		Risk: r, MaxAcceptanceDays: pol.ForTier(ev.EffectiveTier).MaxAcceptanceDays}, nil
}

func (a acceptanceFindings) Accept(ctx context.Context, id string) error {
	return a.findings.SetRiskAccepted(ctx, id)
}

func (a acceptanceFindings) Reopen(ctx context.Context, id string) error {
	return a.findings.EndRiskAcceptance(ctx, id)
}

// wireDecisions builds decisions and risk acceptances.
func wireDecisions(db *repository.DB, clock domain.Clock, f facts, trail event.Recorder) (*decision.Service, *acceptance.Service) {
	decisions := decision.NewService(repository.NewDecisions(db), decision.Deps{Gather: f.gather,
		RemediationOf: f.remediationOf}, db, clock, trail)
	acceptances := acceptance.NewService(repository.NewAcceptances(db), acceptanceFindings{f}, trail, db, clock)
	return decisions, acceptances
}

// systemPrincipal is who the sweep acts as when it reads through the services.
var systemPrincipal = auth.Principal{KeyID: audit.System.KeyID, Name: audit.System.Name, Role: auth.Role(audit.System.Role)}

// Sweeper is the background job: approvals that no longer hold, risk acceptances that expired or
// went stale, stored evidence files that no record names (older than OrphanGrace), certificates
// expiring or expired, periodic reviews due or overdue, contract notice deadlines near or passed,
// assessment reminders and overdue assessments and remediation items (raised once each), and the extra
// tasks (such as signing the audit chain's head), under the database lease so that one replica at a
// time runs it.
func (s Services) Sweeper(db *repository.DB, holder string, clock domain.Clock, log *slog.Logger, extra ...sweep.Task) *sweep.Runner {
	asSystem := func(run func(context.Context) (int, error)) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) { return run(auth.WithPrincipal(ctx, systemPrincipal)) }
	}
	notices := notice.NewService(repository.NewNotices(db), db, clock, s.Events, s.Policies) // on the sweep's own clock
	tasks := append([]sweep.Task{
		{Name: "decisions", Run: asSystem(s.Decisions.Sweep)},
		{Name: "risk_acceptances", Run: asSystem(s.Acceptances.Sweep)},
		{Name: "evidence_orphans", Run: func(ctx context.Context) (int, error) {
			return s.Assessments.SweepOrphanBlobs(ctx, s.OrphanGrace)
		}},
		{Name: "certificates", Run: asSystem(notices.SweepCertificates)},
		{Name: "reviews", Run: asSystem(notices.SweepReviews)},
		{Name: "contract_notices", Run: asSystem(notices.SweepContracts)},
		{Name: "assessment_reminders", Run: asSystem(notices.SweepAssessments)},
		{Name: "remediations_overdue", Run: asSystem(notices.SweepRemediations)}}, extra...)
	return sweep.NewRunner(repository.NewLeases(db), holder, 10*time.Minute, clock, log, tasks...)
}

// WebhookWorker delivers the outbox to the webhook endpoints; holder names this replica.
func (s Services) WebhookWorker(db *repository.DB, holder string, clock domain.Clock, sender webhook.Sender,
	cfg webhook.Config, log *slog.Logger) *webhook.Worker {
	return webhook.NewWorker(repository.NewWebhooks(db), repository.NewOutbox(db), repository.NewLeases(db), sender, db, clock,
		s.Events, holder, cfg, log)
}
