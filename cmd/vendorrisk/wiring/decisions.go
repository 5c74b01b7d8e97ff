package wiring

import (
	"context"
	"log/slog"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/notice"
	"github.com/vendorrisk/vendorrisk/domain/sweep"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/domain/workflow"
	"github.com/vendorrisk/vendorrisk/repository"
)

// wireDecisions builds decisions and risk acceptances on what they rest on (domain/workflow.Facts).
func wireDecisions(db *repository.DB, clock domain.Clock, src workflow.Sources, trail event.Recorder) (*decision.Service, *acceptance.Service) {
	f := must(workflow.NewFacts(src, clock))
	decisions := decision.NewService(repository.NewDecisions(db), f.Decisions(), db, clock, trail)
	acceptances := acceptance.NewService(repository.NewAcceptances(db), f.Acceptances(), trail, db, clock)
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
	return webhook.NewWorker(s.webhookStore, repository.NewOutbox(db), repository.NewLeases(db), sender, db, clock,
		s.Events, holder, cfg, log)
}
