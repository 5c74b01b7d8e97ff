package api

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/idempotency"
	"github.com/vendorrisk/vendorrisk/domain/notice"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/portal"
	"github.com/vendorrisk/vendorrisk/domain/portfolio"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// Config holds the transport's limits.
type Config struct {
	MaxBodyBytes int64
	// MaxImportBytes limits catalog imports (OSCAL files are larger than other bodies).
	MaxImportBytes int64
	// MaxUploadBytes limits evidence uploads.
	MaxUploadBytes int64
	// RateLimit is the sustained requests per second per credential (0 disables); RateBurst the burst.
	RateLimit float64
	RateBurst int
	// DBTimeout bounds how long one request waits for the database (imports, uploads and audit
	// verification get six times as long); past it the answer is 503. Zero means the default.
	DBTimeout time.Duration
	// ReadyTimeout bounds /readyz's database check.
	ReadyTimeout time.Duration
	// MaxInFlightPerKey caps the requests one credential has in progress at once (0 disables), so
	// that one key cannot occupy every pooled connection; above it the answer is 429.
	MaxInFlightPerKey int
	// AuthFailureRate is the sustained failed authentications per second one client address may make
	// (zero means the default, negative disables); AuthFailureBurst the burst. Above it the answer is
	// 429 before the database is asked, so guessing keys costs the server nothing.
	AuthFailureRate  float64
	AuthFailureBurst int
	// TrustedProxies are the CIDRs whose X-Forwarded-For names the client; empty trusts none, so the
	// client address is the connection's.
	TrustedProxies []string
	// PublicURL is the scheme, host and any path prefix clients reach the API at (e.g.
	// https://vendorrisk.example.com); links such as supplier_url are built from it, never from the
	// request's Host or X-Forwarded-Host, which a client writes.
	PublicURL string
	// ImportJobRows is the most rows an import runs in its request; a larger file becomes a job (202,
	// GET /api/v1/jobs/{id}). Zero means the default; negative runs every import in its request.
	ImportJobRows int
	// MetricsToken, when set, is the bearer token GET /metrics requires (401 without it); empty leaves
	// /metrics open, for a scraper on a private network.
	MetricsToken string
}

// DefaultConfig is used for zero fields.
var DefaultConfig = Config{ImportJobRows: 2000, MaxBodyBytes: 1 << 20, MaxImportBytes: 20 << 20, MaxUploadBytes: 20 << 20, RateLimit: 50,
	RateBurst: 100, DBTimeout: 5 * time.Second, ReadyTimeout: time.Second, AuthFailureRate: 10, AuthFailureBurst: 20,
	PublicURL: "http://127.0.0.1:8080"}

// Deps are the services the handlers call.
type Deps struct {
	Log          *slog.Logger
	Clock        domain.Clock
	Keys         *apikey.Service
	Vendors      *register.Service
	Engagements  *engagement.Service
	Contracts    *contract.Service
	Policies     *policy.Service
	Catalog      *catalog.Service
	Templates    *questionnaire.Service
	Assessments  *assessment.Service
	Findings     *finding.Service
	Remediations *finding.Remediations
	Portfolio    *portfolio.Service
	Idempotency  idempotency.Store
	Audit        *audit.Service
	// Checkpoints signs and checks the audit chain's head (nil: no signing key configured).
	Checkpoints *audit.Checkpoints
	Decisions   *decision.Service
	Acceptances *acceptance.Service
	// Jobs runs large imports in the background (nil: every import runs in its request).
	Jobs *bulk.Jobs
	// Portal opens the supplier portal's sessions.
	Portal   *portal.Service
	Webhooks *webhook.Service
	Notices  *notice.Service
	// WebhookWorker, when set, is this process's delivery worker, whose attempts /metrics counts.
	WebhookWorker *webhook.Worker
	// Ready checks that the service can serve (the database answers).
	Ready func(ctx context.Context) error
	// DB, when set, adds connection pool statistics to /metrics.
	DB *sql.DB
}

// Server is the HTTP transport.
type Server struct {
	cfg          Config
	log          *slog.Logger
	now          domain.Clock
	keys         *apikey.Service
	vendors      *register.Service
	engagements  *engagement.Service
	contracts    *contract.Service
	policies     *policy.Service
	catalog      *catalog.Service
	templates    *questionnaire.Service
	assessments  *assessment.Service
	findings     *finding.Service
	remediations *finding.Remediations
	portfolio    *portfolio.Service
	idem         idempotency.Store
	router       http.Handler // for a replay that reads the created resource back
	audit        *audit.Service
	checkpoints  *audit.Checkpoints
	decisions    *decision.Service
	acceptances  *acceptance.Service
	jobs         *bulk.Jobs
	portal       *portal.Service
	pages        *pages
	webhooks     *webhook.Service
	notices      *notice.Service
	ready        func(ctx context.Context) error
	valid        *validator.Validate
	metrics      *metrics
	limiter      *limiter
	inflight     *inFlight
	authFailures *limiter // per client address
}

// NewHandler builds the HTTP handler with every route and middleware.
func NewHandler(cfg Config, d Deps) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultConfig.MaxBodyBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultConfig.MaxImportBytes
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultConfig.MaxUploadBytes
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = DefaultConfig.RateBurst
	}
	if cfg.DBTimeout <= 0 {
		cfg.DBTimeout = DefaultConfig.DBTimeout
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultConfig.ReadyTimeout
	}
	if cfg.ImportJobRows == 0 {
		cfg.ImportJobRows = DefaultConfig.ImportJobRows
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = DefaultConfig.PublicURL
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.AuthFailureRate == 0 {
		cfg.AuthFailureRate = DefaultConfig.AuthFailureRate
	}
	if cfg.AuthFailureBurst <= 0 {
		cfg.AuthFailureBurst = DefaultConfig.AuthFailureBurst
	}
	s := &Server{
		cfg: cfg, log: d.Log, now: d.Clock, keys: d.Keys, vendors: d.Vendors, idem: d.Idempotency,
		engagements: d.Engagements, contracts: d.Contracts, policies: d.Policies, catalog: d.Catalog,
		templates: d.Templates, assessments: d.Assessments, findings: d.Findings,
		remediations: d.Remediations, audit: d.Audit, checkpoints: d.Checkpoints,
		ready: d.Ready, valid: newValidator(), metrics: newMetrics(d.DB),
	}
	s.portfolio = d.Portfolio
	s.decisions, s.acceptances = d.Decisions, d.Acceptances
	s.portal = d.Portal
	s.jobs = d.Jobs

	s.webhooks, s.notices = d.Webhooks, d.Notices
	if d.Webhooks != nil {
		s.metrics.reg.MustRegister(newWebhookCollector(d.Webhooks, d.WebhookWorker, d.Clock))
	}
	s.limiter = newLimiter(cfg.RateLimit, cfg.RateBurst, d.Clock)
	s.inflight = newInFlight(cfg.MaxInFlightPerKey)
	s.authFailures = newLimiter(cfg.AuthFailureRate, cfg.AuthFailureBurst, d.Clock)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// A multipart file above 1 MiB is parsed to a temporary file, not memory: uploads stream from disk
	// to the evidence store.
	e.MaxMultipartMemory = 1 << 20
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = false
	// Without trusted proxies gin takes the connection's address as the client's and ignores
	// X-Forwarded-For, which any client can write.
	// A list that does not parse (cmd/vendorrisk checks it first) trusts none rather than all.
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		d.Log.Error("trusted proxies ignored: trusting none", "err", err)
		_ = e.SetTrustedProxies(nil) // nil always parses
	}
	e.Use(s.requestID, apiHeaders, s.observe, s.recovery, s.limitBody)
	e.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/portal/") { // the portal answers with a page
			setPortalHeaders(c)
			l := portalLoc(c)
			s.portalMessage(c, http.StatusNotFound, l.T("notfound"), l.T("notfound.body"))
			return
		}
		problemStatus(c, http.StatusNotFound, "not-found", "Not found", "no such endpoint")
	})
	e.NoMethod(func(c *gin.Context) {
		writeProblem(c, Problem{Type: problemBase + "method-not-allowed", Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
			Detail: "this endpoint does not accept " + c.Request.Method, detail: domain.Textf("this endpoint does not accept %s", c.Request.Method)})
	})
	e.GET("/metrics", s.metricsAuth, gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	s.routes(e)
	s.router = e
	return e
}

// healthz godoc
//
//	@Summary	Liveness: the process answers
//	@ID	checkLiveness
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	HealthResponse
//	@Router		/healthz [get]
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, HealthResponse{Status: "ok"})
}

// readyz godoc
//
//	@Summary		Readiness: the database answers and the process is not shutting down
//	@ID	checkReadiness
//	@Description	503 once SIGTERM or SIGINT has been received (for VENDORRISK_DRAIN_DELAY the process still serves, so that a load balancer stops sending before it stops answering), or when the database does not answer within 1 s.
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	HealthResponse
//	@Failure		503	{object}	Problem	"the database does not answer or the process is draining (this annotation also keeps Problem in the spec)"
//	@Router			/readyz [get]
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		if errors.Is(err, ErrDraining) {
			problemStatus(c, http.StatusServiceUnavailable, "unavailable", "Service unavailable", "the service is shutting down")
			return
		}
		loggerFrom(c).WarnContext(c.Request.Context(), "not ready", "err", err)
		problemStatus(c, http.StatusServiceUnavailable, "unavailable", "Service unavailable", "the database does not answer")
		return
	}
	c.JSON(http.StatusOK, HealthResponse{Status: "ok"})
}

// ErrDraining is what Deps.Ready answers once the process has been asked to stop: readiness fails,
// so that a load balancer sends no new requests, while the requests it sends meanwhile are served.
var ErrDraining = errors.New("draining")

// HealthResponse is the body of the health checks.
type HealthResponse struct {
	Status string `json:"status" binding:"required" example:"ok"`
}
