package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// metrics are registered on the server's own registry, never the global one.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(db *sql.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorrisk_http_requests_total",
			Help: "HTTP requests by method, route template and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendorrisk_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route template and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, "vendorrisk"))
	}
	return m
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	s := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, s).Inc()
	m.latency.WithLabelValues(method, route, s).Observe(elapsed.Seconds())
}

// metricsAuth requires Authorization: Bearer <Config.MetricsToken> on /metrics when a token is
// configured. The comparison is of SHA-256 digests in constant time, so neither the token's bytes nor
// its length leak through timing.
func (s *Server) metricsAuth(c *gin.Context) {
	if s.cfg.MetricsToken == "" {
		c.Next()
		return
	}
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256([]byte(s.cfg.MetricsToken))
	if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		respondError(c, domain.Errorf(domain.KindUnauthenticated, "send Authorization: Bearer <metrics token>"))
		return
	}
	c.Next()
}

// webhookCollector reads the delivery backlog from the database at each scrape (every replica shares
// it), and this process's attempt outcomes from its worker.
type webhookCollector struct {
	svc           *webhook.Service
	worker        *webhook.Worker
	now           domain.Clock
	depth, oldest *prometheus.Desc
	attempts      *prometheus.Desc
}

func newWebhookCollector(svc *webhook.Service, worker *webhook.Worker, now domain.Clock) *webhookCollector {
	return &webhookCollector{svc: svc, worker: worker, now: now,
		depth: prometheus.NewDesc("vendorrisk_webhook_pending_deliveries", "Webhook deliveries not yet made (queue depth).", nil, nil),
		oldest: prometheus.NewDesc("vendorrisk_webhook_oldest_pending_seconds",
			"Age of the oldest webhook delivery not yet made (0 when none).", nil, nil),
		attempts: prometheus.NewDesc("vendorrisk_webhook_attempts_total",
			"Webhook delivery attempts made by this process, by outcome.", []string{"outcome"}, nil)}
}

func (c *webhookCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
	ch <- c.attempts
}

func (c *webhookCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, oldest, err := c.svc.Backlog(ctx); err == nil {
		age := 0.0
		if oldest != nil {
			age = max(0, c.now().Sub(*oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n))
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	}
	if c.worker != nil {
		ok, failed := c.worker.Outcomes()
		ch <- prometheus.MustNewConstMetric(c.attempts, prometheus.CounterValue, float64(ok), "succeeded")
		ch <- prometheus.MustNewConstMetric(c.attempts, prometheus.CounterValue, float64(failed), "failed")
	}
}
