// Package wiring builds vendorrisk's services and HTTP dependencies from a database: the one place
// that knows every concrete type. The command uses it, and so do the HTTP tests and benchmarks, so
// that they run exactly what production runs.
package wiring

import (
	"context"
	"log/slog"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/idempotency"
	"github.com/vendorrisk/vendorrisk/domain/notice"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/portal"
	"github.com/vendorrisk/vendorrisk/domain/portfolio"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/domain/workflow"
	"github.com/vendorrisk/vendorrisk/repository"
)

// Services are the use cases, wired to the repositories and to each other through small adapters,
// so that no domain package depends on another's service.
type Services struct {
	Keys         *apikey.Service
	Vendors      *register.Service
	Engagements  *engagement.Service
	Contracts    *contract.Service
	Policies     *policy.Service
	Catalog      *catalog.Service
	Templates    *questionnaire.Service
	Assessments  *assessment.Service
	Portal       *portal.Service
	Findings     *finding.Service
	Remediations *finding.Remediations
	Portfolio    *portfolio.Service
	Audit        *audit.Service
	Decisions    *decision.Service
	Acceptances  *acceptance.Service
	// OrphanGrace is how old an evidence file that no record names must be before the sweep removes
	// it: longer than any upload's transaction.
	OrphanGrace time.Duration
	Webhooks    *webhook.Service
	// Notices raises the date-driven events (the sweep) and lists a supplier's pending work.
	Notices *notice.Service
	// Jobs runs imports too large for one request, under a lease per job.
	Jobs *bulk.Jobs
	// Events is the one recorder every use case records its domain events through: the audit trail
	// and the webhook outbox, both in the use case's own transaction.
	Events event.Recorder
	// webhookStore is the endpoint store, sealing secrets with Options.Secrets; the delivery worker
	// shares it.
	webhookStore *repository.Webhooks
	secrets      *webhook.Secrets
}

// Options are what the services need beyond the database and the clock.
type Options struct {
	// Webhooks is the SSRF policy endpoint URLs are checked against when saved.
	Webhooks webhook.Guard
	// NoOutbox records events to the audit trail alone: the benchmark's baseline, never production.
	NoOutbox bool
	// Log is where background work (import jobs) reports; nil discards.
	Log *slog.Logger
	// Observe, when set, also receives every event, last (the API tests tally which event types the
	// suite produced).
	Observe event.Recorder
	// Secrets seals the webhook signing secrets stored in the database; without it, creating or
	// reading an endpoint with a secret fails (the CLI, which touches no webhook, needs none).
	Secrets *repository.SecretBox
}

// DefaultOrphanGrace is OrphanGrace unless configured.
const DefaultOrphanGrace = 24 * time.Hour

// Wire builds every service on db with the default options (the strict SSRF guard). blobs may be nil
// where no evidence is touched (the CLI).
func Wire(db *repository.DB, clock domain.Clock, blobs assessment.BlobStore) Services {
	return WireWith(db, clock, blobs, Options{})
}

// WireWith builds every service on db.
func WireWith(db *repository.DB, clock domain.Clock, blobs assessment.BlobStore, opt Options) Services {
	keyRepo := repository.NewAPIKeys(db)
	// One writer: every use case's domain events go to the audit trail and to the webhook outbox, in
	// the use case's own transaction.
	audited := audit.NewService(repository.NewAuditTrail(db), db, clock)
	outbox := repository.NewOutbox(db)
	// The cross-aggregate rules follow the events last, in the same transaction: the trail reads the
	// cause, then what followed. They are bound to the services below, once.
	rules := workflow.New()
	// The idempotency marker is first: see idempotency.Marker.
	marker := idempotency.Marker{Store: repository.NewIdempotency(db)}
	trail := event.Recorders{marker, audited, webhook.NewOutbox(outbox, clock), rules}
	if opt.NoOutbox {
		trail = event.Recorders{marker, audited, rules}
	}
	if opt.Observe != nil {
		trail = append(trail, opt.Observe)
	}
	vendors := register.NewService(repository.NewVendors(db), db, clock, trail)
	policies := policy.NewService(repository.NewPolicies(db), db, clock, trail)
	assessmentRepo := repository.NewAssessments(db)
	engagements := engagement.NewService(repository.NewEngagements(db), workflow.EngagementVendors{Register: vendors}, policies,
		assessment.ControlScores{Store: assessmentRepo}.Latest, db, clock, trail)
	catalogs := catalog.NewService(repository.NewCatalogs(db), db, clock, trail)
	templates := questionnaire.NewService(repository.NewTemplates(db), catalogs.Resolve, db, clock, trail)
	keys := apikey.NewService(keyRepo, keyRepo.VendorExists, clock, db, trail)
	findings := finding.NewService(repository.NewFindings(db), func(ctx context.Context, id string) (string, risk.Tier, error) {
		i, err := engagements.Lookup(ctx, id) // findings check their own scope
		return i.VendorID, i.EffectiveTier, err
	}, db, clock, trail)
	deps := must(workflow.AssessmentDeps(workflow.AssessmentSources{Engagements: engagements, Templates: templates,
		Policies: policies, Keys: keys, Blobs: blobs}))
	assessments := assessment.NewService(assessmentRepo, deps, db, clock, trail)
	if err := rules.Bind(workflow.Deps{Vendors: vendors, Engagements: engagements, Findings: findings,
		Assessments: assessments}); err != nil {
		panic(err) // a wiring mistake: fail at start-up, not on the first change
	}
	contracts := contract.NewService(repository.NewContracts(db), workflow.ContractEngagements{Engagements: engagements}, policies, db, clock, trail)
	remediations := finding.NewRemediations(findings, repository.NewFindings(db),
		func(ctx context.Context, tier risk.Tier, sev domain.Severity) (int, error) {
			pol, err := policies.Current(ctx)
			if err != nil {
				return 0, err
			}
			return pol.ForTier(tier).RemediationDays[sev], nil
		})
	hooks := repository.NewWebhooks(db, opt.Secrets)
	decisions, acceptances := wireDecisions(db, clock, workflow.Sources{Engagements: engagements, Policies: policies,
		Contracts: contracts, Certifications: vendors, Findings: findings, Remediations: remediations}, trail)
	return Services{
		Audit:        audited,
		Events:       trail,
		webhookStore: hooks,
		secrets:      webhook.NewSecrets(hooks, db, trail),
		Webhooks: webhook.NewService(hooks, outbox, db, clock, trail, opt.Webhooks,
			func(ctx context.Context, id string) error { _, err := vendors.Info(ctx, id); return err }),
		Notices:      notice.NewService(repository.NewNotices(db), db, clock, trail, policies),
		Decisions:    decisions,
		Acceptances:  acceptances,
		Keys:         keys,
		Vendors:      vendors,
		Engagements:  engagements,
		Contracts:    contracts,
		Policies:     policies,
		Catalog:      catalogs,
		Templates:    templates,
		Assessments:  assessments,
		Findings:     findings,
		Portfolio:    portfolio.NewService(repository.NewPortfolio(db), policies, db, clock),
		Remediations: remediations,
		Portal: portal.NewService(repository.NewPortalTokens(db),
			portal.Credentials{Authenticate: keys.Authenticate, Principal: keys.PrincipalOf}, db, clock, 0),
		OrphanGrace: DefaultOrphanGrace,
		Jobs: bulk.NewJobs(repository.NewImportJobs(db), repository.NewLeases(db), domain.NewID(), JobLease, clock,
			logger(opt.Log), map[string]bulk.Importer{
				"vendors":     {Permission: auth.PermVendorsWrite, Run: vendors.Import},
				"engagements": {Permission: auth.PermEngagementsWrite, Run: engagements.Import},
			}, db, trail),
	}
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// JobLease is how long an import job's lease lasts between renewals (after each chunk of rows): a
// replica that dies lets its job go to another after this long.
const JobLease = 2 * time.Minute

// must stops start-up on a wiring mistake (a dependency not given) rather than failing the first
// change that needs it.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// SealWebhookSecrets checks the stored webhook secrets against the secrets key and seals those
// still stored in clear (see repository.Webhooks.SealSecrets); serve runs it before serving.
func (s Services) SealWebhookSecrets(ctx context.Context) (repository.SecretsReport, error) {
	return s.webhookStore.SealSecrets(ctx)
}

// RotateWebhookSecrets re-seals every stored webhook secret under the current secrets key (see
// repository.Webhooks.RotateSecrets); "vendorrisk secrets rotate" runs it.
// The rotation acts as the system: no one's credential runs it, and the audit trail says so.
func (s Services) RotateWebhookSecrets(ctx context.Context) (repository.RotateReport, error) {
	return s.secrets.Rotate(auth.WithPrincipal(ctx, systemPrincipal))
}

// CheckWebhookSecretsRotation is RotateWebhookSecrets without writing ("secrets rotate --check").
func (s Services) CheckWebhookSecretsRotation(ctx context.Context) (repository.RotateReport, error) {
	return s.webhookStore.CheckRotation(ctx)
}

// APIDeps are the handler's dependencies for these services.
func (s Services) APIDeps(db *repository.DB, log *slog.Logger, clock domain.Clock) api.Deps {
	return api.Deps{
		Log: log, Clock: clock, Keys: s.Keys, Vendors: s.Vendors, Engagements: s.Engagements, Contracts: s.Contracts,
		Policies: s.Policies, Catalog: s.Catalog, Templates: s.Templates, Assessments: s.Assessments, Findings: s.Findings,
		Remediations: s.Remediations,
		Idempotency:  repository.NewIdempotency(db), Ready: db.Ping, DB: db.SQL(),
		Audit: s.Audit, Decisions: s.Decisions, Acceptances: s.Acceptances,
		Portfolio: s.Portfolio, Portal: s.Portal, Webhooks: s.Webhooks, Notices: s.Notices, Jobs: s.Jobs,
	}
}
